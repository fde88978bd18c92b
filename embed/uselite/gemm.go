package uselite

import "fmt"

// The dense layers are C += A·B with A the activations (row-major, one row per
// token, any stride), B a weight matrix packed once at load time, and C the
// output (row-major). A micro-kernel computes a 6x16 tile of C entirely in
// registers (12 AVX2 accumulators of 8 floats); the driver below feeds it
// cache-sized blocks. A is read in place, never packed: a 6-row tile reads 6
// rows of A with broadcasts, so only B needs a kernel-friendly layout.

const (
	tileRows = 6   // rows of C per micro-kernel call (mr)
	tileCols = 16  // columns of C per micro-kernel call (nr), two ymm registers
	blockK   = 256 // depth of one block: a 256x16 B panel (16 KiB) stays in L1
	blockM   = 96  // rows of A per block: 96x256 floats (96 KiB) stay in L2
	smallM   = 48  // up to this many rows, B is streamed without depth blocks
)

// panels is a K x N matrix stored as N/16 column panels, each K x 16
// row-major and contiguous, zero-padded to a multiple of 16 columns.
type panels struct {
	k, n int // n is a multiple of tileCols
	data []float32
}

// roundUp returns x rounded up to a multiple of m.
func roundUp(x, m int) int { return (x + m - 1) / m * m }

// packInto stores the k x n row-major matrix w (row stride ldw) into p,
// reusing p.data when it is large enough.
func (p *panels) packInto(w []float32, k, n, ldw int) {
	p.k, p.n = k, roundUp(n, tileCols)
	size := p.k * p.n
	if cap(p.data) < size {
		p.data = make([]float32, size)
	}
	p.data = p.data[:size]
	for j0 := 0; j0 < p.n; j0 += tileCols {
		dst := p.data[j0*k : (j0+tileCols)*k]
		for r := range k {
			row := dst[r*tileCols : (r+1)*tileCols]
			for c := range row {
				if j0+c < n {
					row[c] = w[r*ldw+j0+c]
				} else {
					row[c] = 0
				}
			}
		}
	}
}

// pack returns w (k x n, row-major) as panels.
func pack(w []float32, k, n int) *panels {
	p := &panels{}
	p.packInto(w, k, n, n)
	return p
}

// gemm computes C[0:m, 0:b.n] += A[0:m, 0:b.k] · B. It panics if the slices
// are too short, since the kernel itself does not check bounds.
func gemm(k kernel, m int, a []float32, lda int, b *panels, c []float32, ldc int) {
	if m == 0 || b.k == 0 {
		return
	}
	if len(a) < (m-1)*lda+b.k || len(c) < (m-1)*ldc+b.n {
		panic(fmt.Sprintf("uselite: gemm operands too short: m=%d k=%d n=%d len(a)=%d lda=%d len(c)=%d ldc=%d",
			m, b.k, b.n, len(a), lda, len(c), ldc))
	}
	// A short A (a query) stays in L2 whole, and the full-depth panels of B
	// then form one sequential stream through memory that the prefetcher
	// follows; a tall A is blocked in depth so that panels stay in L1.
	depth := blockK
	if m <= smallM {
		depth = b.k
	}
	for k0 := 0; k0 < b.k; k0 += depth {
		kb := min(depth, b.k-k0)
		for i0 := 0; i0 < m; i0 += blockM {
			i1 := min(i0+blockM, m)
			for j0 := 0; j0 < b.n; j0 += tileCols {
				bp := b.data[j0*b.k+k0*tileCols:]
				for i := i0; i < i1; {
					h := tileHeight(i1 - i)
					k(a[i*lda+k0:], lda, bp, kb, c[i*ldc+j0:], ldc, h)
					i += h
				}
			}
		}
	}
}

// tileHeight returns the height of the next tile when rest rows remain. A
// tile of 1-3 rows has too few accumulators to hide the FMA latency, so the
// last 7-9 rows are split into two tiles of 3-5 rows instead of 6 + 1-3.
func tileHeight(rest int) int {
	if rest > tileRows && rest < tileRows+4 {
		return (rest + 1) / 2
	}
	return min(tileRows, rest)
}

// kernel computes the tile C[0:rows, 0:16] += A[0:rows, 0:kb] · P[0:kb, 0:16]
// where P is a packed panel (row stride 16) and rows is 1..tileRows.
type kernel func(a []float32, lda int, p []float32, kb int, c []float32, ldc, rows int)

// kernelGo is the portable micro-kernel, also the reference in tests.
func kernelGo(a []float32, lda int, p []float32, kb int, c []float32, ldc, rows int) {
	var acc [tileRows][tileCols]float32
	for r := range kb {
		prow := p[r*tileCols : r*tileCols+tileCols]
		for i := range rows {
			ai := a[i*lda+r]
			for j, pv := range prow {
				acc[i][j] += ai * pv
			}
		}
	}
	for i := range rows {
		crow := c[i*ldc : i*ldc+tileCols]
		for j := range crow {
			crow[j] += acc[i][j]
		}
	}
}
