package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/kapi-project/kapi/feeds"
	"github.com/kapi-project/kapi/search"
)

// ingestSummary is what `kapi ingest` prints on stdout when it is done.
type ingestSummary struct {
	Feed             string  `json:"feed"`
	Files            int     `json:"files"`
	Entries          int     `json:"entries"`
	Created          int     `json:"created"`
	Updated          int     `json:"updated"`
	Unchanged        int     `json:"unchanged"`
	SkippedBlank     int     `json:"skipped_blank"` // BEIR lines without title and text
	Seconds          float64 `json:"seconds"`
	EntriesPerSecond float64 `json:"entries_per_second"`
}

func ingestCmd(ctx context.Context, cfg Config, logger *slog.Logger, stdout, stderr io.Writer, args []string) error {
	fs := flag.NewFlagSet("ingest", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	feedRef := fs.String("feed", "", "feed slug or UUID to ingest into (required)")
	batchSize := fs.Int("batch", search.MaxBatch, "entries per batch (1-500)")
	if err := fs.Parse(args); err != nil {
		return usageError{err}
	}
	if *feedRef == "" || fs.NArg() == 0 {
		return usageError{errors.New("usage: kapi ingest --feed S FILE...")}
	}
	if *batchSize < 1 || *batchSize > search.MaxBatch {
		return usageError{fmt.Errorf("--batch must be 1-%d", search.MaxBatch)}
	}
	pool, err := openDB(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer pool.Close()
	feed, err := feeds.New(pool).Lookup(ctx, *feedRef)
	if err != nil {
		return fmt.Errorf("feed %q: %w", *feedRef, err)
	}
	embedder, err := newEmbedder(ctx, cfg, logger)
	if err != nil {
		return err
	}
	in := ingester{engine: search.New(pool, embedder), feed: search.Feed{ID: feed.ID, Language: feed.Language},
		batch: *batchSize, stderr: stderr, logger: logger}
	sum := ingestSummary{Feed: feed.Slug, Files: fs.NArg()}
	start := time.Now()
	for _, path := range fs.Args() {
		if err := in.file(ctx, path, &sum); err != nil {
			return err
		}
	}
	sum.Seconds = time.Since(start).Seconds()
	if sum.Seconds > 0 {
		sum.EntriesPerSecond = float64(sum.Entries) / sum.Seconds
	}
	return json.NewEncoder(stdout).Encode(sum)
}

type ingester struct {
	engine *search.Engine
	feed   search.Feed
	batch  int
	stderr io.Writer
	logger *slog.Logger
}

// file ingests one file batch by batch. A bad record stops the run with the
// file and line; the batch it is in is not stored, earlier batches are, and
// running again resumes: unchanged entries are skipped without re-embedding.
func (in ingester) file(ctx context.Context, path string, sum *ingestSummary) error {
	total, err := countEntries(path)
	if err != nil {
		return err
	}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	r, err := search.NewEntryReader(f)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	bar := newProgress(in.stderr, path, total)
	defer bar.Finish()
	for {
		batch, lines, err := search.ReadBatch(r, in.batch)
		if err != nil {
			return fmt.Errorf("%s: %w (nothing of this batch was stored)", path, err)
		}
		if len(batch) == 0 {
			sum.SkippedBlank += r.Skipped()
			return nil
		}
		results, err := in.engine.Ingest(ctx, in.feed, batch)
		if err != nil {
			return batchFailure(path, lines, err)
		}
		tally(sum, results)
		bar.Add(len(results))
		if !onTerminal() {
			in.logger.Info("ingest progress", "file", path, "done", sum.Entries, "total", total)
		}
	}
}

// batchFailure names the file and line of each invalid entry.
func batchFailure(path string, lines []int, err error) error {
	var be *search.BatchError
	if !errors.As(err, &be) {
		return fmt.Errorf("%s: %w", path, err)
	}
	errs := make([]error, 0, len(be.Problems)+1)
	for _, p := range be.Problems {
		line := 0
		if p.Index < len(lines) {
			line = lines[p.Index]
		}
		errs = append(errs, fmt.Errorf("%s:%d: %s: %s", path, line, p.Field, p.Message))
	}
	errs = append(errs, errors.New("nothing of this batch was stored; fix the file and run again to resume"))
	return errors.Join(errs...)
}

func tally(sum *ingestSummary, results []search.IngestResult) {
	for _, r := range results {
		sum.Entries++
		switch r.Outcome {
		case search.Created:
			sum.Created++
		case search.Updated:
			sum.Updated++
		case search.Unchanged:
			sum.Unchanged++
		}
	}
}

// countEntries reads a file once to know how many entries it holds, for the
// progress bar's ETA. Malformed records are counted; the real pass reports them.
func countEntries(path string) (int, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	r, err := search.NewEntryReader(f)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", path, err)
	}
	n := 0
	for {
		_, _, err := r.Next()
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, nil
		}
		n++
	}
}
