"""onyx's onnxruntime-compatible Python API: sessions, metadata, values of every kind, errors,
threads."""
import json
import pathlib
import threading

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper

import onyx


def save(model, tmp_path, name="m.onnx"):
    path = tmp_path / name
    onnx.save(model, str(path))
    return path


def add_model(dtype=TensorProto.FLOAT):
    g = helper.make_graph(
        [helper.make_node("Add", ["a", "b"], ["sum"], name="add")], "adder",
        [helper.make_tensor_value_info("a", dtype, ["batch", 3]),
         helper.make_tensor_value_info("b", dtype, [1, 3])],
        [helper.make_tensor_value_info("sum", dtype, ["batch", 3])])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)],
                          producer_name="tests", doc_string="adds")
    m.model_version = 7
    helper.set_model_props(m, {"author": "onyx"})
    return m


def test_run_metadata_and_node_args(tmp_path):
    sess = onyx.InferenceSession(str(save(add_model(), tmp_path)))
    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    b = np.array([[10, 20, 30]], dtype=np.float32)
    (out,) = sess.run(None, {"a": a, "b": b})
    np.testing.assert_array_equal(out, a + b)
    inputs = sess.get_inputs()
    assert [i.name for i in inputs] == ["a", "b"]
    assert inputs[0].type == "tensor(float)"
    assert inputs[0].shape == ["batch", 3]
    assert sess.get_outputs()[0].name == "sum"
    meta = sess.get_modelmeta()
    assert meta.producer_name == "tests"
    assert meta.graph_name == "adder"
    assert meta.description == "adds"
    assert meta.version == 7
    assert meta.custom_metadata_map == {"author": "onyx"}
    assert sess.get_providers() == ["CPUExecutionProvider"]
    assert "CPUExecutionProvider" in onyx.get_available_providers()
    assert onyx.get_device() == "CPU"


def test_load_from_bytes_and_pathlib(tmp_path):
    m = add_model(TensorProto.INT64)
    feeds = {"a": np.array([[1, 2, 3]], dtype=np.int64), "b": np.array([[1, 1, 1]], dtype=np.int64)}
    for source in (m.SerializeToString(), pathlib.Path(save(m, tmp_path))):
        (out,) = onyx.InferenceSession(source).run(["sum"], feeds)
        assert out.dtype == np.int64
        np.testing.assert_array_equal(out, [[2, 3, 4]])


def test_lists_and_scalars_take_the_input_dtype(tmp_path):
    sess = onyx.InferenceSession(str(save(add_model(), tmp_path)))
    (out,) = sess.run(None, {"a": [[1, 2, 3]], "b": [[0.5, 0.5, 0.5]]})
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, [[1.5, 2.5, 3.5]])


def test_non_contiguous_input(tmp_path):
    sess = onyx.InferenceSession(str(save(add_model(), tmp_path)))
    a = np.asfortranarray(np.arange(6, dtype=np.float32).reshape(2, 3))
    (out,) = sess.run(None, {"a": a, "b": np.zeros((1, 3), np.float32)})
    np.testing.assert_array_equal(out, a)


def test_outputs_never_alias_inputs(tmp_path):
    # Feeds are viewed, not copied, so an Identity output would be the caller's own array:
    # onyx copies it then, so that writing to an output never changes an input.
    g = helper.make_graph([helper.make_node("Identity", ["x"], ["y"])], "id",
                          [helper.make_tensor_value_info("x", TensorProto.FLOAT, [4])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [4])])
    sess = onyx.InferenceSession(str(save(helper.make_model(g), tmp_path)))
    x = np.arange(4, dtype=np.float32)
    (y,) = sess.run(None, {"x": x})
    np.testing.assert_array_equal(y, x)
    assert not np.shares_memory(x, y)
    y[0] = 42
    assert x[0] == 0
    del x  # y must stay valid on its own
    y[0] = 0
    np.testing.assert_array_equal(y, np.arange(4, dtype=np.float32))


def test_strings_sequences_and_optionals(tmp_path):
    nodes = [
        helper.make_node("Identity", ["s"], ["s_out"]),
        helper.make_node("SequenceConstruct", ["x", "x"], ["seq"]),
        helper.make_node("Optional", [], ["none"], type=helper.make_tensor_type_proto(
            TensorProto.FLOAT, [])),
    ]
    g = helper.make_graph(nodes, "kinds",
                          [helper.make_tensor_value_info("s", TensorProto.STRING, [2]),
                           helper.make_tensor_value_info("x", TensorProto.FLOAT, [2])],
                          [helper.make_tensor_value_info("s_out", TensorProto.STRING, [2]),
                           helper.make_tensor_sequence_value_info("seq", TensorProto.FLOAT, None),
                           helper.make_value_info("none", helper.make_optional_type_proto(
                               helper.make_tensor_type_proto(TensorProto.FLOAT, [])))])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 16)])
    sess = onyx.InferenceSession(str(save(m, tmp_path)))
    s_out, seq, none = sess.run(None, {"s": np.array(["héllo", "x"]),
                                       "x": np.array([1, 2], np.float32)})
    assert s_out.tolist() == ["héllo", "x"]
    assert isinstance(seq, list) and len(seq) == 2
    np.testing.assert_array_equal(seq[1], [1, 2])
    assert none is None


def test_zipmap_map_outputs():
    case = pathlib.Path("/work/shared/ml-models/logreg_zipmap")
    if not case.exists():
        pytest.skip("../shared/ml-models is not here")
    sess = onyx.InferenceSession(str(case / "model.onnx"))
    name = sess.get_inputs()[0].name
    x = np.zeros((2, sess.get_inputs()[0].shape[1]), np.float32)
    label, probs = sess.run(None, {name: x})
    assert isinstance(probs, list) and isinstance(probs[0], dict)
    assert abs(sum(probs[0].values()) - 1.0) < 1e-5


def test_errors_have_classes_and_messages(tmp_path):
    with pytest.raises(onyx.NoSuchFile):
        onyx.InferenceSession(str(tmp_path / "missing.onnx"))
    with pytest.raises(onyx.InvalidGraph):
        onyx.InferenceSession(b"this is not a model")
    sess = onyx.InferenceSession(str(save(add_model(), tmp_path)))
    ok = {"a": np.zeros((1, 3), np.float32), "b": np.zeros((1, 3), np.float32)}
    with pytest.raises(onyx.InvalidArgument, match="'c' is not an input"):
        sess.run(None, {**ok, "c": ok["a"]})
    with pytest.raises(onyx.InvalidArgument, match="element type"):
        sess.run(None, {"a": np.zeros((1, 3), np.int32), "b": ok["b"]})
    with pytest.raises(onyx.InvalidArgument):
        sess.run(None, {"a": np.zeros((1, 4), np.float32), "b": ok["b"]})
    with pytest.raises(onyx.InvalidArgument):
        sess.run(None, {"a": ok["a"]})  # b missing
    with pytest.raises(onyx.InvalidArgument):
        sess.run(["nope"], ok)
    # Every onyx error is also the matching builtin and an OnyxError.
    assert issubclass(onyx.InvalidArgument, ValueError)
    assert issubclass(onyx.NoSuchFile, FileNotFoundError)
    g = helper.make_graph([helper.make_node("NoSuchOp", ["x"], ["y"], name="weird")], "g",
                          [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1])])
    with pytest.raises(onyx.NotImplemented, match="weird"):
        onyx.InferenceSession(helper.make_model(g).SerializeToString())


def test_concurrent_runs_from_threads(tmp_path):
    # MatMul big enough that the GIL being held during run would serialize the threads.
    g = helper.make_graph([helper.make_node("MatMul", ["a", "b"], ["c"])], "mm",
                          [helper.make_tensor_value_info("a", TensorProto.FLOAT, [64, 64]),
                           helper.make_tensor_value_info("b", TensorProto.FLOAT, [64, 64])],
                          [helper.make_tensor_value_info("c", TensorProto.FLOAT, [64, 64])])
    opts = onyx.SessionOptions()
    opts.intra_op_num_threads = 1
    sess = onyx.InferenceSession(helper.make_model(g).SerializeToString(), sess_options=opts)
    rng = np.random.default_rng(0)
    errors = []

    def worker(seed):
        r = np.random.default_rng(seed)
        for _ in range(20):
            a = r.standard_normal((64, 64), dtype=np.float32)
            b = r.standard_normal((64, 64), dtype=np.float32)
            (c,) = sess.run(None, {"a": a, "b": b})
            if not np.allclose(c, a @ b, rtol=1e-4, atol=1e-4):
                errors.append(seed)

    threads = [threading.Thread(target=worker, args=(int(rng.integers(1000)),)) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


def test_parallel_execution_mode_gives_the_sequential_results():
    # Two independent branches joined by a Concat: ORT_PARALLEL runs them side by side.
    rng = np.random.default_rng(3)
    w1 = onnx.numpy_helper.from_array(rng.standard_normal((16, 16)).astype(np.float32), "w1")
    w2 = onnx.numpy_helper.from_array(rng.standard_normal((16, 16)).astype(np.float32), "w2")
    g = helper.make_graph(
        [helper.make_node("MatMul", ["x", "w1"], ["a"]), helper.make_node("Tanh", ["a"], ["ta"]),
         helper.make_node("MatMul", ["x", "w2"], ["b"]), helper.make_node("Sigmoid", ["b"], ["sb"]),
         helper.make_node("Concat", ["ta", "sb"], ["y"], axis=1)], "branches",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [4, 16])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [4, 32])], initializer=[w1, w2])
    model = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)]).SerializeToString()
    x = rng.standard_normal((4, 16)).astype(np.float32)
    (want,) = onyx.InferenceSession(model).run(None, {"x": x})
    opts = onyx.SessionOptions()
    opts.execution_mode = onyx.ExecutionMode.ORT_PARALLEL
    opts.inter_op_num_threads = 2
    (got,) = onyx.InferenceSession(model, sess_options=opts).run(None, {"x": x})
    np.testing.assert_array_equal(got, want)
    np.testing.assert_allclose(got[:, :16], np.tanh(x @ onnx.numpy_helper.to_array(w1)),
                               rtol=1e-5, atol=1e-5)


def relu_chain_model():
    """x -> Identity -> Conv -> Relu: the optimizer drops the Identity and fuses the Relu."""
    w = np.arange(8, dtype=np.float32).reshape(2, 1, 2, 2) / 8 - 0.4
    g = helper.make_graph(
        [helper.make_node("Identity", ["x"], ["x1"], name="id"),
         helper.make_node("Conv", ["x1", "w"], ["c"], name="conv"),
         helper.make_node("Relu", ["c"], ["y"], name="relu")], "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 1, 3, 3])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 2, 2, 2])],
        initializer=[onnx.numpy_helper.from_array(w, "w")])
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])


def test_optimized_model_filepath_saves_the_optimized_graph(tmp_path):
    opts = onyx.SessionOptions()
    opts.optimized_model_filepath = str(tmp_path / "opt.onnx")
    path = save(relu_chain_model(), tmp_path)
    x = np.linspace(-1, 1, 9, dtype=np.float32).reshape(1, 1, 3, 3)
    want = onyx.InferenceSession(str(path)).run(None, {"x": x})[0]
    onyx.InferenceSession(str(path), sess_options=opts)
    saved = onnx.load(opts.optimized_model_filepath)
    onnx.checker.check_model(saved)
    assert [n.op_type for n in saved.graph.node] == ["FusedConv"]
    got = onyx.InferenceSession(opts.optimized_model_filepath).run(None, {"x": x})[0]
    np.testing.assert_allclose(got, want, rtol=1e-6)
    # ORT_DISABLE_ALL keeps the graph as written.
    opts.graph_optimization_level = onyx.GraphOptimizationLevel.ORT_DISABLE_ALL
    onyx.InferenceSession(str(path), sess_options=opts)
    assert [n.op_type for n in onnx.load(opts.optimized_model_filepath).graph.node] == \
        ["Identity", "Conv", "Relu"]


def test_profiling_writes_a_chrome_trace(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    opts = onyx.SessionOptions()
    opts.enable_profiling = True
    opts.graph_optimization_level = onyx.GraphOptimizationLevel.ORT_DISABLE_ALL
    sess = onyx.InferenceSession(str(save(relu_chain_model(), tmp_path)), sess_options=opts)
    x = np.zeros((1, 1, 3, 3), np.float32)
    for _ in range(3):
        sess.run(None, {"x": x})
    name = sess.end_profiling()
    assert name.startswith("onyx_profile_") and name.endswith(".json")
    events = json.loads((tmp_path / name).read_text())
    nodes = [e for e in events if e.get("cat") == "node"]
    assert sorted({e["name"] for e in nodes}) == ["conv", "id", "relu"]
    assert len(nodes) == 9 and all(e["ph"] == "X" and e["dur"] >= 0 for e in nodes)
    assert {e["args"]["op"] for e in nodes} == {"Identity", "Conv", "Relu"}
    assert sess.end_profiling() == ""  # stopped
    assert onyx.InferenceSession(str(save(add_model(), tmp_path))).end_profiling() == ""


def test_unknown_providers_warn(tmp_path):
    with pytest.warns(RuntimeWarning, match="CUDAExecutionProvider"):
        onyx.InferenceSession(str(save(add_model(), tmp_path)),
                              providers=["CUDAExecutionProvider", "CPUExecutionProvider"])
