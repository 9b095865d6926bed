//go:build !linux

package search

import "time"

// threadCPU is not measured outside Linux; benchmarks report 0.
func threadCPU(fn func()) time.Duration {
	fn()
	return 0
}
