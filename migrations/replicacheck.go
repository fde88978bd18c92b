package migrations

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// primaryLSNSQL is the primary's current WAL position, in bytes.
const primaryLSNSQL = `SELECT (pg_current_wal_lsn() - '0/0'::pg_lsn)::bigint`

// replicaSQL is a replica's state: whether it is a standby, the WAL position
// it has replayed (bytes) and whether replay is paused.
const replicaSQL = `
SELECT pg_is_in_recovery(),
       coalesce((pg_last_wal_replay_lsn() - '0/0'::pg_lsn)::bigint, 0),
       CASE WHEN pg_is_in_recovery() THEN pg_is_wal_replay_paused() ELSE false END`

// Check checks every replica at once, each within CheckTimeout, and updates
// the rotation.
func (r *Replicas) Check(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, r.opts.CheckTimeout)
	defer cancel()
	r.markPrimary(ctx)
	var wg sync.WaitGroup
	for _, m := range r.members {
		wg.Go(func() { r.checkMember(ctx, m) })
	}
	wg.Wait()
	r.rotate()
}

// markPrimary records the primary's WAL position when it moved on. A primary
// that does not answer records nothing: lags are measured against what it
// last said.
func (r *Replicas) markPrimary(ctx context.Context) {
	var lsn int64
	if err := r.probe.Scan(ctx, primaryLSNSQL, nil, &lsn); err != nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if n := len(r.marks); n == 0 || r.marks[n-1].lsn < lsn {
		r.marks = append(r.marks, walMark{lsn: lsn, at: r.now()})
	}
	if len(r.marks) > maxMarks {
		r.marks = slices.Delete(r.marks, 0, len(r.marks)-maxMarks)
	}
}

// lagBehind is how long ago the primary was first seen past replayed: zero
// when the replica has replayed every recorded position.
func (r *Replicas) lagBehind(replayed int64, now time.Time) time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, m := range r.marks {
		if m.lsn > replayed {
			return now.Sub(m.at)
		}
	}
	return 0
}

func (r *Replicas) checkMember(ctx context.Context, m *member) {
	var standby, paused bool
	var replayed int64
	now := r.now()
	s := ReplicaState{Name: m.name, CheckedAt: now}
	switch err := m.probe.Scan(ctx, replicaSQL, nil, &standby, &replayed, &paused); {
	case err != nil:
		s.Problem = "unreachable"
	case !standby:
		s.Problem = "not a standby (promoted?)"
	default:
		s.Paused = paused
		s.Lag = r.lagBehind(replayed, now)
		if s.Lag > r.opts.MaxLag {
			s.Problem = fmt.Sprintf("lagging %s behind the primary (max %s)", s.Lag.Round(time.Millisecond), r.opts.MaxLag)
		}
	}
	s.Healthy = s.Problem == ""
	old := m.state.Swap(&s)
	if r.opts.OnChange != nil && old.Healthy != s.Healthy {
		r.opts.OnChange(s)
	}
}

// rotate puts the healthy replicas, and only them, in rotation.
func (r *Replicas) rotate() {
	healthy := []*pgxpool.Pool{}
	for _, m := range r.members {
		if m.state.Load().Healthy {
			healthy = append(healthy, m.pool)
		}
	}
	r.healthy.Store(&healthy)
}
