#!/usr/bin/python3
"""Writes a one-node ONNX model, C = A @ B with A, B float32 [n, n]: onnxruntime's MatMul
peak on this machine is measured with it (scripts/bench/kernels.ts), in the same run as G.

  /usr/bin/python3 scripts/bench/matmul_model.py --out matmul.onnx --n 1024
"""
import argparse

import onnx
from onnx import TensorProto, helper


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", required=True)
    p.add_argument("--n", type=int, default=1024)
    args = p.parse_args()
    n = args.n
    io = [helper.make_tensor_value_info(name, TensorProto.FLOAT, [n, n]) for name in ("a", "b", "c")]
    graph = helper.make_graph([helper.make_node("MatMul", ["a", "b"], ["c"])], "matmul", io[:2], io[2:])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, args.out)


if __name__ == "__main__":
    main()
