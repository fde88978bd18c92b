package main

import (
	"context"
	"fmt"
	"log/slog"

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
