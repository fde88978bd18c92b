package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os/exec"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/kapi-project/kapi/migrations/pgtest"
)

// redisServer is a redis-server of the test's own, on a free port, that the
// test can kill, freeze (SIGSTOP) and bring back.
type redisServer struct {
	t    *testing.T
	port string
	cmd  *exec.Cmd
}

func startRedis(t *testing.T, port string) *redisServer {
	t.Helper()
	if port == "" {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		_, port, _ = net.SplitHostPort(ln.Addr().String())
		_ = ln.Close()
	}
	cmd := exec.Command("redis-server", "--port", port, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no")
	if err := cmd.Start(); err != nil {
		t.Fatalf("start redis-server: %v", err)
	}
	r := &redisServer{t: t, port: port, cmd: cmd}
	t.Cleanup(r.kill)
	r.awaitPing()
	return r
}

func (r *redisServer) url() string { return "redis://127.0.0.1:" + r.port + "/0" }

func (r *redisServer) awaitPing() {
	c := redis.NewClient(&redis.Options{Addr: "127.0.0.1:" + r.port})
	defer c.Close()
	for start := time.Now(); c.Ping(context.Background()).Err() != nil; time.Sleep(50 * time.Millisecond) {
		if time.Since(start) > 10*time.Second {
			r.t.Fatal("redis-server did not answer within 10s")
		}
	}
}

func (r *redisServer) signal(s syscall.Signal) {
	if err := r.cmd.Process.Signal(s); err != nil {
		r.t.Fatalf("signal redis-server: %v", err)
	}
}

func (r *redisServer) kill() {
	_ = r.cmd.Process.Signal(syscall.SIGCONT)
	_ = r.cmd.Process.Kill()
	_ = r.cmd.Wait()
}

// TestRedisFaults: with its Redis frozen, then killed, kapi serve keeps
// answering semantic searches 200 with a median under 100 ms (the limiter
// and the query-embedding cache fall back in process and back off); when
// Redis returns, the limits are shared through it again.
func TestRedisFaults(t *testing.T) {
	t.Parallel()
	rs := startRedis(t, "")
	env := envOf(map[string]string{"DATABASE_URL": pgtest.NewDatabase(t), "KAPI_ADDR": "127.0.0.1:0",
		"REDIS_URL": rs.url()})
	var demo demoResult
	runJSON(t, env, &demo, "demo")
	var acc accountJSON // scale: 100 a minute, room for every search below
	runJSON(t, env, &acc, "accounts", "update", "--id", demo.AccountID, "--tier", "scale")
	addr := startServe(t, env)
	question := 0
	search := func() (int, time.Duration) {
		question++
		return timedGet(t, "http://"+addr+"/api/v1/knowledge/search?mode=semantic&feed=all&q="+
			url.QueryEscape(fmt.Sprintf("sleep question %d", question%7)), demo.Key)
	}
	expectFast(t, "up", search)
	rs.signal(syscall.SIGSTOP)
	expectFast(t, "frozen", search)
	rs.signal(syscall.SIGCONT)
	rs.kill()
	expectFast(t, "killed", search)
	rs = startRedis(t, rs.port)
	awaitSharedLimit(t, rs, search)
}

// expectFast makes 15 searches: all 200, median under 100 ms.
func expectFast(t *testing.T, state string, search func() (int, time.Duration)) {
	t.Helper()
	var took []time.Duration
	for range 15 {
		status, d := search()
		if status != http.StatusOK {
			t.Fatalf("Redis %s: search answered %d, want 200", state, status)
		}
		took = append(took, d)
	}
	slices.Sort(took)
	if took[7] > 100*time.Millisecond {
		t.Errorf("Redis %s: median search %s, want under 100ms (%v)", state, took[7], took)
	}
}

// awaitSharedLimit waits (at most 15 s) until the limiter counts in Redis
// again: its key appears there.
func awaitSharedLimit(t *testing.T, rs *redisServer, search func() (int, time.Duration)) {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: "127.0.0.1:" + rs.port})
	defer c.Close()
	for start := time.Now(); ; time.Sleep(500 * time.Millisecond) {
		if status, _ := search(); status != http.StatusOK {
			t.Fatalf("after Redis returned: search answered %d", status)
		}
		if keys, err := c.Keys(context.Background(), "rate:kapi:*").Result(); err == nil && len(keys) > 0 {
			return
		}
		if time.Since(start) > 15*time.Second {
			t.Fatal("the limiter did not use Redis again within 15s of its return")
		}
	}
}

func timedGet(t *testing.T, rawURL, key string) (int, time.Duration) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, rawURL, nil)
	req.Header.Set("Authorization", "Bearer "+key)
	start := time.Now()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, time.Since(start)
}
