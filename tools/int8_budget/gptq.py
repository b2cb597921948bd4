"""GPTQ (Frantar et al. 2022) for 8-bit symmetric per-output-channel weights, in float64.

W is [rows = output channels, cols = input channels]; H = 2·Σ x xᵀ over the layer's calibration
inputs ([cols, cols]). The per-row scales are fixed before the column sweep; each column is rounded
and its error is spread over the not-yet-quantized columns through the upper Cholesky factor of H⁻¹.
"""
import numpy as np
import scipy.linalg as sla

QMAX = 127


def quantize(w, scale):
    """round to nearest on the s8 grid [-127, 127] · scale (scale broadcast over w's rows)."""
    inv = np.where(scale > 0, 1 / np.where(scale > 0, scale, 1), 0)
    return np.clip(np.rint(w * inv), -QMAX, QMAX) * scale


def scales_absmax(W):
    return np.abs(W).max(1) / QMAX


def scales_mse(W, grid=np.linspace(1.0, 0.70, 31)):
    """per-row clip factor c (grid) minimizing Σ (w - q_c(w))² with scale c·max|w|/127."""
    base = scales_absmax(W)
    best, best_err = base.copy(), np.full(W.shape[0], np.inf)
    for c in grid:
        s = base * c
        err = ((W - quantize(W, s[:, None])) ** 2).sum(1)
        better = err < best_err
        best[better], best_err[better] = s[better], err[better]
    return best


def gptq(W, H, scale, block=128, damp=0.01, act_order=False):
    """returns the dequantized weight (float64, W's shape) quantized with GPTQ on the grid `scale`."""
    W = np.array(W, dtype=np.float64)
    H = np.array(H, dtype=np.float64)
    rows, cols = W.shape
    s = np.asarray(scale, dtype=np.float64)[:, None]
    dead = np.diag(H) == 0  # inputs that are always 0: the column's value never matters
    H[dead, dead] = 1
    W[:, dead] = 0
    perm = np.argsort(-np.diag(H), kind="stable") if act_order else np.arange(cols)
    W, H = W[:, perm], H[np.ix_(perm, perm)]
    H[np.diag_indices(cols)] += damp * np.mean(np.diag(H))
    Hinv = sla.cho_solve(sla.cho_factor(H, lower=True), np.eye(cols))
    U = sla.cholesky(Hinv, lower=False)  # Hinv = Uᵀ U
    Q = np.zeros_like(W)
    for i1 in range(0, cols, block):
        i2 = min(i1 + block, cols)
        W1 = W[:, i1:i2].copy()
        E = np.zeros_like(W1)
        U1 = U[i1:i2, i1:i2]
        for j in range(i2 - i1):
            w = W1[:, j]
            q = quantize(w[:, None], s)[:, 0]
            Q[:, i1 + j] = q
            e = (w - q) / U1[j, j]
            W1[:, j:] -= np.outer(e, U1[j, j:])
            E[:, j] = e
        W[:, i2:] -= E @ U[i1:i2, i2:]
    out = np.empty_like(Q)
    out[:, perm] = Q
    return out
