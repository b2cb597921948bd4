// Differential test: encore's tokenizer against Hugging Face `tokenizers` (npm, Rust core) on
// generated inputs, for several normalizer configurations. Every input goes through
// `encore tokenize --model DIR` (one child process, streamed) and through HF in this process;
// ids, type_ids, offsets and tokens must be identical, and an input HF rejects must be rejected.
//
// usage: node hf_differential.mjs --encore BIN --tokenizer-json FILE[.gz]
//            [--count N] [--seed N] [--random-seed N|none] [--show N] [--dump FILE]
// --dump writes every mismatching input (with its config and class) as JSON Lines, for
// hf_differential_shrink.mjs.
// Exit status: 0 all identical, 1 a mismatch, 2 a broken setup, 77 skipped (no `tokenizers`).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { generateInputs } from './hf_differential_inputs.mjs';
import {
  VARIANTS, compare, encodeWithEncore, encodeWithHf, firstDifference, inputLine, printableInputLine,
  loadTokenizersPackage, readTokenizerJson, writeModelDir,
} from './hf_differential_lib.mjs';

const FIXED_SEED = 20240917;

function parseArgs(argv) {
  const args = { count: 100000, seed: FIXED_SEED, randomSeed: undefined, show: 12 };
  for (let i = 0; i < argv.length; i++) {
    const value = () => {
      if (i + 1 >= argv.length) usage(`${argv[i]} needs a value`);
      return argv[++i];
    };
    switch (argv[i]) {
      case '--encore': args.encore = value(); break;
      case '--tokenizer-json': args.tokenizerJson = value(); break;
      case '--count': args.count = Number(value()); break;
      case '--seed': args.seed = Number(value()); break;
      case '--random-seed': { const v = value(); args.randomSeed = v === 'none' ? null : Number(v); break; }
      case '--show': args.show = Number(value()); break;
      case '--dump': args.dump = value(); break;
      case '--help': usage(); break;
      default: usage(`unknown argument ${argv[i]}`);
    }
  }
  if (!args.encore || !args.tokenizerJson) usage('--encore and --tokenizer-json are required');
  if (args.randomSeed === undefined) args.randomSeed = (Math.random() * 2 ** 32) >>> 0;
  return args;
}

function usage(problem) {
  if (problem) console.error(`hf_differential: ${problem}`);
  console.error('usage: node hf_differential.mjs --encore BIN --tokenizer-json FILE[.gz] ' +
                '[--count N] [--seed N] [--random-seed N|none] [--show N] [--dump FILE]');
  process.exit(problem ? 2 : 0);
}

async function runVariant(Tokenizer, encore, baseJson, variant, seed, count, tmp, report) {
  // Each configuration gets its own stream of inputs from the run's seed.
  const inputs = generateInputs((seed + VARIANTS.indexOf(variant) * 0x9e3779b9) >>> 0, count, report.vocab);
  const modelDir = path.join(tmp, variant.name.replace(/[^\w.+-]/g, '_') + `-${seed}`);
  const json = writeModelDir(modelDir, baseJson, variant);
  const [encoreLines, hfResults] = await Promise.all([
    encodeWithEncore(encore, modelDir, inputs), encodeWithHf(Tokenizer, json, inputs)]);
  const stats = { variant: variant.name, seed, inputs: count, mismatches: 0, bothRejected: 0, classes: new Map() };
  if (encoreLines.length !== inputs.length) {
    report.fatal.push(`${variant.name} seed ${seed}: encore wrote ${encoreLines.length} lines for ${inputs.length} inputs`);
  }
  for (let i = 0; i < Math.min(inputs.length, encoreLines.length); i++) {
    const mismatch = compare(hfResults[i], encoreLines[i]);
    if (hfResults[i].error !== undefined && !mismatch) stats.bothRejected++;
    if (!mismatch) continue;
    stats.mismatches++;
    stats.classes.set(mismatch, (stats.classes.get(mismatch) ?? 0) + 1);
    report.dump?.push(JSON.stringify({ config: variant.name, mismatch, input: JSON.parse(inputLine(inputs[i])) }));
    const shownOfClass = report.shownPerClass.get(mismatch) ?? 0;
    if (report.shown < report.show && shownOfClass < 3) {
      report.shown++;
      report.shownPerClass.set(mismatch, shownOfClass + 1);
      console.log(`MISMATCH (${mismatch}) config ${variant.name}, seed ${seed}, input #${i}`);
      console.log(`  input:  ${printableInputLine(inputs[i])}`);
      console.log(`  HF:     ${JSON.stringify(hfResults[i])}`);
      console.log(`  encore: ${encoreLines[i]}`);
      const where = firstDifference(hfResults[i], encoreLines[i]);
      if (where) console.log(`  first difference at ${where}`);
    }
  }
  return stats;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const { Tokenizer } = loadTokenizersPackage();
  const baseJson = readTokenizerJson(args.tokenizerJson);
  const vocab = Object.keys(baseJson.model.vocab);
  const seeds = args.randomSeed === null ? [args.seed] : [args.seed, args.randomSeed];
  console.log(`HF differential: ${args.count} inputs over ${VARIANTS.length} configurations; fixed seed ${args.seed}` +
              (seeds.length > 1 ? `, random seed ${args.randomSeed} (reproduce with --count ${args.count} --random-seed ${args.randomSeed})` : ''));
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'encore-hf-differential-'));
  const report = { vocab, show: args.show, shown: 0, shownPerClass: new Map(), fatal: [], dump: args.dump ? [] : null };
  const all = [];
  try {
    for (const seed of seeds) {
      for (const variant of VARIANTS) {
        const count = Math.max(1, Math.round(args.count * variant.share / seeds.length));
        all.push(await runVariant(Tokenizer, args.encore, baseJson, variant, seed, count, tmp, report));
      }
    }
  } catch (e) {
    console.log(`error: ${e.message}`);
    return 2;
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  let inputs = 0, mismatches = 0;
  console.log('\nconfig                       seed        inputs  mismatches  rejected-by-both');
  for (const s of all) {
    inputs += s.inputs;
    mismatches += s.mismatches;
    console.log(`${s.variant.padEnd(28)} ${String(s.seed).padEnd(10)} ${String(s.inputs).padStart(7)} ` +
                `${String(s.mismatches).padStart(11)} ${String(s.bothRejected).padStart(17)}`);
    for (const [cls, n] of s.classes) console.log(`    ${n} × ${cls}`);
  }
  if (args.dump) fs.writeFileSync(args.dump, report.dump.map((l) => l + '\n').join(''));
  for (const f of report.fatal) console.log(`error: ${f}`);
  console.log(`${inputs} inputs, ${mismatches} mismatches`);
  return mismatches || report.fatal.length ? 1 : 0;
}

process.exitCode = await main().catch((e) => {
  console.log(`error: ${e.message}`);
  return 2;
});
