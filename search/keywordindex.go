package search

import (
	"cmp"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// Ingest indexes the entry versions it writes for the keyword leg itself, in
// its transaction (006_keyword_fragments.sql): their tsvectors come back from
// the upsert (in binary), and the postings, the document frequencies and the
// feed's totals are computed here, per batch, rather than row by row in SQL.
// Then two round trips: lock the feed's statistics and read the counters of
// the batch's lexemes (locked in lexeme order), then write the counters, one
// new postings row per lexeme, and the merges of the tails that reached their
// bounds.

// Tail bounds (006_keyword_fragments.sql): a lexeme's tail is merged when it
// holds sealPostings postings or maxTailRows rows, into rows of sealPostings,
// which are sealed, and one shorter row, sealed too when it holds at least
// half as many: sealing it then saves rewriting it at the next batch.
// (Measured on 500-entry batches, BenchmarkIngest/without-hnsw: a lexeme with
// 29 postings a batch merged 232 postings at its eighth row and again one
// batch later to seal them, so each posting was written about three times;
// now twice, and a batch writes 8% less WAL.) A sealed row holds from
// sealPostings/2 to sealPostings postings; readers do not depend on the size.
const (
	sealPostings = 256
	maxTailRows  = 8
)

// entryVersion is a newly written entry version: its doc_no and the terms and
// length of its tsvector (parseTSVector).
type entryVersion struct {
	doc    int64
	terms  []termTF
	length int64
}

// lexemePostings are a batch's postings of one lexeme, in doc_no order.
type lexemePostings struct {
	lexeme       string
	docs, packed []byte
	n            int64
}

// batchPostings turns versions into postings per lexeme (sorted by lexeme) and
// the versions' total length.
func batchPostings(versions []entryVersion) ([]lexemePostings, int64) {
	slices.SortFunc(versions, func(a, b entryVersion) int { return cmp.Compare(a.doc, b.doc) })
	// One map lookup per term: the first pass numbers the lexemes and keeps
	// each term's number, which the second pass appends under.
	number := map[string]int32{}
	var out []lexemePostings
	var total int64
	for _, v := range versions {
		total += v.length
		for k, t := range v.terms {
			n, ok := number[t.lexeme]
			if !ok {
				n = int32(len(out))
				number[t.lexeme] = n
				out = append(out, lexemePostings{lexeme: t.lexeme})
			}
			out[n].n++
			v.terms[k].at = n
		}
	}
	for i := range out {
		out[i].docs, out[i].packed = make([]byte, 0, 8*out[i].n), make([]byte, 0, 8*out[i].n)
	}
	for _, v := range versions {
		for _, t := range v.terms {
			p := &out[t.at]
			p.docs = binary.BigEndian.AppendUint64(p.docs, uint64(v.doc))
			p.packed = binary.BigEndian.AppendUint64(p.packed, uint64(t.tf.pack(v.length)))
		}
	}
	slices.SortFunc(out, func(a, b lexemePostings) int { return strings.Compare(a.lexeme, b.lexeme) })
	return out, total
}

// fieldTF counts a lexeme's positions per field: tsvector weight A is the
// title, B the tags, the rest the content (001_schema.sql).
type fieldTF struct{ title, tags, content int64 }

// pack is the packed value of a posting (003_keyword.sql): tf per field in 9
// bits each, then the entry's length in the low 32.
func (f fieldTF) pack(length int64) int64 {
	return f.title<<50 | f.tags<<41 | f.content<<32 | length
}

type termTF struct {
	lexeme string
	tf     fieldTF
	at     int32 // the lexeme's number in a batch (batchPostings)
}

// parseTSVector reads a tsvector in Postgres's binary format (tsvectorsend,
// big-endian: the number of lexemes, then each lexeme's text ending in a zero
// byte, its number of positions and the positions, 16 bits each with the
// weight in the top two: 3 A, 2 B, 1 C, 0 D) into each lexeme's position
// counts per field, and the total number of positions. The binary form costs
// both sides less than the text one (quoted lexemes, decimal positions).
func parseTSVector(raw []byte) ([]termTF, int64, error) {
	if len(raw) < 4 {
		return nil, 0, errors.New("tsvector: no lexeme count")
	}
	// One string for the whole value: the lexemes are slices of it.
	s := string(raw[4:])
	n := binary.BigEndian.Uint32(raw)
	// A lexeme takes at least 4 bytes (a character, the zero, the count).
	out := make([]termTF, 0, min(int(n), len(s)/4))
	var total int64
	i := 0
	for uint32(len(out)) < n {
		end := strings.IndexByte(s[i:], 0)
		if end < 0 || i+end+3 > len(s) {
			return nil, 0, fmt.Errorf("tsvector: lexeme %d of %d is cut short", len(out)+1, n)
		}
		lexeme := s[i : i+end]
		i += end + 1
		positions := int(s[i])<<8 | int(s[i+1])
		i += 2
		if i+2*positions > len(s) {
			return nil, 0, fmt.Errorf("tsvector: the positions of %q are cut short", lexeme)
		}
		var tf fieldTF
		for k := range positions {
			switch s[i+2*k] >> 6 { // the weight: the top two bits of the first byte
			case 3:
				tf.title++
			case 2:
				tf.tags++
			default:
				tf.content++
			}
		}
		i += 2 * positions
		total += int64(positions)
		out = append(out, termTF{lexeme: lexeme, tf: tf})
	}
	if i != len(s) {
		return nil, 0, fmt.Errorf("tsvector: %d bytes after its %d lexemes", len(s)-i, n)
	}
	return out, total, nil
}

const (
	// lockKeywordStatsSQL adds the batch's versions to the feed's totals,
	// which locks the feed's statistics row first.
	lockKeywordStatsSQL = `
INSERT INTO keyword_feed_stats AS s (feed_id, doc_count, total_length) VALUES ($1, $2, $3)
ON CONFLICT (feed_id) DO UPDATE SET doc_count = s.doc_count + excluded.doc_count,
                                    total_length = s.total_length + excluded.total_length`

	lockKeywordTermsSQL = `
SELECT lexeme, postings, tail_first, tail_rows FROM keyword_terms
WHERE feed_id = $1 AND lexeme = ANY($2) ORDER BY lexeme FOR UPDATE`

	// writeKeywordTermsSQL sets each lexeme's counters: df grows by the new
	// versions holding it; postings, tail_first and tail_rows are the values
	// after the batch.
	writeKeywordTermsSQL = `
INSERT INTO keyword_terms AS t (feed_id, lexeme, df, postings, tail_first, tail_rows)
SELECT $1, x.lexeme, x.n, x.postings, x.tail_first, x.tail_rows
FROM unnest($2::text[], $3::bigint[], $4::bigint[], $5::bigint[], $6::int[]) AS x (lexeme, n, postings, tail_first, tail_rows)
ON CONFLICT (feed_id, lexeme) DO UPDATE SET df = t.df + excluded.df, postings = excluded.postings,
    tail_first = excluded.tail_first, tail_rows = excluded.tail_rows`

	insertPostingsSQL = `
INSERT INTO keyword_postings (feed_id, lexeme, first, docs, packed)
SELECT $1, x.lexeme, x.first, x.docs, x.packed
FROM unnest($2::text[], $3::bigint[], $4::bytea[], $5::bytea[]) AS x (lexeme, first, docs, packed)`

	// mergeTailsSQL replaces the rows of each lexeme $2 from posting $3 on
	// with their concatenation, in order, cut into rows of 256 postings
	// (2,048 bytes a column: a row stays in its heap page, STORAGE PLAIN).
	mergeTailsSQL = `
WITH gone AS (
    DELETE FROM keyword_postings p
    USING unnest($2::text[], $3::bigint[]) AS m (lexeme, from_posting)
    WHERE p.feed_id = $1 AND p.lexeme = m.lexeme AND p.first >= m.from_posting
    RETURNING p.lexeme, p.first, p.docs, p.packed
), whole AS (
    SELECT lexeme, min(first) AS first,
           string_agg(docs, ''::bytea ORDER BY first) AS docs, string_agg(packed, ''::bytea ORDER BY first) AS packed
    FROM gone GROUP BY lexeme
)
INSERT INTO keyword_postings (feed_id, lexeme, first, docs, packed)
SELECT $1, w.lexeme, w.first + c * 256, substring(w.docs FROM c * 2048 + 1 FOR 2048),
       substring(w.packed FROM c * 2048 + 1 FOR 2048)
FROM whole w, generate_series(0, (length(w.docs) / 8 - 1) / 256) AS c`
)

// termCounters are a lexeme's keyword_terms counters.
type termCounters struct {
	postings, tailFirst int64
	tailRows            int32
}

// keywordBatch is what the entry versions of a batch add to the keyword
// index: their number, total length and postings per lexeme.
type keywordBatch struct {
	docs, length int64
	lists        []lexemePostings
}

func newKeywordBatch(versions []entryVersion) keywordBatch {
	lists, length := batchPostings(versions)
	return keywordBatch{int64(len(versions)), length, lists}
}

// indexKeywords adds k, from the entry versions a batch wrote into feed, to
// the keyword statistics and postings, in tx.
func indexKeywords(ctx context.Context, tx pgx.Tx, feed uuid.UUID, k keywordBatch) error {
	if k.docs == 0 {
		return nil
	}
	old, err := lockTerms(ctx, tx, feed, k.docs, k.length, k.lists)
	if err != nil {
		return fmt.Errorf("index keywords: %w", err)
	}
	if err := writeTerms(ctx, tx, feed, k.lists, old); err != nil {
		return fmt.Errorf("index keywords: %w", err)
	}
	return nil
}

// lockTerms adds the batch to the feed's totals and reads the counters of its
// lexemes, locking both.
func lockTerms(ctx context.Context, tx pgx.Tx, feed uuid.UUID, docs, length int64, lists []lexemePostings) (map[string]termCounters, error) {
	lexemes := make([]string, len(lists))
	for i, l := range lists {
		lexemes[i] = l.lexeme
	}
	b := &pgx.Batch{}
	b.Queue(lockKeywordStatsSQL, feed, docs, length)
	b.Queue(lockKeywordTermsSQL, feed, lexemes)
	br := tx.SendBatch(ctx, b)
	defer br.Close()
	if _, err := br.Exec(); err != nil {
		return nil, err
	}
	rows, err := br.Query()
	if err != nil {
		return nil, err
	}
	old := make(map[string]termCounters, len(lists))
	var lexeme string
	var c termCounters
	_, err = pgx.ForEachRow(rows, []any{&lexeme, &c.postings, &c.tailFirst, &c.tailRows}, func() error {
		old[lexeme] = c
		return nil
	})
	if err != nil {
		return nil, err
	}
	return old, br.Close()
}

// writeTerms writes the counters after the batch, the batch's postings rows
// of each lexeme, and the merges.
func writeTerms(ctx context.Context, tx pgx.Tx, feed uuid.UUID, lists []lexemePostings, old map[string]termCounters) error {
	var t struct {
		lexemes         []string
		n, postings, tf []int64
		tr              []int32
		rowLexemes      []string
		first           []int64
		docs, packed    [][]byte
		mergeL          []string
		mergeFrom       []int64
	}
	for _, l := range lists {
		c := old[l.lexeme]
		next, merge := c.after(l.n)
		t.lexemes, t.n, t.postings = append(t.lexemes, l.lexeme), append(t.n, l.n), append(t.postings, next.postings)
		t.tf, t.tr = append(t.tf, next.tailFirst), append(t.tr, next.tailRows)
		for k := int64(0); k < l.n; k += sealPostings {
			end := 8 * min(l.n, k+sealPostings)
			t.rowLexemes, t.first = append(t.rowLexemes, l.lexeme), append(t.first, c.postings+k)
			t.docs, t.packed = append(t.docs, l.docs[8*k:end]), append(t.packed, l.packed[8*k:end])
		}
		if merge {
			t.mergeL, t.mergeFrom = append(t.mergeL, l.lexeme), append(t.mergeFrom, c.tailFirst)
		}
	}
	b := &pgx.Batch{}
	b.Queue(writeKeywordTermsSQL, feed, t.lexemes, t.n, t.postings, t.tf, t.tr)
	b.Queue(insertPostingsSQL, feed, t.rowLexemes, t.first, t.docs, t.packed)
	if len(t.mergeL) > 0 {
		b.Queue(mergeTailsSQL, feed, t.mergeL, t.mergeFrom)
	}
	return tx.SendBatch(ctx, b).Close()
}

// after returns the counters once n postings are appended as new rows of at
// most sealPostings each, and whether the tail (the new rows included) is to
// be merged. A merged tail is rows of sealPostings (sealed) and at most one
// shorter row, sealed when it holds sealPostings/2 or more, else the new
// tail. When the tail was empty the new rows have that shape already.
func (c termCounters) after(n int64) (termCounters, bool) {
	rows := int32((n + sealPostings - 1) / sealPostings)
	next := termCounters{postings: c.postings + n, tailFirst: c.tailFirst, tailRows: c.tailRows + rows}
	tail := next.postings - c.tailFirst
	if tail < sealPostings && next.tailRows < maxTailRows {
		return next, false
	}
	next.tailFirst = c.tailFirst + tail/sealPostings*sealPostings
	next.tailRows = 0
	if rest := tail % sealPostings; rest >= sealPostings/2 {
		next.tailFirst = next.postings
	} else if rest != 0 {
		next.tailRows = 1
	}
	return next, c.tailRows > 0
}
