package search

import "time"

// Hooks are told what the engine did, for metrics; nil fields are skipped.
// They must be safe for concurrent use and quick: they run on the request.
type Hooks struct {
	// Searched is a Search of a mode (keyword, semantic, hybrid) that took d,
	// highlights included, whether it succeeded or not.
	Searched func(mode string, d time.Duration)
	// Leg is one step of a search that took d: "keyword", "semantic" (the
	// index scan), "embed_query" (embedding the question, cache included) or
	// "highlight".
	Leg func(leg string, d time.Duration)
	// Ingested is a stored batch: how many entries had each outcome.
	Ingested func(created, updated, unchanged int)
}

// WithHooks returns a copy of e that reports to h; e is unchanged.
func (e *Engine) WithHooks(h Hooks) *Engine {
	c := *e
	c.hooks = h
	return &c
}

func (h Hooks) timeSearch(mode string, start time.Time) {
	if h.Searched != nil {
		h.Searched(mode, time.Since(start))
	}
}

func (h Hooks) timeLeg(leg string, start time.Time) {
	if h.Leg != nil {
		h.Leg(leg, time.Since(start))
	}
}

func (h Hooks) ingested(results []IngestResult) {
	if h.Ingested == nil {
		return
	}
	var n [Unchanged + 1]int
	for _, r := range results {
		n[r.Outcome]++
	}
	h.Ingested(n[Created], n[Updated], n[Unchanged])
}
