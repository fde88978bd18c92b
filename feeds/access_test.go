package feeds

import (
	"context"
	"errors"
	"testing"

	"github.com/google/uuid"

	"github.com/kapi-project/kapi/migrations/pgtest"
)

// TestVisibilityRules: a private feed needs an owner; an operator feed is
// public; visibility changes take effect on the next resolution; grants
// refuse unknown accounts and feeds the caller does not own.
func TestVisibilityRules(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := New(pgtest.New(t))
	owner, reader := newAccount(t, c.pool), newAccount(t, c.pool)

	if _, err := c.Create(ctx, NewFeed{Slug: "orphan", Name: "Orphan", Visibility: Private}); !isField(err, "visibility") {
		t.Errorf("private feed without owner: got %v, want a visibility FieldError", err)
	}
	if _, err := c.Create(ctx, NewFeed{Slug: "odd", Name: "Odd", OwnerAccountID: owner, Visibility: "secret"}); !isField(err, "visibility") {
		t.Errorf("unknown visibility: got %v, want a visibility FieldError", err)
	}
	op := mustFeed(t, c, "operator", 1)
	if op.Visibility != Public {
		t.Errorf("operator feed: got %q, want public", op.Visibility)
	}
	if _, err := c.Update(ctx, uuid.Nil, "operator", Update{Visibility: Private}); !isField(err, "visibility") {
		t.Errorf("operator feed made private: got %v, want a visibility FieldError", err)
	}

	f, err := c.Create(ctx, NewFeed{Slug: "shared", Name: "Shared", OwnerAccountID: owner, Visibility: Public})
	if err != nil {
		t.Fatal(err)
	}
	mustSubscribe(t, c, reader, "shared")
	mustSubscribe(t, c, owner, "shared")
	if _, err := c.Update(ctx, owner, "shared", Update{Visibility: Private}); err != nil {
		t.Fatal(err)
	}
	// A subscription made while the feed was public no longer reads it.
	if _, err := c.Resolve(ctx, reader, Selection{Value: f.Slug}); !errors.Is(err, ErrNotFound) {
		t.Errorf("reader after the feed turned private: got %v, want ErrNotFound", err)
	}
	if _, err := c.Resolve(ctx, owner, Selection{Value: f.ID.String()}); err != nil {
		t.Errorf("owner after the feed turned private: %v", err)
	}

	for _, tt := range []struct {
		by     uuid.UUID
		u      Update
		wantIs error
	}{
		{reader, Update{Status: Archived}, ErrNotFound},              // not the owner
		{owner, Update{Status: Suspended}, ErrInvalid},               // only the operator suspends
		{owner, Update{Status: "gone"}, ErrInvalid},                  // no such status
		{uuid.Nil, Update{Visibility: "hidden"}, ErrInvalid},         // no such visibility
		{owner, Update{Status: Published, Visibility: Private}, nil}, // no change
	} {
		if _, err := c.Update(ctx, tt.by, "shared", tt.u); !errors.Is(err, tt.wantIs) {
			t.Errorf("update %+v by %v: got %v, want %v", tt.u, tt.by, err, tt.wantIs)
		}
	}
	if _, _, err := c.Grant(ctx, reader, "shared", owner); !errors.Is(err, ErrNotFound) {
		t.Errorf("grant by a non-owner: got %v, want ErrNotFound", err)
	}
	if _, _, err := c.Grant(ctx, owner, "shared", uuid.New()); !errors.Is(err, ErrNoAccount) {
		t.Errorf("grant to an unknown account: got %v, want ErrNoAccount", err)
	}
	if _, _, err := c.Grant(ctx, owner, "shared", reader); err != nil {
		t.Fatal(err)
	}
	if res, err := c.Resolve(ctx, reader, Selection{Value: "all", AllowAll: true}); err != nil || len(res.Feeds) != 1 {
		t.Errorf("granted reader, all: got %+v, %v; want the shared feed (its subscription is still active)", res, err)
	}
	grants, _, err := c.Grants(ctx, uuid.Nil, "shared")
	if err != nil || len(grants) != 1 || grants[0].AccountID != reader {
		t.Errorf("grants: got %+v, %v", grants, err)
	}
	if _, err := c.Revoke(ctx, owner, "shared", reader); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Resolve(ctx, reader, Selection{Value: "all", AllowAll: true}); !errors.Is(err, ErrNotSubscribed) {
		t.Errorf("revoked reader, all: got %v, want ErrNotSubscribed (no feed left)", err)
	}
	if _, _, err := c.Subscribe(ctx, reader, "shared"); !errors.Is(err, ErrNotFound) {
		t.Errorf("revoked reader subscribes: got %v, want ErrNotFound", err)
	}
}

func isField(err error, field string) bool {
	var fe *FieldError
	return errors.As(err, &fe) && fe.Field == field
}
