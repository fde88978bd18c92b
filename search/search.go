// Package search owns knowledge entries (ingest, list, get, recent, categories,
// stats) and their retrieval: keyword (Postgres full text), semantic (pgvector)
// and hybrid (Reciprocal Rank Fusion). It owns the entries and feed_categories
// tables.
//
// Of kapi's packages it imports only embed; it imports no HTTP framework.
package search
