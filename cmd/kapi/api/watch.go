package api

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"
)

// Pinger reports whether a dependency answers. Give WatchDatabase a probe
// with a connection of its own (migrations.Probe): a pool's Ping waits for a
// free connection, so a busy pool would read as a database down.
type Pinger interface {
	Ping(ctx context.Context) error
}

// Database watch defaults: a frozen database is noticed within about
// DefaultWatchInterval + DefaultWatchTimeout.
const (
	DefaultWatchInterval = 500 * time.Millisecond
	DefaultWatchTimeout  = time.Second
)

// WatchOptions tune WatchDatabase; zero fields take the defaults.
type WatchOptions struct {
	Interval time.Duration // between probes
	Timeout  time.Duration // a probe slower than this reads as down
	Logger   *slog.Logger  // the transitions, down and up again
}

// watch holds the database's state for the requests in flight: gen is a
// context that is cancelled when the database stops answering, and replaced
// by a live one when it answers again. Each request's context follows the
// gen of its start (Bound).
type watch struct {
	mu   sync.Mutex
	gen  context.Context
	down context.CancelCauseFunc
}

func newWatch() *watch {
	w := &watch{}
	w.gen, w.down = context.WithCancelCause(context.Background())
	return w
}

func (w *watch) current() context.Context {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.gen
}

// set records the probe's answer; it reports whether the state changed.
func (w *watch) set(err error) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	wasDown := w.gen.Err() != nil
	switch {
	case err != nil && !wasDown:
		w.down(joinCause(ErrUnavailable, err))
	case err == nil && wasDown:
		w.gen, w.down = context.WithCancelCause(context.Background())
	default:
		return false
	}
	return true
}

// WatchDatabase probes the database every interval until ctx ends. When a
// probe fails or takes longer than the timeout, every request in flight is
// cancelled and every new one fails at once with SERVICE_UNAVAILABLE naming
// the database, until a probe answers again: a frozen database costs a
// request about a second, not its whole deadline.
func (s *Service) WatchDatabase(ctx context.Context, probe Pinger, o WatchOptions) {
	o = o.withDefaults()
	t := time.NewTicker(o.Interval)
	defer t.Stop()
	for {
		pctx, cancel := context.WithTimeout(ctx, o.Timeout)
		err := probe.Ping(pctx)
		cancel()
		if ctx.Err() != nil {
			return
		}
		if s.watch.set(err) {
			logTransition(ctx, o.Logger, err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (o WatchOptions) withDefaults() WatchOptions {
	if o.Interval <= 0 {
		o.Interval = DefaultWatchInterval
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultWatchTimeout
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

func logTransition(ctx context.Context, logger *slog.Logger, err error) {
	if err != nil {
		logger.ErrorContext(ctx, "database stopped answering; requests fail fast until it answers", "error", err)
		return
	}
	logger.InfoContext(ctx, "database answers again")
}

// DatabaseUp reports the watch's last view of the database (true when
// WatchDatabase does not run).
func (s *Service) DatabaseUp() bool { return s.watch.current().Err() == nil }

// Bound returns the context a request runs under: RequestTimeout from now,
// and cancelled, with a cause that says so, when the database watch sees the
// database down (at once if it is down already). Both surfaces call it: REST
// for each request, MCP again for each tool call (the SDK runs tools without
// the HTTP request's deadline). Call cancel when the request ends.
func (s *Service) Bound(ctx context.Context) (context.Context, context.CancelFunc) {
	ctx, cancelTime := context.WithTimeoutCause(ctx, RequestTimeout, errOutOfTime)
	ctx, cancelDown := context.WithCancelCause(ctx)
	gen := s.watch.current()
	stop := context.AfterFunc(gen, func() { cancelDown(context.Cause(gen)) })
	return ctx, func() {
		stop()
		cancelDown(nil)
		cancelTime()
	}
}

// Explain is err with the reason its context ended, when it did: a step
// that failed because the request ran out of time or the database went
// down says so (SERVICE_UNAVAILABLE naming the database), rather than that
// it was cancelled.
func Explain(ctx context.Context, err error) error {
	if ctx.Err() == nil || err == nil || !(isContextErr(err) || databaseDown(err)) {
		return err
	}
	cause := context.Cause(ctx)
	if cause == nil || cause == ctx.Err() {
		return err
	}
	return joinCause(cause, err)
}

func isContextErr(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}
