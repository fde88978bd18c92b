package embed

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// RedisStore is a CacheStore over the Redis protocol: any Redis, or Upstash
// through its rediss:// endpoint. Values are stored as raw bytes with
// SET ... PX/EX.
type RedisStore struct {
	client *redis.Client
}

// NewRedisStore uses client as given. For the cache budget to bound a call,
// the client should have ContextTimeoutEnabled set, as NewRedisStoreURL does.
func NewRedisStore(client *redis.Client) *RedisStore {
	return &RedisStore{client: client}
}

// NewRedisStoreURL connects lazily to a redis:// or rediss:// (TLS) URL.
// It returns an error wrapping ErrCacheConfig when the URL does not parse;
// the URL itself (which may hold a password) is never in the message.
func NewRedisStoreURL(rawURL string) (*RedisStore, error) {
	opts, err := redis.ParseURL(rawURL)
	if err != nil {
		return nil, fmt.Errorf("%w: Redis URL does not parse (want redis:// or rediss://)", ErrCacheConfig)
	}
	opts.ContextTimeoutEnabled = true
	return NewRedisStore(redis.NewClient(opts)), nil
}

// Get returns the value for key; found is false when the key is missing.
// Errors are the client's (network, timeout), wrapped.
func (s *RedisStore) Get(ctx context.Context, key string) ([]byte, bool, error) {
	b, err := s.client.Get(ctx, key).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("redis GET: %w", err)
	}
	return b, true, nil
}

// Set stores val for ttl. Errors are the client's (network, timeout),
// wrapped.
func (s *RedisStore) Set(ctx context.Context, key string, val []byte, ttl time.Duration) error {
	if err := s.client.Set(ctx, key, val, ttl).Err(); err != nil {
		return fmt.Errorf("redis SET: %w", err)
	}
	return nil
}

// Close closes the underlying client and returns its error.
func (s *RedisStore) Close() error { return s.client.Close() }
