package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/kapi-project/kapi/migrations"
)

// openDB applies pending migrations (idempotent, quick when up to date) and opens
// the pool, for the admin commands that need the database.
func openDB(ctx context.Context, cfg Config, logger *slog.Logger) (*pgxpool.Pool, error) {
	if err := applyMigrations(ctx, cfg, logger); err != nil {
		return nil, err
	}
	pool, err := migrations.Open(ctx, cfg.DatabaseURL, migrations.PoolOptions{MaxConns: cfg.MaxDBConns})
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	return pool, nil
}

// withPool runs f on a pool for one admin command (migrating first, quietly).
func withPool(ctx context.Context, cfg Config, f func(*pgxpool.Pool) error) error {
	pool, err := openDB(ctx, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		return err
	}
	defer pool.Close()
	return f(pool)
}

// openServeDB waits for the database, migrates it (unless told not to) and
// opens kapi serve's pool.
func openServeDB(ctx context.Context, cfg Config, logger *slog.Logger, probe *migrations.Probe, migrate bool) (*pgxpool.Pool, error) {
	if err := waitForDatabase(ctx, cfg, logger, probe); err != nil {
		return nil, err
	}
	if migrate {
		if err := applyMigrations(ctx, cfg, logger); err != nil {
			return nil, err
		}
	}
	pool, err := migrations.Open(ctx, cfg.DatabaseURL, servePoolOptions(cfg))
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	return pool, nil
}

// Database timeouts of kapi serve: a connection opens within dbConnectTimeout
// and an idle one answers its liveness ping within dbPingTimeout, or it is
// given up (503); the statement timeout is configured (KAPI_DB_STATEMENT_TIMEOUT).
const (
	dbConnectTimeout = 2 * time.Second
	dbPingTimeout    = time.Second
)

// servePoolOptions are the pool options of kapi serve: bounded connection,
// ping and statement times, so that a slow or frozen database fails requests
// with 503 rather than holding them.
func servePoolOptions(cfg Config) migrations.PoolOptions {
	return migrations.PoolOptions{MaxConns: cfg.MaxDBConns, StatementTimeout: cfg.DBStatementTimeout,
		ConnectTimeout: dbConnectTimeout, PingTimeout: dbPingTimeout}
}

// Start-up backoff between attempts to reach the database.
const (
	dbWaitFirst = 250 * time.Millisecond
	dbWaitMax   = 5 * time.Second
)

// waitForDatabase returns once the database answers, trying with backoff and
// logging each failed attempt, for at most cfg.DBWait: in compose or
// Kubernetes, kapi may start before its database does.
func waitForDatabase(ctx context.Context, cfg Config, logger *slog.Logger, probe *migrations.Probe) error {
	ctx, cancel := context.WithTimeout(ctx, cfg.DBWait)
	defer cancel()
	delay := dbWaitFirst
	for attempt := 1; ; attempt++ {
		pctx, cancelPing := context.WithTimeout(ctx, dbConnectTimeout)
		err := probe.Ping(pctx)
		cancelPing()
		if err == nil {
			return nil
		}
		logger.Warn("database not reachable yet; waiting", "attempt", attempt, "retry_in", delay.String(), "error", err)
		select {
		case <-ctx.Done():
			return fmt.Errorf("database not reachable after %s (KAPI_DB_WAIT): %w", cfg.DBWait, err)
		case <-time.After(delay):
		}
		delay = min(2*delay, dbWaitMax)
	}
}
