// Package oauthserver is the HTTP face of the MCP connector's OAuth 2.1
// authorization server (auth/oauth): the metadata documents (RFC 8414, RFC
// 9728), dynamic client registration (RFC 7591), the authorize endpoint with
// its server-rendered sign-in and consent pages, the token and revocation
// endpoints. The protocol itself is fosite's, through auth/oauth.
//
// It reaches the rest of kapi through cmd/kapi/api (keys, feeds) and
// auth/oauth, imports no HTTP framework and no MCP SDK (the protected
// resource's metadata handler is passed in), and never reads the environment.
package oauthserver

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/kapi-project/kapi/auth/oauth"
	"github.com/kapi-project/kapi/cmd/kapi/api"
)

// Body limits of the endpoints: forms and registrations are small.
const (
	maxFormBytes         = 64 << 10
	maxRegistrationBytes = 64 << 10
	maxCredentialLen     = 512
	// pageTimeout bounds the database work behind one page or endpoint.
	pageTimeout = 10 * time.Second
)

// ResourceMetadataFunc serves the protected resource's metadata document
// (RFC 9728) for resource, naming issuer as its authorization server.
type ResourceMetadataFunc func(resource, issuer string, scopes []string) http.Handler

// Deps are what the authorization server's pages need.
type Deps struct {
	OAuth *oauth.Server
	API   *api.Service
	// ResourceMetadata serves /.well-known/oauth-protected-resource
	// (mcpserver's, through the MCP SDK).
	ResourceMetadata ResourceMetadataFunc
	// PublicURL is kapi's base URL (KAPI_PUBLIC_URL); "": the request's.
	PublicURL string
	Logger    *slog.Logger
	Now       func() time.Time
}

// Server serves the authorization server's endpoints. Build it with New.
type Server struct {
	oauth     *oauth.Server
	api       *api.Service
	prm       ResourceMetadataFunc
	publicURL string
	logger    *slog.Logger
	now       func() time.Time
	mux       *http.ServeMux
}

// New returns the endpoints over deps.
func New(deps Deps) *Server {
	s := &Server{oauth: deps.OAuth, api: deps.API, prm: deps.ResourceMetadata, publicURL: deps.PublicURL,
		logger: deps.Logger, now: deps.Now}
	if s.logger == nil {
		s.logger = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	s.mux = http.NewServeMux()
	s.routes()
	return s
}

// routes lists every endpoint. The pages (authorize, link) are
// same-origin only: no CORS, cross-origin POSTs refused, a CSRF token in
// every form. The machine endpoints allow any origin, without credentials.
func (s *Server) routes() {
	pages := http.NewCrossOriginProtection()
	s.mux.Handle("/.well-known/oauth-protected-resource", cors(http.HandlerFunc(s.resourceMetadata)))
	s.mux.Handle("/.well-known/oauth-protected-resource"+api.MCPPath, cors(http.HandlerFunc(s.resourceMetadata)))
	s.mux.Handle("/.well-known/oauth-authorization-server", cors(http.HandlerFunc(s.serverMetadata)))
	s.mux.Handle("/oauth/register", cors(postOnly(s.register)))
	s.mux.Handle("/oauth/token", cors(postOnly(s.token)))
	s.mux.Handle("/oauth/revoke", cors(postOnly(s.revoke)))
	s.mux.Handle("/oauth/authorize", pages.Handler(http.HandlerFunc(s.authorize)))
	s.mux.Handle("/oauth/link", pages.Handler(http.HandlerFunc(s.link)))
}

// ServeHTTP serves the endpoints.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// postOnly answers 405 to anything but POST.
func postOnly(h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", "POST")
			w.WriteHeader(http.StatusMethodNotAllowed)
			return
		}
		h(w, r)
	})
}

// cors lets browser-based agents call a machine endpoint: any origin, no
// credentials (RFC 9728 §3, RFC 8414 §3 documents are public; the token
// endpoint is protected by PKCE, not by the origin).
func cors(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Access-Control-Allow-Origin", "*")
		hd.Set("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
		hd.Set("Access-Control-Allow-Headers", "Authorization, Content-Type, MCP-Protocol-Version")
		hd.Set("Access-Control-Max-Age", "600")
		if r.Method == http.MethodOptions {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// base is kapi's public base URL as r reaches it: the issuer.
func (s *Server) base(r *http.Request) string {
	return api.PublicBase(s.publicURL, r.Host, r.TLS != nil)
}

// resource is the protected resource, the MCP endpoint.
func (s *Server) resource(r *http.Request) string { return s.base(r) + api.MCPPath }

func (s *Server) bound(r *http.Request) (context.Context, context.CancelFunc) {
	return context.WithTimeout(r.Context(), pageTimeout)
}
