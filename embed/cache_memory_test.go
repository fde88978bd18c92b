package embed

import (
	"context"
	"fmt"
	"testing"
	"time"
)

func TestMemoryStoreTTL(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s := NewMemoryStore(10, func() time.Time { return now })
	ctx := context.Background()
	_ = s.Set(ctx, "k", []byte("v"), time.Hour)
	tests := []struct {
		advance   time.Duration
		wantFound bool
	}{
		{0, true},
		{59 * time.Minute, true},
		{time.Minute, false}, // exactly at expiry
		{0, false},
	}
	for i, tt := range tests {
		now = now.Add(tt.advance)
		_, found, err := s.Get(ctx, "k")
		if err != nil || found != tt.wantFound {
			t.Errorf("step %d: found = %v, %v; want %v, nil", i, found, err, tt.wantFound)
		}
	}
	if got := s.Len(); got != 0 {
		t.Errorf("Len() after expired Get = %d, want 0", got)
	}
}

func TestMemoryStoreBound(t *testing.T) {
	s := NewMemoryStore(3, nil)
	ctx := context.Background()
	for i := range 5 {
		_ = s.Set(ctx, fmt.Sprint(i), []byte{byte(i)}, time.Hour)
		if i == 2 {
			_, _, _ = s.Get(ctx, "0") // 0 becomes most recently used
		}
	}
	tests := []struct {
		key       string
		wantFound bool
	}{
		{"0", true}, {"1", false}, {"2", false}, {"3", true}, {"4", true},
	}
	for _, tt := range tests {
		if _, found, _ := s.Get(ctx, tt.key); found != tt.wantFound {
			t.Errorf("Get(%q) found = %v, want %v", tt.key, found, tt.wantFound)
		}
	}
	if got := s.Len(); got != 3 {
		t.Errorf("Len() = %d, want 3", got)
	}
}

func TestMemoryStoreCopies(t *testing.T) {
	s := NewMemoryStore(0, nil)
	ctx := context.Background()
	val := []byte{1, 2, 3}
	_ = s.Set(ctx, "k", val, time.Hour)
	val[0] = 9
	got, _, _ := s.Get(ctx, "k")
	got[1] = 9
	again, _, _ := s.Get(ctx, "k")
	if string(again) != string([]byte{1, 2, 3}) {
		t.Errorf("stored value = %v, want [1 2 3] (aliasing)", again)
	}
}
