#!/usr/bin/env bash
# Runs hf_differential.mjs against a built encore binary, or skips (exit 77, meson's skip code)
# when node, the npm package `tokenizers` or a tokenizer.json is missing.
# usage: run_hf_differential.sh ENCORE_BIN [hf_differential.mjs options...]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=${ENCORE_SOURCE_ROOT:-$(cd "$here/../.." && pwd)}
shared=${ENCORE_SHARED:-$root/../shared}
encore=${1:?usage: run_hf_differential.sh ENCORE_BIN [options]}
shift

command -v node >/dev/null || { echo "skipped: node is not installed (apt-get install nodejs)"; exit 77; }
[ -d "$root/node_modules/tokenizers" ] ||
  { echo "skipped: $root/node_modules/tokenizers is missing (npm install --ignore-scripts)"; exit 77; }
tokenizer_json=
for candidate in "$root/tests/data/tokenizer/tokenizer.json" "$root/tests/data/tokenizer/tokenizer.json.gz" \
                 "$shared/tokenizer/distilbert-base-uncased-tokenizer.json"; do
  [ -f "$candidate" ] && { tokenizer_json=$candidate; break; }
done
[ -n "$tokenizer_json" ] || { echo "skipped: no tokenizer.json in tests/data/tokenizer or $shared/tokenizer"; exit 77; }

NODE_PATH="$root/node_modules" exec node "$here/hf_differential.mjs" \
  --encore "$encore" --tokenizer-json "$tokenizer_json" "$@"
