package gemini

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/kapi-project/kapi/embed"
)

// withRetry runs call with a per-attempt timeout, retrying transient
// failures (429, 408, 5xx, network, attempt timeout) at most cfg.MaxRetries
// times with exponential backoff and jitter, or the server's Retry-After.
// It stops as soon as ctx is done.
func (e *Embedder) withRetry(ctx context.Context, call func(context.Context) ([][]float32, error)) ([][]float32, error) {
	for attempt := 0; ; attempt++ {
		vecs, f := e.attempt(ctx, call)
		if f == nil {
			return vecs, nil
		}
		if ctx.Err() != nil {
			return nil, fmt.Errorf("%w: %w", embed.ErrUnavailable, ctx.Err())
		}
		if !f.retry || attempt >= e.cfg.MaxRetries {
			return nil, fmt.Errorf("%w (attempt %d of %d)", f.err, attempt+1, e.cfg.MaxRetries+1)
		}
		wait := e.delay(attempt, f.after)
		if exceedsDeadline(ctx, wait) {
			return nil, fmt.Errorf("%w: retry in %s would pass the deadline", f.err, wait)
		}
		if err := e.cfg.Sleep(ctx, wait); err != nil {
			return nil, fmt.Errorf("%w: waiting to retry: %w", embed.ErrUnavailable, err)
		}
	}
}

// attempt makes one call under the per-attempt timeout and classifies its
// error, if any.
func (e *Embedder) attempt(ctx context.Context, call func(context.Context) ([][]float32, error)) ([][]float32, *failure) {
	hint := &retryHint{}
	actx, cancel := context.WithTimeout(context.WithValue(ctx, hintKey{}, hint), e.cfg.Timeout)
	defer cancel()
	vecs, err := call(actx)
	if err == nil {
		return vecs, nil
	}
	return nil, e.classify(err, hint.get())
}

// delay is the wait before retry number attempt+1: the server's Retry-After
// when given, else InitialBackoff·2^attempt capped at MaxBackoff, with equal
// jitter (uniform in [d/2, d]).
func (e *Embedder) delay(attempt int, retryAfter time.Duration) time.Duration {
	if retryAfter > 0 {
		return retryAfter
	}
	d := e.cfg.InitialBackoff
	for range attempt {
		if d >= e.cfg.MaxBackoff {
			break
		}
		d *= 2
	}
	d = min(d, e.cfg.MaxBackoff)
	if d <= 1 {
		return d
	}
	return d/2 + rand.N(d/2+1)
}

func exceedsDeadline(ctx context.Context, wait time.Duration) bool {
	deadline, ok := ctx.Deadline()
	return ok && time.Until(deadline) < wait
}

// sleep is the real Sleep: a timer that gives way to ctx.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// The SDK's APIError carries no response headers, so a transport wrapper
// records Retry-After into a hint carried by the attempt's context.
type hintKey struct{}

type retryHint struct {
	mu    sync.Mutex
	after time.Duration
}

func (h *retryHint) set(d time.Duration) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.after = d
}

func (h *retryHint) get() time.Duration {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.after
}

type hintTransport struct{ base http.RoundTripper }

// RoundTrip forwards to the base transport and notes Retry-After on error
// responses.
func (t hintTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(req)
	if err != nil || resp.StatusCode < 400 {
		return resp, err
	}
	if h, ok := req.Context().Value(hintKey{}).(*retryHint); ok {
		h.set(parseRetryAfter(resp.Header.Get("Retry-After"), time.Now()))
	}
	return resp, nil
}

// parseRetryAfter reads delay-seconds or an HTTP-date; 0 when absent or
// unparsable.
func parseRetryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// wrapClient returns a copy of base (or a new client) whose transport
// records Retry-After. base itself is left untouched.
func wrapClient(base *http.Client) *http.Client {
	c := &http.Client{}
	if base != nil {
		*c = *base
	}
	rt := c.Transport
	if rt == nil {
		rt = http.DefaultTransport
	}
	c.Transport = hintTransport{base: rt}
	return c
}
