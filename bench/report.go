package bench

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// ErrOutOfTolerance reports quality numbers that moved further from the
// committed ones than the tolerance allows (see Check).
var ErrOutOfTolerance = errors.New("quality out of tolerance of the committed results")

// Report is the JSON file `kapi bench quality` writes: the numbers and
// everything that produced them. It is a file format, hence the tags.
type Report struct {
	Collection    CollectionInfo `json:"collection"`
	Config        RunConfig      `json:"config"`
	IngestSeconds float64        `json:"ingest_seconds"`
	Modes         []ModeSummary  `json:"modes"`
	// Sweep is hybrid quality per fusion and semantic weight (--sweep).
	Sweep []SweepPoint `json:"sweep,omitempty"`
}

// CollectionInfo identifies the evaluated collection.
type CollectionInfo struct {
	Name        string `json:"name"` // base name of the data directory
	Docs        int    `json:"docs"`
	TestQueries int    `json:"test_queries"`
	SHA256      string `json:"sha256"` // see Checksum
	Qrels       int    `json:"qrels"`
	EmptyDocs   int    `json:"empty_docs_skipped"` // no title, no text: not ingestible
}

// RunConfig is the configuration a run measured: model and ranking knobs
// (search/ranking.go), the code's commit and the machine.
type RunConfig struct {
	Model           string `json:"model"`
	Dims            int    `json:"dims"`
	RRFK            int    `json:"rrf_k"`
	CandidateWindow int    `json:"candidate_window"`
	// The least candidates each leg of hybrid contributes (search.Options).
	KeywordWindow  int     `json:"keyword_window"`
	SemanticWindow int     `json:"semantic_window"`
	EFSearch       int     `json:"ef_search"`
	BM25K1         float64 `json:"bm25_k1"`
	BM25B          float64 `json:"bm25_b"`
	TitleWeight    float64 `json:"title_weight"`
	TagsWeight     float64 `json:"tags_weight"`
	ContentWeight  float64 `json:"content_weight"`
	// The hybrid defaults of the model (search.FusionDefaults).
	HybridFusion         string  `json:"hybrid_fusion"`
	HybridSemanticWeight float64 `json:"hybrid_semantic_weight"`
	ExactScanMax         int     `json:"exact_scan_max"`
	MaxScanTuples        int     `json:"max_scan_tuples"`
	// Relative fusion's normalisation depth and the passage knobs
	// (PassageTokens 0: the model's input limit).
	NormalizeDepth    int     `json:"normalize_depth"`
	PassageTokens     int     `json:"passage_tokens"`
	PassageOverlap    int     `json:"passage_overlap"`
	PassageFanout     int     `json:"passage_fanout"`
	PassageMeanWeight float64 `json:"passage_mean_weight"`
	Commit            string  `json:"commit"`
	GoVersion         string  `json:"go_version"`
	CPUs              int     `json:"cpus"`
	Date              string  `json:"date"` // RFC 3339, UTC
}

// ModeSummary is one mode's numbers in a Report.
type ModeSummary struct {
	Mode          string  `json:"mode"`
	Queries       int     `json:"judged_queries"`
	NDCG10        float64 `json:"ndcg_at_10"`
	Recall100     float64 `json:"recall_at_100"`
	MRR10         float64 `json:"mrr_at_10"`
	LatencyMeanMS float64 `json:"latency_mean_ms"`
	LatencyP95MS  float64 `json:"latency_p95_ms"`
}

// Summaries turns results into the Report's per-mode numbers, metrics
// rounded to 4 decimals and latencies to 0.01 ms.
func Summaries(results []ModeResult) []ModeSummary {
	out := make([]ModeSummary, len(results))
	for i, r := range results {
		out[i] = ModeSummary{Mode: string(r.Mode), Queries: r.Queries,
			NDCG10: round(r.NDCG10, 4), Recall100: round(r.Recall100, 4), MRR10: round(r.MRR10, 4),
			LatencyMeanMS: ms(r.LatencyMean), LatencyP95MS: ms(r.LatencyP95)}
	}
	return out
}

// Markdown writes r's numbers as a Markdown table.
func (r Report) Markdown(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %d docs, %d test queries, model %s\n\n", r.Collection.Name, r.Collection.Docs, r.Collection.TestQueries, r.Config.Model)
	b.WriteString("| mode | nDCG@10 | Recall@100 | MRR@10 | mean ms | p95 ms |\n|---|---:|---:|---:|---:|---:|\n")
	for _, m := range r.Modes {
		fmt.Fprintf(&b, "| %s | %.4f | %.4f | %.4f | %.1f | %.1f |\n", m.Mode, m.NDCG10, m.Recall100, m.MRR10, m.LatencyMeanMS, m.LatencyP95MS)
	}
	if len(r.Sweep) > 0 {
		b.WriteString("\nhybrid sweep (default: " + r.Config.HybridFusion + fmt.Sprintf(" %.2f", r.Config.HybridSemanticWeight) + ")\n\n")
		b.WriteString("| fusion | semantic weight | nDCG@10 | Recall@100 | MRR@10 |\n|---|---:|---:|---:|---:|\n")
		for _, p := range r.Sweep {
			fmt.Fprintf(&b, "| %s | %.2f | %.4f | %.4f | %.4f |\n", p.Fusion, p.SemanticWeight, p.NDCG10, p.Recall100, p.MRR10)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteFiles writes dir/<name>.json (r), dir/<name>.svg (the chart) and
// dir/<name>.queries.tsv (per-query results, to trace a regression to its
// queries), creating dir. Errors: file errors.
func WriteFiles(dir string, r Report, results []ModeResult) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	base := filepath.Join(dir, r.Collection.Name)
	js, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	var tsv strings.Builder
	writePerQuery(&tsv, results)
	var svg strings.Builder
	Chart(&svg, r)
	for path, data := range map[string]string{base + ".json": string(js) + "\n", base + ".svg": svg.String(), base + ".queries.tsv": tsv.String()} {
		if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// writePerQuery writes one TSV row per test query: its id, then for each
// mode the rank of the first relevant doc in the first 100 (0: none) and
// nDCG@10 ("-" for both when the query has no relevant doc).
func writePerQuery(w io.Writer, results []ModeResult) {
	if len(results) == 0 {
		return
	}
	fmt.Fprint(w, "query_id")
	for _, r := range results {
		fmt.Fprintf(w, "\t%s_first_relevant\t%s_ndcg_at_10", r.Mode, r.Mode)
	}
	fmt.Fprintln(w)
	for i, q := range results[0].PerQuery {
		fmt.Fprint(w, q.ID)
		for _, r := range results {
			if pq := r.PerQuery[i]; pq.Judged {
				fmt.Fprintf(w, "\t%d\t%.4f", pq.FirstRelevant, pq.NDCG10)
			} else {
				fmt.Fprint(w, "\t-\t-")
			}
		}
		fmt.Fprintln(w)
	}
}

// ReadReport reads a Report written by WriteFiles. Errors: file and JSON errors.
func ReadReport(path string) (Report, error) {
	var r Report
	data, err := os.ReadFile(path)
	if err != nil {
		return r, err
	}
	if err := json.Unmarshal(data, &r); err != nil {
		return r, fmt.Errorf("%s: %w", path, err)
	}
	return r, nil
}

// Check compares got with the committed want: every metric of every mode in
// both must be within tol of want's. A drop is a regression; a rise past tol
// means a ranking change that must commit its new numbers. Errors:
// ErrOutOfTolerance wrapped with every deviation, or a description of
// reports that measure different things (collection, model).
func Check(got, want Report, tol float64) error {
	if got.Collection.SHA256 != want.Collection.SHA256 {
		return fmt.Errorf("collection checksum %s, the committed results measured %s", got.Collection.SHA256, want.Collection.SHA256)
	}
	if got.Config.Model != want.Config.Model {
		return fmt.Errorf("model %s, the committed results measured %s", got.Config.Model, want.Config.Model)
	}
	var problems []string
	for _, g := range got.Modes {
		w, ok := findMode(want.Modes, g.Mode)
		if !ok {
			continue
		}
		for _, m := range []struct {
			name      string
			got, want float64
		}{{"nDCG@10", g.NDCG10, w.NDCG10}, {"Recall@100", g.Recall100, w.Recall100}, {"MRR@10", g.MRR10, w.MRR10}} {
			if d := m.got - m.want; math.Abs(d) > tol {
				problems = append(problems, fmt.Sprintf("%s %s %.4f, committed %.4f (%+.4f, tolerance %.4f)", g.Mode, m.name, m.got, m.want, d, tol))
			}
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("%w:\n  %s", ErrOutOfTolerance, strings.Join(problems, "\n  "))
	}
	return nil
}

func findMode(modes []ModeSummary, mode string) (ModeSummary, bool) {
	for _, m := range modes {
		if m.Mode == mode {
			return m, true
		}
	}
	return ModeSummary{}, false
}

func round(x float64, decimals int) float64 {
	p := math.Pow(10, float64(decimals))
	return math.Round(x*p) / p
}

func ms(d time.Duration) float64 { return round(float64(d)/float64(time.Millisecond), 2) }
