// Hugging Face `tokenizers` (npm, Rust core) measured like bench_tokenizer: the fastest of several
// passes over the corpus texts (encodeBatch in chunks of 1000; no I/O in the timed part), then
// single encode() calls of the same 64-token sentence. Run it pinned, with RAYON_NUM_THREADS=1.
// usage: node hf_speed.mjs TOKENIZER_JSON TEXTS.jsonl [PASSES] [CALLS]
import fs from 'node:fs';
import { createRequire } from 'node:module';

const [tokenizerJson, textsFile, passes = '5', calls = '20000'] = process.argv.slice(2);
if (!textsFile) {
  console.error('usage: node hf_speed.mjs TOKENIZER_JSON TEXTS.jsonl [PASSES] [CALLS]');
  process.exit(2);
}
const { Tokenizer } = createRequire(import.meta.url)('tokenizers');
const tokenizer = Tokenizer.fromString(fs.readFileSync(tokenizerJson, 'utf8'));
const texts = fs.readFileSync(textsFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l).text);
const bytes = texts.reduce((sum, t) => sum + Buffer.byteLength(t), 0);

// Wall time, and the CPU time of the whole process (the Rust worker encodes, the main thread waits
// without spinning), which stays comparable when the machine is busy.
async function encodeAll() {
  let tokens = 0;
  const start = process.hrtime.bigint();
  const cpuStart = process.cpuUsage();
  for (let i = 0; i < texts.length; i += 1000) {
    for (const e of await tokenizer.encodeBatch(texts.slice(i, i + 1000))) tokens += e.getLength();
  }
  const cpu = process.cpuUsage(cpuStart);
  return { seconds: Number(process.hrtime.bigint() - start) / 1e9, cpuSeconds: (cpu.user + cpu.system) / 1e6, tokens };
}

await encodeAll();  // warm-up
let best = { seconds: Infinity, tokens: 0 };
let bestCpu = Infinity;
for (let p = 0; p < Number(passes); p++) {
  const pass = await encodeAll();
  if (pass.seconds < best.seconds) best = pass;
  bestCpu = Math.min(bestCpu, pass.cpuSeconds);
}
console.log(`HF tokenizers: ${(bytes / best.seconds / 1e6).toFixed(3)} MB/s, ` +
            `${(best.tokens / best.seconds / 1e6).toFixed(3)} Mtokens/s over ${(bytes / 1e6).toFixed(1)} MB ` +
            `(${texts.length} texts, ${best.tokens} tokens per pass); per CPU-second: ${(bytes / bestCpu / 1e6).toFixed(3)} MB/s`);

// Same sentence as bench_tokenizer.cpp's kSentence64.
const sentence = 'The quick brown fox jumps over the lazy dog near the riverbank while the sun sets slowly ' +
  'behind the hills, and birds sing their evening songs in the tall green trees. Later that ' +
  'night, the old farmer walked home along the narrow road, thinking about the harvest and the ' +
  'long, cold winter ahead of him.';
const sentenceTokens = (await tokenizer.encode(sentence)).getLength();
for (let i = 0; i < Number(calls) / 10; i++) await tokenizer.encode(sentence);
const micros = [];
for (let i = 0; i < Number(calls); i++) {
  const start = process.hrtime.bigint();
  await tokenizer.encode(sentence);
  micros.push(Number(process.hrtime.bigint() - start) / 1e3);
}
micros.sort((a, b) => a - b);
const at = (p) => micros[Math.min(micros.length - 1, Math.floor(p * micros.length))];
console.log(`HF tokenizers: one ${sentenceTokens}-token sentence (${Buffer.byteLength(sentence)} bytes): ` +
            `median ${at(0.5).toFixed(3)} us, p99 ${at(0.99).toFixed(3)} us over ${calls} calls ` +
            '(encode() through N-API, includes its promise round trip)');
