"""What bench/quantize_dynamic.py and bench/quantize_static.py share: reading the manifest of the
exported models, and saving a quantized copy of one of them as a manifest entry of the
quantized suite (run.py --int8), reading the float model's inputs."""
import json
import os
import sys

import onnx

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
MODELS_DIR = os.path.join(BENCH_DIR, "models")
MANIFEST = os.path.join(MODELS_DIR, "manifest.json")


def load_manifest(script):
    if not os.path.exists(MANIFEST):
        sys.exit(f"{script}: run bench/export_models.py first")
    with open(MANIFEST) as f:
        return json.load(f)


def save_quantized(manifest, source_name, name, model, how):
    """Checks and saves `model` as models/<name>/model.onnx and records it; `how` ends the
    float model's description."""
    onnx.checker.check_model(model)
    source = manifest[source_name]
    out_dir = os.path.join(MODELS_DIR, name)
    os.makedirs(out_dir, exist_ok=True)
    path = os.path.join(out_dir, "model.onnx")
    onnx.save(model, path)
    manifest[name] = {"model": os.path.relpath(path, MODELS_DIR),
                      "description": source["description"] + ", " + how,
                      "parameters": source.get("parameters"),
                      "int8": True,
                      "inputs": source["inputs"]}
    with open(MANIFEST, "w") as f:
        json.dump(manifest, f, indent=2)
    return os.path.getsize(path)
