#!/usr/bin/env python3
"""Wide end-to-end sweep: many PyTorch architectures and ops, several opsets, batch 1 and 2.

Not part of ctest (it takes far longer than the e2e tests); tests/e2e/torch_models.py holds the
entries that ctest runs. Each case is exported with torch.onnx.export (Debian's torch 1.13 /
torchvision 0.14, random weights with fixed seeds) at every opset asked for, with a dynamic
batch axis where the model allows one (traced at batch 2), then run through `onyx run` at each
batch size and compared with PyTorch: every output must be within relative L2 error 1e-4.

Usage:
  /usr/bin/python3 tests/e2e/sweep.py [--onyx build/onyx] [--filter REGEX] [--opsets 11,13,17]
      [--batches 1,2] [--variant default|nofold|initin] [--results FILE] [--redo] [--keep DIR]
      [--cache DIR] [--threads N] [--timeout S] [--list]
  /usr/bin/python3 tests/e2e/sweep.py --report FILE      (Markdown table of a results file)

--filter picks cases by name (regex searched in the name) so the sweep can run in chunks;
--results appends one JSON line per (case, opset, batch) and skips combinations already in the
file (unless --redo), so an interrupted sweep resumes where it stopped; --report shows the
latest row of each. --keep DIR keeps the models (and their inputs) that did not pass, for
debugging; --cache DIR keeps every exported model so that a rerun with another onyx build
skips the (slow) export. --variant nofold exports without constant folding (shape arithmetic left in the
graph), --variant initin with the weights also listed as graph inputs. A case's own opset list
limits the opsets it runs at (e.g. ops that PyTorch exports only from opset 16). Results:
  PASS    every output within 1e-4
  FAIL    onyx ran, but an output differs (shape or values)
  ERROR   onyx run failed (load or run error, crash, timeout)
  EXPORT  PyTorch could not export the case at that opset (not an onyx problem)
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import warnings

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_models import (AudioCNN, CausalDecoder, Tagger,  # noqa: E402
                          TransformerEncoderWithMask, compare_outputs, run_onyx, small_vit,
                          tv)

warnings.filterwarnings("ignore")

ALL_OPSETS = (11, 13, 17)


class Case:
    """One model: how to build it, its inputs for a batch size, and how it may be exported.

    inputs(b) returns the example inputs for batch b. batch_axes maps input names to their batch
    axis (None: export with static shapes, once per batch size). opsets limits the opsets.
    """

    def __init__(self, name, model, inputs, names, batch_axes=None, opsets=None, batches=None,
                 extra_axes=None, out_axis=0):
        self.name, self.model, self.inputs, self.names = name, model, inputs, names
        self.batch_axes = batch_axes if batch_axes is not None else {n: 0 for n in names}
        self.opsets = opsets
        self.batches = batches
        self.extra_axes = extra_axes or {}  # more dynamic axes: {input: {axis: label}}
        self.out_axis = out_axis  # batch axis of every output (None: outputs left static)


CASES = []


def case(*args, **kwargs):
    CASES.append(Case(*args, **kwargs))



def img(size=64, c=3):
    return lambda b: (torch.randn(b, c, size, size),)


def rnd(*shape):
    return lambda b: (torch.randn(b, *shape),)


class Fn(nn.Module):
    """A module around a function of its inputs (for op-level cases)."""

    def __init__(self, fn, *modules):
        super().__init__()
        self.fn = fn
        self.mods = nn.ModuleList(modules)

    def forward(self, *xs):
        return self.fn(*xs, *self.mods) if len(self.mods) else self.fn(*xs)


def fn(f, *modules):
    return lambda: Fn(f, *[m() for m in modules])


# ---- torchvision classification ----------------------------------------------------------------
for name, size, kw in [
        ("resnet18", 64, {}), ("resnet34", 64, {}), ("resnet50", 64, {}),
        ("resnext50_32x4d", 64, {}), ("wide_resnet50_2", 64, {}),
        ("mobilenet_v2", 64, {}), ("mobilenet_v3_small", 64, {}), ("mobilenet_v3_large", 64, {}),
        ("efficientnet_b0", 64, {}), ("efficientnet_b1", 64, {}), ("efficientnet_b2", 64, {}),
        ("efficientnet_v2_s", 64, {}), ("densenet121", 64, {}), ("densenet161", 64, {}),
        ("shufflenet_v2_x0_5", 64, {}), ("shufflenet_v2_x1_0", 64, {}),
        ("squeezenet1_0", 64, {}), ("squeezenet1_1", 64, {}),
        ("googlenet", 64, {"aux_logits": False, "init_weights": True}),
        ("inception_v3", 80, {"aux_logits": False, "init_weights": True}),
        ("convnext_tiny", 64, {}), ("regnet_x_400mf", 64, {}), ("regnet_y_400mf", 64, {}),
        ("regnet_y_800mf", 64, {}), ("mnasnet0_5", 64, {}), ("mnasnet1_0", 64, {}),
        ("swin_t", 64, {}), ("vit_b_16", 64, {"image_size": 64}),
        ("vgg11", 224, {"num_classes": 10}), ("vgg11_bn", 224, {"num_classes": 10}),
        ("alexnet", 224, {"num_classes": 10}), ("maxvit_t", 224, {})]:
    case(name, tv(name, **kw), img(size), ["x"])

case("vit_small", small_vit, img(32), ["x"])
case("r3d_18", tv("video.r3d_18"), lambda b: (torch.randn(b, 3, 4, 32, 32),), ["x"])
case("r2plus1d_18", tv("video.r2plus1d_18"), lambda b: (torch.randn(b, 3, 4, 32, 32),), ["x"])

# ---- segmentation and detection ----------------------------------------------------------------
for name, size in [("fcn_resnet50", 64), ("deeplabv3_mobilenet_v3_large", 64),
                   ("deeplabv3_resnet50", 64), ("lraspp_mobilenet_v3_large", 64)]:
    case(name, tv("segmentation." + name, weights_backbone=None), img(size), ["x"])


def fpn_backbone(arch):
    def make():
        from torchvision.models.detection.backbone_utils import resnet_fpn_backbone
        return resnet_fpn_backbone(backbone_name=arch, weights=None, trainable_layers=5)
    return make


def mobilenet_fpn():
    from torchvision.models.detection.backbone_utils import mobilenet_backbone
    return mobilenet_backbone(backbone_name="mobilenet_v3_large", weights=None, fpn=True,
                              trainable_layers=6)


case("fpn_resnet18", fpn_backbone("resnet18"), img(64), ["x"])
case("fpn_mobilenet_v3", mobilenet_fpn, img(64), ["x"])


class Detector(nn.Module):
    """A torchvision detector on a batch tensor, returning the first image's detections."""

    def __init__(self, make):
        super().__init__()
        self.net = make()

    def forward(self, x):
        d = self.net(list(x))[0]
        return d["boxes"], d["scores"], d["labels"]


for name in ["fasterrcnn_mobilenet_v3_large_320_fpn", "ssdlite320_mobilenet_v3_large",
             "retinanet_resnet50_fpn"]:
    case(name, (lambda n: lambda: Detector(tv("detection." + n, weights_backbone=None)))(name),
         img(128), ["x"], batch_axes={}, batches=(1,), out_axis=None)

# ---- transformers ------------------------------------------------------------------------------


def causal_mask(n, bool_mask=False):
    """Upper triangle above the diagonal, built without triu (exported only from opset 14)."""
    r = torch.arange(n)
    above = r[None, :] > r[:, None]
    return above if bool_mask else torch.zeros(n, n).masked_fill(above, float("-inf"))


def tokens(seq=12, vocab=100):
    return lambda b: (torch.randint(0, vocab, (b, seq)),)


def tokens_and_mask(seq=12):
    def make(b):
        ids = torch.randint(0, 100, (b, seq))
        mask = torch.ones(b, seq, dtype=torch.int64)
        mask[-1, seq * 2 // 3:] = 0
        return ids, mask
    return make


seq_axes = {"ids": {1: "seq"}, "mask": {1: "seq"}}
case("transformer_encoder_mask", TransformerEncoderWithMask, tokens_and_mask(), ["ids", "mask"],
     extra_axes=seq_axes)
case("causal_decoder", CausalDecoder, tokens(16), ["ids"])


class MiniBert(nn.Module):
    """BERT written as HuggingFace does: additive extended mask, erf GELU, pooler."""

    def __init__(self, vocab=100, d=64, heads=4, layers=2, seq=32):
        super().__init__()
        self.heads = heads
        self.word, self.pos = nn.Embedding(vocab, d), nn.Embedding(seq, d)
        self.token_type = nn.Embedding(2, d)
        self.ln = nn.LayerNorm(d, eps=1e-12)
        self.layers = nn.ModuleList()
        for _ in range(layers):
            self.layers.append(nn.ModuleDict({
                "q": nn.Linear(d, d), "k": nn.Linear(d, d), "v": nn.Linear(d, d),
                "o": nn.Linear(d, d), "ln1": nn.LayerNorm(d, eps=1e-12),
                "up": nn.Linear(d, 4 * d), "down": nn.Linear(4 * d, d),
                "ln2": nn.LayerNorm(d, eps=1e-12)}))
        self.pool = nn.Linear(d, d)

    def split(self, x):
        b, s, d = x.shape
        return x.view(b, s, self.heads, d // self.heads).permute(0, 2, 1, 3)

    def forward(self, ids, mask, types):
        pos = torch.arange(ids.shape[1], dtype=torch.long).unsqueeze(0)
        x = self.ln(self.word(ids) + self.pos(pos) + self.token_type(types))
        ext = (1.0 - mask[:, None, None, :].float()) * -10000.0
        for L in self.layers:
            q, k, v = self.split(L["q"](x)), self.split(L["k"](x)), self.split(L["v"](x))
            s = q @ k.transpose(-1, -2) / (q.shape[-1] ** 0.5) + ext
            a = (s.softmax(-1) @ v).permute(0, 2, 1, 3).contiguous()
            a = a.view(x.shape[0], x.shape[1], -1)
            x = L["ln1"](x + L["o"](a))
            x = L["ln2"](x + L["down"](F.gelu(L["up"](x))))
        return x, torch.tanh(self.pool(x[:, 0]))


def bert_inputs(seq=12):
    def make(b):
        ids, mask = tokens_and_mask(seq)(b)
        types = torch.zeros_like(ids)
        types[:, seq // 2:] = 1
        return ids, mask, types
    return make


case("mini_bert", MiniBert, bert_inputs(), ["ids", "mask", "types"],
     extra_axes={"ids": {1: "seq"}, "mask": {1: "seq"}, "types": {1: "seq"}})


class MiniGPT2(nn.Module):
    """GPT-2 written as HuggingFace does: tril buffer + where, addmm Conv1D, tanh GELU."""

    def __init__(self, vocab=100, d=64, heads=4, layers=2, n_ctx=32):
        super().__init__()
        self.heads = heads
        self.wte, self.wpe = nn.Embedding(vocab, d), nn.Embedding(n_ctx, d)
        self.register_buffer("bias", torch.tril(torch.ones(n_ctx, n_ctx, dtype=torch.bool))
                             .view(1, 1, n_ctx, n_ctx))
        self.blocks = nn.ModuleList()
        for _ in range(layers):
            self.blocks.append(nn.ModuleDict({
                "ln1": nn.LayerNorm(d), "attn": nn.Linear(d, 3 * d), "proj": nn.Linear(d, d),
                "ln2": nn.LayerNorm(d), "fc": nn.Linear(d, 4 * d), "out": nn.Linear(4 * d, d)}))
        self.ln_f = nn.LayerNorm(d)

    def forward(self, ids):
        b, s = ids.shape
        x = self.wte(ids) + self.wpe(torch.arange(s).unsqueeze(0))
        for B in self.blocks:
            h = B["ln1"](x)
            w = B["attn"].weight.t()
            qkv = torch.addmm(B["attn"].bias, h.view(-1, h.shape[-1]), w).view(b, s, -1)
            q, k, v = qkv.split(x.shape[-1], dim=2)
            q, k, v = [t.view(b, s, self.heads, -1).permute(0, 2, 1, 3) for t in (q, k, v)]
            att = torch.matmul(q, k.transpose(-1, -2)) / float(v.shape[-1]) ** 0.5
            causal = self.bias[:, :, :s, :s]
            att = torch.where(causal, att, torch.tensor(torch.finfo(att.dtype).min))
            y = (att.softmax(-1) @ v).permute(0, 2, 1, 3).reshape(b, s, -1)
            x = x + B["proj"](y)
            x = x + B["out"](F.gelu(B["fc"](B["ln2"](x)), approximate="tanh"))
        return self.ln_f(x) @ self.wte.weight.t()


case("mini_gpt2", MiniGPT2, tokens(10), ["ids"], extra_axes={"ids": {1: "seq"}})


class MiniLlama(nn.Module):
    """LLaMA-shaped block: RMSNorm, rotary embeddings, SiLU-gated MLP, causal mask by triu."""

    def __init__(self, vocab=100, d=64, heads=4, layers=2):
        super().__init__()
        self.heads, self.d = heads, d
        self.embed = nn.Embedding(vocab, d)
        self.layers = nn.ModuleList()
        for _ in range(layers):
            self.layers.append(nn.ModuleDict({
                "qkv": nn.Linear(d, 3 * d, bias=False), "o": nn.Linear(d, d, bias=False),
                "gate": nn.Linear(d, 96, bias=False), "up": nn.Linear(d, 96, bias=False),
                "down": nn.Linear(96, d, bias=False)}))
        self.norm_w = nn.Parameter(torch.rand(2 * layers + 1, d) + 0.5)
        self.head = nn.Linear(d, vocab, bias=False)

    def rms(self, x, i):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + 1e-6) * self.norm_w[i]

    def rope(self, x, cos, sin):
        half = x.shape[-1] // 2
        rot = torch.cat((-x[..., half:], x[..., :half]), dim=-1)
        return x * cos + rot * sin

    def forward(self, ids):
        b, s = ids.shape
        hd = self.d // self.heads
        inv = 1.0 / (10000 ** (torch.arange(0, hd, 2).float() / hd))
        t = torch.arange(s).float()
        freqs = torch.einsum("i,j->ij", t, inv)
        emb = torch.cat((freqs, freqs), dim=-1)
        cos, sin = emb.cos()[None, None], emb.sin()[None, None]
        mask = causal_mask(s)
        x = self.embed(ids)
        for i, L in enumerate(self.layers):
            h = self.rms(x, 2 * i)
            q, k, v = L["qkv"](h).view(b, s, 3, self.heads, hd).permute(2, 0, 3, 1, 4)
            q, k = self.rope(q, cos, sin), self.rope(k, cos, sin)
            a = torch.softmax(q @ k.transpose(-1, -2) / hd ** 0.5 + mask, dim=-1) @ v
            x = x + L["o"](a.transpose(1, 2).reshape(b, s, self.d))
            h = self.rms(x, 2 * i + 1)
            x = x + L["down"](F.silu(L["gate"](h)) * L["up"](h))
        return self.head(self.rms(x, -1))


case("mini_llama", MiniLlama, tokens(10), ["ids"], opsets=(12, 13, 14, 17),
     extra_axes={"ids": {1: "seq"}})


class DecoderWithMemory(nn.Module):
    """nn.TransformerDecoder: causal tgt mask, memory padding mask."""

    def __init__(self, d=32, heads=4):
        super().__init__()
        layer = nn.TransformerDecoderLayer(d, heads, 64, dropout=0.0, batch_first=True)
        self.dec = nn.TransformerDecoder(layer, 2)

    def forward(self, tgt, memory, mem_pad):
        n = tgt.shape[1]
        causal = causal_mask(n)
        return self.dec(tgt, memory, tgt_mask=causal, memory_key_padding_mask=mem_pad)


def decoder_inputs(b):
    pad = torch.zeros(b, 9, dtype=torch.bool)
    pad[-1, 6:] = True
    return torch.randn(b, 7, 32), torch.randn(b, 9, 32), pad


case("transformer_decoder", DecoderWithMemory, decoder_inputs, ["tgt", "memory", "mem_pad"])


class FullTransformer(nn.Module):
    def __init__(self, d=32):
        super().__init__()
        self.t = nn.Transformer(d, 4, 2, 2, 64, dropout=0.0)  # sequence-first

    def forward(self, src, tgt):
        mask = causal_mask(tgt.shape[0])
        return self.t(src, tgt, tgt_mask=mask)


case("nn_transformer", FullTransformer,
     lambda b: (torch.randn(9, b, 32), torch.randn(6, b, 32)), ["src", "tgt"],
     batch_axes={"src": 1, "tgt": 1}, out_axis=1)


class MHA(nn.Module):
    def __init__(self, kdim=None, batch_first=True):
        super().__init__()
        self.a = nn.MultiheadAttention(32, 4, kdim=kdim, vdim=kdim, batch_first=batch_first)

    def forward(self, q, kv, pad):
        return self.a(q, kv, kv, key_padding_mask=pad, need_weights=True)


def mha_inputs(kdim=32):
    def make(b):
        pad = torch.zeros(b, 8, dtype=torch.bool)
        pad[-1, 5:] = True
        return torch.randn(b, 6, 32), torch.randn(b, 8, kdim), pad
    return make


case("mha_padding", MHA, mha_inputs(), ["q", "kv", "pad"])
case("mha_kdim", lambda: MHA(kdim=24), mha_inputs(24), ["q", "kv", "pad"])


class MHASelfMask(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.MultiheadAttention(32, 4, batch_first=False)

    def forward(self, x):
        n = x.shape[0]
        mask = causal_mask(n, bool_mask=True)
        return self.a(x, x, x, attn_mask=mask, need_weights=False)[0]


case("mha_bool_causal", MHASelfMask, lambda b: (torch.randn(7, b, 32),), ["x"],
     batch_axes={"x": 1}, out_axis=1)

# ---- recurrent ---------------------------------------------------------------------------------


class RNNRun(nn.Module):
    def __init__(self, cell, states=False, **kw):
        super().__init__()
        self.rnn, self.states = cell(**kw), states

    def forward(self, x, *h):
        if self.states:
            return self.rnn(x, h[0] if len(h) == 1 else tuple(h))
        return self.rnn(x)


def rnn_case(name, cell, batch_first, states=0, **kw):
    layers = kw.get("num_layers", 1) * (2 if kw.get("bidirectional") else 1)
    hidden = kw["hidden_size"]

    def inputs(b):
        x = torch.randn(b, 6, 8) if batch_first else torch.randn(6, b, 8)
        return (x,) + tuple(torch.randn(layers, b, hidden) for _ in range(states))
    names = ["x"] + [f"h{i}" for i in range(states)]
    axes = {"x": 0 if batch_first else 1, **{f"h{i}": 1 for i in range(states)}}
    case(name, lambda: RNNRun(cell, states > 0, input_size=8, batch_first=batch_first, **kw),
         inputs, names, batch_axes=axes, out_axis=None)


rnn_case("lstm_bi_2l_bf", nn.LSTM, True, hidden_size=16, num_layers=2, bidirectional=True)
rnn_case("lstm_seq_first", nn.LSTM, False, hidden_size=12)
rnn_case("lstm_states", nn.LSTM, True, states=2, hidden_size=16, num_layers=2)
rnn_case("lstm_bi_states", nn.LSTM, False, states=2, hidden_size=10, bidirectional=True)
rnn_case("lstm_nobias", nn.LSTM, True, hidden_size=16, bias=False)
rnn_case("gru_bi_2l_bf", nn.GRU, True, hidden_size=16, num_layers=2, bidirectional=True)
rnn_case("gru_seq_first_3l", nn.GRU, False, hidden_size=12, num_layers=3)
rnn_case("gru_states", nn.GRU, True, states=1, hidden_size=16, bidirectional=True)
rnn_case("rnn_tanh_bi", nn.RNN, True, hidden_size=16, bidirectional=True, num_layers=2)
rnn_case("rnn_relu", nn.RNN, False, states=1, hidden_size=16, nonlinearity="relu")


class CellLoop(nn.Module):
    def __init__(self, cell):
        super().__init__()
        self.cell, self.lstm = cell(8, 16), cell is nn.LSTMCell

    def forward(self, x):
        h = torch.zeros(x.shape[0], 16)
        state = (h, h) if self.lstm else h
        outs = []
        for t in range(x.shape[1]):
            state = self.cell(x[:, t], state)
            outs.append(state[0] if self.lstm else state)
        return torch.stack(outs, 1)


for cell in (nn.LSTMCell, nn.GRUCell, nn.RNNCell):
    case(cell.__name__.lower() + "_loop", (lambda c: lambda: CellLoop(c))(cell), rnd(5, 8), ["x"])

case("lstm_tagger", lambda: Tagger(nn.LSTM), tokens(9, 50), ["ids"])
case("gru_tagger", lambda: Tagger(nn.GRU), tokens(9, 50), ["ids"])

# ---- audio -------------------------------------------------------------------------------------
case("audio_cnn1d", AudioCNN, rnd(1, 400), ["wave"])


class Wav2VecFeatures(nn.Module):
    """wav2vec2's feature encoder: strided Conv1d stack, GroupNorm on the first, GELU."""

    def __init__(self):
        super().__init__()
        layers = [nn.Conv1d(1, 32, 10, 5, bias=False), nn.GroupNorm(32, 32), nn.GELU()]
        for k, s in [(3, 2), (3, 2), (2, 2)]:
            layers += [nn.Conv1d(32, 32, k, s, bias=False), nn.GELU()]
        self.net = nn.Sequential(*layers)
        self.proj = nn.Sequential(nn.LayerNorm(32), nn.Linear(32, 48))
        self.pos = nn.Conv1d(48, 48, 9, padding=4, groups=4)

    def forward(self, x):
        h = self.proj(self.net(x.unsqueeze(1)).transpose(1, 2))
        return h + F.gelu(self.pos(h.transpose(1, 2))).transpose(1, 2)


case("wav2vec_features", Wav2VecFeatures, rnd(800), ["wave"])


class TCN(nn.Module):
    """Dilated causal Conv1d blocks with residuals (left padding), depthwise separable."""

    def __init__(self):
        super().__init__()
        self.inp = nn.Conv1d(13, 32, 1)
        self.blocks = nn.ModuleList(
            nn.Sequential(nn.ConstantPad1d((2 * d, 0), 0.0), nn.Conv1d(32, 32, 3, dilation=d,
                          groups=32), nn.Conv1d(32, 32, 1), nn.BatchNorm1d(32), nn.PReLU(32))
            for d in (1, 2, 4))
        self.head = nn.Conv1d(32, 10, 1)

    def forward(self, x):
        h = self.inp(x)
        for b in self.blocks:
            h = h + b(h)
        return F.log_softmax(self.head(h), dim=1)


case("tcn_mfcc", TCN, rnd(13, 50), ["feats"])


class SpectrogramCNN(nn.Module):
    """Log-magnitude spectrogram as a strided Conv1d with windowed DFT kernels, as models that
    must export write it (torch 1.13 cannot export torch.stft), then a small Conv2d."""

    def __init__(self, n_fft=64, hop=16):
        super().__init__()
        self.n_fft, self.hop = n_fft, hop
        k = torch.arange(n_fft // 2 + 1)[:, None] * torch.arange(n_fft)[None] * 2 * np.pi / n_fft
        win = torch.hann_window(n_fft)
        self.register_buffer("basis", (torch.cat([k.cos(), -k.sin()]) * win)[:, None])
        self.conv = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(),
                                  nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 4))

    def forward(self, x):
        x = F.pad(x[:, None], (self.n_fft // 2, self.n_fft // 2), mode="reflect")[:, 0]
        spec = F.conv1d(x[:, None], self.basis, stride=self.hop)
        re, im = spec.chunk(2, 1)
        mag = (re * re + im * im + 1e-6).log()
        return self.conv(mag.unsqueeze(1)), mag


case("spectrogram_cnn", SpectrogramCNN, rnd(400), ["wave"])


class ConvTranspose1dUp(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Conv1d(4, 8, 5, padding=2), nn.Tanh(),
                                 nn.ConvTranspose1d(8, 4, 4, stride=2, padding=1),
                                 nn.ConvTranspose1d(4, 2, 5, stride=3, output_padding=1))

    def forward(self, x):
        return self.net(x)


case("conv_transpose1d_up", ConvTranspose1dUp, rnd(4, 20), ["x"])

# ---- op-level modules --------------------------------------------------------------------------
X4 = rnd(6, 9, 11)  # NCHW
X3 = rnd(5, 16)

case("layer_norm", lambda: nn.LayerNorm(16), X3, ["x"])
case("layer_norm_2d", lambda: nn.LayerNorm([9, 11]), X4, ["x"])
case("gelu_erf", lambda: nn.GELU(), X3, ["x"])
case("gelu_tanh", lambda: nn.GELU(approximate="tanh"), X3, ["x"])
case("group_norm", lambda: nn.GroupNorm(3, 6), X4, ["x"])
case("group_norm_1", lambda: nn.GroupNorm(1, 6, affine=False), X4, ["x"])
case("instance_norm2d", lambda: nn.InstanceNorm2d(6, affine=True), X4, ["x"])
case("instance_norm1d", lambda: nn.InstanceNorm1d(5), X3, ["x"])


def bn_eval():
    m = nn.BatchNorm2d(6)
    m.running_mean.uniform_(-1, 1)
    m.running_var.uniform_(0.5, 2)
    m.weight.data.uniform_(0.5, 1.5)
    m.bias.data.uniform_(-1, 1)
    return m


case("batch_norm2d", bn_eval, X4, ["x"])
case("einsum_bmm", fn(lambda a, b: torch.einsum("bij,bjk->bik", a, b)),
     lambda b: (torch.randn(b, 3, 4), torch.randn(b, 4, 5)), ["a", "b"], opsets=(12, 13, 17))
case("einsum_attn", fn(lambda q, k: torch.einsum("bhid,bhjd->bhij", q, k)),
     lambda b: (torch.randn(b, 2, 5, 8), torch.randn(b, 2, 6, 8)), ["q", "k"],
     opsets=(12, 13, 17))
case("einsum_outer_sum", fn(lambda a, b: (torch.einsum("bi,bj->bij", a, b),
                                          torch.einsum("bij->b", a[:, :, None] * b[:, None]),
                                          torch.einsum("bi,bi->b", a, a))),
     lambda b: (torch.randn(b, 3), torch.randn(b, 4)), ["a", "b"], opsets=(12, 13, 17))
case("einsum_transpose", fn(lambda a: torch.einsum("bijk->bkji", a)), rnd(2, 3, 4), ["a"],
     opsets=(12, 13, 17))

# interpolate: every mode, align_corners both ways, scales and sizes, up and down
for mode, dims in [("nearest", 2), ("bilinear", 2), ("bicubic", 2), ("linear", 1),
                   ("trilinear", 3)]:
    shape = {1: (3, 10), 2: (3, 7, 9), 3: (2, 4, 5, 6)}[dims]
    corners = [None] if mode == "nearest" else [False, True]
    for ac in corners:
        tag = "" if ac is None else ("_ac1" if ac else "_ac0")
        case(f"interp_{mode}{tag}_x2",
             fn((lambda m, a: lambda x: F.interpolate(x, scale_factor=2.0, mode=m,
                                                       align_corners=a))(mode, ac)),
             rnd(*shape), ["x"])
        size = {1: (17,), 2: (12, 5), 3: (7, 3, 9)}[dims]
        case(f"interp_{mode}{tag}_size",
             fn((lambda m, a, s: lambda x: F.interpolate(x, size=s, mode=m,
                                                          align_corners=a))(mode, ac, size)),
             rnd(*shape), ["x"])
case("interp_nearest_down", fn(lambda x: F.interpolate(x, scale_factor=0.5, mode="nearest")),
     rnd(3, 8, 10), ["x"])
case("interp_bilinear_down", fn(lambda x: F.interpolate(x, scale_factor=0.5, mode="bilinear")),
     rnd(3, 8, 10), ["x"])
case("interp_bilinear_odd_scale",
     fn(lambda x: F.interpolate(x, scale_factor=1.7, mode="bilinear", align_corners=False)),
     rnd(3, 7, 9), ["x"])
case("interp_nearest_odd_scale", fn(lambda x: F.interpolate(x, scale_factor=1.5,
                                                            mode="nearest")),
     rnd(3, 7, 9), ["x"])
case("interp_dynamic_size", fn(lambda x, y: F.interpolate(x, size=y.shape[-2:],
                                                          mode="bilinear")),
     lambda b: (torch.randn(b, 3, 5, 6), torch.randn(b, 1, 11, 13)), ["x", "y"],
     extra_axes={"y": {2: "h", 3: "w"}})
case("upsample_nearest_module", lambda: nn.Upsample(scale_factor=3), rnd(2, 4, 5), ["x"])
case("pixel_shuffle", lambda: nn.PixelShuffle(2), rnd(8, 5, 6), ["x"])
case("pixel_unshuffle", lambda: nn.PixelUnshuffle(2), rnd(2, 6, 8), ["x"])

case("adaptive_avg_pool", lambda: nn.AdaptiveAvgPool2d((3, 4)), rnd(4, 12, 12), ["x"])
case("adaptive_max_pool", lambda: nn.AdaptiveMaxPool2d((3, 4)), rnd(4, 12, 12), ["x"])
case("adaptive_avg_pool1d", lambda: nn.AdaptiveAvgPool1d(4), rnd(4, 12), ["x"])
case("max_pool_ceil", lambda: nn.MaxPool2d(3, 2, ceil_mode=True), rnd(3, 10, 11), ["x"])
case("max_pool_pad_ceil", lambda: nn.MaxPool2d(3, 2, padding=1, ceil_mode=True),
     rnd(3, 10, 11), ["x"])
case("max_pool_dilation", lambda: nn.MaxPool2d(3, 1, padding=1, dilation=2), rnd(3, 10, 11),
     ["x"])
case("max_pool_indices", lambda: nn.MaxPool2d(2, 2, return_indices=True), rnd(3, 8, 10), ["x"])
case("max_pool_indices_pad", lambda: nn.MaxPool2d(3, 2, padding=1, return_indices=True,
                                                  ceil_mode=True),
     rnd(3, 9, 10), ["x"])


case("max_pool1d_ceil", lambda: nn.MaxPool1d(3, 2, ceil_mode=True), rnd(4, 14), ["x"])
case("max_pool3d", lambda: nn.MaxPool3d(2, 2, padding=1), rnd(2, 5, 6, 7), ["x"])
case("avg_pool_ceil_nopad", lambda: nn.AvgPool2d(3, 2, padding=1, ceil_mode=True,
                                                 count_include_pad=False), rnd(3, 10, 11), ["x"])
case("avg_pool_pad_include", lambda: nn.AvgPool2d(3, 2, padding=1), rnd(3, 10, 11), ["x"])
case("avg_pool_ceil_include", lambda: nn.AvgPool2d(3, 2, padding=1, ceil_mode=True),
     rnd(3, 10, 11), ["x"])
case("avg_pool1d", lambda: nn.AvgPool1d(4, 3, padding=2), rnd(4, 14), ["x"])
case("lp_pool", lambda: nn.LPPool2d(2, 3, 2), rnd(3, 10, 11), ["x"])
case("conv_transpose_outpad_groups",
     lambda: nn.ConvTranspose2d(4, 6, 3, stride=2, padding=1, output_padding=1, groups=2),
     rnd(4, 5, 6), ["x"])
case("conv_transpose_dilation",
     lambda: nn.ConvTranspose2d(3, 4, 3, stride=3, padding=2, dilation=2, output_padding=1),
     rnd(3, 5, 6), ["x"])
case("conv_transpose3d", lambda: nn.ConvTranspose3d(2, 3, 3, stride=2, padding=1),
     rnd(2, 3, 4, 5), ["x"])
case("conv_asym_stride", lambda: nn.Conv2d(3, 4, (3, 5), stride=(2, 1), padding=(1, 2)),
     rnd(3, 9, 10), ["x"])
# not "circular": torch 1.13 exports its wrap-around slices one row off (x[-3:-1] for pad 2)
for mode in ("reflect", "replicate"):
    case(f"conv_pad_{mode}", (lambda m: lambda: nn.Conv2d(3, 4, 3, padding=2,
                                                          padding_mode=m))(mode),
         rnd(3, 7, 8), ["x"])
case("conv3d", lambda: nn.Conv3d(2, 4, 3, stride=(1, 2, 2), padding=1), rnd(2, 5, 6, 7), ["x"])
case("depthwise_conv", lambda: nn.Conv2d(6, 12, 3, groups=6, padding=1), rnd(6, 9, 10), ["x"])
case("pad_modes", fn(lambda x: (F.pad(x, (1, 2, 0, 3), mode="reflect"),
                                F.pad(x, (2, 1, 3, 0), mode="replicate"),
                                F.pad(x, (1, 1, 2, 2), value=1.5),
                                F.pad(x, (-1, 2, 1, -2)))),
     X4, ["x"])

case("cumsum", fn(lambda x: (torch.cumsum(x, 1), torch.cumsum(x, -1))), X3, ["x"])
case("cumsum_reverse", fn(lambda x: x.flip(1).cumsum(1).flip(1)), X3, ["x"])
case("topk", fn(lambda x: (torch.topk(x, 3, dim=-1), torch.topk(x, 2, dim=1, largest=False))),
     X3, ["x"])
case("sort_argsort", fn(lambda x: (torch.sort(x, dim=-1, descending=True),
                                   torch.argsort(x, dim=1))), X3, ["x"])
case("argmax_argmin", fn(lambda x: (x.argmax(-1), x.argmin(1, keepdim=True),
                                    x.max(dim=1), x.min(-1))), X3, ["x"])
case("where", fn(lambda x, y: (torch.where(x > 0, x, y), torch.where(x > y, y, torch.tensor(0.0)))),
     lambda b: (torch.randn(b, 5, 16), torch.randn(b, 1, 16)), ["x", "y"])
case("masked_fill", fn(lambda x, m: (x.masked_fill(m, -1e4), x.masked_fill(x < 0, 0.0))),
     lambda b: (torch.randn(b, 5, 16), torch.rand(b, 1, 16) > 0.5), ["x", "m"])


def gather_inputs(b):
    x = torch.randn(b, 5, 7)
    return x, torch.randint(0, 5, (b, 3, 7)), torch.randint(0, 7, (4,))


case("gather_index_select",
     fn(lambda x, i, j: (torch.gather(x, 1, i), torch.index_select(x, 2, j), x[:, :, j],
                         x[:, 1:4:2, -3:], x[:, -1])),
     gather_inputs, ["x", "i", "j"], batch_axes={"x": 0, "i": 0})
case("scatter", fn(lambda x, i: (x.scatter(1, i[:, :2, :], 1.5),
                                 x.scatter(1, i[:, :1, :], x[:, :1] * 2))),
     lambda b: gather_inputs(b)[:2], ["x", "i"])


def perm_inputs(b):
    x = torch.randn(b, 5, 7)
    return x, torch.stack([torch.randperm(5)[:3] for _ in range(b)])[:, :, None].expand(b, 3, 7)


case("scatter_add", fn(lambda x, i: x.scatter_add(1, i, torch.ones_like(x[:, :3]))),
     perm_inputs, ["x", "i"], opsets=(16, 17))
case("index_put", fn(lambda x, m: torch.index_put(x, (m,), torch.tensor(0.0))),
     lambda b: (torch.randn(b, 4, 6), torch.rand(b, 4, 6) > 0.5), ["x", "m"])
case("bool_index", fn(lambda x: x[x > 0]), X3, ["x"], out_axis=None)
case("nonzero", fn(lambda x: torch.nonzero(x > 0.5)), X3, ["x"], out_axis=None)
for mode in ("sum", "mean", "max"):
    case(f"embedding_bag_{mode}", (lambda m: lambda: Fn(
        lambda ids, bag: bag(ids), nn.EmbeddingBag(20, 8, mode=m)))(mode),
        lambda b: (torch.randint(0, 20, (b, 4)),), ["ids"])
case("embedding_bag_offsets", lambda: Fn(lambda ids, off, bag: bag(ids, off),
                                         nn.EmbeddingBag(20, 8, mode="mean")),
     lambda b: (torch.randint(0, 20, (10,)), torch.tensor([0, 3, 5, 7])), ["ids", "off"],
     batch_axes={}, batches=(1,), out_axis=None)
case("std_var", fn(lambda x: (x.std(1), x.var(-1, unbiased=False, keepdim=True),
                              torch.std(x), torch.var_mean(x, 1))), X3, ["x"],
     out_axis=None)
case("norms", fn(lambda x: (x.norm(dim=-1), x.norm(p=1, dim=1), torch.norm(x),
                            F.normalize(x, dim=-1), torch.linalg.vector_norm(x, 3, dim=-1),
                            F.cosine_similarity(x[:, :1], x, dim=-1))), X3, ["x"],
     out_axis=None)
case("reductions", fn(lambda x: (torch.logsumexp(x, -1), x.amax((1, 2)), x.prod(1),
                                 x.mean((0, 2), keepdim=True), x.sum(), x.abs().sqrt().sum(-1),
                                 x.max(), x.min())), X3, ["x"], out_axis=None)
case("softmax_dims", fn(lambda x: (x.softmax(1), x.log_softmax(-1), x.softmax(0),
                                   x.softmax(2))), X4, ["x"])
acts = {
    "prelu": lambda: nn.PReLU(6), "hardswish": nn.Hardswish, "hardsigmoid": nn.Hardsigmoid,
    "silu": nn.SiLU, "mish": nn.Mish, "softplus": lambda: nn.Softplus(beta=2.0),
    "elu": lambda: nn.ELU(0.7), "selu": nn.SELU, "celu": lambda: nn.CELU(1.3),
    "leaky_relu": lambda: nn.LeakyReLU(0.2), "logsigmoid": nn.LogSigmoid,
    "glu": lambda: nn.GLU(1), "relu6": nn.ReLU6, "hardtanh": lambda: nn.Hardtanh(-2, 3),
    "softsign": nn.Softsign, "tanhshrink": nn.Tanhshrink,
    "hardshrink": nn.Hardshrink, "softshrink": nn.Softshrink, "sigmoid_tanh":
    lambda: nn.Sequential(nn.Sigmoid(), nn.Tanh()), "softmin": lambda: nn.Softmin(1),
}
for n, m in acts.items():
    case("act_" + n, m, X4, ["x"])


def two(b):
    return torch.randn(b, 4, 6), torch.randn(b, 4, 6)


case("math_binary", fn(lambda x, y: (x.pow(2) + y.abs().pow(0.5),
                                     torch.remainder(x, 0.7), torch.fmod(x, 0.7),
                                     torch.div(x * 10, 3, rounding_mode="floor"), x.sign(),
                                     torch.round(x * 3), x.clamp(-0.5, 0.5),
                                     x.clamp(min=y), torch.maximum(x, y), x.reciprocal(),
                                     x.rsqrt().nan_to_num(0.0), torch.erf(x), x.exp().log1p(),
                                     x.ceil(), x.floor())),
     two, ["x", "y"])
case("math_int", fn(lambda x: (torch.div(x, 3, rounding_mode="floor"), x % 3, x * 2 - 1, torch.div(x, 2, rounding_mode="trunc"),
                               x.float() / 4, (x > 2) & (x < 8), ~(x == 3), x.abs().max(1))),
     lambda b: (torch.randint(-10, 10, (b, 5, 6)),), ["x"], out_axis=None)
case("isnan_logical", fn(lambda x: (torch.isnan(x.log()), torch.isinf(1 / x.round()),
                                    torch.logical_xor(x > 0, x < 0.5),
                                    (~(x > 0)).any(1), (x > 0).all(-1))),
     X3, ["x"])
case("shape_ops", fn(lambda x: (x.flip(1), x.flip(-1, 0), x.roll(2, 1), x.repeat(1, 2, 1),
                                x[:, :1].expand(-1, 4, -1), x.permute(2, 0, 1),
                                x.transpose(0, 1), x.reshape(x.shape[0], -1),
                                x.unsqueeze(1).squeeze(1), x.flatten(1), x.view(x.shape[0], x.shape[1], 4, 4),
                                torch.stack([x, -x], 1), torch.cat([x, x * 2], -1),
                                *x.chunk(2, -1), *x.split([1, 4], 1), x.narrow(2, 3, 5),
                                x.transpose(-1, -2))), X3, ["x"], out_axis=None)
case("tril_triu", fn(lambda x: (x.tril(), x.triu(1), x.tril(-2))), rnd(5, 5), ["x"],
     opsets=(14, 17))
case("tril_triu_export_where", fn(lambda x: x * torch.ones(5, 5).tril()), rnd(5, 5), ["x"])
case("constant_shapes", fn(lambda x: (torch.zeros_like(x), torch.full_like(x, 2.5),
                                      torch.ones(x.shape[0], 3), x.new_zeros(x.shape[1]),
                                      torch.arange(x.shape[1]) * 2,
                                      torch.arange(1, x.shape[-1], 3).float(),
                                      F.one_hot(x.argmax(-1), 16))),
     X3, ["x"], out_axis=None)
case("repeat_interleave", fn(lambda x: (x.repeat_interleave(2, dim=1),
                                        torch.repeat_interleave(x, 3, dim=-1))), X3, ["x"],
     opsets=(13, 17))
case("matmuls", fn(lambda a, b: (a @ b, torch.bmm(a, b), torch.baddbmm(a[:, :, :2], a, b[:, :, :2]),
                                 torch.matmul(a[:, None], b[None]),
                                 torch.matmul(a[0], b[0][:, 0]),
                                 torch.addmm(b[0, 0], a[0], b[0], beta=0.5, alpha=2.0))),
     lambda b: (torch.randn(b, 3, 4), torch.randn(b, 4, 5)), ["a", "b"], out_axis=None)
case("casts", fn(lambda x: (x.half().float(), x.to(torch.int32), x.double() * 2,
                            (x > 0).to(torch.uint8), x.long().float(), x.bool(),
                            x.to(torch.int8))),
     lambda b: (torch.randn(b, 5, 6) * 10,), ["x"])
case("meshgrid", fn(lambda a, b: torch.meshgrid(a[0], b[0], indexing="ij")),
     lambda b: (torch.randn(b, 4), torch.randn(b, 5)), ["a", "b"], out_axis=None)
case("grid_sample", fn(lambda x, g: (F.grid_sample(x, g, align_corners=False),
                                     F.grid_sample(x, g, mode="nearest", align_corners=True,
                                                   padding_mode="border"),
                                     F.grid_sample(x, g, mode="bicubic", padding_mode="reflection",
                                                   align_corners=False))),
     lambda b: (torch.randn(b, 3, 6, 7), torch.rand(b, 4, 5, 2) * 2.4 - 1.2), ["x", "g"],
     opsets=(16, 17))


def roi_inputs(b):
    boxes = torch.tensor([[0, 1.0, 1.0, 20.0, 25.0], [0, 5.5, 3.2, 14.1, 9.9],
                          [0, 0.0, 0.0, 31.0, 31.0]])
    boxes[:, 0] = torch.arange(3) % b
    return torch.randn(b, 4, 32, 32), boxes


def roi_align(aligned):
    def f(x, boxes):
        import torchvision
        return torchvision.ops.roi_align(x, boxes, (4, 5), spatial_scale=0.5, sampling_ratio=2,
                                         aligned=aligned)
    return fn(f)


# aligned=False only below opset 16: torchvision 0.14 exports it through its opset-11 symbolic,
# which leaves RoiAlign's coordinate_transformation_mode unset; from opset 16 unset means
# half_pixel (aligned=True semantics), so the file itself disagrees with PyTorch there (onyx
# follows the file: 13 passes, 16 and 17 differ by the half-pixel shift).
case("roi_align", roi_align(False), roi_inputs, ["x", "boxes"], batch_axes={}, out_axis=None,
     opsets=(11, 12, 13, 14, 15))
case("roi_align_aligned", roi_align(True), roi_inputs, ["x", "boxes"], batch_axes={},
     out_axis=None, opsets=(16, 17))
case("roi_pool", fn(lambda x, boxes: __import__("torchvision").ops.roi_pool(x, boxes, (3, 3),
                                                                            0.5)),
     roi_inputs, ["x", "boxes"], batch_axes={}, out_axis=None)


def nms_inputs(b):
    xy = torch.rand(20, 2) * 50
    wh = torch.rand(20, 2) * 20 + 5
    return torch.cat([xy, xy + wh], 1), torch.rand(20)


case("nms", fn(lambda boxes, scores: __import__("torchvision").ops.nms(boxes, scores, 0.4)),
     nms_inputs, ["boxes", "scores"], batch_axes={}, batches=(1,), out_axis=None)


# ---- running -----------------------------------------------------------------------------------


def flatten(out):
    if isinstance(out, torch.Tensor):
        return [out]
    if isinstance(out, dict):
        out = list(out.values())
    res = []
    for o in out:
        res += flatten(o)
    return res


# export variants (--variant): keyword arguments of torch.onnx.export
VARIANTS = {
    "default": {},
    "nofold": {"do_constant_folding": False},  # the raw shape arithmetic stays in the graph
    "initin": {"keep_initializers_as_inputs": True},  # weights also listed as graph inputs
}


def export(c, model, inputs, path, opset, dynamic, variant):
    n_out = len(flatten(model(*inputs)))
    out_names = [f"out{i}" for i in range(n_out)]
    axes = {}
    if dynamic:
        for n, ax in c.batch_axes.items():
            axes.setdefault(n, {})[ax] = "batch"
        if c.out_axis is not None:
            for n in out_names:
                axes[n] = {c.out_axis: "batch"}
    for n, more in c.extra_axes.items():
        axes.setdefault(n, {}).update(more)
    kwargs = dict({"do_constant_folding": True}, **VARIANTS[variant])
    torch.onnx.export(model, inputs, path, opset_version=opset, input_names=c.names,
                      output_names=out_names, dynamic_axes=axes or None, **kwargs)


def run_case(c, opset, batches, args, log):
    torch.manual_seed(0)
    model = c.model()
    model.eval()
    dynamic = bool(c.batch_axes)
    with tempfile.TemporaryDirectory() as work:
        path = None
        for b in sorted(batches, reverse=True):  # a dynamic model is traced at the largest
            torch.manual_seed(b)
            inputs = c.inputs(b)
            row = {"model": row_name(c, args), "opset": opset, "batch": b}
            if path is None or not dynamic:
                stem = f"{row['model']}_{opset}" + ("" if dynamic else f"_b{b}")
                path = os.path.join(args.cache or work, stem + ".onnx")
                t0 = time.time()
                try:
                    if not os.path.exists(path):
                    # Export with autograd on: in no-grad eval mode PyTorch takes the fused
                    # "fast path" of its transformer layers, which torch.onnx cannot export.
                        export(c, model, tuple(inputs), path + ".part", opset, dynamic,
                               args.variant)
                        os.replace(path + ".part", path)
                except Exception as e:  # noqa: BLE001 - report every export problem
                    msg = f"{type(e).__name__}: {str(e).strip().splitlines()[0][:200]}"
                    for bb in batches:
                        log(dict(row, batch=bb, result="EXPORT", detail=msg))
                    return
                export_s = time.time() - t0
            with torch.no_grad():
                expected = [t.numpy() for t in flatten(model(*inputs))]
            t0 = time.time()
            error, errs = run_onyx(args.onyx, path, c.names, [t.numpy() for t in inputs],
                                   work, threads=args.threads, timeout=args.timeout)
            if error is None:
                error, errs = compare_outputs(path, expected, work)
                result = "PASS" if error is None else "FAIL"
            else:
                result = "ERROR"
            row.update(result=result, rel_l2=max(errs) if errs else None,
                       export_s=round(export_s, 1), run_s=round(time.time() - t0, 1))
            if error:
                row["detail"] = error[:300]
                if args.keep:
                    keep = os.path.join(args.keep, f"{row['model']}_{opset}_b{b}")
                    shutil.rmtree(keep, ignore_errors=True)
                    os.makedirs(keep)
                    shutil.copy(path, os.path.join(keep, "model.onnx"))
                    for n, t in zip(c.names, inputs):
                        np.save(os.path.join(keep, n + ".npy"), t.numpy())
                    for i, e in enumerate(expected):
                        np.save(os.path.join(keep, f"expected_out{i}.npy"), e)
            log(row)


def row_name(c, args):
    return c.name if args.variant == "default" else f"{c.name}+{args.variant}"


def fmt_row(r):
    err = "" if r.get("rel_l2") is None else f"{r['rel_l2']:.2e}"
    return f"| {r['model']} | {r['opset']} | {r['batch']} | {r['result']} | {err} | " \
           f"{r.get('detail', '')[:160]} |"


def report(path):
    rows = {}
    with open(path) as f:
        for line in f:
            r = json.loads(line)
            rows[(r["model"], r["opset"], r["batch"])] = r
    order = {c.name: i for i, c in enumerate(CASES)}
    print("| model | opset | batch | result | rel L2 | detail |")
    print("| --- | --- | --- | --- | --- | --- |")
    counts = {}
    for k in sorted(rows, key=lambda k: (order.get(k[0].split("+")[0], 1e9), k[0], k[1], k[2])):
        print(fmt_row(rows[k]))
        counts[rows[k]["result"]] = counts.get(rows[k]["result"], 0) + 1
    print("\n" + ", ".join(f"{v} {k}" for k, v in sorted(counts.items())))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--onyx", default="build/onyx")
    p.add_argument("--filter", default="")
    p.add_argument("--exclude", default=None, help="regex of case names to leave out")
    p.add_argument("--opsets", default=",".join(map(str, ALL_OPSETS)))
    p.add_argument("--batches", default="1,2")
    p.add_argument("--results", help="JSON-lines file: appended to, finished rows skipped")
    p.add_argument("--redo", action="store_true", help="rerun rows already in --results "
                   "(the report shows the latest)")
    p.add_argument("--keep", help="folder for the models that do not pass")
    p.add_argument("--cache", help="folder keeping every exported model: a rerun (e.g. with "
                   "another onyx build) skips exporting the ones already there")
    p.add_argument("--variant", choices=sorted(VARIANTS), default="default",
                   help="export variant; rows are named CASE+VARIANT")
    p.add_argument("--threads", type=int, default=0)
    p.add_argument("--timeout", type=int, default=600)
    p.add_argument("--list", action="store_true")
    p.add_argument("--report", metavar="FILE")
    args = p.parse_args()
    if args.report:
        report(args.report)
        return 0
    cases = [c for c in CASES if re.search(args.filter, c.name)
             and not (args.exclude and re.search(args.exclude, c.name))]
    if args.list:
        print("\n".join(c.name for c in cases))
        return 0
    args.onyx = os.path.abspath(args.onyx)
    if args.cache:
        os.makedirs(args.cache, exist_ok=True)
    done = set()
    if args.results and os.path.exists(args.results) and not args.redo:
        with open(args.results) as f:
            done = {(r["model"], r["opset"], r["batch"]) for r in map(json.loads, f)}
    opsets = [int(o) for o in args.opsets.split(",")]
    batches = [int(b) for b in args.batches.split(",")]
    bad = 0

    def log(row):
        nonlocal bad
        bad += row["result"] in ("FAIL", "ERROR")
        print(fmt_row(row), flush=True)
        if args.results:
            with open(args.results, "a") as f:
                f.write(json.dumps(row) + "\n")

    for c in cases:
        for opset in opsets:
            if c.opsets and opset not in c.opsets:
                continue
            todo = [b for b in c.batches or batches if (row_name(c, args), opset, b) not in done]
            if todo:
                run_case(c, opset, todo, args, log)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
