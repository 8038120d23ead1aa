#!/usr/bin/env python3
"""Runs the bundled digit classifier through the onyx CLI and reports its accuracy.

Usage: demo.py --onyx build/onyx
The model and held-out samples were made by train.py (committed, so the demo needs no training).
"""
import argparse
import os
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--onyx", default="build/onyx")
    parser.add_argument("--show", type=int, default=20, help="predictions to print")
    args = parser.parse_args()

    model = os.path.join(HERE, "digits_cnn.onnx")
    images = os.path.join(HERE, "test_images.npy")
    labels = np.load(os.path.join(HERE, "test_labels.npy"))
    with tempfile.TemporaryDirectory() as out:
        cmd = [args.onyx, "run", model, "-i", f"image={images}", "-o", out]
        print("$", " ".join(cmd))
        result = subprocess.run(cmd, capture_output=True, text=True)
        print(result.stdout, end="")
        if result.returncode != 0:
            print(result.stderr, file=sys.stderr, end="")
            sys.exit(result.returncode)
        logits = np.load(os.path.join(out, "logits.npy"))
    predictions = logits.argmax(axis=1)
    print(f"\n{'sample':>6}  {'predicted':>9}  {'true':>4}")
    for i in range(min(args.show, len(labels))):
        mark = "" if predictions[i] == labels[i] else "  <- wrong"
        print(f"{i:>6}  {predictions[i]:>9}  {labels[i]:>4}{mark}")
    accuracy = float((predictions == labels).mean())
    print(f"\naccuracy on {len(labels)} held-out digits: {accuracy:.4f} "
          f"({int((predictions == labels).sum())}/{len(labels)})")
    if accuracy < 0.9:
        print("demo: accuracy below 0.9, something is wrong", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
