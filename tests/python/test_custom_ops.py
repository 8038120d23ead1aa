"""Custom-op libraries from Python: SessionOptions.register_custom_ops_library, as onnxruntime."""
import os
import pathlib

import numpy as np
import pytest

import onyx

LIBRARY = os.environ.get("ONYX_SCALED_ADD_LIBRARY", "")
MODEL = pathlib.Path(__file__).resolve().parents[2] / "examples/custom_op/scaled_add/model.onnx"

needs_library = pytest.mark.skipif(not os.path.exists(LIBRARY),
                                   reason="ONYX_SCALED_ADD_LIBRARY not built")


@needs_library
def test_library_operator_runs():
    so = onyx.SessionOptions()
    so.register_custom_ops_library(LIBRARY)
    sess = onyx.InferenceSession(str(MODEL), so)
    a = np.array([[1, -2, 3]], dtype=np.float32)
    b = np.array([[4, 4, -8]], dtype=np.float32)
    (y,) = sess.run(None, {"A": a, "B": b})
    np.testing.assert_allclose(y, np.maximum(a + 0.5 * b, 0))


def test_without_library_the_op_is_not_implemented():
    with pytest.raises(onyx.NotImplemented, match="onyx.example.ScaledAdd"):
        onyx.InferenceSession(str(MODEL))


def test_missing_library_raises_at_registration():
    so = onyx.SessionOptions()
    with pytest.raises(onyx.NoSuchFile, match="no_such_library"):
        so.register_custom_ops_library("/nonexistent/no_such_library.so")
