package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"

	"github.com/kapi-project/kapi/migrations"
)

func migrateCmd(ctx context.Context, cfg Config, logger *slog.Logger, stdout io.Writer, args []string) error {
	if len(args) > 0 {
		return usageError{fmt.Errorf("takes no arguments, got %q", args)}
	}
	res, err := migrations.Apply(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	logger.Info("migrations checked", "version", res.Version, "applied", res.Applied)
	if res.Applied == nil {
		res.Applied = []string{}
	}
	return json.NewEncoder(stdout).Encode(map[string]any{"version": res.Version, "applied": res.Applied})
}

func applyMigrations(ctx context.Context, cfg Config, logger *slog.Logger) error {
	res, err := migrations.Apply(ctx, cfg.DatabaseURL)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if len(res.Applied) > 0 {
		logger.Info("migrations applied", "version", res.Version, "applied", res.Applied)
	}
	return nil
}
