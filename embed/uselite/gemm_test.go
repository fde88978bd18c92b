package uselite

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// naiveGemm is the reference: C[m,n] += A[m,k]·W[k,n], W row-major.
func naiveGemm(m, k, n int, a []float32, lda int, w []float32, c []float32, ldc int) {
	for i := range m {
		for j := range n {
			var s float64
			for r := range k {
				s += float64(a[i*lda+r]) * float64(w[r*n+j])
			}
			c[i*ldc+j] += float32(s)
		}
	}
}

func randSlice(r *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = r.Float32()*2 - 1
	}
	return s
}

func TestGemmMatchesNaive(t *testing.T) {
	type kern struct {
		name string
		k    kernel
	}
	best, bestName := bestKernel()
	kernels := []kern{{"go", kernelGo}, {bestName, best}}
	sizes := []struct{ m, k, n int }{
		{1, 1, 1}, {1, 7, 16}, {5, 3, 17}, {6, 16, 16}, {7, 33, 31},
		{13, 257, 48}, {15, 512, 1536}, {97, 300, 40}, {128, 64, 128}, {200, 1536, 33},
	}
	r := rand.New(rand.NewPCG(1, 2))
	for _, kn := range kernels {
		for _, sz := range sizes {
			t.Run(fmt.Sprintf("%s/m%d_k%d_n%d", kn.name, sz.m, sz.k, sz.n), func(t *testing.T) {
				lda, ldc := sz.k+3, roundUp(sz.n, tileCols)+5 // strides wider than the data
				rows := sz.m + tileRows                       // spare rows must stay untouched
				a := randSlice(r, sz.m*lda)
				w := randSlice(r, sz.k*sz.n)
				c := randSlice(r, rows*ldc)
				want := append([]float32(nil), c...)
				naiveGemm(sz.m, sz.k, sz.n, a, lda, w, want, ldc)
				gemm(kn.k, sz.m, a, lda, pack(w, sz.k, sz.n), c, ldc)
				for i := range rows {
					for j := range ldc {
						got, want := c[i*ldc+j], want[i*ldc+j]
						if math.Abs(float64(got-want)) > 1e-4*math.Sqrt(float64(sz.k))+1e-5 {
							t.Fatalf("C[%d,%d]: got %v, want %v", i, j, got, want)
						}
					}
				}
			})
		}
	}
}

// BenchmarkGemm measures the kernel on the shapes of a 15-token query and
// of a 512-token bulk batch (the FFN's first matrix, 512 -> 1536).
func BenchmarkGemm(b *testing.B) {
	best, bestName := bestKernel()
	for _, m := range []int{15, 18, 512} {
		for _, kn := range []struct {
			name string
			k    kernel
		}{{bestName, best}} {
			b.Run(fmt.Sprintf("%s/m%d", kn.name, m), func(b *testing.B) {
				const k, n = 512, 1536
				r := rand.New(rand.NewPCG(1, 2))
				a, c := randSlice(r, m*k), make([]float32, m*n)
				w := pack(randSlice(r, k*n), k, n)
				for b.Loop() {
					gemm(kn.k, m, a, k, w, c, n)
				}
				b.ReportMetric(2*float64(m*k*n)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}
