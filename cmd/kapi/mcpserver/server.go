// Package mcpserver is kapi's MCP surface: the server agents reach at /api/mcp
// over Streamable HTTP (stateless, JSON responses), built on the official Go SDK.
// It binds each tool's JSON arguments to the request layer's (cmd/kapi/api),
// admits each call as REST admits a request (scope, per-minute limit, monthly
// quota, account state), and renders the result, or the error as the request
// layer describes it with REST's codes, as a tool result.
//
// The handler is mounted behind REST's router (cmd/kapi/rest), which gives it
// the request id, the access log, recovery, the request deadline and the
// Bearer key check, and puts the caller in the request's context. It is the
// only package that imports the MCP SDK; it reaches the domain through
// cmd/kapi/api and never reads the environment.
package mcpserver

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/kapi-project/kapi/cmd/kapi/api"
)

// Deps is what the MCP surface needs. API is required; give it the same
// Service as REST so that both surfaces count against the same limits.
type Deps struct {
	API     *api.Service
	Logger  *slog.Logger
	Version string
}

// server holds what the tools call.
type server struct {
	api    *api.Service
	logger *slog.Logger
}

// New returns the http.Handler to mount at /api/mcp behind authentication:
// the MCP Streamable HTTP handler, serving JSON-RPC messages statelessly with
// JSON (not SSE) responses, every refusal a JSON-RPC error object in JSON
// (jsonRPCErrors). A request whose context carries no caller
// (api.WithPrincipal) fails every tool call with INTERNAL_ERROR.
func New(deps Deps) http.Handler {
	s := &server{api: deps.API, logger: deps.Logger}
	if s.logger == nil {
		s.logger = slog.New(slog.DiscardHandler)
	}
	version := deps.Version
	if version == "" {
		version = "dev"
	}
	ms := mcp.NewServer(&mcp.Implementation{Name: "kapi", Title: "kapi knowledge API", Version: version},
		&mcp.ServerOptions{Instructions: instructions, Logger: sdkLogger(s.logger)})
	s.register(ms)
	return jsonRPCErrors(mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return ms },
		&mcp.StreamableHTTPOptions{Stateless: true, JSONResponse: true, Logger: sdkLogger(s.logger),
			MaxRequestBodyBytes: api.MaxBodyBytes}))
}

// instructions tell an agent how to use the tools together.
const instructions = `kapi serves curated knowledge entries from feeds the account subscribes to.
Start with search_knowledge for a question; use list_feeds to see the feeds (ids and slugs)
and get_category_summary to see what a feed covers. Entries come from one feed at a time
unless feed is "all" (search_knowledge and get_recent_knowledge only). Tools that read
knowledge use one unit of the monthly quota when they succeed; every result's meta shows
the counters and the per-minute limit. A failing tool returns {"error": CODE, "message": ...,
"details": ...} with isError set; details.field names a bad argument.`

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
