#!/usr/bin/python3
"""Counts the multiply-add FLOPs of an ONNX model's MatMul, Gemm and Conv nodes from the
graph itself (run by a numpy interpreter at the given batch), independently of onnxruntime:
the numerator of `npm run bench`'s P3 figure, which the bench checks against the shapes in
onnxruntime's own profile.

  /usr/bin/python3 scripts/bench/graph_flops.py models/fmnist-biflow-s/reverse.onnx --batch 64

Prints one JSON object: flops per image, kernel count, and the heaviest (M, K, N) shapes.
"""
import argparse
import json
import math

import numpy as np
import onnx
from onnx import mapping, numpy_helper


class Evaluator:
    """A small numpy interpreter of the operators our exported models use, run on real inputs
    to learn every MatMul/Gemm/Conv operand's shape (ONNX 1.12's shape inference cannot follow
    the patchify arithmetic on Shape values). It is not onnxruntime, so the count it yields is
    independent of the one the bench reads from onnxruntime's profile."""

    def __init__(self, model):
        self.model = model
        self.values = {init.name: numpy_helper.to_array(init) for init in model.graph.initializer}

    def run(self, feeds):
        v = self.values
        v.update(feeds)
        for node in self.model.graph.node:
            outs = self.op(node, [v[name] if name else None for name in node.input])
            for name, value in zip(node.output, outs):
                v[name] = value
        return v

    def op(self, node, x):
        t = node.op_type
        a = lambda name, default=None: attribute(node, name, default)
        if t == "Constant":
            return [numpy_helper.to_array(a("value"))]
        if t == "Shape":
            return [np.array(x[0].shape, dtype=np.int64)]
        if t == "Gather":
            return [np.take(x[0], x[1], axis=a("axis", 0))]
        if t == "Unsqueeze":
            out = x[0]
            for axis in sorted(int(i) % (out.ndim + len(x[1])) for i in x[1]):
                out = np.expand_dims(out, axis)
            return [out]
        if t == "Concat":
            return [np.concatenate(x, axis=a("axis"))]
        if t == "Reshape":
            shape = [d if d != 0 else x[0].shape[i] for i, d in enumerate(x[1].tolist())]
            return [x[0].reshape(shape)]
        if t == "Transpose":
            return [np.transpose(x[0], a("perm"))]
        if t == "Slice":
            starts, ends = x[1], x[2]
            axes = x[3] if len(x) > 3 and x[3] is not None else range(len(starts))
            steps = x[4] if len(x) > 4 and x[4] is not None else [1] * len(starts)
            index = [slice(None)] * x[0].ndim
            for s0, e0, ax, st in zip(starts, ends, axes, steps):
                index[int(ax)] = slice(int(s0), int(e0), int(st))
            return [x[0][tuple(index)]]
        if t == "Cast":
            return [x[0].astype(mapping.TENSOR_TYPE_TO_NP_TYPE[a("to")])]
        if t in ("Add", "Mul", "Sub"):
            return [{"Add": np.add, "Mul": np.multiply, "Sub": np.subtract}[t](x[0], x[1])]
        if t == "Div":
            integer = np.issubdtype(x[0].dtype, np.integer)
            return [x[0] // x[1] if integer else x[0] / x[1]]
        if t in ("Cos", "Sin"):
            return [np.cos(x[0]) if t == "Cos" else np.sin(x[0])]
        if t == "Erf":
            return [np.vectorize(math.erf, otypes=[np.float32])(x[0])]
        if t == "Clip":
            lo = x[1] if len(x) > 1 and x[1] is not None else -np.inf
            hi = x[2] if len(x) > 2 and x[2] is not None else np.inf
            return [np.clip(x[0], lo, hi)]
        if t == "MatMul":
            return [np.matmul(x[0], x[1])]
        if t == "Gemm":
            A = x[0].T if a("transA", 0) else x[0]
            B = x[1].T if a("transB", 0) else x[1]
            out = a("alpha", 1.0) * (A @ B)
            return [out + a("beta", 1.0) * x[2] if len(x) > 2 and x[2] is not None else out]
        if t == "Softmax":
            e = np.exp(x[0] - x[0].max(axis=a("axis", -1), keepdims=True))
            return [e / e.sum(axis=a("axis", -1), keepdims=True)]
        if t == "LayerNormalization":
            axis = a("axis", -1)
            axes = tuple(range(axis % x[0].ndim, x[0].ndim))
            mean = x[0].mean(axis=axes, keepdims=True)
            var = ((x[0] - mean) ** 2).mean(axis=axes, keepdims=True)
            out = (x[0] - mean) / np.sqrt(var + a("epsilon", 1e-5)) * x[1]
            return [out + x[2] if len(x) > 2 and x[2] is not None else out]
        raise SystemExit(f"graph_flops: operator {t} ({node.name}) is not interpreted; add it")


def inputs_for(model, batch):
    """Standard-normal noise, classes 0..9 cycling, guidance 0.5: shapes are all that matter."""
    rng = np.random.default_rng(0)
    feeds = {}
    for value in model.graph.input:
        tensor = value.type.tensor_type
        dims = [d.dim_value if d.HasField("dim_value") else batch for d in tensor.shape.dim]
        dtype = mapping.TENSOR_TYPE_TO_NP_TYPE[tensor.elem_type]
        if np.issubdtype(dtype, np.integer):
            feeds[value.name] = (np.arange(math.prod(dims)) % 10).astype(dtype).reshape(dims)
        elif value.name == "guidance":
            feeds[value.name] = np.full(dims, 0.5, dtype=dtype)
        else:
            feeds[value.name] = rng.standard_normal(dims).astype(dtype)
    return feeds


def attribute(node, name, default):
    for a in node.attribute:
        if a.name == name:
            return onnx.helper.get_attribute_value(a)
    return default


def node_flops(node, values):
    """(flops, (M, K, N)) of one node, or None if it is not a MatMul-family node."""
    if node.op_type == "MatMul":
        a, b = values[node.input[0]].shape, values[node.input[1]].shape
        out = values[node.output[0]].shape
        k = a[-1]
        m = a[-2] if len(a) > 1 else 1
        n = b[-1] if len(b) > 1 else 1
        return 2 * math.prod(out) * k, (m, k, n)
    if node.op_type == "Gemm":
        a, b = values[node.input[0]].shape, values[node.input[1]].shape
        m, k = (a[1], a[0]) if attribute(node, "transA", 0) else (a[0], a[1])
        n = b[0] if attribute(node, "transB", 0) else b[1]
        return 2 * m * k * n, (m, k, n)
    if node.op_type == "Conv":
        w, out = values[node.input[1]].shape, values[node.output[0]].shape
        per_output = math.prod(w[1:])  # input channels per group x kernel
        return 2 * math.prod(out) * per_output, (math.prod(out) // out[1], per_output, out[1])
    return None


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("model")
    p.add_argument("--batch", type=int, default=1)
    p.add_argument("--top", type=int, default=5)
    args = p.parse_args()
    model = onnx.load(args.model)
    values = Evaluator(model).run(inputs_for(model, args.batch))
    total, kernels, by_shape = 0, 0, {}
    for node in model.graph.node:
        counted = node_flops(node, values)
        if counted is None:
            continue
        flops, mkn = counted
        total += flops
        kernels += 1
        entry = by_shape.setdefault(tuple(int(d) for d in mkn), [0, 0])
        entry[0] += 1
        entry[1] += int(flops)
    heaviest = sorted(by_shape.items(), key=lambda kv: -kv[1][1])[: args.top]
    print(json.dumps({
        "batch": args.batch,
        "flops_per_image": total / args.batch,
        "kernels": kernels,
        "heaviest": [{"m": m, "k": k, "n": n, "count": c, "flops_per_image": f / args.batch} for (m, k, n), (c, f) in heaviest],
    }))


if __name__ == "__main__":
    main()
