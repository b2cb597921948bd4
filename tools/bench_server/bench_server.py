"""End-to-end latency of `encore serve` (wrk on loopback) measured interleaved with the model-only
latency of `encore bench`, so the overhead between them compares numbers taken minutes, not hours,
apart under the same load. See run.sh for the command line; only the standard library is used.

Per round, for every variant (a server binary and its environment, all started once and kept
loaded): wrk at one connection on texts of exactly 8, 64 and 128 tokens, with the server's
/metrics read before and after each cell (mean queue wait, tokenization, inference, request time);
then the paired client (rtt_client.cpp, see paired.py) on the same texts: per request, its round
trip minus the x-model-time of that same request, pooled over rounds (median, p99); then
`encore bench` (each distinct binary) on the same lengths, and the loopback floor (rtt_client
against its own echo peer). wrk cells are medians over rounds; the wrk overhead is taken per round
(e2e p50 − model p50 of that round), then its median.
Then requests/s at saturation (8 and 64 connections), in latency and dynamic-batching mode.
"""

import argparse
import json
import os
import re
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

import paired

HERE = os.path.dirname(os.path.abspath(__file__))
SEQS = (8, 64, 128)
WORDS = "the cat sat on a mat and the dog ran to the park with a red ball".split()


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--build", default=os.path.join(HERE, "..", "..", "build"))
    p.add_argument("--duration", type=float, default=4, help="seconds per wrk cell")
    p.add_argument("--rounds", type=int, default=4)
    p.add_argument("--threads", type=int, default=0, help="--threads of serve and bench")
    p.add_argument("--bench-iters", type=int, default=100, help="encore bench passes per round")
    p.add_argument("--variant", action="append", default=[],
                   help="'LABEL BINARY [VAR=VALUE ...]': a server to compare (repeatable); "
                        "default: 'encore BUILD/tools/encore'")
    p.add_argument("--paired-seconds", type=float, default=None,
                   help="seconds of the paired client per cell (default: --duration; 0: off)")
    p.add_argument("--trace", action="store_true",
                   help="start every server with ENCORE_SERVE_TRACE=1 and print where the time "
                        "between the client and the model goes")
    p.add_argument("--no-wrk", action="store_true", help="only the paired client (faster)")
    p.add_argument("--no-saturation", action="store_true")
    p.add_argument("--json", help="also write every round's raw numbers here")
    p.add_argument("models", nargs="+")
    return p.parse_args()


class Variant:
    def __init__(self, spec):
        words = shlex.split(spec)
        self.label, self.binary = words[0], os.path.abspath(words[1])
        self.env = dict(w.split("=", 1) for w in words[2:])
        if not os.access(self.binary, os.X_OK):
            sys.exit(f"no {self.binary}: build first")


class Server:
    def __init__(self, variant, model, threads, log, extra=()):
        env = dict(os.environ, **variant.env)
        cmd = [variant.binary, "serve", "--model", model, "--port", "0", "--threads",
               str(threads), "--queue-size", "4096", *extra]
        self.log = log
        self.process = subprocess.Popen(cmd, stdout=open(log, "w"), stderr=subprocess.STDOUT,
                                        env=env)
        self.port = None
        for _ in range(1200):
            text = open(log).read()
            match = re.search(r"^listening on http://[^:]*:(\d+)$", text, re.M)
            if match and self.port is None:
                self.port = int(match.group(1))
            if self.port and self.get("/health", fail_ok=True) is not None:
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.1)
        sys.exit(f"the server did not become healthy:\n{open(log).read()}")

    def get(self, path, fail_ok=False):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=10) as r:
                return r.read().decode()
        except Exception:
            if fail_ok:
                return None
            raise

    def stop(self):
        self.process.terminate()
        self.process.wait()


# Sums and counts of the server's histograms, and the answered /predict requests.
def scrape(server):
    values = {}
    for line in server.get("/metrics").splitlines():
        match = re.match(r"^encore_(\w+)_duration_seconds_(sum|count) (\S+)$", line)
        if match:
            values[f"{match.group(1)}_{match.group(2)}"] = float(match.group(3))
        if line.startswith('encore_requests_total{route="predict",status="200"}'):
            values["predict"] = float(line.split()[-1])
    return values


def mean_us(before, after, name):
    count = after.get(f"{name}_count", 0) - before.get(f"{name}_count", 0)
    total = after.get(f"{name}_sum", 0) - before.get(f"{name}_sum", 0)
    return total / count * 1e6 if count else float("nan")


def wrk(port, body, connections, duration):
    env = dict(os.environ, BODY_FILE=body)
    out = subprocess.run(
        ["wrk", f"-t{1 if connections < 2 else 2}", f"-c{connections}", f"-d{duration:g}s",
         "--timeout", "60s", "-s", os.path.join(HERE, "post.lua"),
         f"http://127.0.0.1:{port}/predict"], env=env, capture_output=True, text=True,
        check=True).stdout
    line = next(l for l in out.splitlines() if l.startswith("RESULT "))
    p50, p99, rps, fail, server_p50, server_p99 = line.split()[1:]
    return {"p50_ms": int(p50) / 1000, "p99_ms": int(p99) / 1000, "rps": float(rps),
            "fail": int(fail), "x_compute_p50_ms": float(server_p50),
            "x_compute_p99_ms": float(server_p99)}


def bench(binary, model, threads, iters):
    out = subprocess.run(
        [binary, "bench", "--model", model, "--seq", ",".join(map(str, SEQS)), "--batch", "1",
         "--threads", str(threads), "--iters", str(iters)], capture_output=True, text=True,
        check=True).stdout
    result = {}
    for line in out.splitlines()[1:]:
        seq, _, _, p50, _, p99, *_ = line.split(",")
        result[int(seq)] = {"p50_ms": float(p50), "p99_ms": float(p99)}
    return result


def make_bodies(binary, model, work):
    bodies = {}
    for seq in SEQS:
        text = " ".join(WORDS[i % len(WORDS)] for i in range(seq - 2))
        out = subprocess.run([binary, "tokenize", "--model", model],
                             input=json.dumps({"text": text}) + "\n", capture_output=True,
                             text=True, check=True).stdout
        tokens = len(json.loads(out.splitlines()[0])["ids"])
        if tokens != seq:
            sys.exit(f"the seq-{seq} text has {tokens} tokens")
        bodies[seq] = os.path.join(work, f"body-{seq}.json")
        with open(bodies[seq], "w") as f:
            json.dump({"inputs": text}, f)
    return bodies


def median(values):
    values = [v for v in values if v == v]  # drop NaN
    return statistics.median(values) if values else float("nan")


def latency_rounds(args, model, variants, servers, bodies, client):
    rounds = []
    binaries = sorted({v.binary for v in variants})
    for r in range(args.rounds):
        row = {"e2e": {}, "model": {}, "paired": {}}
        for v in variants:
            for seq in SEQS:
                if not args.no_wrk:
                    before = scrape(servers[v.label])
                    cell = wrk(servers[v.label].port, bodies[seq], 1, args.duration)
                    after = scrape(servers[v.label])
                    for stage in ("queue", "tokenization", "inference", "request"):
                        cell[f"{stage}_mean_us"] = mean_us(before, after, stage)
                    row["e2e"][f"{v.label}/{seq}"] = cell
                if args.paired_seconds > 0:
                    row["paired"][f"{v.label}/{seq}"] = paired.run(
                        client, bodies[seq], 1000000, servers[v.label].port,
                        seconds=args.paired_seconds)
        if args.paired_seconds > 0:
            row["echo"] = paired.run(client, bodies[SEQS[0]], 1000000, echo=True, seconds=1)
        for binary in binaries:
            row["model"][binary] = bench(binary, model, args.threads, args.bench_iters)
        rounds.append(row)
        print(f"  round {r + 1}/{args.rounds} done (load average "
              f"{open('/proc/loadavg').read().split()[0]})", file=sys.stderr)
    return rounds


def print_latency(rounds, variants):
    print("| variant | seq | e2e p50 ms | e2e p99 ms | p99/p50 | model p50 ms | model p99 ms | "
          "model p99/p50 | overhead p50 µs | x-compute p50 ms | e2e − x-compute µs | fail |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for v in variants:
        for seq in SEQS:
            e2e = [r["e2e"][f"{v.label}/{seq}"] for r in rounds]
            mod = [r["model"][v.binary][seq] for r in rounds]
            col = lambda rows, key: median([x[key] for x in rows])
            over = median([(e["p50_ms"] - m["p50_ms"]) * 1000 for e, m in zip(e2e, mod)])
            ratio = median([e["p99_ms"] / e["p50_ms"] for e in e2e])
            mratio = median([m["p99_ms"] / m["p50_ms"] for m in mod])
            gap = median([(e["p50_ms"] - e["x_compute_p50_ms"]) * 1000 for e in e2e])
            print(f"| {v.label} | {seq} | {col(e2e, 'p50_ms'):.3f} | {col(e2e, 'p99_ms'):.3f} | "
                  f"{ratio:.2f} | {col(mod, 'p50_ms'):.3f} | {col(mod, 'p99_ms'):.3f} | "
                  f"{mratio:.2f} | {over:.0f} | {col(e2e, 'x_compute_p50_ms'):.3f} | {gap:.0f} | "
                  f"{sum(e['fail'] for e in e2e)} |")
    print()
    print("Inside the server (means from /metrics, median over rounds, µs): queue = submit → a "
          "worker takes it; inference = model call + post-processing + JSON; request = "
          "x-compute-time.")
    print()
    print("| variant | seq | queue | tokenization | inference | request | request − the three |")
    print("|---|---|---|---|---|---|---|")
    for v in variants:
        for seq in SEQS:
            e2e = [r["e2e"][f"{v.label}/{seq}"] for r in rounds]
            m = {k: median([e[f"{k}_mean_us"] for e in e2e])
                 for k in ("queue", "tokenization", "inference", "request")}
            rest = median([e["request_mean_us"] - e["queue_mean_us"] -
                           e["tokenization_mean_us"] - e["inference_mean_us"] for e in e2e])
            print(f"| {v.label} | {seq} | {m['queue']:.0f} | {m['tokenization']:.0f} | "
                  f"{m['inference']:.0f} | {m['request']:.0f} | {rest:.0f} |")


def print_paired(rounds, variants, trace):
    print()
    print("Paired (rtt_client: one request at a time; overhead = round trip − x-model-time of the "
          "same request; every request of every round pooled; µs unless marked):")
    print()
    print("| variant | seq | requests | RTT p50 ms | RTT p99 ms | RTT p99/p50 | model p50 ms | "
          "model p99/p50 | overhead p50 | overhead p99 | overhead p50 per round | "
          "RTT − x-compute p50 |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for v in variants:
        for seq in SEQS:
            key = f"{v.label}/{seq}"
            rows = [x for r in rounds for x in r["paired"][key]]
            s = paired.summarize(rows)
            per_round = [paired.summarize(r["paired"][key])["overhead_p50_us"] for r in rounds]
            print(f"| {v.label} | {seq} | {s['requests']} | {s['rtt_p50_us'] / 1000:.3f} | "
                  f"{s['rtt_p99_us'] / 1000:.3f} | {s['rtt_p99_over_p50']:.2f} | "
                  f"{s['model_p50_us'] / 1000:.3f} | {s['model_p99_over_p50']:.2f} | "
                  f"{s['overhead_p50_us']:.0f} | {s['overhead_p99_us']:.0f} | "
                  f"{min(per_round):.0f}–{max(per_round):.0f} | {s['gap_p50_us']:.0f} |")
    echo = paired.summarize([x for r in rounds for x in r["echo"]])
    print()
    print(f"Loopback floor (rtt_client against its own echo peer, same request size): p50 "
          f"{echo['rtt_p50_us']:.1f} µs, p99 {echo['rtt_p99_us']:.1f} µs "
          f"({echo['requests']} round trips).")
    if not trace:
        return
    print()
    print("Where the overhead goes (x-trace stamps, CLOCK_MONOTONIC; p50 / p99 µs of each stage):")
    print()
    print("| variant | seq | " + " | ".join(name for name, _, _ in paired.STAGES) + " |")
    print("|---|---|" + "---|" * len(paired.STAGES))
    for v in variants:
        for seq in SEQS:
            rows = [x for r in rounds for x in r["paired"][f"{v.label}/{seq}"]]
            print(f"| {v.label} | {seq} | " + " | ".join(
                f"{p50:.1f} / {p99:.0f}" for _, p50, p99 in paired.stages(rows)) + " |")


def saturation(args, model, variants, work, bodies):
    print()
    print("Throughput at saturation (requests/s; wrk on the same cores; fail = answers not 200):")
    print()
    print("| variant | seq | latency mode, 8 conn | latency mode, 64 conn | batching, 8 conn | "
          "batching, 64 conn |")
    print("|---|---|---|---|---|---|")
    cells = {}
    for v in variants:
        for mode, extra in (("latency", ()), ("batching", ("--max-batch-tokens", "2048"))):
            server = Server(v, model, args.threads, os.path.join(work, "serve.log"), extra)
            for seq in SEQS:
                for conn in (8, 64):
                    cell = wrk(server.port, bodies[seq], conn, args.duration)
                    text = f"{cell['rps']:.1f}"
                    if cell["fail"]:
                        text += f" ({cell['fail']} fail)"
                    cells[(v.label, mode, seq, conn)] = text
            server.stop()
        for seq in SEQS:
            print(f"| {v.label} | {seq} | " + " | ".join(
                cells[(v.label, mode, seq, conn)] for mode in ("latency", "batching")
                for conn in (8, 64)) + " |")


def main():
    args = parse_args()
    specs = args.variant or [f"encore {os.path.join(args.build, 'tools', 'encore')}"]
    variants = [Variant(s) for s in specs]
    if args.paired_seconds is None:
        args.paired_seconds = args.duration
    if args.trace:
        for v in variants:
            v.env["ENCORE_SERVE_TRACE"] = "1"
    raw = []
    with tempfile.TemporaryDirectory() as work:
        client = paired.build_client(work) if args.paired_seconds > 0 else None
        for model in args.models:
            bodies = make_bodies(variants[0].binary, model, work)
            servers = {v.label: Server(v, model, args.threads,
                                       os.path.join(work, f"serve-{i}.log"))
                       for i, v in enumerate(variants)}
            info = json.loads(servers[variants[0].label].get("/info"))
            try:
                rounds = latency_rounds(args, model, variants, servers, bodies, client)
            finally:
                for s in servers.values():
                    s.stop()
            print()
            print(f"## {model} (threads {args.threads}, {os.cpu_count()} cores, {args.rounds} "
                  f"rounds of wrk {args.duration:g} s per cell + encore bench "
                  f"{args.bench_iters} passes, interleaved)")
            print()
            if not args.no_wrk:
                print_latency(rounds, variants)
            if args.paired_seconds > 0:
                print_paired(rounds, variants, args.trace)
            raw.append({"model": model, "rounds": rounds})
            if args.json:
                with open(args.json, "w") as f:
                    json.dump(raw, f, indent=1)
            if not args.no_saturation:
                saturation(args, model, variants, work, bodies)
            print()
            print(f"Kernels: {info.get('isa')} {info.get('precision')} "
                  f"{info.get('linear_kernels')}; variants: " +
                  "; ".join(f"{v.label} = {v.binary} {v.env or ''}" for v in variants))


if __name__ == "__main__":
    main()
