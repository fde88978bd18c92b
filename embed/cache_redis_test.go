package embed

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// testRedisAddr is the real local Redis the tests use. It must be running:
// these tests fail (never skip) when it is not.
const testRedisAddr = "127.0.0.1:6379"

// testRedis returns a client of the local Redis and a unique key prefix;
// every key under the prefix is deleted at cleanup.
func testRedis(t testing.TB) (*redis.Client, string) {
	t.Helper()
	client := redis.NewClient(&redis.Options{Addr: testRedisAddr, ContextTimeoutEnabled: true})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := client.Ping(ctx).Err(); err != nil {
		t.Fatalf("local Redis at %s is required: %v", testRedisAddr, err)
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	prefix := "kapi:test:" + strings.ReplaceAll(t.Name(), "/", "_") + ":" + hex.EncodeToString(b) + ":"
	t.Cleanup(func() {
		deleteKeys(t, client, prefix)
		_ = client.Close()
	})
	return client, prefix
}

func deleteKeys(t testing.TB, client *redis.Client, prefix string) {
	t.Helper()
	ctx := context.Background()
	iter := client.Scan(ctx, 0, prefix+"*", 100).Iterator()
	for iter.Next(ctx) {
		client.Del(ctx, iter.Val())
	}
	if err := iter.Err(); err != nil {
		t.Errorf("cleanup of %s*: %v", prefix, err)
	}
}

// allBytes is every byte value, to prove binary values round-trip.
func allBytes() []byte {
	b := make([]byte, 256)
	for i := range b {
		b[i] = byte(i)
	}
	return b
}

// storeContract checks a CacheStore against the real Redis behind it.
func storeContract(t *testing.T, store CacheStore, client *redis.Client, prefix string) {
	t.Helper()
	ctx := context.Background()
	if _, found, err := store.Get(ctx, prefix+"missing"); found || err != nil {
		t.Errorf("Get(missing) = found %v, %v; want false, nil", found, err)
	}
	if err := store.Set(ctx, prefix+"bin", allBytes(), 90*time.Second); err != nil {
		t.Fatalf("Set: %v", err)
	}
	got, found, err := store.Get(ctx, prefix+"bin")
	if err != nil || !found || string(got) != string(allBytes()) {
		t.Errorf("Get(bin) = %d bytes, found %v, %v; want the 256 bytes back", len(got), found, err)
	}
	ttl, err := client.PTTL(ctx, prefix+"bin").Result()
	if err != nil || ttl <= 80*time.Second || ttl > 90*time.Second {
		t.Errorf("PTTL = %v, %v; want about 90s", ttl, err)
	}
}

func TestRedisStore(t *testing.T) {
	client, prefix := testRedis(t)
	storeContract(t, NewRedisStore(client), client, prefix)
	got, err := client.Get(context.Background(), prefix+"bin").Bytes()
	if err != nil || string(got) != string(allBytes()) {
		t.Errorf("raw Redis value = %d bytes, %v; want the raw 256 bytes", len(got), err)
	}
}

func TestRedisStoreURL(t *testing.T) {
	client, prefix := testRedis(t)
	store, err := NewRedisStoreURL("redis://" + testRedisAddr + "/0")
	if err != nil {
		t.Fatalf("NewRedisStoreURL: %v", err)
	}
	t.Cleanup(func() { _ = store.Close() })
	storeContract(t, store, client, prefix)
}

func TestRedisStoreURLInvalid(t *testing.T) {
	tests := []string{"", "http://host:6379", "redis://:s3cret@host:notaport", "redis://user:s3cret@[::1"}
	for _, u := range tests {
		_, err := NewRedisStoreURL(u)
		if !errors.Is(err, ErrCacheConfig) {
			t.Errorf("NewRedisStoreURL(%q) = %v, want ErrCacheConfig", u, err)
		}
		if err != nil && strings.Contains(err.Error(), "s3cret") {
			t.Errorf("error leaks the password: %v", err)
		}
	}
}

func TestCachedOverRedis(t *testing.T) {
	client, prefix := testRedis(t)
	inner := newFakeEmbedder(768)
	c := NewCached(inner, NewRedisStore(client), CacheOptions{KeyPrefix: prefix})
	first, err := c.EmbedQuery(context.Background(), "what is RRF")
	if err != nil {
		t.Fatal(err)
	}
	second, err := c.EmbedQuery(context.Background(), "what  is RRF ")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := c.Stats(), (CacheStats{Hits: 1, Misses: 1}); got != want {
		t.Errorf("Stats() = %+v, want %+v", got, want)
	}
	if inner.queries.Load() != 1 || string(encodeVector(first)) != string(encodeVector(second)) {
		t.Errorf("inner calls = %d, want 1 and equal vectors", inner.queries.Load())
	}
	ttl, _ := client.TTL(context.Background(), prefix+queryKey(inner.Model(), "what is RRF")).Result()
	if ttl < 23*time.Hour || ttl > 24*time.Hour {
		t.Errorf("TTL = %v, want 24h", ttl)
	}
	n, _ := client.StrLen(context.Background(), prefix+queryKey(inner.Model(), "what is RRF")).Result()
	if n != 4*768 {
		t.Errorf("stored value is %d bytes, want %d (binary float32)", n, 4*768)
	}
}

// TestCachedRedisDown points at a closed port: the query still succeeds
// through the embedder, and the failures are counted.
func TestCachedRedisDown(t *testing.T) {
	store, err := NewRedisStoreURL("redis://127.0.0.1:1/0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })
	inner := newFakeEmbedder(768)
	c := NewCached(inner, store, CacheOptions{})
	start := time.Now()
	v, err := c.EmbedQuery(context.Background(), "q")
	if err != nil || len(v) != 768 {
		t.Fatalf("EmbedQuery = %d dims, %v; want 768, nil", len(v), err)
	}
	if elapsed := time.Since(start); elapsed > time.Second {
		t.Errorf("took %v, want within the cache budget", elapsed)
	}
	if got := c.Stats(); got.Errors != 1 || got.Hits != 0 { // the set is skipped: backing off
		t.Errorf("Stats() = %+v, want 1 error, 0 hits", got)
	}
	if got := inner.queries.Load(); got != 1 {
		t.Errorf("inner calls = %d, want 1", got)
	}
}
