// Package auth owns accounts, tiers, API keys (format, hashing, scopes), the
// per-minute rate limits and the monthly quotas, with the accounts, api_keys and
// usage_counters tables.
//
// It imports nothing of kapi's own packages and nothing of HTTP frameworks:
// callers pass identities in as parameters.
package auth
