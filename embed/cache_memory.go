package embed

import (
	"context"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
)

// DefaultMemoryEntries bounds a MemoryStore made with size 0. A 768-dim
// vector is 3 KiB, so 10,000 entries hold about 30 MiB.
const DefaultMemoryEntries = 10_000

// MemoryStore is an in-process CacheStore: an LRU bounded in entries, each
// entry expiring after the TTL given to Set. It suits a single instance.
//
// The LRU bookkeeping is hashicorp/golang-lru/v2; expiry is ours, checked on
// Get with an injectable clock. (golang-lru's expirable package takes one
// TTL for the whole cache, reads time.Now directly and starts a purging
// goroutine that cannot be stopped.)
type MemoryStore struct {
	lru *lru.Cache[string, memoryEntry]
	now func() time.Time
}

type memoryEntry struct {
	val     []byte
	expires time.Time
}

// NewMemoryStore returns a MemoryStore holding at most size entries
// (DefaultMemoryEntries when size <= 0). now is the clock; nil means
// time.Now.
func NewMemoryStore(size int, now func() time.Time) *MemoryStore {
	if size <= 0 {
		size = DefaultMemoryEntries
	}
	if now == nil {
		now = time.Now
	}
	c, err := lru.New[string, memoryEntry](size)
	if err != nil {
		panic("embed: lru.New with a positive size failed: " + err.Error()) // unreachable
	}
	return &MemoryStore{lru: c, now: now}
}

// Get returns a copy of the live value for key. It never returns an error.
func (s *MemoryStore) Get(_ context.Context, key string) ([]byte, bool, error) {
	e, ok := s.lru.Get(key)
	if !ok {
		return nil, false, nil
	}
	if !s.now().Before(e.expires) {
		s.lru.Remove(key)
		return nil, false, nil
	}
	return append([]byte(nil), e.val...), true, nil
}

// Set stores a copy of val for ttl, evicting the least recently used entry
// when full. It never returns an error.
func (s *MemoryStore) Set(_ context.Context, key string, val []byte, ttl time.Duration) error {
	s.lru.Add(key, memoryEntry{val: append([]byte(nil), val...), expires: s.now().Add(ttl)})
	return nil
}

// Len reports the number of entries held, expired ones included until
// they are looked up or evicted.
func (s *MemoryStore) Len() int { return s.lru.Len() }
