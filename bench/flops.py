#!/usr/bin/python3
"""The multiply-add work of one run of a model: 2 flops per multiply-add of every Conv,
ConvTranspose, MatMul, Gemm, LSTM, GRU and RNN node, at the shapes of the given inputs. The shapes
are those each node saw in one profiled onyx run with the optimizer off (--opt 0: the model's own
nodes, with their names), so they are exact whatever computes them. Element-wise work is left
out: it is a few percent of these models' arithmetic. Dividing by `onyx peak` gives the shortest
time an engine doing this arithmetic directly can take; a faster time needs an algorithm doing
less of it (Winograd convolution).

  /usr/bin/python3 bench/flops.py [--onyx build/onyx] MODEL.onnx NAME=INPUT.npy ...
"""
import json
import math
import os
import subprocess
import sys
import tempfile

import onnx

REPO_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _attr(node, name, default):
    for a in node.attribute:
        if a.name == name:
            return onnx.helper.get_attribute_value(a)
    return default


def _conv_out_spatial(node, x, w):
    """Output spatial dims of a Conv from its input [N, C, ...] and weights [M, C/g, k...]."""
    k = w[2:]
    n = len(k)
    strides = _attr(node, "strides", [1] * n)
    dil = _attr(node, "dilations", [1] * n)
    pads = _attr(node, "pads", [0] * 2 * n)
    auto = _attr(node, "auto_pad", b"NOTSET")
    auto = auto.decode() if isinstance(auto, bytes) else auto
    out = []
    for i in range(n):
        if auto in ("SAME_UPPER", "SAME_LOWER"):
            out.append(-(-x[2 + i] // strides[i]))
        else:
            pad = 0 if auto == "VALID" else pads[i] + pads[i + n]
            out.append((x[2 + i] + pad - dil[i] * (k[i] - 1) - 1) // strides[i] + 1)
    return out


def node_flops(node, ins):
    """2 x multiply-adds of one node from its input shapes `ins` (lists; None when absent)."""
    s = lambda i: ins[i] if i < len(ins) else None
    op = node.op_type
    if op == "MatMul":
        a, b = s(0), s(1)
        if len(a) == 1:
            a = [1] + a
        if len(b) == 1:
            b = b + [1]
        batch = [max(p, q) for p, q in zip([1] * (len(b) - len(a)) + a[:-2],
                                           [1] * (len(a) - len(b)) + b[:-2])]
        return 2 * math.prod(batch) * a[-2] * a[-1] * b[-1]
    if op == "Gemm":
        a, b = s(0), s(1)
        m, k = (a[1], a[0]) if _attr(node, "transA", 0) else (a[0], a[1])
        n = b[0] if _attr(node, "transB", 0) else b[1]
        return 2 * m * n * k
    if op == "Conv":
        x, w = s(0), s(1)
        # each output value: C/group x kernel multiply-adds
        return 2 * x[0] * w[0] * math.prod(_conv_out_spatial(node, x, w)) * math.prod(w[1:])
    if op == "ConvTranspose":
        x, w = s(0), s(1)
        return 2 * math.prod(x) * math.prod(w[1:])  # each input value: M/group x kernel
    if op in ("LSTM", "GRU", "RNN"):
        x, w, r = s(0), s(1), s(2)
        dirs, gates_h, inp = w
        return 2 * dirs * x[0] * x[1] * gates_h * (inp + r[2])  # seq x batch rows, either layout
    return 0


def profiled_shapes(onyx, model_path, files):
    """{node name: [input shapes]} from one `onyx bench --opt 0 --profile` run."""
    feeds = []
    for name, file in files.items():
        feeds += ["-i", f"{name}={file}"]
    with tempfile.TemporaryDirectory(prefix="onyx-flops-") as tmp:
        trace = os.path.join(tmp, "trace.json")
        proc = subprocess.run([onyx, "bench", model_path, "--opt", "0", "--iters", "1",
                               "--warmup", "0", "--profile", trace] + feeds,
                              capture_output=True, text=True)
        if proc.returncode != 0:
            raise RuntimeError((proc.stderr or proc.stdout).strip().splitlines()[0])
        with open(trace) as f:
            data = json.load(f)
    events = data["traceEvents"] if isinstance(data, dict) else data
    shapes = {}
    for e in events:
        if e.get("cat") == "node":
            text = e["args"].get("input_shapes", "")
            # "[1,3,224,224] [64,3,7,7] -": one token per input, "-" for an absent one
            shapes[e["name"]] = [None if tok == "-" else [int(v) for v in tok.strip("[]").split(",") if v]
                                 for tok in text.split()]
    return shapes


def model_flops(model_path, files, onyx=os.path.join(REPO_DIR, "build", "onyx")):
    """(total flops, {op type: flops}) of one run on the NAME=FILE.npy inputs `files`."""
    model = onnx.load(model_path, load_external_data=False)
    shapes = profiled_shapes(onyx, model_path, files)
    by_op = {}
    for node in model.graph.node:
        if node.op_type not in ("MatMul", "Gemm", "Conv", "ConvTranspose", "LSTM", "GRU", "RNN"):
            continue
        ins = shapes.get(node.name)
        if ins is None:
            raise RuntimeError(f"node '{node.name}' ({node.op_type}) is not in the profile")
        by_op[node.op_type] = by_op.get(node.op_type, 0) + node_flops(node, ins)
    return sum(by_op.values()), by_op


def main():
    args = sys.argv[1:]
    onyx = os.path.join(REPO_DIR, "build", "onyx")
    if len(args) >= 2 and args[0] == "--onyx":
        onyx, args = args[1], args[2:]
    if not args:
        sys.exit(__doc__)
    files = dict(spec.split("=", 1) for spec in args[1:])
    total, by_op = model_flops(args[0], files, onyx)
    for op, f in sorted(by_op.items(), key=lambda kv: -kv[1]):
        print(f"{op:16s} {f / 1e9:10.3f} GFLOP")
    print(f"{'total':16s} {total / 1e9:10.3f} GFLOP")


if __name__ == "__main__":
    main()
