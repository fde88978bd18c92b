package rest

import (
	"bytes"
	"log/slog"
	"net/http"
	"sync"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"

	"github.com/kapi-project/kapi/auth"
	"github.com/kapi-project/kapi/cmd/kapi/api"
	"github.com/kapi-project/kapi/cmd/kapi/kapitest"
)

// authOptions tunes an authServer; zero values: a fresh database, in-process
// limits, the real policy and clock.
type authOptions struct {
	db     *pgxpool.Pool
	redis  redis.UniversalClient
	policy *auth.Policy
	logs   *syncBuffer
}

// authServer is a Server over the shared test world's services (without its
// catalogue unless populated), plus the test-only routes /test/counted
// (knowledge:read, counted|accountChecked; fails with ?fail=1) and
// /test/checked (knowledge:read, accountChecked, not counted).
type authServer struct {
	*testServer
	*kapitest.World
	logs *syncBuffer
}

func newAuthServer(t testing.TB, o authOptions) *authServer {
	t.Helper()
	if o.logs == nil {
		o.logs = &syncBuffer{}
	}
	logger := slog.New(slog.NewJSONHandler(o.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	w := kapitest.New(t, kapitest.Options{DB: o.db, Redis: o.redis, Policy: o.policy, Logger: logger})
	s := New(Deps{API: w.API, DB: w.DB, Logger: logger, Version: "test"})
	s.router.GET("/test/counted", s.authed("knowledge:read", counted|accountChecked), s.handle(testHandler))
	s.router.GET("/test/checked", s.authed("knowledge:read", accountChecked), s.handle(testHandler))
	return &authServer{testServer: &testServer{Server: s, logs: &o.logs.Buffer}, World: w, logs: o.logs}
}

func testHandler(c *gin.Context) error {
	if c.Query("fail") != "" {
		return api.Invalid("fail", "is set: failing on request", nil)
	}
	respond(c, http.StatusOK, reply{data: map[string]string{"account": principal(c).AccountID.String()}})
	return nil
}

func bearer(key string) map[string]string { return map[string]string{"Authorization": "Bearer " + key} }

// generous is a policy whose limits scenario tests never reach.
func generous() *auth.Policy { return kapitest.Generous() }

// syncBuffer is a bytes.Buffer safe for concurrent log writes.
type syncBuffer struct {
	mu sync.Mutex
	bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.Buffer.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.Buffer.String()
}
