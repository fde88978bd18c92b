package rest

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kapi-project/kapi/auth"
	"github.com/kapi-project/kapi/cmd/kapi/kapitest"
	"github.com/kapi-project/kapi/embed"
	"github.com/kapi-project/kapi/embed/gemini"
)

// Gemini's behaviours the fake can take.
const (
	geminiUp      int32 = iota
	geminiHanging       // no answer until the caller gives up
	geminiFailing       // 500 with Google's error envelope
	geminiSlow          // answers, after longer than the budget
)

// fakeGemini speaks the Gemini API's batchEmbedContents wire format, in the
// behaviour the test sets.
type fakeGemini struct {
	srv  *httptest.Server
	mode atomic.Int32
	slow time.Duration
}

func newFakeGemini(t *testing.T, slow time.Duration) *fakeGemini {
	t.Helper()
	f := &fakeGemini{slow: slow}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeGemini) serve(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Requests []json.RawMessage `json:"requests"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil || !strings.HasSuffix(r.URL.Path, ":batchEmbedContents") {
		http.Error(w, `{"error":{"code":400,"message":"bad request","status":"INVALID_ARGUMENT"}}`, http.StatusBadRequest)
		return
	}
	switch f.mode.Load() {
	case geminiHanging:
		<-r.Context().Done()
		return
	case geminiFailing:
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = w.Write([]byte(`{"error":{"code":500,"message":"Internal error encountered.","status":"INTERNAL"}}`))
		return
	case geminiSlow:
		select {
		case <-time.After(f.slow):
		case <-r.Context().Done():
			return
		}
	}
	writeGeminiEmbeddings(w, len(body.Requests))
}

// writeGeminiEmbeddings answers n texts with distinct 768-dimension vectors.
func writeGeminiEmbeddings(w http.ResponseWriter, n int) {
	type embedding struct {
		Values []float32 `json:"values"`
	}
	out := struct {
		Embeddings []embedding `json:"embeddings"`
	}{}
	for i := range n {
		v := make([]float32, 768)
		v[0], v[1+i%700] = 1, 1
		out.Embeddings = append(out.Embeddings, embedding{Values: v})
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(out)
}

// embedFaultBudget is the test's query-embedding budget.
const embedFaultBudget = 600 * time.Millisecond

// newGeminiWorld is the test world with its catalogue embedded by the Gemini
// adapter against the fake, behind the guard as `kapi serve` wires it.
func newGeminiWorld(t *testing.T) (*authServer, *fakeGemini) {
	t.Helper()
	fake := newFakeGemini(t, 2*embedFaultBudget)
	g, err := gemini.New(context.Background(), gemini.Config{APIKey: "test-key-0123456789", BaseURL: fake.srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	guarded := embed.NewGuarded(g, embed.GuardOptions{QueryBudget: embedFaultBudget, TripAfter: 2, OpenFor: 2 * time.Second})
	cached := embed.NewCached(guarded, embed.NewMemoryStore(0, nil), embed.CacheOptions{})
	w := kapitest.New(t, kapitest.Options{Embedder: cached, Policy: kapitest.Generous()}).Populate(t)
	s := New(Deps{API: w.API, DB: w.DB, Version: "test"})
	return &authServer{testServer: &testServer{Server: s, logs: nil}, World: w}, fake
}

// TestEmbedderFaults: with Gemini hanging, failing or slow, hybrid answers
// 200 from the keyword leg (meta.degraded) within the budget + 0.5 s and
// semantic 503 naming the embedding provider within the budget + 0.5 s;
// once the breaker is open (after these two failures) both answer at once
// (never waiting for the provider; the fastest of five under 50 ms: the
// machine is shared and noisy); when
// Gemini answers again, so does semantic.
func TestEmbedderFaults(t *testing.T) {
	t.Parallel()
	w, fake := newGeminiWorld(t)
	key := w.NewKey(t, auth.KeySpec{AccountID: w.Account, Env: auth.EnvLive}).Secret
	question := 0
	ask := func(mode string) (int, map[string]any, time.Duration) { // a new question each time: no cache hit
		question++
		return embedSearch(t, w, key, mode, question)
	}
	for _, m := range []struct {
		name string
		mode int32
	}{{"hanging", geminiHanging}, {"failing", geminiFailing}, {"slow", geminiSlow}} {
		fake.mode.Store(m.mode)
		status, env, took := ask("hybrid")
		if meta, _ := env["meta"].(map[string]any); status != http.StatusOK || meta["degraded"] != true || took > embedFaultBudget+500*time.Millisecond {
			t.Errorf("%s: hybrid = %d degraded=%v in %s, want 200 degraded within %s", m.name, status, meta["degraded"], took, embedFaultBudget+500*time.Millisecond)
		}
		status, env, took = ask("semantic")
		e, _ := env["error"].(map[string]any)
		if status != http.StatusServiceUnavailable || !strings.Contains(e["message"].(string), "embedding provider") ||
			took > embedFaultBudget+500*time.Millisecond {
			t.Errorf("%s: semantic = %d %v in %s, want 503 naming the embedding provider within %s", m.name, status, e, took, embedFaultBudget+500*time.Millisecond)
		}
		expectFastWhileOpen(t, m.name, ask)
		fake.mode.Store(geminiUp)
		awaitSemantic(t, ask)
	}
}

// expectFastWhileOpen: the breaker is open after the failures above: both
// modes answer (200 degraded, 503) without waiting for the provider.
func expectFastWhileOpen(t *testing.T, fault string, ask func(string) (int, map[string]any, time.Duration)) {
	t.Helper()
	for _, mode := range []string{"hybrid", "semantic"} {
		var took []time.Duration
		for range 5 {
			status, _, d := ask(mode)
			if want := map[string]int{"hybrid": 200, "semantic": 503}[mode]; status != want {
				t.Errorf("%s, breaker open: %s = %d, want %d", fault, mode, status, want)
			}
			took = append(took, d)
		}
		slices.Sort(took)
		if took[0] > 50*time.Millisecond || took[4] >= embedFaultBudget {
			t.Errorf("%s, breaker open: %s took %v, want the fastest under 50ms and none waiting for the provider", fault, mode, took)
		}
	}
}

// awaitSemantic waits (at most 5 s) until semantic search answers 200.
func awaitSemantic(t *testing.T, ask func(string) (int, map[string]any, time.Duration)) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		status, env, _ := ask("semantic")
		if status == http.StatusOK {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("semantic still %d %v after the embedder recovered", status, env["error"])
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func embedSearch(t *testing.T, w *authServer, key, mode string, n int) (int, map[string]any, time.Duration) {
	t.Helper()
	path := "/api/v1/knowledge/search?q=sleep+diet+" + strings.Repeat("x", n%50+1) + "&mode=" + mode
	req := httptest.NewRequest(http.MethodGet, path, nil)
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set(headerFeed, "alpha")
	rec := httptest.NewRecorder()
	start := time.Now()
	w.Handler().ServeHTTP(rec, req)
	took := time.Since(start)
	var env map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &env); err != nil {
		t.Fatalf("%s: body is not JSON: %s", path, rec.Body)
	}
	return rec.Code, env, took
}
