#!/usr/bin/env python3
"""Bad input never crashes onyx: each case must exit with status 1 (not a signal) and print a
clear one-line message naming the offending element.

Usage: bad_input.py ONYX
Models are built here with onnx.helper (python3-onnx), so nothing binary is checked in.
"""
import os
import subprocess
import sys
import tempfile

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def model(nodes, inputs, outputs, opset=13, initializers=(), ir_version=8, domain_opsets=()):
    graph = helper.make_graph(nodes, "g", inputs, outputs, initializer=list(initializers))
    opsets = [helper.make_opsetid("", opset)] + [helper.make_opsetid(d, v) for d, v in domain_opsets]
    m = helper.make_model(graph, opset_imports=opsets)
    m.ir_version = ir_version
    return m


def tensor_info(name, dtype=TensorProto.FLOAT, shape=(2, 3)):
    return helper.make_tensor_value_info(name, dtype, shape)


def main():
    onyx = os.path.abspath(sys.argv[1])
    d = tempfile.mkdtemp()
    p = lambda name: os.path.join(d, name)

    relu = model([helper.make_node("Relu", ["x"], ["y"], name="relu1")],
                 [tensor_info("x")], [tensor_info("y")])
    onnx.save(relu, p("relu.onnx"))
    data = relu.SerializeToString()
    open(p("truncated.onnx"), "wb").write(data[: len(data) // 2])
    open(p("text.onnx"), "w").write("this is not a model\n" * 10)
    np.save(p("x_ok.npy"), np.ones((2, 3), np.float32))
    np.save(p("x_int.npy"), np.ones((2, 3), np.int64))
    np.save(p("x_rank.npy"), np.ones((6,), np.float32))
    np.save(p("x_shape.npy"), np.ones((2, 4), np.float32))
    open(p("broken.npy"), "wb").write(b"\x93NUMPY\x01\x00garbage")

    onnx.save(model([helper.make_node("FrobnicateOp", ["x"], ["y"], name="weird")],
                    [tensor_info("x")], [tensor_info("y")]), p("unknown_op.onnx"))
    onnx.save(model([helper.make_node("Relu", ["x"], ["y"], name="r")],
                    [tensor_info("x")], [tensor_info("y")], opset=99), p("future_opset.onnx"))
    onnx.save(model([helper.make_node("Relu", ["nowhere"], ["y"], name="dangling")],
                    [tensor_info("x")], [tensor_info("y")]), p("dangling.onnx"))
    onnx.save(model([helper.make_node("Relu", ["x"], ["y"], name="a"),
                     helper.make_node("Relu", ["x"], ["y"], name="b")],
                    [tensor_info("x")], [tensor_info("y")]), p("duplicate.onnx"))
    onnx.save(model([helper.make_node("Relu", ["z"], ["y"], name="a"),
                     helper.make_node("Relu", ["y"], ["z"], name="b")],
                    [tensor_info("x")], [tensor_info("y")]), p("cycle.onnx"))
    onnx.save(model([helper.make_node("Gather", ["x", "idx"], ["y"], name="gather1")],
                    [tensor_info("x"), tensor_info("idx", TensorProto.INT64, (1,))],
                    [tensor_info("y", shape=None)]), p("gather.onnx"))
    np.save(p("idx_bad.npy"), np.array([7], np.int64))
    onnx.save(model([helper.make_node("MatMul", ["x", "w"], ["y"], name="mm")],
                    [tensor_info("x"), tensor_info("w", shape=None)],
                    [tensor_info("y", shape=None)]), p("matmul.onnx"))
    onnx.save(model([helper.make_node("Concat", ["x"], ["y"], name="cat")],
                    [tensor_info("x")], [tensor_info("y")]), p("missing_attr.onnx"))
    onnx.save(model([helper.make_node("Relu", ["x"], ["y"], name="r")],
                    [tensor_info("x")], [tensor_info("y")], ir_version=99), p("future_ir.onnx"))
    big = numpy_helper.from_array(np.ones((2, 3), np.float32), "w")
    big.ClearField("raw_data")
    big.dims[:] = [1 << 40, 1 << 20]
    onnx.save(model([helper.make_node("Add", ["x", "w"], ["y"], name="add")],
                    [tensor_info("x")], [tensor_info("y")], initializers=[big]), p("huge_init.onnx"))
    ext = numpy_helper.from_array(np.ones((2, 3), np.float32), "w")
    ext.ClearField("raw_data")
    ext.data_location = TensorProto.EXTERNAL
    for k, v in (("location", "../../etc/passwd"), ("offset", "0"), ("length", "24")):
        e = ext.external_data.add()
        e.key, e.value = k, v
    onnx.save(model([helper.make_node("Add", ["x", "w"], ["y"], name="add")],
                    [tensor_info("x")], [tensor_info("y")], initializers=[ext]), p("escape.onnx"))

    run = lambda m, *inputs: ["run", p(m)] + [a for i in inputs for a in ("-i", i)]
    cases = [
        ("missing file", ["run", p("nope.onnx")], "does not exist"),
        ("not a model", ["run", p("text.onnx")], "not a valid ONNX model"),
        ("truncated", ["run", p("truncated.onnx")], "not a valid ONNX model"),
        ("unknown op", run("unknown_op.onnx", "x=" + p("x_ok.npy")), "FrobnicateOp"),
        ("future opset", run("future_opset.onnx", "x=" + p("x_ok.npy")), "opset 99"),
        ("future IR", run("future_ir.onnx", "x=" + p("x_ok.npy")), "IR version 99"),
        ("dangling value", run("dangling.onnx", "x=" + p("x_ok.npy")), "'nowhere'"),
        ("duplicate value", run("duplicate.onnx", "x=" + p("x_ok.npy")), "more than once"),
        ("cycle", run("cycle.onnx", "x=" + p("x_ok.npy")), "cycle"),
        ("missing attribute", run("missing_attr.onnx", "x=" + p("x_ok.npy")), "'axis'"),
        ("huge initializer", run("huge_init.onnx", "x=" + p("x_ok.npy")), "'w'"),
        ("external data escapes", run("escape.onnx", "x=" + p("x_ok.npy")), "model's folder"),
        ("wrong input name", run("relu.onnx", "q=" + p("x_ok.npy")), "no input named 'q'"),
        ("wrong dtype", run("relu.onnx", "x=" + p("x_int.npy")), "element type"),
        ("wrong rank", run("relu.onnx", "x=" + p("x_rank.npy")), "rank"),
        ("wrong shape", run("relu.onnx", "x=" + p("x_shape.npy")), "shape"),
        ("broken npy", run("relu.onnx", "x=" + p("broken.npy")), "npy"),
        ("no inputs", ["run", p("relu.onnx")], "expects"),
        ("index out of range", run("gather.onnx", "x=" + p("x_ok.npy"), "idx=" + p("idx_bad.npy")),
         "gather1"),
        ("matmul mismatch", run("matmul.onnx", "x=" + p("x_ok.npy"), "w=" + p("x_ok.npy")), "mm"),
        ("info on garbage", ["info", p("text.onnx")], "not a valid ONNX model"),
        ("unknown command", ["frobnicate"], "unknown command"),
    ]
    failed = 0
    for name, args, needle in cases:
        r = subprocess.run([onyx] + args, capture_output=True, text=True)
        err = r.stderr.strip()
        problem = None
        if r.returncode < 0:
            problem = f"killed by signal {-r.returncode}"
        elif r.returncode == 0:
            problem = "exit status 0"
        elif needle not in err:
            problem = f"message lacks {needle!r}: {err!r}"
        elif name != "no inputs" and "\n" in err:
            problem = f"message is not one line: {err!r}"
        print(f"PASS {name}" if problem is None else f"FAIL {name}: {problem}")
        failed += problem is not None
    print(f"{len(cases) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
