package gemini

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

const testKey = "test-key-0123456789"

// wireRequest is the batchEmbedContents body the SDK sends to the Gemini API.
type wireRequest struct {
	Requests []struct {
		Model   string `json:"model"`
		Content struct {
			Parts []struct {
				Text string `json:"text"`
			} `json:"parts"`
		} `json:"content"`
		TaskType             string  `json:"taskType"`
		Title                *string `json:"title"`
		OutputDimensionality int     `json:"outputDimensionality"`
	} `json:"requests"`
}

// seen is one request as the fake server received it.
type seen struct {
	method, path, key string
	body              wireRequest
}

// fakeGemini is an httptest.Server speaking Gemini's REST shapes. Each call
// is answered by the next scripted responder; after the script it answers
// with embeddings whose first element is 1+the number in the text ("t17"
// gives 18) and second element 1, so order can be checked after
// normalisation.
type fakeGemini struct {
	t      testing.TB
	srv    *httptest.Server
	mu     sync.Mutex
	calls  []seen
	script []http.HandlerFunc
}

func newFake(t testing.TB, script ...http.HandlerFunc) *fakeGemini {
	t.Helper()
	f := &fakeGemini{t: t, script: script}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeGemini) serve(w http.ResponseWriter, r *http.Request) {
	var body wireRequest
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		f.t.Errorf("decode request body: %v", err)
	}
	f.mu.Lock()
	n := len(f.calls)
	f.calls = append(f.calls, seen{method: r.Method, path: r.URL.Path, key: r.Header.Get("x-goog-api-key"), body: body})
	f.mu.Unlock()
	if n < len(f.script) {
		f.script[n](w, r)
		return
	}
	writeEmbeddings(w, body, 768)
}

func (f *fakeGemini) seen() []seen {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]seen(nil), f.calls...)
}

func writeEmbeddings(w http.ResponseWriter, body wireRequest, dims int) {
	type embedding struct {
		Values []float32 `json:"values"`
	}
	out := struct {
		Embeddings []embedding `json:"embeddings"`
	}{}
	for _, r := range body.Requests {
		v := make([]float32, dims)
		n, _ := strconv.Atoi(strings.TrimPrefix(r.Content.Parts[0].Text, "t"))
		v[0], v[1] = float32(n+1), 1
		out.Embeddings = append(out.Embeddings, embedding{Values: v})
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(out)
}

// apiError answers with Gemini's error envelope.
func apiError(code int, status, message string, details string, header http.Header) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		maps.Copy(w.Header(), header)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		if details == "" {
			details = "[]"
		}
		fmt.Fprintf(w, `{"error":{"code":%d,"message":%q,"status":%q,"details":%s}}`, code, message, status, details)
	}
}

func raw(code int, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		_, _ = w.Write([]byte(body))
	}
}

// sleeps records the waits asked of an injected Sleep.
type sleeps struct {
	mu  sync.Mutex
	got []time.Duration
}

func (s *sleeps) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.got = append(s.got, d)
	s.mu.Unlock()
	return ctx.Err()
}

func (s *sleeps) all() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.got...)
}

// newTestEmbedder builds an Embedder against f with a recording Sleep.
func newTestEmbedder(t testing.TB, f *fakeGemini, cfg Config) (*Embedder, *sleeps) {
	t.Helper()
	s := &sleeps{}
	cfg.APIKey = testKey
	cfg.BaseURL = f.srv.URL
	cfg.Sleep = s.sleep
	e, err := New(context.Background(), cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return e, s
}
