package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kapi-project/kapi/migrations/pgtest"
)

// runCapture runs a kapi command and returns its exit code, stdout and stderr.
func runCapture(env func(string) string, args ...string) (int, string, string) {
	var out, errOut bytes.Buffer
	code := run(context.Background(), args, env, &out, &errOut)
	return code, out.String(), errOut.String()
}

// TestEveryCommandAnswersHelp: --help prints the command's usage on stdout
// and exits 0, with no configuration at all; an unknown flag prints the usage
// on stderr and exits 2.
func TestEveryCommandAnswersHelp(t *testing.T) {
	t.Parallel()
	broken := envOf(map[string]string{"DATABASE_URL": "mysql://nope"})
	for _, cmd := range []string{"serve", "migrate", "reembed", "reindex", "demo", "feeds", "subscriptions",
		"ingest", "entries", "accounts", "keys", "bench", "version"} {
		for _, help := range []string{"--help", "-h"} {
			code, out, _ := runCapture(broken, cmd, help)
			if code != exitOK || !strings.HasPrefix(out, "Usage:\n  kapi "+cmd) {
				t.Errorf("kapi %s %s: exit %d, stdout %q; want 0 and the usage", cmd, help, code, out)
			}
		}
	}
	code, out, _ := runCapture(broken, "help", "ingest")
	if code != exitOK || !strings.Contains(out, "--dry-run") {
		t.Errorf("kapi help ingest: exit %d, stdout %q", code, out)
	}
	env := envOf(map[string]string{"DATABASE_URL": pgtest.NewDatabase(t)})
	for _, args := range [][]string{{"ingest", "--bogus"}, {"ingest", "--in-flight", "5", "--feed", "x", "f.json"}, {"migrate", "extra"}, {"feeds", "list", "--x"}} {
		code, out, errOut := runCapture(env, args...)
		if code != exitUsage || out != "" || !strings.Contains(errOut, "Usage:\n  kapi "+args[0]) {
			t.Errorf("kapi %s: exit %d, stderr %q; want 2 and the usage on stderr", strings.Join(args, " "), code, errOut)
		}
	}
}

func TestVersion(t *testing.T) {
	t.Parallel()
	for _, arg := range []string{"version", "--version"} {
		code, out, _ := runCapture(envOf(nil), arg)
		if code != exitOK || !strings.HasPrefix(out, "kapi dev (commit ") || !strings.Contains(out, "go1.") {
			t.Errorf("kapi %s: exit %d, %q", arg, code, out)
		}
	}
}

// writeArray writes a JSON array of n entries (ids e0..) and returns its path.
func writeArray(t *testing.T, n int, extra string) string {
	t.Helper()
	items := make([]string, n)
	for i := range items {
		items[i] = fmt.Sprintf(`{"external_id":"e%d","title":"Entry %d","content":"Bicycle chain number %d."%s}`, i, i, i, extra)
	}
	path := filepath.Join(t.TempDir(), "entries.json")
	if err := os.WriteFile(path, []byte("["+strings.Join(items, ",\n")+"]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestIngestArraysOfEverySize: with --batch 3, arrays of 1, 2, 3, 4 and 25
// entries are stored whole, exit 0, and say so, with up to 4 batches in
// flight; running again changes nothing.
func TestIngestArraysOfEverySize(t *testing.T) {
	t.Parallel()
	env := envOf(map[string]string{"DATABASE_URL": pgtest.NewDatabase(t)})
	for _, n := range []int{1, 2, 3, 4, 25} {
		slug := fmt.Sprintf("bikes-%d", n)
		runJSON(t, env, &feedJSON{}, "feeds", "create", "--slug", slug, "--name", slug)
		path := writeArray(t, n, "")
		var sum ingestSummary
		runJSON(t, env, &sum, "ingest", "--feed", slug, "--batch", "3", "--in-flight", "4", path)
		if sum.Entries != n || sum.Created != n || sum.Batches != (n+2)/3 || sum.Error != "" {
			t.Errorf("%d entries: got %+v", n, sum)
		}
		runJSON(t, env, &sum, "ingest", "--feed", slug, "--batch", "3", path)
		if sum.Unchanged != n || sum.Created != 0 {
			t.Errorf("%d entries again: got %+v, want all unchanged", n, sum)
		}
		var f feedJSON
		runJSON(t, env, &f, "feeds", "show", "--feed", slug)
		if f.EntryCount != int64(n) {
			t.Errorf("%d entries: the feed holds %d", n, f.EntryCount)
		}
	}
}

// TestIngestFailureSummaryAndDryRun: a bad batch still prints what was stored
// and exits 1; --dry-run stores nothing; an unknown feed exits 3.
func TestIngestFailureSummaryAndDryRun(t *testing.T) {
	t.Parallel()
	env := envOf(map[string]string{"DATABASE_URL": pgtest.NewDatabase(t)})
	runJSON(t, env, &feedJSON{}, "feeds", "create", "--slug", "bikes", "--name", "Bikes")
	path := writeArray(t, 4, "")
	bad := filepath.Join(t.TempDir(), "bad.ndjson")
	os.WriteFile(bad, []byte("{\"external_id\":\"x1\",\"content\":\"ok\"}\n{\"external_id\":\"x2\",\"body\":\"typo\"}\n"), 0o644)

	code, out, errOut := runCapture(env, "ingest", "--feed", "bikes", "--batch", "2", path, bad)
	if code != exitFailure || !strings.Contains(out, `"batches":2,"entries":4,"created":4`) ||
		!strings.Contains(out, `"error":`) || !strings.Contains(errOut, `line 2: unknown field "body"`) {
		t.Errorf("failing ingest: exit %d\nstdout %s\nstderr %s", code, out, errOut)
	}
	var sum ingestSummary
	runJSON(t, env, &sum, "ingest", "--dry-run", "--batch", "3", writeArray(t, 7, ""))
	if !sum.DryRun || sum.Entries != 7 || sum.Batches != 3 || sum.Created != 0 {
		t.Errorf("dry run: got %+v", sum)
	}
	code, out, _ = runCapture(env, "ingest", "--dry-run", "--feed", "bikes", writeArray(t, 2, `,"confidence":7`))
	if code != exitFailure || !strings.Contains(out, "confidence") {
		t.Errorf("dry run of a bad file: exit %d, %s", code, out)
	}
	var f feedJSON
	runJSON(t, env, &f, "feeds", "show", "--feed", "bikes")
	if f.EntryCount != 4 {
		t.Errorf("after the dry runs the feed holds %d entries, want the 4 stored before", f.EntryCount)
	}
	if code, _, _ := runCapture(env, "ingest", "--feed", "nope", path); code != exitNotFound {
		t.Errorf("unknown feed: exit %d, want %d", code, exitNotFound)
	}
	if code, _, _ := runCapture(env, "reembed", "--feed", "nope"); code != exitNotFound {
		t.Errorf("reembed of an unknown feed: exit %d, want %d", code, exitNotFound)
	}
}

// TestListingAndOwnedFeeds: accounts and feeds can be listed and shown; a
// feed made with --owner can be ingested into over REST by its owner's key;
// entries delete removes one entry; unknown names exit 3.
func TestListingAndOwnedFeeds(t *testing.T) {
	t.Parallel()
	env := envOf(map[string]string{"DATABASE_URL": pgtest.NewDatabase(t), "KAPI_ADDR": "127.0.0.1:0"})
	var acc accountJSON
	runJSON(t, env, &acc, "accounts", "create", "--name", "Bike shop", "--tier", "pro")
	var accs []accountJSON
	runJSON(t, env, &accs, "accounts", "list")
	if len(accs) != 1 || accs[0].ID != acc.ID {
		t.Errorf("accounts list: got %+v", accs)
	}
	runJSON(t, env, &acc, "accounts", "show", "--id", acc.ID)
	var f feedJSON
	runJSON(t, env, &f, "feeds", "create", "--slug", "bike-repair", "--name", "Bike repair", "--owner", acc.ID)
	if f.Owner == nil || *f.Owner != acc.ID {
		t.Errorf("feeds create --owner: got %+v", f)
	}
	var list []feedJSON
	runJSON(t, env, &list, "feeds", "list")
	if len(list) != 1 || list[0].Slug != "bike-repair" {
		t.Errorf("feeds list: got %+v", list)
	}
	var key struct{ Key string }
	runJSON(t, env, &key, "keys", "create", "--account", acc.ID, "--scopes", "knowledge:read knowledge:write")
	addr := startServe(t, env)
	body := `[{"external_id":"chain","title":"Chain","content":"Oil the chain."}]`
	code, data := post(t, "http://"+addr+"/api/v1/feeds/bike-repair/entries", key.Key, body)
	if code != 200 || !strings.Contains(data, `"created":1`) {
		t.Fatalf("owner ingests over REST: got %d %s", code, data)
	}
	id := data[strings.Index(data, `"id":"`)+6:][:36]
	var del map[string]any
	runJSON(t, env, &del, "entries", "delete", "--feed", "bike-repair", "--id", id)
	if del["deleted"] != true {
		t.Errorf("entries delete: got %v", del)
	}
	for _, args := range [][]string{
		{"entries", "delete", "--feed", "bike-repair", "--id", id},
		{"accounts", "show", "--id", "00000000-0000-0000-0000-000000000001"},
		{"feeds", "show", "--feed", "nope"},
		{"feeds", "create", "--slug", "x", "--name", "x", "--owner", "00000000-0000-0000-0000-000000000001"},
	} {
		if code, _, _ := runCapture(env, args...); code != exitNotFound {
			t.Errorf("kapi %s: exit %d, want %d", strings.Join(args, " "), code, exitNotFound)
		}
	}
}

// post sends body to url with key and returns the status and the body.
func post(t *testing.T, url, key, body string) (int, string) {
	t.Helper()
	return callAs(t, http.MethodPost, url, key, body)
}

func TestDialAddrFollowsKAPIAddr(t *testing.T) {
	t.Parallel()
	for addr, want := range map[string]string{":8080": "localhost:8080", "0.0.0.0:9000": "localhost:9000",
		"127.0.0.1:7000": "127.0.0.1:7000", "[::]:8081": "localhost:8081", "[::1]:8082": "[::1]:8082"} {
		if got := dialAddr(addr); got != want {
			t.Errorf("dialAddr(%q) = %q, want %q", addr, got, want)
		}
	}
}
