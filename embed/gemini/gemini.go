// Package gemini adapts Google's Gemini embedding API (model
// gemini-embedding-001, through google.golang.org/genai) to embed.Embedder.
//
// It owns the client configuration, batching (at most MaxBatch texts per
// call), per-call timeouts, retries with backoff and the translation of SDK
// errors into embed.ErrUnavailable or ErrRejected. The client is built only
// from Config: the SDK's ambient variables (GEMINI_API_KEY, GOOGLE_API_KEY,
// GOOGLE_GEMINI_BASE_URL, GOOGLE_GENAI_USE_VERTEXAI, ...) have no effect.
// The API key never appears in an error message.
//
// It imports embed and nothing else of kapi's.
package gemini

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"google.golang.org/genai"

	"github.com/kapi-project/kapi/embed"
)

// Defaults applied by New to zero Config fields.
const (
	DefaultModel          = "gemini-embedding-001"
	DefaultDims           = 768                                          // OutputDimensionality; 1..embed.StorageDims
	DefaultBaseURL        = "https://generativelanguage.googleapis.com/" // Gemini API endpoint
	DefaultTimeout        = 10 * time.Second                             // per HTTP attempt
	DefaultMaxRetries     = 3                                            // retries after the first attempt
	DefaultInitialBackoff = 500 * time.Millisecond                       // first retry delay before jitter
	DefaultMaxBackoff     = 8 * time.Second                              // cap on one computed delay
)

// MaxBatch is the most texts the Gemini API accepts in one
// batchEmbedContents call; larger inputs are split, order kept.
const MaxBatch = 100

// Gemini task types for asymmetric retrieval.
const (
	taskDocument = "RETRIEVAL_DOCUMENT"
	taskQuery    = "RETRIEVAL_QUERY"
	apiVersion   = "v1beta"
)

// ErrConfig reports an invalid Config; New returns it.
var ErrConfig = errors.New("gemini: invalid config")

// Config is everything the adapter needs; nothing is read from the
// environment. Zero fields take the defaults above.
type Config struct {
	APIKey  string // required; sent only in the x-goog-api-key header
	Model   string // default DefaultModel
	Dims    int    // output dimensionality, default DefaultDims, at most embed.StorageDims
	BaseURL string // default DefaultBaseURL; tests point it at an httptest.Server

	Timeout    time.Duration // per HTTP attempt, default DefaultTimeout
	MaxRetries int           // retries after the first attempt; 0 = DefaultMaxRetries, negative = none

	InitialBackoff time.Duration // default DefaultInitialBackoff
	MaxBackoff     time.Duration // default DefaultMaxBackoff

	// HTTPClient is the base client; nil means a new http.Client. Its
	// Transport is wrapped (the caller's client is not modified).
	HTTPClient *http.Client

	// Sleep waits d or until ctx is done, returning ctx.Err() in the latter
	// case. Nil means a real timer; tests inject a fake to run fast.
	Sleep func(ctx context.Context, d time.Duration) error
}

// Embedder embeds text with the Gemini API. It is safe for concurrent use.
type Embedder struct {
	models *genai.Models
	model  embed.Model
	cfg    Config // APIKey cleared: the key lives in the genai client and in key
	key    string
}

var _ embed.Embedder = (*Embedder)(nil)

// New builds an Embedder from cfg. It makes no network call. It returns an
// error wrapping ErrConfig when cfg is invalid (missing key, bad dims or URL).
func New(ctx context.Context, cfg Config) (*Embedder, error) {
	cfg = withDefaults(cfg)
	if err := validate(cfg); err != nil {
		return nil, err
	}
	client, err := genai.NewClient(ctx, &genai.ClientConfig{
		APIKey:     cfg.APIKey,
		Backend:    genai.BackendGeminiAPI,
		HTTPClient: wrapClient(cfg.HTTPClient),
		HTTPOptions: genai.HTTPOptions{
			BaseURL:    cfg.BaseURL,
			APIVersion: apiVersion,
		},
	})
	if err != nil {
		// The SDK's message embeds the whole ClientConfig, key included:
		// never pass it on.
		return nil, fmt.Errorf("%w: cannot build the genai client", ErrConfig)
	}
	key := cfg.APIKey
	cfg.APIKey = ""
	return &Embedder{
		models: client.Models,
		model:  embed.Model{Name: cfg.Model, Dims: cfg.Dims},
		cfg:    cfg,
		key:    key,
	}, nil
}

func withDefaults(cfg Config) Config {
	cfg.Model = strings.TrimPrefix(cfg.Model, "models/")
	if cfg.Model == "" {
		cfg.Model = DefaultModel
	}
	if cfg.Dims == 0 {
		cfg.Dims = DefaultDims
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = DefaultBaseURL
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.MaxRetries == 0 {
		cfg.MaxRetries = DefaultMaxRetries
	}
	if cfg.MaxRetries < 0 {
		cfg.MaxRetries = 0
	}
	if cfg.InitialBackoff == 0 {
		cfg.InitialBackoff = DefaultInitialBackoff
	}
	if cfg.MaxBackoff == 0 {
		cfg.MaxBackoff = DefaultMaxBackoff
	}
	if cfg.Sleep == nil {
		cfg.Sleep = sleep
	}
	return cfg
}

func validate(cfg Config) error {
	var errs []error
	if cfg.APIKey == "" {
		errs = append(errs, fmt.Errorf("%w: APIKey is required", ErrConfig))
	}
	if cfg.Dims < 1 || cfg.Dims > embed.StorageDims {
		errs = append(errs, fmt.Errorf("%w: Dims %d not in 1..%d", ErrConfig, cfg.Dims, embed.StorageDims))
	}
	if u, err := url.Parse(cfg.BaseURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		errs = append(errs, fmt.Errorf("%w: BaseURL must be an absolute http(s) URL", ErrConfig))
	}
	if cfg.Timeout < 0 || cfg.InitialBackoff < 0 || cfg.MaxBackoff < 0 {
		errs = append(errs, fmt.Errorf("%w: negative duration", ErrConfig))
	}
	return errors.Join(errs...)
}

// Model reports the configured model, by default
// {Name: "gemini-embedding-001", Dims: 768}.
func (e *Embedder) Model() embed.Model { return e.model }

// EmbedQuery embeds a search query with task type RETRIEVAL_QUERY and returns
// a unit-length vector of Model().Dims elements. Errors wrap
// embed.ErrUnavailable when Gemini cannot answer (network, timeout, 429/5xx
// after retries, auth failure, malformed response, ctx done) or ErrRejected
// when Gemini refuses the input (400).
func (e *Embedder) EmbedQuery(ctx context.Context, text string) ([]float32, error) {
	vecs, err := e.embedAll(ctx, []string{text}, nil, taskQuery)
	if err != nil {
		return nil, err
	}
	return vecs[0], nil
}

// EmbedDocuments embeds docs with task type RETRIEVAL_DOCUMENT (each with its
// title), in order, in calls of at most MaxBatch texts. It returns the same
// errors as EmbedQuery; on error no partial result is returned.
func (e *Embedder) EmbedDocuments(ctx context.Context, docs []embed.Document) ([][]float32, error) {
	texts := make([]string, len(docs))
	titles := make([]string, len(docs))
	for i, d := range docs {
		texts[i], titles[i] = d.Text, d.Title
	}
	return e.embedAll(ctx, texts, titles, taskDocument)
}
