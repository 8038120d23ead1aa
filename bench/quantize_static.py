#!/usr/bin/python3
"""Writes bench/models/<name>_qdq/ for ResNet-50, MobileNetV2 and DenseNet-121 as exported by
bench/export_models.py: the float model with static int8 quantization in the QDQ
form onnxruntime.quantization.quantize_static writes by default:

  * every float activation read by a Conv, Gemm or MatMul, or summed by an Add of two
    activations, passes through QuantizeLinear ->
    DequantizeLinear (uint8, asymmetric; scale and zero point from the tensor's min / max over
    the calibration inputs, here the benchmark's own inputs, with 0 inside the range);
  * weights (Conv and Gemm weights, MatMul's 2-D constant B) are stored int8 (symmetric, per
    tensor) behind a DequantizeLinear, Conv / Gemm biases int32 with scale x_scale * w_scale
    behind one too.

The calibration ranges come from one onyx run of the float model with every such tensor made a
graph output. We write the rewrite ourselves (onnxruntime's Python package is not installable
here); the operators and their placement follow quantize_static's QDQ format.

  /usr/bin/python3 bench/quantize_static.py [--onyx build/onyx] [--models resnet50,...]
"""
import argparse
import os
import subprocess
import sys
import tempfile

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from int8_manifest import BENCH_DIR, MODELS_DIR, load_manifest, save_quantized

REPO_DIR = os.path.dirname(BENCH_DIR)
SOURCES = ["resnet50", "mobilenet_v2", "densenet121"]  # each becomes <name>_qdq
QUANTIZED_READERS = {"Conv", "Gemm", "Add", "MatMul"}


def fold_identities(graph):
    """Identity nodes of initializers (the exporter's shared weights) become direct reads."""
    inits = {t.name for t in graph.initializer}
    alias = {}
    keep = []
    for n in graph.node:
        if n.op_type == "Identity" and n.input[0] in inits:
            alias[n.output[0]] = n.input[0]
        else:
            keep.append(n)
    for n in keep:
        for i, name in enumerate(n.input):
            n.input[i] = alias.get(name, name)
    del graph.node[:]
    graph.node.extend(keep)


def constants(graph):
    return {t.name for t in graph.initializer} | \
        {o for n in graph.node if n.op_type == "Constant" for o in n.output}


def quantized_reader(n, consts):
    """Conv / Gemm / MatMul, and Add of two activations (a residual sum; bias additions and the
    1 + erf(...) of a GELU stay float, as quantize_static leaves them after its pre-processing
    fuses them away)."""
    if n.op_type == "Add":
        return not any(i in consts for i in n.input)
    return n.op_type in QUANTIZED_READERS


def activations_to_quantize(graph):
    inits = {t.name for t in graph.initializer}
    consts = constants(graph)
    names = []
    for n in graph.node:
        if not quantized_reader(n, consts):
            continue
        readers = n.input[:1] if n.op_type in ("Conv", "Gemm") else n.input
        for name in readers:
            if name and name not in inits and name not in names:
                names.append(name)
    return names


def calibrate(model, names, inputs, onyx):
    """min / max of each tensor over the calibration inputs, from one onyx run per input set."""
    probe = onnx.ModelProto()
    probe.CopyFrom(model)
    outputs = {o.name for o in probe.graph.output}
    for name in names:
        if name not in outputs:
            probe.graph.output.append(helper.make_tensor_value_info(name, TensorProto.FLOAT, None))
    ranges = {name: [0.0, 0.0] for name in names}
    with tempfile.TemporaryDirectory(prefix="onyx-calibrate-") as tmp:
        path = os.path.join(tmp, "probe.onnx")
        onnx.save(probe, path)
        for feeds in inputs:
            out_dir = os.path.join(tmp, "out")
            cmd = [onyx, "run", path, "--opt", "0", "-o", out_dir]
            for k, v in feeds.items():
                cmd += ["-i", f"{k}={os.path.join(MODELS_DIR, v)}"]
            subprocess.run(cmd, check=True, capture_output=True)
            for name in names:
                if name in feeds:
                    x = np.load(os.path.join(MODELS_DIR, feeds[name]))
                else:
                    x = np.load(os.path.join(out_dir, name.replace("/", "_") + ".npy"))
                if x.dtype != np.float32:  # shape arithmetic (int64) is not quantized
                    ranges.pop(name, None)
                    continue
                if name in ranges:
                    r = ranges[name]
                    r[0], r[1] = min(r[0], float(x.min())), max(r[1], float(x.max()))
    return ranges


def dequantized(name, values, scale, zp_type, inits, nodes):
    """Initializers for quantized `values` and a DequantizeLinear writing name + "_dq"."""
    inits += [numpy_helper.from_array(values, name + "_quantized"),
              numpy_helper.from_array(np.array(scale, np.float32), name + "_scale"),
              numpy_helper.from_array(np.array(0, zp_type), name + "_zero_point")]
    nodes.append(helper.make_node("DequantizeLinear",
                                  [name + "_quantized", name + "_scale", name + "_zero_point"],
                                  [name + "_dq"], name + "_DequantizeLinear"))


def quantize(model, ranges):
    graph = model.graph
    inits = {t.name: t for t in graph.initializer}
    new_inits, nodes, scales = [], [], {}
    done = set()  # initializers already given their quantized copy and DequantizeLinear
    # Q -> DQ for each calibrated activation, right after its producer (or first, for inputs).
    qdq = {}
    for name, (lo, hi) in ranges.items():
        scale = np.float32((hi - lo) / 255.0 if hi > lo else 1.0)
        zp = np.uint8(np.clip(np.rint(-lo / scale), 0, 255))
        scales[name] = scale
        s_name, z_name = name + "_scale", name + "_zero_point"
        new_inits += [numpy_helper.from_array(np.array(scale, np.float32), s_name),
                      numpy_helper.from_array(np.array(zp, np.uint8), z_name)]
        qdq[name] = [helper.make_node("QuantizeLinear", [name, s_name, z_name], [name + "_q"],
                                      name + "_QuantizeLinear"),
                     helper.make_node("DequantizeLinear", [name + "_q", s_name, z_name],
                                      [name + "_dq"], name + "_DequantizeLinear")]
    for name in ranges:
        if name in {i.name for i in graph.input}:
            nodes += qdq[name]
    consts = constants(graph)
    for n in graph.node:
        if quantized_reader(n, consts):
            readers = range(1) if n.op_type in ("Conv", "Gemm") else range(len(n.input))
            x_scale = None
            for i in readers:
                if n.input[i] in qdq:
                    x_scale = scales[n.input[i]]
                    n.input[i] = n.input[i] + "_dq"
            weights = n.op_type in ("Conv", "Gemm") or (
                n.op_type == "MatMul" and n.input[1] in inits and len(inits[n.input[1]].dims) == 2)
            if weights:
                w = numpy_helper.to_array(inits[n.input[1]]).astype(np.float32)
                w_scale = np.float32(max(float(np.abs(w).max()), 1e-12) / 127.0)
                wq = np.clip(np.rint(w / w_scale), -127, 127).astype(np.int8)
                p = n.input[1]
                if p not in done:
                    done.add(p)
                    dequantized(p, wq, w_scale, np.int8, new_inits, nodes)
                n.input[1] = p + "_dq"
                if n.op_type == "MatMul":
                    pass
                elif len(n.input) > 2 and n.input[2] in inits:
                    b = numpy_helper.to_array(inits[n.input[2]]).astype(np.float64)
                    b_scale = np.float32(x_scale * w_scale)
                    bq = np.rint(b / b_scale).astype(np.int32)
                    # A bias's scale depends on its conv's input: a copy per reader.
                    p = n.input[2] + "_" + str(len(nodes))
                    dequantized(p, bq, b_scale, np.int32, new_inits, nodes)
                    n.input[2] = p + "_dq"
        nodes.append(n)
        for out in n.output:
            if out in qdq:
                nodes += qdq[out]
    del graph.node[:]
    graph.node.extend(nodes)
    graph.initializer.extend(new_inits)
    read = {i for n in graph.node for i in n.input}
    kept = [t for t in graph.initializer if t.name in read]
    del graph.initializer[:]
    graph.initializer.extend(kept)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--onyx", default=os.path.join(REPO_DIR, "build", "onyx"))
    p.add_argument("--models", default=",".join(SOURCES),
                   help="comma-separated float models to quantize (default: %(default)s)")
    args = p.parse_args()
    manifest = load_manifest("quantize_static.py")
    for source_name in args.models.split(","):
        if source_name not in manifest:
            print(f"quantize_static.py: {source_name} is not exported, skipped", file=sys.stderr)
            continue
        source = manifest[source_name]
        model = onnx.load(os.path.join(MODELS_DIR, source["model"]))
        fold_identities(model.graph)
        names = activations_to_quantize(model.graph)
        ranges = calibrate(model, names, list(source["inputs"].values()), args.onyx)
        names = list(ranges)
        quantize(model, ranges)
        name = source_name + "_qdq"
        size = save_quantized(manifest, source_name, name, model,
                              f"static int8 QDQ quantization of {len(names)} activations and "
                              "its Conv / Gemm weights")
        print(f"{name}: {len(names)} activations quantized, {size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
