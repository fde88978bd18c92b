// Package feeds owns feeds, subscriptions and feed selection (a UUID, a slug,
// "all", or auto-selection; API.md §2), with the feeds and subscriptions
// tables.
//
// It imports nothing of kapi's own packages and nothing of HTTP frameworks:
// callers pass the account id in as a parameter.
package feeds

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Errors of the package. Resolution errors are *SelectionError values wrapping
// one of ErrInvalidSelection, ErrNotFound, ErrNotSubscribed or ErrUnavailable;
// invalid arguments are *FieldError values wrapping ErrInvalid.
var (
	ErrNotFound         = errors.New("feed not found")
	ErrUnavailable      = errors.New("feed archived or suspended")
	ErrNotSubscribed    = errors.New("feed not subscribed")
	ErrInvalidSelection = errors.New("invalid feed selection")
	ErrInvalid          = errors.New("invalid feed")
	ErrDuplicate        = errors.New("feed slug already taken")
	ErrNoAccount        = errors.New("account not found")
)

// Status is a feed's publication state.
type Status string

// Feed statuses: only published feeds are served to subscribers.
const (
	Published Status = "published"
	Archived  Status = "archived"
	Suspended Status = "suspended"
)

// Visibility says who sees a feed.
type Visibility string

// Feed visibilities: a public feed is listed to every account and any may
// subscribe; a private one only to its owner and the accounts it grants.
const (
	Public  Visibility = "public"
	Private Visibility = "private"
)

// Feed is a knowledge feed.
type Feed struct {
	ID             uuid.UUID
	Slug           string
	Name           string
	Description    string
	LicensorName   string
	Status         Status
	Language       string // Postgres text-search configuration
	IsPaid         bool
	OwnerAccountID uuid.UUID // uuid.Nil: none (created by an operator)
	Visibility     Visibility
	EntryCount     int64
	LastEntryAt    *time.Time
	CreatedAt      time.Time
}

// Catalog reads and writes feeds and subscriptions. Build it with New.
type Catalog struct {
	pool  *pgxpool.Pool
	reads func(context.Context) *pgxpool.Pool // nil: reads on pool
}

// New returns a Catalog over pool.
func New(pool *pgxpool.Pool) *Catalog { return &Catalog{pool: pool} }

// WithReads returns a copy of c whose catalogue reads (List, Totals) use the
// pool read chooses, a replica that may be a little behind. Feed lookups,
// resolution and subscriptions, which must be current, stay on c's pool.
func (c *Catalog) WithReads(read func(context.Context) *pgxpool.Pool) *Catalog {
	cp := *c
	cp.reads = read
	return &cp
}

// reader is the pool for a catalogue read.
func (c *Catalog) reader(ctx context.Context) *pgxpool.Pool {
	if c.reads == nil {
		return c.pool
	}
	return c.reads(ctx)
}

var slugPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)

// ValidSlug reports whether s has the form of a feed slug.
func ValidSlug(s string) bool { return slugPattern.MatchString(s) && s != "all" }

// feedColumns is what scanFeed reads; every query names the feeds table "f".
const feedColumns = `f.id, f.slug, f.name, f.description, f.licensor_name, f.status, f.language, f.is_paid,
       coalesce(f.owner_account_id, '00000000-0000-0000-0000-000000000000'), f.visibility,
       f.entry_count, f.last_entry_at, f.created_at`

// scanFeed reads feedColumns, then any further columns into extra.
func scanFeed(row pgx.Row, extra ...any) (Feed, error) {
	var f Feed
	err := row.Scan(append([]any{&f.ID, &f.Slug, &f.Name, &f.Description, &f.LicensorName, &f.Status,
		&f.Language, &f.IsPaid, &f.OwnerAccountID, &f.Visibility, &f.EntryCount, &f.LastEntryAt, &f.CreatedAt}, extra...)...)
	if errors.Is(err, pgx.ErrNoRows) {
		return Feed{}, ErrNotFound
	}
	return f, err
}

const lookupSQL = `SELECT ` + feedColumns + ` FROM feeds f WHERE ($1::uuid IS NOT NULL AND f.id = $1) OR f.slug = $2`

// Lookup finds a feed by UUID or slug, whatever its status. Errors: ErrNotFound.
func (c *Catalog) Lookup(ctx context.Context, ref string) (Feed, error) {
	f, err := scanFeed(c.pool.QueryRow(ctx, lookupSQL, refID(ref), ref))
	if err != nil && !errors.Is(err, ErrNotFound) {
		return Feed{}, fmt.Errorf("look up feed: %w", err)
	}
	return f, err
}

// isUniqueViolation reports a Postgres unique-constraint error.
func isUniqueViolation(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "23505"
}

// refID is ref as a UUID, or nil when ref is a slug.
func refID(ref string) *uuid.UUID {
	if u, err := uuid.Parse(ref); err == nil {
		return &u
	}
	return nil
}
