package oauthserver

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/kapi-project/kapi/auth/oauth"
)

// registration is an RFC 7591 client registration request; fields kapi does
// not use (logo_uri, contacts, ...) are accepted and ignored.
type registration struct {
	ClientName    string   `json:"client_name"`
	RedirectURIs  []string `json:"redirect_uris"`
	AuthMethod    string   `json:"token_endpoint_auth_method"`
	GrantTypes    []string `json:"grant_types"`
	ResponseTypes []string `json:"response_types"`
}

// registered is the registration response (RFC 7591 §3.2.1).
type registered struct {
	ClientID              string   `json:"client_id"`
	ClientSecret          string   `json:"client_secret,omitempty"`
	ClientIDIssuedAt      int64    `json:"client_id_issued_at"`
	ClientSecretExpiresAt *int64   `json:"client_secret_expires_at,omitempty"`
	ClientName            string   `json:"client_name"`
	RedirectURIs          []string `json:"redirect_uris"`
	AuthMethod            string   `json:"token_endpoint_auth_method"`
	GrantTypes            []string `json:"grant_types"`
	ResponseTypes         []string `json:"response_types"`
}

// register registers a client (RFC 7591): open registration, as MCP clients
// expect; a client alone can do nothing without a person's consent.
func (s *Server) register(w http.ResponseWriter, r *http.Request) {
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		writeJSON(w, http.StatusBadRequest, oauthError{"invalid_client_metadata", "the body must be application/json"})
		return
	}
	var req registration
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxRegistrationBytes))
	if err := dec.Decode(&req); err != nil {
		writeJSON(w, http.StatusBadRequest, oauthError{"invalid_client_metadata", "the body is not a JSON object of client metadata"})
		return
	}
	ctx, cancel := s.bound(r)
	defer cancel()
	c, err := s.oauth.Register(ctx, oauth.ClientSpec{Name: req.ClientName, RedirectURIs: req.RedirectURIs,
		AuthMethod: req.AuthMethod, GrantTypes: req.GrantTypes, ResponseType: req.ResponseTypes})
	switch {
	case errors.Is(err, oauth.ErrInvalidRedirectURI):
		writeJSON(w, http.StatusBadRequest, oauthError{"invalid_redirect_uri", err.Error()})
		return
	case errors.Is(err, oauth.ErrInvalidClient):
		writeJSON(w, http.StatusBadRequest, oauthError{"invalid_client_metadata", err.Error()})
		return
	case err != nil:
		s.logger.ErrorContext(ctx, "oauth: register client", "error", err)
		writeJSON(w, http.StatusInternalServerError, oauthError{"server_error", "the client could not be registered"})
		return
	}
	out := registered{ClientID: c.ID, ClientSecret: c.Secret, ClientIDIssuedAt: c.CreatedAt.Unix(),
		ClientName: c.Name, RedirectURIs: c.RedirectURIs, AuthMethod: c.AuthMethod,
		GrantTypes: []string{"authorization_code", "refresh_token"}, ResponseTypes: []string{"code"}}
	if c.Secret != "" {
		never := int64(0)
		out.ClientSecretExpiresAt = &never
	}
	writeJSON(w, http.StatusCreated, out)
}
