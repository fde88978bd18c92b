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
	eng = eng.WithOptions(passageOptions(128))
	feed := newFeed(b, pool, "bench-highlight", "english")
	batch := make([]NewEntry, 200)
	for i := range batch {
		batch[i] = NewEntry{ExternalID: fmt.Sprint(i), Title: fmt.Sprintf("Entry %d", i),
			Content: sentences("Filler", 20) + " The headset bearings wear out."}
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
