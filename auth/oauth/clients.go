package oauth

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/ory/fosite"
)

// Registration limits (RFC 7591 leaves them to the server).
const (
	maxRedirectURIs   = 10
	maxRedirectURILen = 2000
	maxClientNameLen  = 200
)

// The token endpoint authentication methods a client may register.
const (
	AuthNone        = "none"
	AuthSecretBasic = "client_secret_basic"
	AuthSecretPost  = "client_secret_post"
)

// ClientSpec is a dynamic registration request (RFC 7591 §2), as bound by the
// HTTP layer.
type ClientSpec struct {
	Name         string
	RedirectURIs []string
	AuthMethod   string // "" means none (a public client, as MCP clients are)
	GrantTypes   []string
	ResponseType []string
}

// Client is a registered client. Secret is set only in Register's answer.
type Client struct {
	ID           string
	Name         string
	RedirectURIs []string
	AuthMethod   string
	Secret       string
	CreatedAt    time.Time
}

const insertClientSQL = `
INSERT INTO oauth_clients (id, name, redirect_uris, secret_hash, auth_method)
VALUES ($1, $2, $3, $4, $5) RETURNING created_at`

// Register stores a new client (RFC 7591). Errors: ErrInvalidRedirectURI,
// ErrInvalidClient (both wrapped with what is wrong).
func (s *Server) Register(ctx context.Context, spec ClientSpec) (Client, error) {
	if err := checkSpec(&spec); err != nil {
		return Client{}, err
	}
	c := Client{ID: rand.Text(), Name: spec.Name, RedirectURIs: spec.RedirectURIs, AuthMethod: spec.AuthMethod}
	var hash []byte
	if c.AuthMethod != AuthNone {
		c.Secret = rand.Text() + rand.Text()
		h, err := s.config.GetSecretsHasher(ctx).Hash(ctx, []byte(c.Secret))
		if err != nil {
			return Client{}, fmt.Errorf("oauth: hash client secret: %w", err)
		}
		hash = h
	}
	err := s.store.db.QueryRow(ctx, insertClientSQL, c.ID, c.Name, c.RedirectURIs, hash, c.AuthMethod).Scan(&c.CreatedAt)
	if err != nil {
		return Client{}, fmt.Errorf("oauth: register client: %w", err)
	}
	return c, nil
}

func checkSpec(spec *ClientSpec) error {
	if spec.AuthMethod == "" {
		spec.AuthMethod = AuthNone
	}
	if !slices.Contains([]string{AuthNone, AuthSecretBasic, AuthSecretPost}, spec.AuthMethod) {
		return fmt.Errorf("%w: token_endpoint_auth_method must be none, client_secret_basic or client_secret_post", ErrInvalidClient)
	}
	for _, g := range spec.GrantTypes {
		if g != "authorization_code" && g != "refresh_token" {
			return fmt.Errorf("%w: grant_types may hold only authorization_code and refresh_token", ErrInvalidClient)
		}
	}
	for _, rt := range spec.ResponseType {
		if rt != "code" {
			return fmt.Errorf("%w: response_types may hold only code", ErrInvalidClient)
		}
	}
	spec.Name = strings.TrimSpace(spec.Name)
	if spec.Name == "" {
		spec.Name = "Unnamed client"
	}
	if len(spec.Name) > maxClientNameLen || !utf8.ValidString(spec.Name) || strings.ContainsRune(spec.Name, 0) {
		return fmt.Errorf("%w: client_name must be valid UTF-8 of at most %d bytes", ErrInvalidClient, maxClientNameLen)
	}
	return checkRedirectURIs(spec.RedirectURIs)
}

// checkRedirectURIs accepts https URIs and, for native clients, http on a
// loopback host (RFC 8252 §7.3) and private-use schemes (§7.1); none may
// have a fragment.
func checkRedirectURIs(uris []string) error {
	if len(uris) == 0 || len(uris) > maxRedirectURIs {
		return fmt.Errorf("%w: 1 to %d redirect_uris are needed", ErrInvalidRedirectURI, maxRedirectURIs)
	}
	for _, raw := range uris {
		u, err := url.Parse(raw)
		if err != nil || len(raw) > maxRedirectURILen || !utf8.ValidString(raw) || u.Fragment != "" || u.Scheme == "" {
			return fmt.Errorf("%w: %q is not an absolute URI without a fragment", ErrInvalidRedirectURI, raw)
		}
		switch {
		case u.Scheme == "https" && u.Host != "":
		case u.Scheme == "http" && fosite.IsLocalhost(u):
		case strings.Contains(u.Scheme, ".") && u.Host == "": // com.example.app:/callback
		default:
			return fmt.Errorf("%w: %q must be https, http on a loopback address, or a private-use scheme", ErrInvalidRedirectURI, raw)
		}
	}
	return nil
}

const getClientSQL = `SELECT name, redirect_uris, secret_hash, auth_method FROM oauth_clients WHERE id = $1`

// GetClient returns a registered client as fosite sees it;
// fosite.ErrNotFound when there is none.
func (s *store) GetClient(ctx context.Context, id string) (fosite.Client, error) {
	c, hash, err := s.client(ctx, id)
	if err != nil {
		return nil, err
	}
	return &fosite.DefaultClient{ID: c.ID, Secret: hash, RedirectURIs: c.RedirectURIs,
		GrantTypes: []string{"authorization_code", "refresh_token"}, ResponseTypes: []string{"code"},
		Scopes: grantableScopes(), Public: c.AuthMethod == AuthNone}, nil
}

func (s *store) client(ctx context.Context, id string) (Client, []byte, error) {
	c := Client{ID: id}
	var hash []byte
	err := s.db.QueryRow(ctx, getClientSQL, id).Scan(&c.Name, &c.RedirectURIs, &hash, &c.AuthMethod)
	if errors.Is(err, pgx.ErrNoRows) {
		return Client{}, nil, fosite.ErrNotFound
	}
	if err != nil {
		return Client{}, nil, fmt.Errorf("oauth: load client: %w", err)
	}
	return c, hash, nil
}

// ClientName returns a registered client's name, for the consent page.
// Errors: ErrNotFound.
func (s *Server) ClientName(ctx context.Context, id string) (string, error) {
	c, _, err := s.store.client(ctx, id)
	if errors.Is(err, fosite.ErrNotFound) {
		return "", ErrNotFound
	}
	return c.Name, err
}
