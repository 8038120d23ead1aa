"""A few ONNX backend-test cases driven through the Python API (inputs and expected outputs read
with onnx.numpy_helper), as a script written for onnxruntime would run them."""
import glob
import os

import numpy as np
import onnx
import pytest
from onnx import numpy_helper

import onyx

SUITE = "/usr/include/onnx/backend/test/data/node"
CASES = ["test_add_bcast", "test_conv_with_strides_padding", "test_lstm_defaults",
         "test_gather_0", "test_softmax_axis_1", "test_resize_upsample_scales_linear",
         "test_loop11", "test_reduce_sum_keepdims_random", "test_cast_FLOAT_to_STRING"]


def read_pb(path):
    t = onnx.TensorProto()
    with open(path, "rb") as f:
        t.ParseFromString(f.read())
    return numpy_helper.to_array(t)


@pytest.mark.parametrize("case", CASES)
def test_case(case):
    folder = os.path.join(SUITE, case)
    if not os.path.isdir(folder):
        pytest.skip(f"{case} is not in this suite")
    sess = onyx.InferenceSession(os.path.join(folder, "model.onnx"))
    for data in sorted(glob.glob(os.path.join(folder, "test_data_set_*"))):
        inputs = sorted(glob.glob(os.path.join(data, "input_*.pb")))
        outputs = sorted(glob.glob(os.path.join(data, "output_*.pb")))
        feeds = {i.name: read_pb(p) for i, p in zip(sess.get_inputs(), inputs)}
        got = sess.run(None, feeds)
        for g, p in zip(got, outputs):
            want = read_pb(p)
            assert g.shape == want.shape
            if want.dtype == object:  # strings: onyx returns str, the .pb holds bytes
                decoded = [w.decode() if isinstance(w, bytes) else w for w in want.ravel()]
                assert g.ravel().tolist() == decoded
            else:
                np.testing.assert_allclose(g, want, rtol=1e-3, atol=1e-7)
