package gemini

import (
	"context"
	"fmt"
	"math"

	"google.golang.org/genai"
)

// embedAll embeds texts in consecutive batches of at most MaxBatch, keeping
// order. titles is nil or parallel to texts.
func (e *Embedder) embedAll(ctx context.Context, texts, titles []string, task string) ([][]float32, error) {
	out := make([][]float32, 0, len(texts))
	for start := 0; start < len(texts); start += MaxBatch {
		end := min(start+MaxBatch, len(texts))
		var batchTitles []string
		if titles != nil {
			batchTitles = titles[start:end]
		}
		vecs, err := e.withRetry(ctx, func(ctx context.Context) ([][]float32, error) {
			return e.embedBatch(ctx, texts[start:end], batchTitles, task)
		})
		if err != nil {
			return nil, fmt.Errorf("gemini: embed texts %d..%d of %d: %w", start, end-1, len(texts), err)
		}
		out = append(out, vecs...)
	}
	return out, nil
}

// embedBatch is one batchEmbedContents call: at most MaxBatch texts.
func (e *Embedder) embedBatch(ctx context.Context, texts, titles []string, task string) ([][]float32, error) {
	contents := make([]*genai.Content, len(texts))
	for i, t := range texts {
		contents[i] = &genai.Content{Parts: []*genai.Part{{Text: t}}}
	}
	dims := int32(e.model.Dims)
	resp, err := e.models.EmbedContent(ctx, e.model.Name, contents, &genai.EmbedContentConfig{
		TaskType:             task,
		OutputDimensionality: &dims,
		HTTPOptions:          &genai.HTTPOptions{ExtrasRequestProvider: titleSetter(titles)},
	})
	if err != nil {
		return nil, err
	}
	return e.vectors(resp, len(texts))
}

// titleSetter sets a per-request title in the batch body. The SDK's
// EmbedContentConfig.Title would give every text of a batch the same title;
// Gemini's REST shape has one per request (requests[i].title). Empty titles
// are omitted, as the SDK does.
func titleSetter(titles []string) genai.ExtrasRequestProvider {
	if titles == nil {
		return nil
	}
	return func(body map[string]any) map[string]any {
		reqs, ok := body["requests"].([]map[string]any)
		if !ok || len(reqs) != len(titles) {
			return body
		}
		for i, r := range reqs {
			if titles[i] != "" {
				r["title"] = titles[i]
			}
		}
		return body
	}
}

// vectors checks Gemini's answer (count and width) and normalises each
// vector. A malformed answer is an errMalformed.
func (e *Embedder) vectors(resp *genai.EmbedContentResponse, want int) ([][]float32, error) {
	if resp == nil || len(resp.Embeddings) != want {
		got := 0
		if resp != nil {
			got = len(resp.Embeddings)
		}
		return nil, fmt.Errorf("%w: got %d embeddings for %d texts", errMalformed, got, want)
	}
	out := make([][]float32, want)
	for i, emb := range resp.Embeddings {
		if emb == nil || len(emb.Values) != e.model.Dims {
			return nil, fmt.Errorf("%w: embedding %d has the wrong width (want %d)", errMalformed, i, e.model.Dims)
		}
		v, err := normalize(emb.Values)
		if err != nil {
			return nil, fmt.Errorf("%w: embedding %d: %w", errMalformed, i, err)
		}
		out[i] = v
	}
	return out, nil
}

// normalize returns v scaled to unit L2 length. Gemini's 768-dim output is
// not normalised (only the 3072-dim one is). A zero or non-finite vector
// cannot be normalised and is an error.
func normalize(v []float32) ([]float32, error) {
	var sum float64
	for _, x := range v {
		sum += float64(x) * float64(x)
	}
	if sum == 0 || math.IsNaN(sum) || math.IsInf(sum, 0) {
		return nil, fmt.Errorf("vector of norm² %v cannot be normalised", sum)
	}
	inv := 1 / math.Sqrt(sum)
	out := make([]float32, len(v))
	for i, x := range v {
		out[i] = float32(float64(x) * inv)
	}
	return out, nil
}
