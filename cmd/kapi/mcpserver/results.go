package mcpserver

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/google/jsonschema-go/jsonschema"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/kapi-project/kapi/auth"
	"github.com/kapi-project/kapi/cmd/kapi/api"
)

// surface is how tools word what the request layer's errors point at: a
// tool needs a scope, list_feeds lists the feeds, details.retry_after_seconds
// says when to retry, and a tool's input is its arguments.
var surface = api.Surface{Operation: "tool", ListFeeds: "the list_feeds tool",
	RetryHint: "retry_after_seconds", Params: map[string]string{"body": "arguments"}}

// toolMeta is the meta of every tool result, as REST's meta block and
// rate-limit headers say it: the request id, the usage counters and the
// per-minute limit.
type toolMeta struct {
	RequestID string `json:"request_id"`
	*api.Usage
	RateLimit *api.Rate `json:"rate_limit,omitempty"`
}

func metaOf(ctx context.Context, adm *auth.Admission) toolMeta {
	m := toolMeta{RequestID: api.RequestIDFrom(ctx)}
	if adm != nil {
		u, r := api.NewUsage(adm.Usage), api.NewRate(adm.Rate)
		m.Usage, m.RateLimit = &u, &r
	}
	return m
}

// toolError is a tool failure as the agent sees it: the JSON object in
// content[0].text and in structuredContent.
type toolError struct {
	Code    api.Code       `json:"error"`
	Message string         `json:"message"`
	Details map[string]any `json:"details,omitempty"`
	Meta    toolMeta       `json:"meta"`
}

// successResult carries out, with meta, as structured content and as JSON
// text.
func successResult(out any, m toolMeta) (*mcp.CallToolResult, error) {
	b, err := json.Marshal(out)
	if err != nil {
		return nil, fmt.Errorf("marshal tool result: %w", err)
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(b, &fields); err != nil {
		return nil, fmt.Errorf("tool result is not an object: %w", err)
	}
	if fields["meta"], err = json.Marshal(m); err != nil {
		return nil, fmt.Errorf("marshal tool meta: %w", err)
	}
	b, err = json.Marshal(fields)
	if err != nil {
		return nil, fmt.Errorf("marshal tool result: %w", err)
	}
	return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: string(b)}},
		StructuredContent: json.RawMessage(b)}, nil
}

// errorResult is a tool error: isError, the error object as JSON text in
// content[0] and as structured content.
func errorResult(e *api.Error, m toolMeta) *mcp.CallToolResult {
	b, _ := json.Marshal(toolError{Code: e.Code, Message: e.Message, Details: e.Details, Meta: m}) // strings and plain details
	return &mcp.CallToolResult{IsError: true, Content: []mcp.Content{&mcp.TextContent{Text: string(b)}},
		StructuredContent: json.RawMessage(b)}
}

// outputSchema admits a result of schema out or a tool error object, each
// with meta: MCP clients check structured content against the output schema,
// errors included.
func outputSchema(out *jsonschema.Schema) *jsonschema.Schema {
	metaSchema := &jsonschema.Schema{Type: "object",
		Description: "request_id, the usage counters (queries_used, queries_limit, queries_remaining, period_start, " +
			"period_end, tier) and rate_limit (limit, remaining, reset in unix seconds)"}
	if out.Properties == nil {
		out.Properties = map[string]*jsonschema.Schema{}
	}
	out.Properties["meta"] = metaSchema
	errSchema := &jsonschema.Schema{Type: "object", Required: []string{"error", "message"},
		Properties: map[string]*jsonschema.Schema{
			"error":   {Type: "string", Description: "the API error code, e.g. FEED_NOT_SUBSCRIBED"},
			"message": {Type: "string"},
			"details": {Type: "object", Description: "field names a bad argument; min, max, allowed its bounds"},
			"meta":    metaSchema,
		}}
	return &jsonschema.Schema{Type: "object", AnyOf: []*jsonschema.Schema{out, errSchema}}
}
