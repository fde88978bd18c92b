package main

import (
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/kapi-project/kapi/cmd/kapi/api"
)

// TestConnectorOAuth: the MCP connector's OAuth 2.1 over plain HTTP (the
// browser test does the sign-in in chromium): discovery, the whole grant,
// refresh with rotation, revocation, and each refusal with its RFC error.
// At the end, the debug-level log holds none of the secrets that passed.
func TestConnectorOAuth(t *testing.T) {
	// Not parallel: its servers (and chromium) run before the parallel tests,
	// whose latency bounds they would otherwise skew on a small machine.
	w := newConnectorWorld(t)
	secrets := map[string]string{"API key": w.key}
	resource := w.base + "/api/mcp"

	t.Run("discovery", func(t *testing.T) {
		status, challenge := w.mcpStatus(t, "")
		want := `Bearer resource_metadata="` + w.base + `/.well-known/oauth-protected-resource/api/mcp"`
		if status != http.StatusUnauthorized || challenge != want {
			t.Errorf("no credential: %d %q, want 401 %q", status, challenge, want)
		}
		for _, path := range []string{"/.well-known/oauth-protected-resource/api/mcp", "/.well-known/oauth-protected-resource"} {
			status, prm, h := mustGet(t, w.base+path)
			servers, _ := prm["authorization_servers"].([]any)
			if status != 200 || prm["resource"] != resource || len(servers) != 1 || servers[0] != w.base ||
				h.Get("Access-Control-Allow-Origin") != "*" {
				t.Errorf("GET %s: %d %v", path, status, prm)
			}
		}
		status, asm, _ := mustGet(t, w.base+"/.well-known/oauth-authorization-server")
		methods, _ := asm["code_challenge_methods_supported"].([]any)
		if status != 200 || asm["issuer"] != w.base || asm["registration_endpoint"] != w.base+"/oauth/register" ||
			len(methods) != 1 || methods[0] != "S256" {
			t.Errorf("authorization server metadata: %d %v", status, asm)
		}
		if status, _ := w.mcpStatus(t, w.key); status != http.StatusOK {
			t.Errorf("API key on /api/mcp: %d, want 200 as before", status)
		}
	})

	t.Run("grant, use, refresh, revoke", func(t *testing.T) {
		c := w.register(t, "http://127.0.0.1:9/callback")
		au := w.authorizeURL(c, nil)
		q := codeFrom(t, w.consentFlow(t, au, w.key, "allow"), au)
		code := q.Get("code")
		secrets["code"], secrets["verifier"] = code, c.Verifier
		status, tok := w.exchange(t, c, code)
		if status != 200 || tok["token_type"] != "bearer" || tok["expires_in"].(float64) > 3600 {
			t.Fatalf("exchange: %d %v", status, tok)
		}
		access, refresh := tok["access_token"].(string), tok["refresh_token"].(string)
		secrets["access token"], secrets["refresh token"] = access, refresh
		if text := w.useMCP(t, access); !strings.Contains(text, `"entries":[{`) {
			t.Errorf("search_knowledge with the token: %s", text)
		}
		// Refresh rotates: a new pair, and the old refresh token is spent.
		status, fresh := w.token(t, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refresh}, "client_id": {c.ID}})
		if status != 200 || fresh["access_token"] == access || fresh["refresh_token"] == refresh {
			t.Fatalf("refresh: %d %v", status, fresh)
		}
		access2, refresh2 := fresh["access_token"].(string), fresh["refresh_token"].(string)
		secrets["refreshed access token"], secrets["rotated refresh token"] = access2, refresh2
		if s, _ := w.mcpStatus(t, access); s != http.StatusUnauthorized {
			t.Errorf("the access token before the refresh: %d, want 401", s)
		}
		w.useMCP(t, access2)
		// Revocation (RFC 7009) of the refresh token ends the grant.
		resp, err := http.PostForm(w.base+"/oauth/revoke", url.Values{"token": {refresh2}, "client_id": {c.ID}})
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("revoke: %v %v", err, resp)
		}
		resp.Body.Close()
		status, challenge := w.mcpStatus(t, access2)
		if status != http.StatusUnauthorized || !strings.Contains(challenge, `error="invalid_token"`) ||
			!strings.Contains(challenge, "resource_metadata=") {
			t.Errorf("after revocation: %d %q, want 401 invalid_token", status, challenge)
		}
		status, body := w.token(t, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refresh2}, "client_id": {c.ID}})
		if status != 400 || errorOf(body) != "invalid_grant" {
			t.Errorf("refresh after revocation: %d %v, want 400 invalid_grant", status, body)
		}
	})

	t.Run("refusals", func(t *testing.T) { connectorRefusals(t, w, resource) })
	t.Run("key and account", func(t *testing.T) { connectorKeyRules(t, w) })
	t.Run("sign-in link and grants CLI", func(t *testing.T) { secrets["sign-in link"] = connectorLinkAndCLI(t, w) })
	assertNoSecretsLogged(t, w.logs.String(), secrets)
}

// connectorRefusals: each misuse refused with the RFC's error.
func connectorRefusals(t *testing.T, w *connectorWorld, resource string) {
	c := w.register(t, "http://127.0.0.1:9/callback")
	other := w.register(t, "http://127.0.0.1:9/other")
	codeFor := func(t *testing.T, c oauthClient) string {
		au := w.authorizeURL(c, nil)
		return codeFrom(t, w.consentFlow(t, au, w.key, "allow"), au).Get("code")
	}
	tokenTests := []struct {
		name      string
		form      func(code string) url.Values
		wantError string
	}{
		{"missing PKCE verifier", func(code string) url.Values {
			return url.Values{"grant_type": {"authorization_code"}, "code": {code}, "client_id": {c.ID}, "redirect_uri": {c.Redirect}}
		}, "invalid_grant"},
		{"wrong PKCE verifier", func(code string) url.Values {
			v, _ := newVerifier()
			return url.Values{"grant_type": {"authorization_code"}, "code": {code}, "client_id": {c.ID}, "redirect_uri": {c.Redirect}, "code_verifier": {v}}
		}, "invalid_grant"},
		{"code for another client", func(code string) url.Values {
			return url.Values{"grant_type": {"authorization_code"}, "code": {code}, "client_id": {other.ID}, "redirect_uri": {other.Redirect}, "code_verifier": {c.Verifier}}
		}, "invalid_grant"},
		{"another redirect URI", func(code string) url.Values {
			return url.Values{"grant_type": {"authorization_code"}, "code": {code}, "client_id": {c.ID}, "redirect_uri": {other.Redirect}, "code_verifier": {c.Verifier}}
		}, "invalid_grant"},
		{"another resource", func(code string) url.Values {
			return url.Values{"grant_type": {"authorization_code"}, "code": {code}, "client_id": {c.ID}, "redirect_uri": {c.Redirect}, "code_verifier": {c.Verifier}, "resource": {"https://elsewhere.example/mcp"}}
		}, "invalid_target"},
	}
	for _, tt := range tokenTests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := w.token(t, tt.form(codeFor(t, c)))
			if status != 400 || errorOf(body) != tt.wantError {
				t.Errorf("got %d %v, want 400 %s", status, body, tt.wantError)
			}
		})
	}
	t.Run("reused code", func(t *testing.T) {
		code := codeFor(t, c)
		if status, body := w.exchange(t, c, code); status != 200 {
			t.Fatalf("first use: %d %v", status, body)
		}
		if status, body := w.exchange(t, c, code); status != 400 || errorOf(body) != "invalid_grant" {
			t.Errorf("second use: %d %v, want 400 invalid_grant", status, body)
		}
	})
	authorizeTests := []struct {
		name      string
		client    oauthClient
		extra     url.Values
		wantError string
		redirect  bool // the error goes to the client (else the page shows it)
	}{
		{"redirect URI not registered", c, url.Values{"redirect_uri": {"http://127.0.0.1:9/elsewhere"}}, "invalid_request", false},
		{"unknown client", oauthClient{ID: "nobody-nobody-nobody", Redirect: c.Redirect}, nil, "invalid_client", false},
		{"no PKCE challenge", c, url.Values{"code_challenge": nil, "code_challenge_method": nil}, "invalid_request", true},
		{"plain PKCE", c, url.Values{"code_challenge_method": {"plain"}}, "invalid_request", true},
		{"another resource", c, url.Values{"resource": {"https://elsewhere.example/mcp"}}, "invalid_target", true},
		{"unknown scope", c, url.Values{"scope": {"admin:everything"}}, "invalid_scope", true},
	}
	for _, tt := range authorizeTests {
		t.Run("authorize: "+tt.name, func(t *testing.T) {
			au := w.authorizeURL(tt.client, nil)
			u, _ := url.Parse(au)
			q := u.Query()
			for k, v := range tt.extra {
				if v == nil {
					q.Del(k)
				} else {
					q[k] = v
				}
			}
			u.RawQuery = q.Encode()
			resp, err := noRedirects().Get(u.String())
			if err != nil {
				t.Fatal(err)
			}
			body := readAll(t, resp)
			loc, _ := url.Parse(resp.Header.Get("Location"))
			switch {
			case tt.redirect && (resp.StatusCode != http.StatusSeeOther || loc.Query().Get("error") != tt.wantError ||
				!strings.HasPrefix(loc.String(), tt.client.Redirect)):
				t.Errorf("got %d Location %q, want a 303 to the client with error=%s", resp.StatusCode, loc, tt.wantError)
			case !tt.redirect && (resp.StatusCode != http.StatusBadRequest && resp.StatusCode != http.StatusUnauthorized ||
				resp.Header.Get("Location") != "" || !strings.Contains(body, tt.wantError)):
				t.Errorf("got %d Location %q, want the page to show %s without a redirect\n%s", resp.StatusCode, loc, tt.wantError, body)
			}
		})
	}
	t.Run("register: redirect URI", func(t *testing.T) {
		status, body := w.postJSON(t, "/oauth/register", map[string]any{"redirect_uris": []string{"http://attacker.example/cb"}})
		if status != 400 || errorOf(body) != "invalid_redirect_uri" {
			t.Errorf("plain http to a remote host: %d %v, want 400 invalid_redirect_uri", status, body)
		}
	})
	t.Run("sign-in form without its CSRF token, or from another site", func(t *testing.T) {
		hc := noRedirects()
		resp, err := hc.Get(w.authorizeURL(c, nil))
		if err != nil {
			t.Fatal(err)
		}
		signIn := readAll(t, resp)
		noToken := w.submit(t, noRedirects(), signIn, url.Values{"credential": {w.key}}) // no cookie
		if body := readAll(t, noToken); noToken.StatusCode != http.StatusForbidden || strings.Contains(body, `name="ticket"`) {
			t.Errorf("without the CSRF cookie: %d, want 403", noToken.StatusCode)
		}
		form := url.Values{"credential": {w.key}}
		for _, m := range hiddenField.FindAllStringSubmatch(signIn, -1) {
			form.Add(m[1], html.UnescapeString(m[2]))
		}
		req, _ := http.NewRequest(http.MethodPost, w.base+"/oauth/authorize", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", "https://attacker.example")
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		cross, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		if body := readAll(t, cross); cross.StatusCode != http.StatusForbidden || strings.Contains(body, `name="ticket"`) {
			t.Errorf("a cross-site POST: %d, want 403", cross.StatusCode)
		}
	})
	t.Run("denied", func(t *testing.T) {
		au := w.authorizeURL(c, nil)
		if q := codeFrom(t, w.consentFlow(t, au, w.key, "deny"), au); q.Get("error") != "access_denied" || q.Get("code") != "" {
			t.Errorf("deny: %v, want error=access_denied and no code", q)
		}
	})
	t.Run("wrong key", func(t *testing.T) {
		resp := w.consentFlow(t, w.authorizeURL(c, nil), "pg_live_AAAAAAAA_"+strings.Repeat("x", 24), "allow")
		body := readAll(t, resp)
		if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "was not accepted") {
			t.Errorf("unknown key: %d, want 401 and the sign-in page again\n%s", resp.StatusCode, body)
		}
	})
	_ = resource
}

// connectorKeyRules: a token is its key's: a scope the key lacks is refused,
// and revoking the key, or the account going past_due, ends the token's use.
func connectorKeyRules(t *testing.T, w *connectorWorld) {
	c := w.register(t, "http://127.0.0.1:9/callback")
	narrow := w.newKey(t, "knowledge:read")
	t.Run("scope not held by the key", func(t *testing.T) {
		au := w.authorizeURL(c, url.Values{"scope": {"feeds:write usage:read"}})
		q := codeFrom(t, w.consentFlow(t, au, narrow.Key, "allow"), au)
		if q.Get("error") != "invalid_scope" || q.Get("code") != "" {
			t.Errorf("got %v, want error=invalid_scope", q)
		}
	})
	t.Run("scopes narrowed to the key's", func(t *testing.T) {
		au := w.authorizeURL(c, url.Values{"scope": {"knowledge:read feeds:read"}})
		code := codeFrom(t, w.consentFlow(t, au, narrow.Key, "allow"), au).Get("code")
		status, tok := w.exchange(t, c, code)
		if status != 200 || tok["scope"] != "knowledge:read" {
			t.Fatalf("exchange: %d %v, want scope knowledge:read alone", status, tok)
		}
		if text := w.toolRefusal(t, tok["access_token"].(string), "list_feeds"); !strings.Contains(text, "INSUFFICIENT_SCOPE") {
			t.Errorf("list_feeds without feeds:read: %q, want INSUFFICIENT_SCOPE", text)
		}
	})
	t.Run("expired token", func(t *testing.T) {
		tok := w.grant(t, c, narrow.Key)["access_token"].(string)
		w.sql(t, `UPDATE oauth_tokens SET expires_at = now() - interval '1 second' WHERE kind = 'access' AND key_id = $1`, narrow.ID)
		if s, challenge := w.mcpStatus(t, tok); s != http.StatusUnauthorized || !strings.Contains(challenge, "invalid_token") {
			t.Errorf("expired token: %d %q, want 401 invalid_token", s, challenge)
		}
	})
	t.Run("past_due account", func(t *testing.T) {
		tok := w.grant(t, c, narrow.Key)["access_token"].(string)
		w.sql(t, `UPDATE accounts SET subscription_status = 'past_due' WHERE id = $1`, w.account)
		defer w.sql(t, `UPDATE accounts SET subscription_status = 'active' WHERE id = $1`, w.account)
		if text := w.toolRefusal(t, tok, "search_knowledge"); !strings.Contains(text, "SUBSCRIPTION_INACTIVE") {
			t.Errorf("search_knowledge for a past_due account: %s, want SUBSCRIPTION_INACTIVE", text)
		}
	})
	t.Run("token from a revoked key, on two instances", func(t *testing.T) {
		tok := w.grant(t, c, narrow.Key)["access_token"].(string)
		// A second instance over the same database, behind the same public
		// URL, takes the first one's tokens (one shared secret), and hears of
		// the revocation as soon.
		env := func(k string) string {
			if k == "KAPI_PUBLIC_URL" {
				return w.base
			}
			return w.env(k)
		}
		other := &connectorWorld{base: "http://" + startServe(t, env)}
		if s, _ := other.mcpStatus(t, tok); s != http.StatusOK {
			t.Fatalf("the token on a second instance: %d, want 200", s)
		}
		var revoked api.Key
		runJSON(t, w.env, &revoked, "keys", "revoke", "--id", narrow.ID)
		for _, inst := range []*connectorWorld{w, other} {
			if s, challenge := inst.mcpStatus(t, tok); s != http.StatusUnauthorized || !strings.Contains(challenge, "invalid_token") {
				t.Errorf("%s: token of a revoked key: %d %q, want 401 invalid_token at once", inst.base, s, challenge)
			}
		}
	})
}

// connectorLinkAndCLI: an operator's one-time sign-in link signs in once;
// the CLI lists the account's grants and revokes one, which ends its token.
// It returns the link, a secret the log must not hold.
func connectorLinkAndCLI(t *testing.T, w *connectorWorld) string {
	var link signInLinkJSON
	runJSON(t, w.env, &link, "accounts", "sign-in-link", "--account", w.account)
	if !strings.Contains(link.URL, "/oauth/link?t=kapi_sl_") || link.AccountID != w.account || link.KeyPrefix == "" {
		t.Fatalf("sign-in-link: %+v", link)
	}
	if status, _, _ := mustGet(t, w.base+"/oauth/link?t=kapi_sl_x"); status != http.StatusOK {
		t.Errorf("the link's own page: %d", status)
	}
	c := w.register(t, "http://127.0.0.1:9/callback")
	tok := w.grant(t, c, link.URL)["access_token"].(string) // the whole link pasted
	w.useMCP(t, tok)
	resp := w.consentFlow(t, w.authorizeURL(c, nil), link.URL, "allow")
	if body := readAll(t, resp); resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "already used") {
		t.Errorf("the link a second time: %d, want 401 and the sign-in page again", resp.StatusCode)
	}
	var grants []oauthGrantJSON
	runJSON(t, w.env, &grants, "accounts", "grants", "list", "--account", w.account)
	var mine *oauthGrantJSON
	for i, g := range grants {
		if g.ClientID == c.ID {
			mine = &grants[i]
		}
	}
	if mine == nil || mine.ClientName != "Test Agent <b>" || mine.KeyID != link.KeyID || len(mine.Scopes) == 0 {
		t.Fatalf("grants list: %+v, want the link's grant", grants)
	}
	var after []oauthGrantJSON
	runJSON(t, w.env, &after, "accounts", "grants", "revoke", "--account", w.account, "--grant", mine.ID)
	if len(after) != len(grants)-1 {
		t.Errorf("grants after revoke: %d, want %d", len(after), len(grants)-1)
	}
	if s, _ := w.mcpStatus(t, tok); s != http.StatusUnauthorized {
		t.Errorf("the token of a revoked grant: %d, want 401", s)
	}
	if code, _, _ := runCapture(w.env, "accounts", "grants", "revoke", "--account", w.account, "--grant", mine.ID); code != exitNotFound {
		t.Errorf("revoking it again: exit %d, want %d", code, exitNotFound)
	}
	return link.URL[strings.Index(link.URL, "kapi_sl_"):]
}
