#!/usr/bin/env bash
# One command from a fresh Debian 12 machine to a running encore: installs the dependencies,
# builds, and serves a model. With no --model, it first writes a demo DistilBERT whose weights are
# RANDOM (its predictions mean nothing; it exists so everything runs with no download).
#   tools/serve.sh [--model DIR] [any other `encore serve` options]
set -euo pipefail
cd "$(dirname "$0")/.."
case "${1:-}" in -h|--help) sed -n '2,5p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;; esac

tools/install-deps.sh
[ -d build ] || meson setup build --buildtype=release
ninja -C build -j "$(nproc)"

args=("$@")
if ! printf '%s\n' "${args[@]+"${args[@]}"}" | grep -q -- '^--model'; then
  if [ ! -f demo-model/model.safetensors ]; then
    echo "encore: writing the demo model (random weights) to demo-model/"
    build/tools/encore demo-model --out demo-model
  fi
  args+=(--model demo-model)
fi
exec build/tools/encore serve "${args[@]}"
