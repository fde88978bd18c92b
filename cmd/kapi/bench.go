package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/kapi-project/kapi/bench"
	"github.com/kapi-project/kapi/embed"
	"github.com/kapi-project/kapi/feeds"
	"github.com/kapi-project/kapi/migrations"
	"github.com/kapi-project/kapi/search"
)

// benchCmd dispatches `kapi bench quality|load` (bench/README.md).
func benchCmd(ctx context.Context, cfg Config, logger *slog.Logger, stdout, stderr io.Writer, args []string) error {
	if len(args) == 0 {
		return usageError{errors.New("usage: kapi bench quality|load [flags]")}
	}
	switch args[0] {
	case "quality":
		return benchQualityCmd(ctx, cfg, logger, stdout, stderr, args[1:])
	case "load":
		return benchLoadCmd(ctx, cfg, logger, stdout, args[1:])
	default:
		return usageError{fmt.Errorf("unknown bench command %q: quality or load", args[0])}
	}
}

// qualityFlags are the flags of `kapi bench quality`.
type qualityFlags struct {
	data, out, databaseURL, check, split string
	modes                                []search.Mode
	tolerance                            float64
	sweep                                []float64       // semantic weights
	fusions                              []search.Fusion // for the sweep
}

func parseQualityFlags(args []string) (qualityFlags, error) {
	var f qualityFlags
	fs := flag.NewFlagSet("bench quality", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&f.data, "data", "", "BEIR-format collection directory (required)")
	fs.StringVar(&f.split, "split", "test", "qrels split: qrels/<split>.tsv")
	modes := fs.String("modes", "keyword,semantic,hybrid", "comma-separated search modes")
	fs.StringVar(&f.out, "out", "bench/results", "directory for <collection>.json, .svg and .queries.tsv")
	fs.StringVar(&f.databaseURL, "database-url", "", "use this database (a fresh feed in it) instead of a scratch database")
	fs.StringVar(&f.check, "check", "", "committed results JSON to compare with; exit 1 when out of tolerance")
	fs.Float64Var(&f.tolerance, "tolerance", 0.02, "largest allowed change of any metric with --check")
	sweep := fs.String("sweep", "", "hybrid sweep: semantic_weight=0,0.1,...,1")
	fusions := fs.String("fusion", "rrf,relative", "fusions of the sweep")
	if err := fs.Parse(args); err != nil {
		return f, usageError{err}
	}
	if f.data == "" || fs.NArg() > 0 {
		return f, usageError{errors.New("usage: kapi bench quality --data DIR [--modes keyword,semantic,hybrid] [--out DIR] [--database-url URL] [--check FILE --tolerance 0.02] [--sweep semantic_weight=0,0.5,1 --fusion rrf,relative]")}
	}
	var err error
	if f.modes, err = parseModes(*modes); err != nil {
		return f, err
	}
	if f.sweep, err = parseSweep(*sweep); err != nil {
		return f, err
	}
	for name := range strings.SplitSeq(*fusions, ",") {
		switch fu := search.Fusion(strings.TrimSpace(name)); fu {
		case search.FusionRRF, search.FusionRelative:
			f.fusions = append(f.fusions, fu)
		default:
			return f, usageError{fmt.Errorf("--fusion: unknown fusion %q (rrf, relative)", name)}
		}
	}
	return f, nil
}

// parseSweep reads --sweep semantic_weight=W,W,...: weights in 0..1.
func parseSweep(s string) ([]float64, error) {
	if s == "" {
		return nil, nil
	}
	list, ok := strings.CutPrefix(s, "semantic_weight=")
	if !ok {
		return nil, usageError{fmt.Errorf("--sweep: want semantic_weight=0,0.1,...,1, got %q", s)}
	}
	var out []float64
	for w := range strings.SplitSeq(list, ",") {
		v, err := strconv.ParseFloat(strings.TrimSpace(w), 64)
		if err != nil || !(v >= 0 && v <= 1) {
			return nil, usageError{fmt.Errorf("--sweep: %q is not a weight in 0..1", w)}
		}
		out = append(out, v)
	}
	return out, nil
}

func parseModes(s string) ([]search.Mode, error) {
	var modes []search.Mode
	for m := range strings.SplitSeq(s, ",") {
		switch mode := search.Mode(strings.TrimSpace(m)); mode {
		case search.ModeKeyword, search.ModeSemantic, search.ModeHybrid:
			modes = append(modes, mode)
		default:
			return nil, usageError{fmt.Errorf("--modes: unknown mode %q (keyword, semantic, hybrid)", m)}
		}
	}
	return modes, nil
}

func benchQualityCmd(ctx context.Context, cfg Config, logger *slog.Logger, stdout, stderr io.Writer, args []string) error {
	f, err := parseQualityFlags(args)
	if err != nil {
		return err
	}
	coll, err := bench.LoadBEIR(f.data, f.split)
	if err != nil {
		return fmt.Errorf("collection: %w", err)
	}
	sum, err := bench.Checksum(f.data, f.split)
	if err != nil {
		return fmt.Errorf("collection: %w", err)
	}
	embedder, err := newEmbedder(ctx, cfg, logger)
	if err != nil {
		return err
	}
	return withBenchDB(ctx, cfg, logger, f.databaseURL, func(pool *pgxpool.Pool) error {
		r := qualityRun{f: f, coll: coll, stdout: stdout, stderr: stderr, logger: logger}
		r.report.Collection = bench.CollectionInfo{Name: filepath.Base(filepath.Clean(f.data)), Docs: len(coll.Docs),
			TestQueries: len(coll.TestQueries()), SHA256: sum, Qrels: qrelCount(coll)}
		r.report.Config = runConfig(embedder.Model())
		return r.run(ctx, search.New(pool, embedder), pool)
	})
}

// withBenchDB runs f on a pool over the database at url, migrated first, or
// when url is empty over a scratch database on DATABASE_URL's server, dropped
// afterwards.
func withBenchDB(ctx context.Context, cfg Config, logger *slog.Logger, url string, f func(*pgxpool.Pool) error) (err error) {
	if url == "" {
		scratch, err := bench.NewScratch(ctx, cfg.DatabaseURL)
		if err != nil {
			return err
		}
		defer func() {
			ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
			defer cancel()
			err = errors.Join(err, scratch.Drop(ctx))
		}()
		url = scratch.URL
	} else if _, err := migrations.Apply(ctx, url); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	pool, err := migrations.Open(ctx, url, migrations.PoolOptions{MaxConns: max(cfg.MaxDBConns, 24)})
	if err != nil {
		return fmt.Errorf("open database: %w", err)
	}
	defer pool.Close()
	return f(pool)
}

type qualityRun struct {
	f      qualityFlags
	coll   *bench.Collection
	report bench.Report
	stdout io.Writer
	stderr io.Writer
	logger *slog.Logger
}

// run loads the collection into a fresh feed, evaluates every mode, prints
// and writes the results, and checks them when asked.
func (r qualityRun) run(ctx context.Context, eng *search.Engine, pool *pgxpool.Pool) error {
	feed, err := feeds.New(pool).Create(ctx, feeds.NewFeed{Slug: benchSlug(r.report.Collection.Name),
		Name: "bench " + r.report.Collection.Name, Language: "english"})
	if err != nil {
		return fmt.Errorf("create feed: %w", err)
	}
	sf := search.Feed{ID: feed.ID, Language: feed.Language}
	start := time.Now()
	bar := newProgress(r.stderr, "ingest "+r.report.Collection.Name, len(r.coll.Docs))
	skipped, err := bench.Ingest(ctx, eng, sf, r.coll.Docs, func(done int) { _ = bar.Set(done) })
	_ = bar.Finish()
	if err != nil {
		return err
	}
	r.report.Collection.EmptyDocs = skipped
	if err := bench.Analyze(ctx, pool); err != nil {
		return err
	}
	r.report.IngestSeconds = time.Since(start).Round(time.Second).Seconds()
	r.logger.Info("collection loaded", "feed", feed.Slug, "docs", len(r.coll.Docs), "seconds", r.report.IngestSeconds)
	var results []bench.ModeResult
	for _, mode := range r.f.modes {
		res, err := bench.Evaluate(ctx, eng, sf, r.coll, mode)
		if err != nil {
			return err
		}
		results = append(results, res)
	}
	r.report.Modes = bench.Summaries(results)
	if len(r.f.sweep) > 0 {
		if r.report.Sweep, err = bench.Sweep(ctx, eng, sf, r.coll, r.f.fusions, r.f.sweep); err != nil {
			return err
		}
	}
	return r.finish(results)
}

// finish prints the table, writes the files and compares with --check.
func (r qualityRun) finish(results []bench.ModeResult) error {
	if err := r.report.Markdown(r.stdout); err != nil {
		return err
	}
	if err := bench.WriteFiles(r.f.out, r.report, results); err != nil {
		return fmt.Errorf("write results: %w", err)
	}
	if r.f.check == "" {
		return nil
	}
	want, err := bench.ReadReport(r.f.check)
	if err != nil {
		return fmt.Errorf("--check: %w", err)
	}
	if err := bench.Check(r.report, want, r.f.tolerance); err != nil {
		return err
	}
	fmt.Fprintf(r.stdout, "\nwithin %.3f of %s\n", r.f.tolerance, r.f.check)
	return nil
}

// runConfig records the model, the ranking knobs and where the code came from.
func runConfig(m embed.Model) bench.RunConfig {
	o := search.DefaultOptions()
	fusion, weight := search.FusionDefaults(m.Name)
	return bench.RunConfig{Model: m.String(), Dims: m.Dims, RRFK: search.RRFK, CandidateWindow: search.CandidateWindow,
		KeywordWindow: o.KeywordWindow, SemanticWindow: o.SemanticWindow, EFSearch: o.EFSearch, BM25K1: o.K1, BM25B: o.B,
		TitleWeight: o.TitleWeight, TagsWeight: o.TagsWeight, ContentWeight: o.ContentWeight,
		HybridFusion: string(fusion), HybridSemanticWeight: weight,
		ExactScanMax: o.ExactScanMax, MaxScanTuples: o.MaxScanTuples, NormalizeDepth: o.NormalizeDepth,
		PassageTokens: o.PassageTokens, PassageOverlap: o.PassageOverlap, PassageFanout: o.PassageFanout,
		PassageMeanWeight: o.PassageMeanWeight, Commit: commit(),
		GoVersion: runtime.Version(), CPUs: runtime.NumCPU(), Date: time.Now().UTC().Format(time.RFC3339)}
}

// commit is the checkout's `git describe` when git can tell, else the
// version the binary was built with.
func commit() string {
	out, err := exec.Command("git", "describe", "--tags", "--always", "--dirty").Output()
	if s := strings.TrimSpace(string(out)); err == nil && s != "" {
		return s
	}
	return version
}

// benchSlug is a feed slug for one run over the named collection.
func benchSlug(name string) string {
	s := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			return r
		}
		return '-'
	}, strings.ToLower(name))
	return fmt.Sprintf("bench-%.30s-%d", s, time.Now().Unix())
}

func qrelCount(c *bench.Collection) int {
	n := 0
	for _, rels := range c.Qrels {
		n += len(rels)
	}
	return n
}
