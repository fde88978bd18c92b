package rest

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/kapi-project/kapi/search"
)

// Parameter bounds (API.md §4).
const (
	defaultLimit   = 5
	maxLimit       = 50
	maxOffset      = 10_000 // deeper pages cost a scan each; use filters instead
	defaultDays    = 7
	maxDays        = 3_650
	maxQueryLength = 1_000 // characters of a search query
	maxParamLength = 2_000 // bytes of any other parameter
)

// page reads limit and offset.
func page(c *gin.Context) (limit, offset int, err error) {
	if limit, err = intParam(c, "limit", defaultLimit, 1, maxLimit); err != nil {
		return 0, 0, err
	}
	offset, err = intParam(c, "offset", 0, 0, maxOffset)
	return limit, offset, err
}

func intParam(c *gin.Context, name string, def, lo, hi int) (int, error) {
	raw, ok := c.GetQuery(name)
	if !ok {
		return def, nil
	}
	n, err := strconv.Atoi(strings.TrimSpace(raw))
	if err != nil || n < lo || n > hi {
		return 0, validationError(name, fmt.Sprintf("%s must be a whole number between %d and %d", name, lo, hi),
			map[string]any{"min": lo, "max": hi})
	}
	return n, nil
}

// confidenceMin reads confidence_min (0..1, default 0).
func confidenceMin(c *gin.Context) (float64, error) {
	raw, ok := c.GetQuery("confidence_min")
	if !ok {
		return 0, nil
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(raw), 64)
	if err != nil || math.IsNaN(f) || f < 0 || f > 1 {
		return 0, validationError("confidence_min", "confidence_min must be a number between 0 and 1",
			map[string]any{"min": 0, "max": 1})
	}
	return f, nil
}

// fusionParams reads the hybrid parameters fusion (rrf | relative) and
// semantic_weight (0..1); absent ones stay unset (the model's defaults).
func fusionParams(c *gin.Context) (search.Fusion, *float64, error) {
	var f search.Fusion
	switch v, ok := c.GetQuery("fusion"); {
	case !ok:
	case v == string(search.FusionRRF) || v == string(search.FusionRelative):
		f = search.Fusion(v)
	default:
		return "", nil, validationError("fusion", "fusion must be rrf or relative",
			map[string]any{"allowed": []string{"rrf", "relative"}})
	}
	raw, ok := c.GetQuery("semantic_weight")
	if !ok {
		return f, nil, nil
	}
	w, err := strconv.ParseFloat(strings.TrimSpace(raw), 64)
	if err != nil || !(w >= 0 && w <= 1) {
		return "", nil, validationError("semantic_weight", "semantic_weight must be a number between 0 and 1",
			map[string]any{"min": 0, "max": 1})
	}
	return f, &w, nil
}

// verbosity reads verbosity: full or compact, default def.
func verbosity(c *gin.Context, def string) (bool, error) {
	v := c.DefaultQuery("verbosity", def)
	switch v {
	case "full":
		return true, nil
	case "compact":
		return false, nil
	}
	return false, validationError("verbosity", "verbosity must be full or compact", map[string]any{"allowed": []string{"full", "compact"}})
}

// textParam reads a free-text parameter of at most max characters.
func textParam(c *gin.Context, name string, max int) (string, error) {
	v := strings.TrimSpace(c.Query(name))
	if len([]rune(v)) > max {
		return "", validationError(name, fmt.Sprintf("%s must be at most %d characters", name, max), map[string]any{"max": max})
	}
	return v, nil
}

// since reads since (RFC 3339) or days (whole days back from now); defaultDays
// when neither is given and useDefault is set, else nil.
func since(c *gin.Context, now time.Time, useDefault bool) (*time.Time, error) {
	if raw, ok := c.GetQuery("since"); ok {
		t, err := time.Parse(time.RFC3339, strings.TrimSpace(raw))
		if err != nil {
			return nil, validationError("since", "since must be an RFC 3339 time such as 2026-11-01T00:00:00Z", nil)
		}
		return &t, nil
	}
	if _, ok := c.GetQuery("days"); !ok && !useDefault {
		return nil, nil
	}
	days, err := intParam(c, "days", defaultDays, 1, maxDays)
	if err != nil {
		return nil, err
	}
	t := now.Add(-time.Duration(days) * 24 * time.Hour)
	return &t, nil
}

// categoryList reads a comma-separated list of categories, normalised.
func categoryList(raw string) []string {
	var out []string
	for part := range strings.SplitSeq(raw, ",") {
		if c := normaliseCategory(part); c != "" {
			out = append(out, c)
		}
	}
	return out
}
