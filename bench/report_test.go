package bench

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func testReport(ndcg float64) Report {
	return Report{Collection: CollectionInfo{Name: "tiny", SHA256: "abc"}, Config: RunConfig{Model: "m@8"},
		Modes: []ModeSummary{{Mode: "keyword", NDCG10: ndcg, Recall100: 0.8, MRR10: 0.6}}}
}

func TestCheck(t *testing.T) {
	committed := testReport(0.5)
	tests := []struct {
		name    string
		got     Report
		wantErr error
	}{
		{"same", testReport(0.5), nil},
		{"within tolerance", testReport(0.485), nil},
		{"regression", testReport(0.47), ErrOutOfTolerance},
		{"improvement to commit", testReport(0.53), ErrOutOfTolerance},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := Check(tt.got, committed, 0.02); !errors.Is(err, tt.wantErr) {
				t.Errorf("Check = %v, want %v", err, tt.wantErr)
			}
		})
	}
	other := testReport(0.5)
	other.Collection.SHA256 = "def"
	if err := Check(other, committed, 0.02); err == nil || errors.Is(err, ErrOutOfTolerance) {
		t.Errorf("Check with another collection = %v, want a checksum error", err)
	}
}

func TestWriteFilesRoundTrip(t *testing.T) {
	dir := t.TempDir()
	r := testReport(0.5)
	results := []ModeResult{{Mode: "keyword", PerQuery: []QueryResult{{ID: "1", Judged: true, FirstRelevant: 3, NDCG10: 0.5}, {ID: "2"}}}}
	if err := WriteFiles(dir, r, results); err != nil {
		t.Fatal(err)
	}
	back, err := ReadReport(filepath.Join(dir, "tiny.json"))
	if err != nil || back.Modes[0].NDCG10 != 0.5 {
		t.Fatalf("ReadReport = %+v, %v; want nDCG@10 0.5", back, err)
	}
	tsv, _ := os.ReadFile(filepath.Join(dir, "tiny.queries.tsv"))
	want := "query_id\tkeyword_first_relevant\tkeyword_ndcg_at_10\n1\t3\t0.5000\n2\t-\t-\n"
	if string(tsv) != want {
		t.Errorf("per-query file:\n%s\nwant:\n%s", tsv, want)
	}
	svg, _ := os.ReadFile(filepath.Join(dir, "tiny.svg"))
	if !strings.HasPrefix(string(svg), "<svg xmlns=\"http://www.w3.org/2000/svg\"") || !strings.Contains(string(svg), "nDCG@10") {
		t.Errorf("chart does not look like an SVG with the metrics:\n%.300s", svg)
	}
}
