#!/usr/bin/python3
"""writes evaluation and calibration id files (jsonl, {"ids": [...]}) for int8_error_budget.py.

usage: make_texts.py EVAL_OUT CALIB_OUT [TEST_IDS.jsonl]
also writes CALIB_OUT with -mix before .jsonl: calibration texts alternating with random-token
sequences of the same lengths ([CLS] uniform ids from 1996 to 30521 [SEP]), which span embedding
directions of scripts the calibration texts do not have.
evaluation: the 1,000 texts `encore optimize` uses (tools/data/accuracy-texts.jsonl.zst), in order.
calibration: tokenizer-hf.jsonl rows with max_length 128 and no text_pair whose text is not an
evaluation text (and whose ids are not in TEST_IDS), one per distinct text, round-robin over
languages, so the first N rows are a balanced prefix for any N.
"""
import json, os, random, subprocess, sys
from collections import defaultdict

here = os.path.dirname(os.path.abspath(__file__))
shared = os.environ.get("ENCORE_SHARED", os.path.join(here, "../../../shared"))


def read_jsonl(text):
    return [json.loads(l) for l in text.split("\n") if l.strip()]


def main():
    eval_out, calib_out = sys.argv[1], sys.argv[2]
    acc = read_jsonl(subprocess.run(["zstd", "-dc", os.path.join(here, "../data/accuracy-texts.jsonl.zst")],
                                    capture_output=True, check=True).stdout.decode())
    rows = read_jsonl(open(os.path.join(shared, "golden/tokenizer-hf.jsonl"), encoding="utf-8").read())
    real = [r for r in rows if r.get("max_length") == 128 and not r.get("text_pair")]
    ids_of = {}
    for r in real:
        ids_of.setdefault(r["text"], r["ids"])
    eval_texts = {a["text"] for a in acc}
    test_ids = set()
    if len(sys.argv) > 3:
        test_ids = {tuple(json.loads(l)["ids"]) for l in open(sys.argv[3])}
    by_lang, seen = defaultdict(list), set()
    for r in real:
        if r["text"] in eval_texts or r["text"] in seen or tuple(r["ids"]) in test_ids or len(r["ids"]) <= 2:
            continue
        seen.add(r["text"])
        by_lang[r.get("lang")].append(r["ids"])
    calib, queues = [], [list(v) for _, v in sorted(by_lang.items(), key=lambda kv: str(kv[0]))]
    while any(queues):
        for q in queues:
            if q:
                calib.append(q.pop(0))
    with open(eval_out, "w") as f:
        for a in acc:
            f.write(json.dumps({"ids": ids_of[a["text"]]}) + "\n")
    with open(calib_out, "w") as f:
        for ids in calib:
            f.write(json.dumps({"ids": ids}) + "\n")
    rng = random.Random(1)
    with open(calib_out.replace(".jsonl", "-mix.jsonl"), "w") as f:
        for ids in calib:
            f.write(json.dumps({"ids": ids}) + "\n")
            f.write(json.dumps({"ids": [101] + [rng.randrange(1996, 30522) for _ in ids[2:]] + [102]}) + "\n")
    print(f"{len(acc)} evaluation, {len(calib)} calibration texts", file=sys.stderr)


if __name__ == "__main__":
    main()
