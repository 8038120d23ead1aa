#!/usr/bin/env python3
"""`onyx peak` and bench/flops.py, the two halves of the benchmark's ceiling table.

Usage: peak_and_flops.py ONYX
- onyx peak reports a positive rate per thread in JSON and text, and rejects bad arguments with
  exit status 2;
- flops.py counts each kind of node's multiply-adds exactly as worked out here by hand, on a
  model built with onnx.helper whose shapes come from a real onyx run.
"""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "bench"))
import flops  # noqa: E402


def check(cond, what):
    if not cond:
        sys.exit(f"FAIL: {what}")


def test_peak(onyx):
    r = subprocess.run([onyx, "peak", "--threads", "2", "--json"], capture_output=True, text=True)
    check(r.returncode == 0, f"onyx peak --json exits 0 (got {r.returncode}: {r.stderr})")
    j = json.loads(r.stdout)
    check(j["threads"] == 2 and len(j["per_thread_gflops"]) == 2, f"two threads reported: {j}")
    check(all(v > 0 for v in j["per_thread_gflops"]), f"positive per-thread rates: {j}")
    check(abs(sum(j["per_thread_gflops"]) - j["gflops"]) < 0.05, f"total is the sum: {j}")
    check(j["isa"] in ("avx512", "avx2+fma", "sse", "scalar"), f"known isa: {j}")
    r = subprocess.run([onyx, "peak"], capture_output=True, text=True)
    check(r.returncode == 0 and "GFLOP/s" in r.stdout, f"text output: {r.stdout}")
    for bad in (["--threads", "0"], ["--threads", "x"], ["--threads"], ["--bogus"]):
        r = subprocess.run([onyx, "peak"] + bad, capture_output=True, text=True)
        check(r.returncode == 2 and "onyx peak:" in r.stderr, f"onyx peak {bad} exits 2 with a message")


def test_flops(onyx, d):
    rng = np.random.default_rng(0)
    f32 = lambda *s: rng.standard_normal(s).astype(np.float32)
    inits = [
        numpy_helper.from_array(f32(8, 3, 3, 3), "w_conv"),     # 3 -> 8, 3x3, stride 2, pad 1
        numpy_helper.from_array(f32(8, 1, 5, 5), "w_dw"),       # depthwise 5x5, SAME_UPPER
        numpy_helper.from_array(f32(2, 8, 10), "b_mm"),         # broadcast over the batch of 4
        numpy_helper.from_array(f32(6, 40), "w_gemm"),          # Gemm with transB
        numpy_helper.from_array(f32(2, 4 * 5, 6), "w_lstm"),    # bidirectional, hidden 5
        numpy_helper.from_array(f32(2, 4 * 5, 5), "r_lstm"),
    ]
    nodes = [
        helper.make_node("Conv", ["x", "w_conv"], ["c1"], name="conv", strides=[2, 2], pads=[1] * 4),
        helper.make_node("Conv", ["c1", "w_dw"], ["c2"], name="dw", group=8, auto_pad="SAME_UPPER"),
        # c2 [1, 8, 8, 8] -> [4, 2, 8, 8], times [2, 8, 10] broadcast over the 4
        helper.make_node("Reshape", ["c2", "shape4"], ["r4"]),
        helper.make_node("MatMul", ["r4", "b_mm"], ["mm"], name="matmul"),  # [4,2,8,10]
        helper.make_node("Reshape", ["mm", "shape2"], ["r2"]),              # [8, 80] -> [16, 40]
        helper.make_node("Gemm", ["r2", "w_gemm"], ["g"], name="gemm", transB=1),  # [16, 6]
        helper.make_node("Reshape", ["g", "shape3"], ["seq"]),              # [8 steps, 2, 6]
        helper.make_node("LSTM", ["seq", "w_lstm", "r_lstm"], ["y"], name="lstm", hidden_size=5,
                         direction="bidirectional"),
    ]
    shape_inits = [numpy_helper.from_array(np.array(v, np.int64), n) for n, v in
                   (("shape4", [4, 2, 8, 8]), ("shape2", [16, 40]), ("shape3", [8, 2, 6]))]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT,
                                                                         [1, 3, 16, 16])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
                              initializer=inits + shape_inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    path = os.path.join(d, "m.onnx")
    onnx.save(model, path)
    np.save(os.path.join(d, "x.npy"), f32(1, 3, 16, 16))
    total, by_op = flops.model_flops(path, {"x": os.path.join(d, "x.npy")}, onyx)
    conv = 2 * 8 * 8 * 8 * (3 * 3 * 3)        # out [1,8,8,8], 27 MACs each
    dw = 2 * 8 * 8 * 8 * (1 * 5 * 5)          # SAME keeps 8x8, 25 MACs each
    matmul = 2 * 4 * 2 * 8 * 8 * 10           # batch 4 x 2, [8 x 8] x [8 x 10]
    gemm = 2 * 16 * 6 * 40
    lstm = 2 * 2 * (8 * 2) * (4 * 5) * (6 + 5)  # dirs x rows x gates x (input + hidden)
    want = {"Conv": conv + dw, "MatMul": matmul, "Gemm": gemm, "LSTM": lstm}
    check(by_op == want, f"flops by op {by_op}, want {want}")
    check(total == sum(want.values()), f"total {total}")


def main():
    onyx = os.path.abspath(sys.argv[1])
    test_peak(onyx)
    with tempfile.TemporaryDirectory() as d:
        test_flops(onyx, d)
    print("ok")


if __name__ == "__main__":
    main()
