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
		scope     Scope
		wantFeeds []uuid.UUID
		wantAuto  bool
		wantErr   error
	}{
		{"slug", multi, Scope{Value: "small"}, []uuid.UUID{small.ID}, false, nil},
		{"uuid", multi, Scope{Value: big.ID.String()}, []uuid.UUID{big.ID}, false, nil},
		{"omitted on search auto-selects most entries", multi, Scope{AutoSelect: true}, []uuid.UUID{big.ID}, true, nil},
		{"omitted on list with several feeds", multi, Scope{}, nil, false, ErrInvalidScope},
		{"omitted on list with one feed", single, Scope{}, []uuid.UUID{small.ID}, true, nil},
		{"omitted with no subscriptions", none, Scope{AutoSelect: true}, nil, false, ErrNotSubscribed},
		{"all", multi, Scope{Value: "all", AllowAll: true}, []uuid.UUID{big.ID, small.ID}, false, nil},
		{"ALL in capitals", multi, Scope{Value: "ALL", AllowAll: true}, []uuid.UUID{big.ID, small.ID}, false, nil},
		{"all where not allowed", multi, Scope{Value: "all"}, nil, false, ErrInvalidScope},
		{"malformed", multi, Scope{Value: "Not A Feed!"}, nil, false, ErrInvalidScope},
		{"unknown slug", multi, Scope{Value: "nope"}, nil, false, ErrNotFound},
		{"unknown uuid", multi, Scope{Value: uuid.NewString()}, nil, false, ErrNotFound},
		{"not subscribed", multi, Scope{Value: "unsubscribed"}, nil, false, ErrNotSubscribed},
		{"canceled subscription", multi, Scope{Value: canceled.ID.String()}, nil, false, ErrNotSubscribed},
		{"archived", multi, Scope{Value: archived.Slug}, nil, false, ErrUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := c.Resolve(ctx, tt.account, tt.scope)
			if tt.wantErr != nil {
				var se *ScopeError
				if !errors.Is(err, tt.wantErr) || !errors.As(err, &se) || se.Message == "" {
					t.Fatalf("got %v, want a *ScopeError wrapping %v", err, tt.wantErr)
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
	got, err := c.Resolve(context.Background(), account, Scope{Value: "all", AllowAll: true})
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
