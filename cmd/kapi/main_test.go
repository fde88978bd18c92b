package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kapi-project/kapi/migrations/pgtest"
	"github.com/kapi-project/kapi/search"
)

// testModelDir is the repo's model folder as seen from this package (make test
// fetches the files first).
const testModelDir = "../../models/use-lite"

// envOf is a getenv over m; KAPI_MODEL_DIR defaults to testModelDir.
func envOf(m map[string]string) func(string) string {
	return func(k string) string {
		if v, ok := m[k]; ok {
			return v
		}
		if k == "KAPI_MODEL_DIR" {
			return testModelDir
		}
		return ""
	}
}

func TestLoadConfigDefaults(t *testing.T) {
	t.Parallel()
	cfg, err := loadConfig(envOf(nil))
	if err != nil {
		t.Fatalf("defaults: %v", err)
	}
	if cfg.Addr != ":8080" || cfg.DatabaseURL != defaultDatabaseURL || cfg.EmbeddingProvider != "local" ||
		cfg.ShutdownTimeout != 15*time.Second || cfg.LogLevel != slog.LevelInfo || cfg.DBWait != time.Minute ||
		cfg.DBStatementTimeout != 10*time.Second || cfg.EmbedBudget != 2*time.Second {
		t.Errorf("got %+v", cfg)
	}
	if got, want := cfg.searchOptions().PostingCacheBytes, search.DefaultOptions().PostingCacheBytes; got != want {
		t.Errorf("keyword cache %d bytes by default, want search's %d", got, want)
	}
	cfg, err = loadConfig(envOf(map[string]string{"KAPI_KEYWORD_CACHE_MB": "64"}))
	if err != nil || cfg.searchOptions().PostingCacheBytes != 64<<20 {
		t.Errorf("KAPI_KEYWORD_CACHE_MB=64: %d bytes, %v", cfg.searchOptions().PostingCacheBytes, err)
	}
}

func TestLoadConfigReportsEveryProblem(t *testing.T) {
	t.Parallel()
	_, err := loadConfig(envOf(map[string]string{
		"DATABASE_URL":              "mysql://root:topsecret@db/kapi",
		"KAPI_ADDR":                 "8080",
		"KAPI_LOG_LEVEL":            "chatty",
		"KAPI_SHUTDOWN_TIMEOUT":     "-1s",
		"KAPI_DB_MAX_CONNS":         "0",
		"KAPI_KEYWORD_CACHE_MB":     "-5",
		"KAPI_DB_STATEMENT_TIMEOUT": "soon",
		"KAPI_DB_WAIT":              "0",
		"KAPI_EMBED_TIMEOUT":        "fast",
		"EMBEDDING_PROVIDER":        "gemini",
		"REDIS_URL":                 "http://cache",
		"UPSTASH_REDIS_REST_URL":    "https://x.upstash.io",
		"KAPI_PUBLIC_URL":           "kapi.example.com",
		"DATABASE_REPLICA_URLS":     "postgres://kapi@replica1/kapi, mysql://root:topsecret@replica2/kapi",
		"KAPI_REPLICA_MAX_LAG":      "lots",
	}))
	if err == nil {
		t.Fatal("bad configuration accepted")
	}
	msg := err.Error()
	for _, want := range []string{"DATABASE_URL", "KAPI_ADDR", "KAPI_LOG_LEVEL", "KAPI_SHUTDOWN_TIMEOUT",
		"KAPI_DB_MAX_CONNS", "KAPI_KEYWORD_CACHE_MB", "GEMINI_API_KEY", "REDIS_URL", "UPSTASH_REDIS_REST_TOKEN",
		"KAPI_DB_STATEMENT_TIMEOUT", "KAPI_DB_WAIT", "KAPI_EMBED_TIMEOUT", "KAPI_PUBLIC_URL", "DATABASE_REPLICA_URLS: item 2",
		"KAPI_REPLICA_MAX_LAG"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error does not mention %s:\n%s", want, msg)
		}
	}
	if strings.Contains(msg, "topsecret") {
		t.Errorf("error leaks a password:\n%s", msg)
	}
	_, err = loadConfig(envOf(map[string]string{"EMBEDDING_PROVIDER": "gemini", "GEMINI_API_KEY": "k",
		"GEMINI_BASE_URL": "ftp://proxy"}))
	if err == nil || !strings.Contains(err.Error(), "GEMINI_BASE_URL") {
		t.Errorf("GEMINI_BASE_URL ftp://proxy: got %v, want an error naming it", err)
	}
}

func TestConcurrentMigrateCommands(t *testing.T) {
	t.Parallel()
	env := envOf(map[string]string{"DATABASE_URL": pgtest.NewEmptyDatabase(t)})
	var wg sync.WaitGroup
	codes := make([]int, 3)
	outs := make([]bytes.Buffer, 3)
	for i := range codes {
		wg.Go(func() { codes[i] = run(context.Background(), []string{"migrate"}, env, &outs[i], io.Discard) })
	}
	wg.Wait()
	applied := 0
	for i, code := range codes {
		if code != 0 {
			t.Errorf("migrate %d exited %d", i, code)
		}
		var out struct{ Applied []string }
		if err := json.Unmarshal(outs[i].Bytes(), &out); err != nil {
			t.Fatalf("migrate %d printed %q: %v", i, outs[i].String(), err)
		}
		if len(out.Applied) > 0 {
			applied++
		}
	}
	if applied != 1 {
		t.Errorf("%d runs applied migrations, want exactly 1", applied)
	}
}

func TestServeAnswersAndStopsOnSignal(t *testing.T) {
	t.Parallel()
	env := envOf(map[string]string{"DATABASE_URL": pgtest.NewDatabase(t), "KAPI_ADDR": "127.0.0.1:0"})
	ctx, cancel := context.WithCancel(context.Background())
	logs := &syncBuffer{}
	done := make(chan int, 1)
	go func() { done <- run(ctx, []string{"serve"}, env, io.Discard, logs) }()

	addr := waitForListen(t, logs)
	resp, err := http.Get("http://" + addr + "/health")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("GET /health: got %d, want 200", resp.StatusCode)
	}
	// /api/mcp is mounted beside the REST router and checks the key first.
	resp, err = http.Post("http://"+addr+"/api/mcp", "application/json", strings.NewReader(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized || !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Bearer") {
		t.Errorf("POST /api/mcp without a key: got %d, WWW-Authenticate %q; want 401 with a Bearer challenge",
			resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
	}
	cancel() // what SIGINT/SIGTERM do through signal.NotifyContext
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("serve exited %d; logs:\n%s", code, logs)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not stop after the signal")
	}
}

func TestShutdownLetsInFlightRequestsFinish(t *testing.T) {
	t.Parallel()
	started := make(chan struct{})
	slow := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		time.Sleep(300 * time.Millisecond)
		w.Write([]byte("finished"))
	})
	ctx, cancel := context.WithCancel(context.Background())
	logs := &syncBuffer{}
	cfg := Config{Addr: "127.0.0.1:0", ShutdownTimeout: 5 * time.Second}
	served := make(chan error, 1)
	go func() { served <- serveHTTP(ctx, cfg, slog.New(slog.NewJSONHandler(logs, nil)), slow) }()
	addr := waitForListen(t, logs)

	got := make(chan string, 1)
	go func() {
		resp, err := http.Get("http://" + addr + "/")
		if err != nil {
			got <- "error: " + err.Error()
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		got <- string(b)
	}()
	<-started
	cancel()
	if body := <-got; body != "finished" {
		t.Errorf("in-flight request: got %q, want it to finish", body)
	}
	if err := <-served; err != nil {
		t.Errorf("serveHTTP: %v", err)
	}
}

var listenLine = regexp.MustCompile(`"msg":"listening","addr":"([^"]+)"`)

// waitForListen waits for the server's "listening" line. The bound is generous:
// under -race on a loaded 2-core machine loading the model alone has taken 20 s.
func waitForListen(t *testing.T, logs *syncBuffer) string {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if m := listenLine.FindStringSubmatch(logs.String()); m != nil {
			return m[1]
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("server did not start; logs:\n%s", logs)
	return ""
}

// syncBuffer is a bytes.Buffer safe for a writer and a reader goroutine.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestDatabaseURLFormsAndLogLevels: every form pgx accepts is accepted (and
// a socket URL and a DSN reach the database); only the four documented log
// levels are.
func TestDatabaseURLFormsAndLogLevels(t *testing.T) {
	t.Parallel()
	dbURL := pgtest.NewDatabase(t)
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	db := strings.TrimPrefix(u.Path, "/")
	for _, form := range []string{
		"postgres:///" + db + "?host=/var/run/postgresql&user=" + u.User.Username(),
		"host=/var/run/postgresql dbname=" + db + " user=" + u.User.Username(),
		"host=127.0.0.1 port=5432 dbname=" + db + " user=kapi password=kapi sslmode=disable",
	} {
		code, out, errOut := runCapture(envOf(map[string]string{"DATABASE_URL": form}), "feeds", "list")
		if code != exitOK || strings.TrimSpace(out) != "[]" {
			t.Errorf("DATABASE_URL=%q: exit %d, %s %s", form, code, out, errOut)
		}
	}
	for level, ok := range map[string]bool{"debug": true, "INFO": true, "Warn": true, "error": true,
		"INFO+2": false, "warning": false, "-4": false} {
		_, err := loadConfig(envOf(map[string]string{"KAPI_LOG_LEVEL": level}))
		if (err == nil) != ok {
			t.Errorf("KAPI_LOG_LEVEL=%s: got %v, want accepted=%v", level, err, ok)
		}
	}
}
