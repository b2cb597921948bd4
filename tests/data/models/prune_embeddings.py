#!/usr/bin/python3
"""Makes a golden model folder small enough to vendor: zeroes every word_embeddings row that no
`ids` list in the folder's expected.jsonl uses. The rows those ids use, and every other tensor,
keep their exact bytes, and the header is unchanged, so the outputs in expected.jsonl stay
bit-identical while the zero rows compress to almost nothing.

usage: prune_embeddings.py SRC_DIR DST_DIR   (writes DST_DIR/model.safetensors; needs numpy)
"""
import json
import os
import struct
import sys

import numpy as np


def used_ids(expected_path):
    ids = set()
    with open(expected_path, encoding="utf-8") as rows:
        for line in rows:
            ids.update(json.loads(line)["ids"])
    return ids


def main(src, dst):
    with open(os.path.join(src, "model.safetensors"), "rb") as fh:
        data = bytearray(fh.read())
    (header_len,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + header_len])
    name = next(k for k in header if k.endswith("embeddings.word_embeddings.weight"))
    entry = header[name]
    assert entry["dtype"] == "F32", "this script handles F32 checkpoints"
    rows, dim = entry["shape"]
    begin, end = (8 + header_len + off for off in entry["data_offsets"])
    table = np.frombuffer(data, dtype="<f4", count=rows * dim, offset=begin).reshape(rows, dim).copy()
    keep = np.zeros(rows, dtype=bool)
    keep[sorted(used_ids(os.path.join(src, "expected.jsonl")))] = True
    table[~keep] = 0.0
    data[begin:end] = table.tobytes()
    os.makedirs(dst, exist_ok=True)
    with open(os.path.join(dst, "model.safetensors"), "wb") as fh:
        fh.write(data)
    print(f"{name}: kept {int(keep.sum())} of {rows} rows", file=sys.stderr)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
