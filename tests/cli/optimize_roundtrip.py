#!/usr/bin/env python3
"""`onyx optimize` saves a valid ONNX model that computes what the original computes.

Usage: optimize_roundtrip.py ONYX
Builds a model with the patterns the fusions look for (Conv -> BatchNormalization -> Relu, a
residual Add, MatMul -> Add -> erf GELU, an Identity chain), optimizes it, checks the saved file
with onnx.checker, that the fused operators replaced the patterns, and that `onyx run` gives the
same outputs for the original at --opt 0 and the saved model.
"""
import os
import subprocess
import sys
import tempfile

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def build_model():
    rng = np.random.default_rng(7)

    def init(name, shape, scale=0.5):
        return numpy_helper.from_array((rng.standard_normal(shape) * scale).astype(np.float32), name)

    inits = [
        init("w", (4, 4, 3, 3)), init("b", (4,)),
        init("bn_scale", (4,)), init("bn_bias", (4,)), init("bn_mean", (4,)),
        numpy_helper.from_array(rng.uniform(0.5, 2, 4).astype(np.float32), "bn_var"),
        init("mw", (16, 8)), init("mb", (8,)),
        numpy_helper.from_array(np.array(np.sqrt(2.0), np.float32), "sqrt2"),
        numpy_helper.from_array(np.array(1.0, np.float32), "one"),
        numpy_helper.from_array(np.array(0.5, np.float32), "half"),
        numpy_helper.from_array(np.array([1, 4, 16], np.int64), "shape3"),
    ]
    nodes = [
        helper.make_node("Conv", ["x", "w", "b"], ["c"], pads=[1, 1, 1, 1]),
        helper.make_node("BatchNormalization", ["c", "bn_scale", "bn_bias", "bn_mean", "bn_var"],
                         ["bn"]),
        helper.make_node("Relu", ["bn"], ["r"]),
        helper.make_node("Add", ["r", "x"], ["res"]),
        helper.make_node("Identity", ["res"], ["id1"]),
        helper.make_node("Reshape", ["id1", "shape3"], ["flat"]),
        helper.make_node("MatMul", ["flat", "mw"], ["mm"]),
        helper.make_node("Add", ["mm", "mb"], ["lin"]),
        helper.make_node("Div", ["lin", "sqrt2"], ["g0"]),
        helper.make_node("Erf", ["g0"], ["g1"]),
        helper.make_node("Add", ["g1", "one"], ["g2"]),
        helper.make_node("Mul", ["lin", "g2"], ["g3"]),
        helper.make_node("Mul", ["g3", "half"], ["y"]),
    ]
    graph = helper.make_graph(
        nodes, "patterns", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4, 4, 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4, 8])], initializer=inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    return model


def run_onyx(onyx, model_path, x_path, out_dir, *extra):
    subprocess.run([onyx, "run", model_path, "-i", f"x={x_path}", "-o", out_dir, *extra],
                   check=True, stdout=subprocess.DEVNULL)
    return np.load(os.path.join(out_dir, "y.npy"))


def main():
    onyx = sys.argv[1]
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "model.onnx")
        dst = os.path.join(tmp, "model.opt.onnx")
        onnx.save(build_model(), src)
        subprocess.run([onyx, "optimize", src, "-o", dst, "--verbose"], check=True)

        saved = onnx.load(dst)
        onnx.checker.check_model(saved)
        ops = [n.op_type for n in saved.graph.node]
        print("optimized ops:", ops)
        for gone in ("BatchNormalization", "Relu", "Identity", "Erf"):
            assert gone not in ops, f"{gone} should have been fused away: {ops}"
        assert "FusedConv" in ops and ("FusedMatMul" in ops or "Gelu" in ops), ops
        assert any(o.domain == "onyx" for o in saved.opset_import), saved.opset_import

        x_path = os.path.join(tmp, "x.npy")
        np.save(x_path, np.random.default_rng(3).standard_normal((1, 4, 4, 4)).astype(np.float32))
        os.makedirs(os.path.join(tmp, "a"))
        os.makedirs(os.path.join(tmp, "b"))
        want = run_onyx(onyx, src, x_path, os.path.join(tmp, "a"), "--opt", "0")
        got = run_onyx(onyx, dst, x_path, os.path.join(tmp, "b"), "--opt", "0")
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)
    print("optimize round trip: OK")


if __name__ == "__main__":
    main()
