package oauthserver

import (
	"crypto/hmac"
	"crypto/rand"
	"embed"
	"html/template"
	"net/http"
)

//go:embed pages/*.html
var pageFiles embed.FS

// pages are the server-rendered sign-in, consent and message pages: no
// JavaScript, one form each.
var pages = template.Must(template.ParseFS(pageFiles, "pages/*.html"))

// field is a hidden form field carried from page to page.
type field struct{ Name, Value string }

// page is what a template shows.
type page struct {
	Title      string
	Error      string
	Message    string
	ClientName string
	Resource   string
	KeyPrefix  string
	Scopes     []string
	Withheld   []string // asked for, not held by the key
	Feeds      []string
	Carry      []field
	CSRF       string
	Ticket     string
}

// render writes a page, framed by nobody and cached by nobody.
func render(w http.ResponseWriter, status int, name string, p page) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'")
	w.WriteHeader(status)
	_ = pages.ExecuteTemplate(w, name, p)
}

// csrfCookie holds the double-submit CSRF token of the pages' forms.
const csrfCookie = "kapi_oauth_csrf"

// csrfToken returns the browser's CSRF token, setting a fresh one when it has
// none.
func csrfToken(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(csrfCookie); err == nil && len(c.Value) >= 26 && len(c.Value) <= 64 {
		return c.Value
	}
	v := rand.Text()
	http.SetCookie(w, &http.Cookie{Name: csrfCookie, Value: v, Path: "/oauth", HttpOnly: true,
		Secure: r.TLS != nil, SameSite: http.SameSiteLaxMode})
	return v
}

// csrfOK reports whether a POST carries the browser's CSRF token.
func csrfOK(r *http.Request) bool {
	c, err := r.Cookie(csrfCookie)
	sent := r.PostFormValue("csrf")
	return err == nil && c.Value != "" && hmac.Equal([]byte(c.Value), []byte(sent))
}
