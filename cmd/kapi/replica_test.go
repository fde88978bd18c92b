package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/kapi-project/kapi/cmd/kapi/api"
	"github.com/kapi-project/kapi/migrations"
	"github.com/kapi-project/kapi/migrations/pgtest"
)

// TestReadReplica runs kapi serve on the test cluster and a real streaming
// replica of it, and counts the statements each server ran on entries
// (pg_stat_user_tables: scans on the replica are the replica's own): searches
// are served by the replica and none by the primary; an ingest is written on
// the primary and found by the next search; with the replica stopped, searches
// fall back to the primary within 2 s, and return to the replica when it is
// back; a replica whose replay is paused while the primary writes leaves the
// rotation once it is KAPI_REPLICA_MAX_LAG behind (10 s here: the replica
// replays the WAL of the whole test cluster, which other tests load).
func TestReadReplica(t *testing.T) {
	t.Parallel()
	dbURL := pgtest.NewDatabase(t)
	env := envOf(map[string]string{"DATABASE_URL": dbURL, "KAPI_ADDR": "127.0.0.1:0"})
	var demo demoResult
	runJSON(t, env, &demo, "demo")
	var acc accountJSON // scale: 100 a minute, room for every request below
	runJSON(t, env, &acc, "accounts", "update", "--id", demo.AccountID, "--tier", "scale")
	var f feedJSON
	runJSON(t, env, &f, "feeds", "create", "--slug", "replica-notes", "--name", "Replica notes", "--owner", demo.AccountID)
	var writer api.Key
	runJSON(t, env, &writer, "keys", "create", "--account", demo.AccountID, "--scopes", "knowledge:read knowledge:write feeds:read")

	rep := startReplica(t)
	primary, replica := statsPool(t, dbURL), statsPool(t, rep.url(dbURL))
	addr := startServe(t, envOf(map[string]string{"DATABASE_URL": dbURL, "KAPI_ADDR": "127.0.0.1:0",
		"DATABASE_REPLICA_URLS": rep.url(dbURL), "KAPI_REPLICA_MAX_LAG": "10s"}))
	k := &kapiClient{addr: addr, key: demo.Key}
	k.awaitReplica(t, "in_rotation", time.Minute)

	t.Run("searches on the replica", func(t *testing.T) {
		onPrimary, onReplica := scans(t, primary), scans(t, replica)
		for i := range 20 {
			k.search(t, "all", fmt.Sprintf("protein question %d", i%4), 1)
		}
		awaitScans(t, replica, onReplica+20, "replica")
		if got := scans(t, primary); got != onPrimary {
			t.Errorf("primary: %d scans of entries during 20 searches, want 0", got-onPrimary)
		}
	})
	t.Run("an ingest on the primary, found by the next search", func(t *testing.T) {
		inserted := entriesStat(t, primary, "n_tup_ins")
		k.ingest(t, writer.Key, f.Slug, `[{"external_id":"r1","title":"Quorum commit on standbys","content":"Synchronous standbys acknowledge quorum commits."}]`)
		awaitStat(t, primary, "n_tup_ins", inserted+1, "primary")
		k.key = writer.Key
		k.search(t, f.Slug, "quorum", 1) // within the read-your-writes window: the primary
		k.key = demo.Key
	})
	t.Run("fallback to the primary when the replica stops, and back", func(t *testing.T) {
		onPrimary := scans(t, primary)
		rep.stop()
		stopped := time.Now()
		k.awaitReplica(t, "out_of_rotation", 2*time.Second)
		t.Logf("out of rotation %s after the stop", time.Since(stopped).Round(time.Millisecond))
		for i := range 5 {
			k.search(t, "all", fmt.Sprintf("protein question %d", i), 1)
		}
		rep.start()
		awaitScans(t, primary, onPrimary+5, "primary")
		k.awaitReplica(t, "in_rotation", time.Minute)
		onReplica := scans(t, replica)
		k.search(t, "all", "protein", 1)
		awaitScans(t, replica, onReplica+1, "replica")
	})
	t.Run("a replica whose replay is paused leaves the rotation", func(t *testing.T) {
		super := statsPool(t, rep.superuserURL(dbURL))
		replicaExec(t, super, "SELECT pg_wal_replay_pause()")
		defer replicaExec(t, super, "SELECT pg_wal_replay_resume()")
		k.ingest(t, writer.Key, f.Slug, `[{"external_id":"r2","title":"Paused replay","content":"Replay paused on the standby."}]`)
		k.awaitReplica(t, "out_of_rotation", 15*time.Second)
		onPrimary := scans(t, primary)
		k.search(t, "all", "protein", 1)
		awaitScans(t, primary, onPrimary+1, "primary")
		replicaExec(t, super, "SELECT pg_wal_replay_resume()")
		k.awaitReplica(t, "in_rotation", time.Minute)
	})
}

// kapiClient calls a kapi serve of the test with a key.
type kapiClient struct {
	addr string
	key  string
}

func (k *kapiClient) do(t *testing.T, method, path, body string, dst any) int {
	t.Helper()
	req, _ := http.NewRequest(method, "http://"+k.addr+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+k.key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(dst); err != nil {
		t.Fatalf("%s %s: body is not JSON: %v", method, path, err)
	}
	return resp.StatusCode
}

// search runs a keyword search and wants at least min hits.
func (k *kapiClient) search(t *testing.T, feed, q string, min int) {
	t.Helper()
	var out struct {
		Data []json.RawMessage `json:"data"`
	}
	path := "/api/v1/knowledge/search?feed=" + feed + "&q=" + url.QueryEscape(q)
	if status := k.do(t, http.MethodGet, path, "", &out); status != http.StatusOK || len(out.Data) < min {
		t.Fatalf("search %q in %s: got %d with %d hits, want 200 with at least %d", q, feed, status, len(out.Data), min)
	}
}

func (k *kapiClient) ingest(t *testing.T, key, feed, body string) {
	t.Helper()
	read := k.key
	defer func() { k.key = read }()
	k.key = key
	var out map[string]any
	if status := k.do(t, http.MethodPost, "/api/v1/feeds/"+feed+"/entries", body, &out); status != http.StatusOK {
		t.Fatalf("ingest into %s: got %d %v, want 200", feed, status, out)
	}
}

// awaitReplica waits until GET /ready shows the replica in state.
func (k *kapiClient) awaitReplica(t *testing.T, state string, within time.Duration) {
	t.Helper()
	var last any
	for start := time.Now(); time.Since(start) < within; time.Sleep(50 * time.Millisecond) {
		var out struct {
			Data struct {
				Replicas []struct {
					State string `json:"state"`
				} `json:"replicas"`
			} `json:"data"`
		}
		k.do(t, http.MethodGet, "/ready", "", &out)
		if r := out.Data.Replicas; len(r) == 1 && r[0].State == state {
			return
		}
		last = out.Data.Replicas
	}
	t.Fatalf("the replica was not %s within %s: /ready says %+v", state, within, last)
}

// statsPool is a pool on dbURL for reading its statistics.
func statsPool(t *testing.T, dbURL string) *pgxpool.Pool {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	pool, err := migrations.Open(ctx, dbURL, migrations.PoolOptions{MaxConns: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}

// statsDelay is how late a session may report its counts: within a second
// of going idle, or 10 s when it reported less than a second before
// (PGSTAT_IDLE_INTERVAL of PostgreSQL 15).
const statsDelay = 11 * time.Second

// scans is the server's count of scans of the entries table, once the scans
// before the call are all reported.
func scans(t *testing.T, pool *pgxpool.Pool) int64 {
	t.Helper()
	time.Sleep(statsDelay)
	return entriesStat(t, pool, scansExpr)
}

// scansExpr counts the scans of a table in pg_stat_user_tables.
const scansExpr = "coalesce(seq_scan, 0) + coalesce(idx_scan, 0)"

func entriesStat(t *testing.T, pool *pgxpool.Pool, expr string) int64 {
	t.Helper()
	var n int64
	if err := pool.QueryRow(context.Background(), "SELECT "+expr+
		" FROM pg_stat_user_tables WHERE relname = 'entries'").Scan(&n); err != nil {
		t.Fatalf("read pg_stat_user_tables: %v", err)
	}
	return n
}

// awaitScans waits (at most 30 s) until the server counts at least want
// scans (see statsDelay).
func awaitScans(t *testing.T, pool *pgxpool.Pool, want int64, server string) {
	t.Helper()
	awaitStat(t, pool, scansExpr, want, server)
}

// awaitStat waits (at most 30 s) until expr over entries' statistics is at
// least want.
func awaitStat(t *testing.T, pool *pgxpool.Pool, expr string, want int64, server string) {
	t.Helper()
	var got int64
	for start := time.Now(); time.Since(start) < 30*time.Second; time.Sleep(200 * time.Millisecond) {
		if got = entriesStat(t, pool, expr); got >= want {
			return
		}
	}
	t.Errorf("%s: %s of entries is %d, want at least %d", server, expr, got, want)
}

func replicaExec(t *testing.T, pool *pgxpool.Pool, sql string) {
	t.Helper()
	if _, err := pool.Exec(context.Background(), sql); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}
