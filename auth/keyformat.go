package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"fmt"
)

// Key format (API.md §1): pg_<env>_<8-char base62 key id>_<24-char base62 secret>.
const (
	keyIDLen     = 8
	secretLen    = 24
	base62       = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	livePrefix   = "pg_live_"
	testPrefix   = "pg_test_"
	envPrefixLen = len(livePrefix) // both prefixes are 8 bytes
	keyLen       = envPrefixLen + keyIDLen + 1 + secretLen
)

// KeyShape is the expected shape of a key, safe to show in an error message.
const KeyShape = "pg_live_<8 base62 chars>_<24 base62 chars> (or pg_test_...)"

// ParsedKey is a key split into its parts. The secret is held only as long as
// verification needs it.
type ParsedKey struct {
	Env    Env
	KeyID  string
	secret string
}

// SecretHash is the SHA-256 of the key's secret, as stored.
func (k ParsedKey) SecretHash() [32]byte { return sha256.Sum256([]byte(k.secret)) }

// Prefix is the key's display form, pg_live_a1b2c3d4_…
func (k ParsedKey) Prefix() string { return displayPrefix(k.Env, k.KeyID) }

// ParseKey checks the shape of a key without touching any store. It returns
// ErrMalformedKey when the shape is wrong; the error never contains the key.
func ParseKey(key string) (ParsedKey, error) {
	if len(key) != keyLen || key[envPrefixLen+keyIDLen] != '_' {
		return ParsedKey{}, ErrMalformedKey
	}
	var env Env
	switch key[:envPrefixLen] {
	case livePrefix:
		env = EnvLive
	case testPrefix:
		env = EnvTest
	default:
		return ParsedKey{}, ErrMalformedKey
	}
	id, secret := key[envPrefixLen:envPrefixLen+keyIDLen], key[envPrefixLen+keyIDLen+1:]
	if !isBase62(id) || !isBase62(secret) {
		return ParsedKey{}, ErrMalformedKey
	}
	return ParsedKey{Env: env, KeyID: id, secret: secret}, nil
}

// GenerateKey makes a new key for env from crypto/rand and returns the full key
// (to show once) and its parsed parts. It returns an error wrapping ErrInvalid for
// an unknown env.
func GenerateKey(env Env) (string, ParsedKey, error) {
	if !env.Valid() {
		return "", ParsedKey{}, fmt.Errorf("%w: env must be live or test, got %q", ErrInvalid, env)
	}
	id, secret := randomBase62(keyIDLen), randomBase62(secretLen)
	full := "pg_" + string(env) + "_" + id + "_" + secret
	return full, ParsedKey{Env: env, KeyID: id, secret: secret}, nil
}

func displayPrefix(env Env, keyID string) string {
	return "pg_" + string(env) + "_" + keyID + "_…"
}

// randomBase62 draws n uniform base62 characters (rejection sampling, no modulo
// bias). crypto/rand.Read never fails.
func randomBase62(n int) string {
	out := make([]byte, 0, n)
	buf := make([]byte, n*2)
	for len(out) < n {
		rand.Read(buf)
		for _, b := range buf {
			if b < 248 && len(out) < n { // 248 = 4*62
				out = append(out, base62[b%62])
			}
		}
	}
	return string(out)
}

func isBase62(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z') {
			return false
		}
	}
	return true
}
