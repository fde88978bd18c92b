package search

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"strings"
	"testing"
)

func TestEntryReaderFormats(t *testing.T) {
	t.Parallel()
	var gz bytes.Buffer
	w := gzip.NewWriter(&gz)
	w.Write([]byte(`{"_id": "4983", "title": "Microstructural development", "text": "Alterations of the architecture", "metadata": {}}` + "\n" +
		`{"_id": 7, "title": "", "text": "Numeric id"}` + "\n"))
	w.Close()
	tests := []struct {
		name     string
		input    string
		wantIDs  []string
		wantText string
	}{
		{"json array", `[{"external_id":"a","title":"A","content":"x"}, {"external_id":"b","title":"B"}]`, []string{"a", "b"}, "x"},
		{"ndjson with blank lines", "\n{\"external_id\":\"a\",\"content\":\"x\"}\n\n{\"external_id\":\"b\",\"content\":\"y\"}\n", []string{"a", "b"}, "x"},
		{"beir gzip", gz.String(), []string{"4983", "7"}, "Alterations of the architecture"},
		{"json array after a BOM", "\xef\xbb\xbf" + `[{"external_id":"a","content":"x"}]` + "\n", []string{"a"}, "x"},
		{"ndjson after a BOM", "\xef\xbb\xbf{\"external_id\":\"a\",\"content\":\"x\"}\n", []string{"a"}, "x"},
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
