package auth

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestCreateForGrantsNoMore: a key creates keys with at most its own
// environment, scopes and categories, and well-formed arguments.
func TestCreateForGrantsNoMore(t *testing.T) {
	t.Parallel()
	clk := &clock{t: time.Now()}
	keys, accounts, _ := newKeys(t, clk)
	acc := mustAccount(t, accounts)
	admin := Principal{AccountID: acc.ID, Env: EnvLive, Scopes: []string{"keys:*", "knowledge:read", "usage:read", "feeds:read"}}
	test := Principal{AccountID: acc.ID, Env: EnvTest, Scopes: []string{"*"}}
	sleepy := Principal{AccountID: acc.ID, Env: EnvLive, Scopes: []string{"*"}, AllowedCategories: []string{"sleep"}}
	past := clk.now().Add(-time.Hour)
	tests := []struct {
		name      string
		caller    Principal
		spec      KeySpec
		wantField string // "" for success; "scope" for a *ScopeError
		wantEnv   Env
	}{
		{"defaults", admin, KeySpec{Name: "ci"}, "", EnvLive},
		{"test key makes test keys", test, KeySpec{}, "", EnvTest},
		{"test key cannot make live keys", test, KeySpec{Env: EnvLive}, "env", ""},
		{"unknown env", admin, KeySpec{Env: "prod"}, "env", ""},
		{"long name", admin, KeySpec{Name: string(make([]rune, maxKeyName+1))}, "name", ""},
		{"unknown scope", admin, KeySpec{Scopes: []string{"root"}}, "scopes", ""},
		{"bad category", sleepy, KeySpec{AllowedCategories: []string{"Bad Cat"}}, "allowed_categories", ""},
		{"expired", admin, KeySpec{ExpiresAt: &past}, "expires_at", ""},
		{"scope the caller lacks", admin, KeySpec{Scopes: []string{"feeds:write"}}, "scope", ""},
		{"star", admin, KeySpec{Scopes: []string{"*"}}, "scope", ""},
		{"every category from a restricted key", sleepy, KeySpec{}, "allowed_categories", ""},
		{"other categories", sleepy, KeySpec{AllowedCategories: []string{"diet"}}, "allowed_categories", ""},
		{"its own categories", sleepy, KeySpec{AllowedCategories: []string{"sleep"}}, "", EnvLive},
	}
	for _, tt := range tests {
		k, err := keys.CreateFor(context.Background(), tt.caller, tt.spec)
		var fe *FieldError
		switch {
		case tt.wantField == "" && (err != nil || k.Env != tt.wantEnv || k.AccountID != acc.ID):
			t.Errorf("%s: got %+v, %v; want a %s key of the account", tt.name, k.Key, err, tt.wantEnv)
		case tt.wantField == "scope" && !errors.Is(err, ErrInsufficientScope):
			t.Errorf("%s: got %v, want ErrInsufficientScope", tt.name, err)
		case tt.wantField != "" && tt.wantField != "scope" && (!errors.As(err, &fe) || fe.Field != tt.wantField):
			t.Errorf("%s: got %v, want a FieldError on %s", tt.name, err, tt.wantField)
		}
	}
}

func TestRotateForGrantsNoMore(t *testing.T) {
	t.Parallel()
	keys, accounts, _ := newKeys(t, &clock{t: time.Now()})
	ctx := context.Background()
	acc := mustAccount(t, accounts)
	admin := Principal{AccountID: acc.ID, Env: EnvLive, Scopes: []string{"keys:*", "knowledge:read", "usage:read", "feeds:read"}}
	own, err := keys.Create(ctx, KeySpec{AccountID: acc.ID})
	if err != nil {
		t.Fatal(err)
	}
	wide, err := keys.Create(ctx, KeySpec{AccountID: acc.ID, Scopes: []string{"*"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := keys.RotateFor(ctx, admin, own.ID, time.Hour); err != nil {
		t.Errorf("rotating a key within the caller's: %v", err)
	}
	if _, err := keys.RotateFor(ctx, admin, wide.ID, 0); !errors.Is(err, ErrInsufficientScope) {
		t.Errorf("rotating a wider key: got %v, want ErrInsufficientScope", err)
	}
	var fe *FieldError
	if _, err := keys.RotateFor(ctx, admin, own.ID, MaxGrace+time.Second); !errors.As(err, &fe) || fe.Field != "grace" {
		t.Errorf("long grace: got %v, want a FieldError on grace", err)
	}
	other := Principal{AccountID: mustAccount(t, accounts).ID, Env: EnvLive, Scopes: []string{"*"}}
	if _, err := keys.RotateFor(ctx, other, own.ID, 0); !errors.Is(err, ErrNotFound) {
		t.Errorf("another account's key: got %v, want ErrNotFound", err)
	}
}

func TestRequireCategories(t *testing.T) {
	t.Parallel()
	tests := []struct {
		allowed   []string
		requested []string
		wantErr   bool
	}{
		{nil, []string{"diet"}, false},
		{[]string{"sleep"}, []string{"sleep", ""}, false},
		{[]string{"sleep"}, []string{"sleep", "diet"}, true},
		{[]string{}, []string{"sleep"}, true},
	}
	for _, tt := range tests {
		err := Principal{AllowedCategories: tt.allowed}.RequireCategories(tt.requested...)
		var ce *CategoryError
		if got := errors.As(err, &ce) && errors.Is(err, ErrCategoryRestricted); got != tt.wantErr {
			t.Errorf("allowed %q, requested %q: got %v, want an error %v", tt.allowed, tt.requested, err, tt.wantErr)
		}
	}
}
