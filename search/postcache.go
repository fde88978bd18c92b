package search

import (
	"container/list"
	"sync"

	"github.com/google/uuid"
)

// The keyword leg scores every posting of a question's lexemes (bm25.go). At a
// million entries a question's lexemes hold about a million postings (16 MB),
// and reading them from Postgres on every request costs more than scoring
// them. So each Engine keeps the posting lists it has read, decoded, in a
// cache bounded in bytes (Options.PostingCacheBytes, least recently used out
// first), and checks every list against the database on every request:
//
//   - a lexeme's postings are only ever appended (006_keyword_fragments.sql:
//     rows of consecutive postings, keyword_terms.postings counts them; tails
//     are merged without moving a posting), until a rebuild of the feed writes
//     them all anew, which gives the feed a new
//     keyword_feed_stats.generation (005_passage_lexemes.sql);
//   - the statistics read of every request returns each lexeme's count and
//     the feed's generation; a cached list of the same generation holding
//     count postings (or more) is the stored list (or extends it), and one
//     holding fewer is completed with the rows from the one holding its next
//     posting on.
//
// So the cache never changes a result: the leg scores exactly the postings
// it would read from the database (dead ones included, dropped later as
// before), on every instance, whatever other instances write meanwhile.
// Written here rather than taken from a library: the validation by count and
// generation is the point, and an LRU by bytes is a few lines of
// container/list.

// postingKey names a lexeme's posting list in a feed.
type postingKey struct {
	feed   uuid.UUID
	lexeme string
}

// postings is a lexeme's decoded posting list, in writing order: doc_nos and
// the packed counts and length of each (unpackPosting). A cached list is
// never modified: completing one builds a new one.
type postings struct {
	generation int64
	docs       []int64
	packed     []int64
}

// bytes is what the list costs the cache.
func (p *postings) bytes() int64 { return int64(16*len(p.docs)) + 64 }

// postingCache is an LRU of posting lists, bounded in bytes; safe for
// concurrent use. A nil *postingCache caches nothing.
type postingCache struct {
	mu     sync.Mutex
	budget int64
	used   int64
	order  *list.List // of *cacheEntry, most recently used first
	byKey  map[postingKey]*list.Element
}

type cacheEntry struct {
	key  postingKey
	list *postings
}

// newPostingCache returns a cache of at most budget bytes; nil when budget
// is not positive.
func newPostingCache(budget int64) *postingCache {
	if budget <= 0 {
		return nil
	}
	return &postingCache{budget: budget, order: list.New(), byKey: map[postingKey]*list.Element{}}
}

// get returns the cached list of k, or nil.
func (c *postingCache) get(k postingKey) *postings {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.byKey[k]
	if !ok {
		return nil
	}
	c.order.MoveToFront(el)
	return el.Value.(*cacheEntry).list
}

// put caches p as k's list, replacing any other, and evicts the least
// recently used lists beyond the budget. A list larger than the whole budget
// is not cached.
func (c *postingCache) put(k postingKey, p *postings) {
	if c == nil || p.bytes() > c.budget {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.byKey[k]; ok {
		c.used -= el.Value.(*cacheEntry).list.bytes()
		c.order.Remove(el)
	}
	c.byKey[k] = c.order.PushFront(&cacheEntry{key: k, list: p})
	c.used += p.bytes()
	for c.used > c.budget {
		last := c.order.Back()
		e := last.Value.(*cacheEntry)
		c.order.Remove(last)
		delete(c.byKey, e.key)
		c.used -= e.list.bytes()
	}
}
