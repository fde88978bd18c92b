package rest

import (
	"encoding/json"
	"net/http"
	"testing"
)

// TestSearchOverHTTP runs GET /api/v1/knowledge/search in each mode, compact,
// and fanned out; testServer.do validates every answer against the contract.
func TestSearchOverHTTP(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	alpha := with(w.Full, headerFeed, "alpha")
	tests := []struct {
		name, path  string
		headers     map[string]string
		wantStatus  int
		wantMode    string
		wantScores  bool
		wantHeaders map[string]string
	}{
		{"keyword", "/api/v1/knowledge/search?q=sleep+advice", alpha, 200, "keyword", true, nil},
		{"semantic", "/api/v1/knowledge/search?q=sleep&mode=semantic&limit=2", alpha, 200, "semantic", true, nil},
		{"hybrid", "/api/v1/knowledge/search?q=diet&mode=hybrid&categories=diet,sleep", alpha, 200, "hybrid", true, nil},
		{"compact", "/api/v1/knowledge/search?q=diet&mode=hybrid&verbosity=compact", alpha, 200, "hybrid", false, nil},
		{"hybrid relative", "/api/v1/knowledge/search?q=diet&mode=hybrid&fusion=relative&semantic_weight=0.25", alpha, 200, "hybrid", true, nil},
		{"fan-out", "/api/v1/knowledge/search?q=advice&mode=hybrid", with(w.Full, headerFeed, "all"), 200, "hybrid", true,
			map[string]string{headerFeedsSearched: "2"}},
		{"auto-selected", "/api/v1/knowledge/search?q=advice", with(w.Full), 200, "keyword", true,
			map[string]string{headerAutoSelected: w.Feed["alpha"].ID.String()}},
		{"missing q", "/api/v1/knowledge/search", alpha, 400, "", false, nil},
		{"bad mode", "/api/v1/knowledge/search?q=x&mode=fuzzy", alpha, 400, "", false, nil},
		{"restricted category", "/api/v1/knowledge/search?q=x&categories=diet", with(w.Restricted, headerFeed, "alpha"), 403, "", false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, env := w.do(t, http.MethodGet, tt.path, tt.headers, "")
			if rec.Code != tt.wantStatus {
				t.Fatalf("status: got %d, want %d: %s", rec.Code, tt.wantStatus, rec.Body)
			}
			for h, want := range tt.wantHeaders {
				if got := rec.Header().Get(h); got != want {
					t.Errorf("%s: got %q, want %q", h, got, want)
				}
			}
			if tt.wantMode == "" {
				return
			}
			var body struct {
				Data    []map[string]any `json:"data"`
				Context struct {
					Mode           string   `json:"mode"`
					Fusion         string   `json:"fusion"`
					SemanticWeight *float64 `json:"semantic_weight"`
				} `json:"context"`
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
				t.Fatal(err)
			}
			if body.Context.Mode != tt.wantMode || len(body.Data) == 0 {
				t.Fatalf("got mode %q and %d hits, want mode %q and hits: %s", body.Context.Mode, len(body.Data), tt.wantMode, env.Data)
			}
			switch {
			case tt.name == "hybrid relative" && (body.Context.Fusion != "relative" || body.Context.SemanticWeight == nil || *body.Context.SemanticWeight != 0.25):
				t.Errorf("context: fusion %q weight %v, want relative 0.25", body.Context.Fusion, body.Context.SemanticWeight)
			case tt.wantMode == "hybrid" && (body.Context.Fusion == "" || body.Context.SemanticWeight == nil):
				t.Errorf("hybrid context without the fusion used: %+v", body.Context)
			case tt.wantMode != "hybrid" && (body.Context.Fusion != "" || body.Context.SemanticWeight != nil):
				t.Errorf("%s context names a fusion: %+v", tt.wantMode, body.Context)
			}
			if _, ok := body.Data[0]["scores"]; ok != tt.wantScores {
				t.Errorf("scores present: got %v, want %v", ok, tt.wantScores)
			}
			// Full verbosity carries the highlight with it (the schema checks its shape).
			if _, ok := body.Data[0]["highlight"]; ok != tt.wantScores {
				t.Errorf("highlight present: got %v, want %v", ok, tt.wantScores)
			}
		})
	}
}
