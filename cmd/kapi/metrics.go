package main

import (
	"context"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/kapi-project/kapi/cmd/kapi/rest"
	"github.com/kapi-project/kapi/embed"
	"github.com/kapi-project/kapi/search"
)

// metrics are the Prometheus series of one `kapi serve`, on their own
// registry (no global state), served on KAPI_METRICS_ADDR. README.md lists
// them.
type metrics struct {
	reg        *prometheus.Registry
	requests   *prometheus.CounterVec   // route, method, status
	latency    *prometheus.HistogramVec // route
	refusals   *prometheus.CounterVec   // limit: minute | month
	searches   *prometheus.HistogramVec // mode
	legs       *prometheus.HistogramVec // leg
	embedTime  *prometheus.HistogramVec // op: query | documents
	embedFails *prometheus.CounterVec   // op
	ingested   *prometheus.CounterVec   // outcome
}

// latencyBuckets span a cached keyword search (a millisecond) to a request
// at its deadline, in seconds.
var latencyBuckets = []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}

func newMetrics() *metrics {
	m := &metrics{reg: prometheus.NewRegistry()}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "kapi_http_requests_total",
		Help: "HTTP requests answered, by route pattern, method and status."}, []string{"route", "method", "status"})
	m.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "kapi_http_request_duration_seconds",
		Help: "Time to answer an HTTP request, by route pattern.", Buckets: latencyBuckets}, []string{"route"})
	m.refusals = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "kapi_rate_limit_rejections_total",
		Help: "Requests refused with 429, by limit: minute (rate limit) or month (quota)."}, []string{"limit"})
	m.searches = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "kapi_search_duration_seconds",
		Help: "Time of a search, highlights included, by mode.", Buckets: latencyBuckets}, []string{"mode"})
	m.legs = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "kapi_search_leg_duration_seconds",
		Help: "Time of one step of a search: keyword, semantic, embed_query, highlight.", Buckets: latencyBuckets}, []string{"leg"})
	m.embedTime = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "kapi_embedder_duration_seconds",
		Help: "Time of a call to the embedding model (cache misses only), by op.", Buckets: latencyBuckets}, []string{"op"})
	m.embedFails = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "kapi_embedder_errors_total",
		Help: "Failed calls to the embedding model, by op."}, []string{"op"})
	m.ingested = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "kapi_ingested_entries_total",
		Help: "Entries of stored ingest batches, by outcome: created, updated, unchanged."}, []string{"outcome"})
	m.reg.MustRegister(m.requests, m.latency, m.refusals, m.searches, m.legs, m.embedTime, m.embedFails, m.ingested,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// ObserveRequest counts an HTTP request (rest.Observer).
func (m *metrics) ObserveRequest(r rest.RequestRecord) {
	m.requests.WithLabelValues(r.Route, r.Method, strconv.Itoa(r.Status)).Inc()
	m.latency.WithLabelValues(r.Route).Observe(r.Duration.Seconds())
	if r.Limit != "" {
		m.refusals.WithLabelValues(r.Limit).Inc()
	}
}

// searchHooks report the engine's searches, legs and ingests.
func (m *metrics) searchHooks() search.Hooks {
	return search.Hooks{
		Searched: func(mode string, d time.Duration) { m.searches.WithLabelValues(mode).Observe(d.Seconds()) },
		Leg:      func(leg string, d time.Duration) { m.legs.WithLabelValues(leg).Observe(d.Seconds()) },
		Ingested: func(created, updated, unchanged int) {
			m.ingested.WithLabelValues("created").Add(float64(created))
			m.ingested.WithLabelValues("updated").Add(float64(updated))
			m.ingested.WithLabelValues("unchanged").Add(float64(unchanged))
		},
	}
}

// watchCache exposes the query-embedding cache's counts and hit ratio.
func (m *metrics) watchCache(c *embed.Cached) {
	counter := func(name, help string, v func(embed.CacheStats) uint64) prometheus.Collector {
		return prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help},
			func() float64 { return float64(v(c.Stats())) })
	}
	m.reg.MustRegister(
		counter("kapi_query_cache_hits_total", "Query-embedding cache hits.", func(s embed.CacheStats) uint64 { return s.Hits }),
		counter("kapi_query_cache_misses_total", "Query-embedding cache misses.", func(s embed.CacheStats) uint64 { return s.Misses }),
		counter("kapi_query_cache_errors_total", "Failed query-embedding cache lookups and writes.", func(s embed.CacheStats) uint64 { return s.Errors }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "kapi_query_cache_hit_ratio",
			Help: "Hits over lookups since start (0 before the first)."}, func() float64 { return hitRatio(c.Stats()) }),
	)
}

// watchBreaker exposes the state of the circuit breaker around the embedder.
func (m *metrics) watchBreaker(g *embed.Guarded) {
	m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "kapi_embedder_breaker_open",
		Help: "1 while the embedder's circuit breaker is open (embeddings fail at once), else 0."},
		func() float64 {
			if g.Open() {
				return 1
			}
			return 0
		}))
}

func hitRatio(s embed.CacheStats) float64 {
	if s.Hits+s.Misses == 0 {
		return 0
	}
	return float64(s.Hits) / float64(s.Hits+s.Misses)
}

// watchPool exposes the pgx pool's statistics.
func (m *metrics) watchPool(pool *pgxpool.Pool) {
	gauge := func(name, help string, v func(*pgxpool.Stat) float64) prometheus.Collector {
		return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help}, func() float64 { return v(pool.Stat()) })
	}
	m.reg.MustRegister(
		gauge("kapi_db_pool_connections", "Open connections of the pool.", func(s *pgxpool.Stat) float64 { return float64(s.TotalConns()) }),
		gauge("kapi_db_pool_acquired_connections", "Connections in use.", func(s *pgxpool.Stat) float64 { return float64(s.AcquiredConns()) }),
		gauge("kapi_db_pool_idle_connections", "Idle connections.", func(s *pgxpool.Stat) float64 { return float64(s.IdleConns()) }),
		gauge("kapi_db_pool_max_connections", "The pool's size (KAPI_DB_MAX_CONNS).", func(s *pgxpool.Stat) float64 { return float64(s.MaxConns()) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "kapi_db_pool_empty_acquires_total",
			Help: "Acquires that had to wait for a connection: the pool is too small."},
			func() float64 { return float64(pool.Stat().EmptyAcquireCount()) }),
	)
}

// timedEmbedder times and counts the calls to the embedding model. It sits
// under the query cache, so it sees only misses. (The embedder's circuit
// breaker, when there is one, reports its state beside it.)
type timedEmbedder struct {
	inner embed.Embedder
	m     *metrics
}

func (t timedEmbedder) Model() embed.Model { return t.inner.Model() }

// Unwrap lets search find the model's tokenizer beneath (passages.go).
func (t timedEmbedder) Unwrap() embed.Embedder { return t.inner }

func (t timedEmbedder) EmbedQuery(ctx context.Context, text string) ([]float32, error) {
	start := time.Now()
	v, err := t.inner.EmbedQuery(ctx, text)
	t.observe("query", start, err)
	return v, err
}

func (t timedEmbedder) EmbedDocuments(ctx context.Context, docs []embed.Document) ([][]float32, error) {
	start := time.Now()
	v, err := t.inner.EmbedDocuments(ctx, docs)
	t.observe("documents", start, err)
	return v, err
}

func (t timedEmbedder) observe(op string, start time.Time, err error) {
	t.m.embedTime.WithLabelValues(op).Observe(time.Since(start).Seconds())
	if err != nil {
		t.m.embedFails.WithLabelValues(op).Inc()
	}
}
