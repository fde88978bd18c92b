package search

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
)

func TestEntryReaderFormats(t *testing.T) {
	t.Parallel()
	var gz bytes.Buffer
	w := gzip.NewWriter(&gz)
	w.Write([]byte(`{"_id": "4983", "title": "Microstructural development", "text": "Alterations of the architecture", "metadata": {}}` + "\n" +
		`{"_id": "471", "title": "", "text": "", "metadata": {}}` + "\n" + // blank: skipped
		`{"_id": 7, "title": "", "text": "Numeric id"}` + "\n"))
	w.Close()
	tests := []struct {
		name     string
		input    string
		wantIDs  []string
		wantText string
		skipped  int
	}{
		{"json array", `[{"external_id":"a","title":"A","content":"x"}, {"external_id":"b","title":"B"}]`, []string{"a", "b"}, "x", 0},
		{"ndjson with blank lines", "\n{\"external_id\":\"a\",\"content\":\"x\"}\n\n{\"external_id\":\"b\",\"content\":\"y\"}\n", []string{"a", "b"}, "x", 0},
		{"beir gzip", gz.String(), []string{"4983", "7"}, "Alterations of the architecture", 1},
		{"beir array with a blank", `[{"_id":"1","title":"","text":""},{"_id":"2","text":"y"},{"external_id":"3","content":""}]`,
			[]string{"2", "3"}, "y", 1},
		{"json array after a BOM", "\xef\xbb\xbf" + `[{"external_id":"a","content":"x"}]` + "\n", []string{"a"}, "x", 0},
		{"ndjson after a BOM", "\xef\xbb\xbf{\"external_id\":\"a\",\"content\":\"x\"}\n", []string{"a"}, "x", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := NewEntryReader(strings.NewReader(tt.input))
			if err != nil {
				t.Fatal(err)
			}
			batch, _, err := ReadBatch(r, 100)
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, e := range batch {
				ids = append(ids, e.ExternalID)
			}
			if strings.Join(ids, ",") != strings.Join(tt.wantIDs, ",") || batch[0].Content != tt.wantText {
				t.Errorf("got ids %v content %q, want %v %q", ids, batch[0].Content, tt.wantIDs, tt.wantText)
			}
			if r.Skipped() != tt.skipped {
				t.Errorf("skipped %d blank BEIR lines, want %d", r.Skipped(), tt.skipped)
			}
		})
	}
}

func TestEntryReaderNamesTheBadLine(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, input, want string
	}{
		{"ndjson bad json", "{\"external_id\":\"a\",\"content\":\"x\"}\n{\"external_id\": oops}\n", "line 2"},
		{"ndjson wrong type", "{\"external_id\":\"a\",\"content\":\"x\"}\n\n{\"external_id\":\"b\",\"tags\":\"t\"}\n", "line 3"},
		{"array bad item", `[{"external_id":"a"}, {"external_id":}]`, "item 2"},
		{"array not closed", `[{"external_id":"a"}`, "item 2"},
		{"data after the array", `[{"external_id":"a"}] trailing`, "item 2"},
		{"a second array", `[{"external_id":"a"}][]`, "item 2"},
		{"empty", "  \n", "line 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := NewEntryReader(strings.NewReader(tt.input))
			if err == nil {
				_, _, err = ReadBatch(r, 100)
			}
			var re *ReadError
			if !errors.As(err, &re) || !errors.Is(err, ErrMalformed) || !strings.HasPrefix(err.Error(), tt.want) {
				t.Errorf("got %v, want a *ReadError starting %q", err, tt.want)
			}
		})
	}
	r, _ := NewEntryReader(strings.NewReader(`{"external_id":"a"}`))
	if _, _, err := r.Next(); err != nil {
		t.Fatal(err)
	}
	if _, _, err := r.Next(); err != io.EOF {
		t.Errorf("after the last entry: got %v, want io.EOF", err)
	}
}

// TestReadBatchArraySizes reads JSON arrays whose length is and is not a
// multiple of the batch size: every entry comes out once, then an empty batch.
func TestReadBatchArraySizes(t *testing.T) {
	t.Parallel()
	const size = 3
	for _, n := range []int{1, size - 1, size, size + 1, 2*size + 1} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			items := make([]string, n)
			for i := range items {
				items[i] = fmt.Sprintf(`{"external_id":"e%d","content":"x"}`, i)
			}
			r, err := NewEntryReader(strings.NewReader("[" + strings.Join(items, ",\n") + "]\n"))
			if err != nil {
				t.Fatal(err)
			}
			got := 0
			for {
				batch, _, err := ReadBatch(r, size)
				if err != nil {
					t.Fatalf("after %d entries: %v", got, err)
				}
				if len(batch) == 0 {
					break
				}
				got += len(batch)
			}
			if got != n {
				t.Errorf("got %d entries, want %d", got, n)
			}
		})
	}
}

func TestEntryReaderRefusesUnknownFieldsAndExplainsPrettyJSON(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, input, want string }{
		{"unknown field in ndjson", `{"external_id":"a","body":"x"}`, `line 1: unknown field "body"`},
		{"unknown field in array", `[{"external_id":"a"},{"external_id":"b","bdy":"x"}]`, `item 2: unknown field "bdy"`},
		{"pretty-printed object", "{\n  \"external_id\": \"a\",\n  \"content\": \"x\"\n}\n", "line 1: an NDJSON entry must be one JSON object on one line"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := NewEntryReader(strings.NewReader(tt.input))
			if err == nil {
				_, _, err = ReadBatch(r, 100)
			}
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) || !errors.Is(err, ErrMalformed) {
				t.Errorf("got %v, want an error starting %q", err, tt.want)
			}
		})
	}
}
