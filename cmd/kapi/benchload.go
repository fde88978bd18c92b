package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/kapi-project/kapi/auth"
	"github.com/kapi-project/kapi/bench"
	"github.com/kapi-project/kapi/cmd/kapi/api"
	"github.com/kapi-project/kapi/cmd/kapi/mcpserver"
	"github.com/kapi-project/kapi/cmd/kapi/rest"
	"github.com/kapi-project/kapi/embed"
	"github.com/kapi-project/kapi/feeds"
	"github.com/kapi-project/kapi/search"
)

// loadFeedSlug is the feed `kapi bench load` fills and searches when it runs
// its own server.
const loadFeedSlug = "bench-load"

// maxLoadRequests bounds every closed-loop run in count, besides --duration.
const maxLoadRequests = 1_000_000

// loadFlags are the flags of `kapi bench load`.
type loadFlags struct {
	url, key, feed, data, databaseURL string
	replica                           string // a streaming replica of databaseURL: searches read there
	modes                             []search.Mode
	concurrency                       []int
	duration                          time.Duration
	entries, runs                     int
}

func parseLoadFlags(args []string) (loadFlags, error) {
	var f loadFlags
	fs := flag.NewFlagSet("bench load", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&f.url, "url", "", "a running kapi on loopback (default: start one in-process)")
	fs.StringVar(&f.key, "key", "", "API key for --url (its per-minute limit must allow the load)")
	fs.StringVar(&f.feed, "feed", "", "feed slug or UUID to search (default with --url: the key's auto-selected feed)")
	fs.StringVar(&f.data, "data", "../shared/data/scifact", "BEIR collection: its queries, and its corpus to load")
	modes := fs.String("modes", "keyword,semantic,hybrid", "comma-separated search modes")
	conc := fs.String("concurrency", "1,8", "comma-separated concurrency levels")
	fs.DurationVar(&f.duration, "duration", 20*time.Second, "length of each closed-loop run")
	fs.IntVar(&f.entries, "entries", 0, "entries to load when starting its own server (default: the corpus once; copies by bench.Replicate)")
	fs.IntVar(&f.runs, "runs", 3, "repetitions; the report gives medians")
	fs.StringVar(&f.databaseURL, "database-url", "", "database to load and search (default: a scratch database)")
	fs.StringVar(&f.replica, "replica", "", "a streaming replica of --database-url: the in-process server and the raw path search there")
	if err := fs.Parse(args); err != nil {
		return f, usageError{err}
	}
	if fs.NArg() > 0 || (f.url != "") != (f.key != "") || f.runs < 1 || f.duration <= 0 ||
		(f.replica != "" && (f.databaseURL == "" || f.url != "")) {
		return f, usageError{errors.New("usage: kapi bench load [--url URL --key KEY] [--feed S] [--data DIR] [--concurrency 1,8] [--duration 20s] [--runs 3] [--modes ...] [--entries N] [--database-url URL [--replica URL]]")}
	}
	var err error
	if f.modes, err = parseModes(*modes); err != nil {
		return f, err
	}
	for c := range strings.SplitSeq(*conc, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(c))
		if err != nil || n < 1 || n > 256 {
			return f, usageError{fmt.Errorf("--concurrency: %q is not 1..256", c)}
		}
		f.concurrency = append(f.concurrency, n)
	}
	return f, nil
}

func benchLoadCmd(ctx context.Context, cfg Config, logger *slog.Logger, stdout io.Writer, args []string) error {
	f, err := parseLoadFlags(args)
	if err != nil {
		return err
	}
	coll, err := bench.LoadBEIR(f.data, "test")
	if err != nil {
		return fmt.Errorf("collection: %w", err)
	}
	model, err := newEmbedder(ctx, cfg, logger)
	if err != nil {
		return err
	}
	url := f.databaseURL
	if url == "" && f.url != "" {
		url = cfg.DatabaseURL // the running server's database
	}
	return withBenchDB(ctx, cfg, logger, url, func(pool *pgxpool.Pool) error {
		l := loadRun{f: f, coll: coll, pool: pool, logger: logger,
			engine: search.New(pool, embed.NewCached(model, embed.NewMemoryStore(0, nil), embed.CacheOptions{Logger: logger}))}
		if f.replica != "" {
			stop, err := l.readReplica(ctx, cfg)
			if err != nil {
				return err
			}
			defer stop()
		}
		if f.url == "" {
			stop, err := l.selfHosted(ctx, url == "", model)
			if err != nil {
				return err
			}
			defer stop()
		}
		return l.measure(ctx, stdout)
	})
}

type loadRun struct {
	f      loadFlags
	coll   *bench.Collection
	pool   *pgxpool.Pool
	engine *search.Engine                      // the raw path: a direct pool, a warm query cache
	reads  func(context.Context) *pgxpool.Pool // with --replica: where reads go
	logger *slog.Logger
}

// selfHosted loads the feed (unless the database has it already), creates a
// scale account with a key, and serves the real REST handler on a loopback
// port with a benchmark policy whose limits the load cannot reach: the limits
// are an injected policy, so nothing in `kapi serve` can switch them off.
func (l *loadRun) selfHosted(ctx context.Context, scratch bool, model embed.Embedder) (stop func(), err error) {
	catalog := feeds.New(l.pool)
	feed, err := catalog.Lookup(ctx, loadFeedSlug)
	if errors.Is(err, feeds.ErrNotFound) {
		feed, err = l.loadFeed(ctx, catalog, scratch, model)
	}
	if err != nil {
		return nil, err
	}
	l.f.feed = feed.Slug
	acc, err := auth.NewAccounts(l.pool).Create(ctx, "kapi bench load", auth.TierScale)
	if err != nil {
		return nil, err
	}
	if _, _, err := catalog.Subscribe(ctx, acc.ID, feed.Slug); err != nil {
		return nil, err
	}
	keys := auth.NewKeys(l.pool, auth.KeysOptions{Logger: l.logger})
	key, err := keys.Create(ctx, auth.KeySpec{AccountID: acc.ID, Name: "bench load", Env: auth.EnvLive})
	if err != nil {
		return nil, err
	}
	l.f.key = key.Secret
	if l.reads != nil {
		catalog = catalog.WithReads(l.reads)
	}
	return l.serve(catalog, keys)
}

// readReplica sends the searches of the run (raw path and API) to
// --replica while it is healthy, as kapi serve with DATABASE_REPLICA_URLS
// does; the primary keeps keys and quotas.
func (l *loadRun) readReplica(ctx context.Context, cfg Config) (stop func(), err error) {
	cfg.DatabaseURL, cfg.ReplicaURLs = l.f.databaseURL, []string{l.f.replica}
	cfg.MaxDBConns = l.pool.Config().MaxConns // the primary's pool size (withBenchDB)
	rs, stop, err := openReplicas(ctx, cfg, l.pool, l.logger)
	if err != nil {
		return nil, err
	}
	if s := rs.States()[0]; !s.Healthy {
		stop()
		return nil, fmt.Errorf("--replica is not a healthy replica of --database-url: %s", s.Problem)
	}
	l.reads = rs.Read
	l.engine = l.engine.WithReads(rs.Read, readYourWritesWindow(cfg))
	return stop, nil
}

// benchPolicy lifts every limit out of the load's reach, for the in-process
// server of `kapi bench load` only.
func benchPolicy() *auth.Policy {
	p := auth.DefaultPolicy()
	unlimited := auth.Plan{PerMinute: 1 << 30, PerMonth: 1 << 40}
	for t := range p.Tiers {
		p.Tiers[t] = unlimited
	}
	p.Test = unlimited
	return &p
}

// serve starts rest's handler, wired as `kapi serve` wires it, on 127.0.0.1.
func (l *loadRun) serve(catalog *feeds.Catalog, keys *auth.Keys) (func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	quiet := slog.New(slog.DiscardHandler) // no access log line per request
	svc := api.New(api.Deps{Keys: keys, Accounts: auth.NewAccounts(l.pool), Catalog: catalog, Engine: l.engine,
		Limiter: auth.NewLimiter(auth.LimiterOptions{Policy: benchPolicy()}),
		Quota:   auth.NewQuota(l.pool, auth.QuotaOptions{Policy: benchPolicy()})})
	agents := mcpserver.New(mcpserver.Deps{API: svc, Logger: quiet, Version: version})
	server := rest.New(rest.Deps{API: svc, MCP: agents, DB: l.pool, Logger: quiet, Version: version})
	srv := &http.Server{Handler: server.Handler(), ReadHeaderTimeout: readHeaderTimeout}
	go func() { _ = srv.Serve(ln) }()
	l.f.url = "http://" + ln.Addr().String()
	l.logger.Info("in-process kapi listening", "addr", ln.Addr().String())
	return func() { _ = srv.Close(); keys.Close() }, nil
}

// loadFeed creates the load feed and fills it with --entries copies of the
// corpus (bench.Replicate), the vectors of copies reused from their
// originals; on a scratch database without the HNSW index during the load.
func (l *loadRun) loadFeed(ctx context.Context, catalog *feeds.Catalog, scratch bool, model embed.Embedder) (feeds.Feed, error) {
	feed, err := catalog.Create(ctx, feeds.NewFeed{Slug: loadFeedSlug, Name: "bench load", Language: "english"})
	if err != nil {
		return feed, err
	}
	n := l.f.entries
	if n <= 0 {
		n = len(l.coll.Docs)
	}
	entries := bench.Replicate(l.coll.Docs, n, 1)
	eng := search.New(l.pool, bench.NewTitleVectors(model))
	sf := search.Feed{ID: feed.ID, Language: feed.Language}
	start := time.Now()
	progress := func(done int) {
		if done%10_000 < search.MaxBatch {
			l.logger.Info("load progress", "entries", done, "of", n)
		}
	}
	if scratch {
		err = bench.BulkLoad(ctx, eng, sf, entries, l.searchesByMeaning(), progress)
	} else {
		_, err = bench.Ingest(ctx, eng, sf, replicaDocs(entries), progress)
	}
	l.logger.Info("load feed ready", "entries", n, "seconds", time.Since(start).Round(time.Second).Seconds())
	return feed, err
}

// searchesByMeaning reports whether the run measures a mode that reads
// vectors (a keyword-only load needs no vector index).
func (l *loadRun) searchesByMeaning() bool {
	return slices.ContainsFunc(l.f.modes, func(m search.Mode) bool { return m != search.ModeKeyword })
}

func replicaDocs(entries []search.NewEntry) []bench.Doc {
	docs := make([]bench.Doc, len(entries))
	for i, e := range entries {
		docs[i] = bench.Doc{ID: e.ExternalID, Title: e.Title, Text: e.Content}
	}
	return docs
}

// measure runs, --runs times over, every mode at every concurrency: the raw
// path, then the API, back to back; then prints the medians.
func (l *loadRun) measure(ctx context.Context, stdout io.Writer) error {
	client, err := bench.NewHTTPSearch(l.f.url, l.f.key, l.f.feed, slices.Max(l.f.concurrency))
	if err != nil {
		return err
	}
	rawFeed, err := l.rawFeed(ctx)
	if err != nil {
		return err
	}
	sets, err := l.querySets(ctx, rawFeed)
	if err != nil {
		return err
	}
	runs := map[string][]bench.LoadRow{}
	for run := range l.f.runs {
		for _, mode := range l.f.modes {
			for _, set := range sets {
				if set.name != "test" && mode != search.ModeKeyword {
					continue
				}
				l.measureSet(ctx, client, rawFeed, mode, set, run == 0, runs)
			}
		}
	}
	if err := l.report(stdout, runs, sets); err != nil {
		return err
	}
	return l.reportExact(ctx, stdout, rawFeed, sets)
}

// querySet is a named list of questions.
type querySet struct {
	name      string
	questions []string
}

// querySets are the collection's test queries and, for the keyword leg, 60
// questions of 6 common lexemes (each in 5-40% of the entries).
func (l *loadRun) querySets(ctx context.Context, feed search.Feed) ([]querySet, error) {
	test := querySet{name: "test"}
	for _, id := range l.coll.TestQueries() {
		test.questions = append(test.questions, l.coll.Queries[id])
	}
	if !slices.Contains(l.f.modes, search.ModeKeyword) {
		return []querySet{test}, nil
	}
	common, err := l.engine.CommonWordQueries(ctx, feed, 60, 6, 0.05, 0.40, 1)
	if err != nil {
		return nil, err
	}
	return []querySet{test, {name: "common", questions: common}}, nil
}

// measureSet runs one mode over one query set at every concurrency: the raw
// path, then the API, back to back (after an untimed warm-up pass when warm).
func (l *loadRun) measureSet(ctx context.Context, client *bench.HTTPSearch, rawFeed search.Feed, mode search.Mode,
	set querySet, warm bool, runs map[string][]bench.LoadRow) {
	qs := set.questions
	api := func(ctx context.Context, i int) error { return client.Search(ctx, qs[i%len(qs)], mode) }
	raw := func(ctx context.Context, i int) error {
		_, err := l.engine.Search(ctx, search.Query{Text: qs[i%len(qs)], Mode: mode, Feeds: []search.Feed{rawFeed}, Limit: 10})
		return err
	}
	if warm { // warm caches, buffers and connections, untimed
		bench.ClosedLoop(ctx, 2, time.Minute, len(qs), raw)
		bench.ClosedLoop(ctx, 2, time.Minute, len(qs), api)
	}
	for _, c := range l.f.concurrency {
		row := bench.LoadRow{Mode: mode, Queries: set.name, Concurrency: c,
			Raw: bench.ClosedLoop(ctx, c, l.f.duration, maxLoadRequests, raw),
			API: bench.ClosedLoop(ctx, c, l.f.duration, maxLoadRequests, api)}
		key := fmt.Sprintf("%s/%s/%d", mode, set.name, c)
		runs[key] = append(runs[key], row)
		l.logger.Info("load run", "mode", mode, "queries", set.name, "concurrency", c, "api_p50_ms", row.API.P50.Seconds()*1000,
			"raw_p50_ms", row.Raw.P50.Seconds()*1000, "api_errors", row.API.Errors, "first_error", fmt.Sprint(row.API.FirstError))
	}
}

// reportExact prints, for the keyword leg, how many questions of each set
// have a top 10 identical to an exhaustive BM25 (bench.KeywordExact).
func (l *loadRun) reportExact(ctx context.Context, stdout io.Writer, feed search.Feed, sets []querySet) error {
	if !slices.Contains(l.f.modes, search.ModeKeyword) {
		return nil
	}
	fmt.Fprintln(stdout)
	for _, set := range sets {
		n, err := bench.KeywordExact(ctx, l.engine, []search.Feed{feed}, set.questions)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "keyword top 10 identical to exhaustive BM25: %d of %d %s queries (%.1f%%)\n",
			n, len(set.questions), set.name, 100*float64(n)/float64(len(set.questions)))
	}
	return nil
}

func (l *loadRun) report(stdout io.Writer, runs map[string][]bench.LoadRow, sets []querySet) error {
	var rows []bench.LoadRow
	for _, mode := range l.f.modes {
		for _, set := range sets {
			for _, c := range l.f.concurrency {
				if r := runs[fmt.Sprintf("%s/%s/%d", mode, set.name, c)]; len(r) > 0 {
					rows = append(rows, bench.MedianRow(r))
				}
			}
		}
	}
	f, err := feeds.New(l.pool).Lookup(context.Background(), l.f.feed)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "feed %s: %d entries; %d queries of %s, %s per run, medians of %d runs\n\n", f.Slug, f.EntryCount, len(l.coll.TestQueries()), l.f.data, l.f.duration, l.f.runs)
	bench.LoadMarkdown(stdout, rows)
	return nil
}

// rawFeed is the searched feed as the raw path needs it.
func (l *loadRun) rawFeed(ctx context.Context) (search.Feed, error) {
	if l.f.feed == "" {
		return search.Feed{}, usageError{errors.New("--feed is required: the raw path searches it directly")}
	}
	f, err := feeds.New(l.pool).Lookup(ctx, l.f.feed)
	if err != nil {
		return search.Feed{}, fmt.Errorf("feed %q: %w", l.f.feed, err)
	}
	return search.Feed{ID: f.ID, Language: f.Language}, nil
}
