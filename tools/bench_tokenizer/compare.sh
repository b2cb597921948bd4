#!/usr/bin/env bash
# encore's tokenizer beside Hugging Face `tokenizers` on the same corpus, both single-threaded on
# the same CPU, then their throughput ratio. Target (issue #2): encore ≥ 5× HF, < 2 µs for a
# 64-token sentence.
# usage: tools/bench_tokenizer/compare.sh [BUILD_DIR] [TOKENIZER_JSON[.zst]] [TEXTS.jsonl[.zst]]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build}
first_existing() { for f in "$@"; do [ -f "$f" ] && { echo "$f"; return; }; done; }
tokenizer_json=${2:-$(first_existing "$root/tests/data/tokenizer/distilbert-base-uncased-tokenizer.json.zst" \
  "$root/../shared/tokenizer/distilbert-base-uncased-tokenizer.json")}
texts=${3:-$(first_existing "$root/../shared/golden/tokenizer-hf.jsonl" \
  "$root/tests/data/tokenizer/tokenizer-hf.jsonl.zst")}
cpu=${CPU:-0}
bench=$build/tools/bench_tokenizer/bench_tokenizer
[ -x "$bench" ] || { echo "compare.sh: $bench not built (ninja -C $build tools/bench_tokenizer/bench_tokenizer)" >&2; exit 2; }
[ -n "$tokenizer_json" ] && [ -n "$texts" ] || { echo "compare.sh: no tokenizer.json or corpus found; pass them as arguments" >&2; exit 2; }
[ -d "$root/node_modules/tokenizers" ] || { echo "compare.sh: run 'npm install --ignore-scripts' in $root first" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/model"
# The vendored copies are zstd-compressed.
unpack() { case "$1" in *.zst) zstd -q -d -c "$1" > "$2" ;; *) cp "$1" "$2" ;; esac; }
unpack "$tokenizer_json" "$work/model/tokenizer.json"
unpack "$texts" "$work/texts.jsonl"

echo "corpus $texts, tokenizer $tokenizer_json, CPU $cpu"
encore_out=$(taskset -c "$cpu" "$bench" --model "$work/model" --texts "$work/texts.jsonl" --cpu "$cpu")
echo "$encore_out"
hf_out=$(RAYON_NUM_THREADS=1 NODE_PATH="$root/node_modules" taskset -c "$cpu" \
  node "$root/tools/bench_tokenizer/hf_speed.mjs" "$work/model/tokenizer.json" "$work/texts.jsonl")
echo "$hf_out"

# "NAME: X MB/s, Y Mtokens/s ..." and "... median Z us ..." → numbers.
field() { sed -n "$1" <<<"$2" | head -n 1; }
encore_mbs=$(field 's/^[^:]*: \([0-9.]*\) MB\/s.*/\1/p' "$encore_out")
hf_mbs=$(field 's/^[^:]*: \([0-9.]*\) MB\/s.*/\1/p' "$hf_out")
encore_tps=$(field 's/.* \([0-9.]*\) Mtokens\/s.*/\1/p' "$encore_out")
hf_tps=$(field 's/.* \([0-9.]*\) Mtokens\/s.*/\1/p' "$hf_out")
encore_cpu=$(field 's/.*per CPU-second: \([0-9.]*\) MB\/s.*/\1/p' "$encore_out")
hf_cpu=$(field 's/.*per CPU-second: \([0-9.]*\) MB\/s.*/\1/p' "$hf_out")
encore_us=$(field 's/.*median \([0-9.]*\) us.*/\1/p' "$encore_out")
hf_us=$(field 's/.*median \([0-9.]*\) us.*/\1/p' "$hf_out")
awk -v a="$encore_mbs" -v b="$hf_mbs" -v c="$encore_tps" -v d="$hf_tps" -v e="$encore_us" -v f="$hf_us" \
    -v g="$encore_cpu" -v h="$hf_cpu" 'BEGIN {
  printf "encore / HF: %.2fx MB/s, %.2fx tokens/s, %.2fx per CPU-second (target >= 5x)\n", a / b, c / d, g / h
  printf "64-token sentence: encore %.3f us (target < 2 us), HF %.3f us\n", e, f
}'
