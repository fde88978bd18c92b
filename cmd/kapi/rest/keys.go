package rest

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/kapi-project/kapi/cmd/kapi/api"
)

// listKeys is GET /api/v1/keys: the keys of the caller's account.
func (s *Server) listKeys(c *gin.Context) error {
	keys, err := s.api.ListKeys(c.Request.Context(), principal(c))
	if err != nil {
		return err
	}
	respond(c, http.StatusOK, reply{data: keys})
	return nil
}

// createKey is POST /api/v1/keys: a new key for the caller's account, which can
// hold no scope, environment or category the calling key lacks.
func (s *Server) createKey(c *gin.Context) error {
	var args api.KeyArgs
	if err := bindJSON(c, &args); err != nil {
		return err
	}
	key, err := s.api.CreateKey(c.Request.Context(), principal(c), args)
	if err != nil {
		return err
	}
	respond(c, http.StatusCreated, reply{data: key})
	return nil
}

// revokeKey is DELETE /api/v1/keys/{id}: revoke a key of the caller's account.
func (s *Server) revokeKey(c *gin.Context) error {
	key, err := s.api.RevokeKey(c.Request.Context(), principal(c), c.Param("id"))
	if err != nil {
		return err
	}
	respond(c, http.StatusOK, reply{data: key})
	return nil
}

// rotateRequest is the optional body of POST /api/v1/keys/{id}/rotate.
type rotateRequest struct {
	// Grace is how long the old key keeps working, as a Go duration ("24h");
	// empty: until it is revoked.
	Grace string `json:"grace"`
}

// rotateKey is POST /api/v1/keys/{id}/rotate: a successor key, with the old one
// valid until revoked or until the grace period ends. The caller must hold every
// scope of the key it rotates, so rotation cannot widen its access.
func (s *Server) rotateKey(c *gin.Context) error {
	var in rotateRequest
	if c.Request.ContentLength != 0 {
		if err := bindJSON(c, &in); err != nil {
			return err
		}
	}
	key, err := s.api.RotateKey(c.Request.Context(), principal(c), c.Param("id"), in.Grace)
	if err != nil {
		return err
	}
	respond(c, http.StatusCreated, reply{data: key})
	return nil
}
