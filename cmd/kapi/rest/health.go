package rest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/kapi-project/kapi/cmd/kapi/api"
)

// healthTimeout bounds the database ping of a health check, so a stopped
// database turns /health into 503 within seconds rather than hanging.
const healthTimeout = 2 * time.Second

type healthData struct {
	Status   string `json:"status"`
	Database string `json:"database"`
	Version  string `json:"version"`
}

// health answers GET /health and /api/v1/health: 200 when the database answers a
// ping, 503 SERVICE_UNAVAILABLE when it does not.
func (s *Server) health(c *gin.Context) error {
	ctx, cancel := context.WithTimeout(c.Request.Context(), healthTimeout)
	defer cancel()
	if err := s.db.Ping(ctx); err != nil {
		return api.Unavailable("The database is unreachable.", map[string]any{"database": "unreachable"}, err)
	}
	respond(c, http.StatusOK, reply{data: healthData{Status: "ok", Database: "ok", Version: s.version}})
	return nil
}

// Check is one dependency GET /ready reports: Probe answers nil when the
// dependency works. A Required one failing makes kapi not ready (503); the
// others (Redis, the embedder) only degrade it and are reported.
type Check struct {
	Name     string
	Required bool
	Probe    func(ctx context.Context) error
}

type readyData struct {
	Status   string            `json:"status"`
	Checks   map[string]string `json:"checks"` // name → ok | failing
	Replicas []ReplicaReport   `json:"replicas,omitempty"`
}

// ReplicaReport is a read replica as GET /ready shows it: by its position in
// DATABASE_REPLICA_URLS (replica1, ...), never its address.
type ReplicaReport struct {
	Name       string  `json:"name"`
	State      string  `json:"state"` // in_rotation | out_of_rotation
	LagSeconds float64 `json:"lag_seconds"`
	Problem    string  `json:"problem,omitempty"` // why it is out of rotation
}

// ready answers GET /ready: every check, run at once within healthTimeout;
// 200 when the required ones pass, else 503 SERVICE_UNAVAILABLE with the
// same report in details.checks. Causes go to the log only.
func (s *Server) ready(c *gin.Context) error {
	ctx, cancel := context.WithTimeout(c.Request.Context(), healthTimeout)
	defer cancel()
	checks, failed := map[string]string{}, []error(nil)
	results := make([]error, len(s.checks))
	var wg sync.WaitGroup
	for i, ch := range s.checks {
		wg.Go(func() { results[i] = ch.Probe(ctx) })
	}
	wg.Wait()
	for i, ch := range s.checks {
		checks[ch.Name] = "ok"
		if results[i] != nil {
			checks[ch.Name] = "failing"
			if ch.Required {
				failed = append(failed, fmt.Errorf("%s: %w", ch.Name, results[i]))
			}
		}
	}
	var replicas []ReplicaReport
	if s.replicas != nil {
		replicas = s.replicas()
	}
	if len(failed) > 0 {
		return api.Unavailable("kapi is not ready: a dependency it needs is failing.",
			map[string]any{"checks": checks, "replicas": replicas}, errors.Join(failed...))
	}
	respond(c, http.StatusOK, reply{data: readyData{Status: "ready", Checks: checks, Replicas: replicas}})
	return nil
}
