package embed

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/sony/gobreaker/v2"
)

// Guard defaults, applied by NewGuarded to zero GuardOptions fields.
const (
	// DefaultQueryBudget is the time a query embedding may take, retries
	// included: a search keeps the rest of its deadline for its other steps
	// (hybrid answers from the keyword leg, semantic answers 503).
	DefaultQueryBudget = 2 * time.Second
	// DefaultTripAfter consecutive failures open the breaker.
	DefaultTripAfter = 3
	// DefaultOpenFor is how long an open breaker fails calls at once before
	// it lets one trial call through.
	DefaultOpenFor = 5 * time.Second
)

// GuardOptions tune a Guarded embedder. Zero fields take the defaults.
type GuardOptions struct {
	QueryBudget time.Duration // per EmbedQuery, retries included
	TripAfter   uint32        // consecutive failures that open the breaker
	OpenFor     time.Duration // how long the breaker stays open
	Logger      *slog.Logger  // the breaker's changes of state; nil: not logged
}

// Guarded is an Embedder that bounds the time a query embedding may take and
// keeps a circuit breaker (sony/gobreaker) around the provider: after
// TripAfter consecutive failures (ErrUnavailable) every call fails at once,
// for OpenFor, then one trial call decides whether it closes again. A call
// that fails because its caller went away counts neither way. Safe for
// concurrent use.
type Guarded struct {
	inner  Embedder
	budget time.Duration
	cb     *gobreaker.TwoStepCircuitBreaker[struct{}]
}

var _ Embedder = (*Guarded)(nil)

// errOpen is the error of a call the open breaker refused.
var errOpen = fmt.Errorf("%w: failing fast after repeated failures (circuit breaker open)", ErrUnavailable)

// NewGuarded wraps inner with the query budget and the breaker.
func NewGuarded(inner Embedder, o GuardOptions) *Guarded {
	o = o.withDefaults()
	st := gobreaker.Settings{Name: "embedder " + inner.Model().Name, MaxRequests: 1, Timeout: o.OpenFor,
		ReadyToTrip:  func(c gobreaker.Counts) bool { return c.ConsecutiveFailures >= o.TripAfter },
		IsSuccessful: func(err error) bool { return !errors.Is(err, ErrUnavailable) },
		IsExcluded:   func(err error) bool { return errors.Is(err, errCallerGone) },
		OnStateChange: func(name string, from, to gobreaker.State) {
			o.Logger.Warn("circuit breaker changed state", "breaker", name, "from", from.String(), "to", to.String())
		}}
	return &Guarded{inner: inner, budget: o.QueryBudget, cb: gobreaker.NewTwoStepCircuitBreaker[struct{}](st)}
}

func (o GuardOptions) withDefaults() GuardOptions {
	if o.QueryBudget <= 0 {
		o.QueryBudget = DefaultQueryBudget
	}
	if o.TripAfter == 0 {
		o.TripAfter = DefaultTripAfter
	}
	if o.OpenFor <= 0 {
		o.OpenFor = DefaultOpenFor
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

// errCallerGone marks a failure caused by the caller's own context.
var errCallerGone = errors.New("the caller's context ended")

// Model reports the inner embedder's model.
func (g *Guarded) Model() Model { return g.inner.Model() }

// Unwrap returns the inner embedder (for its optional methods).
func (g *Guarded) Unwrap() Embedder { return g.inner }

// Open reports whether the breaker fails calls at once now.
func (g *Guarded) Open() bool { return g.cb.State() == gobreaker.StateOpen }

// EmbedQuery embeds text within the query budget. Errors: the inner
// embedder's; wrapping ErrUnavailable when the budget runs out or the
// breaker is open.
func (g *Guarded) EmbedQuery(ctx context.Context, text string) ([]float32, error) {
	var v []float32
	err := g.call(ctx, g.budget, func(ctx context.Context) (err error) {
		v, err = g.inner.EmbedQuery(ctx, text)
		return err
	})
	return v, err
}

// EmbedDocuments embeds docs under the caller's deadline only (a batch takes
// as long as it takes), through the breaker. Errors: as EmbedQuery's.
func (g *Guarded) EmbedDocuments(ctx context.Context, docs []Document) ([][]float32, error) {
	var vs [][]float32
	err := g.call(ctx, 0, func(ctx context.Context) (err error) {
		vs, err = g.inner.EmbedDocuments(ctx, docs)
		return err
	})
	return vs, err
}

// call runs f through the breaker, within budget when it is positive.
func (g *Guarded) call(ctx context.Context, budget time.Duration, f func(context.Context) error) error {
	done, err := g.cb.Allow()
	if err != nil {
		return errOpen
	}
	fctx, cancel := ctx, context.CancelFunc(func() {})
	if budget > 0 {
		fctx, cancel = context.WithTimeout(ctx, budget)
	}
	defer cancel()
	err = f(fctx)
	switch {
	case err == nil:
	case ctx.Err() != nil: // the caller's deadline or cancellation, not the provider's fault
		done(errCallerGone)
		return err
	case fctx.Err() != nil:
		err = fmt.Errorf("%w: no answer within the %s budget: %w", ErrUnavailable, budget, err)
	}
	done(err)
	return err
}
