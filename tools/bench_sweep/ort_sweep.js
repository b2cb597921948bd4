// ONNX Runtime (npm onnxruntime-node) peer of `encore bench --sweep`: times session.run on random
// ids for each SEQxBATCH configuration and prints the raw per-iteration times, so the sweep
// computes every system's statistics the same way.
//   node ort_sweep.js MODEL.onnx THREADS 8x1,64x8 BUDGET_MS MIN_ITERS MAX_ITERS WARMUP
// stdout: "ready", then one line per configuration: "seq,batch,ms ms ms ...".
const ort = require('onnxruntime-node');

const [model, threads, configs, budgetMs, minIters, maxIters, warmup] = process.argv.slice(2);
if (!warmup || process.argv.includes('--help')) {
  console.error('usage: node ort_sweep.js MODEL.onnx THREADS SEQxBATCH,... BUDGET_MS MIN_ITERS MAX_ITERS WARMUP');
  process.exit(process.argv.includes('--help') ? 0 : 2);
}

function randomIds(count) {
  // Ordinary word pieces (ids ≥ 1000 skip [PAD]/[unused]/specials), deterministic.
  let state = 12345;
  return BigInt64Array.from({ length: count }, () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return BigInt(1000 + (state % 20000));
  });
}

(async () => {
  const session = await ort.InferenceSession.create(model, {
    intraOpNumThreads: +threads, interOpNumThreads: 1,
    graphOptimizationLevel: 'all', executionMode: 'sequential',
  });
  console.log('ready');
  for (const config of configs.split(',')) {
    const [seq, batch] = config.split('x').map(Number);
    const shape = [batch, seq];
    const feeds = {
      input_ids: new ort.Tensor('int64', randomIds(seq * batch), shape),
      attention_mask: new ort.Tensor('int64', new BigInt64Array(seq * batch).fill(1n), shape),
    };
    for (let i = 0; i < +warmup; i++) await session.run(feeds);
    const ms = [];
    let spent = 0;
    while (ms.length < +maxIters && (spent < +budgetMs || ms.length < +minIters)) {
      const start = process.hrtime.bigint();
      await session.run(feeds);
      ms.push(Number(process.hrtime.bigint() - start) / 1e6);
      spent += ms[ms.length - 1];
    }
    console.log(`${seq},${batch},${ms.map((v) => v.toFixed(4)).join(' ')}`);
  }
})().catch((error) => {
  console.error(`ort_sweep.js: ${error.message}`);
  process.exit(1);
});
