"""Quantized builds of a model's reverse.onnx, made with python3-onnx and numpy alone
(Debian has no onnxruntime for Python, so onnxruntime.quantization is not available).

  /usr/bin/python3 models/train/quantize.py models/fmnist-biflow-s --out /tmp/q
      -> /tmp/q/reverse.int8.onnx, /tmp/q/reverse.fp16.onnx (and quantize.json)

int8 (dynamic): every MatMul whose second input is a 2-D float initializer (the token
projections: qkv, attention out, MLP, patch embedding, heads) becomes the standard ONNX
pattern that onnxruntime's own quantize_dynamic writes, which onnxruntime-node and
onnxruntime-web both run (their CPU provider fuses it into one DynamicQuantizeMatMul):

  A -> DynamicQuantizeLinear -> (A_u8, a_scale, a_zp)
  MatMulInteger(A_u8, W_q, a_zp, w_zp) -> int32 -> Cast(float) -> Mul(a_scale * w_scale)

Activations are quantized at run time (uint8, per tensor, from each run's own min/max);
weights once here, symmetric (zero point 0), one scale per output column, in 7 bits
([-63, 63]) by default. Why 7: onnxruntime's u8s8 kernel for AVX2 without VNNI sums pairs
of u8*s8 products into int16 (vpmaddubsw), which saturates when 255 meets weights near
+-127 (checked: 96 such products give 1,572,816 instead of 3,108,960); its WASM kernel does
not, so with 8-bit weights the same file gives other images on such CPUs than in the
Worker. 255*63*2 fits int16, so 7-bit weights give every runtime the exact integer result.
Measured on fmnist-biflow-s 1.1.0 (256 images, onnxruntime-node 1.30 on AVX2 without VNNI),
largest 8-bit pixel difference from float32 at guidance 0 / 0.5 / 3 (mean): per column,
7 bits 22 / 29 / 87 (2.2); per column, 8 bits (`--full-range`) 124 / 154 / 255 (6.0,
saturated); per matrix, 8 bits (`--per-tensor --full-range`) 20 / 30 / 74 (2.1, few
weights at the extremes); per matrix, 7 bits (`--per-tensor`) 45 / 59 / 84 (3.0).

Activation-by-activation MatMuls (attention) and the conditioning Gemms stay float32.

fp16: float initializers stored as float16, each followed by a Cast back to float32, so the
file is about half the size; onnxruntime folds those Casts at session creation, so the
arithmetic is float32 on fp16-rounded weights (no speed change expected on CPU).
"""
import argparse
import json
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

KINDS = ("int8", "fp16")


def _initializers(model):
    return {i.name: i for i in model.graph.initializer}


def quantize_weight(w, per_channel=True, reduce_range=True):
    """Symmetric int8 quantization of a (K, N) weight: (q int8, scale float32 [N] or scalar)."""
    qmax = 63.0 if reduce_range else 127.0
    amax = np.abs(w).max(axis=0) if per_channel else np.array(np.abs(w).max())
    scale = np.where(amax > 0, amax / qmax, 1.0).astype(np.float32)
    q = np.clip(np.rint(w / scale), -qmax, qmax).astype(np.int8)
    return q, scale


def to_int8(model, per_channel=True, reduce_range=True, min_elements=0):
    """The dynamic int8 model (a copy); returns (model, names of the MatMuls quantized)."""
    model = onnx.ModelProto.FromString(model.SerializeToString())
    graph = model.graph
    inits = _initializers(model)
    used = {}
    for node in graph.node:
        for name in node.input:
            used[name] = used.get(name, 0) + 1
    nodes, done = [], []
    for node in graph.node:
        w_init = inits.get(node.input[1]) if node.op_type == "MatMul" and len(node.input) == 2 else None
        w = numpy_helper.to_array(w_init) if w_init is not None else None
        if w is None or w.ndim != 2 or w.dtype != np.float32 or w.size < min_elements:
            nodes.append(node)
            continue
        base = node.name or node.output[0]
        q, scale = quantize_weight(w, per_channel, reduce_range)
        zp = np.zeros(scale.shape, dtype=np.int8)
        names = {k: f"{base}_{k}" for k in ("a_q", "a_scale", "a_zp", "w_q", "w_scale", "w_zp", "y_i32", "y_f", "scale")}
        graph.initializer.extend([
            numpy_helper.from_array(q, names["w_q"]),
            numpy_helper.from_array(scale, names["w_scale"]),
            numpy_helper.from_array(zp, names["w_zp"]),
        ])
        nodes += [
            helper.make_node("DynamicQuantizeLinear", [node.input[0]],
                             [names["a_q"], names["a_scale"], names["a_zp"]], name=f"{base}_quant"),
            helper.make_node("MatMulInteger", [names["a_q"], names["w_q"], names["a_zp"], names["w_zp"]],
                             [names["y_i32"]], name=f"{base}_matmul_int"),
            helper.make_node("Cast", [names["y_i32"]], [names["y_f"]], to=TensorProto.FLOAT,
                             name=f"{base}_cast"),
            helper.make_node("Mul", [names["a_scale"], names["w_scale"]], [names["scale"]],
                             name=f"{base}_scale"),
            helper.make_node("Mul", [names["y_f"], names["scale"]], [node.output[0]], name=f"{base}_dequant"),
        ]
        used[w_init.name] -= 1
        done.append(base)
    del graph.node[:]
    graph.node.extend(nodes)
    # The float weights no other node reads any more.
    keep = [i for i in graph.initializer if used.get(i.name, 1) > 0]
    del graph.initializer[:]
    graph.initializer.extend(keep)
    return model, done


def to_fp16(model, min_elements=16):
    """Float initializers of at least `min_elements` stored as float16, Cast back to float32."""
    model = onnx.ModelProto.FromString(model.SerializeToString())
    graph = model.graph
    casts, converted = [], 0
    for i, init in enumerate(graph.initializer):
        a = numpy_helper.to_array(init)
        if a.dtype != np.float32 or a.size < min_elements:
            continue
        half = numpy_helper.from_array(a.astype(np.float16), f"{init.name}_fp16")
        casts.append(helper.make_node("Cast", [half.name], [init.name], to=TensorProto.FLOAT,
                                      name=f"{init.name}_to_fp32"))
        graph.initializer[i].CopyFrom(half)
        converted += 1
    nodes = casts + list(graph.node)
    del graph.node[:]
    graph.node.extend(nodes)
    return model, converted


def build(src, out_dir, kinds=KINDS, per_channel=True, reduce_range=True):
    """Writes reverse.{kind}.onnx for each kind into out_dir; returns what was done."""
    model = onnx.load(src)
    os.makedirs(out_dir, exist_ok=True)
    report = {"source": os.path.basename(src), "source_bytes": os.path.getsize(src)}
    for kind in kinds:
        if kind == "int8":
            q, names = to_int8(model, per_channel=per_channel, reduce_range=reduce_range)
            detail = {"matmuls_quantized": len(names), "per_channel": per_channel, "reduce_range": reduce_range,
                      "activations": "uint8 per tensor at run time (DynamicQuantizeLinear)",
                      "weights": f"int8 symmetric, {'7' if reduce_range else '8'} bits"}
        elif kind == "fp16":
            q, n = to_fp16(model)
            detail = {"initializers_fp16": n}
        else:
            raise ValueError(f"unknown kind {kind}")
        onnx.checker.check_model(q)
        path = os.path.join(out_dir, f"reverse.{kind}.onnx")
        onnx.save(q, path)
        report[kind] = {"file": os.path.basename(path), "bytes": os.path.getsize(path), **detail}
    return report


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("model", help="a model folder holding reverse.onnx, or an .onnx file")
    p.add_argument("--out", default=None, help="output folder (default: the model folder)")
    p.add_argument("--kinds", nargs="+", default=list(KINDS), choices=KINDS)
    p.add_argument("--per-tensor", action="store_true", help="one weight scale per matrix, not per column")
    p.add_argument("--full-range", action="store_true",
                   help="8-bit weights (saturates onnxruntime's AVX2 u8s8 kernel; see above)")
    args = p.parse_args(argv)
    src = args.model if args.model.endswith(".onnx") else os.path.join(args.model, "reverse.onnx")
    out = args.out or os.path.dirname(os.path.abspath(src))
    report = build(src, out, args.kinds, per_channel=not args.per_tensor, reduce_range=not args.full_range)
    with open(os.path.join(out, "quantize.json"), "w") as fh:
        json.dump(report, fh, indent=2)
    json.dump(report, sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()
