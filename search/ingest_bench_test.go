package search

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
)

// BenchmarkIngest measures storing entries without the cost of a real model:
// the fake embedder is a hash of the words, so what is left is validation, the
// comparison with stored rows, and the batched upsert (tsvector, keyword
// index, counters and, dominating, the HNSW insert of each 768-dimension
// vector).
// Run: go test -run '^$' -bench Ingest -benchtime 10x ./search/
//
// The sub-benchmark without-hnsw drops the vector index first, to show how much
// of the cost is pgvector's graph insertion rather than kapi's write path;
// without-hnsw-2-in-flight keeps two batches in flight at once.
func BenchmarkIngest(b *testing.B) {
	b.Run("with-hnsw", func(b *testing.B) { benchmarkIngest(b, true, 1) })
	b.Run("without-hnsw", func(b *testing.B) { benchmarkIngest(b, false, 1) })
	b.Run("without-hnsw-2-in-flight", func(b *testing.B) { benchmarkIngest(b, false, 2) })
}

// benchmarkIngest ingests with writers batches in flight at once into one
// feed, as concurrent REST ingests do.
func benchmarkIngest(b *testing.B, hnsw bool, writers int) {
	eng, pool, _ := testEngineTB(b)
	ctx := context.Background()
	feed := newFeed(b, pool, "bench-ingest", "english")
	if !hnsw {
		if _, err := pool.Exec(ctx, `DROP INDEX passages_embedding_idx`); err != nil {
			b.Fatal(err)
		}
	}
	runIngest(b, eng, feed, writers)
}

// runIngest ingests b.N batches of generated entries into feed and reports
// the entries stored per second. The batches are made before the clock
// starts: the generator is not part of what is measured.
func runIngest(b *testing.B, eng *Engine, feed Feed, writers int) {
	ctx := context.Background()
	batches := make(chan []NewEntry, b.N)
	for i := range b.N {
		batches <- benchBatch(i)
	}
	close(batches)
	b.ResetTimer()
	start := time.Now()
	errs := make(chan error, writers)
	for range writers {
		go func() {
			for batch := range batches {
				if _, err := eng.Ingest(ctx, feed, batch); err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for range writers {
		if err := <-errs; err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*MaxBatch)/time.Since(start).Seconds(), "entries/s")
}

// benchBatch is the i-th batch of MaxBatch generated entries, each of about a
// SciFact abstract's length (120 words), distinct from every other entry.
func benchBatch(i int) []NewEntry {
	words := strings.Fields("protein cells gene expression tumour immune response clinical trial " +
		"dose placebo cohort mortality risk factor receptor pathway mutation biomarker therapy")
	batch := make([]NewEntry, MaxBatch)
	for j := range batch {
		n := i*MaxBatch + j
		var sb strings.Builder
		r := uint32(n)*2654435761 + 1
		for range 120 {
			r = r*1664525 + 1013904223
			sb.WriteString(words[int(r>>16)%len(words)])
			fmt.Fprintf(&sb, "%d ", r%97)
		}
		batch[j] = NewEntry{ExternalID: fmt.Sprint(n), Title: fmt.Sprintf("Study %d of %s", n, words[n%len(words)]),
			Content: sb.String(), Category: words[n%5], Tags: []string{words[n%3]}}
	}
	return batch
}
