// Package pgtest gives each test its own migrated Postgres database.
//
// The first call in a test binary migrates a template database named after the
// migration set's checksum (created once per machine, under an advisory lock so
// parallel test binaries agree); each test then gets a clone made with
// CREATE DATABASE ... TEMPLATE, dropped when the test ends. A missing database
// server fails the test: it never skips.
//
// This is test support code: it is the one place outside cmd/kapi that reads the
// environment (DATABASE_URL, the server to create test databases on).
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/kapi-project/kapi/migrations"
)

// DefaultURL is the database `make test` provisions.
const DefaultURL = "postgres://kapi:kapi@127.0.0.1:5432/kapi?sslmode=disable"

// templateLock is the advisory lock key under which templates are created.
const templateLock = 7_200_113_001

var template struct {
	once sync.Once
	name string
	err  error
}

// ServerURL is the URL of the database server tests create their databases on:
// $DATABASE_URL, else DefaultURL.
func ServerURL() string {
	if u := os.Getenv("DATABASE_URL"); u != "" {
		return u
	}
	return DefaultURL
}

// New returns a pool on a fresh, migrated database of its own, closed and dropped
// when the test ends.
func New(tb testing.TB) *pgxpool.Pool {
	tb.Helper()
	pool, _ := NewWithURL(tb)
	return pool
}

// NewWithURL is New that also returns the database's URL, for code under test
// that opens its own connections (a second server instance, the migrate command).
func NewWithURL(tb testing.TB) (*pgxpool.Pool, string) {
	tb.Helper()
	dbURL := NewDatabase(tb)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	pool, err := migrations.Open(ctx, dbURL, migrations.PoolOptions{MaxConns: 8})
	if err != nil {
		tb.Fatalf("pgtest: open test database: %v", err)
	}
	tb.Cleanup(pool.Close) // runs before the drop registered by NewDatabase
	return pool, dbURL
}

// NewDatabase creates a fresh migrated database, dropped when the test ends, and
// returns its URL.
func NewDatabase(tb testing.TB) string {
	tb.Helper()
	return newDatabase(tb, true)
}

// NewEmptyDatabase creates a database with nothing in it but the vector extension
// (as template1 has it), dropped when the test ends, and returns its URL.
func NewEmptyDatabase(tb testing.TB) string {
	tb.Helper()
	return newDatabase(tb, false)
}

func newDatabase(tb testing.TB, migrated bool) string {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	from := "template1"
	if migrated {
		template.once.Do(func() { template.name, template.err = ensureTemplate(ctx, true) })
		if template.err != nil {
			tb.Fatalf("pgtest: %v", template.err)
		}
		from = template.name
	}
	name := "kapi_test_" + randomHex(8)
	err := adminExec(ctx, fmt.Sprintf("CREATE DATABASE %s TEMPLATE %s", name, from))
	// Another checkout's tests on the same server (another migration set) may
	// have dropped this set's template as an old one: build it again, once,
	// leaving the other set's template alone.
	var pgErr *pgconn.PgError
	if migrated && errors.As(err, &pgErr) && pgErr.Code == "3D000" {
		if _, err = ensureTemplate(ctx, false); err == nil {
			err = adminExec(ctx, fmt.Sprintf("CREATE DATABASE %s TEMPLATE %s", name, from))
		}
	}
	if err != nil {
		tb.Fatalf("pgtest: create test database: %v", err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := adminExec(ctx, fmt.Sprintf("DROP DATABASE IF EXISTS %s WITH (FORCE)", name)); err != nil {
			tb.Errorf("pgtest: drop test database: %v", err)
		}
	})
	return withDatabase(ServerURL(), name)
}

// ensureTemplate creates the migrated template for this migration set unless it
// exists, under an advisory lock shared by every test binary on the server;
// dropOld: and drops the templates of other migration sets.
func ensureTemplate(ctx context.Context, dropOld bool) (string, error) {
	name := "kapi_template_" + migrations.Checksum()[:16]
	conn, err := pgx.Connect(ctx, ServerURL())
	if err != nil {
		return "", fmt.Errorf("connect to %s (run `make test`, which provisions Postgres): %w", redact(ServerURL()), err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", templateLock); err != nil {
		return "", fmt.Errorf("lock template creation: %w", err)
	}
	defer conn.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", templateLock)

	var exists bool
	err = conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists)
	if err != nil || exists {
		return name, err
	}
	building := name + "_building"
	if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+building+" WITH (FORCE)"); err != nil {
		return "", fmt.Errorf("drop stale template: %w", err)
	}
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+building+" TEMPLATE template1"); err != nil {
		return "", fmt.Errorf("create template: %w", err)
	}
	if _, err := migrations.Apply(ctx, withDatabase(ServerURL(), building)); err != nil {
		return "", fmt.Errorf("migrate template: %w", err)
	}
	// Renamed only once complete, so a crash never leaves a half-migrated template.
	if _, err := conn.Exec(ctx, "ALTER DATABASE "+building+" RENAME TO "+name); err != nil {
		return "", fmt.Errorf("rename template: %w", err)
	}
	if dropOld {
		dropOldTemplates(ctx, conn, name)
	}
	return name, nil
}

// dropOldTemplates removes the templates of earlier migration sets. Best effort:
// one still being cloned by an older test binary stays until the next time.
func dropOldTemplates(ctx context.Context, conn *pgx.Conn, keep string) {
	rows, err := conn.Query(ctx, `SELECT datname FROM pg_database
		WHERE datname LIKE 'kapi\_template\_%' AND datname <> $1 AND datname NOT LIKE '%\_building'`, keep)
	if err != nil {
		return
	}
	old, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return
	}
	for _, db := range old {
		conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{db}.Sanitize())
	}
}

func adminExec(ctx context.Context, sql string) error {
	conn, err := pgx.Connect(ctx, ServerURL())
	if err != nil {
		return fmt.Errorf("connect to %s: %w", redact(ServerURL()), err)
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, sql)
	return err
}

// withDatabase returns serverURL with its database name replaced.
func withDatabase(serverURL, db string) string {
	u, err := url.Parse(serverURL)
	if err != nil {
		panic(fmt.Sprintf("pgtest: DATABASE_URL is not a URL: %v", err))
	}
	u.Path = "/" + db
	return u.String()
}

// redact drops the password from a URL for messages.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparseable URL)"
	}
	return u.Redacted()
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
