#!/usr/bin/python3
"""per-language max |Δp| of --dump files of int8_error_budget.py run on make_texts.py's evaluation file.

usage: dp_by_lang.py CALIB.jsonl DUMP.npy...
Per text, |dp| = max over classes of |p_int8 - p_fp32|; columns: max and mean of it per language.
Languages marked * have (almost) no text in the calibration file (CALIB.jsonl from make_texts.py).
"""
import json, os, subprocess, sys
from collections import Counter, defaultdict
import numpy as np

here = os.path.dirname(os.path.abspath(__file__))
shared = os.environ.get("ENCORE_SHARED", os.path.join(here, "../../../shared"))


def main():
    acc = [json.loads(l) for l in subprocess.run(
        ["zstd", "-dc", os.path.join(here, "../data/accuracy-texts.jsonl.zst")],
        capture_output=True, check=True).stdout.decode().split("\n") if l.strip()]
    rows = [json.loads(l) for l in open(os.path.join(shared, "golden/tokenizer-hf.jsonl"), encoding="utf-8").read().split("\n") if l.strip()]
    lang_of = {tuple(r["ids"]): r.get("lang") for r in rows if r.get("max_length") == 128 and not r.get("text_pair")}
    calib_count = Counter(lang_of.get(tuple(json.loads(l)["ids"])) for l in open(sys.argv[1]))
    calib_langs = {l for l, c in calib_count.items() if c >= 5}  # a few ids collide across languages
    dumps = [(os.path.basename(p)[:-4], np.load(p)) for p in sys.argv[2:]]
    langs = [a["lang"] for a in acc[:len(dumps[0][1])]]
    groups = defaultdict(list)
    for i, l in enumerate(langs):
        groups[l].append(i)
    print("lang      n " + " ".join(f"{name[:28]:>28s}" for name, _ in dumps) + "   (max / mean |dp|)")
    for l in sorted(groups):
        idx = groups[l]
        mark = " " if l in calib_langs else "*"
        print(f"{l:7s}{mark}{len(idx):3d} " + " ".join(f"{d[idx].max():13.4f} /{d[idx].mean():13.5f}" for _, d in dumps))
    for name, d in dumps:
        seen = np.array([l in calib_langs for l in langs])
        print(f"{name}: languages in calibration max {d[seen].max():.4f} mean {d[seen].mean():.5f}; "
              f"unseen max {d[~seen].max():.4f} mean {d[~seen].mean():.5f}")


if __name__ == "__main__":
    main()
