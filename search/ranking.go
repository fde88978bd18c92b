package search

// This file holds every knob that shapes retrieval: the ones fixed by the API
// contract as constants, the ones an operator or a benchmark may tune as Options
// fields. Change one only with the quality numbers from bench/ before and after.

// Fixed by the API contract (API.md §6).
const (
	// rrfK is the k of Reciprocal Rank Fusion: a hit at 1-based rank r in a leg
	// adds 1/(rrfK + r) to its fused score. Larger k flattens the difference
	// between top and lower ranks. Unit: ranks. Range: > 0; the contract says 60.
	rrfK = 60

	// candidateWindow is the least number of candidates each leg of a hybrid
	// search contributes to fusion; a leg contributes max(offset+limit,
	// candidateWindow). Pages inside the first window (offset+limit <= 50) are
	// fused over identical candidate lists, so they never overlap or skip.
	// Deeper pages fuse longer lists, in which an entry ranked past 50 in both
	// legs can overtake one ranked high in one leg only, so a page past the
	// window may repeat or skip an entry of a page inside it: the price of the
	// contract's max(offset+limit, 50). Unit: rows per leg. Range: >= MaxLimit.
	candidateWindow = 50
)

// Query limits (API.md §4). Search rejects a Query outside them with
// ErrInvalidQuery.
const (
	MaxQueryChars = 1_000 // characters of Query.Text
	MaxLimit      = 50    // Query.Limit is 1..MaxLimit
	MaxFeeds      = 10    // Query.Feeds holds 1..MaxFeeds feeds (fan-out to all)
	// MaxOffset bounds Query.Offset: deeper pages cost index work without
	// adding value, and the keyword leg ranks a bounded set of rows anyway.
	MaxOffset = 1_000
)

// keywordWeights are ts_rank's weights for the tsvector labels {D, C, B, A}:
// title (A) 1.0 above tags (B) 0.4 above content (C) 0.2; D is unused.
// Range: 0..1 each. A function, because a slice cannot be a constant.
func keywordWeights() []float32 { return []float32{0.1, 0.2, 0.4, 1.0} }

// keywordNormalization is ts_rank's normalization bit mask: 1 divides the
// rank by 1 + log(document length), so a long entry does not win just by
// repeating a word; 32 maps the result into [0, 1) as rank/(rank+1), which
// keeps raw_score bounded without changing the order. Range: the bit mask
// documented for ts_rank (0..63). ts_rank rather than ts_rank_cd: at 100,000
// entries it ranked the same rows three times faster (SciFact claims ORed).
const keywordNormalization = 1 | 32

// Options are the tunable retrieval knobs. DefaultOptions gives the values
// kapi ships with; Engine.WithOptions swaps them (benchmarks, tests).
type Options struct {
	// KeywordRowBound caps how many matching rows the keyword leg ranks, per
	// tier (rows matching every term; rows matching an uncommon term; rows
	// matching only common terms: see keywordSQL). Rows are
	// taken in index/heap order, not by score, so a query that matches most of
	// a large feed (common words) costs O(bound) heap fetches and ts_rank
	// calls, not O(matches); the price is that among more than bound matches of
	// one tier, the ones ranked are arbitrary. Unit: rows. Range: >= 100.
	KeywordRowBound int

	// CommonTermFraction: a query lexeme found in more than this fraction of
	// all entries (by the planner statistics of search_vector) is common. The
	// keyword leg takes rows matching the uncommon terms of a question before
	// rows matching only common ones, an IDF-like pre-order that keeps the
	// row bound from cutting the relevant rows (SciFact nDCG@10 with a bound of
	// 1,000: 0.33 without it). Unit: fraction of rows. Range: 0..1 (1: every
	// term is uncommon, no pre-order).
	CommonTermFraction float64

	// EFSearch is hnsw.ef_search, the size of the HNSW candidate queue: larger
	// is better recall and slower. The engine raises it to the number of rows a
	// query asks for when that is larger. Unit: candidates. Range: 1..1000.
	EFSearch int

	// MaxScanTuples is hnsw.max_scan_tuples: how many index tuples an iterative
	// scan may visit looking for rows that pass the filters before giving up
	// (and returning fewer than asked). Unit: tuples. Range: >= 1.
	MaxScanTuples int

	// ExactScanMax is the largest filtered set (entries of the queried feeds
	// in the allowed categories, counted from feed_categories) searched by an
	// exact scan instead of the HNSW index: below it, computing every distance
	// is cheap and exact, where a graph walk would mostly visit filtered-out
	// nodes. Measured at 100,000 entries (bench/): an exact scan of a 2,000-entry
	// category took 18 ms p50, the iterative HNSW scan 23 ms; exact cost grows
	// linearly (~9 µs an entry, the vectors are TOASTed) while the index gets
	// cheaper as the filter gets less selective. Unit: entries. Range: >= 0
	// (0: always use the index).
	ExactScanMax int

	// PassageTokens caps a passage (the title and one window of the content)
	// in model tokens; 0 means the model's own input limit when the model
	// counts its tokens here (USE-lite: 128, its whole input), else
	// uncountedPassageTokens. Entries are split when stored: after a change,
	// `kapi reembed` is needed for stored entries to follow. Unit: tokens.
	// Range: >= minWindowTokens. Measured (semantic nDCG@10, exact scan):
	// 128-token windows beat one vector of the first 128 tokens (SciFact
	// 0.2096 → 0.2588, Cranfield 0.1967 → 0.2007) and 100-word windows
	// (0.2265 / 0.1977), which often overflow 128 tokens.
	PassageTokens int

	// PassageOverlap is how many tokens of the end of a window the next one
	// repeats (whole words, at most this many), so a sentence cut by a window
	// boundary is whole in one of them. Unit: tokens. Range: 0..PassageTokens/2.
	// Measured on Cranfield (semantic nDCG@10, kapi bench quality): 32 tokens
	// against none, 0.1993 vs 0.2022 with max, 0.2035 vs 0.2139 with
	// PassageMeanWeight 0.3; so 0 (more passages, slower ingest, no gain).
	PassageOverlap int

	// PassageFanout is how many passages the semantic leg reads from the
	// index per entry it must return, before keeping each entry's best: an
	// entry with several close passages uses up several rows. When the rows
	// read hold fewer distinct entries than asked, the leg reads again with 4×
	// more (bounded by MaxScanTuples), so a filtered query still returns limit
	// distinct entries when that many match. Unit: passages per entry.
	// Range: >= 1.
	PassageFanout int

	// PassageMeanWeight w mixes an entry's passages into its semantic score:
	// (1 − w) × best passage cosine + w × mean cosine of all its passages. The
	// leg then reranks twice the entries it returns by that score (one more
	// statement over their passages). 0 is the best passage alone (max). Unit:
	// fraction. Range: 0..1. Measured in the issue with an exact scan: w = 0
	// SciFact 0.2588 / Cranfield 0.2007 nDCG@10, w = 0.5 0.2508 / 0.2118.
	// kapi bench quality, Cranfield: w = 0 0.2022, w = 0.3 0.2139 (Recall@100
	// 0.5121, MRR@10 0.3696); 0.3 sits between the two points, where
	// both collections' targets (0.255 / 0.205) can hold.
	PassageMeanWeight float64
}

// uncountedPassageTokens is the passage budget for a model whose tokenizer
// kapi does not have (Gemini gemini-embedding-001 reads 2,048 tokens):
// tokens are then estimated (estimateTokens). 512 keeps a passage a few
// paragraphs long, so a highlight points at a specific part of the entry and
// the vector is not an average of unrelated paragraphs; not measured (no
// Gemini key in CI). Unit: estimated tokens.
const uncountedPassageTokens = 512

// DefaultOptions returns the knobs kapi ships with, measured with bench/ at
// 100,000 entries on a 2-core machine.
func DefaultOptions() Options {
	return Options{
		KeywordRowBound:    1_000,
		CommonTermFraction: 0.02,
		EFSearch:           100,
		MaxScanTuples:      20_000,
		ExactScanMax:       2_500,
		PassageTokens:      0,
		PassageOverlap:     0,
		PassageFanout:      3,
		PassageMeanWeight:  0.3,
	}
}

// The contract's fusion constants, exported for the reports of bench/.
const (
	RRFK            = rrfK
	CandidateWindow = candidateWindow
)
