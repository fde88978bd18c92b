package mcpserver

import (
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// toolArgs are each tool's argument names, for the fuzz run.
var toolArgs = map[string][]string{
	"search_knowledge":     {"query", "feed", "mode", "categories", "confidence_min", "limit", "offset", "fusion", "semantic_weight", "verbosity"},
	"get_recent_knowledge": {"feed", "days", "since", "category", "limit", "offset", "verbosity"},
	"get_category_summary": {"feed"},
	"list_feeds":           {},
	"get_knowledge":        {"id", "feed"},
	"subscribe_feed":       {"feed"},
	"get_usage":            {},
}

// hostileArg is a random value of a random JSON type: text with NUL,
// invalid UTF-8 or tsquery operators, huge or negative numbers, lists,
// objects, null.
func hostileArg(rng *rand.Rand) any {
	texts := []string{"\x00", "a\x00b", "\xff", "sleep & !x <-> y:*", `"open`, "-", "all", "alpha", "", strings.Repeat("z", 3000)}
	switch rng.IntN(6) {
	case 0:
		return []any{-1e308, 1e308, -1, 1 << 53, 0.5}[rng.IntN(5)]
	case 1:
		return []any{texts[rng.IntN(len(texts))], 7}
	case 2:
		return map[string]any{"x": texts[rng.IntN(len(texts))]}
	case 3:
		return nil
	}
	return texts[rng.IntN(len(texts))]
}

// TestToolFuzz makes 300 calls of random tools with hostile arguments:
// every one answers a tool result, never INTERNAL_ERROR.
func TestToolFuzz(t *testing.T) {
	t.Parallel()
	w := newWorld(t, nil)
	cs := w.connect(t, w.Full)
	rng := rand.New(rand.NewPCG(9, 17))
	names := slices.Sorted(maps.Keys(toolArgs)) // a fixed order: the run is reproducible
	for i := range 300 {
		name := names[rng.IntN(len(names))]
		args := map[string]any{}
		for _, a := range toolArgs[name] {
			if rng.IntN(2) == 0 {
				args[a] = hostileArg(rng)
			}
		}
		res := callTool(t, cs, name, args)
		if got := structured(t, res); got["error"] == "INTERNAL_ERROR" {
			t.Errorf("call %d: %s(%v) = %v", i, name, args, got)
		}
	}
}
