package main

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/kapi-project/kapi/cmd/kapi/rest"
	"github.com/kapi-project/kapi/migrations"
)

// openReplicas opens the read replicas of DATABASE_REPLICA_URLS, checks them
// once and keeps checking them until stop; nil and a no-op stop without any.
// A replica that does not answer yet is only out of rotation.
func openReplicas(ctx context.Context, cfg Config, primary *pgxpool.Pool, logger *slog.Logger) (*migrations.Replicas, func(), error) {
	if len(cfg.ReplicaURLs) == 0 {
		return nil, func() {}, nil
	}
	rs, err := migrations.OpenReplicas(ctx, cfg.DatabaseURL, primary, cfg.ReplicaURLs, migrations.ReplicaOptions{
		MaxLag: cfg.ReplicaMaxLag, Pool: servePoolOptions(cfg), OnChange: logReplica(logger)})
	if err != nil {
		return nil, nil, fmt.Errorf("open read replicas: %w", err)
	}
	rs.Check(ctx)
	runCtx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() { rs.Run(runCtx) })
	stop := func() {
		cancel()
		wg.Wait()
		rs.Close()
	}
	return rs, stop, nil
}

// logReplica logs a replica entering or leaving the rotation.
func logReplica(logger *slog.Logger) func(migrations.ReplicaState) {
	return func(s migrations.ReplicaState) {
		if s.Healthy {
			logger.Info("read replica in rotation", "replica", s.Name, "lag", s.Lag.String())
			return
		}
		logger.Warn("read replica out of rotation: reads fall back to the primary", "replica", s.Name,
			"problem", s.Problem, "lag", s.Lag.String())
	}
}

// replicaName is how /ready and the metrics name the i-th replica (from 0):
// by position, never by address.
func replicaName(i int) string { return "replica" + strconv.Itoa(i+1) }

// replicaReports is GET /ready's view of rs.
func replicaReports(rs *migrations.Replicas) func() []rest.ReplicaReport {
	return func() []rest.ReplicaReport {
		states := rs.States()
		out := make([]rest.ReplicaReport, len(states))
		for i, s := range states {
			out[i] = rest.ReplicaReport{Name: replicaName(i), State: "out_of_rotation",
				LagSeconds: s.Lag.Seconds(), Problem: s.Problem}
			if s.Healthy {
				out[i].State = "in_rotation"
			}
		}
		return out
	}
}

// watchReplicas exposes each replica's rotation and lag.
func (m *metrics) watchReplicas(rs *migrations.Replicas) {
	for i := range rs.States() {
		labels := prometheus.Labels{"replica": replicaName(i)}
		state := func() migrations.ReplicaState { return rs.States()[i] }
		m.reg.MustRegister(
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "kapi_db_replica_in_rotation",
				Help: "1 when the read replica takes reads, 0 when it is out of rotation.", ConstLabels: labels},
				func() float64 {
					if state().Healthy {
						return 1
					}
					return 0
				}),
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "kapi_db_replica_lag_seconds",
				Help: "How long ago the primary wrote the oldest WAL the replica has not replayed.", ConstLabels: labels},
				func() float64 { return state().Lag.Seconds() }),
		)
	}
}

// readYourWritesWindow is how long reads of a feed go to the primary after
// this instance wrote to it: a replica in rotation is at most the maximum lag
// plus a check interval behind.
func readYourWritesWindow(cfg Config) time.Duration {
	return cfg.ReplicaMaxLag + migrations.DefaultCheckEvery
}
