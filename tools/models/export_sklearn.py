"""Export fitted scikit-learn models to Peregrine's model artifact format, version 1.

Supported: LinearRegression, Ridge (any single-output linear regressor with coef_ and
intercept_), binary LogisticRegression, GradientBoostingRegressor, binary
GradientBoostingClassifier (log loss), HistGradientBoostingRegressor (identity link), binary
HistGradientBoostingClassifier (log loss), without categorical features.

    from export_sklearn import export
    export(fitted_model, "alpha.prgm", feature_names=["imbalance", "spread", ...])

The format is documented in Sources/HotPath/Models/ModelArtifact.swift. Everything is written
exactly (float64 bit patterns), so the Swift engine reproduces scikit-learn's predictions.
"""
import os
import struct
import zlib

import numpy as np

MAGIC = b"PRGMODEL"
FORMAT_VERSION = 1
KIND_LINEAR, KIND_LOGISTIC, KIND_GBDT = 1, 2, 3
OBJECTIVE_REGRESSION, OBJECTIVE_BINARY_LOGISTIC = 1, 2
PRECISION_FLOAT64, PRECISION_FLOAT32 = 0, 1


def _string(text):
    raw = text.encode("utf-8")
    if len(raw) > 0xFFFF:
        raise ValueError(f"string too long ({len(raw)} bytes): {text[:40]!r}...")
    return struct.pack("<H", len(raw)) + raw


def _feature_names(model, feature_names):
    n = int(model.n_features_in_)
    if feature_names is None:
        names = getattr(model, "feature_names_in_", None)
        feature_names = [str(x) for x in names] if names is not None else [f"x{i}" for i in range(n)]
    feature_names = list(feature_names)
    if len(feature_names) != n:
        raise ValueError(f"{len(feature_names)} feature names for a model with {n} features")
    return feature_names


def _link(model):
    """'identity' or 'logit' from the model's loss link; anything else is unsupported."""
    link = type(model._loss.link).__name__
    if link == "IdentityLink":
        return OBJECTIVE_REGRESSION
    if link == "LogitLink":
        return OBJECTIVE_BINARY_LOGISTIC
    raise ValueError(f"{type(model).__name__} with loss link {link} is not supported "
                     "(only squared/absolute/huber/quantile regression and binary log loss)")


def _node(left, right, feature, missing_left, threshold, value):
    return struct.pack("<iiiBBHdd", left, right, feature,
                       1 if missing_left else 0, 0, 0, float(threshold), float(value))


def _linear_body(coef, intercept, n):
    coef = np.asarray(coef, dtype=np.float64).reshape(-1)
    if coef.shape[0] != n:
        raise ValueError(f"expected {n} coefficients, got {coef.shape[0]} (multi-output models are not supported)")
    intercept = np.asarray(intercept, dtype=np.float64).reshape(-1)
    b = float(intercept[0]) if intercept.size else 0.0
    return struct.pack("<d", b) + b"".join(struct.pack("<d", float(w)) for w in coef)


def _gb_body(model, n):
    if hasattr(model, "n_classes_") and model.n_classes_ != 2:
        raise ValueError("only binary GradientBoostingClassifier is supported")
    objective = _link(model)
    baseline = float(model._raw_predict_init(np.zeros((1, n), dtype=np.float32))[0, 0])
    trees = []
    for stage in model.estimators_:
        tree = stage[0].tree_
        nodes = []
        for i in range(tree.node_count):
            left, right = int(tree.children_left[i]), int(tree.children_right[i])
            if left == -1:
                nodes.append(_node(-1, -1, -1, False, 0.0, tree.value[i, 0, 0]))
            else:
                # GradientBoosting predicts through `X <= threshold` on float32 X (NaN is
                # rejected at predict time), so NaN going right matches its comparison.
                nodes.append(_node(left, right, int(tree.feature[i]), False, tree.threshold[i], 0.0))
        trees.append(struct.pack("<I", len(nodes)) + b"".join(nodes))
    header = struct.pack("<BBHIdd", objective, PRECISION_FLOAT32, 0, len(trees), baseline,
                         float(model.learning_rate))
    return header + b"".join(trees)


def _hgb_body(model, n):
    if model.n_trees_per_iteration_ != 1:
        raise ValueError("only regression and binary HistGradientBoostingClassifier are supported")
    if getattr(model, "is_categorical_", None) is not None and np.any(model.is_categorical_):
        raise ValueError("categorical features are not supported; encode them numerically")
    objective = _link(model)
    baseline = float(np.asarray(model._baseline_prediction, dtype=np.float64).reshape(-1)[0])
    trees = []
    for iteration in model._predictors:
        predictor = iteration[0]
        records = []
        for node in predictor.nodes:
            if node["is_leaf"]:
                records.append(_node(-1, -1, -1, False, 0.0, node["value"]))
            else:
                if node["is_categorical"]:
                    raise ValueError("categorical splits are not supported")
                records.append(_node(int(node["left"]), int(node["right"]), int(node["feature_idx"]),
                                     bool(node["missing_go_to_left"]), node["num_threshold"], 0.0))
        trees.append(struct.pack("<I", len(records)) + b"".join(records))
    # Leaf values already include the learning rate: leaf scale 1.
    header = struct.pack("<BBHIdd", objective, PRECISION_FLOAT64, 0, len(trees), baseline, 1.0)
    return header + b"".join(trees)


def to_bytes(model, feature_names=None, source=None):
    """The artifact for a fitted model, as bytes."""
    import sklearn
    from sklearn.ensemble import (GradientBoostingClassifier, GradientBoostingRegressor,
                                  HistGradientBoostingClassifier, HistGradientBoostingRegressor)
    from sklearn.linear_model import LogisticRegression

    names = _feature_names(model, feature_names)
    n = len(names)
    if source is None:
        source = f"sklearn {sklearn.__version__} {type(model).__name__}"
    if isinstance(model, LogisticRegression):
        if len(model.classes_) != 2:
            raise ValueError("only binary LogisticRegression is supported")
        kind, body = KIND_LOGISTIC, _linear_body(model.coef_, model.intercept_, n)
    elif isinstance(model, (GradientBoostingRegressor, GradientBoostingClassifier)):
        kind, body = KIND_GBDT, _gb_body(model, n)
    elif isinstance(model, (HistGradientBoostingRegressor, HistGradientBoostingClassifier)):
        kind, body = KIND_GBDT, _hgb_body(model, n)
    elif hasattr(model, "coef_") and hasattr(model, "intercept_") and not hasattr(model, "classes_"):
        kind, body = KIND_LINEAR, _linear_body(model.coef_, model.intercept_, n)
    else:
        raise TypeError(f"cannot export {type(model).__name__}")
    payload = _string(source) + b"".join(_string(name) for name in names) + body
    header = MAGIC + struct.pack("<HBBIQ", FORMAT_VERSION, kind, 0, n, len(payload))
    data = header + payload
    return data + struct.pack("<I", zlib.crc32(data) & 0xFFFFFFFF)


def export(model, path, feature_names=None, source=None):
    """Writes the artifact for `model` to `path` atomically (temporary file, fsync, rename)."""
    data = to_bytes(model, feature_names, source)
    temporary = f"{path}.tmp.{os.getpid()}"
    with open(temporary, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(temporary, path)
    return path
