package auth

import (
	"sync"
	"time"
)

// keyCache holds verified key records by key id for a short TTL.
//
// It stays bounded in time and size: a record is trusted for at most ttl (≤ 5 s,
// MaxCacheTTL) after it was loaded, so a revocation, expiry or account change
// made on any instance is seen by every instance within ttl; and it holds at most
// size records: when full, expired records are dropped first, then arbitrary ones
// (map order), so a flood of distinct key ids cannot grow memory. Unknown key ids
// are cached too, so such a flood does not reach the database more than once per
// id and TTL.
type keyCache struct {
	mu      sync.RWMutex
	ttl     time.Duration
	size    int
	entries map[string]cacheEntry
}

type cacheEntry struct {
	rec      *keyRecord
	loadedAt time.Time
}

func newKeyCache(size int, ttl time.Duration) *keyCache {
	return &keyCache{ttl: ttl, size: size, entries: make(map[string]cacheEntry, min(size, 1024))}
}

// get returns the fresh record of keyID, or nil.
func (c *keyCache) get(keyID string, now time.Time) *keyRecord {
	c.mu.RLock()
	e, ok := c.entries[keyID]
	c.mu.RUnlock()
	if !ok || now.Sub(e.loadedAt) >= c.ttl || now.Before(e.loadedAt) {
		return nil
	}
	return e.rec
}

func (c *keyCache) put(keyID string, rec *keyRecord, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.entries[keyID]; !ok && len(c.entries) >= c.size {
		c.evict(now)
	}
	c.entries[keyID] = cacheEntry{rec: rec, loadedAt: now}
}

// evict drops expired records, or, if none is, an arbitrary tenth of them.
func (c *keyCache) evict(now time.Time) {
	for id, e := range c.entries {
		if now.Sub(e.loadedAt) >= c.ttl {
			delete(c.entries, id)
		}
	}
	for id := range c.entries {
		if len(c.entries) < c.size-c.size/10 {
			return
		}
		delete(c.entries, id)
	}
}

// peek returns the record of keyID, fresh or not, or nil.
func (c *keyCache) peek(keyID string) *keyRecord {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.entries[keyID].rec
}

// forget drops keyID, so this instance sees a revocation at once.
func (c *keyCache) forget(keyID string) {
	c.mu.Lock()
	delete(c.entries, keyID)
	c.mu.Unlock()
}
