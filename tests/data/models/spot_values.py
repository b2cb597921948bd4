#!/usr/bin/python3
"""Writes tensor_spot_values.json: for every tensor of each given model folder, its shape, float64
sum and a few elements at fixed positions, read with numpy alone. test_distilbert_weights.cpp
checks encore's loader against it (names, prefixes, shapes, offsets, byte order).

usage: spot_values.py OUT.json MODEL_DIR...   (each MODEL_DIR holds an F32 model.safetensors)
"""
import json
import os
import struct
import sys

import numpy as np


def read_f32_tensors(path):
    with open(path, "rb") as fh:
        data = fh.read()
    (header_len,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + header_len])
    base = 8 + header_len
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        assert entry["dtype"] == "F32"
        begin, end = entry["data_offsets"]
        yield name, np.frombuffer(data[base + begin:base + end], dtype="<f4").reshape(entry["shape"])


def spot_values(model_dir):
    out = {}
    for name, tensor in read_f32_tensors(os.path.join(model_dir, "model.safetensors")):
        flat = tensor.reshape(-1)
        n = flat.size
        positions = sorted({0, n - 1, n // 2} | {(i * 7919) % n for i in range(1, 6)})
        out[name] = {
            "shape": list(tensor.shape),
            "sum": float(flat.astype(np.float64).sum()),
            "elements": [[p, float(flat[p])] for p in positions],
        }
    return out


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    result = {os.path.basename(os.path.normpath(d)): spot_values(d) for d in sys.argv[2:]}
    with open(sys.argv[1], "w") as fh:
        json.dump(result, fh, indent=1, sort_keys=True)
