// Package mcpserver is kapi's MCP surface: the server agents reach at /api/mcp
// over Streamable HTTP (stateless, JSON responses), built on the official Go SDK.
// Its tools call the same domain services as REST and are admitted the same way
// (Bearer keys, scopes, per-minute limits, monthly quota, account state), and a
// failing tool reports REST's error codes.
//
// It is the only package that imports the MCP SDK. It imports auth, feeds,
// search and embed, never rest (it keeps its own small DTOs and error mapping),
// and never reads the environment.
package mcpserver

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/kapi-project/kapi/auth"
	"github.com/kapi-project/kapi/feeds"
	"github.com/kapi-project/kapi/search"
)

// MaxBodyBytes caps a request body at /api/mcp (API.md §4: 1 MiB for single
// objects).
const MaxBodyBytes = 1 << 20

// DefaultTermsURL is where an account accepts the current terms, unless
// Deps.TermsURL says otherwise (the same default as REST).
const DefaultTermsURL = "/signup/legal"

// Deps is what the MCP surface needs. Keys, Gate, Catalog and Engine are
// required. Give it a Gate over the same Limiter and Quota as REST so that both
// surfaces count against the same limits.
type Deps struct {
	Keys    *auth.Keys
	Gate    *auth.Gate
	Catalog *feeds.Catalog
	Engine  *search.Engine
	Logger  *slog.Logger
	Version string
	// TermsURL is details.accept_url of LEGAL_REVIEW_REQUIRED; default
	// DefaultTermsURL.
	TermsURL string
	// Now is the clock (the days argument of get_recent_knowledge); default
	// time.Now.
	Now func() time.Time
}

// server holds the services the tools call.
type server struct {
	keys     *auth.Keys
	gate     *auth.Gate
	catalog  *feeds.Catalog
	engine   *search.Engine
	logger   *slog.Logger
	termsURL string
	now      func() time.Time
}

// New returns the http.Handler to mount at /api/mcp: the Bearer key is checked
// first (401 with WWW-Authenticate and REST's error envelope when it is
// missing, malformed or unknown), then the MCP Streamable HTTP handler serves
// the JSON-RPC messages statelessly, with JSON (not SSE) responses.
func New(deps Deps) http.Handler {
	s := &server{keys: deps.Keys, gate: deps.Gate, catalog: deps.Catalog, engine: deps.Engine,
		logger: deps.Logger, termsURL: deps.TermsURL, now: deps.Now}
	if s.logger == nil {
		s.logger = slog.New(slog.DiscardHandler)
	}
	if s.termsURL == "" {
		s.termsURL = DefaultTermsURL
	}
	if s.now == nil {
		s.now = time.Now
	}
	version := deps.Version
	if version == "" {
		version = "dev"
	}
	ms := mcp.NewServer(&mcp.Implementation{Name: "kapi", Title: "kapi knowledge API", Version: version},
		&mcp.ServerOptions{Instructions: instructions, Logger: sdkLogger(s.logger)})
	s.register(ms)
	h := mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return ms },
		&mcp.StreamableHTTPOptions{Stateless: true, JSONResponse: true, Logger: sdkLogger(s.logger),
			MaxRequestBodyBytes: MaxBodyBytes})
	return s.authenticate(h)
}

// instructions tell an agent how to use the tools together.
const instructions = `kapi serves curated knowledge entries from feeds the account subscribes to.
Start with search_knowledge for a question; use list_feeds to see the feeds (ids and slugs)
and get_category_summary to see what a feed covers. Entries come from one feed at a time
unless feed is "all" (search_knowledge and get_recent_knowledge only). Tools that read
knowledge use one unit of the monthly quota when they succeed; get_usage shows the counters.
A failing tool returns {"error": CODE, "message": ...} with isError set.`

// sdkLogger is logger for the SDK's own lines, warnings and errors only: in
// stateless mode it logs a session's connection and disconnection at info level
// on every request. kapi logs each tool call itself.
func sdkLogger(logger *slog.Logger) *slog.Logger {
	return slog.New(warnOnly{logger.Handler()})
}

// warnOnly passes on records of level warning and above.
type warnOnly struct{ slog.Handler }

func (h warnOnly) Enabled(ctx context.Context, level slog.Level) bool {
	return level >= slog.LevelWarn && h.Handler.Enabled(ctx, level)
}

func (h warnOnly) WithAttrs(attrs []slog.Attr) slog.Handler {
	return warnOnly{h.Handler.WithAttrs(attrs)}
}

func (h warnOnly) WithGroup(name string) slog.Handler { return warnOnly{h.Handler.WithGroup(name)} }
