package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kapi-project/kapi/search"
)

// ErrNotLoopback reports a load target that is not on this machine: the load
// client only drives a kapi on the loopback interface.
var ErrNotLoopback = errors.New("load target must be a loopback address")

// LoadResult is what one closed-loop run measured.
type LoadResult struct {
	Requests      int // completed calls, failed ones included
	Errors        int
	FirstError    error
	Elapsed       time.Duration
	Throughput    float64 // completed calls per second
	P50, P95, P99 time.Duration
}

// ClosedLoop calls fn from concurrency workers, each starting its next call
// when the previous one returns, until duration has passed or maxRequests
// calls have started (call i gets i, for picking a query). Failed calls count
// in Errors and in the latencies.
func ClosedLoop(ctx context.Context, concurrency int, duration time.Duration, maxRequests int, fn func(ctx context.Context, i int) error) LoadResult {
	ctx, cancel := context.WithTimeout(ctx, duration)
	defer cancel()
	var (
		next     atomic.Int64
		mu       sync.Mutex
		res      LoadResult
		lat      []time.Duration
		wg       sync.WaitGroup
		started  = time.Now()
		deadline = started.Add(duration)
	)
	for range concurrency {
		wg.Go(func() {
			var mine []time.Duration
			var errs int
			var first error
			for i := int(next.Add(1) - 1); i < maxRequests && time.Now().Before(deadline); i = int(next.Add(1) - 1) {
				t := time.Now()
				err := fn(ctx, i)
				if ctx.Err() != nil && err != nil {
					break // cut off by the deadline: not a measured call
				}
				mine = append(mine, time.Since(t))
				if err != nil {
					errs++
					first = cmpOr(first, err)
				}
			}
			mu.Lock()
			defer mu.Unlock()
			lat = append(lat, mine...)
			res.Errors += errs
			res.FirstError = cmpOr(res.FirstError, first)
		})
	}
	wg.Wait()
	res.Elapsed = time.Since(started)
	l := summarise(lat)
	res.Requests, res.P50, res.P95, res.P99 = l.N, l.P50, l.P95, l.P99
	res.Throughput = float64(res.Requests) / res.Elapsed.Seconds()
	return res
}

func cmpOr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// HTTPSearch calls GET /api/v1/knowledge/search of a kapi over HTTP, as an
// API client does, with a Bearer key and the feed header.
type HTTPSearch struct {
	client  *http.Client
	baseURL string
	key     string
	feed    string // X-PostGrad-Feed; empty: omitted
}

// NewHTTPSearch returns a client of the kapi at baseURL, which must be on the
// loopback interface. Errors: ErrNotLoopback, URL parse errors.
func NewHTTPSearch(baseURL, key, feed string, concurrency int) (*HTTPSearch, error) {
	u, err := url.Parse(baseURL)
	if err != nil {
		return nil, fmt.Errorf("--url: %w", err)
	}
	if !isLoopback(u.Hostname()) {
		return nil, fmt.Errorf("%w: %q", ErrNotLoopback, u.Hostname())
	}
	tr := &http.Transport{MaxIdleConnsPerHost: concurrency, MaxConnsPerHost: concurrency}
	return &HTTPSearch{client: &http.Client{Transport: tr, Timeout: 30 * time.Second}, baseURL: u.String(), key: key, feed: feed}, nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Search runs one search of the first 10 hits. Errors: transport errors, and
// any status but 200 (429 included: the key's limits are too low for load).
func (h *HTTPSearch) Search(ctx context.Context, text string, mode search.Mode) error {
	v := url.Values{"q": {text}, "mode": {string(mode)}, "limit": {"10"}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, h.baseURL+"/api/v1/knowledge/search?"+v.Encode(), nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+h.key)
	if h.feed != "" {
		req.Header.Set("X-PostGrad-Feed", h.feed)
	}
	resp, err := h.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, err = io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	return err
}

// LoadRow is one mode at one concurrency: the API over HTTP and the raw
// search path (search.Engine.Search on a direct pool, no HTTP, no auth)
// measured back to back in the same run.
type LoadRow struct {
	Mode        search.Mode
	Queries     string // the query set: "test", or "common" (CommonWordQueries)
	Concurrency int
	API, Raw    LoadResult
}

// Ratio is the API's median latency over the raw path's: the cost of HTTP,
// auth, admission and rendering.
func (r LoadRow) Ratio() float64 {
	if r.Raw.P50 == 0 {
		return 0
	}
	return float64(r.API.P50) / float64(r.Raw.P50)
}

// MedianRow combines repeated runs of one mode and concurrency: each figure
// is the median over the runs (ENVIRONMENT.md: the machines are noisy).
func MedianRow(runs []LoadRow) LoadRow {
	out := runs[0]
	out.API, out.Raw = medianResult(runs, func(r LoadRow) LoadResult { return r.API }), medianResult(runs, func(r LoadRow) LoadResult { return r.Raw })
	return out
}

func medianResult(runs []LoadRow, pick func(LoadRow) LoadResult) LoadResult {
	med := func(f func(LoadResult) float64) float64 {
		xs := make([]float64, len(runs))
		for i, r := range runs {
			xs[i] = f(pick(r))
		}
		slices.Sort(xs)
		return xs[len(xs)/2]
	}
	d := func(f func(LoadResult) time.Duration) time.Duration {
		return time.Duration(med(func(r LoadResult) float64 { return float64(f(r)) }))
	}
	res := LoadResult{Throughput: med(func(r LoadResult) float64 { return r.Throughput }),
		P50: d(func(r LoadResult) time.Duration { return r.P50 }), P95: d(func(r LoadResult) time.Duration { return r.P95 }),
		P99: d(func(r LoadResult) time.Duration { return r.P99 })}
	for _, r := range runs {
		res.Requests += pick(r).Requests
		res.Errors += pick(r).Errors
		res.FirstError = cmpOr(res.FirstError, pick(r).FirstError)
	}
	return res
}

// LoadMarkdown writes rows as a Markdown table.
func LoadMarkdown(w io.Writer, rows []LoadRow) {
	fmt.Fprintln(w, "| mode | queries | conc | API req/s | API p50 ms | p95 | p99 | errors | raw req/s | raw p50 ms | p95 | p99 | API/raw p50 |")
	fmt.Fprintln(w, "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
	for _, r := range rows {
		fmt.Fprintf(w, "| %s | %s | %d | %.0f | %.2f | %.2f | %.2f | %d | %.0f | %.2f | %.2f | %.2f | %.2f |\n", r.Mode, r.Queries, r.Concurrency,
			r.API.Throughput, ms(r.API.P50), ms(r.API.P95), ms(r.API.P99), r.API.Errors+r.Raw.Errors,
			r.Raw.Throughput, ms(r.Raw.P50), ms(r.Raw.P95), ms(r.Raw.P99), r.Ratio())
	}
}
