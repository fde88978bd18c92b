package mcpserver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/jsonschema-go/jsonschema"
	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/kapi-project/kapi/auth"
	"github.com/kapi-project/kapi/cmd/kapi/wire"
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

// addTool registers a tool whose arguments decode into In and whose result is
// Out. The input schema is inferred from In (lenient types allow both shapes,
// unknown arguments are ignored as REST ignores unknown parameters) and
// arguments that violate it are a JSON-RPC invalid-params error. The output
// schema admits Out or the tool error object. Each call is admitted through the
// gate first; a counted call's quota unit is committed only when run succeeds.
func addTool[In, Out any](s *server, ms *mcp.Server, spec toolSpec, run func(context.Context, call, In) (Out, error)) {
	in := schemaFor[In]()
	in.AdditionalProperties = nil
	resolved, err := in.Resolve(nil)
	if err != nil {
		panic(fmt.Sprintf("mcpserver: input schema of %s: %v", spec.name, err)) // a programming error
	}
	def := &mcp.Tool{Name: spec.name, Title: spec.title, Description: spec.description,
		InputSchema: in, OutputSchema: outputSchema(schemaFor[Out]()),
		Annotations: annotations(spec)}
	ms.AddTool(def, func(ctx context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		var args In
		if err := decodeArgs(req.Params.Arguments, resolved, &args); err != nil {
			return nil, err
		}
		start := time.Now()
		out, err := s.admitAndRun(ctx, spec.check, func(ctx context.Context, c call) (any, error) {
			return run(ctx, c, args)
		})
		s.logCall(ctx, spec.name, start, err)
		if err != nil {
			return errorResult(toToolError(err, s.termsURL)), nil
		}
		return successResult(out)
	})
}

// decodeArgs validates raw arguments against the input schema and decodes them.
// Both failures are JSON-RPC invalid-params errors.
func decodeArgs(raw json.RawMessage, resolved *jsonschema.Resolved, dst any) error {
	if len(raw) == 0 || string(raw) == "null" {
		raw = json.RawMessage("{}")
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return invalidParams("arguments are not valid JSON: " + err.Error())
	}
	if err := resolved.Validate(v); err != nil {
		return invalidParams("invalid arguments: " + err.Error())
	}
	if err := json.Unmarshal(raw, dst); err != nil {
		return invalidParams("invalid arguments: " + err.Error())
	}
	return nil
}

func invalidParams(message string) error {
	return &jsonrpc.Error{Code: jsonrpc.CodeInvalidParams, Message: message}
}

// admitAndRun applies the gate's check for the caller in ctx, runs fn when
// admitted, and settles a reserved quota unit: committed when fn succeeds,
// released when it fails.
func (s *server) admitAndRun(ctx context.Context, check auth.Check, fn func(context.Context, call) (any, error)) (any, error) {
	p, ok := principalFrom(ctx)
	if !ok {
		return nil, errors.New("mcpserver: no principal in the tool context") // authenticate always sets it
	}
	adm, err := s.gate.Admit(ctx, p, check)
	if err != nil {
		return nil, err
	}
	out, err := fn(ctx, call{principal: p, admission: adm})
	if serr := adm.Settle(ctx, err == nil); serr != nil {
		s.logger.ErrorContext(ctx, "quota unit not released", "request_id", requestID(ctx), "error", serr)
	}
	return out, err
}

// logCall writes one line per tool call; failures with an internal cause carry
// it (the agent never sees it).
func (s *server) logCall(ctx context.Context, name string, start time.Time, err error) {
	attrs := []any{"request_id", requestID(ctx), "tool", name,
		"duration_ms", float64(time.Since(start).Microseconds()) / 1000}
	if err == nil {
		s.logger.InfoContext(ctx, "mcp tool call", attrs...)
		return
	}
	te := toToolError(err, s.termsURL)
	attrs = append(attrs, "code", te.Code)
	if te.Code == wire.CodeInternal || te.Code == wire.CodeServiceUnavailable {
		s.logger.ErrorContext(ctx, "mcp tool call failed", append(attrs, "error", err)...)
		return
	}
	s.logger.InfoContext(ctx, "mcp tool call", attrs...)
}

// successResult carries out as structured content and as JSON text.
func successResult(out any) (*mcp.CallToolResult, error) {
	b, err := json.Marshal(out)
	if err != nil {
		return nil, fmt.Errorf("marshal tool result: %w", err)
	}
	return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: string(b)}},
		StructuredContent: json.RawMessage(b)}, nil
}

// errorResult is a tool error: isError, the error object as JSON text in
// content[0] and as structured content.
func errorResult(e *toolError) *mcp.CallToolResult {
	b, _ := json.Marshal(e) // a toolError always marshals: strings and plain details
	return &mcp.CallToolResult{IsError: true, Content: []mcp.Content{&mcp.TextContent{Text: string(b)}},
		StructuredContent: json.RawMessage(b)}
}

// schemaFor infers T's JSON schema, with the lenient argument types' schemas.
func schemaFor[T any]() *jsonschema.Schema {
	s, err := jsonschema.For[T](&jsonschema.ForOptions{TypeSchemas: flexSchemas()})
	if err != nil {
		panic(fmt.Sprintf("mcpserver: schema of %T: %v", *new(T), err)) // a programming error
	}
	return s
}

// outputSchema admits a result of schema out or a tool error object: MCP
// clients check structured content against the output schema, errors included.
func outputSchema(out *jsonschema.Schema) *jsonschema.Schema {
	errSchema := &jsonschema.Schema{Type: "object", Required: []string{"error", "message"},
		Properties: map[string]*jsonschema.Schema{
			"error":   {Type: "string", Description: "the API error code, e.g. FEED_NOT_SUBSCRIBED"},
			"message": {Type: "string"},
			"details": {Type: "object"},
		}}
	return &jsonschema.Schema{Type: "object", AnyOf: []*jsonschema.Schema{out, errSchema}}
}

func annotations(spec toolSpec) *mcp.ToolAnnotations {
	closed := false
	a := &mcp.ToolAnnotations{Title: spec.title, ReadOnlyHint: spec.readOnly, OpenWorldHint: &closed}
	if !spec.readOnly {
		a.DestructiveHint, a.IdempotentHint = &closed, true
	}
	return a
}
