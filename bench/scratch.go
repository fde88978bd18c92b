package bench

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/kapi-project/kapi/migrations"
)

// Scratch is a throwaway database a benchmark creates on a server, migrates,
// loads and drops.
type Scratch struct {
	serverURL string
	name      string
	URL       string // the scratch database's URL
}

// NewScratch creates and migrates a database named kapi_bench_<random> on the
// server of serverURL (its role needs CREATEDB). Drop removes it. Errors:
// connection, CREATE DATABASE and migration errors, wrapped.
func NewScratch(ctx context.Context, serverURL string) (*Scratch, error) {
	u, err := url.Parse(serverURL)
	if err != nil {
		return nil, fmt.Errorf("database URL: %w", err)
	}
	b := make([]byte, 6)
	rand.Read(b)
	s := &Scratch{serverURL: serverURL, name: "kapi_bench_" + hex.EncodeToString(b)}
	if err := s.admin(ctx, "CREATE DATABASE "+s.name); err != nil {
		return nil, fmt.Errorf("create scratch database: %w", err)
	}
	u.Path = "/" + s.name
	s.URL = u.String()
	if _, err := migrations.Apply(ctx, s.URL); err != nil {
		return nil, errors.Join(fmt.Errorf("migrate scratch database: %w", err), s.Drop(ctx))
	}
	return s, nil
}

// Drop removes the scratch database, closing its connections. Errors:
// connection and DROP DATABASE errors, wrapped.
func (s *Scratch) Drop(ctx context.Context) error {
	if err := s.admin(ctx, "DROP DATABASE IF EXISTS "+s.name+" WITH (FORCE)"); err != nil {
		return fmt.Errorf("drop scratch database %s: %w", s.name, err)
	}
	return nil
}

func (s *Scratch) admin(ctx context.Context, sql string) error {
	conn, err := pgx.Connect(ctx, s.serverURL)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, sql)
	return err
}

// Analyze refreshes the planner statistics of the whole database after a
// load, so the plans are those of a settled database. Errors: the database's,
// wrapped.
func Analyze(ctx context.Context, pool *pgxpool.Pool) error {
	if _, err := pool.Exec(ctx, "ANALYZE"); err != nil {
		return fmt.Errorf("analyze: %w", err)
	}
	return nil
}
