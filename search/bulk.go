package search

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// vectorIndex is the HNSW index over the passages' embeddings (005_passage_lexemes.sql).
const vectorIndex = "passages_embedding_idx"

// indexDefSQL reads the index's definition from the catalogue, so that a
// rebuild makes exactly the index the migrations made.
const indexDefSQL = `SELECT pg_get_indexdef(to_regclass($1))`

// WithoutVectorIndex runs load with the passages' HNSW index dropped, then
// builds the index again (in parallel, with a large maintenance_work_mem) when
// rebuild says so, and analyzes the database: pgvector inserts ~260 entries/s
// into a live index on two cores, ~1,700/s without one. For scratch databases
// only: searches elsewhere would scan without the index meanwhile (and
// semantic searches scan every passage when it is not rebuilt). Errors:
// load's, and DDL errors wrapped; the index stays dropped when load fails.
func (e *Engine) WithoutVectorIndex(ctx context.Context, rebuild bool, load func(context.Context) error) error {
	var def *string
	if err := e.pool.QueryRow(ctx, indexDefSQL, vectorIndex).Scan(&def); err != nil {
		return fmt.Errorf("read vector index definition: %w", err)
	}
	if def == nil {
		return fmt.Errorf("vector index %s does not exist", vectorIndex)
	}
	if _, err := e.pool.Exec(ctx, `DROP INDEX `+vectorIndex); err != nil {
		return fmt.Errorf("drop vector index: %w", err)
	}
	if err := load(ctx); err != nil {
		return err
	}
	if !rebuild {
		return e.analyze(ctx)
	}
	return e.buildIndex(ctx, *def)
}

// buildIndex runs def, an index definition, with the settings of a bulk build.
func (e *Engine) buildIndex(ctx context.Context, def string) error {
	err := pgx.BeginFunc(ctx, e.pool, func(tx pgx.Tx) error {
		for _, sql := range []string{
			`SET LOCAL maintenance_work_mem = '2GB'`,
			`SET LOCAL max_parallel_maintenance_workers = 2`,
			def,
		} {
			if _, err := tx.Exec(ctx, sql); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("build vector index: %w", err)
	}
	return e.analyze(ctx)
}

func (e *Engine) analyze(ctx context.Context) error {
	if _, err := e.pool.Exec(ctx, `ANALYZE`); err != nil {
		return fmt.Errorf("analyze: %w", err)
	}
	return nil
}
