#!/usr/bin/python3
"""writes small GPTQ reference vectors (JSON) for a C++ unit test of engine/gptq.cpp.

usage: gptq_reference.py OUT.json
A 16x40 weight W (rows = output channels) and H = 2·XᵀX of 200 anisotropic inputs X [200, 40]
(one column always 0, to exercise the dead-column rule), quantized by gptq.py with absmax scales,
damp 0.01 and block 16 (so 40 columns span 3 blocks), natural order and act order. The JSON holds
the integer codes q (W ≈ q·scale) and, for a test that the compensation helps, the output error
‖(W - Ŵ) Xᵀ‖_F = sqrt(tr(ΔW H ΔWᵀ) / 2) of GPTQ and of round to nearest.
"""
import json, sys
import numpy as np
import gptq as gq


def err(dW, H):
    return np.sqrt(np.trace(dW @ H @ dW.T) / 2)


def main():
    rng = np.random.default_rng(7)
    rows, cols, n = 16, 40, 200
    W = rng.standard_normal((rows, cols)) * np.exp(rng.uniform(-1, 1, (rows, 1)))
    mix = rng.standard_normal((cols, cols)) * np.exp(-np.arange(cols) / 8)[:, None]
    X = rng.standard_normal((n, cols)) @ mix
    X[:, 5] = 0
    W = np.round(W, 6)
    X = np.round(X, 6)
    H = 2 * X.T @ X
    scale = gq.scales_absmax(W)
    out = dict(rows=rows, cols=cols, damp=0.01, block=16, qmax=gq.QMAX,
               W=W.tolist(), H=H.tolist(), scale=scale.tolist())
    rtn = gq.quantize(W, scale[:, None])
    out["rtn_error"] = float(err(W - rtn, H))
    for name, ao in (("natural", False), ("act_order", True)):
        Q = gq.gptq(W, H, scale, block=16, damp=0.01, act_order=ao)
        codes = np.rint(Q / scale[:, None]).astype(int)
        assert np.allclose(codes * scale[:, None], Q)
        out[name] = dict(q=codes.tolist(), error=float(err(W - Q, H)))
    json.dump(out, open(sys.argv[1], "w"))
    print(f"rtn {out['rtn_error']:.4f} gptq {out['natural']['error']:.4f} act-order {out['act_order']['error']:.4f}",
          file=sys.stderr)


if __name__ == "__main__":
    main()
