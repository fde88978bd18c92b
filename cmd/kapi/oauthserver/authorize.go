package oauthserver

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/ory/fosite"

	"github.com/kapi-project/kapi/auth"
	"github.com/kapi-project/kapi/auth/oauth"
	"github.com/kapi-project/kapi/cmd/kapi/api"
)

// carried are the authorize request's parameters that the pages carry from
// form to form (the POSTs are authorize requests again).
var carried = []string{"response_type", "client_id", "redirect_uri", "scope", "state",
	"code_challenge", "code_challenge_method", "resource"}

// ticketTTL bounds the time between signing in and consenting.
const ticketTTL = 10 * time.Minute

// errInvalidTarget: the resource parameter names something else than the MCP
// endpoint (RFC 8707 §2).
func errInvalidTarget(resource string) *fosite.RFC6749Error {
	return &fosite.RFC6749Error{ErrorField: "invalid_target", CodeField: http.StatusBadRequest,
		DescriptionField: "The requested resource is invalid: this server issues tokens only for " + resource + "."}
}

// authorize is the authorization endpoint: GET shows the sign-in page; POST
// step=signin checks the key or sign-in link and shows the consent page;
// POST step=consent issues the code (or access_denied) to the client's
// redirect URI. fosite checks the request each time: client, exact redirect
// URI, response type, PKCE S256 (required), scopes.
func (s *Server) authorize(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		w.WriteHeader(http.StatusMethodNotAllowed)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	ctx, cancel := s.bound(r)
	defer cancel()
	provider := s.oauth.Provider()
	ar, err := provider.NewAuthorizeRequest(ctx, r)
	if err == nil {
		err = s.checkResource(r, ar.GetRequestForm()["resource"])
	}
	if err == nil {
		err = checkPKCE(ar)
	}
	if err != nil {
		s.authorizeError(ctx, w, ar, err)
		return
	}
	if r.Method == http.MethodGet {
		s.signInPage(w, r, ar, "", http.StatusOK)
		return
	}
	if !csrfOK(r) {
		render(w, http.StatusForbidden, "message", page{Title: "Sign-in expired",
			Error: "This form is stale or did not come from this page. Go back to your agent and connect again."})
		return
	}
	if r.PostFormValue("step") == "consent" {
		s.consent(ctx, w, r, ar)
		return
	}
	s.signIn(ctx, w, r, ar)
}

// checkResource: the resource parameter, when sent, must name the MCP
// endpoint, once.
func (s *Server) checkResource(r *http.Request, resources []string) error {
	want := s.resource(r)
	for _, res := range resources {
		if res != want {
			return errInvalidTarget(want)
		}
	}
	if len(resources) > 1 {
		return errInvalidTarget(want)
	}
	return nil
}

// checkPKCE refuses, before the person signs in, what fosite's PKCE handler
// would refuse only when issuing the code: no challenge, or one other than
// S256 (OAuth 2.1 §4.1.1).
func checkPKCE(ar fosite.AuthorizeRequester) error {
	form := ar.GetRequestForm()
	if form.Get("code_challenge") == "" {
		return fosite.ErrInvalidRequest.WithHint("A PKCE code_challenge is required.")
	}
	if form.Get("code_challenge_method") != "S256" {
		return fosite.ErrInvalidRequest.WithHint("The code_challenge_method must be S256.")
	}
	return nil
}

// authorizeError sends an error to the client's redirect URI, or, when the
// client or redirect URI cannot be trusted, shows it to the person.
func (s *Server) authorizeError(ctx context.Context, w http.ResponseWriter, ar fosite.AuthorizeRequester, err error) {
	rfc := fosite.ErrorToRFC6749Error(err)
	if rfc.CodeField >= http.StatusInternalServerError {
		s.logger.ErrorContext(ctx, "oauth: authorize", "error", rfc.WithExposeDebug(true).GetDescription())
	}
	if ar == nil || !ar.IsRedirectURIValid() {
		render(w, rfc.CodeField, "message", page{Title: "This sign-in cannot go on",
			Error: rfc.ErrorField + ": " + rfc.GetDescription()})
		return
	}
	s.oauth.Provider().WriteAuthorizeError(ctx, w, ar, err)
}

func (s *Server) signInPage(w http.ResponseWriter, r *http.Request, ar fosite.AuthorizeRequester, problem string, status int) {
	name, err := s.oauth.ClientName(r.Context(), ar.GetClient().GetID())
	if err != nil {
		s.authorizeError(r.Context(), w, ar, fosite.ErrServerError.WithWrap(err))
		return
	}
	render(w, status, "signin", page{Title: "Sign in to kapi", Error: problem, ClientName: name,
		Resource: s.resource(r), Carry: carry(ar), CSRF: csrfToken(w, r)})
}

func carry(ar fosite.AuthorizeRequester) []field {
	var out []field
	form := ar.GetRequestForm()
	for _, name := range carried {
		for _, v := range form[name] {
			out = append(out, field{name, v})
		}
	}
	return out
}

// signInLinkToken finds a sign-in link's token in what was pasted: the token
// or the whole link.
var signInLinkToken = regexp.MustCompile(`kapi_sl_[A-Za-z0-9]+`)

// signIn checks the pasted API key or sign-in link and shows the consent
// page. The credential is never logged, stored or echoed.
func (s *Server) signIn(ctx context.Context, w http.ResponseWriter, r *http.Request, ar fosite.AuthorizeRequester) {
	cred := strings.TrimSpace(r.PostFormValue("credential"))
	p, err := s.principalOf(ctx, cred)
	switch {
	case errors.Is(err, api.ErrUnavailable):
		s.authorizeError(ctx, w, ar, fosite.ErrTemporarilyUnavailable.WithWrap(err))
		return
	case err != nil:
		s.signInPage(w, r, ar, "That key or sign-in link was not accepted: it is unknown, revoked, expired or already used.", http.StatusUnauthorized)
		return
	}
	scopes, err := grantScopes(p, ar.GetRequestedScopes())
	if err != nil {
		s.authorizeError(ctx, w, ar, err)
		return
	}
	s.consentPage(ctx, w, r, ar, p, scopes)
}

func (s *Server) principalOf(ctx context.Context, cred string) (auth.Principal, error) {
	if len(cred) == 0 || len(cred) > maxCredentialLen {
		return auth.Principal{}, auth.ErrUnauthorized
	}
	if tok := signInLinkToken.FindString(cred); tok != "" {
		keyID, err := s.oauth.UseSignInLink(ctx, tok)
		if errors.Is(err, oauth.ErrNotFound) {
			return auth.Principal{}, auth.ErrUnauthorized
		}
		if err != nil {
			return auth.Principal{}, fmt.Errorf("%w: %w", api.ErrUnavailable, err)
		}
		return s.api.KeyPrincipal(ctx, keyID)
	}
	return s.api.Authenticate(ctx, "Bearer "+cred)
}

// grantScopes are the scopes to grant: those asked for that the key holds
// (RFC 6749 §3.3 lets the server grant less than asked; the token response
// and the consent page say what), or with none asked for, the MCP scopes the
// key holds. A request for no scope the key holds is invalid_scope.
func grantScopes(p auth.Principal, requested fosite.Arguments) ([]string, error) {
	if len(requested) == 0 {
		requested = oauth.ScopesSupported()
	}
	scopes := api.GrantableScopes(p, requested)
	if len(scopes) == 0 {
		return nil, fosite.ErrInvalidScope.WithHintf("The key holds none of the scopes asked for (%s).", strings.Join(requested, " "))
	}
	return scopes, nil
}

// ticket is what the consent form carries from the sign-in, sealed: the key
// signed in with, for which client, in which browser, until when.
type ticket struct {
	Key     uuid.UUID `json:"k"`
	Client  string    `json:"c"`
	CSRF    string    `json:"x"`
	Expires int64     `json:"e"`
}

func csrfHash(v string) string {
	h := sha256.Sum256([]byte(v))
	return base64.RawURLEncoding.EncodeToString(h[:])
}

func (s *Server) consentPage(ctx context.Context, w http.ResponseWriter, r *http.Request, ar fosite.AuthorizeRequester, p auth.Principal, scopes []string) {
	name, err := s.oauth.ClientName(ctx, ar.GetClient().GetID())
	if err != nil {
		s.authorizeError(ctx, w, ar, fosite.ErrServerError.WithWrap(err))
		return
	}
	feedNames, err := s.reachedFeeds(ctx, p)
	if err != nil {
		s.authorizeError(ctx, w, ar, fosite.ErrTemporarilyUnavailable.WithWrap(err))
		return
	}
	csrf := csrfToken(w, r)
	raw, _ := json.Marshal(ticket{Key: p.KeyID, Client: ar.GetClient().GetID(), CSRF: csrfHash(csrf),
		Expires: s.now().Add(ticketTTL).Unix()}) // cannot fail
	var withheld []string
	for _, sc := range ar.GetRequestedScopes() {
		if !slices.Contains(scopes, sc) {
			withheld = append(withheld, sc)
		}
	}
	render(w, http.StatusOK, "consent", page{Title: "Allow " + name + "?", ClientName: name, KeyPrefix: p.KeyPrefix,
		Scopes: scopes, Withheld: withheld, Feeds: feedNames, Carry: carry(ar), CSRF: csrf, Ticket: s.oauth.Seal("consent", raw)})
}

// reachedFeeds names the feeds the account is subscribed to.
func (s *Server) reachedFeeds(ctx context.Context, p auth.Principal) ([]string, error) {
	list, err := s.api.ListFeeds(ctx, p, api.Int{}, api.Int{})
	if err != nil {
		return nil, err
	}
	var names []string
	for _, f := range list.Feeds {
		if f.SubscriptionStatus != nil && *f.SubscriptionStatus == "active" {
			names = append(names, f.Name+" ("+f.Slug+")")
		}
	}
	return names, nil
}

// consent issues the code when the person allowed, to the key of the sealed
// ticket, as that key is now.
func (s *Server) consent(ctx context.Context, w http.ResponseWriter, r *http.Request, ar fosite.AuthorizeRequester) {
	t, ok := s.openTicket(r, ar)
	if !ok {
		render(w, http.StatusForbidden, "message", page{Title: "Sign-in expired",
			Error: "This consent form has expired. Go back to your agent and connect again."})
		return
	}
	if r.PostFormValue("decision") != "allow" {
		s.authorizeError(ctx, w, ar, fosite.ErrAccessDenied.WithHint("The person denied the request."))
		return
	}
	p, err := s.api.KeyPrincipal(ctx, t.Key)
	if err != nil {
		s.authorizeError(ctx, w, ar, fosite.ErrAccessDenied.WithHint("The key is no longer valid."))
		return
	}
	scopes, err := grantScopes(p, ar.GetRequestedScopes())
	if err != nil {
		s.authorizeError(ctx, w, ar, err)
		return
	}
	for _, sc := range scopes {
		ar.GrantScope(sc)
	}
	ar.GrantAudience(s.resource(r))
	resp, err := s.oauth.Provider().NewAuthorizeResponse(ctx, ar, oauth.NewSession(p.KeyID, p.AccountID))
	if err != nil {
		s.authorizeError(ctx, w, ar, err)
		return
	}
	s.oauth.Provider().WriteAuthorizeResponse(ctx, w, ar, resp)
}

func (s *Server) openTicket(r *http.Request, ar fosite.AuthorizeRequester) (ticket, bool) {
	raw, err := s.oauth.Open("consent", r.PostFormValue("ticket"))
	var t ticket
	if err != nil || json.Unmarshal(raw, &t) != nil {
		return ticket{}, false
	}
	c, _ := r.Cookie(csrfCookie) // csrfOK has checked it is there
	return t, t.Client == ar.GetClient().GetID() && t.CSRF == csrfHash(c.Value) && s.now().Unix() < t.Expires
}
