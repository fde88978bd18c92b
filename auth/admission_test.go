package auth

import (
	"context"
	"errors"
	"testing"

	"github.com/google/uuid"

	"github.com/kapi-project/kapi/migrations/pgtest"
)

func TestGateAdmit(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	ctx := context.Background()
	acc, err := NewAccounts(db).Create(ctx, "gate", TierStarter)
	if err != nil {
		t.Fatal(err)
	}
	pol := DefaultPolicy()
	pol.Test = Plan{PerMinute: 1, PerMonth: 5} // test keys: one request a minute
	quota := NewQuota(db, QuotaOptions{Policy: &pol})
	gate := NewGate(NewLimiter(LimiterOptions{Policy: &pol}), quota)
	live := Principal{AccountID: acc.ID, Env: EnvLive, Tier: TierStarter, Scopes: DefaultScopes(),
		SubscriptionStatus: StatusActive, TermsAccepted: true}
	inactive := live
	inactive.SubscriptionStatus = StatusCanceled
	noTerms := live
	noTerms.TermsAccepted = false
	limited := live
	limited.Env, limited.AccountID = EnvTest, uuid.New()
	read := Check{Scope: "knowledge:read", Counted: true, Account: true}
	tests := []struct {
		name     string
		p        Principal
		c        Check
		wantErr  error
		wantUsed int64
		pending  bool
	}{
		{"counted", live, read, nil, 1, true},
		{"not counted", live, Check{Scope: "usage:read"}, nil, 0, false},
		{"scope", live, Check{Scope: "keys:read", Counted: true}, ErrInsufficientScope, 0, false},
		{"canceled", inactive, read, ErrSubscriptionInactive, 0, false},
		{"canceled, usage", inactive, Check{Scope: "usage:read"}, nil, 0, false},
		{"terms", noTerms, read, ErrTermsNotAccepted, 0, false},
		{"test key, first", limited, Check{Scope: "usage:read"}, nil, 0, false},
		{"test key, minute limit before scope", limited, Check{Scope: "keys:write"}, ErrRateLimited, 0, false},
	}
	for _, tt := range tests { // each admission is released: the counter returns to 0
		adm, err := gate.Admit(ctx, tt.p, tt.c)
		if !errors.Is(err, tt.wantErr) || adm.Usage.Used != tt.wantUsed || adm.Pending() != tt.pending {
			t.Errorf("%s: got %v used %d pending %v, want %v %d %v",
				tt.name, err, adm.Usage.Used, adm.Pending(), tt.wantErr, tt.wantUsed, tt.pending)
		}
		if adm.Rate.Limit == 0 {
			t.Errorf("%s: no rate-limit state", tt.name)
		}
		if err := adm.Settle(ctx, false); err != nil {
			t.Fatal(err)
		}
	}
	adm, err := gate.Admit(ctx, live, read)
	if err != nil || adm.Usage.Used != 1 {
		t.Fatalf("after a release: got %v used %d, want 1", err, adm.Usage.Used)
	}
	if err := adm.Settle(ctx, true); err != nil || adm.Pending() {
		t.Fatalf("commit: %v pending %v", err, adm.Pending())
	}
	if err := adm.Settle(ctx, false); err != nil || adm.Usage.Used != 1 {
		t.Errorf("a second Settle must do nothing: %v used %d", err, adm.Usage.Used)
	}
}
