package search

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// healthCorpus is a small hand-written english corpus with known answers.
func healthCorpus() []NewEntry {
	return []NewEntry{
		{ExternalID: "attack", Title: "Heart attack warning signs", Category: "cardiology", Confidence: new(0.9),
			Content: "Chest pain and shortness of breath can signal a heart attack."},
		{ExternalID: "worms", Title: "Attack of the heart worms", Category: "veterinary",
			Content: "Heartworms attack dogs; in people the heart is rarely affected."},
		{ExternalID: "stroke", Title: "Stroke recovery", Category: "neurology", Confidence: new(0.6),
			Content: "Physical therapy helps patients recover after a stroke."},
		{ExternalID: "diet", Title: "Diet and heart health", Category: "nutrition", Confidence: new(0.7),
			Content: "A low-salt diet protects the heart and lowers blood pressure."},
		{ExternalID: "exercise", Title: "Exercise for heart health", Category: "fitness", Confidence: new(0.8),
			Content: "Running and walking strengthen the heart."},
		{ExternalID: "sleep", Title: "Sleep hygiene", Category: "general", Confidence: new(0.95),
			Content: "Adults need seven to nine hours of sleep each night."},
	}
}

// ingest stores entries in feed or fails the test.
func ingest(t testing.TB, eng *Engine, feed Feed, entries []NewEntry) {
	t.Helper()
	for len(entries) > 0 {
		n := min(len(entries), MaxBatch)
		if _, err := eng.Ingest(context.Background(), feed, entries[:n]); err != nil {
			t.Fatalf("ingest: %v", err)
		}
		entries = entries[n:]
	}
}

// externalIDs lists the hits' external ids, in order.
func externalIDs(hits []Hit) []string {
	out := make([]string, len(hits))
	for i, h := range hits {
		out[i] = h.ExternalID
	}
	return out
}

// sortedIDs is externalIDs sorted, for answers whose order does not matter.
func sortedIDs(hits []Hit) []string {
	out := externalIDs(hits)
	slices.Sort(out)
	return out
}

// mustSearch runs q or fails the test.
func mustSearch(t testing.TB, eng *Engine, q Query) Result {
	t.Helper()
	res, err := eng.Search(context.Background(), q)
	if err != nil {
		t.Fatalf("search %q (%s): %v", q.Text, q.Mode, err)
	}
	return res
}

// vocabulary is the word pool of generated entries.
func vocabulary() []string {
	return strings.Fields(`alpha bravo charlie delta echo foxtrot golf hotel india
	juliet kilo lima mike november oscar papa quebec romeo sierra tango uniform victor
	whiskey xray yankee zulu amber basil cedar dahlia`)
}

// generated returns n deterministic entries of random vocabulary words; every
// 50th one (2%) is in category "rare" with confidence 1, the others in
// "common" with confidence 0.5.
func generated(n int, seed uint64) []NewEntry {
	r := rand.New(rand.NewPCG(seed, 1))
	vocab := vocabulary()
	words := func(k int) string {
		w := make([]string, k)
		for i := range w {
			w[i] = vocab[r.IntN(len(vocab))]
		}
		return strings.Join(w, " ")
	}
	out := make([]NewEntry, n)
	for i := range out {
		cat, conf := "common", 0.5
		if i%50 == 0 {
			cat, conf = "rare", 1
		}
		out[i] = NewEntry{ExternalID: fmt.Sprintf("g%05d", i), Title: words(3), Content: words(12),
			Category: cat, Confidence: new(conf)}
	}
	return out
}
