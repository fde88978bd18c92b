package main

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kapi-project/kapi/embed"
	"github.com/kapi-project/kapi/migrations/pgtest"
)

var metricsLine = regexp.MustCompile(`"msg":"metrics listening","addr":"([^"]+)"`)

// scrape reads /metrics into series (name{labels}) → value.
func scrape(t *testing.T, addr string) map[string]float64 {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		if v, err := strconv.ParseFloat(line[i+1:], 64); err == nil {
			out[line[:i]] = v
		}
	}
	return out
}

// call sends a request with key, optionally from behind a proxy.
func call(t *testing.T, method, url, key, body string, header ...string) int {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// TestMetricsMoveWithTheirEvents serves with KAPI_METRICS_ADDR, makes each
// event happen once over HTTP, and checks that its series moved; the access
// log names the caller by account and key prefix (never the secret) and the
// client behind a trusted proxy.
func TestMetricsMoveWithTheirEvents(t *testing.T) {
	t.Parallel()
	env := envOf(map[string]string{"DATABASE_URL": pgtest.NewDatabase(t), "KAPI_ADDR": "127.0.0.1:0",
		"KAPI_METRICS_ADDR": "127.0.0.1:0", "KAPI_TRUSTED_PROXIES": "127.0.0.1"})
	var acc accountJSON
	runJSON(t, env, &acc, "accounts", "create", "--name", "Metrics", "--tier", "starter")
	var f feedJSON
	runJSON(t, env, &f, "feeds", "create", "--slug", "bikes", "--name", "Bikes", "--owner", acc.ID)
	var key struct{ Key, Prefix string }
	runJSON(t, env, &key, "keys", "create", "--account", acc.ID, "--scopes", "knowledge:read knowledge:write usage:read")
	ctx, cancel := context.WithCancel(context.Background())
	logs := &syncBuffer{}
	done := make(chan int, 1)
	go func() { done <- run(ctx, []string{"serve", "--no-migrate"}, env, io.Discard, logs) }()
	t.Cleanup(func() { cancel(); <-done })
	api := "http://" + waitForListen(t, logs)
	maddr := metricsLine.FindStringSubmatch(logs.String())[1]
	before := scrape(t, maddr)

	if code := call(t, "POST", api+"/api/v1/feeds/bikes/entries", key.Key,
		`[{"external_id":"a","title":"Chain","content":"Oil the chain."},{"external_id":"b","title":"Tyres","content":"Pump the tyres."}]`); code != 200 {
		t.Fatalf("ingest: %d", code)
	}
	for _, mode := range []string{"keyword", "semantic", "hybrid", "semantic"} {
		if code := call(t, "GET", api+"/api/v1/knowledge/search?q=oil+chain&mode="+mode, key.Key, "",
			"X-PostGrad-Feed", "bikes", "X-Forwarded-For", "203.0.113.7"); code != 200 {
			t.Fatalf("search %s: %d", mode, code)
		}
	}
	for i := 0; i < 12 && call(t, "GET", api+"/api/v1/usage", key.Key, "") != 429; i++ {
	}
	after := scrape(t, maddr)

	moved := func(series string, want float64) {
		t.Helper()
		if got := after[series] - before[series]; got < want {
			t.Errorf("%s moved by %v, want at least %v", series, got, want)
		}
	}
	moved(`kapi_http_requests_total{method="GET",route="/api/v1/knowledge/search",status="200"}`, 4)
	moved(`kapi_http_request_duration_seconds_count{route="/api/v1/feeds/:feed/entries"}`, 1)
	moved(`kapi_rate_limit_rejections_total{limit="minute"}`, 1)
	for _, mode := range []string{"keyword", "semantic", "hybrid"} {
		moved(`kapi_search_duration_seconds_count{mode="`+mode+`"}`, 1)
	}
	for _, leg := range []string{"keyword", "semantic", "embed_query", "highlight"} {
		moved(`kapi_search_leg_duration_seconds_count{leg="`+leg+`"}`, 1)
	}
	moved(`kapi_embedder_duration_seconds_count{op="documents"}`, 1)
	moved(`kapi_embedder_duration_seconds_count{op="query"}`, 1)
	moved(`kapi_query_cache_misses_total`, 1)
	moved(`kapi_query_cache_hits_total`, 1)
	moved(`kapi_ingested_entries_total{outcome="created"}`, 2)
	for _, g := range []string{"kapi_query_cache_hit_ratio", "kapi_db_pool_connections", "kapi_db_pool_max_connections"} {
		if after[g] <= 0 {
			t.Errorf("%s = %v, want > 0", g, after[g])
		}
	}

	log := logs.String()
	for _, want := range []string{`"account_id":"` + acc.ID, `"key_prefix":"` + key.Prefix, `"feed_ids":["` + f.ID + `"]`,
		`"mode":"hybrid"`, `"client_ip":"203.0.113.7"`, `"limit":"minute"`} {
		if !strings.Contains(log, want) {
			t.Errorf("access log lacks %s", want)
		}
	}
	if strings.Contains(log, key.Key) {
		t.Error("the access log holds the key's secret")
	}
}

// failingEmbedder fails every call, as a provider that is down does.
type failingEmbedder struct{}

func (failingEmbedder) Model() embed.Model { return embed.Model{Name: "down", Dims: 3} }
func (failingEmbedder) EmbedQuery(context.Context, string) ([]float32, error) {
	return nil, embed.ErrUnavailable
}
func (failingEmbedder) EmbedDocuments(context.Context, []embed.Document) ([][]float32, error) {
	return nil, embed.ErrUnavailable
}

func TestEmbedderErrorsAreCounted(t *testing.T) {
	t.Parallel()
	m := newMetrics()
	e := timedEmbedder{inner: failingEmbedder{}, m: m}
	if _, err := e.EmbedQuery(context.Background(), "q"); !errors.Is(err, embed.ErrUnavailable) {
		t.Fatalf("got %v", err)
	}
	e.EmbedDocuments(context.Background(), nil)
	families, err := m.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, fam := range families {
		if fam.GetName() == "kapi_embedder_errors_total" {
			for _, mt := range fam.GetMetric() {
				got[mt.GetLabel()[0].GetValue()] = mt.GetCounter().GetValue()
			}
		}
	}
	if got["query"] != 1 || got["documents"] != 1 {
		t.Errorf("kapi_embedder_errors_total: got %v, want query 1 and documents 1", got)
	}
}

// TestBreakerStateIsExposed: kapi_embedder_breaker_open goes from 0 to 1 when
// the embedder's failures open the breaker.
func TestBreakerStateIsExposed(t *testing.T) {
	t.Parallel()
	m := newMetrics()
	g := embed.NewGuarded(failingEmbedder{}, embed.GuardOptions{TripAfter: 2, OpenFor: time.Minute})
	m.watchBreaker(g)
	open := func() float64 {
		families, err := m.reg.Gather()
		if err != nil {
			t.Fatal(err)
		}
		for _, fam := range families {
			if fam.GetName() == "kapi_embedder_breaker_open" {
				return fam.GetMetric()[0].GetGauge().GetValue()
			}
		}
		t.Fatal("kapi_embedder_breaker_open is not registered")
		return -1
	}
	if v := open(); v != 0 {
		t.Errorf("before any failure: %v, want 0", v)
	}
	for range 2 {
		g.EmbedQuery(context.Background(), "q")
	}
	if v := open(); v != 1 {
		t.Errorf("after two failures: %v, want 1", v)
	}
}
