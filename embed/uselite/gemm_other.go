//go:build !amd64 || purego

package uselite

// bestKernel returns the portable micro-kernel: no assembly on this platform
// (or the purego build tag is set).
func bestKernel() (kernel, string) { return kernelGo, "go" }
