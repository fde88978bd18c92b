package rest

import (
	_ "embed"
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"
	"sigs.k8s.io/yaml"
)

// openapiYAML is the API description, docs/openapi.yaml. The file lives here
// because go:embed reaches only into its own package's directory and will not
// follow a symlink; docs/openapi.yaml is a symlink to it, so there is one copy
// to edit. TestOpenAPIDocument fails if the two ever differ, and the contract
// tests validate every HTTP scenario's response against it.
//
//go:embed openapi.yaml
var openapiYAML []byte

// openapiJSON converts the embedded description to JSON, once at start-up. The
// document is a build input checked by the tests, so a failure here is a bug in
// the binary.
func openapiJSON() []byte {
	b, err := yaml.YAMLToJSON(openapiYAML)
	if err != nil {
		panic(fmt.Sprintf("rest: embedded openapi.yaml is not valid YAML: %v", err))
	}
	return b
}

// openapi answers GET /api/v1/openapi.json (public): the API description.
func (s *Server) openapi(c *gin.Context) error {
	c.Data(http.StatusOK, "application/json; charset=utf-8", s.openapiDoc)
	return nil
}
