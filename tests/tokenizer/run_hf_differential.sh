#!/usr/bin/env bash
# Runs hf_differential.mjs against a built encore binary, or skips (exit 77, meson's skip code)
# when node or the npm package `tokenizers` is missing.
# usage: run_hf_differential.sh ENCORE_BIN TOKENIZER_JSON [hf_differential.mjs options...]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=${ENCORE_SOURCE_ROOT:-$(cd "$here/../.." && pwd)}
encore=${1:?usage: run_hf_differential.sh ENCORE_BIN TOKENIZER_JSON [options]}
tokenizer_json=${2:?usage: run_hf_differential.sh ENCORE_BIN TOKENIZER_JSON [options]}
shift 2

command -v node >/dev/null || { echo "skipped: node is not installed (apt-get install nodejs)"; exit 77; }
[ -d "$root/node_modules/tokenizers" ] ||
  { echo "skipped: $root/node_modules/tokenizers is missing (npm install --ignore-scripts in $root)"; exit 77; }

NODE_PATH="$root/node_modules" exec node "$here/hf_differential.mjs" \
  --encore "$encore" --tokenizer-json "$tokenizer_json" "$@"
