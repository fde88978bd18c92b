package oauthserver

import (
	"encoding/json"
	"net/http"

	"github.com/kapi-project/kapi/auth/oauth"
)

// resourceMetadata serves the MCP endpoint's protected resource metadata
// (RFC 9728): kapi itself is its authorization server.
func (s *Server) resourceMetadata(w http.ResponseWriter, r *http.Request) {
	s.prm(s.resource(r), s.base(r), oauth.ScopesSupported()).ServeHTTP(w, r)
}

// serverMetadata is the authorization server's metadata (RFC 8414).
type serverMetadata struct {
	Issuer                        string   `json:"issuer"`
	AuthorizationEndpoint         string   `json:"authorization_endpoint"`
	TokenEndpoint                 string   `json:"token_endpoint"`
	RegistrationEndpoint          string   `json:"registration_endpoint"`
	RevocationEndpoint            string   `json:"revocation_endpoint"`
	ScopesSupported               []string `json:"scopes_supported"`
	ResponseTypesSupported        []string `json:"response_types_supported"`
	ResponseModesSupported        []string `json:"response_modes_supported"`
	GrantTypesSupported           []string `json:"grant_types_supported"`
	TokenAuthMethodsSupported     []string `json:"token_endpoint_auth_methods_supported"`
	RevocationAuthMethods         []string `json:"revocation_endpoint_auth_methods_supported"`
	CodeChallengeMethodsSupported []string `json:"code_challenge_methods_supported"`
	ServiceDocumentation          string   `json:"service_documentation,omitempty"`
}

func (s *Server) serverMetadata(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.WriteHeader(http.StatusMethodNotAllowed)
		return
	}
	base := s.base(r)
	methods := []string{oauth.AuthNone, oauth.AuthSecretBasic, oauth.AuthSecretPost}
	writeJSON(w, http.StatusOK, serverMetadata{
		Issuer: base, AuthorizationEndpoint: base + "/oauth/authorize", TokenEndpoint: base + "/oauth/token",
		RegistrationEndpoint: base + "/oauth/register", RevocationEndpoint: base + "/oauth/revoke",
		ScopesSupported: oauth.ScopesSupported(), ResponseTypesSupported: []string{"code"},
		ResponseModesSupported: []string{"query"}, GrantTypesSupported: []string{"authorization_code", "refresh_token"},
		TokenAuthMethodsSupported: methods, RevocationAuthMethods: methods,
		CodeChallengeMethodsSupported: []string{"S256"},
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// oauthError is an OAuth error body (RFC 6749 §5.2, RFC 7591 §3.2.2).
type oauthError struct {
	Error       string `json:"error"`
	Description string `json:"error_description,omitempty"`
}
