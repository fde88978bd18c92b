package auth

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Verification cache and last-used bookkeeping.
const (
	// MaxCacheTTL bounds how long a verified key record is trusted without asking
	// the database again, and so how long a revocation, expiry or account change
	// takes to reach every instance (API.md §1: within 5 seconds).
	MaxCacheTTL      = 5 * time.Second
	defaultCacheTTL  = 4 * time.Second
	defaultCacheSize = 10_000
	// lastUsedEvery: last_used_at is written at most once per this per key.
	lastUsedEvery = time.Minute
	// lastUsedFlush: how often pending last_used_at marks are written, in one
	// statement for all keys.
	lastUsedFlush = 5 * time.Second
	// maxPendingMarks bounds the marks waiting for a flush; more are dropped
	// (last_used_at is best-effort).
	maxPendingMarks = 10_000
)

// KeysOptions tunes Keys. Zero values take the defaults.
type KeysOptions struct {
	Now       func() time.Time // default time.Now
	CacheTTL  time.Duration    // default 4s, at most MaxCacheTTL
	CacheSize int              // records cached, default 10,000
	Logger    *slog.Logger     // for failed last_used_at writes
}

// Keys manages API keys and verifies them. Call Close when done: it stops the
// background last_used_at writer after a final flush.
type Keys struct {
	db     *pgxpool.Pool
	now    func() time.Time
	cache  *keyCache
	logger *slog.Logger

	mu      sync.Mutex
	pending map[uuid.UUID]time.Time // last_used_at marks waiting for a flush
	stop    chan struct{}
	done    chan struct{}
	closed  sync.Once
}

// NewKeys returns the key service over db and starts its last_used_at writer.
func NewKeys(db *pgxpool.Pool, opts KeysOptions) *Keys {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.CacheTTL <= 0 || opts.CacheTTL > MaxCacheTTL {
		opts.CacheTTL = defaultCacheTTL
	}
	if opts.CacheSize <= 0 {
		opts.CacheSize = defaultCacheSize
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	k := &Keys{db: db, now: opts.Now, logger: opts.Logger,
		cache:   newKeyCache(opts.CacheSize, opts.CacheTTL),
		pending: map[uuid.UUID]time.Time{}, stop: make(chan struct{}), done: make(chan struct{})}
	go k.writeLastUsed()
	return k
}

// Close stops the last_used_at writer after flushing what is pending. It is safe
// to call more than once; call it before closing the pool.
func (k *Keys) Close() {
	k.closed.Do(func() { close(k.stop) })
	<-k.done
}

// keyRecord is what verification needs about a key and its account, as cached.
type keyRecord struct {
	found      bool // false: no key with this key id (cached too, briefly)
	principal  Principal
	secretHash []byte
	expiresAt  *time.Time
	revokedAt  *time.Time
	lastUsed   time.Time // guarded by Keys.mu
}

const verifyKeySQL = `
SELECT k.id, k.account_id, k.prefix, k.env, k.scopes, k.allowed_categories, k.secret_hash,
       k.expires_at, k.revoked_at, coalesce(k.last_used_at, 'epoch'),
       a.tier, a.subscription_status, a.terms_accepted_at IS NOT NULL
FROM api_keys k JOIN accounts a ON a.id = k.account_id
WHERE k.key_id = $1`

// Authenticate verifies a full key and returns its Principal. It returns
// ErrMalformedKey (before any database work) for a key of the wrong shape and
// ErrUnauthorized for an unknown, revoked or expired key or a wrong secret. With
// the record cached it does no I/O.
func (k *Keys) Authenticate(ctx context.Context, key string) (Principal, error) {
	parsed, err := ParseKey(key)
	if err != nil {
		return Principal{}, err
	}
	now := k.now()
	rec, err := k.record(ctx, parsed.KeyID, now)
	if err != nil {
		return Principal{}, err
	}
	hash := parsed.SecretHash()
	if !rec.found || subtle.ConstantTimeCompare(hash[:], rec.secretHash) != 1 ||
		rec.principal.Env != parsed.Env || !activeAt(rec, now) {
		return Principal{}, ErrUnauthorized
	}
	k.markUsed(rec, now)
	return rec.principal, nil
}

func activeAt(rec *keyRecord, now time.Time) bool {
	if rec.revokedAt != nil && !now.Before(*rec.revokedAt) {
		return false
	}
	return rec.expiresAt == nil || now.Before(*rec.expiresAt)
}

// record returns the cached record of keyID or loads it.
func (k *Keys) record(ctx context.Context, keyID string, now time.Time) (*keyRecord, error) {
	if rec := k.cache.get(keyID, now); rec != nil {
		return rec, nil
	}
	rec, err := k.load(ctx, keyID)
	if err != nil {
		return nil, err
	}
	if prev := k.cache.peek(keyID); prev != nil { // keep a use not yet flushed
		k.mu.Lock()
		if prev.lastUsed.After(rec.lastUsed) {
			rec.lastUsed = prev.lastUsed
		}
		k.mu.Unlock()
	}
	k.cache.put(keyID, rec, now)
	return rec, nil
}

func (k *Keys) load(ctx context.Context, keyID string) (*keyRecord, error) {
	rec := &keyRecord{found: true}
	p := &rec.principal
	err := k.db.QueryRow(ctx, verifyKeySQL, keyID).Scan(&p.KeyID, &p.AccountID, &p.KeyPrefix, &p.Env,
		&p.Scopes, &p.AllowedCategories, &rec.secretHash, &rec.expiresAt, &rec.revokedAt, &rec.lastUsed,
		&p.Tier, &p.SubscriptionStatus, &p.TermsAccepted)
	if errors.Is(err, pgx.ErrNoRows) {
		return &keyRecord{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("verify key: %w", err)
	}
	return rec, nil
}

// markUsed queues a last_used_at write when the key's last one is a minute old.
func (k *Keys) markUsed(rec *keyRecord, now time.Time) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if now.Sub(rec.lastUsed) < lastUsedEvery {
		return
	}
	rec.lastUsed = now
	if len(k.pending) < maxPendingMarks {
		k.pending[rec.principal.KeyID] = now
	}
}

const touchKeysSQL = `
UPDATE api_keys k SET last_used_at = greatest(k.last_used_at, u.at)
FROM unnest($1::uuid[], $2::timestamptz[]) AS u (id, at)
WHERE k.id = u.id`

// writeLastUsed flushes pending marks every lastUsedFlush and once more on Close.
func (k *Keys) writeLastUsed() {
	defer close(k.done)
	t := time.NewTicker(lastUsedFlush)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			k.flush()
		case <-k.stop:
			k.flush()
			return
		}
	}
}

func (k *Keys) flush() {
	k.mu.Lock()
	ids := make([]uuid.UUID, 0, len(k.pending))
	ats := make([]time.Time, 0, len(k.pending))
	for id, at := range k.pending {
		ids, ats = append(ids, id), append(ats, at)
	}
	clear(k.pending)
	k.mu.Unlock()
	if len(ids) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := k.db.Exec(ctx, touchKeysSQL, ids, ats); err != nil {
		k.logger.Warn("last_used_at not written", "keys", len(ids), "error", err)
	}
}
