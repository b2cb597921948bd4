#!/usr/bin/python3
"""int8 error budget for encore on the accuracy model: fake-quantized numpy forward passes.

usage: int8_error_budget.py [--calib=CALIB.jsonl] [--cache=DIR] MODEL_DIR IDS.jsonl N VARIANT...
(the reference script is found in $ENCORE_SHARED/reference, default ../shared next to the checkout)
VARIANT: comma list of  MATMUL=MODE  (MATMUL in qkv,out,ffn_in,ffn_out,all) with optional
  @LAYERS (e.g. qkv=a8w8s@5), plus flags: cls (row 0 of each sequence exact), _LABEL (ignored).
MODE: a<act>w<weight>[s]  act in f,b,8,16 ; weight in f,b,8,16,m8,g8 ; s = gamma smoothing (qkv, ffn_in)
  m8 = s8 round to nearest with MSE-clipped per-channel scales; g8 = s8 GPTQ (gptq.py) with Hessians
  from the first calN texts of --calib (make_texts.py writes texts disjoint from the evaluation).
GPTQ flags: calN (default cal128), dampX (default damp0.01), ao (act order), blkN (default blk128),
  mse (MSE-clipped scales), seq (sequential calibration: layer l's Hessians from the model whose
  earlier Linears are already quantized; default: every Hessian from the fp32 model's inputs),
  hq (Hessians of the inputs as the Linear's activation quantizer rounds them: H includes the
  rounding noise, so GPTQ keeps error out of directions that noise excites).
csA: SmoothQuant of ffn_out's input from measured ranges, s_j = max|x_j|^A / max|W_:j|^(1-A), max|x_j|
  over the first calN --calib texts in the fp32 model (e.g. ffn_out=a8w8,cs0.5).
--dump=DIR saves each variant's per-text max |Δp| as DIR/<variant>.npy (evaluation order).
--cache=DIR keeps the fp32 outputs and fp32 Hessians between runs (npz / npy files).
"""
import json, math, os, sys, time
import numpy as np
sys.path.insert(0, os.path.join(os.environ.get('ENCORE_SHARED', os.path.join(os.path.dirname(os.path.abspath(__file__)), '../../../shared')), 'reference'))
import distilbert_ref as ref
import gptq as gq

MATMULS = ("qkv", "out", "ffn_in", "ffn_out")


def bf16(x):
    u = np.ascontiguousarray(x, dtype=np.float32).view(np.uint32).astype(np.uint64)
    u = ((u + 0x7FFF + ((u >> 16) & 1)) >> 16).astype(np.uint32) << 16
    return u.astype(np.uint32).view(np.float32)


def act_u8(x):
    low = np.minimum(x.min(-1, keepdims=True), 0)
    high = np.maximum(x.max(-1, keepdims=True), 0)
    scale = (high - low) / 255
    inv = np.where(scale > 0, 1 / np.where(scale > 0, scale, 1), 0)
    zp = np.clip(np.rint(-low * inv), 0, 255)
    q = np.clip(np.rint(x * inv) + zp, 0, 255)
    return (scale * (q - zp)).astype(np.float32), scale


def act_u8x2(x):
    hi, scale = act_u8(x)
    r = x - hi
    s2 = scale / 256
    inv = np.where(s2 > 0, 1 / np.where(s2 > 0, s2, 1), 0)
    q = np.clip(np.rint(r * inv) + 128, 0, 255)
    return (hi + s2 * (q - 128)).astype(np.float32)


def w_s8(w):
    s = np.abs(w).max(1, keepdims=True) / 127
    inv = np.where(s > 0, 1 / np.where(s > 0, s, 1), 0)
    q = np.clip(np.rint(w * inv), -127, 127)
    return (q * s).astype(np.float32)


def w_s8x2(w):
    hi = w_s8(w)
    r = w - hi
    s = np.abs(w).max(1, keepdims=True) / 127 / 254
    inv = np.where(s > 0, 1 / np.where(s > 0, s, 1), 0)
    q = np.clip(np.rint(r * inv), -127, 127)
    return (hi + q * s).astype(np.float32)


ACT = {"f": lambda x: x, "b": bf16, "8": lambda x: act_u8(x)[0], "16": act_u8x2}
def w_m8(w):
    return gq.quantize(w.astype(np.float64), gq.scales_mse(w.astype(np.float64))[:, None]).astype(np.float32)


WGT = {"f": lambda w: w, "b": bf16, "8": w_s8, "16": w_s8x2, "m8": w_m8, "g8": None}  # g8: Linear.quantize_gptq
GPTQ_DEFAULTS = dict(cal=128, damp=0.01, ao=False, blk=128, mse=False, seq=False, hq=False)
RUN_FLAGS = ("calib", "calibrand", "bc", "bcc")


def gptq_flag(item):
    """parses one GPTQ flag into (key, value), or None if item is not one."""
    for key in ("cal", "blk"):
        if item.startswith(key) and item[len(key):].isdigit():
            return key, int(item[len(key):])
    if item.startswith("damp"):
        try:
            return "damp", float(item[4:])
        except ValueError:
            return None
    return (item, True) if item in ("ao", "mse", "seq", "hq") else None


def parse_mode(mode):
    smooth = mode.endswith("s")
    if smooth:
        mode = mode[:-1]
    a, w = mode[1:].split("w")
    return a, w, smooth


def smoothing(g, b, W):
    rng = 4 * np.abs(g) + np.abs(b)
    wr = np.abs(W).max(0)
    return np.sqrt(np.maximum(rng, 1e-6)) / np.sqrt(np.maximum(wr, 1e-6))


class Linear:
    def __init__(self, W, b, mode, norm):
        self.a, wm, smooth = parse_mode(mode)
        self.wm = wm
        self.s = smoothing(*norm, W).astype(np.float32) if smooth and norm is not None else None
        Ws = W * self.s[None, :] if self.s is not None else W
        self.Ws = Ws if wm == "g8" else None
        self.Wq = None if wm == "g8" else WGT[wm](Ws).T.copy()  # None: runs exact until quantize_gptq
        self.W = W.T.copy()
        self.b = b
        self.norm = norm
        self.sum, self.count = None, 0
        self.record = False
        self.H = None  # 2·Σ x xᵀ over valid rows, original input space, while record_h
        self.record_h = False
        self.record_hq = False
        self.record_amax, self.amax = False, None

    def smooth_calibrated(self, amax, alpha):
        """SmoothQuant with measured input ranges: s_j = max|x_j|^α / max_i|W_ij|^(1−α)."""
        W = self.W.T
        self.s = (np.maximum(amax, 1e-6) ** alpha / np.maximum(np.abs(W).max(0), 1e-6) ** (1 - alpha)).astype(np.float32)
        Ws = W * self.s[None, :]
        if self.wm == "g8":
            self.Ws, self.Wq = Ws, None
        else:
            self.Wq = WGT[self.wm](Ws).T.copy()

    def quantize_gptq(self, H, opt):
        Hs = H / np.outer(self.s, self.s) if self.s is not None else H  # inputs are x / s
        W = self.Ws.astype(np.float64)
        scale = gq.scales_mse(W) if opt["mse"] else gq.scales_absmax(W)
        self.Wq = gq.gptq(W, Hs, scale, block=opt["blk"], damp=opt["damp"], act_order=opt["ao"]).astype(np.float32).T.copy()

    def dW(self):  # effective weight error (transposed, [k, n]) in the original input space
        Weff = self.Wq / self.s[:, None] if self.s is not None else self.Wq
        return Weff - self.W

    def correct_bias(self, mean_x):
        self.b = (self.b - mean_x.astype(np.float32) @ self.dW()).astype(np.float32)

    def __call__(self, x, exact_rows, valid=None):
        if self.record:
            self.sum = x.sum(0).astype(np.float64) if self.sum is None else self.sum + x.sum(0)
            self.count += x.shape[0]
        if self.record_amax:
            xv = x[valid] if valid is not None else x
            m = np.abs(xv).max(0)
            self.amax = m if self.amax is None else np.maximum(self.amax, m)
        if self.record_h:
            xv = x[valid] if valid is not None else x
            if self.record_hq:  # the input the quantized GEMM sees, back in the original space
                xv = ACT[self.a](xv / self.s) * self.s if self.s is not None else ACT[self.a](xv)
            h = 2 * (xv.T @ xv).astype(np.float64)
            self.H = h if self.H is None else self.H + h
        if self.Wq is None:
            return x @ self.W + self.b
        xs = x / self.s if self.s is not None else x
        y = ACT[self.a](xs) @ self.Wq + self.b
        if exact_rows is not None:
            y[exact_rows] = x[exact_rows] @ self.W + self.b
        return y


def build(cfg, w, pre, spec):
    L = cfg["n_layers"]
    modes = [{m: "afwf" for m in MATMULS} for _ in range(L)]
    cls = False
    for item in spec.split(","):
        if item == "cls":
            cls = True
            continue
        if item in ("fp32", "") or item in RUN_FLAGS or gptq_flag(item) or item.startswith("_") or item.startswith("cs"):  # _x: a label
            continue
        key, mode = item.split("=")
        layers = range(L)
        if "@" in mode:
            mode, ls = mode.split("@")
            layers = [int(v) for v in ls.split("+")]
        for l in layers:
            for m in (MATMULS if key == "all" else [key]):
                modes[l][m] = mode
    layers = []
    prev = (w[pre + "embeddings.LayerNorm.weight"], w[pre + "embeddings.LayerNorm.bias"])
    for i in range(L):
        p = f"{pre}transformer.layer.{i}."
        g = lambda n: w[p + n]
        sa = (g("sa_layer_norm.weight"), g("sa_layer_norm.bias"))
        qkvW = np.concatenate([g(f"attention.{n}.weight") for n in ("q_lin", "k_lin", "v_lin")])
        qkvb = np.concatenate([g(f"attention.{n}.bias") for n in ("q_lin", "k_lin", "v_lin")])
        layers.append(dict(
            qkv=Linear(qkvW, qkvb, modes[i]["qkv"], prev),
            out=Linear(g("attention.out_lin.weight"), g("attention.out_lin.bias"), modes[i]["out"], None),
            ffn_in=Linear(g("ffn.lin1.weight"), g("ffn.lin1.bias"), modes[i]["ffn_in"], sa),
            ffn_out=Linear(g("ffn.lin2.weight"), g("ffn.lin2.bias"), modes[i]["ffn_out"], None),
            sa=sa, out_norm=(g("output_layer_norm.weight"), g("output_layer_norm.bias"))))
        prev = layers[-1]["out_norm"]
    return layers, cls


def embed(cfg, w, pre, ids):
    B, S = ids.shape
    x = w[pre + "embeddings.word_embeddings.weight"][ids] + w[pre + "embeddings.position_embeddings.weight"][:S][None]
    x = ref.layer_norm(x, w[pre + "embeddings.LayerNorm.weight"], w[pre + "embeddings.LayerNorm.bias"]).astype(np.float32)
    return x.reshape(B * S, cfg["dim"])


def layer_forward(cfg, ly, x, mask, cls):
    """one transformer layer on x [B·S, D] (rows of padded positions included)."""
    D, H = cfg["dim"], cfg["n_heads"]
    dh = D // H
    B, S = mask.shape
    exact = np.arange(B) * S if cls else None
    valid = mask.reshape(-1) > 0
    neg = np.finfo(np.float32).min
    qkv = ly["qkv"](x, exact, valid)
    q = qkv[:, :D].reshape(B, S, H, dh).transpose(0, 2, 1, 3) / math.sqrt(dh)
    k = qkv[:, D:2 * D].reshape(B, S, H, dh).transpose(0, 2, 1, 3)
    v = qkv[:, 2 * D:].reshape(B, S, H, dh).transpose(0, 2, 1, 3)
    scores = q @ k.transpose(0, 1, 3, 2)
    scores = np.where((mask == 0)[:, None, None, :], neg, scores)
    ctx = (ref.softmax(scores) @ v).transpose(0, 2, 1, 3).reshape(B * S, D)
    sa = ref.layer_norm(ly["out"](ctx, exact, valid) + x, *ly["sa"]).astype(np.float32)
    ff = ly["ffn_out"](ref.gelu(ly["ffn_in"](sa, exact, valid)), exact, valid)
    return ref.layer_norm(ff + sa, *ly["out_norm"]).astype(np.float32)


def forward(cfg, w, pre, layers, cls, ids, mask):
    x = embed(cfg, w, pre, ids)
    for ly in layers:
        x = layer_forward(cfg, ly, x, mask, cls)
    return x.reshape(*ids.shape, cfg["dim"])


def fp32_hessians(cfg, w, pre, calib, spec="fp32", hq=False):
    """{(layer, kind): 2·Σ x xᵀ} of every Linear's input in the fp32 model over the calibration batches;
    hq: x as the variant `spec` quantizes it (its activation mode and smoothing), the model still fp32."""
    layers, _ = build(cfg, w, pre, spec)
    for ly in layers:
        for m in MATMULS:
            ly[m].Wq = None  # exact path, which records
            ly[m].record_h, ly[m].record_hq = True, hq
    outputs(cfg, w, pre, layers, False, calib, return_h=True)
    return {(l, m): ly[m].H for l, ly in enumerate(layers) for m in MATMULS}


def fp32_ffn_out_absmax(cfg, w, pre, calib):
    """per layer, max |x_j| of ffn_out's input (GELU output) in the fp32 model over the calibration batches."""
    layers, _ = build(cfg, w, pre, "fp32")
    for ly in layers:
        ly["ffn_out"].record_amax = True
    outputs(cfg, w, pre, layers, False, calib, return_h=True)
    return [ly["ffn_out"].amax for ly in layers]


def quantize_pending(cfg, w, pre, layers, cls, calib, opt, hessians):
    """GPTQ for every g8 Linear: Hessians from `hessians` (fp32 model) or, with opt seq, collected
    Linear by Linear from the partly quantized model (earlier Linears quantized, later ones exact)."""
    if not opt["seq"]:
        for l, ly in enumerate(layers):
            for m in MATMULS:
                if ly[m].Wq is None:
                    ly[m].quantize_gptq(hessians[(l, m)], opt)
        return
    xs = [embed(cfg, w, pre, ids) for ids, _ in calib]
    for ly in layers:
        for m in MATMULS:
            if ly[m].Wq is not None:
                continue
            ly[m].record_h, ly[m].record_hq, ly[m].H = True, opt["hq"], None
            for x, (_, mask) in zip(xs, calib):
                layer_forward(cfg, ly, x, mask, cls)  # the rest of the layer is recomputed: simple, 5x work
            ly[m].record_h = False
            ly[m].quantize_gptq(ly[m].H, opt)
            ly[m].H = None
        xs = [layer_forward(cfg, ly, x, mask, cls) for x, (_, mask) in zip(xs, calib)]


def outputs(cfg, w, pre, layers, cls, batches, shift=None, return_h=False):
    res = []
    for ids, mask in batches:
        h = forward(cfg, w, pre, layers, cls, ids, mask)
        if return_h:
            res.append(h[:, 0].astype(np.float64))
            continue
        hh = h
        if shift is not None:  # folded into pre_classifier's bias: the head sees it, embeddings do not
            hh = h.copy()
            hh[:, 0] -= shift
        logits = ref.heads_numpy(cfg, w, hh)["logits"]
        p = ref.softmax(logits.astype(np.float64))
        m = mask[..., None].astype(np.float64)
        mean = (h * m).sum(1) / m.sum(1)
        res.append((p, h[:, 0].astype(np.float64), mean))
    if return_h:
        return np.concatenate(res)
    return [np.concatenate([r[i] for r in res]) for i in range(3)]


def cos(a, b):
    return (a * b).sum(1) / np.sqrt((a * a).sum(1) * (b * b).sum(1))


def main():
    opts = dict(a[2:].split("=", 1) for a in sys.argv[1:] if a.startswith("--"))
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    model, ids_path, n = args[0], args[1], int(args[2])
    cfg, w, pre = ref.load(model)
    all_seqs = [json.loads(l)["ids"] for l in open(ids_path)]
    gptq_seqs = [json.loads(l)["ids"] for l in open(opts["calib"])] if "calib" in opts else None
    cache = opts.get("cache")
    tag = f"{os.path.basename(os.path.normpath(model))}-{os.path.getsize(os.path.join(model, 'model.safetensors'))}"
    hessian_sets = {}

    def hessians(ncal):
        if ncal not in hessian_sets:
            path = cache and os.path.join(cache, f"H-{tag}-{os.path.basename(opts['calib'])}-{ncal}.npz")
            if path and os.path.exists(path):
                z = np.load(path)
                hessian_sets[ncal] = {(int(k.split(":")[0]), k.split(":")[1]): z[k].astype(np.float64) for k in z.files}
            else:
                t0 = time.time()
                hessian_sets[ncal] = fp32_hessians(cfg, w, pre, batched(gptq_seqs[:ncal]))
                print(f"fp32 Hessians over {ncal} calibration texts {time.time() - t0:.1f}s", file=sys.stderr)
                if path:
                    np.savez(path, **{f"{l}:{m}": h.astype(np.float32) for (l, m), h in hessian_sets[ncal].items()})
        return hessian_sets[ncal]

    def batched(seqs):
        order = sorted(range(len(seqs)), key=lambda i: len(seqs[i]))
        return [ref.pad_batch([seqs[i] for i in order[s:s + 16]]) for s in range(0, len(order), 16)]
    batches = batched(all_seqs[:n])
    calib = batched(all_seqs[-200:])  # disjoint from the evaluation texts (n <= 800)
    rng = np.random.default_rng(1)
    calib_random = batched([[101] + list(rng.integers(1996, 30522, len(s) - 2)) + [102] for s in all_seqs[-200:]])
    calib_random_base = None
    calib_base = None
    t = time.time()
    base_path = cache and os.path.join(cache, f"base-{tag}-{os.path.basename(ids_path)}-{n}.npz")
    if base_path and os.path.exists(base_path):
        z = np.load(base_path)
        base = [z["p"], z["c"], z["m"]]
    else:
        base = outputs(cfg, w, pre, *build(cfg, w, pre, "fp32"), batches)
        if base_path:
            np.savez(base_path, p=base[0], c=base[1], m=base[2])
    print(f"fp32 baseline {time.time() - t:.1f}s", file=sys.stderr)
    for spec in args[3:]:
        t = time.time()
        built = build(cfg, w, pre, spec)
        flags = spec.split(",")
        lins = [ly[m] for ly in built[0] for m in MATMULS]
        cs = [float(f[2:]) for f in flags if f.startswith("cs")]
        if cs:  # calibrated smoothing of ffn_out's input, ranges from the first calN calibration texts
            ncal = dict(GPTQ_DEFAULTS, **dict(gptq_flag(f) for f in flags if gptq_flag(f)))["cal"]
            if ("amax", ncal) not in hessian_sets:
                hessian_sets[("amax", ncal)] = fp32_ffn_out_absmax(cfg, w, pre, batched(gptq_seqs[:ncal]))
            for ly, amax in zip(built[0], hessian_sets[("amax", ncal)]):
                ly["ffn_out"].smooth_calibrated(amax, cs[0])
        if any(lin.Wq is None for lin in lins):
            opt = dict(GPTQ_DEFAULTS, **dict(gptq_flag(f) for f in flags if gptq_flag(f)))
            quantize_pending(cfg, w, pre, *built, batched(gptq_seqs[:opt["cal"]]), opt,
                             None if opt["seq"] else fp32_hessians(cfg, w, pre, batched(gptq_seqs[:opt["cal"]]), spec, True)
                             if opt["hq"] else hessians(opt["cal"]))
        if "bc" in flags:
            for lin in lins:
                if lin.norm is not None:
                    lin.correct_bias(lin.norm[1])
        if "bcc" in flags:
            for lin in lins:
                lin.record = True
            outputs(cfg, w, pre, *built, calib, return_h=True)
            for lin in lins:
                lin.record = False
                lin.correct_bias(lin.sum / lin.count)
        shift = None
        if "calib" in flags:
            if calib_base is None:
                calib_base = outputs(cfg, w, pre, *build(cfg, w, pre, "fp32"), calib, return_h=True)
            shift = (outputs(cfg, w, pre, *built, calib, return_h=True) - calib_base).mean(0).astype(np.float32)
        if "calibrand" in flags:
            if calib_random_base is None:
                calib_random_base = outputs(cfg, w, pre, *build(cfg, w, pre, "fp32"), calib_random, return_h=True)
            shift = (outputs(cfg, w, pre, *built, calib_random, return_h=True) - calib_random_base).mean(0).astype(np.float32)
        p, c, m = outputs(cfg, w, pre, *built, batches, shift)
        top1 = (p.argmax(1) == base[0].argmax(1)).mean()
        dp = np.abs(p - base[0]).max(1)
        if "dump" in opts:
            np.save(os.path.join(opts["dump"], spec.replace("/", "_") + ".npy"), dp)
        print(f"{spec:60s} top1 {100 * top1:6.2f}%  max|dp| {dp.max():.4f} mean {np.abs(p - base[0]).mean():.5f}"
              f"  p99|dp| {np.quantile(dp, 0.99):.4f}  cls-cos {cos(c, base[1]).min():.5f}  mean-cos {cos(m, base[2]).min():.5f}"
              f"  ({time.time() - t:.0f}s)", flush=True)


if __name__ == "__main__":
    main()
