package uselite

import (
	"fmt"
	"math"
	"sync"

	"github.com/kapi-project/kapi/embed"
)

// Model dimensions, read off model.json.
const (
	MaxTokens = 128  // tokens per text the network reads; the rest is ignored
	Dims      = 512  // output dimension
	embedDim  = 256  // token embedding width (Layer_0 input)
	modelDim  = 512  // transformer width
	ffnDim    = 1536 // feed-forward hidden width
	numHeads  = 4    // attention heads in both layers
	vocabRows = 8002 // rows of the embedding table
	lnEps     = 1e-6 // layer-norm epsilon
	l2Eps     = 1e-12
)

// Model is a loaded USE-lite network. It implements embed.Embedder and is
// safe for concurrent use; each call borrows a scratch arena from a pool.
type Model struct {
	tok      *Tokenizer
	emb      []float32 // [vocabRows, embedDim]
	timing   []float32 // [MaxTokens, embedDim]: sin/cos position signal
	layers   [2]layer
	tanhW    *panels // [modelDim, Dims]
	tanhB    []float32
	kern     kernel
	kernName string
	arenas   sync.Pool // *arena
}

// layer holds one transformer layer. Layer_0 maps 256 -> 512: attention runs
// at width 256 and its output projection widens to 512, and a dense
// projection of the input widens the residual (resW); Layer_1 is 512 wide
// throughout and has no resW.
type layer struct {
	dIn, att, d int // input, attention (q/k/v) and output widths
	headDim     int
	ln1S, ln1B  []float32
	qkvW        *panels // [dIn, 3att], query columns pre-scaled
	qkvB        []float32
	outW        *panels // [att, d]
	outB        []float32
	resW        *panels // [dIn, d] or nil
	resB        []float32
	ln2S, ln2B  []float32
	ff1W        *panels // [d, ffnDim]
	ff1B        []float32
	ff2W        *panels // [ffnDim, d]
	ff2B        []float32
}

// Load reads model.json, the weight shards and vocab.json from dir, checks
// every file against the SHA-256 list compiled into the package and every
// tensor's shape, and packs the weights for the kernels. Errors wrap
// ErrModelFiles and say how to fetch the files when one is missing, damaged
// or of the wrong shape.
func Load(dir string) (*Model, error) {
	files, err := readVerified(dir)
	if err != nil {
		return nil, fmt.Errorf("load use-lite from %s: %w", dir, err)
	}
	tok, err := NewTokenizer(files["vocab.json"])
	if err != nil {
		return nil, fmt.Errorf("load use-lite from %s: %w: %w; %s", dir, ErrModelFiles, err, fetchHint)
	}
	tensors, err := readTensors(files)
	if err != nil {
		return nil, fmt.Errorf("load use-lite from %s: %w", dir, err)
	}
	m, err := build(tok, &weightSet{byName: tensors})
	if err != nil {
		return nil, fmt.Errorf("load use-lite from %s: %w", dir, err)
	}
	return m, nil
}

const (
	encodePrefix = "module_apply_default/Encoder_en/KonaTransformer/Encode/"
	stackPrefix  = encodePrefix + "TransformerStack/"
	kernelPrefix = "module/Encoder_en/KonaTransformer/Encode/"
)

// build assembles a Model from named tensors.
func build(tok *Tokenizer, w *weightSet) (*Model, error) {
	m := &Model{tok: tok}
	m.kern, m.kernName = bestKernel()
	m.emb = w.get("module/Embeddings_en", vocabRows, embedDim)
	inv := w.get(stackPrefix+"Layer_0/AddTimingSignal/TimingSignal/ExpandDims_1", embedDim/2)
	m.layers[0] = loadLayer(w, 0, embedDim, embedDim, modelDim)
	m.layers[1] = loadLayer(w, 1, modelDim, modelDim, modelDim)
	tw := w.get("module/Encoder_en/hidden_layers/tanh_layer_0/weights", modelDim, Dims)
	m.tanhB = w.get("module/Encoder_en/hidden_layers/tanh_layer_0/bias", Dims)
	if w.err != nil {
		return nil, w.err
	}
	if tok.VocabSize() > vocabRows {
		return nil, fmt.Errorf("%w: vocabulary has %d pieces, embeddings %d rows; %s", ErrModelFiles, tok.VocabSize(), vocabRows, fetchHint)
	}
	m.tanhW = pack(tw, modelDim, Dims)
	m.timing = timingSignal(inv)
	return m, nil
}

// loadLayer reads Layer_<i> with input width dIn, attention width att and
// output width d.
func loadLayer(w *weightSet, i, dIn, att, d int) layer {
	enc := fmt.Sprintf("%sLayer_%d/TransformerLayer/", encodePrefix, i)
	stk := fmt.Sprintf("%sLayer_%d/TransformerLayer/", stackPrefix, i)
	ker := fmt.Sprintf("%sLayer_%d/TransformerLayer/", kernelPrefix, i)
	const ln = "layer_prepostprocess/layer_norm/layer_norm_"
	const cc = "/ConcatPartitions/concat"
	l := layer{dIn: dIn, att: att, d: d, headDim: att / numHeads}
	l.ln1S = w.get(enc+ln+"scale"+cc, dIn)
	l.ln1B = w.get(enc+ln+"bias"+cc, dIn)
	qkv := w.get(ker+"MultiheadAttention/qkv_transform_single/kernel/part_0", dIn, 3*att)
	l.qkvB = w.get(enc+"MultiheadAttention/qkv_transform_single/bias"+cc, 3*att)
	scale := w.get(stk + "MultiheadAttention/mul/y")
	out := w.get(ker+"MultiheadAttention/output_transform_single/kernel/part_0", att, d)
	l.outB = w.get(enc+"MultiheadAttention/output_transform_single/bias"+cc, d)
	if i == 0 {
		res := w.get(enc+"dense/kernel"+cc, dIn, d)
		l.resB = w.get(enc+"dense/bias"+cc, d)
		if w.err == nil {
			l.resW = pack(res, dIn, d)
		}
	}
	l.ln2S = w.get(enc+"FFN/"+ln+"scale"+cc, d)
	l.ln2B = w.get(enc+"FFN/"+ln+"bias"+cc, d)
	ff1 := w.get(stk+"FFN/conv1/Tensordot/Reshape_1", d, ffnDim)
	l.ff1B = w.get(enc+"FFN/conv1/bias"+cc, ffnDim)
	ff2 := w.get(stk+"FFN/conv2/Tensordot/Reshape_1", ffnDim, d)
	l.ff2B = w.get(enc+"FFN/conv2/bias"+cc, d)
	if w.err != nil {
		return l
	}
	l.qkvW, l.qkvB = scaledQKV(qkv, l.qkvB, dIn, att, scale[0])
	l.outW = pack(out, att, d)
	l.ff1W = pack(ff1, d, ffnDim)
	l.ff2W = pack(ff2, ffnDim, d)
	return l
}

// scaledQKV folds the query scale (1/sqrt(headDim)) into the query columns
// of the qkv projection, so attention need not multiply each query.
func scaledQKV(w, b []float32, dIn, d int, scale float32) (*panels, []float32) {
	w2 := append([]float32(nil), w...)
	b2 := append([]float32(nil), b...)
	for r := range dIn {
		for c := range d {
			w2[r*3*d+c] *= scale
		}
	}
	for c := range d {
		b2[c] *= scale
	}
	return pack(w2, dIn, 3*d), b2
}

// timingSignal precomputes the tensor2tensor position signal for positions
// 0..MaxTokens-1: row p is concat(sin(p·inv), cos(p·inv)), with the product
// rounded to float32 as in the graph.
func timingSignal(inv []float32) []float32 {
	half := len(inv)
	out := make([]float32, MaxTokens*2*half)
	for p := range MaxTokens {
		row := out[p*2*half : (p+1)*2*half]
		for i, f := range inv {
			angle := float64(float32(p) * f)
			row[i] = float32(math.Sin(angle))
			row[half+i] = float32(math.Cos(angle))
		}
	}
	return out
}

// Model names the model: "use-lite", 512 dimensions.
func (m *Model) Model() embed.Model { return embed.Model{Name: "use-lite", Dims: Dims} }

// Kernel names the matrix kernel in use ("avx2-fma" or "go").
func (m *Model) Kernel() string { return m.kernName }

// Tokenizer returns the model's tokenizer.
func (m *Model) Tokenizer() *Tokenizer { return m.tok }
