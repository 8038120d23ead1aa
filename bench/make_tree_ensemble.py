#!/usr/bin/python3
"""Writes bench/models/tree_ensemble/: a scikit-learn RandomForestRegressor (300 trees, depth 10,
32 features) trained on synthetic data, converted to an ONNX-ML TreeEnsembleRegressor by our own
code (onnx.helper), plus a fixed input of 1000 rows.

  /usr/bin/python3 bench/make_tree_ensemble.py [--trees 300] [--depth 10] [--batch 1000]

The conversion is checked against sklearn's own predictions before the model is saved.
"""
import argparse
import json
import os
import time

import numpy as np
import onnx
from onnx import TensorProto, helper
from sklearn.ensemble import RandomForestRegressor
from sklearn.tree import _tree

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
MODELS_DIR = os.path.join(BENCH_DIR, "models")
NAME = "tree_ensemble"
SEED = 1234
FEATURES = 32


def synthetic_data(rows, rng):
    """A non-linear target with interactions, so that depth-10 trees fill out."""
    x = rng.standard_normal((rows, FEATURES)).astype(np.float32)
    y = (np.sin(x[:, 0] * 2) + x[:, 1] * x[:, 2] + np.where(x[:, 3] > 0, x[:, 4], -x[:, 5])
         + 0.5 * x[:, 6:12].sum(axis=1) + 0.1 * rng.standard_normal(rows))
    return x, y.astype(np.float32)


def forest_to_onnx(forest, features):
    """One TreeEnsembleRegressor node (ai.onnx.ml opset 3) holding every tree of the forest.

    sklearn sends x[feature] <= threshold to the left child: mode BRANCH_LEQ, true -> left.
    The prediction is the average of the trees' leaf values (aggregate_function AVERAGE)."""
    attrs = {k: [] for k in ("nodes_treeids", "nodes_nodeids", "nodes_featureids", "nodes_modes",
                             "nodes_values", "nodes_truenodeids", "nodes_falsenodeids",
                             "target_treeids", "target_nodeids", "target_ids", "target_weights")}
    for tree_id, estimator in enumerate(forest.estimators_):
        tree = estimator.tree_
        for node in range(tree.node_count):
            left, right = int(tree.children_left[node]), int(tree.children_right[node])
            is_leaf = left == _tree.TREE_LEAF
            attrs["nodes_treeids"].append(tree_id)
            attrs["nodes_nodeids"].append(node)
            attrs["nodes_featureids"].append(0 if is_leaf else int(tree.feature[node]))
            attrs["nodes_modes"].append("LEAF" if is_leaf else "BRANCH_LEQ")
            attrs["nodes_values"].append(0.0 if is_leaf else float(tree.threshold[node]))
            attrs["nodes_truenodeids"].append(0 if is_leaf else left)
            attrs["nodes_falsenodeids"].append(0 if is_leaf else right)
            if is_leaf:
                attrs["target_treeids"].append(tree_id)
                attrs["target_nodeids"].append(node)
                attrs["target_ids"].append(0)
                attrs["target_weights"].append(float(tree.value[node][0][0]))
    node = helper.make_node("TreeEnsembleRegressor", ["X"], ["Y"], domain="ai.onnx.ml",
                            n_targets=1, aggregate_function="AVERAGE", post_transform="NONE",
                            **attrs)
    graph = helper.make_graph(
        [node], "random_forest_regressor",
        [helper.make_tensor_value_info("X", TensorProto.FLOAT, ["batch", features])],
        [helper.make_tensor_value_info("Y", TensorProto.FLOAT, ["batch", 1])])
    model = helper.make_model(graph, producer_name="onyx-bench",
                              opset_imports=[helper.make_opsetid("", 17),
                                             helper.make_opsetid("ai.onnx.ml", 3)])
    onnx.checker.check_model(model)
    return model, len(attrs["nodes_nodeids"])


def reference_predict(model, x):
    """Walks the exported attributes in numpy: checks the conversion without another runtime."""
    a = {attr.name: helper.get_attribute_value(attr) for attr in model.graph.node[0].attribute}
    trees = {}
    for i, (t, n) in enumerate(zip(a["nodes_treeids"], a["nodes_nodeids"])):
        trees.setdefault(t, {})[n] = i
    leaf_value = {(t, n): w for t, n, w in zip(a["target_treeids"], a["target_nodeids"],
                                                a["target_weights"])}
    out = np.zeros(len(x), dtype=np.float64)
    for t, index in trees.items():
        for r, row in enumerate(x):
            i = index[0]
            while a["nodes_modes"][i] != b"LEAF":
                go_left = row[a["nodes_featureids"][i]] <= a["nodes_values"][i]
                i = index[a["nodes_truenodeids"][i] if go_left else a["nodes_falsenodeids"][i]]
            out[r] += leaf_value[(t, a["nodes_nodeids"][i])]
    return out / len(trees)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trees", type=int, default=300)
    parser.add_argument("--depth", type=int, default=10)
    parser.add_argument("--batch", type=int, default=1000)
    args = parser.parse_args()

    rng = np.random.default_rng(SEED)
    x_train, y_train = synthetic_data(20000, rng)
    start = time.time()
    forest = RandomForestRegressor(n_estimators=args.trees, max_depth=args.depth,
                                   max_features=0.5, random_state=SEED, n_jobs=-1)
    forest.fit(x_train, y_train)
    model, nodes = forest_to_onnx(forest, FEATURES)

    x = synthetic_data(args.batch, np.random.default_rng(SEED + args.batch))[0]
    # Thresholds are stored as float32 (ONNX attributes are float): rows within rounding of a
    # threshold could take the other branch, so compare on the first rows with a tolerance.
    check = x[:50]
    diff = np.abs(reference_predict(model, check) - forest.predict(check)).max()
    if diff > 1e-3:
        raise SystemExit(f"conversion check failed: max difference {diff} from sklearn")

    folder = os.path.join(MODELS_DIR, NAME)
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, "model.onnx")
    onnx.save(model, path)
    input_file = os.path.join(folder, f"X_b{args.batch}.npy")
    np.save(input_file, x)

    manifest_path = os.path.join(MODELS_DIR, "manifest.json")
    manifest = {}
    if os.path.exists(manifest_path):
        with open(manifest_path) as f:
            manifest = json.load(f)
    manifest[NAME] = {
        "model": os.path.relpath(path, MODELS_DIR),
        "description": f"RandomForestRegressor, {args.trees} trees, depth {args.depth}, "
                       f"{FEATURES} features, as TreeEnsembleRegressor (ai.onnx.ml 3)",
        "parameters": nodes,
        "inputs": {str(args.batch): {"X": os.path.relpath(input_file, MODELS_DIR)}},
    }
    with open(manifest_path, "w") as f:
        json.dump(manifest, f, indent=2)
    print(f"{NAME}: {args.trees} trees, {nodes} nodes, {os.path.getsize(path) / 2**20:.1f} MB, "
          f"made in {time.time() - start:.1f} s (check vs sklearn: max diff {diff:.2e})")


if __name__ == "__main__":
    main()
