package migrations_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/pgvector/pgvector-go"

	"github.com/kapi-project/kapi/migrations"
	"github.com/kapi-project/kapi/migrations/pgtest"
)

func TestApplyOnEmptyDatabaseThenNoop(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dbURL := pgtest.NewEmptyDatabase(t)

	first, err := migrations.Apply(ctx, dbURL)
	if err != nil {
		t.Fatalf("first Apply: %v", err)
	}
	if first.Version < 1 || len(first.Applied) != int(first.Version) {
		t.Fatalf("first Apply: got version %d after applying %q, want every migration applied", first.Version, first.Applied)
	}
	second, err := migrations.Apply(ctx, dbURL)
	if err != nil {
		t.Fatalf("second Apply: %v", err)
	}
	if second.Version != first.Version || len(second.Applied) != 0 {
		t.Fatalf("second Apply: got version %d after applying %q, want a no-op at %d", second.Version, second.Applied, first.Version)
	}
	assertSchema(t, dbURL)
}

func TestConcurrentApply(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dbURL := pgtest.NewEmptyDatabase(t)

	const runners = 4
	var wg sync.WaitGroup
	errs := make([]error, runners)
	results := make([]migrations.Result, runners)
	for i := range runners {
		wg.Go(func() { results[i], errs[i] = migrations.Apply(ctx, dbURL) })
	}
	wg.Wait()
	applied := map[string]int{}
	for i, err := range errs {
		if err != nil {
			t.Errorf("runner %d: %v", i, err)
		}
		for _, name := range results[i].Applied {
			applied[name]++
		}
	}
	for name, n := range applied {
		if n != 1 {
			t.Errorf("migration %s applied %d times, want once", name, n)
		}
	}
	assertSchema(t, dbURL)
}

func assertSchema(t *testing.T, dbURL string) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)

	var versionRows int
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM "+migrations.VersionTable).Scan(&versionRows); err != nil {
		t.Fatalf("read %s: %v", migrations.VersionTable, err)
	}
	if versionRows != 1 {
		t.Errorf("%s has %d rows, want 1", migrations.VersionTable, versionRows)
	}
	for _, table := range []string{"accounts", "api_keys", "usage_counters", "feeds", "subscriptions", "entries", "passages", "feed_categories"} {
		var ok bool
		if err := conn.QueryRow(ctx, "SELECT to_regclass($1) IS NOT NULL", table).Scan(&ok); err != nil || !ok {
			t.Errorf("table %s missing (err %v)", table, err)
		}
	}
	indexes := map[string]string{
		"passages_embedding_idx":   "hnsw",
		"entries_feed_updated_idx": "btree",
	}
	var gin bool // the keyword index serves what a GIN index did (012_no_gin.sql)
	if err := conn.QueryRow(ctx, `SELECT to_regclass('entries_search_vector_idx') IS NOT NULL`).Scan(&gin); err != nil || gin {
		t.Errorf("entries_search_vector_idx: present %v (err %v), want dropped", gin, err)
	}
	for name, method := range indexes {
		var got string
		err := conn.QueryRow(ctx, `SELECT am.amname FROM pg_class c JOIN pg_am am ON am.oid = c.relam WHERE c.relname = $1`, name).Scan(&got)
		if err != nil || got != method {
			t.Errorf("index %s: got method %q (err %v), want %q", name, got, err, method)
		}
	}
}

func TestOpenRegistersVectorTypes(t *testing.T) {
	t.Parallel()
	pool := pgtest.New(t)
	want := pgvector.NewVector([]float32{1, 2, 3})
	var got pgvector.Vector
	if err := pool.QueryRow(context.Background(), "SELECT $1::vector", want).Scan(&got); err != nil {
		t.Fatalf("round-trip a vector: %v", err)
	}
	if len(got.Slice()) != 3 || got.Slice()[2] != 3 {
		t.Errorf("got %v, want %v", got.Slice(), want.Slice())
	}
}

func TestOpenRejectsBadURLWithoutEchoingIt(t *testing.T) {
	t.Parallel()
	_, err := migrations.Open(context.Background(), "postgres://u:s3cret@host:notaport/db", migrations.PoolOptions{})
	if err == nil {
		t.Fatal("Open accepted a malformed URL")
	}
	if got := err.Error(); strings.Contains(got, "s3cret") {
		t.Errorf("error %q leaks the password", got)
	}
}

// TestApplyWithoutVectorSaysWhoMustCreateIt: a database without pgvector,
// migrated by a role that is not a superuser (as `make test`'s kapi role is
// not), fails with what to do, not the bare "permission denied".
func TestApplyWithoutVectorSaysWhoMustCreateIt(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, pgtest.ServerURL())
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	var super bool
	if err := admin.QueryRow(ctx, `SELECT rolsuper FROM pg_roles WHERE rolname = current_user`).Scan(&super); err != nil {
		t.Fatal(err)
	}
	if super {
		t.Fatal("this test needs DATABASE_URL's role not to be a superuser (make test's kapi role is not)")
	}
	name := fmt.Sprintf("kapi_novector_%d", time.Now().UnixNano())
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name+" TEMPLATE template0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Exec(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)") })
	u, _ := url.Parse(pgtest.ServerURL())
	u.Path = "/" + name
	_, err = migrations.Apply(ctx, u.String())
	if err == nil || !strings.Contains(err.Error(), "have a superuser run CREATE EXTENSION vector;") {
		t.Errorf("got %v, want the superuser hint", err)
	}
}

// 011_lean_writes.sql: entries' text is compressed with LZ4 where the server
// has it, and keyword_terms leaves room for HOT updates.
func TestLeanWriteSettings(t *testing.T) {
	t.Parallel()
	pool := pgtest.New(t)
	ctx := context.Background()
	var lz4 bool
	if err := pool.QueryRow(ctx, `SELECT 'lz4' = ANY (enumvals) FROM pg_settings WHERE name = 'default_toast_compression'`).Scan(&lz4); err != nil {
		t.Fatal(err)
	}
	want := ""
	if lz4 {
		want = "l"
	}
	var got string
	err := pool.QueryRow(ctx, `SELECT string_agg(attname || '=' || attcompression::text, ' ' ORDER BY attname) FROM pg_attribute
		WHERE attrelid = 'entries'::regclass AND attname IN ('content', 'search_vector')`).Scan(&got)
	if err != nil {
		t.Fatal(err)
	}
	if w := "content=" + want + " search_vector=" + want; got != w {
		t.Errorf("entries compression %q, want %q (the server has LZ4: %v)", got, w, lz4)
	}
	var ff bool
	if err := pool.QueryRow(ctx, `SELECT 'fillfactor=70' = ANY (reloptions) FROM pg_class WHERE oid = 'keyword_terms'::regclass`).Scan(&ff); err != nil || !ff {
		t.Errorf("keyword_terms fillfactor 70: %v, %v", ff, err)
	}
}
