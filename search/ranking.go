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

// Fusion names how hybrid search merges its two legs (rrf.go).
type Fusion string

// The fusions of hybrid search.
const (
	FusionRRF      Fusion = "rrf"      // weighted Reciprocal Rank Fusion, k = rrfK
	FusionRelative Fusion = "relative" // convex combination of min-max normalised scores
)

// fusionProfiles are the hybrid defaults of each embedding model, by model
// name: the fusion and the semantic weight (0..1; the keyword leg weighs
// 1 − it) a request gets when it names neither. A model without a profile
// gets the contract's plain RRF: FusionRRF with weight 0.5 (API.md §6).
//
//   - gemini-embedding-001: the contract's plain RRF. Its embeddings are
//     strong, legs of similar strength, the case RRF was designed for.
//   - use-lite (the offline model): measured on SciFact and Cranfield
//     together (bench/README.md): the small model is much weaker than BM25,
//     so it only nudges the keyword order. Relative 0.15 (NormalizeDepth
//     100, windows 400/100, sentence-ended passages, PassageMeanWeight 0.3),
//     nDCG@10 / Recall@100, SciFact | Cranfield: 0.15 0.7009 / 0.9226 |
//     0.3958 / 0.7540 (keyword 0.6937 / 0.9220 | 0.3854 / 0.7497); 0.1
//     0.6959 | 0.3907 and 0.2 0.6938 | 0.3938 (mean weight 0.1), 0.25
//     0.6875 | 0.3908: 0.15 is the only weight at keyword + 0.005 or more on
//     both. With greedy windows, relative 0.2 had 0.7018 | 0.3977 but the
//     semantic leg was weaker on both (0.2579 | 0.2084 against 0.2668 |
//     0.2249) and missed a sentence at the end of a long entry.
var fusionProfiles = map[string]struct {
	fusion Fusion
	weight float64
}{
	"gemini-embedding-001": {FusionRRF, 0.5},
	"use-lite":             {FusionRelative, 0.15},
}

// FusionDefaults returns the fusion and semantic weight hybrid search uses
// for the embedding model named model when a request names neither.
func FusionDefaults(model string) (Fusion, float64) {
	if p, ok := fusionProfiles[model]; ok {
		return p.fusion, p.weight
	}
	return FusionRRF, 0.5
}

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

// Options are the tunable retrieval knobs. DefaultOptions gives the values
// kapi ships with; Engine.WithOptions swaps them (benchmarks, tests).
type Options struct {
	// K1 is BM25's term-frequency saturation: how much a repeated word adds
	// (0: presence only; large: close to raw counts). Unit: none. Range: >= 0.
	//
	// K1, B and the field weights were chosen once for every collection: the
	// textbook values k1 = 1.2, b = 0.75 (Robertson's, Lucene's and
	// Elasticsearch's defaults), not a fit to our test data, and the title
	// counted twice (BM25F practice, e.g. Elasticsearch's title^2). Measured
	// with bench/ (nDCG@10 SciFact / Cranfield), they beat the BEIR-tuned
	// k1 = 0.9, b = 0.4 on both collections (0.6937 / 0.3854 against
	// 0.6911 / 0.3750 with the same title weight), and a 3×3×3 grid
	// (k1 0.9-1.5, b 0.3-0.75, title 1.5-3) has no point more than 0.006
	// above them on both at once: the surface is flat there, so the choice
	// should carry to collections we do not have.
	K1 float64

	// B is BM25's length normalisation: 0 ignores entry length, 1 divides the
	// term frequency fully by length/average length. Range: 0..1.
	B float64

	// TitleWeight, TagsWeight and ContentWeight weigh a word's occurrences in
	// each field (tsvector labels A, B, C) before saturation, BM25F-style: an
	// occurrence in the title counts TitleWeight times one in the content.
	// Unit: occurrences. Range: >= 0 each, ContentWeight > 0.
	TitleWeight, TagsWeight, ContentWeight float64

	// KeywordWindow and SemanticWindow are how many candidates the keyword
	// and the semantic leg of a hybrid search contribute at least: a leg
	// contributes max(offset+limit, its window). A fused top k can only hold
	// what the legs bring, so with the contract's 50 per leg hybrid
	// Recall@100 fell under keyword's (Cranfield 0.7105 < 0.7497). The keyword
	// leg scores every matching entry anyway (bm25.go), so a longer list costs
	// only the live check of more rows; the semantic leg's cost grows with
	// ef_search. Measured on Cranfield, relative fusion 0.2, normalised over
	// the whole window (nDCG@10 / Recall@100): 50/50 0.3931 / 0.7105, 100/100
	// 0.3974 / 0.7407, 200/200 0.3959 / 0.7536, 200/50 0.3975 / 0.7494,
	// 200/100 0.3982 / 0.7560. With NormalizeDepth 100 (kapi bench quality,
	// PassageMeanWeight 0.1, SciFact | Cranfield): 200/100 0.7006 / 0.9159 |
	// 0.3977 / 0.7574, 300/100 0.7006 / 0.9192 | 0.3977 / 0.7553, 400/100
	// 0.7006 / 0.9226 | 0.3977 / 0.7545: 400 is the shortest keyword window
	// whose Recall@100 is at least keyword's on both (0.9220 | 0.7497).
	// Unit: rows per leg. Range: >= candidateWindow each.
	KeywordWindow, SemanticWindow int

	// NormalizeDepth is how many of each leg's best candidates relative
	// fusion min-max normalises over (the NormalizeDepth-th scores 0); deeper
	// candidates of a longer window continue the scale below 0, so they can
	// still enter the fused list (recall) without stretching the scale of the
	// top (precision), and an entry a leg did not return scores as that
	// leg's last candidate, or 0 when that is higher (fuse). 0 normalises
	// over the whole window. Measured with kapi bench quality (relative 0.2,
	// PassageMeanWeight 0.1, windows 200/100; SciFact | Cranfield nDCG@10 /
	// Recall@100): whole window 0.6978 / 0.9126 | 0.3972 / 0.7555, 100 0.7006
	// / 0.9159 | 0.3977 / 0.7574, 50 (Cranfield) 0.3972 / 0.7565. Unit:
	// candidates. Range: >= 0.
	NormalizeDepth int

	// EFSearch is hnsw.ef_search, the size of the HNSW candidate queue: larger
	// is better recall and slower. A scan asking for more rows than EFSearch
	// (a hybrid leg reads 600 passages) is not given a larger queue: the
	// iterative scan (hnsw.iterative_scan) goes on past it. Measured at 100,000
	// entries, 600 passages: ef_search 600 15.1 ms p50, 100 9.2 ms; quality on
	// SciFact (Cranfield uses the exact scan) semantic nDCG@10 0.2579 both,
	// Recall@100 0.5551 → 0.5618, hybrid unchanged (0.7018 / 0.9226). Unit:
	// candidates. Range: 1..1000.
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
	// (0.2265 / 0.1977), which often overflow 128 tokens. Smaller windows
	// (greedy, mean weight 0.1) help the semantic leg and hurt hybrid at the
	// same fusion (SciFact / Cranfield semantic | hybrid): 96 tokens 0.2577
	// / 0.2133 | 0.6885 / 0.3935, 64 tokens 0.2605 / 0.2247 | 0.6977 /
	// 0.3946, against 128 0.2579 / 0.2084 | 0.7018 / 0.3977. Windows end at
	// a sentence end when they can (splitWindows): 0.2680 / 0.2206
	// semantic at 128.
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
	// (1 − w) × best passage cosine + w × mean cosine of all its passages (the
	// query's dot product with the entry's mean passage vector,
	// passage_means). The leg then reranks twice the entries it returns by
	// that score (one more statement, a row per entry). 0 is the best passage
	// alone (max). Unit: fraction. Range: 0..1. Measured with sentence-ended
	// windows (semantic | hybrid at relative 0.15, nDCG@10, SciFact /
	// Cranfield): w = 0 0.2652 / 0.2185 | 0.6975 / 0.3939, 0.1 0.2680 /
	// 0.2206 | 0.6997 / 0.3941, 0.2 0.2685 / 0.2253 | 0.6993 / 0.3940, 0.3
	// 0.2668 / 0.2249 | 0.7009 / 0.3958: 0.3 is best for hybrid on both and
	// within 0.002 of the best semantic on both.
	PassageMeanWeight float64

	// PostingCacheBytes bounds the memory the keyword leg keeps posting lists
	// in, decoded, between searches (postcache.go), least recently used out
	// first; every cached list is checked against the database on every
	// search, so the cache never changes a result. A posting costs 16 bytes:
	// SciFact's 300 test questions touch 4 million postings at 100,000
	// entries (64 MB), 40 million at 1,000,000 (640 MB). It is a bound, not
	// an allocation: a small instance uses what its questions touch. 0 caches
	// nothing: every search reads its lists from Postgres (measured at
	// 100,000 entries, keyword p50 5.5 ms without, 2.9 ms with). Set by
	// KAPI_KEYWORD_CACHE_MB. Unit: bytes. Range: >= 0.
	PostingCacheBytes int64
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
		K1:                1.2,
		B:                 0.75,
		TitleWeight:       2,
		TagsWeight:        1.5,
		ContentWeight:     1,
		KeywordWindow:     400,
		SemanticWindow:    100,
		NormalizeDepth:    100,
		EFSearch:          100,
		MaxScanTuples:     20_000,
		ExactScanMax:      2_500,
		PassageTokens:     0,
		PassageOverlap:    0,
		PassageFanout:     3,
		PassageMeanWeight: 0.3,
		PostingCacheBytes: 1 << 30,
	}
}

// The contract's fusion constants, exported for the reports of bench/.
const (
	RRFK            = rrfK
	CandidateWindow = candidateWindow
)
