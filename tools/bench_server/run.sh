#!/usr/bin/env bash
# End-to-end latency and throughput of `encore serve` with wrk on loopback, beside the model-only
# latency of `encore bench`, and the overhead between them. Prints a Markdown table per model.
#
#   tools/bench_server/run.sh [--build DIR] [--duration S] [--threads N] MODEL_DIR...
#
# For texts that tokenize to exactly 8, 64 and 128 tokens: p50/p99 at one connection (wrk), the
# server's own x-compute-time p50, model-only p50/p99 (encore bench, batch 1, same threads),
# overhead = e2e p50 − model p50, p99/p50; then requests/s at saturation with 8 and 64
# connections, in latency mode and in dynamic-batching mode (--max-batch-tokens 2048). Every wrk run also counts answers
# that were not 200 (column "fail"). Numbers from a shared machine: compare within one run.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
build="$here/../../build"
duration=10
threads=0
models=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --build) build=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) models+=("$1"); shift ;;
  esac
done
[[ ${#models[@]} -gt 0 ]] || { echo "usage: $0 [--build DIR] [--duration S] [--threads N] MODEL_DIR..." >&2; exit 2; }
encore="$build/tools/encore"
[[ -x "$encore" ]] || { echo "no $encore: build first (ninja -C $build)" >&2; exit 2; }
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 2; }

work=$(mktemp -d)
server_pid=
cleanup() {
  [[ -n "$server_pid" ]] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

# Writes $work/body-SEQ.json: a /predict body whose text is exactly SEQ tokens with [CLS]/[SEP].
make_body() {
  local model=$1 seq=$2
  python3 - "$seq" > "$work/text.jsonl" <<'PY'
import json, sys
words = "the cat sat on a mat and the dog ran to the park with a red ball".split()
n = int(sys.argv[1]) - 2
print(json.dumps({"text": " ".join(words[i % len(words)] for i in range(n))}))
PY
  local tokens
  tokens=$("$encore" tokenize --model "$model" < "$work/text.jsonl" |
           python3 -c 'import json,sys; print(len(json.loads(sys.stdin.readline())["ids"]))')
  [[ "$tokens" == "$seq" ]] || { echo "the seq-$seq text has $tokens tokens" >&2; exit 1; }
  python3 -c 'import json,sys; t=json.loads(open(sys.argv[1]).read())["text"]; print(json.dumps({"inputs": t}))' \
    "$work/text.jsonl" > "$work/body-$seq.json"
}

# Starts `encore serve` on a free port; sets $port and $server_pid; returns once /health is 200.
start_server() {
  "$encore" serve --model "$1" --port 0 --threads "$threads" --queue-size 4096 "${@:2}" \
    > "$work/serve.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 600); do
    port=$(sed -n 's|^listening on http://[^:]*:\([0-9]*\)$|\1|p' "$work/serve.log")
    if [[ -n "$port" ]] && curl -sf "http://127.0.0.1:$port/health" > /dev/null; then return; fi
    sleep 0.1
  done
  echo "the server did not become healthy:" >&2; cat "$work/serve.log" >&2; exit 1
}

stop_server() {
  kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=
}

# wrk_run SEQ CONNECTIONS → "p50_us p99_us rps fail server_p50_ms server_p99_ms"
wrk_run() {
  local wrk_threads=$(( $2 < 2 ? 1 : 2 ))
  BODY_FILE="$work/body-$1.json" wrk -t"$wrk_threads" -c"$2" -d"${duration}s" --timeout 60s \
    -s "$here/post.lua" "http://127.0.0.1:$port/predict" | sed -n 's/^RESULT //p'
}

for model in "${models[@]}"; do
  for seq in 8 64 128; do make_body "$model" "$seq"; done
  echo
  echo "## $model (threads ${threads}, $(nproc) cores, wrk ${duration} s per cell, load average $(cut -d' ' -f1 /proc/loadavg))"
  echo
  echo "| seq | e2e p50 ms | e2e p99 ms | p99/p50 | server x-compute p50 ms | model p50 ms | model p99 ms | overhead p50 µs | fail |"
  echo "|---|---|---|---|---|---|---|---|---|"
  start_server "$model"
  curl -s "http://127.0.0.1:$port/info" > "$work/info.json"
  declare -A e2e=()
  for seq in 8 64 128; do e2e[$seq]=$(wrk_run "$seq" 1); done
  stop_server
  # Model only, batch 1, the same threads, right after the e2e runs.
  iters=$(( duration * 20 ))
  "$encore" bench --model "$model" --seq 8,64,128 --batch 1 --threads "$threads" \
    --iters "$iters" 2> /dev/null > "$work/bench.csv"
  for seq in 8 64 128; do
    read -r p50_us p99_us _ fail server_p50 _ <<< "${e2e[$seq]}"
    IFS=, read -r _ _ _ model_p50 _ model_p99 _ < <(grep "^$seq,1," "$work/bench.csv")
    python3 -c "
p50, p99, mp50, mp99, sp50 = $p50_us / 1000, $p99_us / 1000, $model_p50, $model_p99, $server_p50
print(f'| $seq | {p50:.3f} | {p99:.3f} | {p99 / p50:.2f} | {sp50:.3f} | {mp50:.3f} | {mp99:.3f} | {(p50 - mp50) * 1000:.0f} | $fail |')"
  done
  echo
  echo "Throughput at saturation (requests/s; wrk on the same cores; fail = answers not 200):"
  echo
  echo "| seq | latency mode, 8 conn | latency mode, 64 conn | batching, 8 conn | batching, 64 conn |"
  echo "|---|---|---|---|---|"
  declare -A rps=()
  for mode in latency batching; do
    if [[ $mode == latency ]]; then start_server "$model"; else
      start_server "$model" --max-batch-tokens 2048; fi
    for seq in 8 64 128; do
      for conn in 8 64; do
        read -r _ _ r fail _ _ <<< "$(wrk_run "$seq" "$conn")"
        rps[$mode-$seq-$conn]=$r
        [[ "$fail" == 0 ]] || rps[$mode-$seq-$conn]="$r ($fail fail)"
      done
    done
    stop_server
  done
  for seq in 8 64 128; do
    echo "| $seq | ${rps[latency-$seq-8]} | ${rps[latency-$seq-64]} | ${rps[batching-$seq-8]} | ${rps[batching-$seq-64]} |"
  done
  echo
  echo "Kernels: $(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d.get("isa"), d.get("precision"), d.get("linear_kernels"))' "$work/info.json")"
done
