package gemini

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

// setBogusEnv sets every variable the genai SDK would otherwise read.
func setBogusEnv(t *testing.T) {
	t.Helper()
	for k, v := range map[string]string{
		"GEMINI_API_KEY":              "bogus-gemini-key",
		"GOOGLE_API_KEY":              "bogus-google-key",
		"GOOGLE_GEMINI_BASE_URL":      "http://127.0.0.1:1/",
		"GOOGLE_GENAI_USE_VERTEXAI":   "true",
		"GOOGLE_GENAI_USE_ENTERPRISE": "true",
		"GOOGLE_CLOUD_PROJECT":        "bogus-project",
		"GOOGLE_CLOUD_LOCATION":       "bogus-location",
	} {
		t.Setenv(k, v)
	}
}

func TestAmbientEnvironmentIgnored(t *testing.T) {
	setBogusEnv(t)
	f := newFake(t)
	e, _ := newTestEmbedder(t, f, Config{})
	if _, err := e.EmbedQuery(context.Background(), "t1"); err != nil {
		t.Fatalf("EmbedQuery: %v", err)
	}
	calls := f.seen()
	if len(calls) != 1 {
		t.Fatalf("fake saw %d calls, want 1 (request went elsewhere?)", len(calls))
	}
	if got, want := calls[0].key, testKey; got != want {
		t.Errorf("x-goog-api-key = %q, want %q", got, want)
	}
	if got := calls[0].path; got != wantPath {
		t.Errorf("path = %q, want %q (Vertex routing?)", got, wantPath)
	}
}

func TestMissingKeyNotTakenFromEnvironment(t *testing.T) {
	setBogusEnv(t)
	_, err := New(context.Background(), Config{BaseURL: "http://127.0.0.1:1/"})
	if !errors.Is(err, ErrConfig) {
		t.Errorf("New without APIKey = %v, want ErrConfig", err)
	}
}

func TestConfigNeverPrintsKey(t *testing.T) {
	cfg := Config{APIKey: testKey, Model: "gemini-embedding-001"}
	e, err := New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	slog.New(slog.NewTextHandler(&buf, nil)).Info("config", "gemini", cfg)
	for _, s := range []string{fmt.Sprint(cfg), fmt.Sprintf("%+v", cfg), fmt.Sprintf("%+v", e), fmt.Sprintf("%#v", e), buf.String()} {
		if strings.Contains(s, testKey) {
			t.Errorf("printed form leaks the key: %s", s)
		}
	}
}
