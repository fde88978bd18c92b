package mcpserver

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
)

func TestSDKLoggerKeepsWarnings(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	logger := sdkLogger(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})))
	tests := []struct {
		level slog.Level
		want  bool
	}{
		{slog.LevelDebug, false},
		{slog.LevelInfo, false},
		{slog.LevelWarn, true},
		{slog.LevelError, true},
	}
	for _, tt := range tests {
		buf.Reset()
		logger.With("k", "v").Log(t.Context(), tt.level, "line")
		if got := strings.Contains(buf.String(), "line"); got != tt.want {
			t.Errorf("%s: logged %v, want %v", tt.level, got, tt.want)
		}
	}
}
