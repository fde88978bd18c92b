package oauthserver

import (
	"net/http"

	"github.com/ory/fosite"
)

// token is the token endpoint: the authorization code with its PKCE
// verifier, or a refresh token (rotated: the old one stops working). A
// resource parameter must name the MCP endpoint (RFC 8707).
func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	ctx, cancel := s.bound(r)
	defer cancel()
	provider := s.oauth.Provider()
	if err := r.ParseForm(); err != nil {
		provider.WriteAccessError(ctx, w, nil, fosite.ErrInvalidRequest.WithHint("The body is not a form."))
		return
	}
	if err := s.checkResource(r, r.PostForm["resource"]); err != nil {
		provider.WriteAccessError(ctx, w, nil, err)
		return
	}
	ar, err := provider.NewAccessRequest(ctx, r, &fosite.DefaultSession{})
	if err != nil {
		s.accessError(w, r, ar, err)
		return
	}
	resp, err := provider.NewAccessResponse(ctx, ar)
	if err != nil {
		s.accessError(w, r, ar, err)
		return
	}
	provider.WriteAccessResponse(ctx, w, ar, resp)
}

func (s *Server) accessError(w http.ResponseWriter, r *http.Request, ar fosite.AccessRequester, err error) {
	rfc := fosite.ErrorToRFC6749Error(err)
	if rfc.CodeField >= http.StatusInternalServerError {
		s.logger.ErrorContext(r.Context(), "oauth: token", "error", rfc.WithExposeDebug(true).GetDescription())
	}
	s.oauth.Provider().WriteAccessError(r.Context(), w, ar, err)
}

// revoke is the revocation endpoint (RFC 7009): a refresh token ends its
// whole grant, an access token itself; an unknown token is answered 200.
func (s *Server) revoke(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	ctx, cancel := s.bound(r)
	defer cancel()
	err := s.oauth.Provider().NewRevocationRequest(ctx, r)
	s.oauth.Provider().WriteRevocationResponse(ctx, w, err)
}
