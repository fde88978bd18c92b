// Package migrations owns kapi's database schema: the numbered .sql files embedded
// in the binary, the runner that applies them, and the pgx pool constructor.
//
// Migrations run with jackc/tern (by the author of pgx): each file in its own
// transaction, in order, under a Postgres advisory lock so that several kapi
// instances starting at once apply each migration exactly once. The applied
// version is kept in the schema_migrations table.
//
// It imports nothing of kapi's own packages.
package migrations

import (
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/tern/v2/migrate"
	pgxvec "github.com/pgvector/pgvector-go/pgx"
)

//go:embed *.sql
var files embed.FS

// VersionTable is the table in which the applied schema version is recorded.
const VersionTable = "schema_migrations"

// Result reports what Apply did.
type Result struct {
	Version int32    // the schema version after Apply
	Applied []string // the migrations this call applied, in order (none when up to date)
}

// Apply connects to databaseURL and applies every pending migration. Running it
// again, or concurrently from several processes, is safe: the runner serialises
// on an advisory lock and skips what is applied. Errors name the failing migration.
func Apply(ctx context.Context, databaseURL string) (Result, error) {
	conn, err := pgx.Connect(ctx, databaseURL)
	if err != nil {
		return Result{}, fmt.Errorf("connect for migrations: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	return ApplyConn(ctx, conn)
}

// ApplyConn is Apply on an open connection, which it leaves open.
func ApplyConn(ctx context.Context, conn *pgx.Conn) (Result, error) {
	m, err := migrate.NewMigrator(ctx, conn, VersionTable)
	if err != nil {
		return Result{}, fmt.Errorf("prepare migrations: %w", err)
	}
	if err := m.LoadMigrations(files); err != nil {
		return Result{}, fmt.Errorf("load migrations: %w", err)
	}
	var res Result
	m.OnStart = func(_ int32, name, _, _ string) { res.Applied = append(res.Applied, name) }
	if err := m.Migrate(ctx); err != nil {
		if hint := vectorHint(ctx, conn, err); hint != "" {
			return Result{}, fmt.Errorf("%s: %w", hint, err)
		}
		var me migrate.MigrationPgError
		if errors.As(err, &me) {
			return Result{}, fmt.Errorf("apply migration %q: %w", me.MigrationName, err)
		}
		return Result{}, fmt.Errorf("apply migrations: %w", err)
	}
	res.Version, err = m.GetCurrentVersion(ctx)
	if err != nil {
		return Result{}, fmt.Errorf("read schema version: %w", err)
	}
	return res, nil
}

// vectorHint says what to do when a migration failed because the pgvector
// extension could not be created: a database owner who is not a superuser may
// not create it, and a server without pgvector installed has nothing to create.
// It returns "" for any other failure.
func vectorHint(ctx context.Context, conn *pgx.Conn, err error) string {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		return ""
	}
	var present bool
	if conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'vector')`).Scan(&present) != nil || present {
		return ""
	}
	switch pgErr.Code {
	case "42501": // insufficient_privilege
		return "the pgvector extension is missing and this role may not create it: " +
			"have a superuser run CREATE EXTENSION vector; in this database, then try again"
	case "0A000", "58P01": // feature_not_supported, undefined_file: no vector.control
		return "pgvector is not installed on the database server: install pgvector 0.8 or later " +
			"(see README.md, Set up), then try again"
	}
	return ""
}

// Checksum identifies the embedded migration set: a SHA-256 over every file's name
// and contents, hex encoded. Test templates are named after it.
func Checksum() string {
	h := sha256.New()
	names, _ := fs.Glob(files, "*.sql") // the pattern is valid; embed.FS cannot fail here
	for _, name := range names {
		b, _ := files.ReadFile(name)
		fmt.Fprintf(h, "%s\x00%d\x00", name, len(b))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// PoolOptions tunes Open. Zero values take pgx's defaults (no timeouts).
type PoolOptions struct {
	MaxConns int32
	// StatementTimeout is the server's statement_timeout for the pool's
	// sessions: a statement running longer is cancelled (SQLSTATE 57014).
	StatementTimeout time.Duration
	// ConnectTimeout bounds opening a connection, unless the URL's
	// connect_timeout sets it.
	ConnectTimeout time.Duration
	// PingTimeout bounds the liveness ping of a connection that sat idle
	// before it is handed out; a connection that fails it is replaced.
	PingTimeout time.Duration
}

// apply sets o's non-zero fields on cfg.
func (o PoolOptions) apply(cfg *pgxpool.Config) {
	if o.MaxConns > 0 {
		cfg.MaxConns = o.MaxConns
	}
	if o.StatementTimeout > 0 {
		cfg.ConnConfig.RuntimeParams["statement_timeout"] = strconv.FormatInt(o.StatementTimeout.Milliseconds(), 10)
	}
	if o.ConnectTimeout > 0 && cfg.ConnConfig.ConnectTimeout == 0 {
		cfg.ConnConfig.ConnectTimeout = o.ConnectTimeout
	}
	cfg.PingTimeout = o.PingTimeout
}

// Open returns a pool for databaseURL whose connections know the pgvector types.
// The vector extension must exist (Apply creates it). Open checks the database
// answers before it returns.
func Open(ctx context.Context, databaseURL string, opts PoolOptions) (*pgxpool.Pool, error) {
	pool, err := newPool(ctx, databaseURL, opts)
	if err != nil {
		return nil, err
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("ping database: %w", err)
	}
	return pool, nil
}

// newPool is Open without the ping: the pool connects on first use.
func newPool(ctx context.Context, databaseURL string, opts PoolOptions) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(databaseURL)
	if err != nil {
		// pgx's parse errors can quote the URL, password included: say less.
		return nil, errors.New("parse database URL: invalid connection string")
	}
	opts.apply(cfg)
	cfg.AfterConnect = func(ctx context.Context, conn *pgx.Conn) error {
		return pgxvec.RegisterTypes(ctx, conn)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("create pool: %w", err)
	}
	return pool, nil
}
