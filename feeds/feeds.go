// Package feeds owns feeds, subscriptions and feed-scope resolution (a UUID, a
// slug, "all", or auto-selection), with the feeds and subscriptions tables.
//
// It imports nothing of kapi's own packages and nothing of HTTP frameworks.
package feeds
