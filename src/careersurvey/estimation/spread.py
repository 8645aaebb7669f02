"""Population variances and covariances with design-based SEs, as R survey's ``svyvar``.

The estimate of var(x_i, x_j) is the weighted mean of (x_i - x̄_i)(x_j - x̄_j) · n/(n-1), n the rows of non-zero
weight (R's Kish divisor). Its SE is that of a mean of those products (R treats x̄ as fixed, which costs nothing
to first order: the derivative of the variance in x̄ is zero), so the one mean estimator and the design's one
variance engine serve it; on a replicate design the variance matrix is recomputed under every replicate weight.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from careersurvey.estimation.estimators import (
    EstimateError, Variables, _as_names, _is_categorical, _prepare, by_domains, design_df, estimate, mean_estimate,
)
from careersurvey.estimation.frames import result_frame
from careersurvey.estimation.variance import one_blas_thread


@one_blas_thread
def var(design, variables, na_rm: bool = False, by=None, level: float = 0.95) -> pd.DataFrame:
    """Variances (one variable: one row) or the covariance matrix (rows ``(variable, with)``, all p² cells) with design-based SEs, as R's ``svyvar``; ``attrs["matrix"]`` holds the estimate as a
    p×p DataFrame."""
    if by is not None:
        return by_domains(design, by, lambda d: var(d, variables, na_rm=na_rm, level=level), sliced=True)
    names = _as_names(variables)
    for v in names:
        if v in design.data.columns and _is_categorical(design.data[v]):
            raise EstimateError(f"var() needs numeric variables; {v!r} is categorical. For the share of each "
                                "level use proportion().")
    n = int(np.count_nonzero(design.w))  # R counts the design's rows before na_rm leaves any out
    d, V = _prepare(design, names, na_rm)
    if n < 2:
        raise EstimateError(f"var() needs at least two rows of non-zero weight (the design has {n}).")
    p = len(V.columns)
    ii, jj = np.repeat(np.arange(p), p), np.tile(np.arange(p), p)  # R's column-major order: (j, i) pairs
    if d.replicates is None:
        xbar, _ = mean_estimate(d, V)
        dev = [c - m for c, m in zip(V.columns, xbar)]
        products = Variables(tuple(dev[a] * dev[b] * (n / (n - 1)) for a, b in zip(jj, ii)),
                             tuple(f"{V.names[a]}:{V.names[b]}" for a, b in zip(jj, ii)), V.missing)
        theta, vcov = mean_estimate(d, products)
    else:
        theta, vcov = _replicate_var(d, V, ii, jj)
    # the matrix is symmetric, so R's column-major vector is also row-major: rows read (variable, with)
    index = pd.MultiIndex.from_arrays([[V.names[a] for a in ii], [V.names[b] for b in jj]], names=["variable", "with"])
    if p == 1:
        index = pd.Index(V.names)
    frame = result_frame(index, theta, vcov, design_df(d), level=level, statistic="variance")
    frame.attrs["matrix"] = pd.DataFrame(theta.reshape(p, p).T, index=list(V.names), columns=list(V.names))
    return frame


def _replicate_var(d, V: Variables, ii: np.ndarray, jj: np.ndarray):
    """R's ``svyvar.svyrep.design``: the weighted covariance under the full-sample and every replicate weight,
    with R's n/(n-1) on n = the rows of the design."""
    n = int(np.count_nonzero(d.w))
    X = V.dense()

    def point(W):
        W2 = W if W.ndim == 2 else W[:, None]
        total = W2.sum(axis=0)
        means = (X.T @ W2) / total  # (p, R)
        out = np.empty((len(ii), W2.shape[1]))
        for k, (a, b) in enumerate(zip(jj, ii)):  # over the p² cells, not over rows
            out[k] = ((X[:, a:a + 1] - means[a]) * (X[:, b:b + 1] - means[b]) * W2).sum(axis=0) / total
        out *= n / (n - 1)
        return out if W.ndim == 2 else out[:, 0]

    return estimate(d, point, None)


def moment_covariances(sw: np.ndarray, s: np.ndarray, ss: np.ndarray, n: int) -> np.ndarray:
    """The weighted covariance of every pair of p variables from sums under R sets of weights: ``sw`` (R,) the
    weights, ``s`` (p, R) the weighted values, ``ss`` (p, p, R) the weighted products; times R's n/(n-1).
    (p, p, R). Values centred near their mean beforehand keep the difference of sums exact to rounding."""
    with np.errstate(divide="ignore", invalid="ignore"):
        means = s / sw
        return (ss / sw - means[:, None, :] * means[None, :, :]) * (n / (n - 1))
