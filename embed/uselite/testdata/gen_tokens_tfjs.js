// Token ids of many varied strings, from the TF.js USE tokenizer
// (@tensorflow-models/universal-sentence-encoder 1.3.3), for the Go port's
// tests. Usage: node gen_tokens_tfjs.js MODEL_DIR OUT.json
// (npm install as in gen_golden_more.js.)
// Strings are generated deterministically (seeded LCG) from a pool of
// fragments: words, accents, CJK, emoji, punctuation, odd spaces.
const {Tokenizer} = require('@tensorflow-models/universal-sentence-encoder/dist/tokenizer');
const fs = require('fs'); const path = require('path');
const vocab = JSON.parse(fs.readFileSync(path.join(process.argv[2], 'vocab.json')));
const tok = new Tokenizer(vocab);
const frags = ['the', 'search', 'engine', 'Café', 'naïve', 'résumé', 'Zürich', 'ﬁne', 'ＦＵＬＬ', '①', '½', 'x²',
  '東京', '日本語', '한국어', 'Привет', 'مرحبا', 'שלום', '🍕', '👩‍💻', '🇫🇷', 'é', 'e\u0301', ' ', '  ', '\t', '\n',
  '\u00a0', '\u3000', '.', ',', '!?', '...', ':', ':)', ':-)', '10:00', '://', 'https://kapi.dev/x?y=1',
  '3.14159', '2026-11-23', "don't", 'C++', 'e-mail', '#hashtag', '@user', '$100', '100%', '(a)', '[b]', '{c}',
  '"quoted"', '«guillemets»', '—', '–', '…', 'ß', 'ǅ', 'Ω', 'µ', '\u200b', '\ufeff', '\ufffd', 'a', 'I', 'AI',
  'retrieval', 'augmented', 'generation', 'vector', 'database', 'Postgres', 'pgvector', 'HNSW', 'kapi'];
let seed = 42;
const rnd = n => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n; };
const texts = [];
for (let i = 0; i < 400; i++) {
  const n = 1 + rnd(12);
  let s = '';
  for (let j = 0; j < n; j++) s += frags[rnd(frags.length)] + (rnd(3) ? ' ' : '');
  texts.push(s);
}
texts.push('', ' ', '   ', '\u2581', '▁▁', '\ud83c', 'a\ud83c', 'ab\udf55c');
fs.writeFileSync(process.argv[3], JSON.stringify({source: 'TF.js Tokenizer, @tensorflow-models/universal-sentence-encoder 1.3.3', texts, token_ids: texts.map(t => tok.encode(t))}));
