"""Sampling with probability proportional to size, without replacement: R survey's ``svydesign(pps=)``.

A PPS design gives each PSU's inclusion probability pi_i in ``fpc`` (a fraction, constant within the PSU). Four
ways to its variance, as R survey 4.1.1 has them (R/ppsvar.R, R/pps.R):

- ``pps="brewer"``: Brewer's approximation, the ordinary multistage engine with a finite population correction
  per unit, 1 - pi_i, instead of per stratum (R's ``as.fpc(pps = TRUE)``: popsize n / pi_i per row); later stages
  weighted by the earlier unit's pi. Any number of stages, every lonely-PSU rule.
- ``pps="overton"``, :func:`hartley_rao` and :func:`joint_probabilities`: the Horvitz-Thompson quadratic form
  sum_ij D_ij t_i t_j of the PSU totals t (of weighted influence values) with D_ij = (pi_ij - pi_i pi_j) / pi_ij,
  or the Yates-Grundy form (``pps_variance="YG"``), which subtracts sum_j t_j^2 sum_i D_ij. D is 1 - pi_i on the
  diagonal and 0 between strata; within a stratum of n PSUs Overton's approximation takes
  D_ij = 1 - (n - (pi_i + pi_j) / 2) / (n - 1), Hartley and Rao's D_ij = 1 - (n - pi_i - pi_j + s) / (n - 1) with
  s = sum over the population of pi_k^2 / n (given, or the stratum's mean of pi_i over the sample), and R zeroes
  an entry whose (pi_i + pi_j) / 2 (Overton) or pi_i + pi_j (Hartley-Rao) is exactly 1. With the joint
  probabilities given, D comes from them, entries below the tolerance in size set to 0 (R's ``ppsmat``). One
  stage only, as in R.

D is kept sparse (block-diagonal over strata), as R keeps it; an estimate's variance is then one sparse product
with its (U, k) PSU totals. Hartley-Rao's D has sum n_h^2 entries (R's is dense, n^2), so it is refused above
:data:`MAX_PAIRS`; Overton's form needs no matrix (see :class:`PPSVariance`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse

PPS_VARIANCES = ("HT", "YG")
#: The most within-stratum pairs of PSUs Hartley-Rao's D may hold (sum n_h^2; ~0.6 GB while it is built)
MAX_PAIRS = 20_000_000


@dataclass(frozen=True)
class HartleyRao:
    """Hartley and Rao's approximation (R's ``HR(psum)``): ``psum`` the population's sum of squared inclusion
    probabilities divided by the sample size, as one number, a mapping {stratum: value}, or the name of a column
    constant within strata; None takes each stratum's mean of pi over the sampled PSUs (R's ``HR()``)."""

    psum: float | Mapping | str | None = None


@dataclass(frozen=True, eq=False)
class JointProbabilities:
    """The PSUs' joint inclusion probabilities (R's ``ppsmat``): a (U, U) array in the order of the PSUs' first
    rows in the data (with ``psu=None``, the rows), or a DataFrame whose index and columns are the PSU ids;
    entries of D smaller than ``tolerance`` in size are taken as 0, as R does."""

    pij: Any
    tolerance: float = 1e-4


def hartley_rao(psum: float | Mapping | str | None = None) -> HartleyRao:
    """``pps=`` for Hartley and Rao's approximation to the joint inclusion probabilities (R's ``HR()``)."""
    return HartleyRao(psum)


def joint_probabilities(pij: Any, tolerance: float = 1e-4) -> JointProbabilities:
    """``pps=`` from the PSUs' joint inclusion probabilities (R's ``ppsmat()``)."""
    return JointProbabilities(pij, tolerance)


def describe(pps: Any) -> str:
    """The method in words, for printing a design."""
    if pps == "brewer":
        return "Brewer's approximation"
    if pps == "overton":
        return "Overton's approximation"
    if isinstance(pps, HartleyRao):
        return "Hartley-Rao approximation"
    return "joint inclusion probabilities"


def check_method(pps: Any, pps_variance: str, n_stages: int, error: type[Exception]) -> None:
    """Refuse an unknown method or variance, and more than one stage where only Brewer's allows it."""
    if not (pps in ("brewer", "overton") or isinstance(pps, (HartleyRao, JointProbabilities))):
        raise error(f"pps={pps!r} is not a method; use 'brewer', 'overton', cs.hartley_rao(psum) or "
                    "cs.joint_probabilities(pij)")
    if pps_variance not in PPS_VARIANCES:
        raise error(f"pps_variance={pps_variance!r}: use 'HT' (Horvitz-Thompson) or 'YG' (Yates-Grundy)")
    if pps == "brewer" and pps_variance != "HT":
        raise error("pps='brewer' has only the Horvitz-Thompson form (pps_variance='HT'), as in R")
    if n_stages > 1 and pps != "brewer":
        raise error(f"{describe(pps)} is for one stage; with {n_stages} stages use pps='brewer' (as R)")


def check_arguments(pps: Any, pps_variance: str, n_stages: int, has_fpc: bool, with_replacement: bool,
                    error: type[Exception]) -> None:
    """A design's pps arguments as R's svydesign takes them: no with-replacement PPS design, a known method and
    variance (:func:`check_method`), and an fpc holding the inclusion probabilities."""
    if pps is not None and with_replacement:
        raise error(f"pps={pps!r} describes sampling without replacement; leave out with_replacement=True, or "
                    "pps= for the with-replacement approximation (weights 1/pi, no fpc)")
    if pps is not None:
        check_method(pps, pps_variance, n_stages, error)
        if not has_fpc:
            raise error(f"pps={pps!r} needs each PSU's inclusion probability: give fpc, a column of "
                        "probabilities (fractions <= 1) per stage, constant within the PSU")


def check_probs(weights: Any, probs: list[str], columns, error: type[Exception]) -> None:
    """R's ``probs=``: not with weights, and columns that are there."""
    if weights is not None:
        raise error("give weights or probs, not both (R: 'Can't specify both sampling weights and "
                    "probabilities')")
    missing = [c for c in probs if c not in columns]
    if missing:
        raise error(f"probs column(s) {', '.join(map(repr, missing))} not in the data; name the columns of "
                    "sampling probabilities, one per stage")


def _pairs(stratum: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every ordered pair (i, j) of units in the same stratum, and each pair's stratum size: sum n_h^2 pairs."""
    U = len(stratum)
    order = np.argsort(stratum, kind="stable")
    size = np.bincount(stratum)
    start = np.concatenate([[0], np.cumsum(size)[:-1]])
    pos = np.empty(U, dtype=np.int64)
    pos[order] = np.arange(U)
    n_i = size[stratum]
    i = np.repeat(np.arange(U), n_i)
    offset = np.arange(len(i)) - np.repeat(np.cumsum(n_i) - n_i, n_i)
    j = order[np.repeat(start[stratum], n_i) + offset]
    return i, j, n_i[i]


def psum_per_stratum(psum: Any, prob: np.ndarray, unit_stratum: np.ndarray, labels: np.ndarray,
                     data: pd.DataFrame, row_stratum: np.ndarray, error: type[Exception]) -> np.ndarray:
    """Hartley-Rao's s per stratum (H,): given (a number, {stratum: value}, a column constant within strata) or,
    without ``psum``, each stratum's mean of the sampled PSUs' pi (R's ``HR()``)."""
    H = len(labels)
    if psum is None:
        return np.bincount(unit_stratum, weights=prob, minlength=H) / np.bincount(unit_stratum, minlength=H)
    if isinstance(psum, str):
        if psum not in data.columns:
            return psum_column(psum, None, None, error)
        values = pd.to_numeric(data[psum], errors="coerce").to_numpy(dtype=float)
        lo, hi = np.full(H, np.inf), np.full(H, -np.inf)
        np.minimum.at(lo, row_stratum, values)  # NaN propagates: a missing value makes its stratum's NaN
        np.maximum.at(hi, row_stratum, values)
        return psum_column(psum, lo, hi, error)
    if isinstance(psum, Mapping):
        missing = [str(x) for x in labels if x not in psum and str(x) not in psum]
        if missing:
            raise error(f"hartley_rao(psum=...) has no value for stratum {', '.join(missing[:5])}; give one "
                        "number per stratum")
        return np.array([float(psum[x] if x in psum else psum[str(x)]) for x in labels])
    return np.full(H, float(psum))


def psum_column(psum: str, lo: np.ndarray | None, hi: np.ndarray | None, error: type[Exception]) -> np.ndarray:
    """Hartley-Rao's s per stratum from a column ``psum``, given its smallest and largest value per stratum (NaN
    where a row has none; ``lo`` None: no such column): refused unless one number per stratum. The aggregate half
    of :func:`psum_per_stratum`, shared with the engine path (which reads ``lo``, ``hi`` by one GROUP BY)."""
    if lo is None:
        raise error(f"hartley_rao(psum={psum!r}): no such column; name a column holding the population's sum "
                    "of squared inclusion probabilities over n, one value per stratum")
    lo, hi = np.asarray(lo, dtype=float), np.asarray(hi, dtype=float)
    if np.isnan(lo).any() or np.isnan(hi).any() or not np.array_equal(lo, hi):
        raise error(f"hartley_rao(psum={psum!r}): the column must hold a number, the same in every row of a "
                    "stratum")
    return lo


def labelled_pij(pij: pd.DataFrame, ids: Any, psu_name: str, error: type[Exception]) -> np.ndarray:
    """Joint probabilities labelled by PSU ids (index and columns), as an array in the order of ``ids``; refused
    naming the PSUs it lacks."""
    ids = pd.Index(ids)
    if not (ids.isin(pij.index).all() and ids.isin(pij.columns).all()):
        missing = ids[~(ids.isin(pij.index) & ids.isin(pij.columns))]
        raise error(f"joint_probabilities(): PSU {', '.join(map(str, missing[:5]))} of {psu_name} is not in the "
                    "index and columns of the joint probabilities; label them by the PSU ids")
    return pij.loc[ids, ids].to_numpy(dtype=float)


def dcheck(pps: Any, prob: np.ndarray, stratum: np.ndarray, psum: np.ndarray | None = None,
           pij: np.ndarray | None = None, error: type[Exception] = ValueError) -> sparse.csr_matrix:
    """R's D-check matrix (U, U) of one stage's units: inclusion probabilities ``prob`` (U,), strata (U,)."""
    U = len(prob)
    pairs = int((np.bincount(stratum).astype(np.int64) ** 2).sum())
    if pairs > MAX_PAIRS and not isinstance(pps, JointProbabilities):
        raise error(f"{describe(pps)} needs a matrix of {pairs:,} pairs of PSUs within strata (at most "
                    f"{MAX_PAIRS:,}); use pps='overton' or 'brewer', which need none")
    if isinstance(pps, JointProbabilities):
        p = np.diag(pij)
        with np.errstate(divide="ignore", invalid="ignore"):
            D = (pij - np.outer(p, p)) / pij
        D[np.abs(D) < pps.tolerance] = 0.0
        return sparse.csr_matrix(D)
    i, j, n = _pairs(stratum)
    off = i != j
    if pps == "overton":  # kept for checking PPSVariance's O(U) form against R's matrix
        fbar = (prob[i] + prob[j]) / 2
        with np.errstate(divide="ignore", invalid="ignore"):
            v = 1 - (n - fbar) / (n - 1)
    else:
        fbar = prob[i] + prob[j]
        with np.errstate(divide="ignore", invalid="ignore"):
            v = 1 - (n - fbar + psum[stratum[i]]) / (n - 1)
    v = np.where(off & (fbar != 1), v, 0.0)
    v = np.where(off, v, 1 - prob[i])
    keep = v != 0
    return sparse.csr_matrix((v[keep], (i[keep], j[keep])), shape=(U, U))


@dataclass(frozen=True, eq=False)
class PPSVariance:
    """The quadratic form of a PPS design's stage-1 PSU totals: Horvitz-Thompson or Yates-Grundy.

    With ``D`` (Hartley-Rao, joint probabilities) one sparse product; Overton's D is
    ((pi_i + pi_j) / 2 - 1) / (n - 1) off the diagonal, so its form is computed from per-stratum sums of the totals
    and of pi times the totals (``prob``, ``stratum``): O(U), no matrix, for any number of PSUs."""

    D: sparse.csr_matrix | None
    form: str = "HT"
    prob: np.ndarray | None = None
    stratum: np.ndarray | None = None

    def __call__(self, totals: np.ndarray) -> np.ndarray:
        """Covariance (k, k) of the column totals from PSU totals (U, k) of weighted influence values."""
        if self.D is None:
            return self._overton(totals)
        DT = np.asarray(self.D @ totals)
        v = totals.T @ DT
        if self.form == "YG":
            colsum = np.asarray(self.D.sum(axis=0)).reshape(-1)
            v = v - totals.T @ (totals * colsum[:, None])
        return v

    def _overton(self, T: np.ndarray) -> np.ndarray:
        p, h = self.prob, self.stratum
        H = int(h.max()) + 1
        n = np.bincount(h, minlength=H).astype(float)
        a = np.where(n > 1, 1 / np.maximum(n - 1, 1), 0.0)  # 1 / (n - 1): no pairs in a one-PSU stratum

        def by_stratum(values):
            return np.column_stack([np.bincount(h, weights=values[:, j], minlength=H) for j in range(values.shape[1])])

        S, Sp = by_stratum(T), by_stratum(T * p[:, None])
        au = a[h]
        # sum_ij D_ij T_i T_j' = sum_i (1 - p_i) T_i T_i' + sum_h a_h [(Sp S' + S Sp') / 2 - S S'] - sum_i a (p_i - 1) T_i T_i'
        v = T.T @ (T * (1 - p - au * (p - 1))[:, None])
        v += (Sp.T @ (S * a[:, None]) + S.T @ (Sp * a[:, None])) / 2 - S.T @ (S * a[:, None])
        if self.form == "YG":  # minus sum_j T_j T_j' times D's column sum
            P = np.bincount(h, weights=p, minlength=H)
            colsum = (1 - p) + au * ((P[h] - p) / 2 + (n[h] - 1) * (p / 2 - 1))
            v = v - T.T @ (T * colsum[:, None])
        return v
