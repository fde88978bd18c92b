package feeds

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/kapi-project/kapi/migrations/pgtest"
)

// newAccount inserts an account row (auth owns the table; feeds tests only need
// an id to subscribe).
func newAccount(t *testing.T, pool *pgxpool.Pool) uuid.UUID {
	t.Helper()
	var id uuid.UUID
	if err := pool.QueryRow(context.Background(), `INSERT INTO accounts (name) VALUES ('t') RETURNING id`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

// mustFeed creates a feed with a given entry count (set directly: the entries
// triggers maintain it in production).
func mustFeed(t *testing.T, c *Catalog, slug string, entries int) Feed {
	t.Helper()
	ctx := context.Background()
	f, err := c.Create(ctx, NewFeed{Slug: slug, Name: "Feed " + slug})
	if err != nil {
		t.Fatalf("create %s: %v", slug, err)
	}
	if _, err := c.pool.Exec(ctx, `UPDATE feeds SET entry_count = $2 WHERE id = $1`, f.ID, entries); err != nil {
		t.Fatal(err)
	}
	f.EntryCount = int64(entries)
	return f
}

func mustSubscribe(t *testing.T, c *Catalog, account uuid.UUID, slugs ...string) {
	t.Helper()
	for _, s := range slugs {
		if _, _, err := c.Subscribe(context.Background(), account, s); err != nil {
			t.Fatalf("subscribe %s: %v", s, err)
		}
	}
}

func TestResolve(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.New(t)
	c := New(pool)
	small := mustFeed(t, c, "small", 5)
	big := mustFeed(t, c, "big", 50)
	mustFeed(t, c, "unsubscribed", 10)
	archived := mustFeed(t, c, "archived", 99)
	canceled := mustFeed(t, c, "canceled", 1)

	multi := newAccount(t, pool)
	mustSubscribe(t, c, multi, "small", "big", "archived", "canceled")
	if _, _, err := c.Unsubscribe(ctx, multi, "canceled"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.SetStatus(ctx, "archived", Archived); err != nil {
		t.Fatal(err)
	}
	single := newAccount(t, pool)
	mustSubscribe(t, c, single, "small")
	none := newAccount(t, pool)

	tests := []struct {
		name      string
		account   uuid.UUID
		selection Selection
		wantFeeds []uuid.UUID
		wantAuto  bool
		wantErr   error
	}{
		{"slug", multi, Selection{Value: "small"}, []uuid.UUID{small.ID}, false, nil},
		{"uuid", multi, Selection{Value: big.ID.String()}, []uuid.UUID{big.ID}, false, nil},
		{"omitted on search auto-selects most entries", multi, Selection{AutoSelect: true}, []uuid.UUID{big.ID}, true, nil},
		{"omitted on list with several feeds", multi, Selection{}, nil, false, ErrInvalidSelection},
		{"omitted on list with one feed", single, Selection{}, []uuid.UUID{small.ID}, true, nil},
		{"omitted with no subscriptions", none, Selection{AutoSelect: true}, nil, false, ErrNotSubscribed},
		{"all", multi, Selection{Value: "all", AllowAll: true}, []uuid.UUID{big.ID, small.ID}, false, nil},
		{"ALL in capitals", multi, Selection{Value: "ALL", AllowAll: true}, []uuid.UUID{big.ID, small.ID}, false, nil},
		{"all where not allowed", multi, Selection{Value: "all"}, nil, false, ErrInvalidSelection},
		{"malformed", multi, Selection{Value: "Not A Feed!"}, nil, false, ErrInvalidSelection},
		{"unknown slug", multi, Selection{Value: "nope"}, nil, false, ErrNotFound},
		{"unknown uuid", multi, Selection{Value: uuid.NewString()}, nil, false, ErrNotFound},
		{"not subscribed", multi, Selection{Value: "unsubscribed"}, nil, false, ErrNotSubscribed},
		{"canceled subscription", multi, Selection{Value: canceled.ID.String()}, nil, false, ErrNotSubscribed},
		{"archived", multi, Selection{Value: archived.Slug}, nil, false, ErrUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := c.Resolve(ctx, tt.account, tt.selection)
			if tt.wantErr != nil {
				var se *SelectionError
				if !errors.Is(err, tt.wantErr) || !errors.As(err, &se) || se.Message == "" {
					t.Fatalf("got %v, want a *SelectionError wrapping %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if ids := idsOf(got.Feeds); fmt.Sprint(ids) != fmt.Sprint(tt.wantFeeds) || got.AutoSelected != tt.wantAuto {
				t.Errorf("got feeds %v auto %v, want %v auto %v", ids, got.AutoSelected, tt.wantFeeds, tt.wantAuto)
			}
		})
	}
}

func TestResolveAllTruncatesAtTen(t *testing.T) {
	t.Parallel()
	pool := pgtest.New(t)
	c := New(pool)
	account := newAccount(t, pool)
	var want []uuid.UUID
	for i := range 12 {
		f := mustFeed(t, c, fmt.Sprintf("feed-%02d", i), 100-i)
		mustSubscribe(t, c, account, f.Slug)
		if i < MaxFanOut {
			want = append(want, f.ID)
		}
	}
	got, err := c.Resolve(context.Background(), account, Selection{Value: "all", AllowAll: true})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(idsOf(got.Feeds)) != fmt.Sprint(want) || !got.All || got.Truncated != 2 {
		t.Errorf("got %d feeds, truncated %d, all %v; want the 10 largest, truncated 2", len(got.Feeds), got.Truncated, got.All)
	}
}

func idsOf(fs []Feed) []uuid.UUID {
	out := make([]uuid.UUID, len(fs))
	for i, f := range fs {
		out[i] = f.ID
	}
	return out
}

func TestCreateValidates(t *testing.T) {
	t.Parallel()
	c := New(pgtest.New(t))
	ctx := context.Background()
	if _, err := c.Create(ctx, NewFeed{Slug: "de", Name: "German", Language: "german"}); err != nil {
		t.Fatalf("german feed: %v", err)
	}
	tests := []struct {
		name    string
		feed    NewFeed
		wantErr error
	}{
		{"bad slug", NewFeed{Slug: "Bad Slug", Name: "x"}, ErrInvalid},
		{"reserved slug", NewFeed{Slug: "all", Name: "x"}, ErrInvalid},
		{"no name", NewFeed{Slug: "ok"}, ErrInvalid},
		{"unknown language", NewFeed{Slug: "ok", Name: "x", Language: "klingon"}, ErrInvalid},
		{"duplicate slug", NewFeed{Slug: "de", Name: "again"}, ErrDuplicate},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := c.Create(ctx, tt.feed); !errors.Is(err, tt.wantErr) {
				t.Errorf("got %v, want %v", err, tt.wantErr)
			}
		})
	}
}

func TestListShowsSubscriptions(t *testing.T) {
	t.Parallel()
	pool := pgtest.New(t)
	c := New(pool)
	ctx := context.Background()
	account := newAccount(t, pool)
	mustFeed(t, c, "one", 3)
	mustFeed(t, c, "two", 7)
	mustSubscribe(t, c, account, "one")
	got, total, err := c.List(ctx, account, 10, 0)
	if err != nil {
		t.Fatal(err)
	}
	if total != 2 || len(got) != 2 || got[0].Slug != "two" || got[0].Subscription != nil ||
		got[1].Subscription == nil || got[1].Subscription.Status != "active" {
		t.Errorf("got total %d %+v", total, got)
	}
	page, total, err := c.List(ctx, account, 1, 1)
	if err != nil || total != 2 || len(page) != 1 || page[0].Slug != "one" {
		t.Errorf("second page: got %+v total %d err %v", page, total, err)
	}
}

// TestArgumentErrors: arguments out of their bounds are *FieldError values
// naming the field, before any database work.
func TestArgumentErrors(t *testing.T) {
	t.Parallel()
	c := New(pgtest.New(t))
	ctx := context.Background()
	account := uuid.New()
	tests := []struct {
		name      string
		call      func() error
		wantField string
	}{
		{"limit 0", func() error { _, _, err := c.List(ctx, account, 0, 0); return err }, "limit"},
		{"limit 51", func() error { _, _, err := c.List(ctx, account, MaxListLimit+1, 0); return err }, "limit"},
		{"negative offset", func() error { _, _, err := c.List(ctx, account, 5, -1); return err }, "offset"},
		{"deep offset", func() error { _, _, err := c.List(ctx, account, 5, MaxListOffset+1); return err }, "offset"},
		{"subscribe to nothing", func() error { _, _, err := c.Subscribe(ctx, account, ""); return err }, "feed"},
		{"bad slug", func() error { _, err := c.Create(ctx, NewFeed{Slug: "Bad Slug", Name: "x"}); return err }, "slug"},
		{"unknown language", func() error {
			_, err := c.Create(ctx, NewFeed{Slug: "x", Name: "x", Language: "klingon"})
			return err
		}, "language"},
	}
	for _, tt := range tests {
		var fe *FieldError
		if err := tt.call(); !errors.As(err, &fe) || !errors.Is(err, ErrInvalid) || fe.Field != tt.wantField {
			t.Errorf("%s: got %v, want a FieldError on %s", tt.name, err, tt.wantField)
		}
	}
}
