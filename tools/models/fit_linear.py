#!/usr/bin/env python3
"""Fit Ridge or binary LogisticRegression on a CSV and print the coefficients (parity check
for `peregrine train`, Sources/ColdTier/Training).

    fit_linear.py DATA.csv ridge ALPHA
    fit_linear.py DATA.csv logistic C

DATA.csv: no header; feature columns, then the label. Prints the intercept, then one weight a
line, as repr floats. Logistic regression is converged far past scikit-learn's default
tolerance (lbfgs, tol=1e-12) so it is compared with Newton's exact optimum, not with an early stop.
"""
import sys

import numpy as np
from sklearn.linear_model import LogisticRegression, Ridge


def main() -> None:
    path, family, regularization = sys.argv[1], sys.argv[2], float(sys.argv[3])
    data = np.loadtxt(path, delimiter=",", dtype=np.float64, ndmin=2)
    X, y = data[:, :-1], data[:, -1]
    if family == "ridge":
        model = Ridge(alpha=regularization, fit_intercept=True, solver="cholesky").fit(X, y)
        intercept, weights = float(model.intercept_), model.coef_
    elif family == "logistic":
        model = LogisticRegression(C=regularization, penalty="l2", fit_intercept=True, solver="lbfgs",
                                   tol=1e-12, max_iter=100_000).fit(X, y.astype(int))
        intercept, weights = float(model.intercept_[0]), model.coef_[0]
    else:
        raise SystemExit(f"unknown family {family!r} (ridge or logistic)")
    print(repr(intercept))
    for w in weights:
        print(repr(float(w)))


if __name__ == "__main__":
    main()
