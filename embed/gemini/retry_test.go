package gemini

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kapi-project/kapi/embed"
)

const retryInfo = `[{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"7s"}]`
const keyInvalid = `[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"API_KEY_INVALID","domain":"googleapis.com"}]`

func TestFailures(t *testing.T) {
	e500 := apiError(500, "INTERNAL", "boom", "", nil)
	tests := []struct {
		name        string
		script      []http.HandlerFunc
		wantErr     error // nil means success
		notErr      error
		wantCalls   int
		wantSleeps  []time.Duration // nil means: don't check exact values
		wantNSleeps int
	}{
		{name: "429 with Retry-After then success",
			script:    []http.HandlerFunc{apiError(429, "RESOURCE_EXHAUSTED", "quota", "", http.Header{"Retry-After": {"2"}})},
			wantCalls: 2, wantSleeps: []time.Duration{2 * time.Second}, wantNSleeps: 1},
		{name: "429 with RetryInfo then success",
			script:    []http.HandlerFunc{apiError(429, "RESOURCE_EXHAUSTED", "quota", retryInfo, nil)},
			wantCalls: 2, wantSleeps: []time.Duration{7 * time.Second}, wantNSleeps: 1},
		{name: "503 twice then success",
			script:    []http.HandlerFunc{apiError(503, "UNAVAILABLE", "x", "", nil), apiError(503, "UNAVAILABLE", "x", "", nil)},
			wantCalls: 3, wantNSleeps: 2},
		{name: "500 until give-up",
			script:  []http.HandlerFunc{e500, e500, e500, e500, e500},
			wantErr: embed.ErrUnavailable, wantCalls: 4, wantNSleeps: 3},
		{name: "401", script: []http.HandlerFunc{apiError(401, "UNAUTHENTICATED", "no", "", nil)},
			wantErr: embed.ErrUnavailable, wantCalls: 1},
		{name: "403", script: []http.HandlerFunc{apiError(403, "PERMISSION_DENIED", "no", "", nil)},
			wantErr: embed.ErrUnavailable, wantCalls: 1},
		{name: "400 bad API key", script: []http.HandlerFunc{apiError(400, "INVALID_ARGUMENT", "API key not valid: "+testKey, keyInvalid, nil)},
			wantErr: embed.ErrUnavailable, wantCalls: 1},
		{name: "400 bad input", script: []http.HandlerFunc{apiError(400, "INVALID_ARGUMENT", "text too long; key "+testKey, "", nil)},
			wantErr: ErrRejected, notErr: embed.ErrUnavailable, wantCalls: 1},
		{name: "malformed JSON", script: []http.HandlerFunc{raw(200, `{"embeddings": [{"values": [1,2`)},
			wantErr: embed.ErrUnavailable, wantCalls: 1},
		{name: "non-JSON error page", script: []http.HandlerFunc{raw(502, `<html>bad gateway</html>`), raw(502, `<html>`), raw(502, `<html>`), raw(502, `<html>`)},
			wantErr: embed.ErrUnavailable, wantCalls: 4, wantNSleeps: 3},
		{name: "wrong embedding count", script: []http.HandlerFunc{raw(200, `{"embeddings": []}`)},
			wantErr: embed.ErrUnavailable, wantCalls: 1},
		{name: "wrong width", script: []http.HandlerFunc{raw(200, `{"embeddings": [{"values": [1,2,3]}]}`)},
			wantErr: embed.ErrUnavailable, wantCalls: 1},
		{name: "wrong value type", script: []http.HandlerFunc{raw(200, `{"embeddings": [{"values": "x"}]}`)},
			wantErr: embed.ErrUnavailable, wantCalls: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t, tt.script...)
			e, s := newTestEmbedder(t, f, Config{})
			_, err := e.EmbedQuery(context.Background(), "t3")
			checkErr(t, err, tt.wantErr, tt.notErr)
			if got := len(f.seen()); got != tt.wantCalls {
				t.Errorf("calls = %d, want %d", got, tt.wantCalls)
			}
			got := s.all()
			if len(got) != tt.wantNSleeps {
				t.Errorf("sleeps = %v, want %d of them", got, tt.wantNSleeps)
			}
			if tt.wantSleeps != nil && !equalDurations(got, tt.wantSleeps) {
				t.Errorf("sleeps = %v, want %v", got, tt.wantSleeps)
			}
		})
	}
}

func checkErr(t *testing.T, err, want, not error) {
	t.Helper()
	if want == nil {
		if err != nil {
			t.Fatalf("err = %v, want nil", err)
		}
		return
	}
	if !errors.Is(err, want) {
		t.Errorf("err = %v, want %v", err, want)
	}
	if not != nil && errors.Is(err, not) {
		t.Errorf("err = %v, want it not to wrap %v", err, not)
	}
	t.Logf("err: %v", err)
	if err != nil && strings.Contains(err.Error(), testKey) {
		t.Errorf("err leaks the API key: %v", err)
	}
}

func equalDurations(a, b []time.Duration) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestContextCancel(t *testing.T) {
	block := func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }
	f := newFake(t, block)
	e, _ := newTestEmbedder(t, f, Config{})
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	start := time.Now()
	_, err := e.EmbedQuery(ctx, "t1")
	if !errors.Is(err, context.Canceled) || !errors.Is(err, embed.ErrUnavailable) {
		t.Errorf("err = %v, want context.Canceled and ErrUnavailable", err)
	}
	if got := time.Since(start); got > 2*time.Second {
		t.Errorf("returned after %v, want promptly after cancel", got)
	}
}

func TestCancelDuringBackoff(t *testing.T) {
	f := newFake(t, apiError(503, "UNAVAILABLE", "x", "", nil))
	e, _ := newTestEmbedder(t, f, Config{})
	e.cfg.Sleep = sleep // real timer
	e.cfg.InitialBackoff = time.Hour
	e.cfg.MaxBackoff = time.Hour
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	_, err := e.EmbedQuery(ctx, "t1")
	if !errors.Is(err, context.Canceled) || !errors.Is(err, embed.ErrUnavailable) {
		t.Errorf("err = %v, want context.Canceled and ErrUnavailable", err)
	}
}

func TestRetryAfterBeyondDeadlineGivesUp(t *testing.T) {
	f := newFake(t, apiError(429, "RESOURCE_EXHAUSTED", "q", "", http.Header{"Retry-After": {"3600"}}))
	e, s := newTestEmbedder(t, f, Config{})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := e.EmbedQuery(ctx, "t1")
	if !errors.Is(err, embed.ErrUnavailable) || len(s.all()) != 0 {
		t.Errorf("err = %v after %d sleeps, want ErrUnavailable without sleeping", err, len(s.all()))
	}
}

func TestAttemptTimeout(t *testing.T) {
	slow := func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	}
	f := newFake(t, slow, slow)
	e, s := newTestEmbedder(t, f, Config{Timeout: 50 * time.Millisecond, MaxRetries: 1})
	_, err := e.EmbedQuery(context.Background(), "t1")
	if !errors.Is(err, embed.ErrUnavailable) {
		t.Errorf("err = %v, want ErrUnavailable", err)
	}
	if got, want := len(f.seen()), 2; got != want {
		t.Errorf("calls = %d, want %d (timeouts are retried)", got, want)
	}
	if got := len(s.all()); got != 1 {
		t.Errorf("sleeps = %d, want 1", got)
	}
}

func TestNetworkDown(t *testing.T) {
	f := newFake(t)
	e, s := newTestEmbedder(t, f, Config{MaxRetries: 2})
	f.srv.Close()
	_, err := e.EmbedQuery(context.Background(), "t1")
	if !errors.Is(err, embed.ErrUnavailable) {
		t.Errorf("err = %v, want ErrUnavailable", err)
	}
	if got := len(s.all()); got != 2 {
		t.Errorf("sleeps = %d, want 2", got)
	}
}

func TestNoRetries(t *testing.T) {
	f := newFake(t, apiError(500, "INTERNAL", "x", "", nil))
	e, _ := newTestEmbedder(t, f, Config{MaxRetries: -1})
	if _, err := e.EmbedQuery(context.Background(), "t1"); !errors.Is(err, embed.ErrUnavailable) {
		t.Errorf("err = %v, want ErrUnavailable", err)
	}
	if got := len(f.seen()); got != 1 {
		t.Errorf("calls = %d, want 1", got)
	}
}

func TestDelay(t *testing.T) {
	e := &Embedder{cfg: Config{InitialBackoff: 100 * time.Millisecond, MaxBackoff: time.Second}}
	tests := []struct {
		attempt    int
		retryAfter time.Duration
		lo, hi     time.Duration
	}{
		{0, 0, 50 * time.Millisecond, 100 * time.Millisecond},
		{1, 0, 100 * time.Millisecond, 200 * time.Millisecond},
		{3, 0, 400 * time.Millisecond, 800 * time.Millisecond},
		{10, 0, 500 * time.Millisecond, time.Second},
		{100, 0, 500 * time.Millisecond, time.Second},
		{0, 3 * time.Second, 3 * time.Second, 3 * time.Second},
	}
	for _, tt := range tests {
		for range 50 {
			if got := e.delay(tt.attempt, tt.retryAfter); got < tt.lo || got > tt.hi {
				t.Errorf("delay(%d, %v) = %v, want in [%v, %v]", tt.attempt, tt.retryAfter, got, tt.lo, tt.hi)
			}
		}
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"", 0},
		{"0", 0},
		{"12", 12 * time.Second},
		{"-3", 0},
		{"soon", 0},
		{now.Add(30 * time.Second).Format(http.TimeFormat), 30 * time.Second},
		{now.Add(-30 * time.Second).Format(http.TimeFormat), 0},
	}
	for _, tt := range tests {
		if got := parseRetryAfter(tt.in, now); got != tt.want {
			t.Errorf("parseRetryAfter(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}
