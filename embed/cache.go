package embed

import (
	"context"
	"errors"
	"log/slog"
	"sync/atomic"
	"time"
)

// Cache defaults, applied by NewCached to zero CacheOptions fields.
const (
	DefaultCacheTTL         = 24 * time.Hour        // lifetime of a cached query vector
	DefaultCacheTimeout     = 50 * time.Millisecond // budget for one cache Get or Set
	DefaultCacheKeyPrefix   = "kapi:qemb:v1:"       // bump v1 when the key or value format changes
	DefaultCacheLogInterval = time.Minute           // at most one cache-failure log line per interval
	// DefaultCacheBackoff is how long the cache is left alone after a
	// failure, so that an absent or frozen store costs one budget per
	// interval rather than one per request.
	DefaultCacheBackoff = 5 * time.Second
)

// ErrCacheConfig reports an invalid cache backend configuration (bad URL,
// missing token). The cache constructors return it.
var ErrCacheConfig = errors.New("embed: invalid cache config")

// CacheStore is the storage a Cached embedder needs: bytes by key with a
// time to live. Get reports found=false, err=nil for a missing key.
// Implementations must be safe for concurrent use.
type CacheStore interface {
	Get(ctx context.Context, key string) (val []byte, found bool, err error)
	Set(ctx context.Context, key string, val []byte, ttl time.Duration) error
}

// CacheOptions tune a Cached embedder. Zero fields take the defaults.
type CacheOptions struct {
	TTL         time.Duration    // default DefaultCacheTTL
	Timeout     time.Duration    // per cache call, default DefaultCacheTimeout
	KeyPrefix   string           // default DefaultCacheKeyPrefix
	Logger      *slog.Logger     // cache failures are logged here; nil means not logged
	LogInterval time.Duration    // default DefaultCacheLogInterval
	Backoff     time.Duration    // default DefaultCacheBackoff
	Now         func() time.Time // clock for the backoff and log rate limiting; default time.Now
}

// CacheStats counts cache lookups since construction. Errors counts failed
// or timed-out Gets and Sets; a failed Get counts as an error, not a miss.
type CacheStats struct {
	Hits, Misses, Errors uint64
}

// Cached is an Embedder whose query embeddings go through a CacheStore.
// Document embeddings pass straight through. A cache failure never fails a
// call: it falls through to the inner embedder. Safe for concurrent use.
type Cached struct {
	inner Embedder
	store CacheStore
	opts  CacheOptions

	hits, misses, errs atomic.Uint64
	lastLog            atomic.Int64 // unix nanoseconds of the last failure log line
	downUntil          atomic.Int64 // unix nanoseconds: the store is skipped until then
}

var _ Embedder = (*Cached)(nil)

// NewCached wraps inner with a query-embedding cache kept in store.
func NewCached(inner Embedder, store CacheStore, opts CacheOptions) *Cached {
	if opts.TTL <= 0 {
		opts.TTL = DefaultCacheTTL
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultCacheTimeout
	}
	if opts.KeyPrefix == "" {
		opts.KeyPrefix = DefaultCacheKeyPrefix
	}
	if opts.LogInterval <= 0 {
		opts.LogInterval = DefaultCacheLogInterval
	}
	if opts.Backoff <= 0 {
		opts.Backoff = DefaultCacheBackoff
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Cached{inner: inner, store: store, opts: opts}
}

// Model reports the inner embedder's model.
func (c *Cached) Model() Model { return c.inner.Model() }

// Unwrap returns the inner embedder, so a consumer can reach optional methods
// of the model (such as a token counter) through the cache.
func (c *Cached) Unwrap() Embedder { return c.inner }

// EmbedQuery returns the cached vector for the normalised text, or embeds it
// with the inner embedder (passing the normalised text) and caches the
// result. It returns only the inner embedder's errors (which wrap
// ErrUnavailable when it cannot answer); cache errors are counted and
// logged, never returned.
func (c *Cached) EmbedQuery(ctx context.Context, text string) ([]float32, error) {
	text = NormalizeQuery(text)
	model := c.inner.Model()
	key := c.opts.KeyPrefix + queryKey(model, text)
	if v, ok := c.get(ctx, key, model.Dims); ok {
		return v, nil
	}
	v, err := c.inner.EmbedQuery(ctx, text)
	if err != nil {
		return nil, err
	}
	c.set(ctx, key, v)
	return v, nil
}

// EmbedDocuments passes through to the inner embedder, uncached, and returns
// its errors.
func (c *Cached) EmbedDocuments(ctx context.Context, docs []Document) ([][]float32, error) {
	return c.inner.EmbedDocuments(ctx, docs)
}

// Stats returns the hit, miss and error counts so far.
func (c *Cached) Stats() CacheStats {
	return CacheStats{Hits: c.hits.Load(), Misses: c.misses.Load(), Errors: c.errs.Load()}
}

// backingOff reports whether the store failed less than Backoff ago.
func (c *Cached) backingOff() bool { return c.opts.Now().UnixNano() < c.downUntil.Load() }

// get looks key up within the cache budget. A value of the wrong length is
// a miss. While the cache backs off it is not asked (and nothing is counted).
func (c *Cached) get(ctx context.Context, key string, dims int) ([]float32, bool) {
	if c.backingOff() {
		return nil, false
	}
	cctx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	defer cancel()
	b, found, err := c.store.Get(cctx, key)
	if err != nil {
		c.failed(ctx, "get", err)
		return nil, false
	}
	v, ok := decodeVector(b, dims)
	if !found || !ok {
		c.misses.Add(1)
		return nil, false
	}
	c.hits.Add(1)
	return v, true
}

// set stores v within the cache budget, unless the cache backs off; a
// failure is counted and logged.
func (c *Cached) set(ctx context.Context, key string, v []float32) {
	if c.backingOff() {
		return
	}
	cctx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	defer cancel()
	if err := c.store.Set(cctx, key, encodeVector(v), c.opts.TTL); err != nil {
		c.failed(ctx, "set", err)
	}
}

// failed counts a cache error, leaves the store alone for Backoff and logs
// it, at most once per LogInterval. Errors caused by the caller's own
// cancelled context are not counted.
func (c *Cached) failed(ctx context.Context, op string, err error) {
	if ctx.Err() != nil {
		return
	}
	c.errs.Add(1)
	c.downUntil.Store(c.opts.Now().Add(c.opts.Backoff).UnixNano())
	if c.opts.Logger == nil {
		return
	}
	now := c.opts.Now().UnixNano()
	last := c.lastLog.Load()
	if last != 0 && now-last < int64(c.opts.LogInterval) {
		return
	}
	if c.lastLog.CompareAndSwap(last, now) {
		c.opts.Logger.WarnContext(ctx, "query embedding cache failed; using the embedder",
			slog.String("op", op), slog.String("error", err.Error()),
			slog.Uint64("cache_errors_total", c.errs.Load()))
	}
}
