package uselite

import (
	"context"
	"fmt"
	"runtime"
	"sync"

	"github.com/kapi-project/kapi/embed"
)

// maxBatchTokens bounds the tokens of one forward pass, keeping an arena's
// activations (19 KiB per token) within 10 MiB.
const maxBatchTokens = 512

// EmbedQuery embeds one text (USE-lite is symmetric: queries and documents go
// through the same network). Only the first MaxTokens tokens count. An empty
// text has no tokens and embeds to the model's fixed "no content" vector,
// normalize(tanh(bias)), exactly as TF.js does. It returns ctx.Err() if ctx
// is already done; it never returns embed.ErrUnavailable.
func (m *Model) EmbedQuery(ctx context.Context, text string) ([]float32, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("use-lite embed query: %w", err)
	}
	out := [][]float32{make([]float32, Dims)}
	m.run([][]int32{m.tok.Encode(text)}, out)
	return out[0], nil
}

// DocumentText is the text a Document embeds as: the title and the text
// joined by ". " (just " " when the title already ends in . ! ? or :), or
// whichever is non-empty. Only the first MaxTokens tokens count, so long
// documents should be chunked by the caller.
func DocumentText(d embed.Document) string {
	switch {
	case d.Title == "":
		return d.Text
	case d.Text == "":
		return d.Title
	}
	switch d.Title[len(d.Title)-1] {
	case '.', '!', '?', ':':
		return d.Title + " " + d.Text
	}
	return d.Title + ". " + d.Text
}

// EmbedDocuments embeds docs (see DocumentText), in order, one Dims-long
// unit vector each, spreading the work over runtime.GOMAXPROCS goroutines.
// It returns ctx.Err() (wrapped) if ctx is done before all batches ran; it
// never returns embed.ErrUnavailable.
func (m *Model) EmbedDocuments(ctx context.Context, docs []embed.Document) ([][]float32, error) {
	seqs := make([][]int32, len(docs))
	out := make([][]float32, len(docs))
	flat := make([]float32, len(docs)*Dims)
	for i, d := range docs {
		seqs[i] = m.tok.Encode(DocumentText(d))
		out[i] = flat[i*Dims : (i+1)*Dims : (i+1)*Dims]
	}
	procs := runtime.GOMAXPROCS(0)
	chunks := splitBatches(seqs, batchLimit(seqs, procs))
	workers := min(procs, len(chunks))
	next := make(chan [2]int)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for c := range next {
				m.run(seqs[c[0]:c[1]], out[c[0]:c[1]])
			}
		})
	}
	var err error
	for _, c := range chunks {
		if err = ctx.Err(); err != nil {
			break
		}
		next <- c
	}
	close(next)
	wg.Wait()
	if err != nil {
		return nil, fmt.Errorf("use-lite embed %d documents: %w", len(docs), err)
	}
	return out, nil
}

// batchLimit is the token budget of one batch: maxBatchTokens, or less when
// the documents would otherwise not give every one of procs workers a batch.
func batchLimit(seqs [][]int32, procs int) int {
	total := 0
	for _, s := range seqs {
		total += min(len(s), MaxTokens)
	}
	return max(1, min(maxBatchTokens, (total+procs-1)/procs))
}

// splitBatches cuts seqs into consecutive [from, to) ranges of at most
// limit tokens each (after clipping; a range holds at least one sequence).
func splitBatches(seqs [][]int32, limit int) [][2]int {
	var out [][2]int
	from, tokens := 0, 0
	for i, s := range seqs {
		n := min(len(s), MaxTokens)
		if i > from && tokens+n > limit {
			out = append(out, [2]int{from, i})
			from, tokens = i, 0
		}
		tokens += n
	}
	if from < len(seqs) {
		out = append(out, [2]int{from, len(seqs)})
	}
	return out
}

// run embeds seqs into dst with a pooled arena.
func (m *Model) run(seqs [][]int32, dst [][]float32) {
	a, _ := m.arenas.Get().(*arena)
	if a == nil {
		a = &arena{}
	}
	m.forward(a, newBatch(seqs), dst)
	m.arenas.Put(a)
}

var _ embed.Embedder = (*Model)(nil)

// CountTokens returns how many tokens the model reads for text, unclipped
// (the network reads at most MaxTokens), so callers can size passages.
func (m *Model) CountTokens(text string) int { return len(m.tok.Encode(text)) }

// MaxTokens reports the longest input the network reads, in tokens.
func (m *Model) MaxTokens() int { return MaxTokens }
