package embed

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// DefaultUpstashTimeout bounds one Upstash REST call (the cache budget in
// CacheOptions.Timeout is usually shorter and wins).
const DefaultUpstashTimeout = time.Second

// maxUpstashResponse bounds how much of an answer is read (a 768-dim vector
// in base64 is about 4 KiB).
const maxUpstashResponse = 1 << 20

// UpstashConfig locates an Upstash Redis database's REST API.
type UpstashConfig struct {
	URL        string        // UPSTASH_REDIS_REST_URL, e.g. https://xyz.upstash.io
	Token      string        // UPSTASH_REDIS_REST_TOKEN; sent as a Bearer token, never logged
	Timeout    time.Duration // per call, default DefaultUpstashTimeout
	HTTPClient *http.Client  // nil means a new client with Timeout
}

// UpstashStore is a CacheStore over Upstash's REST API: each call POSTs a
// JSON command array (["GET", key], ["SET", key, value, "PX", ms]) to the
// base URL and reads {"result": ...} or {"error": "..."}.
//
// JSON strings cannot carry arbitrary bytes, so values are stored
// base64-encoded (standard alphabet) and decoded on Get. A value written by
// a RedisStore to the same database (raw bytes) is therefore not valid
// here: Get reports an error and the cache falls through.
type UpstashStore struct {
	endpoint string
	token    string
	client   *http.Client
}

// NewUpstashStore validates cfg and returns a store; it makes no call. It
// returns an error wrapping ErrCacheConfig when the URL is not an absolute
// http(s) URL or the token is empty.
func NewUpstashStore(cfg UpstashConfig) (*UpstashStore, error) {
	u, err := url.Parse(cfg.URL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("%w: Upstash REST URL must be an absolute https:// URL", ErrCacheConfig)
	}
	if cfg.Token == "" {
		return nil, fmt.Errorf("%w: Upstash REST token is required", ErrCacheConfig)
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultUpstashTimeout
	}
	client := cfg.HTTPClient
	if client == nil {
		client = &http.Client{Timeout: cfg.Timeout}
	}
	return &UpstashStore{endpoint: u.String(), token: cfg.Token, client: client}, nil
}

// Get returns the value for key; found is false when Upstash answers null.
// It returns an error for a failed call, an {"error"} answer or a value that
// is not base64.
func (s *UpstashStore) Get(ctx context.Context, key string) ([]byte, bool, error) {
	raw, err := s.do(ctx, "GET", key)
	if err != nil {
		return nil, false, err
	}
	if string(raw) == "null" {
		return nil, false, nil
	}
	var enc string
	if err := json.Unmarshal(raw, &enc); err != nil {
		return nil, false, fmt.Errorf("upstash GET: result is not a string: %w", err)
	}
	val, err := base64.StdEncoding.DecodeString(enc)
	if err != nil {
		return nil, false, fmt.Errorf("upstash GET: value is not base64: %w", err)
	}
	return val, true, nil
}

// Set stores val (base64-encoded) for ttl, rounded down to milliseconds
// (at least 1). It returns an error for a failed call or an {"error"}
// answer.
func (s *UpstashStore) Set(ctx context.Context, key string, val []byte, ttl time.Duration) error {
	ms := max(ttl.Milliseconds(), 1)
	_, err := s.do(ctx, "SET", key, base64.StdEncoding.EncodeToString(val), "PX", strconv.FormatInt(ms, 10))
	return err
}

// upstashAnswer is the REST reply: exactly one of the fields is set.
type upstashAnswer struct {
	Result json.RawMessage `json:"result"`
	Error  *string         `json:"error"`
}

// do sends one command and returns the raw JSON result. Errors name the
// command (never its arguments nor the token).
func (s *UpstashStore) do(ctx context.Context, cmd ...string) (json.RawMessage, error) {
	body, err := json.Marshal(cmd)
	if err != nil {
		return nil, fmt.Errorf("upstash %s: encode: %w", cmd[0], err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.endpoint, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("upstash %s: %w", cmd[0], err)
	}
	req.Header.Set("Authorization", "Bearer "+s.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("upstash %s: %w", cmd[0], withoutURL(err))
	}
	defer resp.Body.Close()
	return readUpstash(cmd[0], resp)
}

// readUpstash decodes an answer; a non-200 status or an "error" field is an
// error carrying Upstash's message.
func readUpstash(cmd string, resp *http.Response) (json.RawMessage, error) {
	var ans upstashAnswer
	dec := json.NewDecoder(io.LimitReader(resp.Body, maxUpstashResponse))
	if err := dec.Decode(&ans); err != nil {
		return nil, fmt.Errorf("upstash %s: HTTP %d, undecodable answer: %w", cmd, resp.StatusCode, err)
	}
	if ans.Error != nil {
		return nil, fmt.Errorf("upstash %s: HTTP %d: %s", cmd, resp.StatusCode, *ans.Error)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("upstash %s: HTTP %d", cmd, resp.StatusCode)
	}
	if ans.Result == nil {
		return nil, fmt.Errorf("upstash %s: answer has no result", cmd)
	}
	return ans.Result, nil
}

// withoutURL drops the request URL from a client error: an operator may
// have put a _token query parameter in it.
func withoutURL(err error) error {
	var uerr *url.Error
	if errors.As(err, &uerr) {
		return uerr.Err
	}
	return err
}

// String names the store without its token, so printing it is safe.
func (s *UpstashStore) String() string { return "embed.UpstashStore(" + s.endpoint + ")" }

// GoString is String, so %#v does not print the token either.
func (s *UpstashStore) GoString() string { return s.String() }

// String renders cfg with the token redacted.
func (c UpstashConfig) String() string {
	return fmt.Sprintf("{URL:%s Token:%s Timeout:%s}", c.URL, redactedIfSet(c.Token), c.Timeout)
}

// LogValue implements slog.LogValuer with the token redacted.
func (c UpstashConfig) LogValue() slog.Value {
	return slog.GroupValue(slog.String("url", c.URL), slog.String("token", redactedIfSet(c.Token)),
		slog.Duration("timeout", c.Timeout))
}

func redactedIfSet(s string) string {
	if s == "" {
		return ""
	}
	return "[redacted]"
}
