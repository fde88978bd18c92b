package auth

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Account is a customer of the API.
type Account struct {
	ID                 uuid.UUID
	Name               string
	Tier               Tier
	SubscriptionStatus string
	TermsAcceptedAt    *time.Time // nil: must accept the current terms
	PayoutsEnabled     bool       // false: the account may not create paid feeds
	CreatedAt          time.Time
	UpdatedAt          time.Time
}

// AccountUpdate lists the fields to change; nil fields stay as they are.
type AccountUpdate struct {
	Tier          *Tier
	Status        *string // active | past_due | canceled
	TermsAccepted *bool
}

// Accounts manages the accounts table.
type Accounts struct {
	db *pgxpool.Pool
}

// NewAccounts returns the accounts service over db.
func NewAccounts(db *pgxpool.Pool) *Accounts { return &Accounts{db: db} }

const accountColumns = `id, name, tier, subscription_status, terms_accepted_at, payouts_enabled, created_at, updated_at`

const createAccountSQL = `INSERT INTO accounts (name, tier) VALUES ($1, $2) RETURNING ` + accountColumns

// Create adds an account. It returns an error wrapping ErrInvalid for an empty or
// overlong name or an unknown tier.
func (a *Accounts) Create(ctx context.Context, name string, tier Tier) (Account, error) {
	if !tier.Valid() {
		return Account{}, fmt.Errorf("%w: tier must be starter, pro or scale, got %q", ErrInvalid, tier)
	}
	if n := len([]rune(name)); n < 1 || n > 200 {
		return Account{}, fmt.Errorf("%w: name must be 1 to 200 characters", ErrInvalid)
	}
	if !utf8.ValidString(name) || strings.IndexByte(name, 0) >= 0 { // Postgres stores neither (22021)
		return Account{}, fmt.Errorf("%w: name must be valid UTF-8 without NUL characters", ErrInvalid)
	}
	acc, err := scanAccount(a.db.QueryRow(ctx, createAccountSQL, name, tier))
	if err != nil {
		return Account{}, fmt.Errorf("create account: %w", err)
	}
	return acc, nil
}

const getAccountSQL = `SELECT ` + accountColumns + ` FROM accounts WHERE id = $1`

// Get returns one account, or ErrNotFound.
func (a *Accounts) Get(ctx context.Context, id uuid.UUID) (Account, error) {
	acc, err := scanAccount(a.db.QueryRow(ctx, getAccountSQL, id))
	if err != nil {
		return Account{}, fmt.Errorf("get account: %w", err)
	}
	return acc, nil
}

const listAccountsSQL = `SELECT ` + accountColumns + ` FROM accounts ORDER BY created_at, id`

// List returns every account, oldest first: for operators, who manage all of
// them (an admin command, never an API route).
func (a *Accounts) List(ctx context.Context) ([]Account, error) {
	rows, err := a.db.Query(ctx, listAccountsSQL)
	if err != nil {
		return nil, fmt.Errorf("list accounts: %w", err)
	}
	defer rows.Close()
	out := []Account{}
	for rows.Next() {
		acc, err := scanAccount(rows)
		if err != nil {
			return nil, fmt.Errorf("list accounts: %w", err)
		}
		out = append(out, acc)
	}
	return out, rows.Err()
}

const updateAccountSQL = `
UPDATE accounts SET
    tier = coalesce($2, tier),
    subscription_status = coalesce($3, subscription_status),
    terms_accepted_at = CASE WHEN $4::boolean IS NULL THEN terms_accepted_at
                             WHEN $4 THEN coalesce(terms_accepted_at, $5)
                             ELSE NULL END,
    updated_at = $5
WHERE id = $1
RETURNING ` + accountColumns

// Update changes an account's tier, subscription status or terms acceptance. It
// returns ErrNotFound for an unknown id and an error wrapping ErrInvalid for an
// unknown tier or status. Keys see the change within the verification cache TTL.
func (a *Accounts) Update(ctx context.Context, id uuid.UUID, u AccountUpdate) (Account, error) {
	if u.Tier != nil && !u.Tier.Valid() {
		return Account{}, fmt.Errorf("%w: tier must be starter, pro or scale, got %q", ErrInvalid, *u.Tier)
	}
	if u.Status != nil && !validStatus(*u.Status) {
		return Account{}, fmt.Errorf("%w: status must be active, past_due or canceled, got %q", ErrInvalid, *u.Status)
	}
	acc, err := scanAccount(a.db.QueryRow(ctx, updateAccountSQL, id, u.Tier, u.Status, u.TermsAccepted, time.Now()))
	if err != nil {
		return Account{}, fmt.Errorf("update account: %w", err)
	}
	return acc, nil
}

func validStatus(s string) bool {
	return s == StatusActive || s == StatusPastDue || s == StatusCanceled
}

func scanAccount(row pgx.Row) (Account, error) {
	var acc Account
	err := row.Scan(&acc.ID, &acc.Name, &acc.Tier, &acc.SubscriptionStatus, &acc.TermsAcceptedAt,
		&acc.PayoutsEnabled, &acc.CreatedAt, &acc.UpdatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return Account{}, ErrNotFound
	}
	return acc, err
}
