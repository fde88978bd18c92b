package uselite

import "math"

// arena is the scratch memory of one forward pass over a batch: every
// activation matrix holds one row per token of the batch (all sequences
// packed one after another). Arenas are pooled and grow to the largest batch
// seen, so a steady-state pass allocates no activations.
type arena struct {
	x, ln, qkv, ctx, h, ff []float32
	pooled, out            []float32
	att                    attScratch
}

// grow returns s with length n, reusing its storage when large enough.
func grow(s []float32, n int) []float32 {
	return growCap(s, n, n)
}

// growCap is grow allocating capacity c >= n when s is too small.
func growCap(s []float32, n, c int) []float32 {
	if cap(s) < n {
		return make([]float32, n, c)
	}
	return s[:n]
}

// arenaStep is the granularity, in tokens, of arena growth: batches of
// varying sizes then rarely reallocate.
const arenaStep = 64

// fit sizes the arena for t tokens in s sequences.
func (a *arena) fit(t, s int) {
	c := roundUp(t, arenaStep)
	a.x = growCap(a.x, t*embedDim, c*embedDim)
	a.ln = growCap(a.ln, t*modelDim, c*modelDim)
	a.qkv = growCap(a.qkv, t*3*modelDim, c*3*modelDim)
	a.ctx = growCap(a.ctx, t*modelDim, c*modelDim)
	a.h = growCap(a.h, t*modelDim, c*modelDim)
	a.ff = growCap(a.ff, t*ffnDim, c*ffnDim)
	a.pooled = grow(a.pooled, s*modelDim)
	a.out = grow(a.out, s*Dims)
}

// batch is the token layout of one forward pass.
type batch struct {
	ids   [][]int32 // per sequence, clipped to MaxTokens
	start []int     // first row of each sequence
	rows  int       // total tokens
}

// newBatch clips each sequence to MaxTokens and lays them out row after row.
func newBatch(seqs [][]int32) batch {
	b := batch{ids: make([][]int32, len(seqs)), start: make([]int, len(seqs))}
	for i, s := range seqs {
		if len(s) > MaxTokens {
			s = s[:MaxTokens]
		}
		b.ids[i], b.start[i] = s, b.rows
		b.rows += len(s)
	}
	return b
}

// forward embeds every sequence of b into dst (one Dims-long slice each).
func (m *Model) forward(a *arena, b batch, dst [][]float32) {
	a.fit(b.rows, len(b.ids))
	m.embedTokens(a, b)
	m.runLayer(a, &m.layers[0], b, a.x)
	m.runLayer(a, &m.layers[1], b, a.h)
	m.pool(a, b, dst)
}

// embedTokens writes the Layer_0 input: the graph adds the embedding twice
// (once scattered directly, once inside AddTimingSignal) plus the timing
// signal of the token's position.
func (m *Model) embedTokens(a *arena, b batch) {
	for s, ids := range b.ids {
		for p, id := range ids {
			row := a.x[(b.start[s]+p)*embedDim : (b.start[s]+p+1)*embedDim]
			e := m.emb[int(id)*embedDim : (int(id)+1)*embedDim]
			t := m.timing[p*embedDim : (p+1)*embedDim]
			for j := range row {
				row[j] = e[j] + (e[j] + t[j])
			}
		}
	}
}

// runLayer applies one pre-norm transformer layer. in is the layer input
// (a.x for Layer_0, a.h for Layer_1); the result is left in a.h.
func (m *Model) runLayer(a *arena, l *layer, b batch, in []float32) {
	t := b.rows
	layerNorm(a.ln, in, t, l.dIn, l.ln1S, l.ln1B)
	fillRows(a.qkv, t, l.qkvB)
	gemm(m.kern, t, a.ln, l.dIn, l.qkvW, a.qkv, 3*l.att)
	m.attention(a, l, b)
	if l.resW != nil { // Layer_0: residual is dense(x), widening 256 -> 512
		fillRows(a.h, t, l.resB)
		gemm(m.kern, t, in, l.dIn, l.resW, a.h, l.d)
	}
	addRows(a.h, t, l.outB)
	gemm(m.kern, t, a.ctx, l.att, l.outW, a.h, l.d)

	layerNorm(a.ln, a.h, t, l.d, l.ln2S, l.ln2B)
	fillRows(a.ff, t, l.ff1B)
	gemm(m.kern, t, a.ln, l.d, l.ff1W, a.ff, ffnDim)
	relu(a.ff[:t*ffnDim])
	addRows(a.h, t, l.ff2B)
	gemm(m.kern, t, a.ff, ffnDim, l.ff2W, a.h, l.d)
}

// pool averages each sequence's final rows, applies the tanh dense layer and
// L2-normalizes into dst. A sequence with no tokens pools to the zero vector
// (the graph divides by max(len, 1)), so it embeds to normalize(tanh(bias)).
func (m *Model) pool(a *arena, b batch, dst [][]float32) {
	for s, ids := range b.ids {
		row := a.pooled[s*modelDim : (s+1)*modelDim]
		clear(row)
		for p := range ids {
			h := a.h[(b.start[s]+p)*modelDim : (b.start[s]+p+1)*modelDim]
			for j, v := range h {
				row[j] += v
			}
		}
		inv := 1 / float32(max(len(ids), 1))
		for j := range row {
			row[j] *= inv
		}
	}
	n := len(b.ids)
	fillRows(a.out, n, m.tanhB)
	gemm(m.kern, n, a.pooled, modelDim, m.tanhW, a.out, Dims)
	for s := range b.ids {
		v := a.out[s*Dims : (s+1)*Dims]
		var ss float64
		for j, x := range v {
			y := float32(math.Tanh(float64(x)))
			v[j] = y
			ss += float64(y) * float64(y)
		}
		scale := float32(1 / math.Sqrt(math.Max(ss, l2Eps)))
		for j, y := range v {
			dst[s][j] = y * scale
		}
	}
}

// layerNorm writes LN(src) for t rows of width w into dst (same width).
func layerNorm(dst, src []float32, t, w int, scale, bias []float32) {
	for i := range t {
		x := src[i*w : (i+1)*w]
		y := dst[i*w : (i+1)*w]
		mean := sum8(x) / float32(w)
		r := float32(1 / math.Sqrt(float64(sqDev8(x, mean)/float32(w)+lnEps)))
		for j, v := range x {
			y[j] = scale[j]*r*(v-mean) + bias[j]
		}
	}
}

// sum8 returns the sum of x with eight partial sums, so that the additions
// do not wait on each other. len(x) must be a multiple of 8.
func sum8(x []float32) float32 {
	var s [8]float32
	for i := 0; i+8 <= len(x); i += 8 {
		v := x[i : i+8 : i+8]
		for j := range s {
			s[j] += v[j]
		}
	}
	return ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]))
}

// sqDev8 returns the sum of (x - mean)² like sum8.
func sqDev8(x []float32, mean float32) float32 {
	var s [8]float32
	for i := 0; i+8 <= len(x); i += 8 {
		v := x[i : i+8 : i+8]
		for j := range s {
			d := v[j] - mean
			s[j] += d * d
		}
	}
	return ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]))
}

// fillRows sets each of t rows of dst (width len(bias)) to bias.
func fillRows(dst []float32, t int, bias []float32) {
	w := len(bias)
	for i := range t {
		copy(dst[i*w:(i+1)*w], bias)
	}
}

// addRows adds bias to each of t rows of dst (width len(bias)).
func addRows(dst []float32, t int, bias []float32) {
	w := len(bias)
	for i := range t {
		row := dst[i*w : (i+1)*w]
		for j, b := range bias {
			row[j] += b
		}
	}
}

// relu clamps negative values to zero in place, without branches (about
// half the values are negative, so a branch would mispredict constantly).
func relu(x []float32) {
	for i, v := range x {
		x[i] = max(v, 0)
	}
}
