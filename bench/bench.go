// Package bench measures kapi: ranking quality on BEIR-format collections and
// load/latency against a running server.
//
// It may import search, embed, migrations, auth, feeds and cmd/kapi/rest (for
// end-to-end load), and nothing imports it but cmd/kapi.
package bench
