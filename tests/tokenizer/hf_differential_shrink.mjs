// Shrinks an input on which encore and HF disagree to a minimal one that still disagrees the
// same way (same mismatch class): a developer tool for the HF differential test's reports.
// Each round tries every removal of a run of k code points (k halving down to 1) from each text,
// all candidates of a round going through one encore process.
//
// usage: node hf_differential_shrink.mjs --encore BIN --tokenizer-json FILE --config NAME 'INPUT_JSON'
//   INPUT_JSON is the `input:` line the differential test printed (NAME one of its configs), or a
//   line of its --dump file (which names the config).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import {
  VARIANTS, compare, encodeWithEncore, encodeWithHf, loadTokenizersPackage, printableInputLine,
  readTokenizerJson, writeModelDir,
} from './hf_differential_lib.mjs';

function parseArgs(argv) {
  const args = { config: 'uncased' };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--encore') args.encore = argv[++i];
    else if (argv[i] === '--tokenizer-json') args.tokenizerJson = argv[++i];
    else if (argv[i] === '--config') args.config = argv[++i];
    else args.input = JSON.parse(argv[i]);
  }
  if (args.input?.input) {  // a line of hf_differential.mjs --dump
    args.config = args.input.config;
    args.input = args.input.input;
  }
  if (!args.encore || !args.tokenizerJson || !args.input) {
    console.error("usage: node hf_differential_shrink.mjs --encore BIN --tokenizer-json FILE --config NAME 'INPUT_JSON'");
    process.exit(2);
  }
  return args;
}

// Every input obtained by removing `k` consecutive code points from one of the texts, plus the
// input without its pair and without truncation.
function candidates(input, k) {
  const out = [];
  if (input.text_pair !== undefined) out.push({ ...input, text_pair: undefined });
  if (input.max_length !== undefined) out.push({ ...input, max_length: undefined });
  for (const field of ['text', 'text_pair']) {
    if (input[field] === undefined) continue;
    const chars = [...input[field]];
    for (let at = 0; at + k <= chars.length; at++) {
      out.push({ ...input, [field]: chars.slice(0, at).concat(chars.slice(at + k)).join('') });
    }
  }
  return out;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const variant = VARIANTS.find((v) => v.name === args.config);
  if (!variant) throw new Error(`unknown config ${args.config}; one of ${VARIANTS.map((v) => v.name).join(', ')}`);
  const { Tokenizer } = loadTokenizersPackage();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'encore-hf-shrink-'));
  try {
    const json = writeModelDir(tmp, readTokenizerJson(args.tokenizerJson), variant);
    const mismatchOf = async (inputs) => {
      const [lines, hf] = await Promise.all([encodeWithEncore(args.encore, tmp, inputs), encodeWithHf(Tokenizer, json, inputs)]);
      return inputs.map((_, i) => compare(hf[i], lines[i]));
    };
    let input = args.input;
    const [wanted] = await mismatchOf([input]);
    if (!wanted) {
      console.log('encore and HF agree on this input');
      return 1;
    }
    const longest = () => Math.max([...input.text].length, [...(input.text_pair ?? '')].length);
    for (let k = longest(); k >= 1;) {
      const tries = candidates(input, k);
      const results = tries.length ? await mismatchOf(tries) : [];
      const smaller = results.findIndex((m) => m === wanted);
      if (smaller >= 0) {
        input = tries[smaller];
        k = Math.min(k, longest());
      } else {
        k = Math.floor(k / 2);
      }
    }
    const [lines, hf] = await Promise.all([encodeWithEncore(args.encore, tmp, [input]), encodeWithHf(Tokenizer, json, [input])]);
    console.log(`minimal (${wanted}), config ${variant.name}:`);
    console.log(`  input:  ${printableInputLine(input)}`);
    console.log(`  HF:     ${JSON.stringify(hf[0])}`);
    console.log(`  encore: ${lines[0]}`);
    return 0;
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

process.exitCode = await main();
