"""Fit every supported scikit-learn model on deterministic synthetic data, export each with
export_sklearn.py, and write the inputs with scikit-learn's outputs for the Swift parity tests.

    python3 tools/models/make_fixtures.py OUTDIR

Writes OUTDIR/<case>.prgm (the artifact), OUTDIR/<case>.cases and OUTDIR/manifest.txt.
A .cases file has a header line `<case> <n_features> <n_rows>`, then one row per input:
n_features inputs, then sklearn's prediction (predict, or predict_proba[:, 1] for
classifiers), then its raw score (decision_function; the prediction again for regressors),
all as Python repr floats (shortest exact round trip; `nan` for missing).
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from export_sklearn import export  # noqa: E402

from sklearn.ensemble import (GradientBoostingClassifier, GradientBoostingRegressor,  # noqa: E402
                              HistGradientBoostingClassifier, HistGradientBoostingRegressor)
from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge  # noqa: E402

SEED = 20260126


def features(rng, n_rows, n_features):
    """Market-like columns of mixed scale: a price level near 150 (so float32 rounding of X
    matters for GradientBoosting), returns, imbalances, spreads, volumes."""
    x = rng.standard_normal((n_rows, n_features))
    x[:, 0] = 150.0 + 0.01 * x[:, 0]
    x[:, 1] = 1e-4 * x[:, 1]
    x[:, 2] = np.tanh(x[:, 2])
    x[:, 3] = np.abs(x[:, 3]) * 0.05 + 0.01
    x[:, 4] = np.exp(x[:, 4]) * 1000.0
    return x


def target(rng, x):
    z = (
        0.8 * (x[:, 0] - 150.0) * 100
        + 3000.0 * x[:, 1]
        + 1.5 * x[:, 2] * np.abs(x[:, 5 % x.shape[1]])
        - 10.0 * x[:, 3]
        + 0.3 * np.log(x[:, 4] / 1000.0)
        + 0.5 * np.sin(3 * x[:, 6 % x.shape[1]])
    )
    return z + 0.1 * rng.standard_normal(x.shape[0])


def edge_rows(model_kind, model, base_rows):
    """Rows that put one feature exactly on, just around, and at float32 rounding edges of
    split thresholds of the first trees, to pin the `<=` and float32 semantics."""
    rows = []
    thresholds = []
    if model_kind == "gb":
        for stage in model.estimators_[:8]:
            tree = stage[0].tree_
            for i in range(min(tree.node_count, 7)):
                if tree.children_left[i] != -1:
                    thresholds.append((int(tree.feature[i]), float(tree.threshold[i])))
    elif model_kind == "hgb":
        for iteration in model._predictors[:8]:
            for node in iteration[0].nodes[:7]:
                if not node["is_leaf"] and np.isfinite(node["num_threshold"]):
                    thresholds.append((int(node["feature_idx"]), float(node["num_threshold"])))
    for j, (feature, t) in enumerate(thresholds):
        f32 = float(np.float32(t))
        f32_up = float(np.nextafter(np.float32(f32), np.float32(np.inf)))
        f32_down = float(np.nextafter(np.float32(f32), np.float32(-np.inf)))
        candidates = {t, float(np.nextafter(t, np.inf)), float(np.nextafter(t, -np.inf)), f32,
                      (f32 + f32_up) / 2, (f32 + f32_down) / 2}
        for mid in list(candidates)[-2:]:
            candidates.add(float(np.nextafter(mid, np.inf)))
            candidates.add(float(np.nextafter(mid, -np.inf)))
        for value in sorted(candidates):
            row = base_rows[j % len(base_rows)].copy()
            row[feature] = value
            rows.append(row)
    return np.array(rows) if rows else np.empty((0, base_rows.shape[1]))


def write_case(outdir, name, model, x, kind, classifier, manifest):
    export(model, os.path.join(outdir, name + ".prgm"))
    if classifier:
        predicted = model.predict_proba(x)[:, 1]
        raw = model.decision_function(x)
    else:
        predicted = model.predict(x)
        raw = predicted
    with open(os.path.join(outdir, name + ".cases"), "w") as f:
        f.write(f"{name} {x.shape[1]} {x.shape[0]}\n")
        for row, p, r in zip(x, predicted, raw):
            f.write(" ".join(repr(float(v)) for v in row) + f" {float(p)!r} {float(r)!r}\n")
    manifest.append(f"{name} {kind}")


def main(outdir):
    os.makedirs(outdir, exist_ok=True)
    manifest = []
    rng = np.random.default_rng(SEED)

    # Linear family: 16 features.
    x = features(rng, 2000, 16)
    y = target(rng, x)
    x_test = np.vstack([features(rng, 200, 16), np.zeros((1, 16))])
    write_case(outdir, "linear_regression", LinearRegression().fit(x, y), x_test, "linear", False, manifest)
    write_case(outdir, "ridge", Ridge(alpha=2.5).fit(x, y), x_test, "linear", False, manifest)
    labels = (y + 0.5 * rng.standard_normal(len(y)) > np.median(y)).astype(int)
    logistic = LogisticRegression(C=0.5, max_iter=5000).fit(x, labels)
    write_case(outdir, "logistic", logistic, x_test, "logistic", True, manifest)

    # Tree ensembles: 8 features.
    x = features(rng, 3000, 8)
    y = target(rng, x)
    labels = (y + 0.5 * rng.standard_normal(len(y)) > np.median(y)).astype(int)
    base = features(rng, 150, 8)

    gb_cases = [
        ("gb_regressor", GradientBoostingRegressor(n_estimators=60, max_depth=4, learning_rate=0.1,
                                                   subsample=0.8, random_state=1), y, False),
        ("gb_regressor_absolute", GradientBoostingRegressor(loss="absolute_error", n_estimators=30,
                                                            max_depth=3, random_state=2), y, False),
        ("gb_regressor_zero_init", GradientBoostingRegressor(init="zero", n_estimators=25, max_depth=3,
                                                             learning_rate=0.2, random_state=3), y, False),
        ("gb_classifier", GradientBoostingClassifier(n_estimators=60, max_depth=3, learning_rate=0.1,
                                                     random_state=4), labels, True),
    ]
    for name, model, target_values, classifier in gb_cases:
        model.fit(x, target_values)
        rows = np.vstack([base, edge_rows("gb", model, base)])
        write_case(outdir, name, model, rows, "gbdt", classifier, manifest)

    # HistGradientBoosting learns where missing values go: train with NaNs.
    x_missing = x.copy()
    x_missing[rng.random(x.shape) < 0.08] = np.nan
    x_missing[:, 7][rng.random(len(x)) < 0.3] = np.nan
    base_missing = base.copy()
    base_missing[rng.random(base.shape) < 0.15] = np.nan
    hgb_cases = [
        ("hgb_regressor", HistGradientBoostingRegressor(max_iter=60, max_leaf_nodes=15, learning_rate=0.1,
                                                        early_stopping=False, random_state=5), y, False),
        ("hgb_classifier", HistGradientBoostingClassifier(max_iter=60, max_leaf_nodes=15, learning_rate=0.1,
                                                          early_stopping=False, random_state=6), labels, True),
    ]
    for name, model, target_values, classifier in hgb_cases:
        model.fit(x_missing, target_values)
        rows = np.vstack([base_missing, edge_rows("hgb", model, base), np.full((1, 8), np.nan)])
        write_case(outdir, name, model, rows, "gbdt", classifier, manifest)

    with open(os.path.join(outdir, "manifest.txt"), "w") as f:
        f.write("\n".join(manifest) + "\n")
    print(f"wrote {len(manifest)} cases to {outdir}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: make_fixtures.py OUTDIR")
    main(sys.argv[1])
