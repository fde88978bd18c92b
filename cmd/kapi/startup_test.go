package main

import (
	"bytes"
	"context"
	"net"
	"strings"
	"testing"
	"time"
)

// TestServeWaitsForTheDatabase: with no database listening, serve retries
// with backoff, logs each attempt, and gives up after KAPI_DB_WAIT with a
// message saying so (and no password).
func TestServeWaitsForTheDatabase(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close() // nothing listens there now
	var stdout, stderr bytes.Buffer
	start := time.Now()
	code := run(context.Background(), []string{"serve"}, envOf(map[string]string{
		"DATABASE_URL": "postgres://kapi:topsecret@" + addr + "/kapi?sslmode=disable", "KAPI_DB_WAIT": "2s",
		"KAPI_ADDR": "127.0.0.1:0"}), &stdout, &stderr)
	took, logs := time.Since(start), stderr.String()
	if code == 0 || !strings.Contains(logs, "database not reachable after 2s") {
		t.Fatalf("exit %d, logs:\n%s\nwant a failure saying the database was not reachable", code, logs)
	}
	if n := strings.Count(logs, "database not reachable yet"); n < 2 {
		t.Errorf("%d attempts logged, want at least 2:\n%s", n, logs)
	}
	if took < 2*time.Second || took > 10*time.Second {
		t.Errorf("gave up after %s, want about KAPI_DB_WAIT (2s)", took)
	}
	if strings.Contains(logs, "topsecret") {
		t.Errorf("the password reached the log:\n%s", logs)
	}
}
