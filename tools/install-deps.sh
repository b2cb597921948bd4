#!/usr/bin/env bash
# Installs everything encore needs to build, test and benchmark on Debian 12 (apt-get + npm).
# Idempotent: packages already present are skipped quickly.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  build-essential meson ninja-build pkg-config clang libclang-rt-14-dev   # toolchain, fuzzers
  libxbyak-dev libhwy-dev libutf8proc-dev doctest-dev libmimalloc-dev libsimdjson-dev
  zstd curl wrk                                                           # test data, clients
  python3-numpy python3-scipy                                             # reference model (tests)
  python3-matplotlib python3-torch python3-onnx libopenblas0-pthread     # bench --sweep: charts, peers
)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
# Node.js runs the Hugging Face tokenizers and ONNX Runtime peers; keep an existing install.
command -v node >/dev/null && command -v npm >/dev/null || missing+=(nodejs npm)
if ((${#missing[@]})); then
  echo "encore: installing Debian packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# Peers for the differential tokenizer test and benchmarks (Hugging Face tokenizers, ONNX Runtime).
# --ignore-scripts: their install scripts try to download GPU extras, which fail offline.
if [ -f package.json ] && [ ! -d node_modules/tokenizers ]; then
  echo "encore: installing npm packages (package.json)"
  npm install --ignore-scripts --no-audit --no-fund --loglevel=error
fi
