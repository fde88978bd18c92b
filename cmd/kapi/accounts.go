package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/kapi-project/kapi/auth"
)

// accountJSON is what the accounts subcommands print.
type accountJSON struct {
	ID                 string    `json:"id"`
	Name               string    `json:"name"`
	Tier               string    `json:"tier"`
	SubscriptionStatus string    `json:"subscription_status"`
	TermsAccepted      bool      `json:"terms_accepted"`
	CreatedAt          time.Time `json:"created_at"`
}

func toAccountJSON(a auth.Account) accountJSON {
	return accountJSON{ID: a.ID.String(), Name: a.Name, Tier: string(a.Tier),
		SubscriptionStatus: a.SubscriptionStatus, TermsAccepted: a.TermsAcceptedAt != nil, CreatedAt: a.CreatedAt.UTC()}
}

// accountsCmd runs `kapi accounts create|update|list|show|sign-in-link|grants`, printing JSON.
func accountsCmd(ctx context.Context, cfg Config, stdout io.Writer, args []string) error {
	if len(args) == 0 {
		return usageError{fmt.Errorf("want a subcommand: create, update, list, show, sign-in-link or grants")}
	}
	switch args[0] {
	case "create":
		return accountsCreate(ctx, cfg, stdout, args[1:])
	case "update":
		return accountsUpdate(ctx, cfg, stdout, args[1:])
	case "list":
		return accountsList(ctx, cfg, stdout, args[1:])
	case "show":
		return accountsShow(ctx, cfg, stdout, args[1:])
	case "sign-in-link":
		return accountsSignInLink(ctx, cfg, stdout, args[1:])
	case "grants":
		return accountsGrants(ctx, cfg, stdout, args[1:])
	default:
		return usageError{fmt.Errorf("unknown subcommand %q: want create, update, list, show, sign-in-link or grants", args[0])}
	}
}

func accountsList(ctx context.Context, cfg Config, stdout io.Writer, args []string) error {
	if err := parseFlags(newFlagSet("accounts list"), args); err != nil {
		return err
	}
	return withPool(ctx, cfg, func(pool *pgxpool.Pool) error {
		accs, err := auth.NewAccounts(pool).List(ctx)
		if err != nil {
			return err
		}
		return printAll(stdout, accs, toAccountJSON)
	})
}

func accountsShow(ctx context.Context, cfg Config, stdout io.Writer, args []string) error {
	fs := newFlagSet("accounts show")
	id := fs.String("id", "", "account id (required)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	accID, err := uuid.Parse(*id)
	if err != nil {
		return usageError{fmt.Errorf("--id must be an account uuid")}
	}
	return withPool(ctx, cfg, func(pool *pgxpool.Pool) error {
		acc, err := auth.NewAccounts(pool).Get(ctx, accID)
		if err != nil {
			return fmt.Errorf("account %s: %w", accID, err)
		}
		return printJSON(stdout, toAccountJSON(acc))
	})
}

func accountsCreate(ctx context.Context, cfg Config, stdout io.Writer, args []string) error {
	fs := newFlagSet("accounts create")
	name := fs.String("name", "", "account name (required)")
	tier := fs.String("tier", "starter", "starter|pro|scale")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *name == "" {
		return usageError{fmt.Errorf("--name is required")}
	}
	return withPool(ctx, cfg, func(pool *pgxpool.Pool) error {
		acc, err := auth.NewAccounts(pool).Create(ctx, *name, auth.Tier(*tier))
		if err != nil {
			return err
		}
		return printJSON(stdout, toAccountJSON(acc))
	})
}

func accountsUpdate(ctx context.Context, cfg Config, stdout io.Writer, args []string) error {
	fs := newFlagSet("accounts update")
	id := fs.String("id", "", "account id (required)")
	tier := fs.String("tier", "", "starter|pro|scale")
	status := fs.String("status", "", "active|past_due|canceled")
	terms := fs.String("terms-accepted", "", "true|false")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	accID, err := uuid.Parse(*id)
	if err != nil {
		return usageError{fmt.Errorf("--id must be an account uuid")}
	}
	var u auth.AccountUpdate
	if *tier != "" {
		u.Tier = (*auth.Tier)(tier)
	}
	if *status != "" {
		u.Status = status
	}
	if *terms != "" {
		b, err := strconv.ParseBool(*terms)
		if err != nil {
			return usageError{fmt.Errorf("--terms-accepted must be true or false")}
		}
		u.TermsAccepted = &b
	}
	return withPool(ctx, cfg, func(pool *pgxpool.Pool) error {
		acc, err := auth.NewAccounts(pool).Update(ctx, accID, u)
		if err != nil {
			return err
		}
		return printJSON(stdout, toAccountJSON(acc))
	})
}

// newFlagSet is a flag set that reports errors to the caller instead of exiting.
func newFlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}

func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		return usageError{err}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Errorf("unexpected arguments %q", fs.Args())}
	}
	return nil
}

func printJSON(w io.Writer, v any) error {
	return json.NewEncoder(w).Encode(v)
}

// printAll prints items as a JSON array of their printed forms ([] for none).
func printAll[T, J any](w io.Writer, items []T, form func(T) J) error {
	out := make([]J, len(items))
	for i, v := range items {
		out[i] = form(v)
	}
	return printJSON(w, out)
}
