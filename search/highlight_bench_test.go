package search

import (
	"context"
	"fmt"
	"testing"
)

// BenchmarkHighlight measures what highlights add to a page of 10 keyword
// hits of entries of about 250 words (three passages each with the fake
// embedder's estimate at PassageTokens 128).
func BenchmarkHighlight(b *testing.B) {
	eng, pool, _ := testEngineTB(b)
	o := DefaultOptions()
	o.PassageTokens = 128
	eng = eng.WithOptions(o)
	feed := newFeed(b, pool, "bench-highlight", "english")
	var batch []NewEntry
	for i := range 200 {
		batch = append(batch, NewEntry{ExternalID: fmt.Sprint(i), Title: fmt.Sprintf("Entry %d", i),
			Content: sentences("Filler", 20) + " The headset bearings wear out."})
	}
	ingest(b, eng, feed, batch)
	for _, hl := range []bool{false, true} {
		b.Run(fmt.Sprintf("highlight=%v", hl), func(b *testing.B) {
			q := Query{Text: "headset bearings", Feeds: []Feed{feed}, Limit: 10, Highlight: hl}
			for b.Loop() {
				if _, err := eng.Search(context.Background(), q); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
