#!/usr/bin/env bash
# Runs one libFuzzer target for a bounded time from a copy of its seed corpus (the checked-in
# corpus is never written to). Usage: run_fuzz.sh FUZZER SEED_DIR
set -euo pipefail
fuzzer=$1 seeds=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/corpus"
[ -d "$seeds" ] && cp -r "$seeds"/. "$work/corpus/" 2>/dev/null || true
seconds=${ENCORE_FUZZ_SECONDS:-20}
echo "fuzzing $(basename "$fuzzer") for ${seconds}s"
"$fuzzer" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 \
  -artifact_prefix="$work/" "$work/corpus" 2>&1 | tail -n 5
status=${PIPESTATUS[0]}
if [ "$status" -ne 0 ]; then
  for crash in "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$work"/oom-*; do
    [ -f "$crash" ] && { echo "reproducer $crash:"; od -c "$crash" | head -n 20; }
  done
fi
exit "$status"
