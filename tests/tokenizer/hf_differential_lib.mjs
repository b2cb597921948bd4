// What the HF differential test and its shrinker share: the configurations compared, the model
// folders encore reads, encoding through HF (in process) and through `encore tokenize` (a child
// process, streamed), and the comparison of both outputs.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import readline from 'node:readline';
import zlib from 'node:zlib';

export const SKIP = 77;

export function loadTokenizersPackage() {
  try {
    return createRequire(import.meta.url)('tokenizers');
  } catch (e) {
    console.log(`skipped: the npm package 'tokenizers' is not installed (${e.code ?? e.message}); ` +
                'run `npm install --ignore-scripts` at the project root');
    process.exit(SKIP);
  }
}

export function readTokenizerJson(file) {
  const raw = fs.readFileSync(file);
  return JSON.parse((file.endsWith('.gz') ? zlib.gunzipSync(raw) : raw).toString('utf8'));
}

// The configurations compared. `layout` says which files encore gets: the edited tokenizer.json,
// or vocab.txt + tokenizer_config.json (the other loading path). `share` splits the input count.
export const VARIANTS = [
  { name: 'uncased', normalizer: {}, layout: 'tokenizer.json', share: 0.5 },
  { name: 'uncased/vocab.txt', normalizer: {}, layout: 'vocab.txt', share: 0.08 },
  { name: 'cased', normalizer: { lowercase: false }, layout: 'tokenizer.json', share: 0.08 },
  { name: 'cased/vocab.txt', normalizer: { lowercase: false }, layout: 'vocab.txt', share: 0.06 },
  { name: 'lowercase+keep_accents', normalizer: { strip_accents: false }, layout: 'tokenizer.json', share: 0.07 },
  { name: 'cased+strip_accents', normalizer: { lowercase: false, strip_accents: true }, layout: 'vocab.txt', share: 0.07 },
  { name: 'no_chinese_chars', normalizer: { handle_chinese_chars: false }, layout: 'tokenizer.json', share: 0.07 },
  { name: 'no_clean_text', normalizer: { clean_text: false }, layout: 'tokenizer.json', share: 0.07 },
];

export function writeModelDir(dir, baseJson, variant) {
  const json = structuredClone(baseJson);
  Object.assign(json.normalizer, variant.normalizer);
  fs.mkdirSync(dir, { recursive: true });
  if (variant.layout === 'tokenizer.json') {
    fs.writeFileSync(path.join(dir, 'tokenizer.json'), JSON.stringify(json));
  } else {
    const vocab = Object.entries(json.model.vocab).sort((a, b) => a[1] - b[1]).map(([token]) => token);
    fs.writeFileSync(path.join(dir, 'vocab.txt'), vocab.join('\n') + '\n');
    const n = json.normalizer;
    fs.writeFileSync(path.join(dir, 'tokenizer_config.json'), JSON.stringify({
      do_lower_case: n.lowercase, strip_accents: n.strip_accents,
      tokenize_chinese_chars: n.handle_chinese_chars, model_max_length: 512,
    }));
  }
  return json;
}

const encodingOf = (e) => ({ ids: e.getIds(), type_ids: e.getTypeIds(), offsets: e.getOffsets(), tokens: e.getTokens() });

// HF's truncation is a tokenizer setting, so inputs are encoded in groups sharing max_length.
export async function encodeWithHf(Tokenizer, json, inputs) {
  const tokenizer = Tokenizer.fromString(JSON.stringify(json));
  const results = new Array(inputs.length);
  const groups = new Map();
  inputs.forEach((input, i) => {
    const key = input.max_length ?? 0;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(i);
  });
  const encodeOne = async (i) => {
    const { text, text_pair: pair } = inputs[i];
    try {
      results[i] = encodingOf(await tokenizer.encode(text, pair ?? null));
    } catch (e) {
      results[i] = { error: String(e.message ?? e) };
    }
  };
  for (const [maxLength, indices] of groups) {
    if (maxLength) tokenizer.setTruncation(maxLength, { strategy: 'LongestFirst' });
    else tokenizer.disableTruncation();
    const singles = indices.filter((i) => inputs[i].text_pair === undefined);
    const pairs = indices.filter((i) => inputs[i].text_pair !== undefined);
    for (let at = 0; at < singles.length; at += 1000) {
      const chunk = singles.slice(at, at + 1000);
      try {
        const encodings = await tokenizer.encodeBatch(chunk.map((i) => inputs[i].text));
        chunk.forEach((i, k) => { results[i] = encodingOf(encodings[k]); });
      } catch {
        for (const i of chunk) await encodeOne(i);  // find which input HF rejects
      }
    }
    for (let at = 0; at < pairs.length; at += 256) await Promise.all(pairs.slice(at, at + 256).map(encodeOne));
  }
  return results;
}

export const inputLine = ({ text, text_pair, max_length }) => JSON.stringify({ text, text_pair, max_length });

// The same JSON with every invisible or combining character escaped (\uXXXX, surrogate pairs
// above U+FFFF), so a printed input can be read and pasted back unambiguously.
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Z}\p{M}\p{Co}\p{Cn}]/gu;
const escapeUnits = (c) => [...Array(c.length).keys()]
  .map((i) => '\\u' + c.charCodeAt(i).toString(16).padStart(4, '0')).join('');
export const printableInputLine = (input) =>
  inputLine(input).replace(INVISIBLE, (c) => (c === ' ' ? c : escapeUnits(c)));

// Streams every input through one `encore tokenize` process; resolves to its output lines.
export function encodeWithEncore(encore, modelDir, inputs) {
  return new Promise((resolve, reject) => {
    const child = spawn(encore, ['tokenize', '--model', modelDir], { stdio: ['pipe', 'pipe', 'pipe'] });
    const lines = [];
    let stderr = '';
    child.stderr.on('data', (d) => { stderr += d; });
    readline.createInterface({ input: child.stdout, crlfDelay: Infinity }).on('line', (l) => lines.push(l));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code !== 0) reject(new Error(`${encore} tokenize exited with ${signal ?? code}: ${stderr.trim()}`));
      else resolve(lines);
    });
    child.stdin.on('error', () => {});  // a crash is reported by 'close'
    let next = 0;
    const pump = () => {
      while (next < inputs.length) {
        const chunk = [];
        for (const end = Math.min(next + 500, inputs.length); next < end; next++) chunk.push(inputLine(inputs[next]));
        if (!child.stdin.write(chunk.join('\n') + '\n')) return child.stdin.once('drain', pump);
      }
      child.stdin.end();
    };
    pump();
  });
}

const FIELDS = ['ids', 'type_ids', 'offsets', 'tokens'];
const sameJson = (a, b) => JSON.stringify(a) === JSON.stringify(b);

// '' when they agree, else the name of the mismatch class.
export function compare(hf, line) {
  let encore;
  try {
    encore = JSON.parse(line);
  } catch {
    return 'encore output is not JSON';
  }
  if (hf.error !== undefined || encore.error !== undefined) {
    if (hf.error !== undefined && encore.error !== undefined) return '';
    return hf.error !== undefined ? 'HF rejects, encore encodes' : 'encore rejects, HF encodes';
  }
  const differing = FIELDS.filter((f) => !sameJson(hf[f], encore[f]));
  return differing.length ? `${differing.join('+')} differ` : '';
}

export function firstDifference(hf, line) {
  try {
    const encore = JSON.parse(line);
    if (hf.error !== undefined || encore.error !== undefined) return '';
    const n = Math.max(hf.tokens?.length ?? 0, encore.tokens?.length ?? 0);
    for (let i = 0; i < n; i++) {
      const h = [hf.ids?.[i], hf.type_ids?.[i], hf.offsets?.[i], hf.tokens?.[i]];
      const e = [encore.ids?.[i], encore.type_ids?.[i], encore.offsets?.[i], encore.tokens?.[i]];
      if (!sameJson(h, e)) return `token ${i}: HF ${JSON.stringify(h)} vs encore ${JSON.stringify(e)}`;
    }
  } catch { /* reported as a class already */ }
  return '';
}

