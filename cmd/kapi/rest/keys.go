package rest

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"

	"github.com/kapi-project/kapi/auth"
	"github.com/kapi-project/kapi/cmd/kapi/wire"
)

// listKeys is GET /api/v1/keys: the keys of the caller's account.
func (s *Server) listKeys(c *gin.Context) error {
	keys, err := s.keys.List(c.Request.Context(), principal(c).AccountID)
	if err != nil {
		return err
	}
	out := make([]wire.Key, len(keys))
	for i, k := range keys {
		out[i] = wire.NewKey(k)
	}
	respond(c, http.StatusOK, out, nil)
	return nil
}

// createKeyRequest is the body of POST /api/v1/keys; every field is optional.
type createKeyRequest struct {
	Name              string     `json:"name"`
	Env               string     `json:"env"`
	Scopes            []string   `json:"scopes"`
	AllowedCategories []string   `json:"allowed_categories"`
	ExpiresAt         *time.Time `json:"expires_at"`
}

// createKey is POST /api/v1/keys: a new key for the caller's account, which can
// hold no scope, environment or category the calling key lacks.
func (s *Server) createKey(c *gin.Context) error {
	var in createKeyRequest
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	spec, err := keySpec(principal(c), in, s.now())
	if err != nil {
		return err
	}
	created, err := s.keys.Create(c.Request.Context(), spec)
	if err != nil {
		return keyError(err)
	}
	dto := wire.NewKey(created.Key)
	dto.Key = created.Secret
	respond(c, http.StatusCreated, dto, nil)
	return nil
}

// keySpec checks a create request against the calling key: no privilege can be
// gained by creating a key.
func keySpec(p auth.Principal, in createKeyRequest, now time.Time) (auth.KeySpec, error) {
	spec := auth.KeySpec{AccountID: p.AccountID, Name: in.Name, Env: auth.Env(in.Env),
		Scopes: in.Scopes, AllowedCategories: in.AllowedCategories, ExpiresAt: in.ExpiresAt}
	if spec.Env == "" {
		spec.Env = p.Env
	}
	if !spec.Env.Valid() {
		return spec, validationError("env", "env must be live or test", nil)
	}
	if len([]rune(spec.Name)) > maxKeyName {
		return spec, validationError("name", fmt.Sprintf("name must be at most %d characters", maxKeyName), nil)
	}
	for _, sc := range spec.Scopes {
		if !auth.ValidScope(sc) {
			return spec, validationError("scopes", fmt.Sprintf("unknown scope %q", sc),
				map[string]any{"valid": append(auth.KnownScopes(), "*", "<resource>:*")})
		}
	}
	for _, cat := range spec.AllowedCategories {
		if !auth.ValidCategory(cat) {
			return spec, validationError("allowed_categories",
				fmt.Sprintf("category %q must be 1 to 100 of a-z, 0-9 and _", cat), nil)
		}
	}
	if spec.ExpiresAt != nil && !spec.ExpiresAt.After(now) {
		return spec, validationError("expires_at", "expires_at must be in the future", nil)
	}
	return spec, grantable(p, spec.Env, orDefaultScopes(spec.Scopes), spec.AllowedCategories)
}

// grantable refuses a key (created or rotated) that could do more than the
// calling key: a live key from a test key, a scope the caller lacks, or wider
// categories than the caller's.
func grantable(p auth.Principal, env auth.Env, scopes, categories []string) error {
	if p.Env == auth.EnvTest && env == auth.EnvLive {
		return validationError("env", "a test key can create only test keys", nil)
	}
	for _, sc := range scopes {
		if err := p.RequireScope(sc); err != nil {
			return admissionError(err, "")
		}
	}
	if p.AllowedCategories != nil && !subset(categories, p.AllowedCategories) {
		return validationError("allowed_categories", "allowed_categories must be a subset of the calling key's", nil)
	}
	return nil
}

func orDefaultScopes(scopes []string) []string {
	if len(scopes) == 0 {
		return auth.DefaultScopes()
	}
	return scopes
}

// subset reports whether every element of a is in b; a nil a (every category) is
// not a subset of a restricted b.
func subset(a, b []string) bool {
	if a == nil {
		return false
	}
	in := make(map[string]bool, len(b))
	for _, x := range b {
		in[x] = true
	}
	for _, x := range a {
		if !in[x] {
			return false
		}
	}
	return true
}

// revokeKey is DELETE /api/v1/keys/{id}: revoke a key of the caller's account.
func (s *Server) revokeKey(c *gin.Context) error {
	id, err := keyParam(c)
	if err != nil {
		return err
	}
	key, err := s.keys.Revoke(c.Request.Context(), principal(c).AccountID, id)
	if err != nil {
		return keyError(err)
	}
	respond(c, http.StatusOK, wire.NewKey(key), nil)
	return nil
}

// rotateRequest is the optional body of POST /api/v1/keys/{id}/rotate.
type rotateRequest struct {
	// Grace is how long the old key keeps working, as a Go duration ("24h");
	// empty: until it is revoked.
	Grace string `json:"grace"`
}

// maxKeyName is the longest key name, in characters.
const maxKeyName = 200

// maxGrace bounds a rotation's grace period.
const maxGrace = 90 * 24 * time.Hour

// rotateKey is POST /api/v1/keys/{id}/rotate: a successor key, with the old one
// valid until revoked or until the grace period ends. The caller must hold every
// scope of the key it rotates, so rotation cannot widen its access.
func (s *Server) rotateKey(c *gin.Context) error {
	id, err := keyParam(c)
	if err != nil {
		return err
	}
	var in rotateRequest
	if c.Request.ContentLength != 0 {
		if err := bindJSON(c, &in); err != nil {
			return err
		}
	}
	grace, err := parseGrace(in.Grace)
	if err != nil {
		return err
	}
	old, err := s.keys.Get(c.Request.Context(), principal(c).AccountID, id)
	if err != nil {
		return keyError(err)
	}
	if err := grantable(principal(c), old.Env, old.Scopes, old.AllowedCategories); err != nil {
		return err
	}
	created, err := s.keys.Rotate(c.Request.Context(), principal(c).AccountID, id, grace)
	if err != nil {
		return keyError(err)
	}
	dto := wire.NewKey(created.Key)
	dto.Key = created.Secret
	respond(c, http.StatusCreated, dto, nil)
	return nil
}

func parseGrace(v string) (time.Duration, error) {
	if v == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 || d > maxGrace {
		return 0, validationError("grace", fmt.Sprintf("grace must be a duration from 0s to %s, such as 24h", maxGrace), nil)
	}
	return d, nil
}

// keyParam reads the {id} of a key route; a malformed id names no visible key.
func keyParam(c *gin.Context) (uuid.UUID, error) {
	id, err := uuid.Parse(c.Param("id"))
	if err != nil {
		return uuid.Nil, apiError(wire.CodeNotFound, "No such key.", nil)
	}
	return id, nil
}

// keyError gives key-management failures their messages.
func keyError(err error) error {
	switch {
	case errors.Is(err, auth.ErrNotFound):
		return apiError(wire.CodeNotFound, "No such key.", nil)
	case errors.Is(err, auth.ErrKeyRevoked):
		return validationError("id", "the key is revoked; create a new key instead", nil)
	case errors.Is(err, auth.ErrInvalid):
		return validationError("body", "the key request is not valid", nil)
	}
	return err
}
