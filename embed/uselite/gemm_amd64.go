//go:build amd64 && !purego

package uselite

import "golang.org/x/sys/cpu"

// kernel6x16AVX2 is kernel in Go assembly (gemm_amd64.s), AVX2 + FMA.
//
//go:noescape
func kernel6x16AVX2(a *float32, lda int, p *float32, kb int, c *float32, ldc int)

func kernelAVX2(a []float32, lda int, p []float32, kb int, c []float32, ldc int) {
	kernel6x16AVX2(&a[0], lda, &p[0], kb, &c[0], ldc)
}

// bestKernel returns the fastest micro-kernel this CPU supports.
func bestKernel() (kernel, string) {
	if cpu.X86.HasAVX2 && cpu.X86.HasFMA {
		return kernelAVX2, "avx2-fma"
	}
	return kernelGo, "go"
}
