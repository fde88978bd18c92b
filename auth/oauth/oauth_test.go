package oauth_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/kapi-project/kapi/auth"
	"github.com/kapi-project/kapi/auth/oauth"
	"github.com/kapi-project/kapi/migrations/pgtest"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

func newServer(t *testing.T, db *pgxpool.Pool, clk *clock) *oauth.Server {
	t.Helper()
	s, err := oauth.New(context.Background(), db, oauth.Options{Now: clk.now, HashCost: 4})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// accountKey makes an account with one key.
func accountKey(t *testing.T, db *pgxpool.Pool) (uuid.UUID, auth.NewKey) {
	t.Helper()
	ctx := context.Background()
	acc, err := auth.NewAccounts(db).Create(ctx, "acme", auth.TierPro)
	if err != nil {
		t.Fatal(err)
	}
	keys := auth.NewKeys(db, auth.KeysOptions{})
	t.Cleanup(keys.Close)
	k, err := keys.Create(ctx, auth.KeySpec{AccountID: acc.ID, Env: auth.EnvLive})
	if err != nil {
		t.Fatal(err)
	}
	return acc.ID, k
}

// newAccountServer is a server over a fresh database holding one account
// with one key.
func newAccountServer(t *testing.T) (*oauth.Server, *clock, *pgxpool.Pool, uuid.UUID, auth.NewKey) {
	t.Helper()
	db := pgtest.New(t)
	clk := &clock{t: time.Now()}
	acc, key := accountKey(t, db)
	return newServer(t, db, clk), clk, db, acc, key
}

func TestRegisterChecksClientMetadata(t *testing.T) {
	t.Parallel()
	s := newServer(t, pgtest.New(t), &clock{t: time.Now()})
	tests := []struct {
		name string
		spec oauth.ClientSpec
		want error
	}{
		{"https", oauth.ClientSpec{RedirectURIs: []string{"https://agent.example/cb"}}, nil},
		{"loopback http, any port", oauth.ClientSpec{RedirectURIs: []string{"http://127.0.0.1:33418/cb", "http://[::1]/cb", "http://localhost:9/cb"}}, nil},
		{"private-use scheme", oauth.ClientSpec{RedirectURIs: []string{"com.example.agent:/cb"}}, nil},
		{"confidential", oauth.ClientSpec{RedirectURIs: []string{"https://agent.example/cb"}, AuthMethod: oauth.AuthSecretBasic}, nil},
		{"plain http elsewhere", oauth.ClientSpec{RedirectURIs: []string{"http://agent.example/cb"}}, oauth.ErrInvalidRedirectURI},
		{"fragment", oauth.ClientSpec{RedirectURIs: []string{"https://agent.example/cb#x"}}, oauth.ErrInvalidRedirectURI},
		{"relative", oauth.ClientSpec{RedirectURIs: []string{"/cb"}}, oauth.ErrInvalidRedirectURI},
		{"none", oauth.ClientSpec{}, oauth.ErrInvalidRedirectURI},
		{"too many", oauth.ClientSpec{RedirectURIs: strings.Split(strings.Repeat("https://a.example/cb ", 11), " ")[:11]}, oauth.ErrInvalidRedirectURI},
		{"implicit grant", oauth.ClientSpec{RedirectURIs: []string{"https://agent.example/cb"}, GrantTypes: []string{"implicit"}}, oauth.ErrInvalidClient},
		{"token response", oauth.ClientSpec{RedirectURIs: []string{"https://agent.example/cb"}, ResponseType: []string{"token"}}, oauth.ErrInvalidClient},
		{"private_key_jwt", oauth.ClientSpec{RedirectURIs: []string{"https://agent.example/cb"}, AuthMethod: "private_key_jwt"}, oauth.ErrInvalidClient},
		{"name with NUL", oauth.ClientSpec{Name: "a\x00b", RedirectURIs: []string{"https://agent.example/cb"}}, oauth.ErrInvalidClient},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := s.Register(context.Background(), tt.spec)
			if !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
			if err != nil {
				return
			}
			if len(c.ID) < 16 || (tt.spec.AuthMethod == oauth.AuthSecretBasic) != (c.Secret != "") {
				t.Errorf("got client %q with secret %t", c.ID, c.Secret != "")
			}
			if name, err := s.ClientName(context.Background(), c.ID); err != nil || name == "" {
				t.Errorf("ClientName: %q %v", name, err)
			}
		})
	}
}

// TestInstancesShareTheSecret: a second instance over the same database uses
// the first one's secret (tickets sealed by one open on the other), and a
// tampered seal does not open.
func TestInstancesShareTheSecret(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	clk := &clock{t: time.Now()}
	a, b := newServer(t, db, clk), newServer(t, db, clk)
	sealed := a.Seal("consent", []byte("payload"))
	if got, err := b.Open("consent", sealed); err != nil || string(got) != "payload" {
		t.Fatalf("open on the other instance: %q %v", got, err)
	}
	for _, bad := range []string{sealed + "x", "x" + sealed, strings.Replace(sealed, ".", ".A", 1), "", "."} {
		if _, err := b.Open("consent", bad); !errors.Is(err, oauth.ErrNotFound) {
			t.Errorf("Open(%q): %v, want ErrNotFound", bad, err)
		}
	}
	if _, err := b.Open("other purpose", sealed); !errors.Is(err, oauth.ErrNotFound) {
		t.Errorf("a seal opened for another purpose: %v", err)
	}
}

// TestSignInLinksAreSingleUseAndShortLived: a link signs in once, within its
// lifetime, and only its hash is stored.
func TestSignInLinksAreSingleUseAndShortLived(t *testing.T) {
	t.Parallel()
	s, clk, db, acc, key := newAccountServer(t)
	ctx := context.Background()
	token, expires, err := s.CreateSignInLink(ctx, acc, key.ID)
	if err != nil || !oauth.IsSignInToken(token) || expires.Sub(clk.now()) != oauth.SignInLinkTTL {
		t.Fatalf("CreateSignInLink: %q %v %v", token, expires, err)
	}
	var stored int
	if err := db.QueryRow(ctx, `SELECT count(*) FROM oauth_sign_in_links WHERE position($1::bytea in token_hash) > 0`, []byte(token)).Scan(&stored); err != nil || stored != 0 {
		t.Errorf("the token itself is stored (%d rows, %v)", stored, err)
	}
	if got, err := s.UseSignInLink(ctx, token); err != nil || got != key.ID {
		t.Fatalf("first use: %v %v, want key %v", got, err, key.ID)
	}
	if _, err := s.UseSignInLink(ctx, token); !errors.Is(err, oauth.ErrNotFound) {
		t.Errorf("second use: %v, want ErrNotFound", err)
	}
	late, _, err := s.CreateSignInLink(ctx, acc, key.ID)
	if err != nil {
		t.Fatal(err)
	}
	clk.add(oauth.SignInLinkTTL)
	if _, err := s.UseSignInLink(ctx, late); !errors.Is(err, oauth.ErrNotFound) {
		t.Errorf("use after %s: %v, want ErrNotFound", oauth.SignInLinkTTL, err)
	}
	for _, bad := range []string{"", "kapi_sl_", "pg_live_AAAAAAAA_x", "kapi_sl_" + strings.Repeat("A", 200)} {
		if _, err := s.UseSignInLink(ctx, bad); !errors.Is(err, oauth.ErrNotFound) {
			t.Errorf("UseSignInLink(%q): %v, want ErrNotFound", bad, err)
		}
	}
}

func TestVerifyRefusesWhatIsNotAToken(t *testing.T) {
	t.Parallel()
	s := newServer(t, pgtest.New(t), &clock{t: time.Now()})
	for _, tok := range []string{"", "ory_at_", "ory_at_abc.def", "ory_rt_abc.def", "pg_live_AAAAAAAA_" + strings.Repeat("x", 24),
		"ory_at_" + strings.Repeat("a", 600)} {
		if _, err := s.Verify(context.Background(), tok, "http://kapi.example/api/mcp"); !errors.Is(err, oauth.ErrInvalidToken) {
			t.Errorf("Verify(%q): %v, want ErrInvalidToken", tok, err)
		}
	}
}

func TestRevokeGrantOfAnotherAccount(t *testing.T) {
	t.Parallel()
	s := newServer(t, pgtest.New(t), &clock{t: time.Now()})
	if err := s.RevokeGrant(context.Background(), uuid.New(), "no-such-grant"); !errors.Is(err, oauth.ErrNotFound) {
		t.Errorf("RevokeGrant: %v, want ErrNotFound", err)
	}
	if grants, err := s.Grants(context.Background(), uuid.New()); err != nil || len(grants) != 0 {
		t.Errorf("Grants of an account without any: %v %v", grants, err)
	}
}

func TestPruneDeletesWhatExpiredADayAgo(t *testing.T) {
	t.Parallel()
	s, clk, _, acc, key := newAccountServer(t)
	ctx := context.Background()
	if _, _, err := s.CreateSignInLink(ctx, acc, key.ID); err != nil {
		t.Fatal(err)
	}
	if n, err := s.Prune(ctx); err != nil || n != 0 {
		t.Fatalf("Prune of a fresh link: %d %v, want 0", n, err)
	}
	clk.add(oauth.SignInLinkTTL + 25*time.Hour)
	if n, err := s.Prune(ctx); err != nil || n != 1 {
		t.Errorf("Prune a day after expiry: %d %v, want 1", n, err)
	}
}
