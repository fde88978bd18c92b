package search

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
)

// The HNSW settings of a scan hold in its transaction, and only there.
func TestScanSettingsHoldInTheTransaction(t *testing.T) {
	t.Parallel()
	_, pool, _ := testEngine(t)
	ctx := context.Background()
	var ef, tuples, iterative string
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, scanSettings(123, 4567)); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `SELECT current_setting('hnsw.ef_search'), current_setting('hnsw.max_scan_tuples'),
			current_setting('hnsw.iterative_scan')`).Scan(&ef, &tuples, &iterative)
	})
	if err != nil {
		t.Fatal(err)
	}
	if ef != "123" || tuples != "4567" || iterative != "relaxed_order" {
		t.Errorf("in the transaction: ef_search %s, max_scan_tuples %s, iterative_scan %s", ef, tuples, iterative)
	}
	if err := pool.QueryRow(ctx, `SELECT current_setting('hnsw.ef_search')`).Scan(&ef); err != nil {
		t.Fatal(err)
	}
	if ef == "123" {
		t.Error("ef_search outlived its transaction")
	}
}
