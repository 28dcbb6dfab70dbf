#!/usr/bin/python3
"""PyTorch eager throughput of a reverse.onnx, on the very weights the service runs.

The ONNX graph is executed node by node with PyTorch operators (eager mode: no TorchScript,
no fusion), reading the weights with python3-onnx's numpy_helper. This works for any
reverse.onnx (trained, untrained or fixture) without its training checkpoint. Nodes that
only compute shapes (Shape, Gather on shapes, Concat of sizes...) are evaluated once for
the batch size, as eager PyTorch does them in C++ for free; only tensor work is timed.

The inputs and onnxruntime's output come from the Node side (scripts/bench/backend.ts) as
raw little-endian files; the max abs difference proves it is the same network.

  OPENBLAS_NUM_THREADS=1 MALLOC_MMAP_THRESHOLD_=33554432 MALLOC_TRIM_THRESHOLD_=1073741824 \
  /usr/bin/python3 scripts/bench/torch_eager.py --onnx reverse.onnx \
      --inputs DIR --batch 64 --iters 5 --threads 2
"""
import argparse
import json
import os
import statistics
import time

import numpy as np
import onnx
import torch
import torch.nn.functional as F
from onnx import numpy_helper

DTYPES = {1: torch.float32, 6: torch.int32, 7: torch.int64, 9: torch.bool, 11: torch.float64}
INT64_MAX = 2 ** 63 - 1


def attrs(node):
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def binary(fn):
    return lambda ins, at: [fn(ins[0], ins[1])]


def div(a, b):
    if a.dtype.is_floating_point or b.dtype.is_floating_point:
        return a / b
    return torch.div(a, b, rounding_mode="trunc")


def gather(ins, at):
    data, idx = ins
    axis = at.get("axis", 0) % data.dim()
    idx = torch.where(idx < 0, idx + data.shape[axis], idx)
    out = data.index_select(axis, idx.reshape(-1))
    return [out.reshape(data.shape[:axis] + idx.shape + data.shape[axis + 1:])]


def reshape(ins, at):
    data, shape = ins[0], [int(s) for s in ins[1].tolist()]
    if not at.get("allowzero", 0):
        shape = [data.shape[i] if s == 0 else s for i, s in enumerate(shape)]
    return [data.reshape(shape)]


def slice_(ins, at):
    data = ins[0]
    starts, ends = ins[1].tolist(), ins[2].tolist()
    axes = ins[3].tolist() if len(ins) > 3 and ins[3] is not None else list(range(len(starts)))
    steps = ins[4].tolist() if len(ins) > 4 and ins[4] is not None else [1] * len(starts)
    index = [slice(None)] * data.dim()
    for s, e, a, st in zip(starts, ends, axes, steps):
        if st != 1:
            raise NotImplementedError("Slice with step != 1")
        index[a] = slice(int(s), None if e >= INT64_MAX // 2 else int(e))
    return [data[tuple(index)]]


def layer_norm(ins, at):
    x, scale = ins[0], ins[1]
    bias = ins[2] if len(ins) > 2 else None
    axis = at.get("axis", -1) % x.dim()
    return [F.layer_norm(x, x.shape[axis:], scale, bias, at.get("epsilon", 1e-5))]


def gemm(ins, at):
    a, b = ins[0], ins[1]
    if at.get("transA", 0):
        a = a.t()
    if at.get("transB", 0):
        b = b.t()
    out = at.get("alpha", 1.0) * (a @ b)
    if len(ins) > 2:
        out = out + at.get("beta", 1.0) * ins[2]
    return [out]


def clip(ins, at):
    lo = ins[1] if len(ins) > 1 and ins[1] is not None else None
    hi = ins[2] if len(ins) > 2 and ins[2] is not None else None
    return [torch.clamp(ins[0], lo, hi)]


def split(ins, at):
    axis = at.get("axis", 0)
    sizes = ins[1].tolist() if len(ins) > 1 else None
    if sizes is None:
        n = at.get("num_outputs")
        return list(torch.chunk(ins[0], n, dim=axis))
    return list(torch.split(ins[0], sizes, dim=axis))


OPS = {
    "Add": binary(torch.add), "Sub": binary(torch.sub), "Mul": binary(torch.mul), "Div": binary(div),
    "Pow": binary(torch.pow), "MatMul": binary(torch.matmul), "Equal": binary(torch.eq),
    "Erf": lambda ins, at: [torch.erf(ins[0])], "Tanh": lambda ins, at: [torch.tanh(ins[0])],
    "Sin": lambda ins, at: [torch.sin(ins[0])], "Cos": lambda ins, at: [torch.cos(ins[0])],
    "Exp": lambda ins, at: [torch.exp(ins[0])], "Sqrt": lambda ins, at: [torch.sqrt(ins[0])],
    "Neg": lambda ins, at: [torch.neg(ins[0])], "Sigmoid": lambda ins, at: [torch.sigmoid(ins[0])],
    "Identity": lambda ins, at: [ins[0]],
    "Softmax": lambda ins, at: [torch.softmax(ins[0], dim=at.get("axis", -1))],
    "Transpose": lambda ins, at: [ins[0].permute(*at["perm"])],
    "Unsqueeze": lambda ins, at: [ins[0].reshape(unsqueezed(ins[0].shape, ins[1].tolist()))],
    "Squeeze": lambda ins, at: [ins[0].squeeze(*[int(a) for a in ins[1].tolist()])],
    "Concat": lambda ins, at: [torch.cat(ins, dim=at["axis"])],
    "Shape": lambda ins, at: [torch.tensor(list(ins[0].shape), dtype=torch.int64)],
    "Cast": lambda ins, at: [ins[0].to(DTYPES[at["to"]])],
    "Where": lambda ins, at: [torch.where(ins[0], ins[1], ins[2])],
    "Expand": lambda ins, at: [ins[0] * torch.ones([int(s) for s in ins[1].tolist()], dtype=ins[0].dtype)],
    "ReduceMean": lambda ins, at: [ins[0].mean(dim=at["axes"], keepdim=bool(at.get("keepdims", 1)))],
    "Gather": gather, "Reshape": reshape, "Slice": slice_, "LayerNormalization": layer_norm,
    "Gemm": gemm, "Clip": clip, "Split": split,
}


def unsqueezed(shape, axes):
    out = list(shape)
    rank = len(out) + len(axes)
    for a in sorted(a % rank for a in axes):
        out.insert(a, 1)
    return out


class EagerGraph:
    """Runs an ONNX graph with torch ops; folds what depends only on shapes, per batch size."""

    def __init__(self, model):
        g = model.graph
        self.nodes = list(g.node)
        self.inits = {i.name: torch.from_numpy(numpy_helper.to_array(i).copy()) for i in g.initializer}
        self.inputs = [i.name for i in g.input if i.name not in self.inits]
        self.outputs = [o.name for o in g.output]
        for n in self.nodes:
            if n.op_type not in OPS and n.op_type != "Constant":
                raise NotImplementedError(f"ONNX op {n.op_type} has no PyTorch mapping here")
        self.static = {}
        self.timed = []

    def specialise(self, feeds):
        """Evaluates once; keeps the values of data-independent nodes, the rest becomes the plan."""
        values = dict(self.inits)
        values.update(feeds)
        data = set(self.inputs)
        self.timed = []
        for n in self.nodes:
            outs = self.run_node(n, values)
            depends = n.op_type != "Shape" and any(i in data for i in n.input if i)
            if depends:
                data.update(n.output)
                self.timed.append((n, attrs(n)))
            for name, v in zip(n.output, outs):
                values[name] = v
        self.static = {k: v for k, v in values.items() if k not in data}
        return [values[o] for o in self.outputs]

    def run_node(self, n, values):
        if n.op_type == "Constant":
            return [torch.from_numpy(numpy_helper.to_array(attrs(n)["value"]).copy())]
        ins = [values[i] if i else None for i in n.input]
        return OPS[n.op_type](ins, attrs(n))

    def __call__(self, feeds):
        values = dict(self.static)
        values.update(feeds)
        for n, at in self.timed:
            ins = [values[i] if i else None for i in n.input]
            for name, v in zip(n.output, OPS[n.op_type](ins, at)):
                values[name] = v
        return [values[o] for o in self.outputs]


def load_raw(path, dtype, shape):
    return torch.from_numpy(np.fromfile(path, dtype=dtype).reshape(shape).copy())


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--onnx", required=True)
    p.add_argument("--inputs", required=True, help="folder with z.f32, class.i64, guidance.f32, image.f32")
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--iters", type=int, default=5)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--shape", default="1,28,28", help="C,H,W")
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    c, h, w = (int(x) for x in args.shape.split(","))
    n = args.batch
    feeds = {
        "z": load_raw(os.path.join(args.inputs, "z.f32"), "<f4", (n, c, h, w)),
        "class": load_raw(os.path.join(args.inputs, "class.i64"), "<i8", (n,)),
        "guidance": load_raw(os.path.join(args.inputs, "guidance.f32"), "<f4", (n,)),
    }
    expected = load_raw(os.path.join(args.inputs, "image.f32"), "<f4", (n, c, h, w))
    graph = EagerGraph(onnx.load(args.onnx))
    with torch.no_grad():
        graph.specialise(feeds)
        image = graph(feeds)[0]
        graph(feeds)  # warm-up: allocator and BLAS buffers
        times = []
        for _ in range(args.iters):
            start = time.perf_counter()
            graph(feeds)
            times.append(time.perf_counter() - start)
    per_batch = statistics.median(times)
    print(json.dumps({
        "images_per_s": n / per_batch,
        "seconds_per_batch": per_batch,
        "batch": n,
        "iters": args.iters,
        "max_abs_diff_vs_onnxruntime": float((image - expected).abs().max()),
        "nodes_timed": len(graph.timed),
        "nodes_total": len(graph.nodes),
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "openblas_threads": os.environ.get("OPENBLAS_NUM_THREADS", "(unset)"),
        "malloc_mmap_threshold": os.environ.get("MALLOC_MMAP_THRESHOLD_", "(default)"),
    }))


if __name__ == "__main__":
    main()
