package migrations

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// lazyPool is a pool that never connects unless used.
func lazyPool(t *testing.T, name string) *pgxpool.Pool {
	t.Helper()
	p, err := newPool(context.Background(), "postgres://kapi@127.0.0.1:1/"+name, PoolOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	return p
}

func TestReadTakesHealthyReplicasInTurnElseThePrimary(t *testing.T) {
	primary, a, b := lazyPool(t, "primary"), lazyPool(t, "a"), lazyPool(t, "b")
	r := &Replicas{primary: primary}
	r.healthy.Store(&[]*pgxpool.Pool{})
	ctx := context.Background()
	if got := r.Read(ctx); got != primary {
		t.Errorf("no healthy replica: got %p, want the primary", got)
	}
	r.healthy.Store(&[]*pgxpool.Pool{a, b})
	for i, want := range []*pgxpool.Pool{a, b, a, b} {
		if got := r.Read(ctx); got != want {
			t.Errorf("read %d: got %p, want %p", i, got, want)
		}
	}
	if got := r.Read(ReadPrimary(ctx)); got != primary {
		t.Errorf("ReadPrimary: got %p, want the primary", got)
	}
}

func TestLagIsTheAgeOfTheOldestUnreplayedPrimaryPosition(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	r := &Replicas{marks: []walMark{{lsn: 100, at: t0}, {lsn: 200, at: t0.Add(2 * time.Second)}, {lsn: 300, at: t0.Add(5 * time.Second)}}}
	now := t0.Add(6 * time.Second)
	for _, c := range []struct {
		replayed int64
		want     time.Duration
	}{
		{50, 6 * time.Second},  // behind everything the primary wrote since t0
		{100, 4 * time.Second}, // has t0's position, not the one seen 2 s later
		{250, time.Second},
		{300, 0}, // caught up: an idle primary is no lag
		{400, 0},
	} {
		if got := r.lagBehind(c.replayed, now); got != c.want {
			t.Errorf("replayed %d: lag %s, want %s", c.replayed, got, c.want)
		}
	}
}
