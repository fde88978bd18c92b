package bench

import (
	"fmt"
	"html"
	"io"
	"slices"
	"strings"

	"github.com/kapi-project/kapi/search"
)

// Chart geometry, in SVG user units (pixels at 100% zoom).
const (
	chartW, chartH = 720, 400
	plotX, plotY   = 60, 50   // top-left corner of the plot area
	plotW, plotH   = 520, 290 // the plot area; the legend sits to its right
	barW           = 36
)

// chartColor is the bar colour of the i-th mode in Report.Modes order
// (colour-blind-safe Okabe-Ito hues).
func chartColor(i int) string {
	colors := [...]string{"#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9"}
	return colors[i%len(colors)]
}

// Chart writes r's metrics as a grouped bar chart: one group per metric
// (nDCG@10, Recall@100, MRR@10, all in 0..1), one bar per mode, the value
// above each bar. The SVG is written by hand: it is a few rectangles and
// labels, and a plotting library would be the module's largest dependency
// for them.
func Chart(w io.Writer, r Report) {
	h := chartH
	if len(r.Sweep) > 0 {
		h += sweepH
	}
	fmt.Fprintf(w, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`+"\n", chartW, h, chartW, h)
	fmt.Fprintf(w, `<rect width="%d" height="%d" fill="white"/>`+"\n", chartW, h)
	fmt.Fprintf(w, `<text x="%d" y="28" font-size="16" font-weight="bold">%s</text>`+"\n", plotX,
		html.EscapeString(fmt.Sprintf("%s: ranking quality per mode (%s)", r.Collection.Name, r.Config.Model)))
	chartAxis(w)
	metrics := []struct {
		name  string
		value func(ModeSummary) float64
	}{
		{"nDCG@10", func(m ModeSummary) float64 { return m.NDCG10 }},
		{"Recall@100", func(m ModeSummary) float64 { return m.Recall100 }},
		{"MRR@10", func(m ModeSummary) float64 { return m.MRR10 }},
	}
	groupW := plotW / len(metrics)
	for g, metric := range metrics {
		x0 := plotX + g*groupW + (groupW-barW*len(r.Modes))/2
		for i, m := range r.Modes {
			chartBar(w, x0+i*barW, metric.value(m), chartColor(i))
		}
		fmt.Fprintf(w, `<text x="%d" y="%d" text-anchor="middle" font-size="13">%s</text>`+"\n", plotX+g*groupW+groupW/2, plotY+plotH+20, metric.name)
	}
	chartLegend(w, r.Modes)
	if len(r.Sweep) > 0 {
		sweepChart(w, r)
	}
	fmt.Fprintln(w, "</svg>")
}

// sweepH is the height of the sweep panel below the bars.
const sweepH = 320

// sweepChart draws hybrid nDCG@10 against the semantic weight, a line per
// fusion, below the bars, with the keyword leg's nDCG@10 as a dashed line
// (the level fusion must beat). The y axis spans the values shown.
func sweepChart(w io.Writer, r Report) {
	top, height := chartH+40, sweepH-90
	lo, hi := 1.0, 0.0
	for _, p := range r.Sweep {
		lo, hi = min(lo, p.NDCG10), max(hi, p.NDCG10)
	}
	kw, hasKW := findMode(r.Modes, "keyword")
	if hasKW {
		lo, hi = min(lo, kw.NDCG10), max(hi, kw.NDCG10)
	}
	lo, hi = lo-0.01, hi+0.01
	x := func(v float64) float64 { return plotX + v*plotW }
	y := func(v float64) float64 { return float64(top+height) - (v-lo)/(hi-lo)*float64(height) }
	fmt.Fprintf(w, `<text x="%d" y="%d" font-size="14" font-weight="bold">hybrid nDCG@10 by semantic weight (default %s %.2f)</text>`+"\n",
		plotX, top-14, html.EscapeString(r.Config.HybridFusion), r.Config.HybridSemanticWeight)
	for i := 0; i <= 4; i++ {
		v := lo + float64(i)*(hi-lo)/4
		fmt.Fprintf(w, `<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#ddd"/><text x="%d" y="%.1f" text-anchor="end">%.3f</text>`+"\n",
			plotX, y(v), plotX+plotW, y(v), plotX-6, y(v)+4, v)
	}
	for i := 0; i <= 10; i++ {
		fmt.Fprintf(w, `<text x="%.1f" y="%d" text-anchor="middle" font-size="10">%.1f</text>`+"\n", x(float64(i)/10), top+height+16, float64(i)/10)
	}
	if hasKW {
		fmt.Fprintf(w, `<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#333" stroke-dasharray="4 3"/><text x="%d" y="%.1f" font-size="10">keyword</text>`+"\n",
			plotX, y(kw.NDCG10), plotX+plotW, y(kw.NDCG10), plotX+plotW+4, y(kw.NDCG10)+4)
	}
	var fusions []search.Fusion
	for _, p := range r.Sweep {
		if !slices.Contains(fusions, p.Fusion) {
			fusions = append(fusions, p.Fusion)
		}
	}
	for i, f := range fusions {
		var pts []string
		for _, p := range r.Sweep {
			if p.Fusion == f {
				pts = append(pts, fmt.Sprintf("%.1f,%.1f", x(p.SemanticWeight), y(p.NDCG10)))
			}
		}
		fmt.Fprintf(w, `<polyline points="%s" fill="none" stroke="%s" stroke-width="2"/>`+"\n", strings.Join(pts, " "), chartColor(i))
		fmt.Fprintf(w, `<rect x="%d" y="%d" width="14" height="14" fill="%s"/><text x="%d" y="%d">%s</text>`+"\n",
			plotX+plotW+16, top+10+i*24, chartColor(i), plotX+plotW+36, top+22+i*24, html.EscapeString(string(f)))
	}
}

// chartAxis draws the y axis from 0 to 1 with a grid line every 0.2.
func chartAxis(w io.Writer) {
	for i := 0; i <= 5; i++ {
		y := plotY + plotH - i*plotH/5
		fmt.Fprintf(w, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#ddd"/>`+"\n", plotX, y, plotX+plotW, y)
		fmt.Fprintf(w, `<text x="%d" y="%d" text-anchor="end">%.1f</text>`+"\n", plotX-6, y+4, float64(i)/5)
	}
	fmt.Fprintf(w, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#333"/>`+"\n", plotX, plotY, plotX, plotY+plotH)
	fmt.Fprintf(w, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#333"/>`+"\n", plotX, plotY+plotH, plotX+plotW, plotY+plotH)
}

// chartBar draws one bar of height v (0..1 of the plot) with its value above.
func chartBar(w io.Writer, x int, v float64, color string) {
	h := int(min(max(v, 0), 1) * plotH)
	y := plotY + plotH - h
	fmt.Fprintf(w, `<rect x="%d" y="%d" width="%d" height="%d" fill="%s"/>`+"\n", x+2, y, barW-4, h, color)
	fmt.Fprintf(w, `<text x="%d" y="%d" text-anchor="middle" font-size="10">%.3f</text>`+"\n", x+barW/2, y-4, v)
}

// chartLegend lists the modes with their colour and mean latency.
func chartLegend(w io.Writer, modes []ModeSummary) {
	x := plotX + plotW + 16
	for i, m := range modes {
		y := plotY + 10 + i*40
		fmt.Fprintf(w, `<rect x="%d" y="%d" width="14" height="14" fill="%s"/>`+"\n", x, y, chartColor(i))
		fmt.Fprintf(w, `<text x="%d" y="%d">%s</text>`+"\n", x+20, y+12, html.EscapeString(m.Mode))
		fmt.Fprintf(w, `<text x="%d" y="%d" font-size="10" fill="#555">%.1f ms mean</text>`+"\n", x+20, y+26, m.LatencyMeanMS)
	}
}
