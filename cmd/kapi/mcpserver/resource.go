package mcpserver

import (
	"net/http"

	"github.com/modelcontextprotocol/go-sdk/auth"
	"github.com/modelcontextprotocol/go-sdk/oauthex"
)

// ResourceMetadata serves the MCP endpoint's protected resource metadata
// (RFC 9728) with the SDK's handler: resource is the endpoint's URL, issuer
// the authorization server (kapi itself), scopes those it grants.
func ResourceMetadata(resource, issuer string, scopes []string) http.Handler {
	return auth.ProtectedResourceMetadataHandler(&oauthex.ProtectedResourceMetadata{
		Resource: resource, AuthorizationServers: []string{issuer}, ScopesSupported: scopes,
		BearerMethodsSupported: []string{"header"}, ResourceName: "kapi",
	})
}
