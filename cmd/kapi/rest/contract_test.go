package rest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

// The contract: docs/openapi.yaml (embedded as openapiYAML). Every response an
// HTTP scenario test gets through testServer.do is validated against it
// (status, documented headers, body), so a handler that drifts from the
// document fails the scenario that exercises it.

type contract struct {
	doc    *openapi3.T
	router routers.Router
}

// loadContract parses and validates the document once for the whole run.
var loadContract = sync.OnceValues(func() (*contract, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(openapiYAML)
	if err != nil {
		return nil, err
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, err
	}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		return nil, err
	}
	return &contract{doc: doc, router: router}, nil
})

func mustContract(t testing.TB) *contract {
	t.Helper()
	c, err := loadContract()
	if err != nil {
		t.Fatalf("docs/openapi.yaml: %v", err)
	}
	return c
}

// checkContract validates one response against the document. Requests to
// test-only routes (/test/...) are not part of the API and are skipped; a
// request that matches no documented operation (an unknown path or method)
// must still answer with the error envelope.
func checkContract(t testing.TB, req *http.Request, rec *httptest.ResponseRecorder) {
	t.Helper()
	if strings.HasPrefix(req.URL.Path, "/test/") {
		return
	}
	c := mustContract(t)
	route, params, err := c.router.FindRoute(req)
	if err != nil {
		checkUnroutedError(t, c, req, rec)
		return
	}
	input := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route},
		Status:                 rec.Code,
		Header:                 rec.Header(),
		Body:                   io.NopCloser(bytes.NewReader(rec.Body.Bytes())),
		Options:                &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	if err := openapi3filter.ValidateResponse(req.Context(), input); err != nil {
		t.Errorf("contract: %s %s answered %d, which docs/openapi.yaml does not allow:\n%v\nbody: %s",
			req.Method, req.URL.Path, rec.Code, err, truncate(rec.Body.String(), 600))
	}
}

func checkUnroutedError(t testing.TB, c *contract, req *http.Request, rec *httptest.ResponseRecorder) {
	t.Helper()
	if rec.Code != http.StatusNotFound && rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("contract: %s %s matches no documented operation but answered %d", req.Method, req.URL.Path, rec.Code)
		return
	}
	var body any
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Errorf("contract: %s %s: body is not JSON: %v", req.Method, req.URL.Path, err)
		return
	}
	schema := c.doc.Components.Schemas["ErrorEnvelope"].Value
	if err := schema.VisitJSON(body, openapi3.EnableJSONSchema2020()); err != nil {
		t.Errorf("contract: %s %s: not an error envelope: %v", req.Method, req.URL.Path, err)
	}
	if rec.Header().Get("X-Request-Id") == "" {
		t.Errorf("contract: %s %s: no X-Request-Id", req.Method, req.URL.Path)
	}
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// TestOpenAPIDocument checks that the document is valid OpenAPI 3.1 and that
// docs/openapi.yaml (a symlink) reads the same as the embedded copy.
func TestOpenAPIDocument(t *testing.T) {
	t.Parallel()
	c := mustContract(t)
	if !c.doc.IsOpenAPI31OrLater() {
		t.Errorf("openapi: got %q, want 3.1.x", c.doc.OpenAPI)
	}
	docs, err := os.ReadFile("../../../docs/openapi.yaml")
	if err != nil {
		t.Fatalf("docs/openapi.yaml: %v", err)
	}
	if !bytes.Equal(docs, openapiYAML) {
		t.Error("docs/openapi.yaml differs from cmd/kapi/rest/openapi.yaml; keep docs/openapi.yaml a symlink to it")
	}
}

var ginParam = regexp.MustCompile(`:([A-Za-z_]+)`)

// TestOpenAPIRoutes fails when Gin serves a route the document lacks, or the
// document describes an operation Gin does not serve. /api/mcp is not a REST
// operation: MCP's JSON-RPC is described by API.md §9 and the tools' schemas.
func TestOpenAPIRoutes(t *testing.T) {
	t.Parallel()
	c := mustContract(t)
	var served []string
	for _, r := range New(Deps{}).router.Routes() {
		if r.Path != mcpPath {
			served = append(served, r.Method+" "+ginParam.ReplaceAllString(r.Path, "{$1}"))
		}
	}
	var documented []string
	for path, item := range c.doc.Paths.Map() {
		for method := range item.Operations() {
			documented = append(documented, method+" "+path)
		}
	}
	slices.Sort(served)
	slices.Sort(documented)
	for _, r := range served {
		if !slices.Contains(documented, r) {
			t.Errorf("route %s is served but not in docs/openapi.yaml", r)
		}
	}
	for _, r := range documented {
		if !slices.Contains(served, r) {
			t.Errorf("operation %s is in docs/openapi.yaml but not served", r)
		}
	}
}

// TestOpenAPIServed checks GET /api/v1/openapi.json: public, JSON, the
// embedded document.
func TestOpenAPIServed(t *testing.T) {
	t.Parallel()
	ts := &testServer{Server: New(Deps{}), logs: &bytes.Buffer{}}
	req := httptest.NewRequest(http.MethodGet, "/api/v1/openapi.json", nil)
	rec := httptest.NewRecorder()
	ts.Handler().ServeHTTP(rec, req)
	if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "application/json; charset=utf-8" {
		t.Fatalf("got %d %q, want 200 JSON", rec.Code, rec.Header().Get("Content-Type"))
	}
	checkContract(t, req, rec)
	doc, err := openapi3.NewLoader().LoadFromData(rec.Body.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if want := mustContract(t).doc; len(doc.Paths.Map()) != len(want.Paths.Map()) || doc.Info.Title != want.Info.Title {
		t.Errorf("served document differs from the embedded one")
	}
}
