package gemini

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"google.golang.org/genai"

	"github.com/kapi-project/kapi/embed"
)

// ErrRejected reports that Gemini refused the input itself (HTTP 400/413 for
// a reason other than the API key, e.g. a text over the model's limit).
// Retrying or falling back to another provider would not help, so it does
// NOT wrap embed.ErrUnavailable: the HTTP layer treats it as its unknown
// errors (500) unless it maps it.
var ErrRejected = fmt.Errorf("gemini: %w", embed.ErrRejected)

// errMalformed marks an answer that does not fit the REST shape.
var errMalformed = errors.New("malformed response")

// failure is one failed attempt: the error to return (already wrapping a
// sentinel), whether a retry may help and the server's wanted delay.
type failure struct {
	err   error
	retry bool
	after time.Duration
}

const maxMessage = 200 // characters of a server message kept in errors

// classify translates an SDK error into a failure. retryAfter is the
// Retry-After header seen by the transport, if any.
func (e *Embedder) classify(err error, retryAfter time.Duration) *failure {
	var apiErr genai.APIError
	switch {
	case errors.As(err, &apiErr):
		return e.classifyStatus(apiErr, retryAfter)
	case errors.Is(err, errMalformed):
		return &failure{err: fmt.Errorf("%w: %w", embed.ErrUnavailable, err)}
	case isJSONError(err):
		return &failure{err: fmt.Errorf("%w: %w: cannot decode the answer", embed.ErrUnavailable, errMalformed)}
	case errors.Is(err, context.DeadlineExceeded):
		return &failure{err: fmt.Errorf("%w: no answer within %s", embed.ErrUnavailable, e.cfg.Timeout), retry: true}
	case isNetwork(err):
		return &failure{err: fmt.Errorf("%w: network: %s", embed.ErrUnavailable, e.redact(err.Error())), retry: true}
	default:
		return &failure{err: fmt.Errorf("%w: %s", embed.ErrUnavailable, e.redact(firstLine(err.Error())))}
	}
}

// classifyStatus handles an HTTP error answer. Gemini answers a bad API key
// with 400 INVALID_ARGUMENT and reason API_KEY_INVALID: that is an auth
// failure (unavailable), not a rejected input.
func (e *Embedder) classifyStatus(apiErr genai.APIError, retryAfter time.Duration) *failure {
	what := fmt.Sprintf("HTTP %d %s: %s", apiErr.Code, apiErr.Status, e.redact(truncate(apiErr.Message)))
	switch {
	case apiErr.Code == http.StatusTooManyRequests || apiErr.Code == http.StatusRequestTimeout || apiErr.Code >= 500:
		return &failure{
			err:   fmt.Errorf("%w: %s", embed.ErrUnavailable, what),
			retry: true,
			after: max(retryAfter, retryInfoDelay(apiErr.Details)),
		}
	case apiErr.Code == http.StatusUnauthorized || apiErr.Code == http.StatusForbidden || hasReason(apiErr.Details, "API_KEY_INVALID"):
		return &failure{err: fmt.Errorf("%w: authentication failed: %s", embed.ErrUnavailable, what)}
	case apiErr.Code == http.StatusBadRequest || apiErr.Code == http.StatusRequestEntityTooLarge:
		return &failure{err: fmt.Errorf("%w: %s", ErrRejected, what)}
	default:
		return &failure{err: fmt.Errorf("%w: %s", embed.ErrUnavailable, what)}
	}
}

// retryInfoDelay reads google.rpc.RetryInfo.retryDelay ("32s") from the
// error details Gemini sends with 429s; 0 when absent.
func retryInfoDelay(details []map[string]any) time.Duration {
	for _, d := range details {
		if t, _ := d["@type"].(string); !strings.HasSuffix(t, "google.rpc.RetryInfo") {
			continue
		}
		s, _ := d["retryDelay"].(string)
		if v, err := time.ParseDuration(s); err == nil && v > 0 {
			return v
		}
	}
	return 0
}

// hasReason reports whether a google.rpc.ErrorInfo detail has the reason.
func hasReason(details []map[string]any, reason string) bool {
	for _, d := range details {
		if r, _ := d["reason"].(string); r == reason {
			return true
		}
	}
	return false
}

func isJSONError(err error) bool {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	return errors.As(err, &syntax) || errors.As(err, &typ)
}

func isNetwork(err error) bool {
	var urlErr *url.Error
	return errors.As(err, &urlErr)
}

func truncate(s string) string {
	if len(s) <= maxMessage {
		return s
	}
	return s[:maxMessage] + "…"
}

// firstLine drops what the SDK appends after a newline (raw response bodies).
func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return truncate(line)
}
