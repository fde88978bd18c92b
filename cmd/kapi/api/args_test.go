package api

import (
	"fmt"
	"math"
	"testing"
)

// TestArguments: an argument not sent takes its default; a bad one falls
// outside every range, so that the domain's check names it with its bounds.
func TestArguments(t *testing.T) {
	t.Parallel()
	ints := []struct {
		n    Int
		want int
	}{
		{Int{}, 5},
		{Int{Value: 7, Set: true}, 7},
		{Int{Set: true, Bad: true}, math.MinInt},
	}
	for _, tt := range ints {
		if got := tt.n.Or(5); got != tt.want {
			t.Errorf("%+v: got %d, want %d", tt.n, got, tt.want)
		}
	}
	if got := (Float{}).Ptr(); got != nil {
		t.Errorf("unsent float: got %v, want nil", *got)
	}
	if got := (Float{Set: true, Bad: true}).Or(0); !math.IsNaN(got) {
		t.Errorf("bad float: got %v, want NaN", got)
	}
	if got := (Float{Value: 0.5, Set: true}).Or(0); got != 0.5 {
		t.Errorf("float: got %v, want 0.5", got)
	}
	for in, want := range map[string]string{"": "[]", " a , ,b ,": "[a b]", "sleep": "[sleep]"} {
		if got := fmt.Sprint(SplitList(in)); got != want {
			t.Errorf("SplitList(%q): got %s, want %s", in, got, want)
		}
	}
}
