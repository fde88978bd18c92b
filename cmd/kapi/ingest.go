package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/kapi-project/kapi/feeds"
	"github.com/kapi-project/kapi/search"
)

// ingestSummary is what `kapi ingest` prints on stdout, whether it finished or
// stopped at a bad batch: what was stored is always said.
type ingestSummary struct {
	Feed             string  `json:"feed,omitempty"`
	DryRun           bool    `json:"dry_run,omitempty"`
	Files            int     `json:"files"`
	Batches          int     `json:"batches"`
	Entries          int     `json:"entries"`
	Created          int     `json:"created"`
	Updated          int     `json:"updated"`
	Unchanged        int     `json:"unchanged"`
	SkippedBlank     int     `json:"skipped_blank"` // BEIR lines without title and text
	Seconds          float64 `json:"seconds"`
	EntriesPerSecond float64 `json:"entries_per_second"`
	Error            string  `json:"error,omitempty"`
}

// maxInFlight bounds --in-flight: each batch in flight holds a connection and,
// with the local model, a core; beyond a few they only queue on the feed's
// keyword statistics, which batches into one feed take in turn.
const maxInFlight = 4

// ingestFlags is the command line of `kapi ingest`.
type ingestFlags struct {
	feed     string
	batch    int
	inFlight int
	dryRun   bool
	files    []string
}

func parseIngestFlags(args []string) (ingestFlags, error) {
	var f ingestFlags
	fs := newFlagSet("ingest")
	fs.StringVar(&f.feed, "feed", "", "feed slug or UUID to ingest into (required)")
	fs.IntVar(&f.batch, "batch", search.MaxBatch, "entries per batch (1-500)")
	fs.IntVar(&f.inFlight, "in-flight", 2, "batches embedded and stored at once (1-4): one embeds while another writes")
	fs.BoolVar(&f.dryRun, "dry-run", false, "read and validate the files, store nothing")
	if err := fs.Parse(args); err != nil {
		return f, usageError{err}
	}
	f.files = fs.Args()
	if (f.feed == "" && !f.dryRun) || len(f.files) == 0 {
		return f, usageError{errors.New("--feed and at least one FILE are required")}
	}
	if f.batch < 1 || f.batch > search.MaxBatch {
		return f, usageError{fmt.Errorf("--batch must be 1-%d", search.MaxBatch)}
	}
	if f.inFlight < 1 || f.inFlight > maxInFlight {
		return f, usageError{fmt.Errorf("--in-flight must be 1-%d", maxInFlight)}
	}
	return f, nil
}

func ingestCmd(ctx context.Context, cfg Config, logger *slog.Logger, stdout, stderr io.Writer, args []string) error {
	f, err := parseIngestFlags(args)
	if err != nil {
		return err
	}
	in := ingester{batch: f.batch, inFlight: f.inFlight, stderr: stderr, logger: logger}
	sum := ingestSummary{Feed: f.feed, DryRun: f.dryRun, Files: len(f.files)}
	if f.feed != "" {
		closeDB, err := in.open(ctx, cfg, f, &sum)
		if err != nil {
			return err
		}
		defer closeDB()
	}
	start := time.Now()
	var runErr error
	for _, path := range f.files {
		if runErr = in.file(ctx, path, &sum); runErr != nil {
			sum.Error = runErr.Error()
			break
		}
	}
	sum.Seconds = time.Since(start).Seconds()
	if sum.Seconds > 0 {
		sum.EntriesPerSecond = float64(sum.Entries) / sum.Seconds
	}
	if err := json.NewEncoder(stdout).Encode(sum); err != nil {
		return err
	}
	return runErr
}

// open finds the feed and, unless this is a dry run, the embedder that
// ingesting into it needs. A dry run with --feed only checks that it exists.
func (in *ingester) open(ctx context.Context, cfg Config, f ingestFlags, sum *ingestSummary) (func(), error) {
	pool, err := openDB(ctx, cfg, in.logger)
	if err != nil {
		return nil, err
	}
	feed, err := feeds.New(pool).Lookup(ctx, f.feed)
	if err != nil {
		pool.Close()
		return nil, fmt.Errorf("feed %q: %w", f.feed, err)
	}
	sum.Feed = feed.Slug
	in.feed = search.Feed{ID: feed.ID, Language: feed.Language}
	if f.dryRun {
		return pool.Close, nil
	}
	embedder, err := newEmbedder(ctx, cfg, in.logger)
	if err != nil {
		pool.Close()
		return nil, err
	}
	in.engine = search.New(pool, embedder)
	return pool.Close, nil
}

// ingester stores batches with engine, or only validates them when engine is
// nil (--dry-run).
type ingester struct {
	engine   *search.Engine
	feed     search.Feed
	batch    int
	inFlight int // batches embedded and stored at once
	stderr   io.Writer
	logger   *slog.Logger
}

// file ingests one file batch by batch, with up to in.inFlight batches being
// embedded and stored at once (one embeds while another writes). Each batch
// is validated before it is sent, so a bad record stops the run with the file
// and line before anything after it is sent: the batch it is in is not stored,
// every batch before it is, and running again resumes (unchanged entries are
// skipped without re-embedding). A batch that fails in the store stops the
// sending too; the batches already in flight finish and are counted.
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
	var (
		mu     sync.Mutex
		failed error // the first batch's failure, in file order
		at     = -1  // the number of that batch
	)
	fail := func(n int, err error) {
		mu.Lock()
		defer mu.Unlock()
		if failed == nil || n < at {
			failed, at = err, n
		}
	}
	stopped := func() bool {
		mu.Lock()
		defer mu.Unlock()
		return failed != nil
	}
	var g errgroup.Group
	g.SetLimit(in.inFlight)
	for n := 0; !stopped(); n++ {
		batch, lines, err := search.ReadBatch(r, in.batch)
		if err != nil {
			fail(n, fmt.Errorf("%s: %w (nothing of this batch was stored)", path, err))
			break
		}
		if len(batch) == 0 {
			break
		}
		if err := search.Validate(batch); err != nil {
			fail(n, batchFailure(path, lines, err))
			break
		}
		g.Go(func() error {
			if err := in.store(ctx, batch, &mu, sum); err != nil {
				fail(n, batchFailure(path, lines, err))
				return nil
			}
			bar.Add(len(batch))
			if !onTerminal() {
				mu.Lock()
				done := sum.Entries
				mu.Unlock()
				in.logger.Info("ingest progress", "file", path, "done", done, "total", total)
			}
			return nil
		})
	}
	g.Wait()
	sum.SkippedBlank += r.Skipped()
	return failed
}

// store ingests one batch, or validates it in a dry run, and counts it in
// sum under mu.
func (in ingester) store(ctx context.Context, batch []search.NewEntry, mu *sync.Mutex, sum *ingestSummary) error {
	var results []search.IngestResult
	if in.engine != nil {
		var err error
		if results, err = in.engine.Ingest(ctx, in.feed, batch); err != nil {
			return err
		}
	}
	mu.Lock()
	defer mu.Unlock()
	sum.Batches++
	if in.engine == nil {
		sum.Entries += len(batch)
		return nil
	}
	tally(sum, results)
	return nil
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
