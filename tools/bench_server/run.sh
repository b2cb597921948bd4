#!/usr/bin/env bash
# End-to-end latency and throughput of `encore serve` with wrk on loopback, measured interleaved
# with the model-only latency of `encore bench`, and the overhead between them (Markdown tables).
#
#   tools/bench_server/run.sh [--build DIR] [--duration S] [--rounds R] [--threads N]
#                             [--bench-iters N] [--variant 'LABEL BINARY [VAR=VALUE ...]']...
#                             [--paired-seconds S] [--trace] [--no-wrk]
#                             [--no-saturation] [--json FILE] MODEL_DIR...
#
# For texts of exactly 8, 64 and 128 tokens, R rounds of: wrk at one connection against every
# variant's server (all kept loaded), then `encore bench` (batch 1, same threads); each cell is
# the median over rounds, the overhead (e2e p50 − model p50) is taken per round. The paired client
# (rtt_client.cpp) then takes the overhead per request: round trip − that request's x-model-time,
# median and p99 over all requests (see README.md); --trace adds where it goes. Also the server's
# own breakdown from /metrics (queue wait, tokenization, inference, request) and requests/s at
# saturation with 8 and 64 connections in latency and dynamic-batching mode (--max-batch-tokens
# 2048). Several --variant compare binaries or environments (e.g. ENCORE_SERVE_IDLE_SPIN_US=0)
# side by side in one run. Numbers from a shared machine: compare within one run.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 2; }
exec python3 "$here/bench_server.py" "$@"
