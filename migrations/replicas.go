package migrations

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Replica-set defaults (ReplicaOptions).
const (
	DefaultMaxLag       = 5 * time.Second        // a replica further behind is out of rotation
	DefaultCheckEvery   = 500 * time.Millisecond // between health checks
	DefaultCheckTimeout = time.Second            // a check slower than this reads as down
	// maxMarks bounds the primary's WAL positions kept to measure lag (at
	// DefaultCheckEvery, over an hour of constant writing).
	maxMarks = 8192
)

// ReplicaOptions tune OpenReplicas; zero fields take the defaults.
type ReplicaOptions struct {
	MaxLag       time.Duration
	CheckEvery   time.Duration
	CheckTimeout time.Duration
	Pool         PoolOptions // each replica's pool
	// OnChange, when set, is told of every replica whose rotation changes
	// (in or out), from the checking goroutine.
	OnChange func(ReplicaState)
}

// ReplicaState is a replica as the last health check found it.
type ReplicaState struct {
	Name      string        // host:port/database: never a password
	Healthy   bool          // in rotation: answers, is a standby, lags at most MaxLag
	Lag       time.Duration // how long ago the primary wrote the oldest WAL it has not replayed
	Problem   string        // why it is out of rotation; "" when healthy
	Paused    bool          // WAL replay is paused (pg_wal_replay_pause)
	CheckedAt time.Time
}

// Replicas routes reads between a primary and its streaming replicas: Read
// hands out a healthy replica's pool in turn, or the primary's when none is
// healthy. Run checks the replicas: one that does not answer within
// CheckTimeout, is not in recovery (promoted), or has not replayed WAL the
// primary wrote more than MaxLag ago, leaves the rotation until a check finds
// it healthy again. Safe for concurrent use.
//
// Lag is measured against the primary, not from pg_last_xact_replay_timestamp
// alone (which grows while the primary is idle): each check records the
// primary's WAL position and when it was first seen; a replica's lag is the
// age of the oldest recorded position beyond its replay position.
type Replicas struct {
	primary *pgxpool.Pool
	probe   *Probe // the primary's WAL position
	members []*member
	opts    ReplicaOptions
	now     func() time.Time
	next    atomic.Uint64
	healthy atomic.Pointer[[]*pgxpool.Pool]

	mu    sync.Mutex // guards marks
	marks []walMark  // the primary's positions, oldest first
}

type member struct {
	name  string
	pool  *pgxpool.Pool
	probe *Probe
	state atomic.Pointer[ReplicaState]
}

// walMark is a WAL position of the primary and when a check first saw it.
type walMark struct {
	lsn int64
	at  time.Time
}

// OpenReplicas returns the replica set of primary (whose URL is primaryURL)
// and the replicas at replicaURLs. No replica needs to answer: each is out of
// rotation until Check finds it healthy. Errors: an unparsable URL (never
// quoted: it may hold a password).
func OpenReplicas(ctx context.Context, primaryURL string, primary *pgxpool.Pool, replicaURLs []string, opts ReplicaOptions) (*Replicas, error) {
	opts = opts.withDefaults()
	probe, err := NewProbe(primaryURL)
	if err != nil {
		return nil, err
	}
	r := &Replicas{primary: primary, probe: probe, opts: opts, now: time.Now}
	r.healthy.Store(&[]*pgxpool.Pool{})
	for i, u := range replicaURLs {
		m, err := newMember(ctx, u, opts.Pool)
		if err != nil {
			r.Close()
			return nil, fmt.Errorf("replica %d of DATABASE_REPLICA_URLS: %w", i+1, err)
		}
		r.members = append(r.members, m)
	}
	return r, nil
}

func (o ReplicaOptions) withDefaults() ReplicaOptions {
	if o.MaxLag <= 0 {
		o.MaxLag = DefaultMaxLag
	}
	if o.CheckEvery <= 0 {
		o.CheckEvery = DefaultCheckEvery
	}
	if o.CheckTimeout <= 0 {
		o.CheckTimeout = DefaultCheckTimeout
	}
	return o
}

func newMember(ctx context.Context, rawURL string, opts PoolOptions) (*member, error) {
	cfg, err := pgx.ParseConfig(rawURL)
	if err != nil {
		return nil, errors.New("invalid connection string")
	}
	name := net.JoinHostPort(cfg.Host, strconv.Itoa(int(cfg.Port))) + "/" + cfg.Database
	probe, err := NewProbe(rawURL)
	if err != nil {
		return nil, err
	}
	pool, err := newPool(ctx, rawURL, opts)
	if err != nil {
		return nil, err
	}
	m := &member{name: name, pool: pool, probe: probe}
	m.state.Store(&ReplicaState{Name: name, Problem: "not checked yet"})
	return m, nil
}

// Read returns the pool a read should use: a healthy replica's, in turn, or
// the primary's when none is healthy or ctx was made by ReadPrimary.
func (r *Replicas) Read(ctx context.Context) *pgxpool.Pool {
	if ctx.Value(primaryKey{}) != nil {
		return r.primary
	}
	healthy := *r.healthy.Load()
	if len(healthy) == 0 {
		return r.primary
	}
	return healthy[(r.next.Add(1)-1)%uint64(len(healthy))]
}

type primaryKey struct{}

// ReadPrimary returns ctx marked so that Read answers the primary: for a read
// that must see the latest writes.
func ReadPrimary(ctx context.Context) context.Context {
	return context.WithValue(ctx, primaryKey{}, true)
}

// States reports every replica as last checked, in the order configured.
func (r *Replicas) States() []ReplicaState {
	out := make([]ReplicaState, len(r.members))
	for i, m := range r.members {
		out[i] = *m.state.Load()
	}
	return out
}

// Pools returns each replica's pool, in the order configured (metrics).
func (r *Replicas) Pools() []*pgxpool.Pool {
	out := make([]*pgxpool.Pool, len(r.members))
	for i, m := range r.members {
		out[i] = m.pool
	}
	return out
}

// Run checks the replicas every CheckEvery until ctx ends.
func (r *Replicas) Run(ctx context.Context) {
	t := time.NewTicker(r.opts.CheckEvery)
	defer t.Stop()
	for {
		r.Check(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Close closes the replicas' pools and the set's connections; the primary's
// pool is the caller's.
func (r *Replicas) Close() {
	r.probe.Close()
	for _, m := range r.members {
		m.probe.Close()
		m.pool.Close()
	}
}
