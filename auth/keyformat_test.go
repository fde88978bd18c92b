package auth

import (
	"errors"
	"strings"
	"testing"
)

func TestParseKey(t *testing.T) {
	t.Parallel()
	secret := strings.Repeat("A", 24)
	tests := []struct {
		name    string
		key     string
		wantErr error
		wantEnv Env
	}{
		{"live", "pg_live_a1b2c3d4_" + secret, nil, EnvLive},
		{"test", "pg_test_a1b2c3d4_" + secret, nil, EnvTest},
		{"empty", "", ErrMalformedKey, ""},
		{"other env", "pg_prod_a1b2c3d4_" + secret, ErrMalformedKey, ""},
		{"short id", "pg_live_a1b2c3_" + secret + "xx", ErrMalformedKey, ""},
		{"short secret", "pg_live_a1b2c3d4_" + secret[:23], ErrMalformedKey, ""},
		{"long secret", "pg_live_a1b2c3d4_" + secret + "A", ErrMalformedKey, ""},
		{"non-base62 id", "pg_live_a1b2-3d4_" + secret, ErrMalformedKey, ""},
		{"non-base62 secret", "pg_live_a1b2c3d4_" + secret[:23] + "/", ErrMalformedKey, ""},
		{"missing separator", "pg_live_a1b2c3d4x" + secret, ErrMalformedKey, ""},
		{"unicode", "pg_live_a1b2c3d4_" + strings.Repeat("é", 12), ErrMalformedKey, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseKey(tt.key)
			if !errors.Is(err, tt.wantErr) || got.Env != tt.wantEnv {
				t.Errorf("got %v %v, want %v %v", got.Env, err, tt.wantEnv, tt.wantErr)
			}
			if err != nil && tt.key != "" && strings.Contains(err.Error(), tt.key) {
				t.Errorf("error shows the key: %v", err)
			}
		})
	}
}

func TestGenerateKey(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for _, env := range []Env{EnvLive, EnvTest} {
		for range 100 {
			full, parsed, err := GenerateKey(env)
			if err != nil {
				t.Fatal(err)
			}
			back, err := ParseKey(full)
			if err != nil || back != parsed || back.Env != env {
				t.Fatalf("GenerateKey(%s) = %q does not parse back: %v", env, full, err)
			}
			if seen[parsed.KeyID] {
				t.Fatalf("key id %s repeated", parsed.KeyID)
			}
			seen[parsed.KeyID] = true
			if got, want := parsed.Prefix(), full[:17]+"…"; got != want {
				t.Errorf("prefix: got %q, want %q", got, want)
			}
		}
	}
	if _, _, err := GenerateKey("prod"); !errors.Is(err, ErrInvalid) {
		t.Errorf("GenerateKey(prod): got %v, want ErrInvalid", err)
	}
}

func TestScopes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		granted  string
		required string
		want     bool
	}{
		{"knowledge:read", "knowledge:read", true},
		{"knowledge:read", "knowledge:write", false},
		{"knowledge:*", "knowledge:write", true},
		{"knowledge:*", "feeds:read", false},
		{"*", "keys:write", true},
		{"feeds:read usage:read", "usage:read", true},
		{"", "usage:read", false},
		{"knowledge:read", "knowledge:*", false},
		{"knowledge:*", "knowledge:*", true},
		{"keys:*", "*", false},
		{"*", "*", true},
	}
	for _, tt := range tests {
		if got := ScopesAllow(ParseScopes(tt.granted), tt.required); got != tt.want {
			t.Errorf("ScopesAllow(%q, %q): got %v, want %v", tt.granted, tt.required, got, tt.want)
		}
	}
	for _, s := range []string{"*", "knowledge:*", "keys:write", "usage:read"} {
		if !ValidScope(s) {
			t.Errorf("ValidScope(%q): got false", s)
		}
	}
	for _, s := range []string{"", "admin", "knowledge", "knowledge:delete", "*:read", "bogus:*"} {
		if ValidScope(s) {
			t.Errorf("ValidScope(%q): got true", s)
		}
	}
	if err := ValidateScopes(nil); !errors.Is(err, ErrInvalid) {
		t.Errorf("ValidateScopes(nil): got %v", err)
	}
}
