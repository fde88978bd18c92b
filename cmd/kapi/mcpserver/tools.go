package mcpserver

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/jsonschema-go/jsonschema"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/kapi-project/kapi/auth"
	"github.com/kapi-project/kapi/cmd/kapi/api"
)

// call is what a tool handler knows about the request besides its arguments.
type call struct {
	principal auth.Principal
	admission *auth.Admission // the gate's admission: usage counters, rate state
}

// toolSpec describes one tool: its MCP definition and how it is admitted.
type toolSpec struct {
	name        string
	title       string
	description string
	check       auth.Check
	readOnly    bool
}

// errNoCaller: the handler was reached without authentication in front.
var errNoCaller = errors.New("mcpserver: no caller in the request context")

// addTool registers a tool whose arguments decode into In and whose result is
// Out. The input schema is inferred from In (lenient types allow both shapes,
// unknown arguments are ignored as REST ignores unknown parameters); the
// output schema admits Out or the tool error object, each with meta. Each
// call is admitted through the gate first, then its arguments are decoded and
// run: an argument of the wrong shape, like any failure, is a tool error. A
// counted call's quota unit is kept only when run succeeds.
func addTool[In, Out any](s *server, ms *mcp.Server, spec toolSpec, run func(context.Context, call, In) (Out, error)) {
	in := schemaFor[In]()
	in.AdditionalProperties = nil
	def := &mcp.Tool{Name: spec.name, Title: spec.title, Description: spec.description,
		InputSchema: in, OutputSchema: outputSchema(schemaFor[Out]()), Annotations: annotations(spec)}
	ms.AddTool(def, func(ctx context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		start := time.Now()
		ctx, cancel := s.api.Bound(ctx) // the SDK's context has lost the HTTP request's deadline
		defer cancel()
		out, adm, err := s.admitAndRun(ctx, spec.check, func(ctx context.Context, c call) (any, error) {
			var args In
			if err := decodeArgs(req.Params.Arguments, &args); err != nil {
				return nil, err
			}
			return run(ctx, c, args)
		})
		m := metaOf(ctx, adm)
		if err != nil {
			e := s.api.Describe(api.Explain(ctx, err), surface)
			s.logCall(ctx, spec.name, start, e)
			return errorResult(e, m), nil
		}
		s.logCall(ctx, spec.name, start, nil)
		return successResult(out, m)
	})
}

// decodeArgs decodes a call's arguments (none: {}) as a REST body is decoded.
func decodeArgs(raw json.RawMessage, dst any) error {
	if len(raw) == 0 || string(raw) == "null" {
		raw = json.RawMessage("{}")
	}
	return api.DecodeJSON(bytes.NewReader(raw), dst)
}

// admitAndRun applies the gate's check for the caller in ctx, runs fn when
// admitted, and settles a reserved quota unit: kept when fn succeeds, released
// when it fails. The admission is nil only when there is no caller.
func (s *server) admitAndRun(ctx context.Context, check auth.Check, fn func(context.Context, call) (any, error)) (any, *auth.Admission, error) {
	p, ok := api.PrincipalFrom(ctx)
	if !ok {
		return nil, nil, errNoCaller
	}
	adm, err := s.api.Admit(ctx, p, check)
	if err != nil {
		return nil, adm, err
	}
	out, err := fn(ctx, call{principal: p, admission: adm})
	if serr := adm.Settle(ctx, err == nil); serr != nil {
		s.logger.ErrorContext(ctx, "quota unit not released", "request_id", api.RequestIDFrom(ctx), "error", serr)
	}
	return out, adm, err
}

// logCall writes one line per tool call; failures with an internal cause carry
// it (the agent never sees it).
func (s *server) logCall(ctx context.Context, name string, start time.Time, e *api.Error) {
	attrs := []any{"request_id", api.RequestIDFrom(ctx), "tool", name,
		"duration_ms", float64(time.Since(start).Microseconds()) / 1000}
	if e == nil {
		s.logger.InfoContext(ctx, "mcp tool call", attrs...)
		return
	}
	attrs = append(attrs, "code", e.Code)
	if e.Code == api.CodeInternal || e.Code == api.CodeServiceUnavailable {
		s.logger.ErrorContext(ctx, "mcp tool call failed", append(attrs, "error", e.Cause())...)
		return
	}
	s.logger.InfoContext(ctx, "mcp tool call", attrs...)
}

// schemaFor infers T's JSON schema, with the lenient argument types' schemas.
func schemaFor[T any]() *jsonschema.Schema {
	s, err := jsonschema.For[T](&jsonschema.ForOptions{TypeSchemas: flexSchemas()})
	if err != nil {
		panic(fmt.Sprintf("mcpserver: schema of %T: %v", *new(T), err)) // a programming error
	}
	return s
}

// annotations: every tool is idempotent (subscribing again changes nothing)
// and works on kapi's own data only.
func annotations(spec toolSpec) *mcp.ToolAnnotations {
	no := false
	a := &mcp.ToolAnnotations{Title: spec.title, ReadOnlyHint: spec.readOnly, IdempotentHint: true, OpenWorldHint: &no}
	if !spec.readOnly {
		a.DestructiveHint = &no
	}
	return a
}
