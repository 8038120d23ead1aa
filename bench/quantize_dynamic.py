#!/usr/bin/python3
"""Writes bench/models/bert_base_int8/ and gpt2_small_int8/: the exported BERT-base and GPT-2
(bench/export_models.py) with dynamic int8 quantization, in the form onnxruntime.quantization.quantize_dynamic gives it with
its defaults (QOperator format, int8 weights, per tensor, symmetric): every MatMul whose
weights are a 2-D constant becomes

    (x_q, x_scale, x_zp) = DynamicQuantizeLinear(x)
    y = Mul(Cast<float>(MatMulInteger(x_q, W_q, x_zp, W_zp)), Mul(x_scale, W_scale))

with W_q = round(W / W_scale), W_scale = max|W| / 127, W_zp = 0. Like quantize_dynamic it leaves
Gemm nodes (here the attention output projections) in float. The inputs are the float models'.
We write the rewrite ourselves (onnxruntime's Python package is not installable here).

  /usr/bin/python3 bench/quantize_dynamic.py
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from int8_manifest import MODELS_DIR, load_manifest, save_quantized

SOURCES = ["bert_base", "gpt2_small"]  # each becomes <name>_int8


def quantize(model):
    graph = model.graph
    inits = {t.name: t for t in graph.initializer}
    nodes, count = [], 0
    for node in graph.node:
        w = inits.get(node.input[1]) if node.op_type == "MatMul" and len(node.input) == 2 else None
        if w is None or len(w.dims) != 2 or w.data_type != TensorProto.FLOAT:
            nodes.append(node)
            continue
        count += 1
        weights = numpy_helper.to_array(w).astype(np.float32)
        scale = np.float32(np.abs(weights).max() / 127.0)
        q = np.clip(np.rint(weights / scale), -127, 127).astype(np.int8)
        p = f"{node.name or node.output[0]}_quant"
        graph.initializer.extend([numpy_helper.from_array(q, p + "_W"),
                                  numpy_helper.from_array(np.array(0, np.int8), p + "_W_zp"),
                                  numpy_helper.from_array(np.array(scale, np.float32), p + "_W_scale")])
        x = node.input[0]
        nodes += [
            helper.make_node("DynamicQuantizeLinear", [x], [p + "_x", p + "_x_scale", p + "_x_zp"],
                             p + "_dql"),
            helper.make_node("MatMulInteger", [p + "_x", p + "_W", p + "_x_zp", p + "_W_zp"],
                             [p + "_acc"], p + "_mmi"),
            helper.make_node("Cast", [p + "_acc"], [p + "_accf"], p + "_cast", to=TensorProto.FLOAT),
            helper.make_node("Mul", [p + "_x_scale", p + "_W_scale"], [p + "_scale"], p + "_scales_mul"),
            helper.make_node("Mul", [p + "_accf", p + "_scale"], [node.output[0]], p + "_output_scale_mul"),
        ]
    del graph.node[:]
    graph.node.extend(nodes)
    read = {i for n in graph.node for i in n.input}
    kept = [t for t in graph.initializer if t.name in read]
    del graph.initializer[:]
    graph.initializer.extend(kept)
    return count


def main():
    manifest = load_manifest("quantize_dynamic.py")
    for source_name in SOURCES:
        if source_name not in manifest:
            print(f"quantize_dynamic.py: {source_name} is not exported, skipped", file=sys.stderr)
            continue
        name = source_name + "_int8"
        model = onnx.load(os.path.join(MODELS_DIR, manifest[source_name]["model"]))
        count = quantize(model)
        size = save_quantized(manifest, source_name, name, model,
                              f"dynamic int8 quantization of its {count} MatMuls "
                              "(quantize_dynamic's form)")
        print(f"{name}: {count} MatMuls quantized, {size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
