#!/usr/bin/env python3
"""Writes examples/custom_op/scaled_add/: a model using the custom op onyx.example ScaledAdd
(Y = Relu(A + 0.5 * B)) with one test data set, in the ONNX backend-test layout so that
`onyx test examples/custom_op/scaled_add --custom-ops build/examples/libscaled_add.so` runs it."""
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "scaled_add")
os.makedirs(os.path.join(here, "test_data_set_0"), exist_ok=True)
nodes = [
    helper.make_node("ScaledAdd", ["A", "B"], ["S"], domain="onyx.example", alpha=0.5,
                     name="scaled_add"),
    helper.make_node("Relu", ["S"], ["Y"], name="relu"),
]
graph = helper.make_graph(nodes, "scaled_add",
                          [helper.make_tensor_value_info("A", TensorProto.FLOAT, ["n", 3]),
                           helper.make_tensor_value_info("B", TensorProto.FLOAT, ["n", 3])],
                          [helper.make_tensor_value_info("Y", TensorProto.FLOAT, ["n", 3])])
model = helper.make_model(graph, producer_name="onyx examples",
                          opset_imports=[helper.make_opsetid("", 17),
                                         helper.make_opsetid("onyx.example", 1)])
onnx.save(model, os.path.join(here, "model.onnx"))

rng = np.random.default_rng(7)
a = rng.standard_normal((4, 3)).astype(np.float32)
b = rng.standard_normal((4, 3)).astype(np.float32)
y = np.maximum(a + 0.5 * b, 0).astype(np.float32)
for name, arr in (("input_0", a), ("input_1", b), ("output_0", y)):
    with open(os.path.join(here, "test_data_set_0", name + ".pb"), "wb") as f:
        f.write(numpy_helper.from_array(arr).SerializeToString())
print("wrote", here)
