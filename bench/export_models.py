#!/usr/bin/python3
"""Exports the benchmark's neural-network models to bench/models/ with torch.onnx.export.

Every model has random weights (fixed seed: the figures are about speed, not accuracy), a dynamic
batch axis, and one fixed input file per batch size (.npy) so that onyx and ONNX Runtime get the
very same inputs. bench/models/manifest.json lists what was written; run.py reads it.

  /usr/bin/python3 bench/export_models.py [--models resnet50,bert_base] [--batches 1,8]
  /usr/bin/python3 bench/export_models.py --variants   # further models of the same families

The variants (VARIANTS below: other depths and widths of each family) are not part of the suite's
table; run.py --variants measures them the same way, as a check that a speed-up is not tuned to
the suite's exact models.

The tree ensemble is written by make_tree_ensemble.py, which this script runs last (unless
--models excludes "tree_ensemble").
"""
import argparse
import json
import math
import os
import subprocess
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torchvision

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
MODELS_DIR = os.path.join(BENCH_DIR, "models")
OPSET = 17  # the newest opset torch 1.13 exports; LayerNorm becomes LayerNormalization
SEED = 1234
SEQ_LEN = 128


def make_layers_distinct(encoder):
    """nn.TransformerEncoder deep-copies one layer, so all its layers start with the same weights,
    and the exporter then stores them once (Identity nodes): a model 12x smaller than the real one.
    A different random nudge per layer gives every layer its own weights."""
    with torch.no_grad():
        for layer in encoder.layers:
            for p in layer.parameters():
                p.add_(torch.randn_like(p) * 0.02)


class BertEncoder(nn.Module):
    """BERT-base-shaped encoder: token + position + segment embeddings, LayerNorm, 12 post-LN
    encoder layers (hidden 768, 12 heads, FFN 3072, GELU); returns the last hidden state."""

    def __init__(self, vocab=30522, hidden=768, heads=12, layers=12, ffn=3072, max_pos=512):
        super().__init__()
        self.word = nn.Embedding(vocab, hidden)
        self.position = nn.Embedding(max_pos, hidden)
        self.segment = nn.Embedding(2, hidden)
        self.norm = nn.LayerNorm(hidden, eps=1e-12)
        layer = nn.TransformerEncoderLayer(hidden, heads, ffn, dropout=0.0, activation="gelu",
                                           batch_first=True, layer_norm_eps=1e-12)
        # enable_nested_tensor=False: the nested-tensor fast path cannot be traced.
        self.encoder = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
        make_layers_distinct(self.encoder)

    def forward(self, input_ids, attention_mask):
        seq = input_ids.shape[1]
        positions = torch.arange(seq, device=input_ids.device).unsqueeze(0)
        x = self.word(input_ids) + self.position(positions) + self.segment(torch.zeros_like(input_ids))
        x = self.norm(x)
        # BERT's mask: 1 = attend, 0 = padding. PyTorch's key-padding mask is True = ignore.
        return self.encoder(x, src_key_padding_mask=attention_mask == 0)


class Gpt2Decoder(nn.Module):
    """GPT-2-small-shaped decoder: token + position embeddings, 12 pre-LN layers with a causal
    mask (hidden 768, 12 heads, FFN 3072, GELU), final LayerNorm, LM head tied to the token
    embedding (vocabulary 50257); returns the logits of every position."""

    def __init__(self, vocab=50257, hidden=768, heads=12, layers=12, ffn=3072, max_pos=1024):
        super().__init__()
        self.token = nn.Embedding(vocab, hidden)
        self.position = nn.Embedding(max_pos, hidden)
        layer = nn.TransformerEncoderLayer(hidden, heads, ffn, dropout=0.0, activation="gelu",
                                           batch_first=True, norm_first=True, layer_norm_eps=1e-5)
        self.blocks = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
        make_layers_distinct(self.blocks)
        self.final_norm = nn.LayerNorm(hidden, eps=1e-5)
        self.lm_head = nn.Linear(hidden, vocab, bias=False)
        self.lm_head.weight = self.token.weight  # tied, as in GPT-2

    def forward(self, input_ids):
        seq = input_ids.shape[1]
        positions = torch.arange(seq, device=input_ids.device).unsqueeze(0)
        x = self.token(input_ids) + self.position(positions)
        causal = torch.triu(torch.full((seq, seq), float("-inf")), diagonal=1)
        x = self.blocks(x, mask=causal)
        return self.lm_head(self.final_norm(x))


class LstmTagger(nn.Module):
    """Sequence tagger: embedding (vocabulary 10000, 128) -> 2-layer bidirectional LSTM
    (hidden 256) -> linear layer to 20 tag scores per token. cell=nn.GRU gives the GRU tagger of
    the same shape."""

    def __init__(self, vocab=10000, embed=128, hidden=256, layers=2, tags=20, cell=nn.LSTM):
        super().__init__()
        self.embed = nn.Embedding(vocab, embed)
        self.lstm = cell(embed, hidden, num_layers=layers, bidirectional=True, batch_first=True)
        self.classify = nn.Linear(2 * hidden, tags)

    def forward(self, tokens):
        out, _ = self.lstm(self.embed(tokens))
        return self.classify(out)


def vision_transformer(heads, hidden, mlp, patch=16):
    """torchvision's VisionTransformer, 224x224, 12 layers, of the given widths and patch size."""
    from torchvision.models.vision_transformer import VisionTransformer
    model = VisionTransformer(image_size=224, patch_size=patch, num_layers=12, num_heads=heads,
                              hidden_dim=hidden, mlp_dim=mlp, num_classes=1000)
    # torchvision zero-initialises the classification head, which would make every logit 0 and
    # the benchmark's output check compare zeros with zeros.
    torch.nn.init.normal_(model.heads.head.weight, std=0.02)
    torch.nn.init.normal_(model.heads.head.bias, std=0.02)
    return model


def vit_small():
    """ViT-S/16 (hidden 384, 6 heads, MLP 1536): DeiT-S sizes, a quarter of vit_b_16's compute."""
    return vision_transformer(6, 384, 1536)


def image_input(batch, rng):
    return {"input": rng.standard_normal((batch, 3, 224, 224), dtype=np.float32)}


def bert_input(batch, rng):
    ids = rng.integers(1000, 30000, size=(batch, SEQ_LEN), dtype=np.int64)
    mask = np.ones((batch, SEQ_LEN), dtype=np.int64)
    # Pad the tail of every other sequence so that the mask does something.
    for b in range(1, batch, 2):
        keep = SEQ_LEN - 16 * ((b // 2) % 4 + 1)
        ids[b, keep:] = 0
        mask[b, keep:] = 0
    return {"input_ids": ids, "attention_mask": mask}


def gpt2_input(batch, rng):
    return {"input_ids": rng.integers(0, 50257, size=(batch, SEQ_LEN), dtype=np.int64)}


def lstm_input(batch, rng):
    return {"tokens": rng.integers(0, 10000, size=(batch, SEQ_LEN), dtype=np.int64)}


# name -> (constructor, input maker, output names, description)
MODELS = {
    "resnet50": (lambda: torchvision.models.resnet50(weights=None), image_input, ["logits"],
                 "torchvision resnet50, 224x224"),
    "mobilenet_v2": (lambda: torchvision.models.mobilenet_v2(weights=None), image_input,
                     ["logits"], "torchvision mobilenet_v2, 224x224"),
    "efficientnet_b0": (lambda: torchvision.models.efficientnet_b0(weights=None), image_input,
                        ["logits"], "torchvision efficientnet_b0, 224x224"),
    "densenet121": (lambda: torchvision.models.densenet121(weights=None), image_input,
                    ["logits"], "torchvision densenet121, 224x224"),
    "vit_s16": (vit_small, image_input, ["logits"],
                "ViT-S/16 (torchvision VisionTransformer, hidden 384, 6 heads, 12 layers), 224x224"),
    "bert_base": (BertEncoder, bert_input, ["last_hidden_state"],
                  "BERT-base-shaped encoder (12 layers, hidden 768, 12 heads), seq 128, attention mask"),
    "gpt2_small": (Gpt2Decoder, gpt2_input, ["logits"],
                   "GPT-2-small-shaped decoder (12 layers, hidden 768, causal mask, LM head 50257), seq 128"),
    "lstm_tagger": (LstmTagger, lstm_input, ["tag_scores"],
                    "2-layer bidirectional LSTM tagger (embed 128, hidden 256, 20 tags), seq 128"),
    "gru_tagger": (lambda: LstmTagger(cell=nn.GRU), lstm_input, ["tag_scores"],
                   "2-layer bidirectional GRU tagger (embed 128, hidden 256, 20 tags), seq 128"),
}


def vit_tiny():
    """ViT-Ti/16-sized (hidden 192, 3 heads, MLP 768, 12 layers), 224x224."""
    return vision_transformer(3, 192, 768)


def vit_base():
    """ViT-B/16-sized (hidden 768, 12 heads, MLP 3072, 12 layers), 224x224."""
    return vision_transformer(12, 768, 3072)


# Further models of the suite's families, exported by --variants (not in the suite's table).
VARIANTS = {
    "resnet18": (lambda: torchvision.models.resnet18(weights=None), image_input, ["logits"],
                 "torchvision resnet18, 224x224"),
    "mobilenet_v3_large": (lambda: torchvision.models.mobilenet_v3_large(weights=None),
                           image_input, ["logits"], "torchvision mobilenet_v3_large, 224x224"),
    "efficientnet_b1": (lambda: torchvision.models.efficientnet_b1(weights=None), image_input,
                        ["logits"], "torchvision efficientnet_b1, 224x224"),
    "densenet169": (lambda: torchvision.models.densenet169(weights=None), image_input,
                    ["logits"], "torchvision densenet169, 224x224"),
    "vit_ti16": (vit_tiny, image_input, ["logits"], "ViT-Ti/16-sized (hidden 192, 3 heads), 224x224"),
    "bert_small": (lambda: BertEncoder(hidden=512, heads=8, layers=4, ffn=2048), bert_input,
                   ["last_hidden_state"], "4-layer BERT-shaped encoder (hidden 512, 8 heads), seq 128"),
    "gpt2_6l": (lambda: Gpt2Decoder(layers=6), gpt2_input, ["logits"],
                "6-layer GPT-2-shaped decoder (hidden 768), seq 128"),
    "lstm_wide": (lambda: LstmTagger(hidden=512, layers=1), lstm_input, ["tag_scores"],
                  "1-layer bidirectional LSTM tagger (hidden 512), seq 128"),
    "resnet101": (lambda: torchvision.models.resnet101(weights=None), image_input, ["logits"],
                  "torchvision resnet101, 224x224"),
    "mobilenet_v3_small": (lambda: torchvision.models.mobilenet_v3_small(weights=None),
                           image_input, ["logits"], "torchvision mobilenet_v3_small, 224x224"),
    "efficientnet_b2": (lambda: torchvision.models.efficientnet_b2(weights=None), image_input,
                        ["logits"], "torchvision efficientnet_b2, 224x224"),
    "densenet201": (lambda: torchvision.models.densenet201(weights=None), image_input,
                    ["logits"], "torchvision densenet201, 224x224"),
    "vit_b16": (vit_base, image_input, ["logits"],
                "ViT-B/16-sized (hidden 768, 12 heads, MLP 3072, 12 layers), 224x224"),
    "gru_wide": (lambda: LstmTagger(hidden=512, layers=1, cell=nn.GRU), lstm_input,
                 ["tag_scores"], "1-layer bidirectional GRU tagger (hidden 512), seq 128"),
    "lstm_deep": (lambda: LstmTagger(hidden=128, layers=3), lstm_input, ["tag_scores"],
                  "3-layer bidirectional LSTM tagger (hidden 128), seq 128"),
    "resnext50": (lambda: torchvision.models.resnext50_32x4d(weights=None), image_input,
                  ["logits"], "torchvision resnext50_32x4d (grouped 3x3 convolutions), 224x224"),
    "vit_b32": (lambda: vision_transformer(12, 768, 3072, patch=32), image_input, ["logits"],
                "ViT-B/32-sized (50 tokens: products of 50 rows), 224x224"),
}


def export_one(name, batches, manifest):
    variant = name in VARIANTS
    make_model, make_input, output_names, description = (VARIANTS if variant else MODELS)[name]
    torch.manual_seed(SEED)
    model = make_model().eval()
    folder = os.path.join(MODELS_DIR, name)
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, "model.onnx")

    # Export with batch 2 so that no shape is specialised to a batch of 1.
    example = make_input(2, np.random.default_rng(SEED))
    names = list(example)
    args = tuple(torch.from_numpy(example[n]) for n in names)
    dynamic = {n: {0: "batch"} for n in names + output_names}
    start = time.time()
    # Not under torch.no_grad(): without gradients PyTorch takes the fused fast path of
    # TransformerEncoderLayer (aten::_transformer_encoder_layer_fwd), which has no ONNX export.
    torch.onnx.export(model, args, path, input_names=names, output_names=output_names,
                      dynamic_axes=dynamic, opset_version=OPSET, do_constant_folding=True)
    size_mb = os.path.getsize(path) / 2**20

    inputs = {}
    for batch in batches:
        data = make_input(batch, np.random.default_rng(SEED + batch))
        files = {}
        for input_name, array in data.items():
            file = os.path.join(folder, f"{input_name}_b{batch}.npy")
            np.save(file, array)
            files[input_name] = os.path.relpath(file, MODELS_DIR)
        inputs[str(batch)] = files
    params = sum(p.numel() for p in model.parameters())
    manifest[name] = {"model": os.path.relpath(path, MODELS_DIR), "description": description,
                      "parameters": params, "inputs": inputs}
    if variant:
        manifest[name]["variant"] = True
    print(f"{name}: {size_mb:.1f} MB, {params / 1e6:.1f} M parameters, "
          f"exported in {time.time() - start:.1f} s", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default=",".join(list(MODELS) + ["tree_ensemble"]),
                        help="comma-separated subset (default: all)")
    parser.add_argument("--batches", default="1,8", help="batch sizes to write inputs for")
    parser.add_argument("--variants", action="store_true",
                        help="export the further models of the same families (VARIANTS) instead")
    args = parser.parse_args()
    wanted = list(VARIANTS) if args.variants else [m for m in args.models.split(",") if m]
    unknown = [m for m in wanted if m not in MODELS and m not in VARIANTS and m != "tree_ensemble"]
    if unknown:
        sys.exit(f"unknown model(s): {', '.join(unknown)}; known: {', '.join(MODELS)}, "
                 f"tree_ensemble, and the variants {', '.join(VARIANTS)}")
    batches = [int(b) for b in args.batches.split(",")]

    os.makedirs(MODELS_DIR, exist_ok=True)
    manifest_path = os.path.join(MODELS_DIR, "manifest.json")
    manifest = {}
    if os.path.exists(manifest_path):
        with open(manifest_path) as f:
            manifest = json.load(f)
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    for name in wanted:
        if name == "tree_ensemble":
            continue
        export_one(name, batches, manifest)
        with open(manifest_path, "w") as f:  # after each model: a failure keeps the others
            json.dump(manifest, f, indent=2)
    if "tree_ensemble" in wanted:
        subprocess.run([sys.executable, os.path.join(BENCH_DIR, "make_tree_ensemble.py")],
                       check=True)


if __name__ == "__main__":
    main()
