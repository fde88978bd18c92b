//go:build amd64 && !purego

package uselite

import "golang.org/x/sys/cpu"

// kernelAVX2 is the micro-kernel in Go assembly (gemm_amd64.s), AVX2 + FMA.
//
//go:noescape
func kernelAVX2(a *float32, lda int, p *float32, kb int, c *float32, ldc int, rows int)

// kernelAsm adapts kernelAVX2 to the kernel signature; gemm has checked the
// slice bounds.
func kernelAsm(a []float32, lda int, p []float32, kb int, c []float32, ldc, rows int) {
	kernelAVX2(&a[0], lda, &p[0], kb, &c[0], ldc, rows)
}

// bestKernel returns the fastest micro-kernel this CPU supports.
func bestKernel() (kernel, string) {
	if cpu.X86.HasAVX2 && cpu.X86.HasFMA {
		return kernelAsm, "avx2-fma"
	}
	return kernelGo, "go"
}
