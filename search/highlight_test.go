package search

import (
	"context"
	"html"
	"os"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/kapi-project/kapi/embed/uselite"
	"github.com/kapi-project/kapi/migrations/pgtest"
)

// plainOf is a highlight's text without marks, unescaped: what its offsets
// must locate in the content.
func plainOf(h *Highlight) string {
	s := strings.NewReplacer("<mark>", "", "</mark>", "").Replace(h.Text)
	return html.UnescapeString(s)
}

// checkHighlight checks that hit's highlight lies in its content at its
// offsets, is at most maxHighlightChars long and marks want.
func checkHighlight(t *testing.T, h Hit, want string) {
	t.Helper()
	if h.Highlight == nil {
		t.Fatalf("hit %s: no highlight", h.ExternalID)
	}
	hl := h.Highlight
	if got := runeSlice(h.Content, window{hl.Start, hl.End}); got != plainOf(hl) {
		t.Errorf("hit %s: content[%d:%d] = %q, highlight text %q", h.ExternalID, hl.Start, hl.End, got, plainOf(hl))
	}
	if n := utf8.RuneCountInString(plainOf(hl)); n > maxHighlightChars {
		t.Errorf("hit %s: highlight of %d characters, want at most %d", h.ExternalID, n, maxHighlightChars)
	}
	if !strings.Contains(hl.Text, "<mark>"+want+"</mark>") {
		t.Errorf("hit %s: highlight %q does not mark %q", h.ExternalID, hl.Text, want)
	}
}

func TestHighlightEscapesAndLocates(t *testing.T) {
	t.Parallel()
	eng, pool, _ := testEngine(t)
	feed := newFeed(t, pool, "highlight", "english")
	long := sentences("Filler", 60) + " Finally the headset wants grease."
	ingest(t, eng, feed, []NewEntry{
		{ExternalID: "html", Title: "Service", Content: "Réglage: use <b>grease</b> & a torque wrench on the headset's bearings."},
		{ExternalID: "long", Title: "Diary", Content: long},
	})
	tests := []struct {
		name, q, id, mark, contains string
		mode                        Mode
	}{
		{name: "escaped around marks", q: "grease", id: "html", mark: "grease", contains: "&lt;b&gt;<mark>grease</mark>&lt;/b&gt; &amp; a torque", mode: ModeKeyword},
		{name: "stemmed match", q: "greasing bearing", id: "html", mark: "bearings", mode: ModeKeyword},
		{name: "long passage cut around the match", q: "headset grease", id: "long", mark: "headset", mode: ModeKeyword},
		{name: "semantic", q: "headset grease", id: "long", mark: "grease", mode: ModeSemantic},
		{name: "hybrid", q: "headset grease", id: "long", mark: "headset", mode: ModeHybrid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := mustSearch(t, eng, Query{Text: tt.q, Mode: tt.mode, Feeds: []Feed{feed}, Limit: 5, Highlight: true})
			for _, h := range res.Hits {
				if h.ExternalID != tt.id {
					continue
				}
				checkHighlight(t, h, tt.mark)
				if !strings.Contains(h.Highlight.Text, tt.contains) {
					t.Errorf("highlight %q, want it to contain %q", h.Highlight.Text, tt.contains)
				}
				return
			}
			t.Fatalf("got %q, want %s among them", externalIDs(res.Hits), tt.id)
		})
	}
	t.Run("none unless asked", func(t *testing.T) {
		for _, h := range mustSearch(t, eng, Query{Text: "grease", Feeds: []Feed{feed}, Limit: 5}).Hits {
			if h.Highlight != nil {
				t.Errorf("hit %s has a highlight without Query.Highlight", h.ExternalID)
			}
		}
	})
}

// headsetFillers are 30 sentences of a ride diary that say nothing of steering.
var headsetFillers = []string{
	"We left the village early while the bakery was still closed.",
	"The first climb wound through pine woods for about six kilometres.",
	"My friend stopped twice to adjust the height of her saddle.",
	"A farmer waved from a tractor at the edge of a barley field.",
	"The road surface changed to fresh tarmac after the bridge.",
	"We ate sandwiches on a bench beside the old stone church.",
	"Clouds gathered over the hills but the rain never came.",
	"The descent was long, smooth and gloriously quiet.",
	"At the lake we refilled our bottles from a public fountain.",
	"A group of walkers asked us the way to the youth hostel.",
	"The wind turned against us for the last stretch of the valley.",
	"I counted four red kites circling above the meadow.",
	"The café in the square served excellent apple cake.",
	"We took a detour to see the ruined castle on the ridge.",
	"My phone battery died, so we navigated with a paper map.",
	"The evening light made the wheat fields glow gold.",
	"Our campsite had hot showers and a small shop.",
	"We cooked pasta on a tiny stove and went to bed early.",
	"The next morning began with thick fog along the river.",
	"A dog chased us for a hundred metres before giving up.",
	"We crossed the border without noticing any sign at all.",
	"Lunch was bread, cheese and tomatoes from a market stall.",
	"The gravel section shook every bolt on the bikes.",
	"A mechanic in town lent us a pump for the tyres.",
	"We met another touring couple heading south to the coast.",
	"The afternoon heat forced a long siesta under a plane tree.",
	"Swallows darted low over the water near the ferry landing.",
	"The ferry crossing took twenty minutes and cost two euros.",
	"On the far bank a steep lane led up into the vineyards.",
	"We reached the city by dusk, tired and very happy.",
}

const headsetSentence = "Since the gravel day the steering feels notchy when riding straight, which usually means the headset bearings are worn."

// TestNotchyHeadset is the user test of the passages issue: a sentence at the
// end of a long entry, with the real model (which reads 128 tokens at a time).
// Every mode ranks the entry first, by the passage holding the sentence, and
// every mode's highlight is the headset sentence. Windows end at a sentence
// end when they can (splitWindows), so the sentence is whole in one passage:
// cosine 0.54 there; cut into the middle of a 128-token window of fillers, as
// greedy windows cut it, 0.18, under the short health entries (up to 0.37).
func TestNotchyHeadset(t *testing.T) {
	t.Parallel()
	dir := os.Getenv("KAPI_MODEL_DIR")
	if dir == "" {
		dir = "../models/use-lite"
	}
	model, err := uselite.Load(dir)
	if err != nil {
		t.Fatalf("load the model (make model): %v", err)
	}
	pool := pgtest.New(t)
	eng := New(pool, model)
	feed := newFeed(t, pool, "rides", "english")
	long := NewEntry{ExternalID: "long", Title: "Two days on the river route",
		Content: strings.Join(headsetFillers, " ") + " " + headsetSentence}
	ingest(t, eng, feed, append(healthCorpus(), long))
	for _, mode := range []Mode{ModeSemantic, ModeKeyword, ModeHybrid} {
		t.Run(string(mode), func(t *testing.T) {
			res, err := eng.Search(context.Background(), Query{Text: "notchy steering headset", Mode: mode,
				Feeds: []Feed{feed}, Limit: 10, Highlight: true})
			if err != nil {
				t.Fatal(err)
			}
			got := externalIDs(res.Hits)
			at := slices.Index(got, "long")
			if at != 0 {
				t.Fatalf("got %q, want the long entry first", got)
			}
			checkHighlight(t, res.Hits[at], "headset")
			if !strings.Contains(plainOf(res.Hits[at].Highlight), headsetSentence) {
				t.Errorf("highlight %q, want the headset sentence", res.Hits[at].Highlight.Text)
			}
		})
	}
}
