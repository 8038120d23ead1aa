#!/usr/bin/env python3
"""End-to-end check: export PyTorch models with torch.onnx.export, run them with `onyx run`,
compare with PyTorch's own outputs (relative L2 error <= 1e-4 per output).

Usage: torch_models.py --onyx build/onyx [--list] [NAME...]
Random weights with fixed seeds; small input sizes keep the run short. Each model is exported
at the opset its entry names (11 to 17), so several importer paths are exercised.
"""
import argparse
import os
import subprocess
import sys
import tempfile
import warnings

import numpy as np
import torch

warnings.filterwarnings("ignore")


def tv(name, **kwargs):
    """A torchvision architecture by (dotted) name, random weights."""
    def make():
        import torchvision
        obj = torchvision.models
        for part in name.split("."):
            obj = getattr(obj, part)
        return obj(weights=None, **kwargs)
    return make


def image(n=1, size=64):
    return lambda: (torch.randn(n, 3, size, size),)


class TransformerEncoderWithMask(torch.nn.Module):
    """BERT-shaped encoder: embeddings + encoder layers + padding mask."""

    def __init__(self, vocab=100, d=64, heads=4, layers=2):
        super().__init__()
        self.embed = torch.nn.Embedding(vocab, d)
        self.pos = torch.nn.Parameter(torch.randn(1, 32, d) * 0.02)
        layer = torch.nn.TransformerEncoderLayer(d, heads, 128, dropout=0.0, batch_first=True)
        self.encoder = torch.nn.TransformerEncoder(layer, layers)
        self.head = torch.nn.Linear(d, 2)

    def forward(self, ids, mask):
        x = self.embed(ids) + self.pos[:, : ids.shape[1]]
        x = self.encoder(x, src_key_padding_mask=mask == 0)
        return self.head(x[:, 0])


class CausalDecoder(torch.nn.Module):
    """GPT-shaped: token + position embeddings, causal self-attention blocks, LM head."""

    def __init__(self, vocab=100, d=64, heads=4, layers=2, seq=16):
        super().__init__()
        self.embed = torch.nn.Embedding(vocab, d)
        self.pos = torch.nn.Embedding(seq, d)
        layer = torch.nn.TransformerEncoderLayer(d, heads, 4 * d, dropout=0.0, batch_first=True,
                                                 activation="gelu", norm_first=True)
        self.blocks = torch.nn.TransformerEncoder(layer, layers)
        self.norm = torch.nn.LayerNorm(d)
        self.lm_head = torch.nn.Linear(d, vocab, bias=False)
        self.register_buffer("causal", torch.triu(torch.full((seq, seq), float("-inf")), 1))

    def forward(self, ids):
        n = ids.shape[1]
        x = self.embed(ids) + self.pos(torch.arange(n).unsqueeze(0))
        x = self.blocks(x, mask=self.causal[:n, :n])
        return self.lm_head(self.norm(x))


class Tagger(torch.nn.Module):
    def __init__(self, cell, vocab=50, d=32, hidden=48, tags=7):
        super().__init__()
        self.embed = torch.nn.Embedding(vocab, d)
        self.rnn = cell(d, hidden, num_layers=2, batch_first=True, bidirectional=True)
        self.out = torch.nn.Linear(2 * hidden, tags)

    def forward(self, ids):
        y, _ = self.rnn(self.embed(ids))
        return self.out(y)


class AudioCNN(torch.nn.Module):
    def __init__(self):
        super().__init__()
        c = torch.nn
        self.net = c.Sequential(
            c.Conv1d(1, 16, 9, stride=2, padding=4), c.BatchNorm1d(16), c.ReLU(),
            c.Conv1d(16, 32, 5, stride=2, padding=2, groups=2), c.BatchNorm1d(32), c.ReLU(),
            c.MaxPool1d(2), c.Conv1d(32, 32, 3, padding=1, dilation=1), c.ReLU(),
            c.AdaptiveAvgPool1d(1), c.Flatten(), c.Linear(32, 5))

    def forward(self, x):
        return self.net(x)


def small_vit():
    from torchvision.models.vision_transformer import VisionTransformer
    return VisionTransformer(image_size=32, patch_size=8, num_layers=2, num_heads=4,
                             hidden_dim=64, mlp_dim=128, num_classes=10)


def tokens(n=2, seq=16, vocab=100):
    return lambda: (torch.randint(0, vocab, (n, seq)),)


def tokens_and_mask():
    ids = torch.randint(0, 100, (2, 12))
    mask = torch.ones(2, 12, dtype=torch.int64)
    mask[1, 8:] = 0
    return ids, mask


# name -> (model factory, inputs factory, input names, opset)
MODELS = {
    "resnet18": (tv("resnet18"), image(), ["x"], 13),
    "mobilenet_v2": (tv("mobilenet_v2"), image(), ["x"], 11),
    "mobilenet_v3_small": (tv("mobilenet_v3_small"), image(), ["x"], 14),
    "efficientnet_b0": (tv("efficientnet_b0"), image(), ["x"], 13),
    "densenet121": (tv("densenet121"), image(), ["x"], 12),
    "shufflenet_v2": (tv("shufflenet_v2_x0_5"), image(), ["x"], 13),
    "squeezenet": (tv("squeezenet1_1"), image(), ["x"], 11),
    "googlenet": (tv("googlenet", aux_logits=False, init_weights=True), image(), ["x"], 15),
    "convnext_tiny": (tv("convnext_tiny"), image(size=32), ["x"], 17),
    "regnet": (tv("regnet_y_400mf"), image(), ["x"], 16),
    "vit": (small_vit, image(size=32), ["x"], 14),
    "segmentation_lraspp": (tv("segmentation.lraspp_mobilenet_v3_large", weights_backbone=None),
                            image(size=64), ["x"], 13),
    "transformer_encoder_mask": (TransformerEncoderWithMask, tokens_and_mask, ["ids", "mask"], 14),
    "causal_decoder": (CausalDecoder, tokens(), ["ids"], 17),
    "lstm_tagger": (lambda: Tagger(torch.nn.LSTM), tokens(n=2, seq=9, vocab=50), ["ids"], 13),
    "gru_tagger": (lambda: Tagger(torch.nn.GRU), tokens(n=2, seq=9, vocab=50), ["ids"], 11),
    "audio_cnn1d": (AudioCNN, lambda: (torch.randn(2, 1, 400),), ["wave"], 13),
}


def check(name, onyx, workdir):
    factory, make_inputs, input_names, opset = MODELS[name]
    torch.manual_seed(0)
    model = factory()
    model.eval()
    inputs = make_inputs()
    # Export with autograd on: in no-grad eval mode PyTorch takes the fused "fast path" of its
    # transformer layers, which torch.onnx cannot export.
    with torch.no_grad():
        expected = model(*inputs)
    if isinstance(expected, dict):  # segmentation models return {"out": ...}
        expected = (expected["out"],)
    if isinstance(expected, torch.Tensor):
        expected = (expected,)
    path = os.path.join(workdir, name + ".onnx")
    torch.onnx.export(model, inputs, path, opset_version=opset, input_names=input_names,
                      do_constant_folding=True)
    error, _ = run_onyx(onyx, path, input_names, [t.numpy() for t in inputs], workdir)
    if error is None:
        error, _ = compare_outputs(path, [t.numpy() for t in expected], workdir)
    return error


def run_onyx(onyx, path, input_names, inputs, workdir, threads=0, timeout=None):
    """Runs `onyx run` on the model with the given NumPy inputs, outputs written to workdir.
    Returns (error message or None, [])."""
    cmd = [onyx, "run", path, "-o", workdir]
    if threads:
        cmd += ["--threads", str(threads)]
    for n, t in zip(input_names, inputs):
        f = os.path.join(workdir, n + ".in.npy")
        np.save(f, t)
        cmd += ["-i", f"{n}={f}"]
    try:
        result = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return f"onyx run timed out after {timeout} s", []
    if result.returncode != 0:
        return f"onyx run failed ({result.returncode}): {result.stderr.strip()}", []
    return None, []


def compare_outputs(path, expected, workdir):
    """Compares the outputs `onyx run` wrote to workdir with the expected NumPy arrays, in
    graph output order. Returns (first error or None, relative L2 error of each output)."""
    import onnx
    outputs = [o.name for o in onnx.load(path, load_external_data=False).graph.output]
    if len(outputs) != len(expected):
        return f"model has {len(outputs)} outputs, PyTorch {len(expected)}", []
    errors = []
    for o, want in zip(outputs, expected):
        got = np.load(os.path.join(workdir, o.replace("/", "_") + ".npy"))
        if got.shape != want.shape:
            return f"output {o}: shape {got.shape}, PyTorch {want.shape}", errors
        if got.dtype != want.dtype:
            return f"output {o}: dtype {got.dtype}, PyTorch {want.dtype}", errors
        got, want = got.astype(np.float64), want.astype(np.float64)
        nan = np.isnan(want)
        if (np.isnan(got) != nan).any():
            return f"output {o}: NaN where PyTorch has none (or the reverse)", errors
        got, want = got[~nan], want[~nan]
        inf = np.isinf(want)
        if (got[inf] != want[inf]).any() or np.isinf(got[~inf]).any():
            return f"output {o}: infinities differ", errors
        got, want = got[~inf], want[~inf]
        err = np.linalg.norm(got - want) / max(np.linalg.norm(want), 1e-12)
        errors.append(err)
        if not err <= 1e-4:
            return f"output {o}: relative L2 error {err:.3g} > 1e-4", errors
    return None, errors


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--onyx", default="build/onyx")
    parser.add_argument("--list", action="store_true")
    parser.add_argument("names", nargs="*")
    args = parser.parse_args()
    if args.list:
        print("\n".join(MODELS))
        return 0
    names = args.names or list(MODELS)
    failed = 0
    for name in names:
        with tempfile.TemporaryDirectory() as workdir:
            try:
                error = check(name, os.path.abspath(args.onyx), workdir)
            except Exception as e:  # export problems are failures too
                error = f"{type(e).__name__}: {e}"
        print(f"PASS {name}" if error is None else f"FAIL {name}: {error}", flush=True)
        failed += error is not None
    print(f"{len(names) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
