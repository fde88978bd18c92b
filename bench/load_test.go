package bench

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kapi-project/kapi/search"
)

func TestClosedLoopBoundedInCount(t *testing.T) {
	var calls atomic.Int64
	res := ClosedLoop(t.Context(), 4, time.Minute, 100, func(ctx context.Context, i int) error {
		calls.Add(1)
		if i%10 == 0 {
			return errors.New("boom")
		}
		return nil
	})
	if calls.Load() != 100 || res.Requests != 100 || res.Errors != 10 || res.FirstError == nil {
		t.Errorf("got %d calls, %+v; want 100 calls, 100 requests, 10 errors", calls.Load(), res)
	}
}

func TestClosedLoopBoundedInTime(t *testing.T) {
	start := time.Now()
	res := ClosedLoop(t.Context(), 2, 200*time.Millisecond, 1<<30, func(ctx context.Context, i int) error {
		select {
		case <-time.After(10 * time.Millisecond):
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	})
	if took := time.Since(start); took > time.Second || res.Requests < 10 || res.Errors != 0 {
		t.Errorf("took %s, %+v; want about 200ms, >= 10 requests, no errors", took, res)
	}
}

func TestHTTPSearchOnlyOnLoopback(t *testing.T) {
	for _, url := range []string{"http://10.0.0.1:8080", "http://example.com", "https://8.8.8.8"} {
		if _, err := NewHTTPSearch(url, "k", "", 1); !errors.Is(err, ErrNotLoopback) {
			t.Errorf("NewHTTPSearch(%s) = %v, want ErrNotLoopback", url, err)
		}
	}
}

func TestHTTPSearchSendsKeyFeedAndMode(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer k" || r.Header.Get("X-PostGrad-Feed") != "f" ||
			r.URL.Path != "/api/v1/knowledge/search" || r.URL.Query().Get("mode") != "hybrid" || r.URL.Query().Get("q") != "a b" {
			w.WriteHeader(http.StatusTooManyRequests)
		}
	}))
	defer srv.Close()
	h, err := NewHTTPSearch(srv.URL, "k", "f", 1)
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Search(t.Context(), "a b", search.ModeHybrid); err != nil {
		t.Errorf("Search = %v, want nil", err)
	}
	if err := h.Search(t.Context(), "a b", search.ModeKeyword); err == nil {
		t.Error("Search got a 429 and returned nil, want an error")
	}
}

func TestMedianRow(t *testing.T) {
	row := func(apiMS, rawMS int) LoadRow {
		ms := time.Millisecond
		return LoadRow{API: LoadResult{P50: time.Duration(apiMS) * ms, Requests: 1}, Raw: LoadResult{P50: time.Duration(rawMS) * ms, Requests: 1}}
	}
	got := MedianRow([]LoadRow{row(30, 10), row(12, 10), row(13, 11)})
	if got.API.P50 != 13*time.Millisecond || got.Raw.P50 != 10*time.Millisecond || got.API.Requests != 3 {
		t.Errorf("got API p50 %s, raw p50 %s, %d requests; want 13ms, 10ms, 3", got.API.P50, got.Raw.P50, got.API.Requests)
	}
	if r := got.Ratio(); r != 1.3 {
		t.Errorf("Ratio = %v, want 1.3", r)
	}
}
