package mcpserver

import (
	"encoding/json"
	"slices"
	"testing"
)

func TestFlexInt(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    int
		wantBad bool
	}{
		{`5`, 5, false},
		{`"5"`, 5, false},
		{`" 12 "`, 12, false},
		{`5.0`, 5, false},
		{`5.5`, 0, true},
		{`"five"`, 0, true},
		{`""`, 0, true},
		{`1e12`, 0, true},
	}
	for _, tt := range tests {
		var got struct {
			N flexInt `json:"n"`
		}
		if err := json.Unmarshal([]byte(`{"n":`+tt.in+`}`), &got); err != nil {
			t.Fatalf("%s: %v", tt.in, err)
		}
		if !got.N.Set || got.N.Bad != tt.wantBad || (!tt.wantBad && got.N.Value != tt.want) {
			t.Errorf("%s: got %+v, want value %d, bad %v", tt.in, got.N, tt.want, tt.wantBad)
		}
	}
	var absent struct {
		N flexInt `json:"n"`
	}
	if err := json.Unmarshal([]byte(`{}`), &absent); err != nil || absent.N.Set {
		t.Errorf("absent: got %+v, %v; want not set", absent.N, err)
	}
}

func TestFlexFloat(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    float64
		wantBad bool
	}{
		{`0.5`, 0.5, false},
		{`"0.75"`, 0.75, false},
		{`"high"`, 0, true},
		{`"NaN"`, 0, true},
	}
	for _, tt := range tests {
		var got flexFloat
		if err := json.Unmarshal([]byte(tt.in), &got); err != nil {
			t.Fatalf("%s: %v", tt.in, err)
		}
		if got.Bad != tt.wantBad || (!tt.wantBad && got.Value != tt.want) {
			t.Errorf("%s: got %+v, want value %v, bad %v", tt.in, got, tt.want, tt.wantBad)
		}
	}
}

func TestFlexList(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want []string
	}{
		{`["a","b"]`, []string{"a", "b"}},
		{`"a,b"`, []string{"a", "b"}},
		{`" a , ,b "`, []string{"a", "b"}},
		{`""`, []string{}},
		{`[" a ", ""]`, []string{"a"}},
	}
	for _, tt := range tests {
		var got flexList
		if err := json.Unmarshal([]byte(tt.in), &got); err != nil {
			t.Fatalf("%s: %v", tt.in, err)
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s: got %q, want %q", tt.in, got, tt.want)
		}
	}
	var got flexList
	if err := json.Unmarshal([]byte(`5`), &got); err == nil {
		t.Errorf("5: got %q, want an error", got)
	}
}
