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
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/redis/go-redis/v9"

	"github.com/kapi-project/kapi/auth"
	"github.com/kapi-project/kapi/auth/oauth"
	"github.com/kapi-project/kapi/cmd/kapi/api"
	"github.com/kapi-project/kapi/cmd/kapi/mcpserver"
	"github.com/kapi-project/kapi/cmd/kapi/oauthserver"
	"github.com/kapi-project/kapi/cmd/kapi/rest"
	"github.com/kapi-project/kapi/embed"
	"github.com/kapi-project/kapi/feeds"
	"github.com/kapi-project/kapi/migrations"
	"github.com/kapi-project/kapi/search"
)

// HTTP server timeouts: bound every phase of a request so a slow or idle client
// cannot hold a connection for ever.
const (
	readHeaderTimeout = 10 * time.Second
	readTimeout       = 60 * time.Second // a 16 MiB batch on a slow link
	writeTimeout      = 60 * time.Second
	idleTimeout       = 120 * time.Second
	maxHeaderBytes    = 64 << 10
)

func serveCmd(ctx context.Context, cfg Config, logger *slog.Logger, args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	noMigrate := fs.Bool("no-migrate", false, "do not apply pending migrations at start-up")
	if err := fs.Parse(args); err != nil {
		return usageError{err}
	}
	probe, err := migrations.NewProbe(cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer probe.Close()
	pool, err := openServeDB(ctx, cfg, logger, probe, !*noMigrate)
	if err != nil {
		return err
	}
	defer pool.Close()

	keys := auth.NewKeys(pool, auth.KeysOptions{Logger: logger})
	defer keys.Close() // flushes last_used_at before the pool closes
	limits := auth.LimiterOptions{Logger: logger}
	var rdb *redis.Client
	if cfg.RedisURL != "" {
		if rdb, err = openRedis(cfg.RedisURL, logger); err != nil {
			return err
		}
		defer rdb.Close()
		limits.Redis = rdb
	}
	m := newMetrics()
	m.watchPool(pool)
	embedder, err := newEmbedder(ctx, cfg, logger)
	if err != nil {
		return err
	}
	// The metrics time the provider's own calls; the guard (budget, breaker)
	// stands outside them.
	guarded := embed.NewGuarded(timedEmbedder{inner: embedder, m: m},
		embed.GuardOptions{QueryBudget: cfg.EmbedBudget, Logger: logger})
	m.watchBreaker(guarded)
	queries, err := withQueryCache(guarded, cfg, rdb, logger)
	if err != nil {
		return err
	}
	m.watchCache(queries)
	catalog := feeds.New(pool)
	engine := search.New(pool, queries).WithOptions(cfg.searchOptions()).WithHooks(m.searchHooks())
	replicas, stopReplicas, err := openReplicas(ctx, cfg, pool, logger)
	if err != nil {
		return err
	}
	defer stopReplicas()
	var replicaReport func() []rest.ReplicaReport
	if replicas != nil {
		catalog = catalog.WithReads(replicas.Read)
		engine = engine.WithReads(replicas.Read, readYourWritesWindow(cfg))
		m.watchReplicas(replicas)
		replicaReport = replicaReports(replicas)
	}
	warnStaleVectors(ctx, catalog, engine, logger)
	// One request layer behind both surfaces: REST and MCP calls of an account
	// count against the same per-minute limit and monthly quota. REST's router
	// serves the MCP handler at /api/mcp.
	authz, err := oauth.New(ctx, pool, oauth.Options{})
	if err != nil {
		return err
	}
	go pruneOAuth(ctx, authz, logger)
	svc := api.New(api.Deps{Keys: keys, Accounts: auth.NewAccounts(pool), Limiter: auth.NewLimiter(limits),
		Quota: auth.NewQuota(pool, auth.QuotaOptions{}), Catalog: catalog, Engine: engine, Tokens: authz})
	go svc.WatchDatabase(ctx, probe, api.WatchOptions{Logger: logger})
	agents := mcpserver.New(mcpserver.Deps{API: svc, Logger: logger, Version: version})
	connector := oauthserver.New(oauthserver.Deps{OAuth: authz, API: svc, ResourceMetadata: mcpserver.ResourceMetadata,
		PublicURL: cfg.PublicURL, Logger: logger})
	server := rest.New(rest.Deps{API: svc, MCP: agents, OAuth: connector, PublicURL: cfg.PublicURL, DB: pool,
		Checks: readyChecks(pool, rdb, guarded), Logger: logger, Version: version, Observer: m,
		TrustedProxies: cfg.TrustedProxies, Replicas: replicaReport})
	if cfg.MetricsAddr != "" {
		stop, err := serveMetrics(ctx, cfg.MetricsAddr, m, logger)
		if err != nil {
			return err
		}
		defer stop()
	}
	return serveHTTP(ctx, cfg, logger, server.Handler())
}

// oauthPruneEvery is how often serve deletes long-expired OAuth codes,
// tokens and sign-in links.
const oauthPruneEvery = time.Hour

// pruneOAuth deletes long-expired OAuth rows every oauthPruneEvery until ctx
// ends. Every instance does; the deletes are idempotent.
func pruneOAuth(ctx context.Context, authz *oauth.Server, logger *slog.Logger) {
	t := time.NewTicker(oauthPruneEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if n, err := authz.Prune(ctx); err != nil {
				logger.Warn("oauth: prune expired tokens", "error", err)
			} else if n > 0 {
				logger.Debug("oauth: pruned expired tokens", "rows", n)
			}
		}
	}
}

// openRedis is the client of REDIS_URL; go-redis logs go through logger.
func openRedis(rawURL string, logger *slog.Logger) (*redis.Client, error) {
	redis.SetLogger(redisLog{logger})
	return newRedisClient(rawURL)
}

// readyChecks are what GET /ready reports: the database (required), and
// Redis and the embedder's circuit breaker, which only degrade kapi.
func readyChecks(pool *pgxpool.Pool, rdb *redis.Client, embedder *embed.Guarded) []rest.Check {
	checks := []rest.Check{{Name: "database", Required: true, Probe: pool.Ping}}
	if rdb != nil {
		checks = append(checks, rest.Check{Name: "redis", Probe: func(ctx context.Context) error { return rdb.Ping(ctx).Err() }})
	}
	return append(checks, rest.Check{Name: "embedder", Probe: func(context.Context) error {
		if embedder.Open() {
			return errors.New("circuit breaker open")
		}
		return nil
	}})
}

// Redis client timeouts: a slow or absent Redis must cost a request little; the
// limiter then falls back to in-process limits.
const (
	redisDialTimeout = 2 * time.Second
	redisIOTimeout   = 300 * time.Millisecond
	redisPoolTimeout = time.Second
)

// newRedisClient builds the client of a redis:// or rediss:// URL. Without
// REDIS_URL the rate limits are in-process, correct for one instance.
func newRedisClient(rawURL string) (*redis.Client, error) {
	opts, err := redis.ParseURL(rawURL)
	if err != nil {
		return nil, errors.New("REDIS_URL is not a valid Redis URL") // never echo it: it may hold a password
	}
	opts.DialTimeout, opts.ReadTimeout, opts.WriteTimeout = redisDialTimeout, redisIOTimeout, redisIOTimeout
	opts.PoolTimeout = redisPoolTimeout
	opts.MaxRetries = 1
	// A caller's deadline bounds a call too: the query-embedding cache gives
	// each call 50 ms, not the 300 ms of the I/O timeouts.
	opts.ContextTimeoutEnabled = true
	return redis.NewClient(opts), nil
}

// redisLog routes go-redis's own log lines (pool dial failures, ...) to
// slog as JSON warnings instead of its plain lines on stderr. go-redis keeps
// its logger in a package variable (redis.SetLogger): serve sets it once.
type redisLog struct{ logger *slog.Logger }

func (l redisLog) Printf(ctx context.Context, format string, v ...any) {
	l.logger.WarnContext(ctx, fmt.Sprintf(format, v...), "component", "redis")
}

// serveHTTP serves h on cfg.Addr until ctx ends, then shuts down gracefully:
// in-flight requests finish (within cfg.ShutdownTimeout) before it returns.
func serveHTTP(ctx context.Context, cfg Config, logger *slog.Logger, h http.Handler) error {
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	logger.Info("listening", "addr", ln.Addr().String(), "version", version)

	select {
	case err := <-served:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	logger.Info("shutting down", "timeout", cfg.ShutdownTimeout.String())
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	logger.Info("stopped")
	return nil
}

// serveMetrics serves GET /metrics on addr, a listener of its own so that it
// can stay on loopback or a private network while the API faces the world.
// stop closes it.
func serveMetrics(ctx context.Context, addr string, m *metrics, logger *slog.Logger) (stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s (KAPI_METRICS_ADDR): %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelWarn)}))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: readHeaderTimeout, WriteTimeout: writeTimeout,
		BaseContext: func(net.Listener) context.Context { return context.WithoutCancel(ctx) }}
	go srv.Serve(ln)
	logger.Info("metrics listening", "addr", ln.Addr().String())
	return func() { srv.Close() }, nil
}
