"""The example of issue 5 (from the ONNX documentation), unchanged but for the import line,
then its outputs compared with PyTorch's."""
import os

import numpy as np
import torch


class SimpleModel(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = torch.nn.Linear(784, 128)
        self.fc2 = torch.nn.Linear(128, 10)

    def forward(self, x):
        return torch.softmax(self.fc2(torch.relu(self.fc1(x))), dim=1)


def test_documentation_example(tmp_path):
    os.chdir(tmp_path)
    # ---- the example, verbatim but for `import onyx as ort` ----
    import torch
    model = SimpleModel()                 # any small torch.nn.Module taking (batch, 784)
    dummy_input = torch.randn(1, 784)
    torch.onnx.export(model, dummy_input, "simple_model.onnx", opset_version=13,
                      input_names=['input'], output_names=['output'],
                      dynamic_axes={'input': {0: 'batch_size'}, 'output': {0: 'batch_size'}})
    import onyx as ort
    import numpy as np
    ort_session = ort.InferenceSession("simple_model.onnx")
    input_data = np.random.randn(1, 784).astype(np.float32)
    outputs = ort_session.run(None, {'input': input_data})
    # ---- end of the example ----
    with torch.no_grad():
        expected = model(torch.from_numpy(input_data)).numpy()
    assert len(outputs) == 1
    assert outputs[0].shape == (1, 10)
    assert outputs[0].dtype == np.float32
    np.testing.assert_allclose(outputs[0], expected, rtol=1e-5, atol=1e-6)

    # The dynamic batch axis: another batch size through the same session.
    batch = np.random.randn(5, 784).astype(np.float32)
    (out5,) = ort_session.run(['output'], {'input': batch})
    with torch.no_grad():
        np.testing.assert_allclose(out5, model(torch.from_numpy(batch)).numpy(),
                                   rtol=1e-5, atol=1e-6)
    assert ort_session.get_inputs()[0].shape == ['batch_size', 784]
