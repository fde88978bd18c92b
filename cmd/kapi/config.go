package main

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/kapi-project/kapi/embed"
	"github.com/kapi-project/kapi/migrations"
	"github.com/kapi-project/kapi/search"
)

// defaultDatabaseURL is the local database `make run` and `make test` provision.
// Its password is a local development default, not a secret.
const defaultDatabaseURL = "postgres://kapi:kapi@127.0.0.1:5432/kapi?sslmode=disable"

// Config is everything kapi reads from the environment, read once at start-up.
type Config struct {
	DatabaseURL string // DATABASE_URL
	Addr        string // KAPI_ADDR, default :8080
	MetricsAddr string // KAPI_METRICS_ADDR: Prometheus /metrics listener; "" (default): none
	// PublicURL is KAPI_PUBLIC_URL: kapi's base URL as clients reach it
	// (https://kapi.example.com), the OAuth issuer and the MCP resource's
	// prefix; "" (default): each request's own scheme and Host.
	PublicURL       string
	TrustedProxies  []string      // KAPI_TRUSTED_PROXIES: comma-separated IPs or CIDRs of load balancers
	LogLevel        slog.Level    // KAPI_LOG_LEVEL: debug|info|warn|error, default info
	ShutdownTimeout time.Duration // KAPI_SHUTDOWN_TIMEOUT, default 15s
	MaxDBConns      int32         // KAPI_DB_MAX_CONNS, default 0 (pgx: max(4, CPUs))
	// DBStatementTimeout is KAPI_DB_STATEMENT_TIMEOUT, default 10s: the
	// server cancels a statement of kapi serve that runs longer (503).
	DBStatementTimeout time.Duration
	// DBWait is KAPI_DB_WAIT, default 60s: how long kapi serve waits for the
	// database at start-up before it gives up.
	DBWait time.Duration
	// KeywordCacheMB is KAPI_KEYWORD_CACHE_MB: the memory the keyword leg may
	// keep posting lists in (search.Options.PostingCacheBytes); -1: search's
	// default, 0: none.
	KeywordCacheMB int

	EmbeddingProvider string // EMBEDDING_PROVIDER: local (default) | gemini
	GeminiAPIKey      string // GEMINI_API_KEY, required with gemini
	GeminiBaseURL     string // GEMINI_BASE_URL: a proxy or a test server; "" for Google's
	// EmbedBudget is KAPI_EMBED_TIMEOUT, default 2s: the time a query
	// embedding may take, retries included.
	EmbedBudget time.Duration
	ModelDir    string // KAPI_MODEL_DIR, default ./models/use-lite

	RedisURL         string // REDIS_URL: redis:// or rediss:// (Upstash)
	UpstashRESTURL   string // UPSTASH_REDIS_REST_URL
	UpstashRESTToken string // UPSTASH_REDIS_REST_TOKEN

	// ReplicaURLs is DATABASE_REPLICA_URLS, comma-separated: streaming
	// replicas of DATABASE_URL that kapi serve reads searches, lists and
	// catalogue pages from (docs/OPERATIONS.md); none: everything on the primary.
	ReplicaURLs []string
	// ReplicaMaxLag is KAPI_REPLICA_MAX_LAG, default 5s: a replica further
	// behind the primary is out of rotation.
	ReplicaMaxLag time.Duration
}

// loadConfig reads the configuration through getenv and reports every problem at
// once. Messages name variables, never their secret values.
func loadConfig(getenv func(string) string) (Config, error) {
	c := Config{
		DatabaseURL:       orDefault(getenv("DATABASE_URL"), defaultDatabaseURL),
		Addr:              orDefault(getenv("KAPI_ADDR"), ":8080"),
		MetricsAddr:       getenv("KAPI_METRICS_ADDR"),
		PublicURL:         strings.TrimRight(getenv("KAPI_PUBLIC_URL"), "/"),
		EmbeddingProvider: orDefault(getenv("EMBEDDING_PROVIDER"), "local"),
		GeminiAPIKey:      getenv("GEMINI_API_KEY"),
		GeminiBaseURL:     getenv("GEMINI_BASE_URL"),
		ModelDir:          orDefault(getenv("KAPI_MODEL_DIR"), "./models/use-lite"),
		RedisURL:          getenv("REDIS_URL"),
		UpstashRESTURL:    getenv("UPSTASH_REDIS_REST_URL"),
		UpstashRESTToken:  getenv("UPSTASH_REDIS_REST_TOKEN"),
	}
	var errs []error
	var err error
	add := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	add(checkDatabaseURL(c.DatabaseURL))
	c.ReplicaURLs, err = parseReplicaURLs(getenv("DATABASE_REPLICA_URLS"))
	add(err)
	c.ReplicaMaxLag, err = parseDuration("KAPI_REPLICA_MAX_LAG", getenv("KAPI_REPLICA_MAX_LAG"), migrations.DefaultMaxLag)
	add(err)
	add(checkAddr("KAPI_ADDR", c.Addr))
	if c.MetricsAddr != "" {
		add(checkAddr("KAPI_METRICS_ADDR", c.MetricsAddr))
	}
	add(checkPublicURL(c.PublicURL))
	c.TrustedProxies, err = parseProxies(getenv("KAPI_TRUSTED_PROXIES"))
	add(err)
	c.LogLevel, err = parseLevel(getenv("KAPI_LOG_LEVEL"))
	add(err)
	c.ShutdownTimeout, err = parseDuration("KAPI_SHUTDOWN_TIMEOUT", getenv("KAPI_SHUTDOWN_TIMEOUT"), 15*time.Second)
	add(err)
	c.DBStatementTimeout, err = parseDuration("KAPI_DB_STATEMENT_TIMEOUT", getenv("KAPI_DB_STATEMENT_TIMEOUT"), 10*time.Second)
	add(err)
	c.DBWait, err = parseDuration("KAPI_DB_WAIT", getenv("KAPI_DB_WAIT"), 60*time.Second)
	add(err)
	c.MaxDBConns, err = parseConns(getenv("KAPI_DB_MAX_CONNS"))
	add(err)
	c.EmbedBudget, err = parseDuration("KAPI_EMBED_TIMEOUT", getenv("KAPI_EMBED_TIMEOUT"), embed.DefaultQueryBudget)
	add(err)
	c.KeywordCacheMB, err = parseCacheMB(getenv("KAPI_KEYWORD_CACHE_MB"))
	add(err)
	add(c.checkEmbedding())
	add(c.checkCache())
	return c, errors.Join(errs...)
}

func (c Config) checkEmbedding() error {
	switch c.EmbeddingProvider {
	case "local":
		return nil
	case "gemini":
		if c.GeminiAPIKey == "" {
			return errors.New("GEMINI_API_KEY is required when EMBEDDING_PROVIDER=gemini")
		}
		if c.GeminiBaseURL != "" {
			return checkURL("GEMINI_BASE_URL", c.GeminiBaseURL, "https", "http")
		}
		return nil
	default:
		return fmt.Errorf("EMBEDDING_PROVIDER must be local or gemini, got %q", c.EmbeddingProvider)
	}
}

func (c Config) checkCache() error {
	var errs []error
	if c.RedisURL != "" {
		errs = append(errs, checkURL("REDIS_URL", c.RedisURL, "redis", "rediss"))
	}
	if (c.UpstashRESTURL == "") != (c.UpstashRESTToken == "") {
		errs = append(errs, errors.New("UPSTASH_REDIS_REST_URL and UPSTASH_REDIS_REST_TOKEN must be set together"))
	}
	if c.UpstashRESTURL != "" {
		errs = append(errs, checkURL("UPSTASH_REDIS_REST_URL", c.UpstashRESTURL, "https", "http"))
	}
	return errors.Join(errs...)
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// checkURL validates a URL's scheme without ever echoing the URL (it may hold a
// password).
func checkURL(name, raw string, schemes ...string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("%s is not a valid URL", name)
	}
	for _, s := range schemes {
		if u.Scheme == s && u.Host != "" {
			return nil
		}
	}
	return fmt.Errorf("%s must be a %s:// URL with a host", name, strings.Join(schemes, ":// or "))
}

// checkDatabaseURL accepts what pgx accepts (and so what kapi can connect
// with): a postgres:// URL, a socket URL such as
// postgres:///kapi?host=/var/run/postgresql, or a key=value DSN. pgx's own
// message may quote the string, password included, so it is not repeated.
func checkDatabaseURL(raw string) error {
	if _, err := pgconn.ParseConfig(raw); err != nil {
		return errors.New("DATABASE_URL is not a connection string pgx accepts: a postgres:// URL " +
			"(postgres:///kapi?host=/var/run/postgresql for a socket) or a key=value DSN (host=... dbname=...)")
	}
	return nil
}

// parseReplicaURLs reads DATABASE_REPLICA_URLS: connection strings, comma-
// separated (a key=value DSN holds no comma). Errors name the position, never
// the string: it may hold a password.
func parseReplicaURLs(v string) ([]string, error) {
	var out []string
	for _, u := range strings.Split(v, ",") {
		if u = strings.TrimSpace(u); u == "" {
			continue
		}
		if _, err := pgconn.ParseConfig(u); err != nil {
			return nil, fmt.Errorf("DATABASE_REPLICA_URLS: item %d is not a connection string pgx accepts", len(out)+1)
		}
		out = append(out, u)
	}
	return out, nil
}

func checkAddr(name, addr string) error {
	if _, port, err := net.SplitHostPort(addr); err != nil || port == "" {
		return fmt.Errorf("%s must be host:port or :port, got %q", name, addr)
	}
	return nil
}

// checkPublicURL: KAPI_PUBLIC_URL, when set, is an http(s) origin with no
// query or fragment.
func checkPublicURL(v string) error {
	if v == "" {
		return nil
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("KAPI_PUBLIC_URL must be an http(s) URL such as https://kapi.example.com, got %q", v)
	}
	return nil
}

// parseProxies reads KAPI_TRUSTED_PROXIES: addresses or CIDRs, comma-separated.
func parseProxies(v string) ([]string, error) {
	var out []string
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		if _, _, err := net.ParseCIDR(p); err != nil && net.ParseIP(p) == nil {
			return nil, fmt.Errorf("KAPI_TRUSTED_PROXIES must be IP addresses or CIDRs, comma-separated; %q is neither", p)
		}
		out = append(out, p)
	}
	return out, nil
}

func parseLevel(v string) (slog.Level, error) {
	// slog itself would also take offsets such as "INFO+2"; only the four
	// documented names are accepted, in any case.
	switch strings.ToLower(v) {
	case "", "info":
		return slog.LevelInfo, nil
	case "debug":
		return slog.LevelDebug, nil
	case "warn":
		return slog.LevelWarn, nil
	case "error":
		return slog.LevelError, nil
	}
	return slog.LevelInfo, fmt.Errorf("KAPI_LOG_LEVEL must be debug, info, warn or error, got %q", v)
}

func parseDuration(name, v string, def time.Duration) (time.Duration, error) {
	if v == "" {
		return def, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return def, fmt.Errorf("%s must be a positive duration such as 15s, got %q", name, v)
	}
	return d, nil
}

func parseCacheMB(v string) (int, error) {
	if v == "" {
		return -1, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 || n > 1<<20 {
		return 0, fmt.Errorf("KAPI_KEYWORD_CACHE_MB must be a whole number of megabytes from 0 to 1048576, got %q", v)
	}
	return n, nil
}

// searchOptions are search's defaults with what the configuration sets.
func (c Config) searchOptions() search.Options {
	o := search.DefaultOptions()
	if c.KeywordCacheMB >= 0 {
		o.PostingCacheBytes = int64(c.KeywordCacheMB) << 20
	}
	return o
}

func parseConns(v string) (int32, error) {
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 32)
	if err != nil || n < 1 || n > 1000 {
		return 0, fmt.Errorf("KAPI_DB_MAX_CONNS must be a whole number from 1 to 1000, got %q", v)
	}
	return int32(n), nil
}
