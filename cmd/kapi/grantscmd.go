package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/kapi-project/kapi/auth"
	"github.com/kapi-project/kapi/auth/oauth"
)

// signInLinkJSON is what `kapi accounts sign-in-link` prints: the link to
// hand to the person, once.
type signInLinkJSON struct {
	URL       string    `json:"url"`
	AccountID string    `json:"account_id"`
	KeyID     string    `json:"key_id"`
	KeyPrefix string    `json:"key_prefix"`
	ExpiresAt time.Time `json:"expires_at"`
}

// oauthGrantJSON is one OAuth grant as `kapi accounts grants list` prints it.
type oauthGrantJSON struct {
	ID         string    `json:"id"`
	ClientID   string    `json:"client_id"`
	ClientName string    `json:"client_name"`
	KeyID      string    `json:"key_id"`
	Scopes     []string  `json:"scopes"`
	CreatedAt  time.Time `json:"created_at"`
	ExpiresAt  time.Time `json:"expires_at"`
}

func toOAuthGrantJSON(g oauth.GrantInfo) oauthGrantJSON {
	return oauthGrantJSON{ID: g.ID, ClientID: g.ClientID, ClientName: g.ClientName, KeyID: g.KeyID.String(),
		Scopes: g.Scopes, CreatedAt: g.CreatedAt.UTC(), ExpiresAt: g.ExpiresAt.UTC()}
}

// accountsSignInLink prints a one-time sign-in link for the MCP connector's
// sign-in page: it signs in as one of the account's keys (--key, or the
// newest active one), once, within oauth.SignInLinkTTL.
func accountsSignInLink(ctx context.Context, cfg Config, stdout io.Writer, args []string) error {
	fs := newFlagSet("accounts sign-in-link")
	id := fs.String("account", "", "account id (required)")
	keyFlag := fs.String("key", "", "key id to sign in as (default: the account's newest active key)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	accID, err := uuid.Parse(*id)
	if err != nil {
		return usageError{fmt.Errorf("--account must be an account uuid")}
	}
	var keyID uuid.UUID
	if *keyFlag != "" {
		if keyID, err = uuid.Parse(*keyFlag); err != nil {
			return usageError{fmt.Errorf("--key must be a key uuid")}
		}
	}
	return withPool(ctx, cfg, func(pool *pgxpool.Pool) error {
		key, err := signInKey(ctx, pool, accID, keyID)
		if err != nil {
			return err
		}
		authz, err := oauth.New(ctx, pool, oauth.Options{})
		if err != nil {
			return err
		}
		token, expires, err := authz.CreateSignInLink(ctx, accID, key.ID)
		if err != nil {
			return err
		}
		link := publicBase(cfg) + "/oauth/link?t=" + url.QueryEscape(token)
		return printJSON(stdout, signInLinkJSON{URL: link, AccountID: accID.String(), KeyID: key.ID.String(),
			KeyPrefix: key.Prefix, ExpiresAt: expires.UTC()})
	})
}

// signInKey is the key a sign-in link signs in as: keyID when given (it must
// be the account's and active), else the account's newest active key.
func signInKey(ctx context.Context, pool *pgxpool.Pool, accID, keyID uuid.UUID) (auth.Key, error) {
	k := auth.NewKeys(pool, auth.KeysOptions{})
	defer k.Close()
	keys, err := k.List(ctx, accID)
	if err != nil {
		return auth.Key{}, err
	}
	now := time.Now()
	var pick *auth.Key
	for i, k := range keys {
		active := k.RevokedAt == nil && (k.ExpiresAt == nil || k.ExpiresAt.After(now))
		if active && (keyID == uuid.Nil || k.ID == keyID) && (pick == nil || k.CreatedAt.After(pick.CreatedAt)) {
			pick = &keys[i]
		}
	}
	if pick == nil {
		return auth.Key{}, fmt.Errorf("account %s has no such active key: %w", accID, auth.ErrNotFound)
	}
	return *pick, nil
}

// publicBase is where a person's browser reaches kapi: KAPI_PUBLIC_URL, else
// this machine's KAPI_ADDR.
func publicBase(cfg Config) string {
	if cfg.PublicURL != "" {
		return cfg.PublicURL
	}
	return "http://" + dialAddr(cfg.Addr)
}

// accountsGrants runs `kapi accounts grants list|revoke`: the OAuth grants
// agents hold on an account (docs/API.md §9).
func accountsGrants(ctx context.Context, cfg Config, stdout io.Writer, args []string) error {
	if len(args) == 0 || (args[0] != "list" && args[0] != "revoke") {
		return usageError{fmt.Errorf("want a subcommand: grants list or grants revoke")}
	}
	fs := newFlagSet("accounts grants " + args[0])
	id := fs.String("account", "", "account id (required)")
	grant := fs.String("grant", "", "grant id, from grants list (revoke)")
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	accID, err := uuid.Parse(*id)
	if err != nil {
		return usageError{fmt.Errorf("--account must be an account uuid")}
	}
	if args[0] == "revoke" && *grant == "" {
		return usageError{fmt.Errorf("--grant is required")}
	}
	return withPool(ctx, cfg, func(pool *pgxpool.Pool) error {
		authz, err := oauth.New(ctx, pool, oauth.Options{})
		if err != nil {
			return err
		}
		if args[0] == "revoke" {
			if err := authz.RevokeGrant(ctx, accID, *grant); errors.Is(err, oauth.ErrNotFound) {
				return fmt.Errorf("grant %s of account %s: %w", *grant, accID, auth.ErrNotFound)
			} else if err != nil {
				return err
			}
		}
		grants, err := authz.Grants(ctx, accID)
		if err != nil {
			return err
		}
		return printAll(stdout, grants, toOAuthGrantJSON)
	})
}
