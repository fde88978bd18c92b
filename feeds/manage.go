package feeds

import (
	"cmp"
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"
)

// NewFeed is a feed to create.
type NewFeed struct {
	Slug           string
	Name           string
	Description    string
	LicensorName   string
	Language       string // default "english"
	IsPaid         bool
	OwnerAccountID uuid.UUID // uuid.Nil: none
	// Visibility: "" is Public. A private feed needs an owner.
	Visibility Visibility
}

// FieldError is an invalid argument: which field, what is wrong with it
// (Problem reads after the field's name: "must be ..."), and its bounds when
// it has them. It wraps ErrInvalid.
type FieldError struct {
	Field, Problem string
	Min, Max       *float64
}

// Error names the field and the problem.
func (e *FieldError) Error() string { return e.Field + " " + e.Problem }

// Unwrap returns ErrInvalid.
func (e *FieldError) Unwrap() error { return ErrInvalid }

// between is the FieldError of a whole number outside lo..hi.
func between(field string, lo, hi int) *FieldError {
	min, max := float64(lo), float64(hi)
	return &FieldError{Field: field, Problem: fmt.Sprintf("must be a whole number between %d and %d", lo, hi),
		Min: &min, Max: &max}
}

const insertFeedSQL = `
INSERT INTO feeds AS f (slug, name, description, licensor_name, language, is_paid, owner_account_id, visibility)
VALUES ($1, $2, $3, $4, $5, $6, nullif($7, '00000000-0000-0000-0000-000000000000'::uuid), $8)
RETURNING ` + feedColumns

// Create adds a published feed. Slugs are unique on the server, whoever owns
// the feed and whatever its visibility, so a slug names one feed for every
// caller. Errors: a *FieldError (ErrInvalid) for a bad slug, name, language or
// visibility (private without an owner); ErrDuplicate when the slug is taken.
func (c *Catalog) Create(ctx context.Context, nf NewFeed) (Feed, error) {
	nf.Slug = strings.TrimSpace(nf.Slug)
	nf.Name = strings.TrimSpace(nf.Name)
	if nf.Language == "" {
		nf.Language = "english"
	}
	if nf.Visibility == "" {
		nf.Visibility = Public
	}
	if err := c.validate(ctx, nf); err != nil {
		return Feed{}, err
	}
	f, err := scanFeed(c.pool.QueryRow(ctx, insertFeedSQL, nf.Slug, nf.Name, nf.Description,
		nf.LicensorName, nf.Language, nf.IsPaid, nf.OwnerAccountID, nf.Visibility))
	if isUniqueViolation(err) {
		return Feed{}, fmt.Errorf("%w: %q", ErrDuplicate, nf.Slug)
	}
	if err != nil {
		return Feed{}, fmt.Errorf("create feed: %w", err)
	}
	return f, nil
}

func (c *Catalog) validate(ctx context.Context, nf NewFeed) error {
	switch {
	case !ValidSlug(nf.Slug):
		return &FieldError{Field: "slug", Problem: "must be 1-63 lowercase letters, digits or hyphens, start with a letter or digit, and not be \"all\""}
	case nf.Name == "" || len(nf.Name) > 200:
		return &FieldError{Field: "name", Problem: "must be 1-200 characters"}
	case len(nf.Description) > 5000:
		return &FieldError{Field: "description", Problem: "must be at most 5000 characters"}
	case len(nf.LicensorName) > 200:
		return &FieldError{Field: "licensor_name", Problem: "must be at most 200 characters"}
	}
	if err := checkVisibility(nf.Visibility, nf.OwnerAccountID); err != nil {
		return err
	}
	if err := checkText(nf); err != nil {
		return err
	}
	var ok bool
	err := c.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = $1)`, nf.Language).Scan(&ok)
	if err != nil {
		return fmt.Errorf("check text-search configuration: %w", err)
	}
	if !ok {
		return &FieldError{Field: "language", Problem: fmt.Sprintf(
			"must be a text-search configuration of this database (e.g. english, german, simple), not %q", nf.Language)}
	}
	return nil
}

// Update is a change to a feed: "" leaves a field as it is.
type Update struct {
	Status     Status
	Visibility Visibility
}

const updateSQL = `
UPDATE feeds f SET status = coalesce(nullif($2, ''), status), visibility = coalesce(nullif($3, ''), visibility),
                   updated_at = now()
WHERE f.id = $1 RETURNING ` + feedColumns

// Update changes the status and visibility of the feed named by ref (UUID or
// slug) in one statement. owner uuid.Nil is the operator: any feed, any status.
// Otherwise owner must own the feed (any other is ErrNotFound) and may only
// publish or archive it, not suspend it or lift a suspension. Making a feed
// private hides it at once from every account but its owner and those it
// grants. Errors: ErrNotFound; a *FieldError for an unknown status or
// visibility, or private for a feed without an owner.
func (c *Catalog) Update(ctx context.Context, owner uuid.UUID, ref string, u Update) (Feed, error) {
	f, err := c.ownedBy(ctx, owner, ref)
	if err != nil {
		return Feed{}, err
	}
	if err := checkUpdate(f, owner, u); err != nil {
		return Feed{}, err
	}
	f, err = scanFeed(c.pool.QueryRow(ctx, updateSQL, f.ID, u.Status, u.Visibility))
	if err != nil {
		return Feed{}, fmt.Errorf("update feed: %w", err)
	}
	return f, nil
}

// SetStatus publishes, archives or suspends the feed named by ref (UUID or
// slug), as the operator. Errors: as Update's.
func (c *Catalog) SetStatus(ctx context.Context, ref string, status Status) (Feed, error) {
	return c.Update(ctx, uuid.Nil, ref, Update{Status: cmp.Or(status, "none")})
}

// checkUpdate applies Update's rules to a change u of feed f by owner.
func checkUpdate(f Feed, owner uuid.UUID, u Update) error {
	switch {
	case u.Status != "" && u.Status != Published && u.Status != Archived && u.Status != Suspended:
		return &FieldError{Field: "status", Problem: "must be published, archived or suspended"}
	case owner != uuid.Nil && u.Status == Suspended:
		return &FieldError{Field: "status", Problem: "must be published or archived (only the operator suspends a feed)"}
	case owner != uuid.Nil && u.Status != "" && f.Status == Suspended:
		return &FieldError{Field: "status", Problem: "cannot change: the operator suspended this feed"}
	case u.Visibility != "":
		return checkVisibility(u.Visibility, f.OwnerAccountID)
	}
	return nil
}

// checkVisibility refuses a visibility other than public or private, and a
// private feed without an owner (nobody could read it).
func checkVisibility(v Visibility, owner uuid.UUID) error {
	switch {
	case v != Public && v != Private:
		return &FieldError{Field: "visibility", Problem: "must be public or private"}
	case v == Private && owner == uuid.Nil:
		return &FieldError{Field: "visibility", Problem: "may be private only for a feed with an owner account"}
	}
	return nil
}

// checkText refuses text Postgres cannot store: invalid UTF-8 or a NUL
// character (SQLSTATE 22021).
func checkText(nf NewFeed) error {
	for _, f := range []struct{ name, value string }{{"name", nf.Name}, {"description", nf.Description},
		{"licensor_name", nf.LicensorName}, {"language", nf.Language}} {
		if !utf8.ValidString(f.value) || strings.IndexByte(f.value, 0) >= 0 {
			return &FieldError{Field: f.name, Problem: "must be valid UTF-8 without NUL characters"}
		}
	}
	return nil
}
