package auth

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"
)

// TestPrincipalByIDSeesRevocationAtOnce: the Principal of a key by its id
// (what an OAuth token speaks for) reads the database every time.
func TestPrincipalByIDSeesRevocationAtOnce(t *testing.T) {
	t.Parallel()
	clk := &clock{t: time.Now()}
	keys, accounts, _ := newKeys(t, clk)
	ctx := context.Background()
	acc := mustAccount(t, accounts)
	k, err := keys.Create(ctx, KeySpec{AccountID: acc.ID, Scopes: []string{"knowledge:read"}, AllowedCategories: []string{"a"}})
	if err != nil {
		t.Fatal(err)
	}
	p, err := keys.PrincipalByID(ctx, k.ID)
	if err != nil || p.AccountID != acc.ID || p.KeyID != k.ID || len(p.Scopes) != 1 || len(p.AllowedCategories) != 1 {
		t.Fatalf("PrincipalByID: %+v %v", p, err)
	}
	pastDue := StatusPastDue
	if _, err := accounts.Update(ctx, acc.ID, AccountUpdate{Status: &pastDue}); err != nil {
		t.Fatal(err)
	}
	if p, _ := keys.PrincipalByID(ctx, k.ID); p.SubscriptionStatus != StatusPastDue {
		t.Errorf("after past_due: %q", p.SubscriptionStatus)
	}
	if _, err := keys.Revoke(ctx, acc.ID, k.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := keys.PrincipalByID(ctx, k.ID); !errors.Is(err, ErrUnauthorized) {
		t.Errorf("revoked key: %v, want ErrUnauthorized", err)
	}
	if _, err := keys.PrincipalByID(ctx, uuid.New()); !errors.Is(err, ErrUnauthorized) {
		t.Errorf("unknown key: %v, want ErrUnauthorized", err)
	}
}
