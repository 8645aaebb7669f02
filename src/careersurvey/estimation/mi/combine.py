"""Combining analyses of M completed (imputed) data sets: Rubin's rules as R's ``mitools::MIcombine``, and the
D2 combination of chi-square tests (Li, Meng, Raghunathan & Rubin 1991) for Rao-Scott tests of independence.

``mi_combine(results, df_complete=None)`` takes one result per imputation (estimate frames with
``attrs["vcov"]``, or fitted models) and returns the combined estimates as a result frame:

- estimate: the mean of the M estimates; variance T = W + (1 + 1/M) B, W the mean within-imputation covariance,
  B the between-imputation covariance (sample covariance over M - 1);
- df: (M - 1)(1 + 1/r)², r = (1 + 1/M) B_jj / W_jj (infinite when the imputations agree); with
  ``df_complete`` (the complete-data df, e.g. the design df) Barnard & Rubin's small-sample df as mitools
  computes it: 1 / (1/df + 1/df_obs), df_obs = (ν + 1)/(ν + 3) ν W_jj / (W_jj + B_jj) — mitools uses
  W / (W + B), where Barnard & Rubin (1999) write 1 - (1 + 1/M) B / T; we follow mitools to match R;
- missinfo: (r + 2/(df + 3)) / (r + 1), the fraction of missing information;
- intervals with Student's t on that df (mitools' ``summary``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from careersurvey.estimation.estimators import EstimateError
from careersurvey.estimation.frames import result_frame


def _estimate_and_vcov(result) -> tuple[pd.Index, np.ndarray, np.ndarray]:
    from careersurvey.estimation.models.fit import ModelResults

    if isinstance(result, ModelResults):
        return result.coefficients.index, result.coefficients.to_numpy(float), result.cov_params.to_numpy(float)
    if isinstance(result, pd.DataFrame) and "estimate" in result.columns and "vcov" in result.attrs:
        return result.index, result["estimate"].to_numpy(float), np.atleast_2d(np.asarray(result.attrs["vcov"],
                                                                                          dtype=float))
    raise EstimateError(f"mi_combine() takes estimate frames (with attrs['vcov']) or fitted models, one per "
                        f"imputation; got a {type(result).__name__}")


def mi_combine(results: Sequence, df_complete: float | None = None, level: float = 0.95) -> pd.DataFrame:
    """Rubin's rules over one result per imputation, as ``mitools::MIcombine`` (see the module doc)."""
    results = list(results)
    m = len(results)
    if m < 2:
        raise EstimateError(f"mi_combine() needs the results of 2 or more imputations; got {m}")
    parts = [_estimate_and_vcov(r) for r in results]
    names = parts[0][0]
    for i, (n, _, _) in enumerate(parts[1:], start=2):
        if list(n) != list(names):
            raise EstimateError(f"imputation {i} estimates {list(n)}, imputation 1 {list(names)}: every "
                                "imputation must give the same estimates (a level missing in one data set?)")
    est = np.array([p[1] for p in parts])
    cbar = est.mean(axis=0)
    vbar = np.mean([p[2] for p in parts], axis=0)
    evar = np.atleast_2d(np.cov(est, rowvar=False, ddof=1))
    w, b = np.diag(vbar), np.diag(evar)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = (1 + 1 / m) * b / w
        df = (m - 1) * (1 + 1 / r) ** 2
        if df_complete is not None and math.isfinite(df_complete):
            nu = float(df_complete)
            dfobs = (nu + 1) / (nu + 3) * nu * w / (w + b)
            df = 1 / (1 / dfobs + 1 / df)
        missinfo = (r + 2 / (df + 3)) / (r + 1)
    cov = vbar + evar * (m + 1) / m
    frame = result_frame(names, cbar, cov, df, level=level, statistic=f"estimate over {m} imputations",
                         interval="rubin")
    frame["df"] = df
    frame["missinfo"] = missinfo
    frame.attrs["vcov"] = cov
    frame.attrs["nimp"] = m
    return frame


@dataclass(frozen=True)
class MIChisqResult:
    """A test of independence combined over imputations by D2: ``statistic`` ~ F(``ndf``, ``ddf``);
    ``chisq`` holds each imputation's first-order Rao-Scott chi-square, ``r`` the relative increase in
    variance from the imputations."""

    statistic: float
    ndf: float
    ddf: float
    p_value: float
    chisq: tuple[float, ...]
    r: float

    def __str__(self) -> str:
        return (f"Rao-Scott chi-square (first-order) combined over {len(self.chisq)} imputations (D2, Li, Meng, "
                f"Raghunathan & Rubin 1991)\nF = {self.statistic:.4f}, ndf = {self.ndf:g}, ddf = {self.ddf:.4f}, "
                f"p-value = {self.p_value:.4g}")

    __repr__ = __str__


def mi_chisq(results: Sequence) -> MIChisqResult:
    """D2 over the chi-squares of one ``chisq(..., statistic="Chisq")`` result per imputation: with d_m the
    first-order Rao-Scott X² on k df, r = (1 + 1/M) var(sqrt(d_m)), D2 = (mean(d)/k - (M+1)/(M-1) r)/(1 + r)
    on F(k, k^(-3/M) (M - 1)(1 + 1/r)²)."""
    results = list(results)
    m = len(results)
    if m < 2:
        raise EstimateError(f"mi_chisq() needs the tests of 2 or more imputations; got {m}")
    if any(np.isfinite(r.ddf) for r in results):
        raise EstimateError("mi_chisq() combines chi-squares: run chisq(..., statistic='Chisq') on each imputation "
                            "(the F statistic is not a chi-square)")
    k = results[0].ndf
    if any(r.ndf != k for r in results):
        raise EstimateError(f"the imputations' tables differ in df ({sorted({r.ndf for r in results})}): a level "
                            "is missing in some completed data set")
    d = np.array([r.adjusted for r in results], dtype=float)  # first-order corrected: chi-square on k df
    rr = (1 + 1 / m) * float(np.var(np.sqrt(d), ddof=1))
    D2 = (d.mean() / k - (m + 1) / (m - 1) * rr) / (1 + rr)
    ddf = k ** (-3 / m) * (m - 1) * (1 + 1 / rr) ** 2 if rr > 0 else math.inf
    p = float(stats.f.sf(D2, k, ddf)) if math.isfinite(ddf) else float(stats.chi2.sf(D2 * k, k))
    return MIChisqResult(float(D2), float(k), float(ddf), p, tuple(float(x) for x in d), rr)
