"""Paired overhead measurement for `encore serve` (used by bench_server.py; standard library only).

rtt_client.cpp sends one request at a time and prints, per request, its round trip next to the
server's x-model-time (and, with ENCORE_SERVE_TRACE=1 on the server, the x-trace stamps on the
same CLOCK_MONOTONIC). The overhead of a request is its round trip minus its own model time, so
the model's noise cancels request by request; medians and p99 are over thousands of requests.

Standalone: python3 paired.py --port P --body FILE [--requests N] [--spin] [--echo]
prints the summary and the stage breakdown of one run.
"""

import argparse
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

# x-trace stamps (server/request_trace.h) with the client's own two around them: the stages of one
# request's round trip, each named after where its time goes.
STAGES = (
    ("client send → I/O thread awake", "send", 0),
    ("epoll wake → read", 0, 1),
    ("read → parsed", 1, 2),
    ("parsed → queued", 2, 3),
    ("queued → worker took it", 3, 4),
    ("worker → forward starts (JSON, tokenize)", 4, 5),
    ("forward (x-model-time)", 5, 6),
    ("forward → framed (post-processing, JSON)", 6, 7),
    ("framed → client has the answer", 7, "recv"),
)


def build_client(out_dir):
    """Compiles rtt_client.cpp into out_dir; returns the binary's path."""
    binary = os.path.join(out_dir, "rtt_client")
    compiler = os.environ.get("CXX", "c++")
    subprocess.run([compiler, "-O2", "-std=c++20", "-o", binary,
                    os.path.join(HERE, "rtt_client.cpp")], check=True)
    return binary


def run(client, body, requests, port=None, spin=False, echo=False, warmup=50, seconds=0):
    """One run of rtt_client (`requests` or `seconds`, whichever ends first); per-request dicts."""
    cmd = [client, "--body", body, "--requests", str(requests), "--warmup", str(warmup),
           "--seconds", str(seconds)]
    cmd += ["--echo"] if echo else ["--port", str(port)]
    if spin:
        cmd.append("--spin")
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    rows = []
    for line in out.splitlines():
        f = line.split(",")
        rows.append({"send": int(f[0]), "recv": int(f[1]), "compute_ms": float(f[2]),
                     "model_ms": float(f[3]), "trace": [int(x) for x in f[4:12]]})
    return rows


def percentile(values, p):
    values = sorted(values)
    if not values:
        return float("nan")
    return values[min(len(values) - 1, max(0, int(round(p / 100 * (len(values) - 1)))))]


def summarize(rows):
    """p50/p99 (µs) of the round trip, the model, the paired overhead and x-compute's gap."""
    rtt = [(r["recv"] - r["send"]) / 1000 for r in rows]
    model = [r["model_ms"] * 1000 for r in rows if r["model_ms"] >= 0]
    over = [(r["recv"] - r["send"]) / 1000 - r["model_ms"] * 1000 for r in rows
            if r["model_ms"] >= 0]
    gap = [(r["recv"] - r["send"]) / 1000 - r["compute_ms"] * 1000 for r in rows]
    s = {"requests": len(rows)}
    for name, values in (("rtt", rtt), ("model", model), ("overhead", over), ("gap", gap)):
        s[f"{name}_p50_us"] = percentile(values, 50)
        s[f"{name}_p99_us"] = percentile(values, 99)
    s["rtt_p99_over_p50"] = s["rtt_p99_us"] / s["rtt_p50_us"]
    s["model_p99_over_p50"] = s["model_p99_us"] / s["model_p50_us"] if model else float("nan")
    return s


def stages(rows):
    """Median and p99 (µs) of each stage, for the rows that carry x-trace."""
    traced = [r for r in rows if r["trace"][0]]
    result = []
    for name, a, b in STAGES:
        def stamp(r, k):
            return r[k] if isinstance(k, str) else r["trace"][k]
        values = [(stamp(r, b) - stamp(r, a)) / 1000 for r in traced]
        result.append((name, percentile(values, 50), percentile(values, 99)))
    return result


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--port", type=int)
    p.add_argument("--body", required=True)
    p.add_argument("--requests", type=int, default=2000)
    p.add_argument("--seconds", type=float, default=0, help="stop after this long (0: no limit)")
    p.add_argument("--spin", action="store_true")
    p.add_argument("--echo", action="store_true")
    p.add_argument("--client", help="a built rtt_client (default: build one in /tmp)")
    args = p.parse_args()
    client = args.client or build_client("/tmp")
    rows = run(client, args.body, args.requests, args.port, args.spin, args.echo,
               seconds=args.seconds)
    for key, value in summarize(rows).items():
        print(f"{key}: {value:.1f}" if isinstance(value, float) else f"{key}: {value}")
    if any(r["trace"][0] for r in rows):
        print("\n| stage | p50 µs | p99 µs |\n|---|---|---|")
        for name, p50, p99 in stages(rows):
            print(f"| {name} | {p50:.1f} | {p99:.1f} |")


if __name__ == "__main__":
    sys.exit(main())
