package auth

import (
	"context"
	"time"
)

// Gate admits authenticated requests: the per-minute limit, the scope, the
// account state, and the monthly quota reservation, in that order. The HTTP and
// MCP surfaces share it so both apply the limits the same way.
type Gate struct {
	limiter *Limiter
	quota   *Quota
}

// NewGate returns a gate over a limiter and a quota.
func NewGate(limiter *Limiter, quota *Quota) *Gate { return &Gate{limiter: limiter, quota: quota} }

// Check is what an endpoint requires.
type Check struct {
	Scope string // the scope the endpoint needs
	// Counted: the endpoint uses one unit of the monthly quota when it succeeds.
	Counted bool
	// Account: the endpoint is a knowledge endpoint, refused to accounts whose
	// subscription is inactive or whose terms are not accepted.
	Account bool
}

// Admission is the outcome of Gate.Admit: the rate-limit state, the usage
// counters, and for counted endpoints the reserved unit to settle.
type Admission struct {
	Rate  RateResult
	Usage Usage

	quota    *Quota
	res      Reservation
	reserved bool
}

// Admit applies c to p's request. It always returns an Admission (for the
// rate-limit headers and usage block, also when refused) and an error when the
// request may not run: a *LimitError (ErrRateLimited, minute or month), a
// *ScopeError (ErrInsufficientScope), ErrSubscriptionInactive,
// ErrTermsNotAccepted, or a database error reading or reserving the quota. When
// it returns no error and c.Counted, the caller must Settle the admission.
func (g *Gate) Admit(ctx context.Context, p Principal, c Check) (*Admission, error) {
	a := &Admission{quota: g.quota, Rate: g.limiter.Allow(ctx, p)}
	err := c.precheck(p, a.Rate)
	if err != nil || !c.Counted {
		u, uerr := g.quota.Usage(ctx, p)
		a.Usage = u
		if err == nil {
			err = uerr
		}
		return a, err
	}
	res, u, err := g.quota.Reserve(ctx, p)
	a.Usage = u
	if err != nil {
		return a, err
	}
	a.res, a.reserved = res, true
	return a, nil
}

// precheck is the part of admission that needs no I/O.
func (c Check) precheck(p Principal, rate RateResult) error {
	if !rate.Allowed {
		return &LimitError{Kind: LimitMinute, RetryAfter: rate.RetryAfter}
	}
	if err := p.RequireScope(c.Scope); err != nil {
		return err
	}
	if c.Account {
		return p.CheckAccount()
	}
	return nil
}

// settleTimeout bounds giving a unit back; it runs even when the request's
// context is gone. A release is one UPDATE: a database that cannot answer it
// within a second is down, and waiting longer would only delay the 503.
const settleTimeout = time.Second

// Settle keeps the reserved unit when the request succeeded (ok) and releases
// it otherwise, updating a.Usage. Only the first call acts; an admission without
// a reserved unit does nothing. It returns the database error of a failed
// release (the unit then stays used).
func (a *Admission) Settle(ctx context.Context, ok bool) error {
	if a == nil || !a.reserved {
		return nil
	}
	a.reserved = false
	if ok { // the unit was counted when it was reserved
		return nil
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), settleTimeout)
	defer cancel()
	used, err := a.quota.Release(ctx, a.res)
	if err != nil {
		return err
	}
	a.Usage.Used = used
	return nil
}

// Pending reports whether a reserved unit awaits Settle.
func (a *Admission) Pending() bool { return a != nil && a.reserved }
