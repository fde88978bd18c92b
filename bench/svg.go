package bench

import (
	"fmt"
	"html"
	"io"
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
	fmt.Fprintf(w, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`+"\n", chartW, chartH, chartW, chartH)
	fmt.Fprintf(w, `<rect width="%d" height="%d" fill="white"/>`+"\n", chartW, chartH)
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
	fmt.Fprintln(w, "</svg>")
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
