package gemini

import (
	"fmt"
	"log/slog"
	"strings"
)

// The API key must never reach an error message, a log line or a printed
// value: everything that could print it is redacted here.

// String names the embedder without its key, so printing it is safe.
func (e *Embedder) String() string { return "gemini.Embedder(" + e.model.String() + ")" }

// GoString is String, so %#v does not print the key either.
func (e *Embedder) GoString() string { return e.String() }

// String renders cfg with the API key redacted, so a logged Config is safe.
func (c Config) String() string {
	c.APIKey = redactedIfSet(c.APIKey)
	type plain Config // no String method: avoids recursion
	return fmt.Sprintf("%+v", plain(c))
}

// LogValue implements slog.LogValuer with the API key redacted.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("model", c.Model), slog.Int("dims", c.Dims), slog.String("base_url", c.BaseURL),
		slog.Duration("timeout", c.Timeout), slog.Int("max_retries", c.MaxRetries),
		slog.String("api_key", redactedIfSet(c.APIKey)),
	)
}

func redactedIfSet(s string) string {
	if s == "" {
		return ""
	}
	return "[redacted]"
}

// redact removes the API key from s, in case a server or library echoes it.
func (e *Embedder) redact(s string) string {
	if e.key == "" {
		return s
	}
	return strings.ReplaceAll(s, e.key, "[redacted]")
}
