// Package api is kapi's request layer, shared by its two surfaces, REST
// (cmd/kapi/rest) and MCP (cmd/kapi/mcpserver). It turns a request's
// arguments into the domain's queries and checks them there, resolves the
// feed selection, reads Bearer keys and request ids, calls the domain
// services, and returns the results in their JSON shapes. It describes every
// error once (Describe: code, message, details), with the one part that a
// surface says its own way passed in (Surface). A surface only binds its
// arguments (query strings, tool arguments) and renders what this package
// returns (the envelope, a tool result).
//
// It imports the domain packages (auth, feeds, search, embed) and no
// framework: neither gin nor the MCP SDK.
package api

import (
	"time"

	"github.com/kapi-project/kapi/auth"
	"github.com/kapi-project/kapi/feeds"
	"github.com/kapi-project/kapi/search"
)

// Body size limits (API.md §4).
const (
	MaxBodyBytes  = 1 << 20  // single JSON objects, and an MCP request
	MaxBatchBytes = 16 << 20 // entry batches
)

// RequestTimeout bounds the work of one request (database queries,
// embedding): past it, the request's context is cancelled and its I/O fails.
// It is generous enough for a 500-entry ingest embedded by the local model.
const RequestTimeout = 30 * time.Second

// Deps are the domain services behind both surfaces. Give both surfaces the
// same Service so that their calls count against the same limits.
type Deps struct {
	Keys     *auth.Keys
	Accounts *auth.Accounts // account details beyond the Principal (payouts)
	Limiter  *auth.Limiter  // per-minute limits
	Quota    *auth.Quota    // monthly quotas and the usage block
	Catalog  *feeds.Catalog
	Engine   *search.Engine
	// Tokens verifies OAuth access tokens on the MCP endpoint; nil: only API
	// keys are accepted there.
	Tokens TokenVerifier
	// TermsURL is details.accept_url of LEGAL_REVIEW_REQUIRED; default
	// DefaultTermsURL.
	TermsURL string
	// Now is the clock (recent lists' days); default time.Now.
	Now func() time.Time
}

// Service runs the requests of both surfaces. Build it with New.
type Service struct {
	keys     *auth.Keys
	accounts *auth.Accounts
	gate     *auth.Gate
	catalog  *feeds.Catalog
	engine   *search.Engine
	tokens   TokenVerifier
	termsURL string
	now      func() time.Time
	watch    *watch // the database's state, as WatchDatabase sees it
}

// New returns the service over deps.
func New(deps Deps) *Service {
	s := &Service{keys: deps.Keys, accounts: deps.Accounts, gate: auth.NewGate(deps.Limiter, deps.Quota),
		catalog: deps.Catalog, engine: deps.Engine, tokens: deps.Tokens, termsURL: deps.TermsURL, now: deps.Now, watch: newWatch()}
	if s.termsURL == "" {
		s.termsURL = DefaultTermsURL
	}
	if s.now == nil {
		s.now = time.Now
	}
	return s
}
