package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestBenchCommandLine: bad command lines are usage errors (exit 2) and a
// missing collection fails (exit 1) naming the file, before any database work.
func TestBenchCommandLine(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantErr  string
	}{
		{"no subcommand", []string{"bench"}, 2, "usage: kapi bench"},
		{"unknown subcommand", []string{"bench", "speed"}, 2, "unknown bench command"},
		{"quality without data", []string{"bench", "quality"}, 2, "usage: kapi bench quality"},
		{"unknown mode", []string{"bench", "quality", "--data", "x", "--modes", "keyword,fuzzy"}, 2, `unknown mode "fuzzy"`},
		{"missing collection", []string{"bench", "quality", "--data", t.TempDir() + "/none"}, 1, "corpus.jsonl"},
		{"load with url but no key", []string{"bench", "load", "--url", "http://127.0.0.1:1"}, 2, "usage: kapi bench load"},
		{"load bad concurrency", []string{"bench", "load", "--concurrency", "1,0"}, 2, "--concurrency"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(t.Context(), tt.args, func(string) string { return "" }, &stdout, &stderr)
			if code != tt.wantCode || !strings.Contains(stderr.String(), tt.wantErr) {
				t.Errorf("exit %d, stderr %q; want exit %d and %q", code, stderr.String(), tt.wantCode, tt.wantErr)
			}
		})
	}
}
