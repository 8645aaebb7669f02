"""Result frames of design-based estimates, built in one place from names, estimates, covariance and df.

Every estimator (and the models) returns the same shape: a pandas DataFrame indexed by R-style names with
columns ``estimate, se, ci_low, ci_high, deff, df, cv``; the covariance matrix travels in ``frame.attrs``
(``"vcov"``) so that contrasts can be formed later. Intervals use Student's t on the design degrees of
freedom (normal when df is infinite), the one rule that also drives the tests.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

COLUMNS = ("estimate", "se", "ci_low", "ci_high", "deff", "df", "cv")


def t_quantile(df: float, level: float = 0.95) -> float:
    """Two-sided critical value: Student's t on ``df`` degrees of freedom, normal for infinite df."""
    q = 1 - (1 - level) / 2
    if df is None or not np.isfinite(df):
        return float(stats.norm.ppf(q))
    if df <= 0:
        return float("nan")
    return float(stats.t.ppf(q, df))


def result_frame(
    names: Sequence | pd.Index,
    estimate: np.ndarray,
    vcov: np.ndarray,
    df: float,
    *,
    deff: np.ndarray | None = None,
    level: float = 0.95,
    ci: tuple[np.ndarray, np.ndarray] | None = None,
    se: np.ndarray | None = None,
    statistic: str = "",
) -> pd.DataFrame:
    """Build the standard result frame; ``ci``/``se`` override the Wald interval (quantiles, logit CIs)."""
    estimate = np.asarray(estimate, dtype=float).reshape(-1)
    vcov = np.atleast_2d(np.asarray(vcov, dtype=float))
    if se is None:
        se = np.sqrt(np.clip(np.diag(vcov), 0, None))
        se = np.where(np.isnan(np.diag(vcov)), np.nan, se)
    if ci is None:
        t = t_quantile(df, level)
        ci = (estimate - t * se, estimate + t * se)
    with np.errstate(divide="ignore", invalid="ignore"):
        cv = se / np.abs(estimate)
    index = names if isinstance(names, pd.Index) else pd.Index(list(names))
    frame = pd.DataFrame(
        {
            "estimate": estimate,
            "se": se,
            "ci_low": np.asarray(ci[0], dtype=float),
            "ci_high": np.asarray(ci[1], dtype=float),
            "deff": np.full(len(estimate), np.nan) if deff is None else np.asarray(deff, dtype=float),
            "df": np.full(len(estimate), float(df)),
            "cv": cv,
        },
        index=index,
    )
    frame.attrs["vcov"] = vcov
    frame.attrs["statistic"] = statistic
    frame.attrs["level"] = level
    return frame


def logit_interval(p: np.ndarray, se: np.ndarray, df: float, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """R's ``svyciprop(method="logit")``: a t interval for logit(p) with SE se/(p(1-p)), mapped back."""
    p = np.asarray(p, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        eta = np.log(p / (1 - p))
        se_eta = se / (p * (1 - p))
    t = t_quantile(df, level)
    lo, hi = eta - t * se_eta, eta + t * se_eta
    return 1 / (1 + np.exp(-lo)), 1 / (1 + np.exp(-hi))
