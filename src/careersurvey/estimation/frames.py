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


class EstimateFrame(pd.DataFrame):
    """A result frame that prints like R's ``svymean``: a line saying what was estimated and how, then every
    column in full (never pandas' ``...``), each with enough decimals for 4 significant digits of its smallest
    value, missing as ``NA``. Anything derived from it (a slice, a merge) is a plain DataFrame."""

    @property
    def _constructor(self):
        return pd.DataFrame

    def __repr__(self) -> str:
        return render_estimates(self)


def _decimals(values: pd.Series) -> int:
    """Decimals that show the smallest non-zero |value| of a column to 4 significant digits (0 to 6)."""
    finite = np.abs(values.to_numpy(dtype=float))
    finite = finite[np.isfinite(finite) & (finite > 0)]
    if not len(finite):
        return 0
    return int(np.clip(3 - np.floor(np.log10(finite.min())), 0, 6))


_INTERVALS = {
    "wald": "intervals: Student's t on the design df",
    "logit": "logit intervals (R's svyciprop): t on the design df for logit(p)",
    "woodruff": "Woodruff intervals (R's svyquantile, interval.type = 'mean'); se = interval width / (2 t)",
    "ciprop-xlogit": "logit intervals by the delta method (R's svyciprop, method = 'xlogit')",
    "ciprop-likelihood": "scaled profile-likelihood intervals (R's svyciprop, method = 'likelihood')",
    "ciprop-asin": "arcsine intervals (R's svyciprop, method = 'asin')",
    "ciprop-beta": "Korn-Graubard intervals (R's svyciprop, method = 'beta')",
    "ciprop-mean": "Wald intervals (R's svyciprop, method = 'mean')",
    "quantile-beta": "Woodruff intervals from a Korn-Graubard share (R's svyquantile, interval.type = 'beta')",
    "quantile-xlogit": "Woodruff intervals from a logit share (R's svyquantile, interval.type = 'xlogit')",
    "quantile-asin": "Woodruff intervals from an arcsine share (R's svyquantile, interval.type = 'asin')",
    "quantile-score": "score-test intervals (R's svyquantile, interval.type = 'score')",
    "quantile-quantile": "replicate intervals (R's svyquantile, interval.type = 'quantile')",
    "rubin": "intervals: Student's t on each row's multiple-imputation df (Rubin's rules, R's mitools)",
}


def render_estimates(frame: pd.DataFrame) -> str:
    """The text of a result frame: a heading from its attrs (statistic, interval level, by), then the table."""
    stat = frame.attrs.get("statistic") or "estimate"
    level = frame.attrs.get("level", 0.95)
    head = f"Design-based {stat}"
    if frame.attrs.get("by"):
        head += f" by {', '.join(frame.attrs['by'])}"
    if "ci_low" in frame.columns:
        head += f"; {level:.0%} {_INTERVALS.get(frame.attrs.get('interval', 'wald'), 'intervals')}"
    formatters = {}
    for col in frame.columns:
        values = frame[col]
        if not pd.api.types.is_float_dtype(values):
            continue
        if col == "df":
            formatters[col] = lambda v: "Inf" if np.isinf(v) else ("NA" if np.isnan(v) else f"{v:.0f}")
        else:
            d = _decimals(values)
            formatters[col] = lambda v, d=d: "NA" if np.isnan(v) else f"{v:.{d}f}"
    return head + "\n" + pd.DataFrame(frame).to_string(formatters=formatters, na_rep="NA")


def t_quantile(df: float, level: float = 0.95) -> float:
    """Two-sided critical value: Student's t on ``df`` degrees of freedom, normal for infinite df."""
    q = 1 - (1 - level) / 2
    if df is None or not np.isfinite(df):
        return float(stats.norm.ppf(q))
    if df <= 0:
        return float("nan")
    return float(stats.t.ppf(q, df))


def t_quantiles(df, level: float, n: int) -> float | np.ndarray:
    """:func:`t_quantile` of a df (a number) or of a df per row (domains of ``by``: one t per distinct df)."""
    if np.ndim(df) == 0:
        return t_quantile(df, level)
    values, at = np.unique(np.broadcast_to(np.asarray(df, dtype=float), (n,)), return_inverse=True)
    return np.array([t_quantile(v, level) for v in values])[at]


def result_frame(
    names: Sequence | pd.Index,
    estimate: np.ndarray,
    vcov: np.ndarray,
    df: float | np.ndarray,
    *,
    deff: np.ndarray | None = None,
    level: float = 0.95,
    ci: tuple[np.ndarray, np.ndarray] | None = None,
    se: np.ndarray | None = None,
    statistic: str = "",
    interval: str = "wald",
) -> pd.DataFrame:
    """Build the standard result frame; ``ci``/``se`` override the Wald interval (quantiles, logit CIs), and
    ``interval`` ("wald", "logit", "woodruff") says which it is when the frame is printed."""
    estimate = np.asarray(estimate, dtype=float).reshape(-1)
    vcov = np.atleast_2d(np.asarray(vcov, dtype=float))
    if se is None:
        se = np.sqrt(np.clip(np.diag(vcov), 0, None))
        se = np.where(np.isnan(np.diag(vcov)), np.nan, se)
    if ci is None:
        t = t_quantiles(df, level, len(estimate))
        ci = (estimate - t * se, estimate + t * se)
    with np.errstate(divide="ignore", invalid="ignore"):
        cv = se / np.abs(estimate)
    index = names if isinstance(names, pd.Index) else pd.Index(list(names))
    frame = EstimateFrame(
        {
            "estimate": estimate,
            "se": se,
            "ci_low": np.asarray(ci[0], dtype=float),
            "ci_high": np.asarray(ci[1], dtype=float),
            "deff": np.full(len(estimate), np.nan) if deff is None else np.asarray(deff, dtype=float),
            "df": np.broadcast_to(np.asarray(df, dtype=float), (len(estimate),)).copy(),
            "cv": cv,
        },
        index=index,
    )
    frame.attrs["vcov"] = vcov
    frame.attrs["statistic"] = statistic
    frame.attrs["level"] = level
    frame.attrs["interval"] = interval
    return frame


def logit_interval(p: np.ndarray, se: np.ndarray, df: float, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """R's ``svyciprop(method="logit")``: a t interval for logit(p) with SE se/(p(1-p)), mapped back."""
    p = np.asarray(p, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        eta = np.log(p / (1 - p))
        se_eta = se / (p * (1 - p))
    t = t_quantiles(df, level, len(p))
    lo, hi = eta - t * se_eta, eta + t * se_eta
    return 1 / (1 + np.exp(-lo)), 1 / (1 + np.exp(-hi))


def srs_fraction(deff: str, N, n, kind: str):
    """What the with-replacement SRS variance is multiplied by for the deff's base: 1, or (N - n) / N for SRS
    without replacement from N = the sum of the weights (R's ``deff=TRUE``); a mean's is NaN where N < n (R: NA,
    "are weights correctly scaled?"). ``N``, ``n`` scalars or arrays (one per domain)."""
    if deff == "replace":
        return 1.0
    N = np.asarray(N, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        f = (N - n) / N
    return np.where(N < n, np.nan, f) if kind == "mean" else f
