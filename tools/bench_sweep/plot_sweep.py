#!/usr/bin/python3
"""Charts of an `encore bench --sweep` run (python3-matplotlib).

usage: plot_sweep.py RESULTS.csv OUT_DIR
Writes into OUT_DIR and prints each file name on its own line:
  throughput.png      sequences/s vs sequence length per system (batch 1 and the largest batch)
  latency_batch1.png  p50 / p95 / p99 latency at batch 1 per system
  speedup.png         encore's model-only throughput over each peer's, batch 1 and the largest
One column of panels per cores value.
"""
import csv
import os
import sys
from collections import defaultdict


def load(path):
    rows = []
    with open(path, newline="") as fh:
        for row in csv.DictReader(fh):
            label = f"{row['system']} {row['precision']} {row['mode']}"
            rows.append({"label": label, "system": row["system"], "mode": row["mode"],
                         "cores": int(row["cores"]), "seq": int(row["seq"]), "batch": int(row["batch"]),
                         **{k: float(row[k]) for k in ("seq_per_s", "p50_ms", "p95_ms", "p99_ms")}})
    return rows


def chart(plt, out, name, cores, batches, seqs, ylabel, draw, title="", legend_size=8):
    """One panel per (batch, cores) on a log-log grid; draw(ax, cores, batch) plots into it."""
    fig, axes = plt.subplots(len(batches), len(cores), figsize=(5.5 * len(cores), 4.2 * len(batches)),
                             squeeze=False)
    for i, batch in enumerate(batches):
        for j, c in enumerate(cores):
            ax = axes[i][j]
            draw(ax, c, batch)
            style(ax, f"{c} core(s), batch {batch}{title}", ylabel, seqs)
            ax.set_yscale("log")
    axes[0][0].legend(fontsize=legend_size, ncol=2 if legend_size < 8 else 1)
    fig.tight_layout()
    fig.savefig(os.path.join(out, name), dpi=100)
    print(name)


def series(rows, label, cores, batch, key):
    points = sorted((r["seq"], r[key]) for r in rows
                    if r["label"] == label and r["cores"] == cores and r["batch"] == batch)
    return [p[0] for p in points], [p[1] for p in points]


def style(ax, title, ylabel, seqs):
    ax.set_title(title)
    ax.set_xscale("log", base=2)
    ax.set_xticks(seqs)
    ax.set_xticklabels([str(s) for s in seqs])
    ax.set_xlabel("sequence length (tokens)")
    ax.set_ylabel(ylabel)
    ax.grid(True, which="both", alpha=0.3)


def main():
    if len(sys.argv) != 3 or "--help" in sys.argv:
        print(__doc__, file=sys.stderr)
        return 0 if "--help" in sys.argv else 2
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = load(sys.argv[1])
    out = sys.argv[2]
    os.makedirs(out, exist_ok=True)
    if not rows:
        print("plot_sweep.py: no rows to plot", file=sys.stderr)
        return 1
    labels = list(dict.fromkeys(r["label"] for r in rows))
    cores = sorted({r["cores"] for r in rows})
    seqs = sorted({r["seq"] for r in rows})
    batches = sorted({r["batch"] for r in rows})
    shown = sorted({batches[0], batches[-1]})
    color = {label: f"C{i}" for i, label in enumerate(labels)}

    def throughput(ax, c, batch):
        for label in labels:
            x, y = series(rows, label, c, batch, "seq_per_s")
            if x:
                ax.plot(x, y, "o-", color=color[label], label=label)
    chart(plt, out, "throughput.png", cores, shown, seqs, "sequences / s", throughput)

    def latency(ax, c, batch):
        for label in labels:
            for key, mark in (("p50_ms", "o-"), ("p95_ms", "s--"), ("p99_ms", "^:")):
                x, y = series(rows, label, c, batch, key)
                if x:
                    ax.plot(x, y, mark, color=color[label], label=f"{label} {key[:3]}")
    chart(plt, out, "latency_batch1.png", cores, batches[:1], seqs, "latency (ms)", latency,
          title=": p50 / p95 / p99", legend_size=6)

    mine = [l for l in labels if l.startswith("encore ") and l.endswith(" model")]
    peers = [l for l in labels if not l.startswith("encore ")]
    # colour = the peer, line style = encore's precision (several encore precisions share a peer's colour)
    line_style = {m: ("o-", "s--", "^:", "d-.")[i % 4] for i, m in enumerate(mine)}
    def speedup(ax, c, batch):
        for m in mine:
            for p in peers:
                ours = dict(zip(*series(rows, m, c, batch, "seq_per_s")))
                theirs = dict(zip(*series(rows, p, c, batch, "seq_per_s")))
                x = [s for s in seqs if s in ours and s in theirs]
                if x:
                    ax.plot(x, [ours[s] / theirs[s] for s in x], line_style[m], color=color[p],
                            label=f"{m.removesuffix(' model')} / {p.removesuffix(' model')}")
        ax.axhline(1.0, color="black", linewidth=0.8)
    if mine and peers:
        chart(plt, out, "speedup.png", cores, shown, seqs, "speedup (× peer throughput)", speedup)
    return 0


if __name__ == "__main__":
    sys.exit(main())
