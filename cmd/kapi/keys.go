package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/kapi-project/kapi/auth"
	"github.com/kapi-project/kapi/cmd/kapi/api"
)

// keyJSON is what the keys subcommands print: api.Key with the account and,
// on create and rotate, the full key.
func keyJSON(k auth.Key, secret string) api.Key {
	out := api.NewKey(k)
	out.Key, out.AccountID = secret, k.AccountID.String()
	return out
}

// keysCmd runs `kapi keys create|list|revoke|rotate`, printing JSON. Operators
// manage the keys of every account, so no owner restriction applies.
func keysCmd(ctx context.Context, cfg Config, stdout io.Writer, args []string) error {
	if len(args) == 0 {
		return usageError{fmt.Errorf("want a subcommand: create, list, revoke or rotate")}
	}
	sub := map[string]func(context.Context, *auth.Keys, io.Writer, []string) error{
		"create": keysCreate, "list": keysList, "revoke": keysRevoke, "rotate": keysRotate,
	}[args[0]]
	if sub == nil {
		return usageError{fmt.Errorf("unknown subcommand %q: want create, list, revoke or rotate", args[0])}
	}
	return withPool(ctx, cfg, func(pool *pgxpool.Pool) error {
		keys := auth.NewKeys(pool, auth.KeysOptions{})
		defer keys.Close()
		return sub(ctx, keys, stdout, args[1:])
	})
}

func keysCreate(ctx context.Context, keys *auth.Keys, stdout io.Writer, args []string) error {
	fs := newFlagSet("keys create")
	account := fs.String("account", "", "account id (required)")
	name := fs.String("name", "", "key name")
	env := fs.String("env", "live", "live|test")
	scopes := fs.String("scopes", strings.Join(auth.DefaultScopes(), " "), "space-separated scopes")
	cats := fs.String("allowed-categories", "", "comma-separated categories (default: all)")
	expiresIn := fs.Duration("expires-in", 0, "lifetime such as 720h (default: no expiry)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	accID, err := uuid.Parse(*account)
	if err != nil {
		return usageError{fmt.Errorf("--account must be an account uuid")}
	}
	spec := auth.KeySpec{AccountID: accID, Name: *name, Env: auth.Env(*env), Scopes: auth.ParseScopes(*scopes)}
	if *cats != "" {
		spec.AllowedCategories = strings.Split(*cats, ",")
	}
	if *expiresIn < 0 {
		return usageError{fmt.Errorf("--expires-in must be positive")}
	}
	if *expiresIn > 0 {
		at := time.Now().Add(*expiresIn)
		spec.ExpiresAt = &at
	}
	created, err := keys.Create(ctx, spec)
	if err != nil {
		return err
	}
	return printJSON(stdout, keyJSON(created.Key, created.Secret))
}

func keysList(ctx context.Context, keys *auth.Keys, stdout io.Writer, args []string) error {
	fs := newFlagSet("keys list")
	account := fs.String("account", "", "account id (required)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	accID, err := uuid.Parse(*account)
	if err != nil {
		return usageError{fmt.Errorf("--account must be an account uuid")}
	}
	list, err := keys.List(ctx, accID)
	if err != nil {
		return err
	}
	out := make([]api.Key, len(list))
	for i, k := range list {
		out[i] = keyJSON(k, "")
	}
	return printJSON(stdout, out)
}

func keysRevoke(ctx context.Context, keys *auth.Keys, stdout io.Writer, args []string) error {
	fs := newFlagSet("keys revoke")
	id := fs.String("id", "", "key id (the uuid from create or list; required)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	keyID, err := uuid.Parse(*id)
	if err != nil {
		return usageError{fmt.Errorf("--id must be a key uuid")}
	}
	key, err := keys.Revoke(ctx, uuid.Nil, keyID)
	if err != nil {
		return err
	}
	return printJSON(stdout, keyJSON(key, ""))
}

func keysRotate(ctx context.Context, keys *auth.Keys, stdout io.Writer, args []string) error {
	fs := newFlagSet("keys rotate")
	id := fs.String("id", "", "key id (required)")
	grace := fs.Duration("grace", 0, "how long the old key keeps working, such as 24h (default: until revoked)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	keyID, err := uuid.Parse(*id)
	if err != nil {
		return usageError{fmt.Errorf("--id must be a key uuid")}
	}
	if *grace < 0 {
		return usageError{fmt.Errorf("--grace must not be negative")}
	}
	created, err := keys.Rotate(ctx, uuid.Nil, keyID, *grace)
	if err != nil {
		return err
	}
	return printJSON(stdout, keyJSON(created.Key, created.Secret))
}
