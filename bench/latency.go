package bench

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Latencies summarises the durations of n calls.
type Latencies struct {
	N             int
	P50, P95, P99 time.Duration
}

// Measure calls fn n times from concurrency goroutines (call i gets i, for
// picking a query) and returns the percentiles of the calls' durations.
// Errors: the first error fn returns; the remaining calls still run.
func Measure(ctx context.Context, n, concurrency int, fn func(ctx context.Context, i int) error) (Latencies, error) {
	durations := make([]time.Duration, n)
	var next atomic.Int64
	var firstErr error
	var once sync.Once
	var wg sync.WaitGroup
	for range concurrency {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				start := time.Now()
				err := fn(ctx, i)
				durations[i] = time.Since(start)
				if err != nil {
					once.Do(func() { firstErr = err })
				}
			}
		})
	}
	wg.Wait()
	return summarise(durations), firstErr
}

func summarise(d []time.Duration) Latencies {
	if len(d) == 0 {
		return Latencies{}
	}
	slices.Sort(d)
	at := func(p float64) time.Duration { return d[min(len(d)-1, int(p*float64(len(d))))] }
	return Latencies{N: len(d), P50: at(0.50), P95: at(0.95), P99: at(0.99)}
}
