package oauthserver

import "net/http"

// link is where a one-time sign-in link (kapi accounts sign-in-link) lands
// when opened directly: it says how to use it, and spends nothing (a link is
// spent only by the sign-in page it is pasted into, so a preview or a
// prefetch cannot use it up).
func (s *Server) link(w http.ResponseWriter, r *http.Request) {
	render(w, http.StatusOK, "message", page{Title: "Your kapi sign-in link",
		Message: "Connect kapi in your agent (as a custom MCP connector); when kapi's sign-in page opens, " +
			"paste this whole link where it asks for an API key or sign-in link. It works once, within 15 minutes of being made."})
}
