"""Replicate weights: jackknife (JK1, JKn), balanced repeated replication (BRR, Fay) and bootstrap.

Built as R survey's ``as.svrepdesign`` builds them (``jk1weights``, ``jknweights``, ``brrweights``,
``bootweights``), from the first-stage strata and PSUs of a design. A :class:`ReplicateWeights` value holds
the replicate analysis weights (already multiplied by the sampling weights) with the constants of R's
``svrVar``: variance = scale * sum_r rscales[r] (theta_r - centre)(theta_r - centre)^T, centre = the mean of
the replicate estimates, or the full-sample estimate when ``mse`` is true. :meth:`ReplicateWeights.covariance`
is the one implementation of it, used by the estimates and the models alike.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd
from scipy.linalg import solve_triangular

from careersurvey.estimation.weighting.errors import WeightingError

REPLICATE_METHODS: tuple[str, ...] = ("JK1", "JKn", "BRR", "Fay", "bootstrap")


#: R's ``degf()`` of a replicate design: ``qr(weights(design, "analysis"), tol = 1e-5)$rank - 1``.
QR_TOL = 1e-5


def qr_rank(W: np.ndarray, tol: float = QR_TOL) -> int:
    """The rank of ``W`` (n, R) as R's ``qr(W, tol)$rank`` finds it (LINPACK ``dqrdc2``).

    dqrdc2 takes the columns in order and sets aside a column whose norm, once the columns kept before it are
    projected out, is below ``tol`` times its original norm; the rank is the number kept. That is not the
    rank numpy's ``matrix_rank`` gives (singular values against max(n, R) eps times the largest): a column
    within 1e-5 of the span of the others counts for numpy and not for R (df 98 where R gives 85 on a JKn
    design with very unequal PSU weights). dqrdc2 follows those norms by downdating (computed afresh only when
    one falls by 1e6 in a step), and after a calibration replicate columns sit near the 1e-5 line, where the
    downdated norm and the exact one (:func:`gram_rank`) can fall on either side of it (a JKn design calibrated
    on 40 strata: R 95, exact norms 96). So the decision is dqrdc2's own (:func:`_dqrdc2_rank`), on W's
    triangular factor from LAPACK's QR (an (R, R) matrix with W's column and residual norms). That QR costs
    ~14 times W'W (1M rows, 160 replicates: 50 s against 3.7 s), so it runs only when a column's exact residual
    norm lies within a factor :data:`NEAR` of the line, where downdating can move it across; elsewhere the
    Gram's decisions are dqrdc2's.
    """
    W = np.asarray(W, dtype=float)
    n, p = W.shape
    rank, margin = _gram_decisions(W.T @ W, tol)
    if margin > NEAR:
        return min(rank, n)
    if n > p:
        W = np.linalg.qr(W, mode="r")
    return min(_dqrdc2_rank(W, tol), n)


#: how far (a factor) from the tolerance every exact residual norm must be for the Gram's decisions to stand
NEAR = 10.0


def _dqrdc2_rank(x: np.ndarray, tol: float) -> int:
    """R's LINPACK dqrdc2 (Householder, limited pivoting) as far as its rank: the columns in order, a column set
    aside (moved last) once its norm has fallen below ``tol`` times its original norm, norms downdated after
    each reflection and computed afresh when one falls by 1e6 in a step. Loops over columns, not rows."""
    x = np.array(x, dtype=float)
    n, p = x.shape
    norms = np.sqrt(np.einsum("ij,ij->j", x, x))
    orig = np.where(norms == 0, 1.0, norms)
    k = p  # columns still in play (dqrdc2's k - 1)
    for l in range(min(n, p)):
        while l < k and norms[l] < orig[l] * tol:  # negligible: to the end
            idx = np.r_[np.arange(l), np.arange(l + 1, p), l]
            x, norms, orig = x[:, idx], norms[idx], orig[idx]
            k -= 1
        if l == n - 1:
            continue
        col = x[l:, l]
        nrm = float(np.sqrt(col @ col))
        if nrm == 0:
            continue
        if col[0] != 0:
            nrm = float(np.copysign(nrm, col[0]))
        v = col / nrm
        v[0] += 1.0
        x[l:, l] = v
        if l + 1 < p:
            rest = x[l:, l + 1:]
            rest += np.outer(v, -(v @ rest) / v[0])
            live = norms[l + 1:] != 0
            with np.errstate(divide="ignore", invalid="ignore"):
                tt = np.where(live, np.maximum(1.0 - (np.abs(rest[0]) / norms[l + 1:]) ** 2, 0.0), 1.0)
            fresh = live & (tt < 1e-6)
            upd = norms[l + 1:] * np.sqrt(tt)
            if fresh.any():
                upd[fresh] = np.sqrt(np.einsum("ij,ij->j", rest[1:, fresh], rest[1:, fresh]))
            norms[l + 1:] = upd
        x[l, l] = -nrm
    return min(k, n)


def gram_rank(G: np.ndarray, n: int, tol: float = QR_TOL) -> int:
    """The rank from the Gram matrix ``G`` = W'W (R x R) of a matrix with ``n`` rows, with exact residual norms
    (the engine path sums G inside the engine when W has too many distinct rows to bring back): as
    :func:`qr_rank` but where dqrdc2's downdated norm and the exact one fall on either side of the line. The
    squared residual norm of column j given the kept columns K is G_jj - |L_K^-1 G_Kj|^2, L_K the Cholesky
    factor of G_KK, built up one kept column at a time."""
    return min(_gram_decisions(G, tol)[0], n)


def _gram_decisions(G: np.ndarray, tol: float) -> tuple[int, float]:
    """(columns kept, the smallest factor between a column's relative residual norm and ``tol``) from the Gram
    matrix, with exact norms (:func:`gram_rank`)."""
    G = np.asarray(G, dtype=float)
    p = G.shape[0]
    L = np.zeros((p, p))
    kept: list[int] = []
    margin = np.inf
    for j in range(p):  # over the R replicates, not over rows
        gjj = G[j, j]
        if gjj == 0:
            continue
        k = len(kept)
        ell = solve_triangular(L[:k, :k], G[kept, j], lower=True) if k else np.zeros(0)
        r2 = gjj - ell @ ell
        if r2 > 0:
            ratio = np.sqrt(r2 / gjj) / tol
            margin = min(margin, max(ratio, 1 / ratio))
        if r2 <= 0 or r2 < tol * tol * gjj:
            continue
        L[k, :k] = ell
        L[k, k] = np.sqrt(r2)
        kept.append(j)
    return len(kept), margin


@dataclass(frozen=True, eq=False)
class ReplicateWeights:
    """Replicate analysis weights (n, R) and the constants that turn replicate estimates into a variance.

    ``fixed_degf``: the degrees of freedom carried over from the weights before a weighting step (R keeps
    ``design$degf`` through ``calibrate`` and ``trimWeights``); None to compute them from these weights.
    """

    weights: np.ndarray
    scale: float
    rscales: np.ndarray
    mse: bool = False
    method: str = "other"
    rho: float | None = None
    fixed_degf: int | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        """Check the shapes and constants; store weights and rscales as float arrays."""
        w = np.asarray(self.weights, dtype=float)
        if w.ndim != 2 or w.shape[1] < 1:
            raise WeightingError(f"replicate weights must be an (n, R) matrix with R >= 1, got shape {w.shape}")
        if not np.isfinite(w).all():
            bad = np.flatnonzero(~np.isfinite(w).all(axis=0))[:5] + 1
            raise WeightingError(f"replicate weights {bad.tolist()} (counting from 1) contain missing or infinite "
                                 "values; fill or drop those replicates")
        rs = np.broadcast_to(np.asarray(self.rscales, dtype=float), (w.shape[1],)).copy()
        if not np.isfinite(self.scale) or self.scale < 0 or (rs < 0).any():
            raise WeightingError(f"replicate scale {self.scale} and rscales must be finite and non-negative")
        object.__setattr__(self, "weights", w)
        object.__setattr__(self, "rscales", rs)

    @property
    def n_replicates(self) -> int:
        """Number of replicate columns R."""
        return int(self.weights.shape[1])

    @cached_property
    def degf(self) -> int:
        """R's ``degf()`` of a replicate design: rank of the replicate weights by ``qr(tol = 1e-5)`` minus
        one; computed once (an (n, R) Gram product) and kept with these immutable weights."""
        if self.fixed_degf is not None:
            return int(self.fixed_degf)
        return qr_rank(self.weights) - 1

    def covariance(self, thetas: np.ndarray, estimate: np.ndarray) -> np.ndarray:
        """R's ``svrVar``: thetas (R,) or (R, k) replicate estimates; returns (k, k).

        Centre: the mean of the replicates with positive rscale, or ``estimate`` when ``mse`` is true.
        """
        return replicate_covariance(thetas, estimate, self.scale, self.rscales, self.mse)

    def with_weights(self, weights: np.ndarray, keep_degf: bool = True) -> "ReplicateWeights":
        """The same constants with new replicate weights (after a weighting step). As R, the degrees of
        freedom are those of the weights before the step (``calibrate``, ``trimWeights``) unless
        ``keep_degf`` is false (``postStratify`` and ``rake`` recompute them)."""
        return ReplicateWeights(weights, self.scale, self.rscales, self.mse, self.method, self.rho,
                                fixed_degf=self.degf if keep_degf else None)

    def with_mse(self, mse: bool) -> "ReplicateWeights":
        """The same weights (and degrees of freedom, once computed) centred on the full-sample estimate."""
        return ReplicateWeights(self.weights, self.scale, self.rscales, mse, self.method, self.rho,
                                fixed_degf=self.__dict__.get("degf", self.fixed_degf))


def replicate_covariance(thetas: np.ndarray, estimate: np.ndarray, scale: float, rscales: np.ndarray,
                         mse: bool) -> np.ndarray:
    """R's ``svrVar`` (the one place the rule lives): replicate estimates ``thetas`` (R,) or (R, k) to a (k, k)
    covariance, centred on the mean of the replicates with positive rscale, or on ``estimate`` when ``mse``."""
    th = np.asarray(thetas, dtype=float)
    th = th[:, None] if th.ndim == 1 else th
    rscales = np.asarray(rscales, dtype=float)
    if mse:
        centre = np.atleast_1d(np.asarray(estimate, dtype=float))
    else:
        centre = th[rscales > 0].mean(axis=0)
    dev = (th - centre) * np.sqrt(rscales)[:, None]
    return scale * dev.T @ dev


def replicate_constants(method: str, r: int, combined: bool, scale: float | None, rscales, rho: float | None,
                        first_column_max: float | None, column_max: np.ndarray | None) -> tuple[float, np.ndarray]:
    """R's default ``scale`` and ``rscales`` of ``svrepdesign`` per method, from the largest multiplier of the
    first column (JK1) and of every column (JKn) when those defaults need them."""
    if method == "BRR":
        scale = 1.0 / r
    elif method == "Fay":
        if rho is None:
            raise WeightingError("Fay replicates need rho (e.g. rho=0.5)")
        scale = 1.0 / (r * (1.0 - rho) ** 2)
    elif method == "bootstrap":
        scale = 1.0 / (r - 1.0) if scale is None else scale
    elif method == "JK1":
        if scale is None:
            scale = (r - 1.0) / r if combined else 1.0 / float(first_column_max)
    elif method == "JKn":
        if rscales is None:
            if combined:
                raise WeightingError("JKn replicate weights given as combined weights need rscales")
            rscales = 1.0 / np.asarray(column_max, dtype=float)
    elif method in ("successive-difference", "ACS"):
        scale, rscales = 4.0 / r, np.ones(r)
    elif method != "other":
        raise WeightingError(f"unknown replicate method {method!r}; use one of {REPLICATE_METHODS + ('other',)}")
    return (1.0 if scale is None else float(scale),
            np.ones(r) if rscales is None else np.asarray(rscales, dtype=float))


def _first_appearance_codes(values: np.ndarray) -> tuple[np.ndarray, int]:
    """Codes in order of first appearance (R's unique()) and their number."""
    codes, uniques = pd.factorize(values, sort=False)
    return codes.astype(np.int64), len(uniques)


def _psus_within_strata(strata: np.ndarray, psu: np.ndarray) -> tuple[np.ndarray, int, np.ndarray, int, np.ndarray]:
    """Stratum codes and PSU codes per row, their numbers, and each PSU's stratum; all in first-appearance order.

    A PSU is a (stratum, PSU value) pair, so equal PSU codes in two strata are two PSUs, as R's replicate
    weights count them. The pair is coded as one integer (no tuples per row).
    """
    s_codes, n_strata = _first_appearance_codes(strata)
    v_codes, n_values = _first_appearance_codes(psu)
    p_codes, n_psu = _first_appearance_codes(s_codes * (n_values + 1) + (v_codes + 1))  # +1: a missing value is -1
    psu_stratum = np.zeros(n_psu, dtype=np.int64)
    psu_stratum[p_codes] = s_codes
    return s_codes, n_strata, p_codes, n_psu, psu_stratum


def _fpc_factor(n: int, popsize: float | None, where: str) -> float:
    """1 - n/N for a population size N (>1) or sampling fraction (<=1); 1 without fpc."""
    if popsize is None or not np.isfinite(popsize):
        return 1.0
    if popsize <= 1:
        return 1.0 - popsize
    if popsize < n:
        raise WeightingError(f"{where}: population size {popsize:g} is smaller than the {n} sampled PSUs")
    return (popsize - n) / popsize


def jk1(psu: np.ndarray, pweights: np.ndarray, popsize: np.ndarray | None = None) -> ReplicateWeights:
    """Delete-one-PSU jackknife for an unstratified design (R's ``jk1weights``)."""
    codes, n = _first_appearance_codes(psu)
    if n < 2:
        raise WeightingError(f"JK1 needs at least 2 PSUs, the design has {n}; give psu= (clusters), or use "
                             "replicates='bootstrap' only with several PSUs")
    fpc = None
    if popsize is not None:
        vals = np.unique(popsize[np.isfinite(popsize)])
        if len(vals) > 1:
            raise WeightingError(f"JK1 needs one population size for all PSUs, found {len(vals)}; use JKn")
        fpc = float(vals[0]) if len(vals) else None
    mult = np.full((len(codes), n), n / (n - 1.0))
    mult[np.arange(len(codes)), codes] = 0.0
    return ReplicateWeights(mult * pweights[:, None], scale=_fpc_factor(n, fpc, "JK1") * (n - 1) / n,
                            rscales=np.ones(n), method="JK1")


def jkn(strata: np.ndarray, psu: np.ndarray, pweights: np.ndarray, popsize: np.ndarray | None = None,
        lonely_psu: str = "fail") -> ReplicateWeights:
    """Stratified delete-one-PSU jackknife (R's ``jknweights``): one replicate per PSU, rscales per stratum."""
    s_codes, n_strata, p_codes, n_psu, psu_stratum = _psus_within_strata(strata, psu)
    cols, rscales = [], []
    for h in range(n_strata):
        members = np.flatnonzero(psu_stratum == h)
        nh = len(members)
        rows_h = s_codes == h
        fpc_h = None
        if popsize is not None:
            vals = np.unique(popsize[rows_h])
            fpc_h = float(vals[0]) if len(vals) else None
        label = pd.unique(strata[rows_h])[0]
        f = _fpc_factor(nh, fpc_h, f"stratum {label!r}")
        if nh == 1 and f != 0:
            if lonely_psu == "fail":
                raise WeightingError(
                    f"stratum {label!r} has only one PSU, so the jackknife cannot delete it; pass "
                    f"lonely_psu='remove', 'certainty', 'average' or 'adjust', or merge the stratum")
            if lonely_psu == "adjust":
                m = np.where(rows_h, 0.0, n_strata / (n_strata - 1.0))
                cols.append(m)
                rscales.append((n_strata - 1.0) / n_strata)
            continue
        if f == 0:  # sampled exhaustively: no variance contribution, no replicates (R's survey.drop.replicates)
            continue
        for j in members:
            m = np.ones(len(s_codes))
            m[rows_h] = nh / (nh - 1.0)
            m[p_codes == j] = 0.0
            cols.append(m)
            rscales.append(f * (nh - 1.0) / nh)
    if not cols:
        raise WeightingError("all strata were sampled exhaustively or dropped: there is no sampling variance")
    scale = 1.0
    if lonely_psu == "average" and len(cols) < n_psu:
        scale = n_psu / len(cols)
    mult = np.column_stack(cols)
    return ReplicateWeights(mult * pweights[:, None], scale=scale, rscales=np.array(rscales), method="JKn")


def sylvester(order: int) -> np.ndarray:
    """0/1 Sylvester Hadamard matrix of a power-of-two order (entry 1 where +1); R's for orders 4, 8, 16."""
    i = np.arange(order)
    bits = np.bitwise_and(i[:, None], i[None, :])
    parity = np.zeros_like(bits)
    while bits.any():
        parity ^= bits & 1
        bits >>= 1
    return (1 - parity).astype(np.int8)


def brr(strata: np.ndarray, psu: np.ndarray, pweights: np.ndarray, rho: float = 0.0,
        hadamard: np.ndarray | None = None) -> ReplicateWeights:
    """Balanced repeated replication (Fay's method when rho > 0) for designs with 2 PSUs per stratum.

    Strata are taken in sorted order and the two PSUs of each in order of appearance, as R does; the
    Hadamard matrix is Sylvester's of the smallest power-of-two order above the number of strata (R's own
    choice for up to 15 strata; beyond, R uses other matrices: pass R's as ``hadamard`` to reproduce it).
    """
    if not 0 <= rho < 1:
        raise WeightingError(f"Fay's rho must be in [0, 1), got {rho}")
    labels = pd.Series(strata).astype(str).to_numpy()
    pairs = pd.DataFrame({"s": labels, "p": pd.Series(list(zip(labels, psu)))})
    first = pairs.drop_duplicates("p")
    sizes = first.groupby("s").size()
    wrong = sizes[sizes != 2]
    if len(wrong):
        detail = ", ".join(f"{k!r} ({v} PSUs)" for k, v in wrong.head(5).items())
        raise WeightingError(
            f"BRR needs exactly 2 PSUs in every stratum; strata {detail} differ. Pair PSUs into "
            f"pseudo-strata, or use JKn or bootstrap replicates")
    order = sorted(sizes.index)
    k = len(order)
    if hadamard is None:
        size = 1
        while size < k + 1:
            size *= 2
        h = sylvester(size)
    else:
        h = np.asarray(hadamard)
        vals = np.unique(h)
        if len(vals) != 2 or h.shape[0] < k + 1:
            raise WeightingError(f"hadamard must be a two-valued matrix with at least {k + 1} rows")
        h = (h != vals[0]).astype(np.int8) if vals[0] != 1 else (h == 1).astype(np.int8)
        pm = 2.0 * h - 1.0
        if not np.allclose(pm.T @ pm, pm.shape[0] * np.eye(pm.shape[1])):
            raise WeightingError("hadamard is not a Hadamard matrix (columns are not orthogonal)")
    pair_of = {s: i for i, s in enumerate(order)}
    first = first.assign(pair=first["s"].map(pair_of), pos=first.groupby("s").cumcount())
    psu_pair = dict(zip(first["p"], first["pair"]))
    psu_pos = dict(zip(first["p"], first["pos"]))
    row_pair = pairs["p"].map(psu_pair).to_numpy(dtype=np.int64)
    row_pos = pairs["p"].map(psu_pos).to_numpy(dtype=np.int64)
    sign = h[1 + row_pair, :].astype(bool)  # (n, R): True -> the first PSU of the pair is kept
    keep = np.where(row_pos[:, None] == 0, sign, ~sign)
    mult = np.where(keep, 2.0 - rho, rho)
    r = mult.shape[1]
    return ReplicateWeights(mult * pweights[:, None], scale=1.0 / (r * (1.0 - rho) ** 2), rscales=np.ones(r),
                            method="BRR" if rho == 0 else "Fay", rho=rho)


def bootstrap(strata: np.ndarray | None, psu: np.ndarray, pweights: np.ndarray, replicates: int = 50,
              popsize: np.ndarray | None = None, seed: int | None = None) -> ReplicateWeights:
    """With-replacement bootstrap of PSUs within strata (R's ``bootweights``): multipliers are the counts.

    With a population size, PSUs are drawn without replacement from N copies cycled over the sample, as R
    does. scale = m / ((m - 1)(R - 1)), m the harmonic mean of PSUs per stratum.
    """
    if replicates < 2:
        raise WeightingError("bootstrap needs at least 2 replicates")
    rng = np.random.default_rng(seed)
    strata = np.zeros(len(psu), dtype=np.int64) if strata is None else strata
    s_codes, n_strata, p_codes, n_psu, psu_stratum = _psus_within_strata(strata, psu)
    counts = np.zeros((n_psu, replicates))
    per_stratum = np.bincount(psu_stratum, minlength=n_strata)
    for h in range(n_strata):
        members = np.flatnonzero(psu_stratum == h)
        nh = len(members)
        fpc_h = None
        if popsize is not None:
            vals = np.unique(popsize[s_codes == h])
            fpc_h = float(vals[0]) if len(vals) else None
            if fpc_h is not None and fpc_h <= 1:
                fpc_h = nh / fpc_h
        if fpc_h is None:
            counts[members] = rng.multinomial(nh, np.full(nh, 1.0 / nh), size=replicates).T
        else:
            big = int(round(fpc_h))
            if big < nh:
                label = pd.unique(strata[s_codes == h])[0]
                raise WeightingError(f"stratum {label!r}: population size {big} is smaller than the {nh} sampled "
                                     "PSUs; correct the fpc column")
            copies = np.full(nh, big // nh)
            copies[: big % nh] += 1
            counts[members] = rng.multivariate_hypergeometric(copies, nh, size=replicates).T
    m = 1.0 / np.mean(1.0 / per_stratum)
    if m <= 1:
        raise WeightingError("bootstrap needs strata with at least 2 PSUs on average; collapse strata with a "
                             "single PSU first")
    mult = counts[p_codes]
    return ReplicateWeights(mult * pweights[:, None], scale=m / ((m - 1.0) * (replicates - 1.0)),
                            rscales=np.ones(replicates), method="bootstrap")


def from_columns(multipliers: np.ndarray, pweights: np.ndarray, method: str, combined: bool = False,
                 scale: float | None = None, rscales: np.ndarray | None = None, rho: float | None = None,
                 mse: bool = False) -> ReplicateWeights:
    """Replicate weights supplied as data (R's ``svrepdesign``), with R's default constants per method."""
    w = np.asarray(multipliers, dtype=float)
    r = w.shape[1]
    full = w if combined else w * pweights[:, None]
    scale, rscales = replicate_constants(method, r, combined, scale, rscales, rho,
                                         float(w[:, 0].max()) if method == "JK1" and not combined else None,
                                         w.max(axis=0) if method == "JKn" and rscales is None and not combined
                                         else None)
    return ReplicateWeights(full, scale=scale, rscales=rscales, mse=mse, method=method, rho=rho)


def replicate_columns(data: pd.DataFrame, replicate_weights: str | Sequence[str]) -> np.ndarray:
    """The replicate weight columns (n, R) as floats: a list of columns, or a regular expression matching them;
    an error names missing, unmatched or non-numeric columns and what to do."""
    if isinstance(replicate_weights, str):
        pattern = re.compile(replicate_weights)
        cols = [c for c in data.columns if pattern.search(str(c))]
        if not cols:
            raise WeightingError(f"no columns match the replicate-weight pattern {replicate_weights!r}")
    else:
        cols = list(replicate_weights)
        missing = [c for c in cols if c not in data.columns]
        if missing:
            raise WeightingError(f"replicate weight columns {missing[:5]} are not in the data; give existing columns "
                                 "or a regular expression that matches them")
    mult = data[cols].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
    if not np.isfinite(mult).all():
        bad = [c for c in cols if not np.isfinite(mult[:, cols.index(c)]).all()]
        raise WeightingError(f"replicate weight columns {bad[:5]} have missing or non-numeric values; fill them "
                             "(0 for units a replicate drops) or leave those replicates out")
    return mult
