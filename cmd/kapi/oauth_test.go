package main

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/kapi-project/kapi/cmd/kapi/api"
	"github.com/kapi-project/kapi/migrations/pgtest"
)

// connectorWorld is a `kapi serve` at debug level with the demo seeded: the
// MCP connector's authorization server, end to end.
type connectorWorld struct {
	base    string // http://127.0.0.1:port
	dbURL   string
	env     func(string) string
	logs    *syncBuffer
	key     string // the demo account's live key
	account string
}

func newConnectorWorld(t *testing.T) *connectorWorld {
	t.Helper()
	dbURL := pgtest.NewDatabase(t)
	env := envOf(map[string]string{"DATABASE_URL": dbURL, "KAPI_ADDR": "127.0.0.1:0", "KAPI_LOG_LEVEL": "debug"})
	var demo demoResult
	runJSON(t, env, &demo, "demo")
	w := &connectorWorld{dbURL: dbURL, env: env, logs: &syncBuffer{}, key: demo.Key, account: demo.AccountID}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() { done <- run(ctx, []string{"serve", "--no-migrate"}, env, io.Discard, w.logs) }()
	t.Cleanup(func() {
		cancel()
		if code := <-done; code != 0 {
			t.Errorf("serve exited %d:\n%s", code, w.logs)
		}
	})
	w.base = "http://" + waitForListen(t, w.logs)
	return w
}

// newKey creates a key of the demo account with scopes.
func (w *connectorWorld) newKey(t *testing.T, scopes string) api.Key {
	t.Helper()
	var k api.Key
	runJSON(t, w.env, &k, "keys", "create", "--account", w.account, "--scopes", scopes)
	return k
}

// sql runs a statement on the server's database (what no endpoint can do:
// age a token, mark an account past_due).
func (w *connectorWorld) sql(t *testing.T, stmt string, args ...any) {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), w.dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(context.Background(), stmt, args...); err != nil {
		t.Fatalf("%s: %v", stmt, err)
	}
}

// noRedirects is a client with a cookie jar that stops at redirects.
func noRedirects() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, Timeout: 20 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// oauthClient is a registered client with its PKCE pair for one flow.
type oauthClient struct {
	ID, Redirect, Verifier, Challenge string
}

func newVerifier() (verifier, challenge string) {
	verifier = rand.Text() + rand.Text() // 52 characters of [A-Z2-7]
	sum := sha256.Sum256([]byte(verifier))
	return verifier, base64.RawURLEncoding.EncodeToString(sum[:])
}

// register registers a public client with one redirect URI.
func (w *connectorWorld) register(t *testing.T, redirect string) oauthClient {
	t.Helper()
	status, body := w.postJSON(t, "/oauth/register", map[string]any{"client_name": "Test Agent <b>",
		"redirect_uris": []string{redirect}, "token_endpoint_auth_method": "none",
		"grant_types": []string{"authorization_code", "refresh_token"}, "response_types": []string{"code"}})
	if status != http.StatusCreated || body["client_id"] == nil {
		t.Fatalf("register: %d %v", status, body)
	}
	c := oauthClient{ID: body["client_id"].(string), Redirect: redirect}
	c.Verifier, c.Challenge = newVerifier()
	return c
}

func (w *connectorWorld) postJSON(t *testing.T, path string, v any) (int, map[string]any) {
	t.Helper()
	raw, _ := json.Marshal(v)
	resp, err := http.Post(w.base+path, "application/json", strings.NewReader(string(raw)))
	if err != nil {
		t.Fatal(err)
	}
	return decodeBody(t, resp)
}

func decodeBody(t *testing.T, resp *http.Response) (int, map[string]any) {
	t.Helper()
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var body map[string]any
	_ = json.Unmarshal(raw, &body)
	if body == nil {
		body = map[string]any{"raw": string(raw)}
	}
	return resp.StatusCode, body
}

// authorizeURL is the URL an agent opens in the person's browser.
func (w *connectorWorld) authorizeURL(c oauthClient, extra url.Values) string {
	q := url.Values{"response_type": {"code"}, "client_id": {c.ID}, "redirect_uri": {c.Redirect},
		"code_challenge": {c.Challenge}, "code_challenge_method": {"S256"}, "state": {"state-" + rand.Text()},
		"resource": {w.base + "/api/mcp"}}
	for k, v := range extra {
		q[k] = v
	}
	return w.base + "/oauth/authorize?" + q.Encode()
}

var (
	hiddenField = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)
	errorPara   = regexp.MustCompile(`class="error" role="alert">([^<]*)<`)
)

// submit posts a page's form (its hidden fields and more) back to
// /oauth/authorize.
func (w *connectorWorld) submit(t *testing.T, hc *http.Client, pageHTML string, more url.Values) *http.Response {
	t.Helper()
	form := url.Values{}
	for _, m := range hiddenField.FindAllStringSubmatch(pageHTML, -1) {
		form.Add(html.UnescapeString(m[1]), html.UnescapeString(m[2]))
	}
	for k, v := range more {
		form[k] = v
	}
	req, _ := http.NewRequest(http.MethodPost, w.base+"/oauth/authorize", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", w.base)
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func readAll(t *testing.T, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(raw)
}

// consentFlow signs in with credential over plain HTTP (the browser test
// does it in chromium) and answers the consent page with decision; it
// returns the final response: the redirect to the client, or a page.
func (w *connectorWorld) consentFlow(t *testing.T, authorizeURL, credential, decision string) *http.Response {
	t.Helper()
	hc := noRedirects()
	resp, err := hc.Get(authorizeURL)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		return resp
	}
	signIn := readAll(t, resp)
	resp = w.submit(t, hc, signIn, url.Values{"credential": {credential}})
	if resp.StatusCode != http.StatusOK {
		return resp
	}
	consent := readAll(t, resp)
	if !strings.Contains(consent, `name="ticket"`) {
		t.Fatalf("sign-in did not lead to the consent page:\n%s", consent)
	}
	return w.submit(t, hc, consent, url.Values{"decision": {decision}})
}

// codeFrom returns the code of a redirect to the client, checking its state
// came back.
func codeFrom(t *testing.T, resp *http.Response, authorizeURL string) url.Values {
	t.Helper()
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		body, _ := io.ReadAll(resp.Body)
		t.Fatalf("authorize: %d, want a 303 to the client\n%s", resp.StatusCode, body)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	au, _ := url.Parse(authorizeURL)
	if got, want := loc.Query().Get("state"), au.Query().Get("state"); got != want {
		t.Errorf("state %q came back, want %q", got, want)
	}
	return loc.Query()
}

// token posts to the token endpoint.
func (w *connectorWorld) token(t *testing.T, form url.Values) (int, map[string]any) {
	t.Helper()
	resp, err := http.PostForm(w.base+"/oauth/token", form)
	if err != nil {
		t.Fatal(err)
	}
	return decodeBody(t, resp)
}

func (w *connectorWorld) exchange(t *testing.T, c oauthClient, code string) (int, map[string]any) {
	t.Helper()
	return w.token(t, url.Values{"grant_type": {"authorization_code"}, "code": {code}, "client_id": {c.ID},
		"redirect_uri": {c.Redirect}, "code_verifier": {c.Verifier}, "resource": {w.base + "/api/mcp"}})
}

// grant runs a whole consent and exchange for credential and returns the
// token response.
func (w *connectorWorld) grant(t *testing.T, c oauthClient, credential string) map[string]any {
	t.Helper()
	au := w.authorizeURL(c, nil)
	code := codeFrom(t, w.consentFlow(t, au, credential, "allow"), au).Get("code")
	status, body := w.exchange(t, c, code)
	if status != http.StatusOK || body["access_token"] == nil || body["refresh_token"] == nil {
		t.Fatalf("exchange: %d %v", status, body)
	}
	return body
}

// mcpStatus is the status of an MCP initialize with a Bearer credential,
// and its WWW-Authenticate.
func (w *connectorWorld) mcpStatus(t *testing.T, bearer string) (int, string) {
	t.Helper()
	body := `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`
	req, _ := http.NewRequest(http.MethodPost, w.base+"/api/mcp", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode, resp.Header.Get("WWW-Authenticate")
}

type bearerRT struct{ token string }

func (b bearerRT) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.token)
	return http.DefaultTransport.RoundTrip(r)
}

// connectMCP initializes an MCP session with the SDK's client as token; the
// test closes it.
func (w *connectorWorld) connectMCP(ctx context.Context, t *testing.T, token string) *mcp.ClientSession {
	t.Helper()
	client := mcp.NewClient(&mcp.Implementation{Name: "kapi-oauth-test", Version: "1"}, nil)
	cs, err := client.Connect(ctx, &mcp.StreamableClientTransport{Endpoint: w.base + "/api/mcp",
		HTTPClient: &http.Client{Transport: bearerRT{token}}}, nil)
	if err != nil {
		t.Fatalf("initialize with the token: %v", err)
	}
	t.Cleanup(func() { _ = cs.Close() })
	return cs
}

// useMCP connects with the SDK's client as token: initialize, tools/list,
// search_knowledge. It returns the search's text.
func (w *connectorWorld) useMCP(t *testing.T, token string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cs := w.connectMCP(ctx, t, token)
	tools, err := cs.ListTools(ctx, nil)
	if err != nil || len(tools.Tools) == 0 {
		t.Fatalf("tools/list: %v (%d tools)", err, len(tools.Tools))
	}
	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "search_knowledge", Arguments: map[string]any{"query": "coffee"}})
	if err != nil {
		t.Fatalf("search_knowledge: %v", err)
	}
	text := res.Content[0].(*mcp.TextContent).Text
	if res.IsError {
		t.Fatalf("search_knowledge refused: %s", text)
	}
	return text
}

// secretsIn names the secrets of the log that must not be there.
func assertNoSecretsLogged(t *testing.T, logs string, secrets map[string]string) {
	t.Helper()
	if !strings.Contains(logs, `"level":"DEBUG"`) && !strings.Contains(logs, `"msg":"http request"`) {
		t.Fatalf("the log has no request lines; is it the server's?\n%.2000s", logs)
	}
	for what, s := range secrets {
		if s == "" {
			t.Errorf("%s is empty: the test lost it", what)
			continue
		}
		if strings.Contains(logs, s) {
			t.Errorf("the %s reached the log", what)
		}
	}
}

func errorOf(body map[string]any) string { s, _ := body["error"].(string); return s }

func mustGet(t *testing.T, rawURL string) (int, map[string]any, http.Header) {
	t.Helper()
	resp, err := http.Get(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	h := resp.Header
	status, body := decodeBody(t, resp)
	return status, body, h
}

// toolRefusal calls a tool as token and returns the refusal's text (""
// when it was not refused).
func (w *connectorWorld) toolRefusal(t *testing.T, token, tool string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cs := w.connectMCP(ctx, t, token)
	args := map[string]any{}
	if tool == "search_knowledge" {
		args["query"] = "coffee"
	}
	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: tool, Arguments: args})
	if err != nil {
		t.Fatalf("%s: %v", tool, err)
	}
	if !res.IsError {
		return ""
	}
	return res.Content[0].(*mcp.TextContent).Text
}
