package auth

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Usage is an account's monthly counter in one key environment.
type Usage struct {
	Used        int64
	Limit       int64
	PeriodStart time.Time // first instant of the calendar month, UTC
	PeriodEnd   time.Time // first instant of the next month
	Tier        Tier
}

// Remaining is Limit - Used, never negative.
func (u Usage) Remaining() int64 { return max(u.Limit-u.Used, 0) }

// Reservation is one unit taken by Reserve, to Release if the request fails.
type Reservation struct {
	accountID   uuid.UUID
	env         Env
	periodStart time.Time
}

// QuotaOptions configures a Quota. Zero values take the defaults.
type QuotaOptions struct {
	Policy *Policy          // default DefaultPolicy()
	Now    func() time.Time // default time.Now
}

// Quota enforces the monthly quotas over the usage_counters table. Live and test
// keys count apart; the period is the calendar month in UTC.
type Quota struct {
	db     *pgxpool.Pool
	policy Policy
	now    func() time.Time
}

// NewQuota returns the quota service over db.
func NewQuota(db *pgxpool.Pool, opts QuotaOptions) *Quota {
	q := &Quota{db: db, policy: DefaultPolicy(), now: time.Now}
	if opts.Policy != nil {
		q.policy = *opts.Policy
	}
	if opts.Now != nil {
		q.now = opts.Now
	}
	return q
}

// The quota's writes commit without waiting for the WAL flush
// (synchronous_commit = off for their transaction only). The reservation is on
// every counted request's path and a durable commit costs a disk flush (~3 ms
// here, against ~0.1 ms); a database crash can lose at most the last few
// hundred milliseconds of counter updates, an undercount in the customer's
// favour. Atomicity and row locking are unchanged. The setting is a SET LOCAL
// in an explicit transaction, all four statements sent at once (asyncRow):
// Citus passes SET LOCAL on to the worker that holds the row.

// reserveSQL takes one unit in one statement: it creates the month's row with 1,
// or adds 1 only while the counter is below the limit. Row locking on the upsert
// serialises concurrent reservations, so the counter never passes the limit. The
// time is a parameter ($5): Citus wants no volatile function in ON CONFLICT … SET.
const reserveSQL = `
INSERT INTO usage_counters AS u (account_id, env, period_start, queries_used)
VALUES ($1, $2, $3, 1)
ON CONFLICT (account_id, env, period_start) DO UPDATE
    SET queries_used = u.queries_used + 1, updated_at = $5
    WHERE u.queries_used < $4
RETURNING queries_used`

// asyncRow runs sql, a statement returning one bigint, in a transaction that
// commits without waiting for the WAL flush: BEGIN, SET LOCAL, sql and COMMIT
// in one round trip. pgx.ErrNoRows when sql returns no row (the transaction
// still commits). After an error the connection is left in a failed
// transaction, and the pool closes it rather than hand it out again.
func (q *Quota) asyncRow(ctx context.Context, sql string, args ...any) (int64, error) {
	b := &pgx.Batch{}
	b.Queue("BEGIN")
	b.Queue("SET LOCAL synchronous_commit = off")
	b.Queue(sql, args...)
	b.Queue("COMMIT")
	br := q.db.SendBatch(ctx, b)
	defer br.Close()
	for range 2 {
		if _, err := br.Exec(); err != nil {
			return 0, err
		}
	}
	var n int64
	rowErr := br.QueryRow().Scan(&n)
	if rowErr != nil && !errors.Is(rowErr, pgx.ErrNoRows) {
		return 0, rowErr
	}
	if _, err := br.Exec(); err != nil {
		return 0, err
	}
	if err := br.Close(); err != nil {
		return 0, err
	}
	return n, rowErr
}

// Reserve takes one unit of p's monthly quota before a quota-counted request runs;
// the unit is used at once, so concurrent requests see it, and stays used
// unless the request fails and Release gives it back. Usage is the counter after the
// reservation. When the quota is used up it returns a *LimitError (matching
// ErrRateLimited) with Kind LimitMonth and the current usage.
func (q *Quota) Reserve(ctx context.Context, p Principal) (Reservation, Usage, error) {
	u := q.usageFrame(p)
	if u.Limit <= 0 {
		return Reservation{}, u, &LimitError{Kind: LimitMonth, RetryAfter: u.PeriodEnd.Sub(q.now())}
	}
	var err error
	u.Used, err = q.asyncRow(ctx, reserveSQL, p.AccountID, p.Env, u.PeriodStart, u.Limit, q.now())
	if errors.Is(err, pgx.ErrNoRows) {
		u.Used = u.Limit
		return Reservation{}, u, &LimitError{Kind: LimitMonth, RetryAfter: u.PeriodEnd.Sub(q.now())}
	}
	if err != nil {
		return Reservation{}, u, fmt.Errorf("reserve quota: %w", err)
	}
	return Reservation{accountID: p.AccountID, env: p.Env, periodStart: u.PeriodStart}, u, nil
}

const releaseSQL = `
UPDATE usage_counters SET queries_used = queries_used - 1, updated_at = $4
WHERE account_id = $1 AND env = $2 AND period_start = $3 AND queries_used > 0
RETURNING queries_used`

// Release gives a reserved unit back (the request failed) and returns the counter
// afterwards, in the reservation's period.
func (q *Quota) Release(ctx context.Context, r Reservation) (int64, error) {
	used, err := q.asyncRow(ctx, releaseSQL, r.accountID, r.env, r.periodStart, q.now())
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("release quota: %w", err)
	}
	return used, nil
}

const usageSQL = `
SELECT queries_used FROM usage_counters WHERE account_id = $1 AND env = $2 AND period_start = $3`

// Usage returns p's counter for the current month without using a unit.
func (q *Quota) Usage(ctx context.Context, p Principal) (Usage, error) {
	u := q.usageFrame(p)
	err := q.db.QueryRow(ctx, usageSQL, p.AccountID, p.Env, u.PeriodStart).Scan(&u.Used)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return u, fmt.Errorf("read usage: %w", err)
	}
	return u, nil
}

// usageFrame is p's current period and limit, with Used zero.
func (q *Quota) usageFrame(p Principal) Usage {
	start, end := monthOf(q.now())
	return Usage{Limit: q.policy.PlanFor(p).PerMonth, PeriodStart: start, PeriodEnd: end, Tier: p.Tier}
}

// monthOf returns the first instant of t's calendar month in UTC and of the next.
func monthOf(t time.Time) (time.Time, time.Time) {
	t = t.UTC()
	start := time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
	return start, start.AddDate(0, 1, 0)
}
