package bench

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"

	"github.com/kapi-project/kapi/search"
)

// Categories are the categories Replicate spreads entries over, so filtered
// queries have something to filter. Entry i is in Categories[i % 50 % 10] with
// one exception: every 50th entry is in "rare" (2% of the collection).
func Categories() []string {
	return []string{"rare", "biology", "medicine", "genetics", "immunology",
		"oncology", "neurology", "cardiology", "nutrition", "general"}
}

// Replicate turns docs into n entries: copy k of a document drops about one
// word in ten of its text and swaps a few neighbouring words (seeded by k),
// so copies are near-duplicates, as in a large feed, rather than exact ones.
// Copy 0 is the document itself, with its own id as external id, so quality
// judgements still apply to it. Confidence is spread over 0.5..1.
func Replicate(docs []Doc, n int, seed uint64) []search.NewEntry {
	r := rand.New(rand.NewPCG(seed, 2))
	cats := Categories()
	out := make([]search.NewEntry, n)
	for i := range out {
		d, copyNo := docs[i%len(docs)], i/len(docs)
		e := search.NewEntry{ExternalID: d.ID, Title: d.Title, Content: d.Text}
		if copyNo > 0 {
			e.ExternalID = d.ID + "~" + strconv.Itoa(copyNo)
			e.Content = perturb(r, d.Text)
		}
		e.Category = cats[i%len(cats)]
		if i%50 == 0 {
			e.Category = "rare"
		} else if e.Category == "rare" {
			e.Category = "general"
		}
		e.Confidence = new(0.5 + 0.5*r.Float64())
		out[i] = e
	}
	return out
}

func perturb(r *rand.Rand, text string) string {
	words := strings.Fields(text)
	words = slices.DeleteFunc(words, func(string) bool { return r.IntN(10) == 0 })
	for range len(words) / 20 {
		if len(words) > 1 {
			i := r.IntN(len(words) - 1)
			words[i], words[i+1] = words[i+1], words[i]
		}
	}
	if len(words) == 0 {
		return fmt.Sprintf("copy %d", r.IntN(1000))
	}
	return strings.Join(words, " ")
}
