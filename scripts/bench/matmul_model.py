#!/usr/bin/python3
"""Writes a one-node ONNX model, C = A @ B with A float32 [m, k] and B float32 [k, n]: the
bench's sweep of MatMul shapes (scripts/bench/kernels.ts) takes onnxruntime's best GFLOP/s on
this machine, at the thread count G runs with, as P3's peak.

  /usr/bin/python3 scripts/bench/matmul_model.py --out matmul.onnx --m 3136 --k 96 --n 384
"""
import argparse

import onnx
from onnx import TensorProto, helper


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", required=True)
    p.add_argument("--m", type=int, required=True)
    p.add_argument("--k", type=int, required=True)
    p.add_argument("--n", type=int, required=True)
    args = p.parse_args()
    io = [
        helper.make_tensor_value_info("a", TensorProto.FLOAT, [args.m, args.k]),
        helper.make_tensor_value_info("b", TensorProto.FLOAT, [args.k, args.n]),
        helper.make_tensor_value_info("c", TensorProto.FLOAT, [args.m, args.n]),
    ]
    graph = helper.make_graph([helper.make_node("MatMul", ["a", "b"], ["c"])], "matmul", io[:2], io[2:])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, args.out)


if __name__ == "__main__":
    main()
