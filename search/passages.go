package search

import (
	"context"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/pgvector/pgvector-go"

	"github.com/kapi-project/kapi/embed"
)

// An entry is embedded as passages: its title plus consecutive windows of its
// content, each sized so the title and the window fit the model's input. The
// semantic leg scores an entry by its passages (see semantic.go), and a
// highlight shows one of them (highlight.go).

// window is a passage's span of an entry's content, in Unicode code points
// (0-based, end exclusive), the unit Postgres's substr and length count in.
type window struct{ start, end int }

// passage is one embedded window of an entry.
type passage struct {
	ordinal int // 1-based
	window
	vec pgvector.HalfVector
}

// tokenCounter is what the splitter needs of a model: the number of tokens a
// text is read as, and the most tokens the model reads.
type tokenCounter interface {
	CountTokens(text string) int
	MaxTokens() int
}

// sizer measures text for window splitting: budget tokens per passage (title
// included), overlap tokens repeated from the previous window's end, and
// count, the tokens of one word.
type sizer struct {
	budget, overlap int
	count           func(word string) int
	estimated       bool // count is estimateTokens
}

// newSizer sizes passages for e's embedder: with its tokenizer when it has one
// (found through Unwrap, past caches and wrappers), else with an estimate.
func (e *Engine) newSizer() sizer {
	var inner any = e.embedder
	for {
		if tc, ok := inner.(tokenCounter); ok {
			budget := tc.MaxTokens()
			if e.opts.PassageTokens > 0 {
				budget = min(budget, e.opts.PassageTokens)
			}
			return sizer{budget: budget, overlap: e.opts.PassageOverlap, count: tc.CountTokens}
		}
		u, ok := inner.(interface{ Unwrap() embed.Embedder })
		if !ok {
			break
		}
		inner = u.Unwrap()
	}
	budget := uncountedPassageTokens
	if e.opts.PassageTokens > 0 {
		budget = e.opts.PassageTokens
	}
	return sizer{budget: budget, overlap: e.opts.PassageOverlap, count: estimateTokens, estimated: true}
}

// estimateTokens guesses a word's tokens for a model without a tokenizer here
// (Gemini): about one token per four characters, at least one.
func estimateTokens(word string) int { return 1 + utf8.RuneCountInString(word)/4 }

// word is a run of non-space characters of a content, with its tokens.
type word struct {
	start, end   int // code points
	tokens       int
	endsSentence bool // ends with . ! or ?, perhaps before closing quotes or brackets
}

// words splits content at white space.
func words(content string, count func(string) int) []word {
	out := make([]word, 0, len(content)/6+1) // about one word per six bytes of English
	eachWord(content, func(start, end int, text string) {
		out = append(out, word{start, end, max(1, count(text)), endsSentence(text)})
	})
	return out
}

// eachWord calls f with each run of non-space characters of content: its
// start and end in code points, and its text.
func eachWord(content string, f func(start, end int, text string)) {
	start, at, byteStart := -1, 0, 0
	for i, r := range content {
		if isSpace(r) {
			if start >= 0 {
				f(start, at, content[byteStart:i])
				start = -1
			}
		} else if start < 0 {
			start, byteStart = at, i
		}
		at++
	}
	if start >= 0 {
		f(start, at, content[byteStart:])
	}
}

// isSpace is unicode.IsSpace, with the ASCII test first: most text is ASCII.
func isSpace(r rune) bool {
	if r < utf8.RuneSelf {
		return r == ' ' || '\t' <= r && r <= '\r'
	}
	return unicode.IsSpace(r)
}

// endsSentence reports whether a word ends a sentence: its last character
// before any closing quotes and brackets is a full stop, ! or ?.
func endsSentence(w string) bool {
	if c := w[len(w)-1]; c < utf8.RuneSelf && c != '.' && c != '!' && c != '?' && !strings.ContainsRune(`"')]}`, rune(c)) {
		return false // the common case, decided by the last byte
	}
	w = strings.TrimRight(w, `"')]}»”’`)
	return strings.HasSuffix(w, ".") || strings.HasSuffix(w, "!") || strings.HasSuffix(w, "?")
}

// minWindowTokens is the least room a window gets however long the title:
// a title longer than the budget leaves the model only its start anyway.
const minWindowTokens = 16

// splitWindows cuts content into consecutive windows of whole words, each at
// most s.budget tokens together with the title (a single longer word is a
// window of its own), the next starting s.overlap tokens before the previous
// one's end (but always after its start). A window that has to be cut ends
// at its last sentence end when that leaves it at least half full, so a
// sentence is whole in one passage (and in a highlight). Empty content gives
// one empty window: the passage is the title alone.
func splitWindows(title, content string, s sizer) []window {
	room := s.budget
	if title != "" {
		room -= s.count(title) + 1 // the ". " DocumentText joins with
	}
	room = max(room, minWindowTokens)
	if s.estimated {
		if w, ok := oneWindow(content, room); ok {
			return []window{w}
		}
	}
	ws := words(content, s.count)
	if len(ws) == 0 {
		return []window{{0, 0}}
	}
	var out []window
	for i := 0; i < len(ws); {
		j, used := i, 0
		for j < len(ws) && (j == i || used+ws[j].tokens <= room) {
			used += ws[j].tokens
			j++
		}
		if j < len(ws) {
			j = sentenceCut(ws, i, j, room)
		}
		out = append(out, window{ws[i].start, ws[j-1].end})
		if j == len(ws) {
			break
		}
		next, back := j, 0
		for next-1 > i && back+ws[next-1].tokens <= s.overlap {
			next--
			back += ws[next].tokens
		}
		i = next
	}
	return out
}

// oneWindow returns the window splitWindows makes of a content whose words
// fit room tokens by estimateTokens (from its first word's start to its last
// one's end; {0, 0} for no words), without listing the words: most entries
// are one passage, and the list cost a batch of 500 abstracts 5 ms.
func oneWindow(content string, room int) (window, bool) {
	tokens, first, last := 0, -1, 0
	eachWord(content, func(start, end int, _ string) {
		tokens += 1 + (end-start)/4 // estimateTokens, from the code points counted
		if first < 0 {
			first = start
		}
		last = end
	})
	if first < 0 {
		return window{0, 0}, true
	}
	return window{first, last}, tokens <= room
}

// sentenceCut moves the end j of the window ws[i:j] back to just after its
// last sentence end, when the window keeps at least half of room tokens.
func sentenceCut(ws []word, i, j, room int) int {
	used := 0
	for k := i; k < j; k++ {
		used += ws[k].tokens
	}
	for k := j; k > i+1; k-- {
		if used < room/2 {
			break
		}
		if ws[k-1].endsSentence {
			return k
		}
		used -= ws[k-1].tokens
	}
	return j
}

// runeSlice returns s[start:end] counted in code points.
func runeSlice(s string, w window) string { return codePointsOf(s).slice(w) }

// codePoints is a text to slice by code point offsets (window): directly when
// it is ASCII, where they are byte offsets, else through its code points,
// converted once for all its windows.
type codePoints struct {
	text  string
	runes []rune // nil when text is ASCII
}

func codePointsOf(s string) codePoints {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return codePoints{s, []rune(s)}
		}
	}
	return codePoints{text: s}
}

// slice returns the window w of the text.
func (c codePoints) slice(w window) string {
	if c.runes == nil {
		return c.text[min(w.start, len(c.text)):min(w.end, len(c.text))]
	}
	return string(c.runes[min(w.start, len(c.runes)):min(w.end, len(c.runes))])
}

// passageDoc is the document a window of content embeds as.
func passageDoc(title string, content codePoints, w window) embed.Document {
	return embed.Document{Title: title, Text: content.slice(w)}
}

// reusable maps the document of an entry's stored passage to its vector, so an
// update embeds only the passages whose text changed.
type reusable map[embed.Document]pgvector.HalfVector

// embedPassages splits each entry into windows and embeds them, reusing the
// vector of any identical stored passage. It returns the passages of
// each entry, in order.
func (e *Engine) embedPassages(ctx context.Context, docs []embed.Document, reuse reusable) ([][]passage, error) {
	s := e.newSizer()
	out := make([][]passage, len(docs))
	var todo []embed.Document
	var at [][2]int
	for i, d := range docs {
		content := codePointsOf(d.Text)
		for k, w := range splitWindows(d.Title, d.Text, s) {
			p := passage{ordinal: k + 1, window: w}
			pd := passageDoc(d.Title, content, w)
			if v, ok := reuse[pd]; ok {
				p.vec = v
			} else {
				todo, at = append(todo, pd), append(at, [2]int{i, k})
			}
			out[i] = append(out[i], p)
		}
	}
	if len(todo) == 0 {
		return out, nil
	}
	vecs, err := e.embedder.EmbedDocuments(ctx, todo)
	if err != nil {
		return nil, fmt.Errorf("embed passages: %w", err)
	}
	if len(vecs) != len(todo) {
		return nil, fmt.Errorf("embed passages: got %d vectors for %d passages", len(vecs), len(todo))
	}
	for j, v := range vecs {
		if len(v) > embed.StorageDims {
			return nil, fmt.Errorf("embed passages: %d dimensions, at most %d stored", len(v), embed.StorageDims)
		}
		out[at[j][0]][at[j][1]].vec = pgvector.NewHalfVector(embed.Pad(v))
	}
	return out, nil
}

const storedPassagesSQL = `
SELECT p.entry_id, p.start_char, p.end_char, p.embedding
FROM passages p
WHERE p.feed_id = $1 AND p.entry_id = ANY($2) AND p.model = $3`

// storedPassages returns the reusable vectors of the stored passages of the
// given entries (by id), made by model, keyed by their documents: the stored
// title and content of each entry give the text.
func (e *Engine) storedPassages(ctx context.Context, feedID uuid.UUID, model string, old map[uuid.UUID]embed.Document) (reusable, error) {
	out := reusable{}
	if len(old) == 0 {
		return out, nil
	}
	ids := make([]uuid.UUID, 0, len(old))
	for id := range old {
		ids = append(ids, id)
	}
	rows, err := e.pool.Query(ctx, storedPassagesSQL, feedID, ids, model)
	if err != nil {
		return nil, fmt.Errorf("read stored passages: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id uuid.UUID
		var w window
		var v pgvector.HalfVector
		if err := rows.Scan(&id, &w.start, &w.end, &v); err != nil {
			return nil, fmt.Errorf("read stored passages: %w", err)
		}
		d := old[id]
		out[passageDoc(d.Title, codePointsOf(d.Text), w)] = v
	}
	return out, rows.Err()
}

const (
	deletePassagesSQL = `DELETE FROM passages WHERE feed_id = $1 AND entry_id = ANY($2)`
	deleteMeansSQL    = `DELETE FROM passage_means WHERE feed_id = $1 AND entry_id = ANY($2)`
)

// insertPassagesSQL writes passages with their lexemes, read from the
// entries they belong to (written earlier in the same transaction). The only
// passage of an entry ($8) gets none: the lexemes serve a highlight to choose
// among an entry's passages (011_lean_writes.sql), and parsing the text
// again cost a sixth of a batch's write.
const insertPassagesSQL = `
INSERT INTO passages (feed_id, entry_id, ordinal, start_char, end_char, embedding, model, lexemes)
SELECT $1, x.entry_id, x.ordinal, x.start_char, x.end_char, x.embedding, $2,
       CASE WHEN x.alone THEN '{}'
            ELSE tsvector_to_array(to_tsvector(e.language::regconfig,
                                               substr(e.content, x.start_char + 1, x.end_char - x.start_char)))
       END
FROM unnest($3::uuid[], $4::int[], $5::int[], $6::int[], $7::halfvec[], $8::bool[])
     AS x (entry_id, ordinal, start_char, end_char, embedding, alone)
JOIN entries e ON e.feed_id = $1 AND e.id = x.entry_id`

const insertMeansSQL = `
INSERT INTO passage_means (feed_id, entry_id, model, mean)
SELECT $1, x.entry_id, $2, x.mean FROM unnest($3::uuid[], $4::halfvec[]) AS x (entry_id, mean)`

// writePassages replaces the passages of the entries ids, and their means (in
// tx, so entries and passages change together), with ps, ps[i] belonging to
// ids[i]: one round trip. Only the entries in stored can have passages to
// replace (the others were just inserted).
func writePassages(ctx context.Context, tx pgx.Tx, feedID uuid.UUID, model string, ids []uuid.UUID, ps [][]passage, stored []uuid.UUID) error {
	var cols struct {
		entry          []pgtype.UUID
		ord, from, end []int32
		vec            []pgvector.HalfVector
		alone          []bool
	}
	means := make([]pgvector.HalfVector, len(ids))
	for i, id := range ids {
		for _, p := range ps[i] {
			cols.entry = append(cols.entry, pgtype.UUID{Bytes: id, Valid: true})
			cols.ord = append(cols.ord, int32(p.ordinal))
			cols.from = append(cols.from, int32(p.start))
			cols.end = append(cols.end, int32(p.end))
			cols.vec = append(cols.vec, p.vec)
			cols.alone = append(cols.alone, len(ps[i]) == 1)
		}
		means[i] = meanVector(ps[i])
	}
	b := &pgx.Batch{}
	if len(stored) > 0 {
		old := pgUUIDs(stored)
		b.Queue(deletePassagesSQL, feedID, old)
		b.Queue(deleteMeansSQL, feedID, old)
	}
	entries := pgUUIDs(ids)
	// FlatArray: pgx encodes a slice of a type it does not know through
	// reflection, element by element.
	b.Queue(insertPassagesSQL, feedID, model, cols.entry, cols.ord, cols.from, cols.end,
		pgtype.FlatArray[pgvector.HalfVector](cols.vec), cols.alone)
	b.Queue(insertMeansSQL, feedID, model, entries, pgtype.FlatArray[pgvector.HalfVector](means))
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return fmt.Errorf("store passages: %w", err)
	}
	return nil
}

// pgUUIDs converts ids for a uuid[] parameter: pgx encodes a uuid.UUID through
// its driver.Valuer, as text it then parses again, which for the thousands of
// ids of a batch costs more than the rest of the encoding.
func pgUUIDs(ids []uuid.UUID) []pgtype.UUID {
	out := make([]pgtype.UUID, len(ids))
	for i, id := range ids {
		out[i] = pgtype.UUID{Bytes: id, Valid: true}
	}
	return out
}

// meanVector is the mean of the unit vectors of ps: the query's dot product
// with it is the mean cosine of the query with ps.
func meanVector(ps []passage) pgvector.HalfVector {
	if len(ps) == 1 { // most entries: the values of the loop below, in one pass
		return unit(ps[0].vec)
	}
	var sum []float64
	for _, p := range ps {
		v := p.vec.Slice()
		if sum == nil {
			sum = make([]float64, len(v))
		}
		norm := euclidean(v)
		if norm == 0 {
			continue
		}
		for j, x := range v {
			sum[j] += float64(x) / norm
		}
	}
	out := make([]float32, len(sum))
	for j, x := range sum {
		out[j] = float32(x / float64(len(ps)))
	}
	return pgvector.NewHalfVector(out)
}
