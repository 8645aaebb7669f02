"""Means, totals and ratios of every domain of ``by=`` in one grouped pass (R's ``svyby`` of ``svymean``,
``svytotal``, ``svyratio``), equal to one estimate per domain over the full design.

The by variables are factorised once into a domain code per row (-1 outside every domain); point estimates
are group sums (``np.bincount``; sparse indicator products for replicate weights, so no (n, R) copy per
domain); the influence values of all domains stay factored (:class:`GroupedDeviations`: unit totals are
group sums per unit) and go through the design's variance engine in one call; on a weighted design their
calibration residuals come from grouped sums too (:mod:`.residualised`). The design df and deff of each
domain are grouped counts and sums as well. :func:`grouped` returns None where the per-domain path must run
(a linearised design under ``lonely_psu="average"``, whose stratum counts depend on the domain's own rows).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from scipy import sparse

from careersurvey.estimation.frames import logit_interval, result_frame, srs_fraction, t_quantiles
from careersurvey.estimation.residualised import residualise
from careersurvey.estimation.stages import Stage
from careersurvey.estimation import variance as _variance
from careersurvey.estimation.variance import FactoredInfluence
from careersurvey.estimation.weighting.replicate import qr_rank

#: a calibrated design's domain columns are residualised in blocks of at most this many unit totals
DENSE_BATCH = 1 << 24
#: without covmat, a replicate or calibrated design's domain variances are taken in blocks of at most this many
#: columns (a (K, K) covariance of thousands of domains would cost U K^2 and K^2 memory for a diagonal)
COLUMN_BATCH = 256


@dataclass(frozen=True, eq=False)
class Domains:
    """The domains of ``by``: a code per row (-1 outside), the labels in sorted order, and their count."""

    code: np.ndarray
    labels: list
    by_cols: list[str]

    @property
    def n(self) -> int:
        return len(self.labels)


def find_domains(design, by_cols: list[str]) -> Domains:
    """Domain codes of the rows: the level combinations with a row of non-zero weight (R drops empty groups),
    numbered in sorted order; rows with zero weight or a missing by value (NaN, None, pd.NA) are -1. Each by
    variable is factorised once (no comparison of every row with every level)."""
    keys = design.columns(by_cols)
    codes = np.zeros(len(keys), dtype=np.int64)
    uniques = []
    for b in by_cols:
        c, u = pd.factorize(keys[b], sort=True)
        codes = np.where((codes < 0) | (c < 0), -1, codes * max(len(u), 1) + c)
        uniques.append(u)
    codes = np.where(design.w != 0, codes, -1)
    valid = codes >= 0
    inner, present = pd.factorize(codes[valid], sort=True)  # the combinations present, numbered in order
    code = np.full(len(codes), -1, dtype=np.int64)
    code[valid] = inner
    labels = []
    for p in np.asarray(present, dtype=np.int64):
        p = int(p)
        parts = []
        for u in reversed(uniques):
            parts.append(u[p % len(u)])
            p //= len(u)
        parts.reverse()
        labels.append(parts[0] if len(parts) == 1 else tuple(parts))
    return Domains(code, labels, by_cols)


@dataclass(frozen=True, eq=False)
class GroupedDeviations(FactoredInfluence):
    """Influence values of every domain's estimates, factored: column (g, c) is
    (a_c - theta[g, c] b_c) * weight * scale[g, c] on the rows of domain g and 0 elsewhere, where a_c and b_c are
    base columns (index -1: none). Columns are ordered domain by domain. No (n, G k) matrix is formed unless a
    weighting step without a linear form must residualise it (:meth:`dense`)."""

    base: tuple[np.ndarray, ...]
    a: np.ndarray
    b: np.ndarray
    theta: np.ndarray
    scale: np.ndarray
    weight: np.ndarray
    code: np.ndarray
    n_groups: int

    @property
    def k(self) -> int:
        return self.n_groups * len(self.a)

    def restricted(self, active: np.ndarray) -> GroupedDeviations:
        return GroupedDeviations(self.base, self.a, self.b, self.theta, self.scale,
                                 np.where(active, self.weight, 0.0), self.code, self.n_groups)

    def _combine(self, sums: list[np.ndarray], wsum: np.ndarray, groups: np.ndarray | None = None) -> np.ndarray:
        """Columns (g, c) from group sums of each base column times weight (sums[m] (..., G)) and of weight;
        with ``groups``, sums (P,) over pairs of a unit and the domain ``groups`` (P,) give (P, k)."""
        a = np.stack([sums[i] for i in self.a], axis=-1)
        b = np.stack([sums[i] if i >= 0 else np.zeros_like(wsum) for i in self.b], axis=-1)
        if groups is not None:
            return (a - self.theta[groups] * b) * self.scale[groups]
        out = (a - self.theta * b) * self.scale
        return out.reshape(*out.shape[:-2], self.k)

    def unit_totals(self, stage: Stage) -> np.ndarray:
        """Totals (U, G k) within each unit of ``stage``: group sums per unit, one bincount per base column."""
        rows = self.code >= 0
        U, G = stage.n_units_total, self.n_groups
        key = stage.unit[rows] * G + self.code[rows]
        w = self.weight[rows]

        def sums(values):
            return np.bincount(key, weights=values, minlength=U * G).reshape(U, G)

        return self._combine([sums(col[rows] * w) for col in self.base], sums(w))

    def block_variances(self, design) -> np.ndarray:
        """The variance of every column (G k,) under an uncalibrated linearised design, from sums over the
        (unit, domain) pairs that hold rows: per stratum and domain, the unit totals centred (two-pass) on
        their mean over all the stratum's units (those without a row of the domain have total 0), weighted by
        the variance engine's constants (:func:`.variance.stratum_weights`). No units x columns matrix: a
        design of one-row PSUs costs O(n), not O(n x domains)."""
        G, kc = self.n_groups, len(self.a)
        active = design.active
        weight = self.weight if active is None else np.where(active, self.weight, 0.0)
        rows = self.code >= 0
        g_row, w = self.code[rows], weight[rows]
        stages = design.spec.variance_stages
        var = np.zeros((G, kc))
        for stage in stages[:len(stages) if stages[0].has_fpc else 1]:
            weights = _variance.stratum_weights(stage, design.lonely_psu, active, design.adjust_domain_lonely)
            if weights is None:
                return np.full(G * kc, np.nan)
            weight_h, centre = weights
            pair, pairs = pd.factorize(stage.unit[rows] * G + g_row)
            P = len(pairs)
            pu, pg = np.divmod(np.asarray(pairs, dtype=np.int64), G)
            T = self._combine([np.bincount(pair, weights=col[rows] * w, minlength=P) for col in self.base],
                              np.bincount(pair, weights=w, minlength=P), groups=pg)  # (P, k)
            hg, hg_pairs = pd.factorize(stage.unit_stratum[pu] * G + pg)
            hh, gg = np.divmod(np.asarray(hg_pairs, dtype=np.int64), G)
            n_h = stage.n_units[hh].astype(float)
            count = np.bincount(hg, minlength=len(hg_pairs))
            centred = centre[hh]
            if design.adjust_domain_lonely and design.lonely_psu == "adjust":  # one unit of several: not centred
                centred = centred & ~((count == 1) & (n_h > 1))
            for c in range(kc):
                m = np.bincount(hg, weights=T[:, c], minlength=len(hg_pairs)) / n_h * centred
                d = T[:, c] - m[hg]
                q = np.bincount(hg, weights=d * d, minlength=len(hg_pairs)) + (n_h - count) * m * m
                var[:, c] += np.bincount(gg, weights=weight_h[hh] * q, minlength=G)
        return var.reshape(-1)

    def select(self, groups: np.ndarray) -> GroupedDeviations:
        """The columns of some domains only (renumbered 0..len(groups)-1)."""
        lookup = np.full(self.n_groups, -1, dtype=np.int64)
        lookup[groups] = np.arange(len(groups))
        code = np.where(self.code >= 0, lookup[np.maximum(self.code, 0)], -1)
        return GroupedDeviations(self.base, self.a, self.b, self.theta[groups], self.scale[groups], self.weight,
                                 code, len(groups))

    def read(self, reader) -> np.ndarray:
        """reader' z (p, G k) for a reader (n, p) (array or sparse) of a weighting step's linear form: per
        base column one sparse product of its (row, domain) values with the reader (grouped sums)."""
        rows = np.flatnonzero(self.code >= 0)
        g, w = self.code[rows], self.weight[rows]
        n, G = len(self.weight), self.n_groups
        cells = _one_per_row(reader)
        if cells is not None:  # an indicator (cells, post-strata, classes): one bincount over (cell, domain)
            cell, value = cells[0][rows], cells[1][rows]
            p = reader.shape[1]
            inside = cell >= 0
            key = (cell * G + g)[inside]

            def sums(values):
                return np.bincount(key, weights=(values * value)[inside], minlength=p * G).reshape(p, G)
        else:
            def sums(values):
                M = sparse.csr_matrix((values, (g, rows)), shape=(G, n))
                out = M @ reader
                return (out.toarray() if sparse.issparse(out) else np.asarray(out)).T  # (p, G)

        return self._combine([sums(col[rows] * w) for col in self.base], sums(w))

    def dense(self) -> np.ndarray:
        """z (n, G k), for a weighting step to residualise: one scatter per estimator column."""
        rows = np.flatnonzero(self.code >= 0)
        g, w = self.code[rows], self.weight[rows]
        kc = len(self.a)
        z = np.zeros((len(self.weight), self.k), order="F")
        for c in range(kc):
            x = self.base[self.a[c]][rows]
            if self.b[c] >= 0:
                x = x - self.theta[g, c] * self.base[self.b[c]][rows]
            z[rows, g * kc + c] = x * w * self.scale[g, c]
        return z


def _one_per_row(reader):
    """(column, value) of each row (column -1: none) when a sparse reader holds at most one value per row."""
    if not sparse.issparse(reader):
        return None
    m = sparse.csr_matrix(reader)
    per_row = np.diff(m.indptr)
    if per_row.max(initial=0) > 1:
        return None
    col = np.full(m.shape[0], -1, dtype=np.int64)
    val = np.zeros(m.shape[0])
    has = per_row == 1
    col[has] = m.indices[m.indptr[:-1][has]]
    val[has] = m.data[m.indptr[:-1][has]]
    return col, val


def _weighted_variances(design, z: GroupedDeviations, covmat: bool):
    """(variances (G k,), covariance or None) of every domain's columns under a weighted design: their
    calibration residuals from grouped sums (:func:`.residualised.residualise`), no (n, G k) matrix; the
    variances in blocks of domains of at most DENSE_BATCH unit totals; densely only for a step without a linear
    form."""
    G, kc = z.n_groups, len(z.a)
    res = residualise(z, design.adjustments)
    if res is None:
        if covmat:
            v = design.variance(z)
            return np.diag(v).copy(), v
        return _dense_variances(design, z), None
    args = (design.spec.variance_stages, design.lonely_psu, design.active, design.spec.pps_form,
            design.adjust_domain_lonely)
    if covmat:
        part, extra = res.block(np.arange(G))
        v = _variance.linearized_variance(part, *args) + extra
        return np.diag(v).copy(), v
    units = max(stage.n_units_total for stage in design.spec.variance_stages)
    per = max(1, DENSE_BATCH // max(units * kc, 1))
    var = np.empty(G * kc)
    for start in range(0, G, per):
        groups = np.arange(start, min(G, start + per))
        part, extra = res.block(groups)
        v = _variance.linearized_variance(part, *args, diagonal=True)
        var[start * kc:(start + len(groups)) * kc] = v + (np.diag(extra) if np.ndim(extra) else 0.0)
    return var, None


def _dense_variances(design, z: GroupedDeviations) -> np.ndarray:
    """The variances of every domain's columns through the design's dense residualisation, in blocks of
    domains of at most DENSE_BATCH values (for a weighting step without a linear form)."""
    G, kc = z.n_groups, len(z.a)
    per = max(1, min(max(1, COLUMN_BATCH // kc), DENSE_BATCH // max(len(z.weight) * kc, 1)))
    var = np.empty(G * kc)
    for start in range(0, G, per):
        groups = np.arange(start, min(G, start + per))
        var[start * kc:(start + len(groups)) * kc] = np.diag(design.variance(z.select(groups).dense()))
    return var


# -- the estimators' parts ------------------------------------------------------------------------------------
def _group_sums(code: np.ndarray, G: int, values: np.ndarray) -> np.ndarray:
    rows = code >= 0
    return np.bincount(code[rows], weights=values[rows], minlength=G)


def _parts(kind: str, base: tuple[np.ndarray, ...], n_num: int):
    """(base columns, a, b) of an estimator: mean a_j = x_j over b = a column of ones (so the sum of weights);
    total a_j = x_j, no b; ratio every numerator a over every denominator b. The scale is 1 over the group sum
    of b (none for totals)."""
    k = len(base)
    if kind == "mean":
        return base + (np.ones(len(base[0])),), np.arange(k), np.full(k, k)
    if kind == "total":
        return base, np.arange(k), np.full(k, -1)
    n_den = k - n_num
    return base, np.repeat(np.arange(n_num), n_den), np.tile(np.arange(n_num, k), n_num)


@dataclass(frozen=True, eq=False)
class GroupedEstimates:
    """Every domain's estimates (G domains, k each): ``code`` the domain of each row after na_rm, ``theta``
    (G, k), ``var`` their variances (G k,), ``vcov`` all their covariances (covmat only), ``thetas`` the
    replicate estimates (G, k, R) of a replicate design, ``df`` each domain's design df, ``nobs`` its rows of
    non-zero weight, ``srs`` the SRS variance deff divides by (G, k)."""

    domains: Domains
    code: np.ndarray
    theta: np.ndarray
    var: np.ndarray
    vcov: np.ndarray | None
    thetas: np.ndarray | None
    df: np.ndarray
    nobs: np.ndarray
    srs: np.ndarray


def domain_df(design, code: np.ndarray, G: int) -> np.ndarray:
    """R's ``degf`` of each domain (rows with code g): PSUs minus strata, or the replicate weights' rank - 1."""
    if design.replicates is not None:
        return np.asarray(_replicate_df(design.replicates, code, G), dtype=float)
    inset = (code >= 0) & (design.w != 0)
    return np.asarray(_linearised_df(design.stages[0], code, G, inset), dtype=float)


def estimates(design, by_cols: list[str], kind: str, V, *, n_num: int = 0, na_rm: bool = False,
              covmat: bool = False, check=None, deff: str = "replace") -> GroupedEstimates | None:
    """Every domain's estimate of ``kind`` ("mean", "total", "ratio") in one grouped pass, or None where the
    per-domain path must run (a linearised design under ``lonely_psu="average"``)."""
    reps = design.replicates
    if reps is None and design.lonely_psu == "average":
        return None
    dom = find_domains(design, by_cols)
    G = dom.n
    code = dom.code
    if na_rm and V.missing.any():
        code = np.where(V.missing, -1, code)
    w = design.w
    if check is not None:
        check(V, w, code)
    member = code >= 0
    # a missing value outside every domain must not reach a group sum (0 weight times NaN is NaN)
    cols = tuple(c if np.isfinite(c).all() else np.where(member, c, 0.0) for c in V.columns)
    base, a, b = _parts(kind, cols, n_num)
    wm = np.where(member, w, 0.0)
    S = np.stack([_group_sums(code, G, col * wm) for col in base], axis=1)  # (G, m)
    Sw = _group_sums(code, G, wm)
    num = S[:, a]
    den = S[:, b] if kind != "total" else np.ones_like(num)
    with np.errstate(divide="ignore", invalid="ignore"):
        theta = num / den  # (G, k)
    scale = 1.0 / den if kind != "total" else np.ones_like(num)
    nobs = np.bincount(code[member & (w != 0)], minlength=G)
    at = np.maximum(code, 0)
    # deff's SRS variance: of x (mean, total) or of the ratio's residual (y - theta d) / sum(w d), per domain
    resid = [base[a[c]] if kind != "ratio" else (base[a[c]] - theta[at, c] * base[b[c]]) * scale[at, c]
             for c in range(len(a))]
    with np.errstate(divide="ignore", invalid="ignore"):
        srs = _srs_variance(code, G, wm, Sw, nobs, resid) * (
            (1 / nobs if kind == "mean" else Sw ** 2 / nobs) * srs_fraction(deff, Sw, nobs, kind))[:, None]
    kc = len(a)
    if reps is None:
        z = GroupedDeviations(base, a, b, theta, scale, wm, code, G)
        thetas = None

        if design.adjustments:
            var, vcov = _weighted_variances(design, z, covmat)
            return GroupedEstimates(dom, code, theta, var, vcov, None, domain_df(design, code, G), nobs, srs)

        def cov(groups):
            return design.variance(z if len(groups) == G else z.select(groups))
    else:
        thetas = _replicate_points(reps, base, a, b, kind, code, G, member)  # (G, k, R)

        def cov(groups):
            return reps.covariance(thetas[groups].reshape(len(groups) * kc, -1).T, theta[groups].reshape(-1))
    if reps is None and not covmat and not design.adjustments and design.spec.pps is None:
        var = z.block_variances(design)  # per-stratum constants: a PPS design goes through design.variance
        return GroupedEstimates(dom, code, theta, var, None, None, domain_df(design, code, G), nobs, srs)
    per = G if covmat else max(1, COLUMN_BATCH // kc)
    var, vcov = np.empty(G * kc), None
    for start in range(0, G, per):  # covmat: one call for every domain; else blocks of domains
        groups = np.arange(start, min(G, start + per))
        v = cov(groups)
        var[start * kc:(start + len(groups)) * kc] = np.diag(v)
        if covmat:
            vcov = v
    return GroupedEstimates(dom, code, theta, var, vcov, thetas, domain_df(design, code, G), nobs, srs)


def grouped(design, by_cols: list[str], kind: str, V, *, n_num: int = 0, na_rm: bool = False,
            level: float = 0.95, ci: str = "wald", covmat: bool = False, names=None, check=None,
            deff: str = "replace"):
    """Every domain's estimate of ``kind`` as (domains, one result frame of all their rows in domain order (None
    without a domain), covmat attrs), or None where the per-domain path must run."""
    est = estimates(design, by_cols, kind, V, n_num=n_num, na_rm=na_rm, covmat=covmat, check=check, deff=deff)
    if est is None:
        return None
    G = est.domains.n
    if G == 0:
        return est.domains, None, {}
    reps = design.replicates
    theta, var, thetas = est.theta, est.var, est.thetas
    kc = theta.shape[1]
    se = np.where(np.isnan(var), np.nan, np.sqrt(np.clip(var, 0, None)))
    df_rows = np.repeat(est.df, kc)
    with np.errstate(divide="ignore", invalid="ignore"):
        deff = var / est.srs.reshape(-1)
    interval = None
    if ci == "logit":
        with np.errstate(invalid="ignore"):
            interval = (logit_interval(theta.reshape(-1), np.sqrt(var), df_rows, level) if reps is None
                        else replicate_logit(reps, thetas, theta, df_rows, level))
    statistic = {"mean": "proportion" if ci == "logit" else "mean", "total": "total", "ratio": "ratio"}[kind]
    frame = result_frame(list(names) * G, theta.reshape(-1), var[None, :], df_rows, deff=deff, level=level,
                         ci=interval, se=se, statistic=statistic, interval=ci if kind == "mean" else "wald")
    attrs = {}
    if covmat:
        attrs = {"vcov": est.vcov}
        if reps is not None:
            attrs.update(replicates=thetas.reshape(G * kc, -1), replicate_weights=reps)
    return est.domains, frame, attrs


def _srs_variance(code, G, wm, Sw, nobs, columns) -> np.ndarray:
    """R's ``svyvar`` of each column in each domain (G, k): weighted variance times n/(n-1), centred in the
    domain on its weighted mean."""
    at = np.maximum(code, 0)
    out = np.empty((G, len(columns)))
    with np.errstate(divide="ignore", invalid="ignore"):
        for j, col in enumerate(columns):
            m = _group_sums(code, G, col * wm) / Sw
            dev = col - m[at]
            out[:, j] = _group_sums(code, G, wm * dev * dev) / Sw * nobs / (nobs - 1)
    out[nobs < 2] = np.nan
    return out


def _linearised_df(stage: Stage, code: np.ndarray, G: int, inset: np.ndarray) -> list[int]:
    """R's ``degf`` of each domain: its distinct PSUs minus its distinct strata."""
    U = stage.n_units_total
    units = np.zeros(G * U, dtype=bool)
    units[code[inset] * U + stage.unit[inset]] = True
    gi, ui = np.divmod(np.flatnonzero(units), U)
    strata = np.zeros(G * stage.n_strata, dtype=bool)
    strata[gi * stage.n_strata + stage.unit_stratum[ui]] = True
    return list(np.bincount(gi, minlength=G) - strata.reshape(G, -1).sum(axis=1))


def _replicate_points(reps, base, a, b, kind, code, G, member) -> np.ndarray:
    """Every domain's estimate under every replicate weight (G, k, R): sparse domain-indicator products with
    the replicate weights, one per base column (never an (n, R) copy per domain)."""
    W = np.ascontiguousarray(reps.weights, dtype=float)
    rows = np.flatnonzero(member)
    n = len(code)

    def product(values):
        M = sparse.csr_matrix((values[rows], (code[rows], rows)), shape=(G, n))
        return M @ W  # (G, R)

    sums = [product(col) for col in base]
    num = np.stack([sums[i] for i in a], axis=1)
    if kind == "total":
        return num
    den = np.stack([sums[i] for i in b], axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return num / den


def domain_slices(design, dom: Domains):
    """Each domain of a replicate design as a design over its own rows (in data order) and their replicate
    weights: the rows sorted by domain once (one (n, R) gather), then one slice per domain. The same estimates
    as ``design.subset(code == g)`` for estimators that read only rows of non-zero weight; the slice's df is the
    rank of its rows' replicate weights minus one, as R's subset of a replicate design. The weighting record
    stays behind (a replicate design's variances come from its replicate weights)."""
    reps = design.replicates
    order = np.argsort(dom.code, kind="stable")
    ends = np.cumsum(np.bincount(dom.code + 1, minlength=dom.n + 1))  # code -1 (outside) sorts first
    W = np.asarray(reps.weights, dtype=float)[order]
    w = design.w[order]
    data = design.data.iloc[order]
    for g in range(dom.n):
        lo, hi = ends[g], ends[g + 1]
        part = data.iloc[lo:hi]
        yield type(design)(part, weights=pd.Series(w[lo:hi], index=part.index, name=design.weights.name),
                           lonely_psu=design.lonely_psu, missing_codes=design.missing_codes, ids=design.ids,
                           replicates=replace(reps, weights=W[lo:hi], fixed_degf=None))


def _replicate_df(reps, code: np.ndarray, G: int) -> list[int]:
    """R's ``degf`` of each domain of a replicate design: the rank of its rows' replicate weights minus one
    (rows taken in data order, each row once over all domains)."""
    W = np.asarray(reps.weights, dtype=float)
    order = np.argsort(code, kind="stable")
    ends = np.cumsum(np.bincount(code + 1, minlength=G + 1))  # code -1 (outside) sorts first
    return [qr_rank(W[order[ends[g]:ends[g + 1]]]) - 1 for g in range(G)]


def replicate_logit(reps, thetas: np.ndarray, p: np.ndarray, df: np.ndarray, level: float):
    """R's logit interval on a replicate design (svyglm refits logit(p) under every replicate weight), for every
    domain: thetas (G, k, R), p (G, k), df per row (G k,)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        eta_r = np.log(thetas / (1 - thetas))
        eta = np.log(p / (1 - p))
        var = np.concatenate([np.diag(reps.covariance(eta_r[g].T, eta[g])) for g in range(len(p))])
        eta = eta.reshape(-1)
        t = t_quantiles(df, level, len(eta))
        se = np.sqrt(var)
        return 1 / (1 + np.exp(-(eta - t * se))), 1 / (1 + np.exp(-(eta + t * se)))
