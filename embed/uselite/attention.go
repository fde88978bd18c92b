package uselite

import "math"

// attScratch is the per-head working memory of self-attention for one
// sequence of at most MaxTokens tokens.
type attScratch struct {
	keys   panels    // K_h transposed and packed: [headDim, n]
	values panels    // V_h packed: [n, headDim]
	scores []float32 // [MaxTokens, MaxTokens]: Q_h·K_hᵀ, then softmax
	out    []float32 // [MaxTokens, headDim]: scores·V_h
}

// attention computes multi-head self-attention for every sequence of b from
// a.qkv (rows of [q | k | v], queries pre-scaled) into a.ctx. Sequences never
// attend to each other and a sequence has no padding, so no mask is needed.
func (m *Model) attention(a *arena, l *layer, b batch) {
	s := &a.att
	s.scores = grow(s.scores, MaxTokens*MaxTokens)
	s.out = grow(s.out, MaxTokens*(modelDim/numHeads))
	for i, ids := range b.ids {
		n := len(ids)
		if n == 0 {
			continue
		}
		for h := range numHeads {
			m.attendHead(a, l, b.start[i], n, h)
		}
	}
}

// attendHead runs head h over the n tokens starting at row r0.
func (m *Model) attendHead(a *arena, l *layer, r0, n, h int) {
	s := &a.att
	ld := 3 * l.att
	hd := l.headDim
	q := a.qkv[r0*ld+h*hd:]
	k := a.qkv[r0*ld+l.att+h*hd:]
	v := a.qkv[r0*ld+2*l.att+h*hd:]

	packTransposed(&s.keys, k, n, hd, ld)
	ldS := s.keys.n
	clear(s.scores[:n*ldS])
	gemm(m.kern, n, q, ld, &s.keys, s.scores, ldS)
	for i := range n {
		softmax(s.scores[i*ldS : i*ldS+n])
	}

	s.values.packInto(v, n, hd, ld)
	clear(s.out[:n*hd])
	gemm(m.kern, n, s.scores, ldS, &s.values, s.out, hd)
	for i := range n {
		copy(a.ctx[(r0+i)*l.att+h*hd:(r0+i)*l.att+(h+1)*hd], s.out[i*hd:(i+1)*hd])
	}
}

// packTransposed stores the transpose of the n x k matrix src (row stride
// ld) into p as k x n panels, zero-padding the columns past n.
func packTransposed(p *panels, src []float32, n, k, ld int) {
	p.k, p.n = k, roundUp(n, tileCols)
	size := p.k * p.n
	if cap(p.data) < size {
		p.data = make([]float32, size)
	}
	p.data = p.data[:size]
	for j0 := 0; j0 < p.n; j0 += tileCols {
		dst := p.data[j0*k : (j0+tileCols)*k]
		for c := range tileCols {
			if j0+c >= n {
				for r := range k {
					dst[r*tileCols+c] = 0
				}
				continue
			}
			row := src[(j0+c)*ld : (j0+c)*ld+k]
			for r, x := range row {
				dst[r*tileCols+c] = x
			}
		}
	}
}

// softmax replaces x by exp(x - max) / sum, in place.
func softmax(x []float32) {
	mx := x[0]
	for _, v := range x[1:] {
		mx = max(mx, v)
	}
	var sum float32
	for i, v := range x {
		e := float32(math.Exp(float64(v - mx)))
		x[i] = e
		sum += e
	}
	inv := 1 / sum
	for i := range x {
		x[i] *= inv
	}
}
