package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/modelcontextprotocol/go-sdk/auth"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/modelcontextprotocol/go-sdk/oauthex"
)

// browserTimeout bounds each browser test's whole time in chromium.
const browserTimeout = 45 * time.Second

// newBrowser starts Debian's headless chromium (make test installs it) with
// a fresh profile, for this test only. A missing chromium fails the test.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatalf("chromium not found (make test installs Debian's chromium): %v", err)
	}
	opts := []chromedp.ExecAllocatorOption{chromedp.ExecPath(path), chromedp.Headless, chromedp.NoSandbox,
		chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck, chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true)}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(alloc)
	ctx, cancelTimeout := context.WithTimeout(ctx, browserTimeout)
	t.Cleanup(func() { cancelTimeout(); cancelCtx(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil { // start the browser now
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// callbackServer is a client's local redirect URI: it hands over what the
// authorization server sent back.
func callbackServer(t *testing.T) (redirect string, got <-chan url.Values) {
	t.Helper()
	ch := make(chan url.Values, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case ch <- r.URL.Query():
		default:
		}
		fmt.Fprint(w, `<!doctype html><p id="done">You can close this window.</p>`)
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/callback", ch
}

// signInInBrowser opens the authorize URL in chromium, pastes the key,
// checks the consent page and allows; it returns what came back to the
// client's redirect URI, and the consent page's text.
func signInInBrowser(ctx context.Context, authorizeURL, key string, got <-chan url.Values) (url.Values, string, error) {
	err := chromedp.Do(ctx,
		chromedp.Navigate(authorizeURL),
		chromedp.WaitVisible(chromedp.CSS("#credential")),
		chromedp.SendKeys(chromedp.CSS("#credential"), key),
		chromedp.Click(chromedp.CSS("#signin")),
		chromedp.WaitVisible(chromedp.CSS("#allow")),
	)
	if err != nil {
		return nil, "", fmt.Errorf("in the browser, to the consent page: %w", err)
	}
	consent, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("body")))
	if err == nil {
		err = chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#allow")), chromedp.WaitVisible(chromedp.CSS("#done")))
	}
	if err != nil {
		return nil, consent, fmt.Errorf("in the browser, consenting: %w", err)
	}
	select {
	case q := <-got:
		return q, consent, nil
	case <-ctx.Done():
		return nil, consent, ctx.Err()
	}
}

// TestConnectorInBrowser: the MCP connector's sign-in in real headless
// chromium, by hand and by the MCP Go SDK's OAuth client (one server, one
// browser).
func TestConnectorInBrowser(t *testing.T) {
	// Not parallel: its servers (and chromium) run before the parallel tests,
	// whose latency bounds they would otherwise skew on a small machine.
	w := newConnectorWorld(t)
	ctx := newBrowser(t)
	t.Run("acceptance walk", func(t *testing.T) { browserWalk(ctx, t, w) })
	t.Run("MCP Go SDK client", func(t *testing.T) { sdkClientWalk(ctx, t, w) })
}

// browserWalk: register a client, open the authorize URL, sign in with a
// key, consent, receive the code on a local redirect, exchange it with the
// PKCE verifier, then initialize, tools/list and search_knowledge over
// /api/mcp with the token; refresh; revoke; the token then gets 401.
func browserWalk(ctx context.Context, t *testing.T, w *connectorWorld) {
	redirect, got := callbackServer(t)
	c := w.register(t, redirect)
	au := w.authorizeURL(c, nil)
	q, consent, err := signInInBrowser(ctx, au, w.key, got)
	if err != nil {
		t.Fatalf("%v\nconsent page: %s", err, consent)
	}
	for _, want := range []string{"Test Agent <b>", "knowledge:read", "Urban Gardening (urban-gardening)"} {
		if !strings.Contains(consent, want) {
			t.Errorf("the consent page does not show %q:\n%s", want, consent)
		}
	}
	if au, _ := url.Parse(au); q.Get("state") != au.Query().Get("state") || q.Get("code") == "" {
		t.Fatalf("the redirect brought %v, want a code and the state", q)
	}
	status, tok := w.exchange(t, c, q.Get("code"))
	if status != http.StatusOK {
		t.Fatalf("exchange: %d %v", status, tok)
	}
	if text := w.useMCP(t, tok["access_token"].(string)); !strings.Contains(text, `"entries":[{`) {
		t.Errorf("search_knowledge with the token: %s", text)
	}
	status, fresh := w.token(t, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok["refresh_token"].(string)}, "client_id": {c.ID}})
	if status != http.StatusOK {
		t.Fatalf("refresh: %d %v", status, fresh)
	}
	access := fresh["access_token"].(string)
	w.useMCP(t, access)
	resp, err := http.PostForm(w.base+"/oauth/revoke", url.Values{"token": {access}, "client_id": {c.ID}})
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("revoke: %v %v", err, resp)
	}
	resp.Body.Close()
	if s, _ := w.mcpStatus(t, access); s != http.StatusUnauthorized {
		t.Errorf("the revoked token: %d, want 401", s)
	}
	assertNoSecretsLogged(t, w.logs.String(), map[string]string{"API key": w.key, "code": q.Get("code"),
		"verifier": c.Verifier, "access token": access, "refresh token": fresh["refresh_token"].(string)})
}

// sdkClientWalk: the MCP Go SDK's own OAuth client connects to /api/mcp
// from nothing but its URL: the 401's resource metadata, the authorization
// server's metadata, dynamic registration, PKCE, the sign-in in chromium,
// the exchange with the resource; then it searches.
func sdkClientWalk(ctx context.Context, t *testing.T, w *connectorWorld) {
	redirect, got := callbackServer(t)
	handler, err := auth.NewAuthorizationCodeHandler(&auth.AuthorizationCodeHandlerConfig{
		DynamicClientRegistrationConfig: &auth.DynamicClientRegistrationConfig{Metadata: &oauthex.ClientRegistrationMetadata{
			ClientName: "kapi SDK test", RedirectURIs: []string{redirect}, TokenEndpointAuthMethod: "none",
			GrantTypes: []string{"authorization_code", "refresh_token"}}},
		RedirectURL: redirect,
		AuthorizationCodeFetcher: func(_ context.Context, args *auth.AuthorizationArgs) (*auth.AuthorizationResult, error) {
			q, _, err := signInInBrowser(ctx, args.URL, w.key, got)
			if err != nil {
				return nil, err
			}
			return &auth.AuthorizationResult{Code: q.Get("code"), State: q.Get("state")}, nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	client := mcp.NewClient(&mcp.Implementation{Name: "kapi-sdk-oauth", Version: "1"}, nil)
	cctx, cancel := context.WithTimeout(context.Background(), browserTimeout)
	defer cancel()
	cs, err := client.Connect(cctx, &mcp.StreamableClientTransport{Endpoint: w.base + "/api/mcp", OAuthHandler: handler}, nil)
	if err != nil {
		t.Fatalf("connect with OAuth: %v\nlogs:\n%.3000s", err, w.logs)
	}
	defer cs.Close()
	res, err := cs.CallTool(cctx, &mcp.CallToolParams{Name: "search_knowledge", Arguments: map[string]any{"query": "coffee"}})
	if err != nil || res.IsError {
		t.Fatalf("search_knowledge: %v %+v", err, res)
	}
}
