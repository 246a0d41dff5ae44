#!/usr/bin/env python3
"""Fit GradientBoostingRegressor / binary GradientBoostingClassifier on a CSV and print the
trees and the raw predictions (parity check for `peregrine train --model gbdt`,
Sources/ColdTier/Training/GradientBoostingTrainer.swift).

    fit_gbdt.py TRAIN.csv regressor|classifier TREES LEARNING_RATE MAX_DEPTH MIN_SAMPLES_SPLIT MIN_SAMPLES_LEAF RANDOM_STATE [PREDICT.csv]

CSVs: no header; TRAIN.csv has the feature columns then the label (0/1 for classifier),
PREDICT.csv the feature columns only (default: TRAIN.csv's features). Prints, one item a line:

    baseline RAW                          the init estimator's raw prediction
    tree NODE_COUNT                       then NODE_COUNT lines:
    node FEATURE THRESHOLD LEFT RIGHT VALUE   (leaf: FEATURE, LEFT, RIGHT = -1, THRESHOLD 0)
    prediction RAW                        decision_function (classifier) or predict (regressor)
                                          for every PREDICT.csv row

Floats are repr (round-trip exact). Leaf VALUE is tree.value (learning rate not applied).
Other parameters are scikit-learn's defaults (subsample=1.0, max_features=None).
"""
import sys

import numpy as np
from sklearn.ensemble import GradientBoostingClassifier, GradientBoostingRegressor


def main() -> None:
    path, kind = sys.argv[1], sys.argv[2]
    trees, rate, depth, split, leaf = int(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6]), int(sys.argv[7])
    seed = int(sys.argv[8])
    data = np.loadtxt(path, delimiter=",", dtype=np.float64, ndmin=2)
    X, y = data[:, :-1], data[:, -1]
    X_predict = np.loadtxt(sys.argv[9], delimiter=",", dtype=np.float64, ndmin=2) if len(sys.argv) > 9 else X
    parameters = dict(n_estimators=trees, learning_rate=rate, max_depth=depth, min_samples_split=split,
                      min_samples_leaf=leaf, subsample=1.0, max_features=None, random_state=seed)
    if kind == "regressor":
        model = GradientBoostingRegressor(loss="squared_error", **parameters).fit(X, y)
        raw = model.predict(X_predict)
    elif kind == "classifier":
        model = GradientBoostingClassifier(loss="log_loss", **parameters).fit(X, y.astype(int))
        raw = model.decision_function(X_predict)
    else:
        raise SystemExit(f"unknown kind {kind!r} (regressor or classifier)")
    out = [f"baseline {float(model._raw_predict_init(X[:1].astype(np.float32))[0, 0])!r}"]
    for stage in model.estimators_:
        tree = stage[0].tree_
        out.append(f"tree {tree.node_count}")
        for i in range(tree.node_count):
            left, right = int(tree.children_left[i]), int(tree.children_right[i])
            if left == -1:
                out.append(f"node -1 0.0 -1 -1 {float(tree.value[i, 0, 0])!r}")
            else:
                out.append(f"node {int(tree.feature[i])} {float(tree.threshold[i])!r} {left} {right} 0.0")
    out.extend(f"prediction {float(v)!r}" for v in np.ravel(raw))
    print("\n".join(out))


if __name__ == "__main__":
    main()
