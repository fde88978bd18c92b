package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/redis/go-redis/v9"

	"github.com/kapi-project/kapi/embed"
	"github.com/kapi-project/kapi/embed/gemini"
	"github.com/kapi-project/kapi/embed/uselite"
)

// newEmbedder builds the configured embedder: the local USE-lite model (the
// default, offline) or Gemini.
func newEmbedder(ctx context.Context, cfg Config, logger *slog.Logger) (embed.Embedder, error) {
	switch cfg.EmbeddingProvider {
	case "gemini":
		e, err := gemini.New(ctx, gemini.Config{APIKey: cfg.GeminiAPIKey, BaseURL: cfg.GeminiBaseURL})
		if err != nil {
			return nil, fmt.Errorf("gemini embedder: %w", err)
		}
		logger.Info("embedder ready", "model", e.Model().String())
		return e, nil
	default:
		m, err := uselite.Load(cfg.ModelDir)
		if err != nil {
			return nil, fmt.Errorf("local embedding model: %w", err)
		}
		logger.Info("embedder ready", "model", m.Model().String(), "dir", cfg.ModelDir)
		return m, nil
	}
}

// withQueryCache wraps e with the query-embedding cache: Upstash REST when
// configured, else the Redis client when there is one, else in process.
func withQueryCache(e embed.Embedder, cfg Config, rdb *redis.Client, logger *slog.Logger) (*embed.Cached, error) {
	var store embed.CacheStore
	backend := "memory"
	switch {
	case cfg.UpstashRESTURL != "":
		s, err := embed.NewUpstashStore(embed.UpstashConfig{URL: cfg.UpstashRESTURL, Token: cfg.UpstashRESTToken})
		if err != nil {
			return nil, err
		}
		store, backend = s, "upstash-rest"
		if rdb == nil { // the Upstash REST API cannot carry the limiter's Lua script
			logger.Warn("rate limits are per instance: set REDIS_URL (for Upstash, its rediss:// URL) to share them")
		}
	case rdb != nil:
		store, backend = embed.NewRedisStore(rdb), "redis"
	default:
		store = embed.NewMemoryStore(0, nil)
	}
	logger.Info("query-embedding cache ready", "backend", backend)
	return embed.NewCached(e, store, embed.CacheOptions{Logger: logger}), nil
}
