"""Means, totals and ratios (and their domains) computed inside the engine: only aggregates leave it.

The same estimator as the in-memory path (:mod:`careersurvey.estimation.domains`): each estimate's influence
values are (a - theta b) w scale on the rows of its domain, for base columns a, b. Three kinds of query run:

1. point estimates: per domain, sums of w a and w b (and counts), one GROUP BY over the rows;
2. per stage, the influence values' totals within each (unit, domain) pair and, per (stratum, domain), their
   count, sum and crossproducts centred on their mean (a window over the pairs: two-pass exact);
3. the deff's SRS variance, per domain, centred on the domain mean (its sums come with stage 1's aggregates
   when the variance reads the estimate's own rows: no weighting step, no PPS form).

Numpy then adds what the stratum aggregates need: units without a row in the domain (total 0), centring on
the mean over all the stratum's units, and R's ``onestrat`` constants from
:func:`careersurvey.estimation.variance.stratum_constants`, the one place R's lonely-PSU rules live.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from careersurvey.engine.stages import StageTable
from careersurvey.estimation.frames import srs_fraction
from careersurvey.estimation.variance import stratum_constants

__all__ = ["Linear", "LinearResult", "linear_estimates"]

#: Column-name prefixes of the engine's own intermediate columns (never a user's).
_P = "_cs_"


@dataclass(frozen=True)
class Linear:
    """Estimates of one ``kind`` ("mean", "total", "ratio"): column c is sum(w a_c) / sum(w b_c) (mean: b the
    weight itself, -1; total: no denominator, None). ``base`` are ibis numeric expressions."""

    kind: str
    base: tuple
    a: tuple[int, ...]
    b: tuple[int | None, ...]


@dataclass(frozen=True)
class LinearResult:
    """Per domain g (rows of ``domains``, keyed by the by columns) and estimate column c: ``theta`` (G, k),
    ``vcov`` (G, k, k) within each domain, ``df`` (G,), ``nobs`` (G,), ``srs`` (G, k) the deff's SRS variance;
    on a replicate design ``thetas`` (G, k, R) the replicate estimates."""

    domains: pd.DataFrame
    theta: np.ndarray
    vcov: np.ndarray
    df: np.ndarray
    nobs: np.ndarray
    srs: np.ndarray
    thetas: np.ndarray | None = None  # (G, k, R) the replicate estimates of a replicate design


def _c(name: str) -> str:
    return _P + name


def linear_estimates(design, est: Linear, member, by: tuple[str, ...], full_cov: bool,
                     deff: str = "replace") -> LinearResult:
    """Point estimates, covariance and df of ``est`` in every domain of ``by`` among the ``member`` rows; the
    deff's SRS variance on ``deff``'s base (:func:`careersurvey.estimation.frames.srs_fraction`)."""
    import ibis

    t = design.table
    w = design.weight_expr
    k = len(est.a)
    m = len(est.base)
    rows = t.filter(member) if member is not None else t
    cols = {_c(f"x{i}"): x for i, x in enumerate(est.base)}
    cols[_c("w")] = w
    rows = rows.mutate(**cols)
    x = [rows[_c(f"x{i}")] for i in range(m)]
    wr = rows[_c("w")]
    # 1. point estimates per domain
    aggs = {_c(f"s{i}"): (wr * x[i]).sum() for i in range(m)}
    aggs[_c("sw")] = wr.sum()
    aggs[_c("nobs")] = (wr != 0).cast("int64").sum()
    for i in range(m):
        aggs[_c(f"na{i}")] = x[i].isnull().cast("int64").sum()
    point = design.execute(rows.group_by(list(by)).aggregate(**aggs) if by else rows.aggregate(**aggs))
    # an empty domain: SQL's SUM over no rows is NULL; its counts are 0 (its sums stay NaN: no estimate)
    point = point.fillna({_c("nobs"): 0, **{_c(f"na{i}"): 0 for i in range(m)}})
    if by:
        point = point.dropna(subset=list(by)) if point[list(by)].isna().any().any() else point
        point = point[point[_c("nobs")] > 0]
        order = {b: pd.Categorical(point[b], categories=design.levels[b]).codes for b in by if b in design.levels}
        point = point.assign(**{_c(f"o{i}"): order.get(b, point[b]) for i, b in enumerate(by)})
        point = point.sort_values([_c(f"o{i}") for i in range(len(by))], kind="stable").reset_index(drop=True)
    G = len(point)
    S = np.column_stack([point[_c(f"s{i}")].to_numpy(dtype=float) for i in range(m)]) if m else np.zeros((G, 0))
    nmiss = np.column_stack([point[_c(f"na{i}")].to_numpy(dtype=float) for i in range(m)])
    Sw = point[_c("sw")].to_numpy(dtype=float)
    num = S[:, list(est.a)]
    miss = nmiss[:, list(est.a)] > 0
    if est.kind == "total":
        den = np.ones_like(num)
    elif est.kind == "mean":
        den = np.repeat(Sw[:, None], k, axis=1)
    else:
        den = S[:, list(est.b)]
        miss |= nmiss[:, list(est.b)] > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        theta = np.where(miss, np.nan, num / den)
        scale = np.where(miss, np.nan, 1.0 / den if est.kind != "total" else 1.0)
    nobs = point[_c("nobs")].to_numpy(dtype=np.int64)

    # the domain table joined into the engine: theta and scale per domain (literals without by)
    par = {**{_c(f"th{c}"): theta[:, c] for c in range(k)}, **{_c(f"sc{c}"): scale[:, c] for c in range(k)}}
    if est.kind == "mean" or est.kind == "total":
        par.update({_c(f"mu{c}"): S[:, est.a[c]] / Sw for c in range(k)})
    dom = point[list(by)].assign(**par)
    dom[_c("g")] = np.arange(G)
    if by:
        joined = rows.inner_join(ibis.memtable(dom), list(by))
    else:
        joined = rows.mutate(**{name: ibis.literal(float(v[0]) if np.isfinite(v[0]) else None, type="float64")
                                for name, v in par.items()}, **{_c("g"): ibis.literal(0, type="int64")})
    xs = [joined[_c(f"x{i}")] for i in range(m)]
    wj = joined[_c("w")]

    zcols = {_c(f"z{c}"): _influence(est, c, xs, wj, joined) for c in range(k)}
    # 3. SRS variance for deff: of x (mean, total) or of the ratio's residual, centred on its domain mean
    resid = []
    for c in range(k):
        if est.kind == "ratio":
            resid.append(zcols[_c(f"z{c}")] / wj)
        else:
            resid.append(xs[est.a[c]] - joined[_c(f"mu{c}")])
    srs_cols = {_c(f"ss{c}"): wj * r * r for c, r in enumerate(resid)}

    def srs_of(sums: pd.DataFrame) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            base_var = sums.to_numpy(dtype=float) / Sw[:, None] * (nobs / (nobs - 1))[:, None]
            mult = (1 / nobs) if est.kind == "mean" else Sw ** 2 / nobs
            out = base_var * (mult * srs_fraction(deff, Sw, nobs, est.kind))[:, None]
        out[nobs < 2] = np.nan
        return out

    if design.replicates is not None:
        srs = srs_of(_srs_sums(design, joined, srs_cols, G))
        vcov, df, thetas = _replicate_variance(design, est, rows, x, by, point, theta, member)
        vcov[np.isnan(theta).any(axis=1)] = np.nan
        return LinearResult(point[list(by)], theta, vcov, df, nobs, srs, thetas)
    # 2. the variance, stage by stage
    from careersurvey.engine.weighting import variance_step

    step = variance_step(design)
    if step is None and design.options.table_pps is None:
        # the variance reads the estimate's own rows: the SRS sums ride along in stage 1's query
        vcov, df, sums = _vcov_and_sums(design, joined.mutate(**zcols, **srs_cols), k, G, full_cov, tuple(srs_cols))
        srs = srs_of(sums)
    else:
        srs = srs_of(_srs_sums(design, joined, srs_cols, G))
        rel = joined.mutate(**zcols)
        if step is not None:  # weighted: residuals on every row of the design, df of the domain's rows
            from careersurvey.engine.weighting import step_residuals

            rel = step_residuals(design, est, member, by, dom, joined, zcols, k, G)
        vcov, df = design_vcov(design, rel, k, G, full_cov)
        if df is None or step is not None:
            df = _stage_sums_df(design, joined, design.stages[0], G)
    vcov[np.isnan(theta).any(axis=1)] = np.nan
    return LinearResult(point[list(by)], theta, vcov, df, nobs, srs)


def design_vcov(design, rel, k: int, G: int, full_cov: bool):
    """The linearised covariance (G, k, k) per domain of the influence values in ``rel`` (columns _cs_z0.., the
    domain _cs_g) under the design's variance stages (R's multistage; Brewer's 1 - pi per unit; stage 1 alone for
    an ultimate-cluster or with-replacement design), or a PPS design's quadratic form; with, from stage 1's
    aggregates, each domain's units minus strata (None for a PPS form)."""
    opts = design.options
    if opts.table_pps is not None:  # R's ppsvar: the form of the stage-1 PSU totals replaces the stages
        from careersurvey.engine.pps import pps_vcov

        return pps_vcov(design, rel, k, G), None
    return _vcov_and_sums(design, rel, k, G, full_cov, ())[:2]


def _vcov_and_sums(design, rel, k: int, G: int, full_cov: bool, sums: tuple[str, ...]):
    """:func:`design_vcov` by the stages (not a PPS form), and per domain the sums of the row columns ``sums`` of
    ``rel`` (G, len(sums)), read in stage 1's query (NaN for a domain whose values are all NULL, as SQL's SUM)."""
    from careersurvey.engine.stages import variance_stages

    opts = design.options
    stages = variance_stages(design.stages, opts.ultimate_cluster, opts.with_replacement)
    used = stages if stages[0].has_fpc else stages[:1]
    vcov = np.zeros((G, k, k))
    df = totals = None
    for s, stage in enumerate(used):
        agg = _stage_sums(design, rel, stage, k, full_cov, sums if s == 0 else ())
        part, units = _combine(agg, stage, k, G, design.lonely_psu, full_cov, opts.adjust_domain_lonely)
        vcov += part
        if s == 0:
            df = units
            totals = agg.groupby(_c("g"))[list(sums)].sum(min_count=1).reindex(np.arange(G))
    return vcov, df, totals


def _srs_sums(design, joined, cols: dict, G: int) -> pd.DataFrame:
    """Per domain the sums of the row expressions ``cols`` over ``joined`` (one GROUP BY), (G, len(cols))."""
    q = design.execute(joined.group_by(_c("g")).aggregate(**{n: x.sum() for n, x in cols.items()}))
    return q.set_index(_c("g")).reindex(np.arange(G))[list(cols)]


def _influence(est: Linear, c: int, xs, w, par):
    """The influence value of estimate column c on a row: (a - theta b) w scale (theta, scale from ``par``)."""
    a = xs[est.a[c]]
    if est.kind == "mean":
        dev = a - par[_c(f"th{c}")]
    elif est.kind == "total":
        dev = a
    else:
        dev = a - par[_c(f"th{c}")] * xs[est.b[c]]
    return dev * w * par[_c(f"sc{c}")]


def _stage_sums_df(design, joined, stage: StageTable, G: int) -> np.ndarray:
    """R's degf of each domain: its rows' distinct stage-1 units minus their distinct strata."""
    keys = list(stage.keys.stratum)
    rows = joined.filter(joined[_c("w")] != 0)
    if stage.keys.rows_are_units:
        per = rows.group_by([*keys, _c("g")]).aggregate(_cs_m=rows.count())
    else:
        ukeys = list(dict.fromkeys(keys + list(stage.keys.unit)))
        per = rows.select(*ukeys, _c("g")).distinct()
        per = per.group_by([*keys, _c("g")]).aggregate(_cs_m=per.count())
    q = design.execute(per)
    g = q[_c("g")].to_numpy(dtype=np.int64)
    return np.bincount(g, weights=q["_cs_m"].to_numpy(dtype=float), minlength=G) - np.bincount(g, minlength=G)


def _stage_sums(design, rel, stage: StageTable, k: int, full_cov: bool, sums: tuple[str, ...] = ()) -> pd.DataFrame:
    """Per (stratum, domain): the number of units with rows in the domain, the sums of their influence totals
    and the crossproducts of those totals centred on their mean over these units (two-pass, exact), and the
    sums of the row columns ``sums``. ``rel`` holds the influence values as columns _cs_z0.. and the domain
    number _cs_g."""
    keys = list(stage.keys.stratum)
    zcols = [_c(f"z{c}") for c in range(k)] + list(sums)
    extra = {}
    if stage.pps:  # Brewer: each unit's crossproduct weighted by 1 - pi (its fpc, constant within the unit)
        a = 1.0 - rel[stage.keys.fpc].cast("float64")
        extra = {_c("a"): a if stage.keys.rows_are_units else a.max()}
    if stage.keys.rows_are_units:
        units = rel.select(*keys, _c("g"), *zcols, **extra)
    else:
        ukeys = list(dict.fromkeys(keys + list(stage.keys.unit)))
        units = rel.group_by([*ukeys, _c("g")]).aggregate(**{n: rel[n].sum() for n in zcols}, **extra)
    part = [*keys, _c("g")]
    centred = units.mutate(**{_c(f"d{c}"): units[_c(f"z{c}")] - units[_c(f"z{c}")].mean().over(group_by=part)
                              for c in range(k)})
    a = centred[_c("a")] if stage.pps else 1.0
    aggs = {_c("m"): centred.count()}
    aggs.update({_c(f"t{c}"): centred[_c(f"z{c}")].sum() for c in range(k)})
    aggs.update({n: centred[n].sum() for n in sums})
    pairs = [(i, j) for i in range(k) for j in range(i, k)] if full_cov else [(i, i) for i in range(k)]
    aggs.update({_c(f"q{i}_{j}"): (a * centred[_c(f"d{i}")] * centred[_c(f"d{j}")]).sum() for i, j in pairs})
    if stage.pps:
        aggs[_c("am")] = a.sum()
        aggs.update({_c(f"a1_{c}"): (a * centred[_c(f"d{c}")]).sum() for c in range(k)})
    return design.execute(centred.group_by(part).aggregate(**aggs))


def _combine(agg: pd.DataFrame, stage: StageTable, k: int, G: int, lonely_psu: str, full_cov: bool,
             domain_lonely: bool = False):
    """The stage's covariance per domain (G, k, k) and, per domain, units minus strata (R's degf at stage 1).
    Per (stratum, domain), with unit weights a (1 - pi in a PPS stage, else 1) and d the deviations from the mean
    m of the units with rows: sum a (t - c)(t - c)' over all the stratum's units (those without rows: t = 0) is
    Q_a + A1 dev' + dev A1' + A_m dev dev' + (A_all - A_m) c c', dev = m - c. ``domain_lonely``: R's
    ``survey.adjust.domain.lonely`` (a domain holding one unit of a stratum of several)."""
    keys = list(stage.keys.stratum)
    strata = stage.strata.reset_index(drop=True)
    H = len(strata)
    if keys:
        hidx = strata[keys].assign(**{_c("h"): np.arange(H)})
        agg = agg.merge(hidx, on=keys, how="left")
        h = agg[_c("h")].to_numpy(dtype=np.int64)
    else:
        h = np.zeros(len(agg), dtype=np.int64)
    g = agg[_c("g")].to_numpy(dtype=np.int64)
    mcount = agg[_c("m")].to_numpy(dtype=float)
    n_h = strata["n"].to_numpy(dtype=float)
    f = stage.fraction_kept
    group = strata["group"].to_numpy(dtype=np.int64)
    mult = strata["multiplier"].to_numpy(dtype=float)
    T = np.column_stack([agg[_c(f"t{c}")].to_numpy(dtype=float) for c in range(k)])
    Q = np.zeros((len(agg), k, k))
    for i in range(k):
        for j in range(i, k):
            name = _c(f"q{i}_{j}")
            if name in agg:
                Q[:, i, j] = Q[:, j, i] = agg[name].to_numpy(dtype=float)
    if stage.pps:
        A_m = agg[_c("am")].to_numpy(dtype=float)
        A1 = np.column_stack([agg[_c(f"a1_{c}")].to_numpy(dtype=float) for c in range(k)])
        A_all = strata["a_sum"].to_numpy(dtype=float)[h]
    else:
        A_m, A1, A_all = mcount, np.zeros_like(T), n_h[h]
    # R's survey.adjust.domain.lonely: a domain holding one unit of a stratum of several
    one_row = (mcount == 1) & (n_h[h] > 1) if domain_lonely else np.zeros(len(g), dtype=bool)
    certain = stage.certain
    out = np.zeros((G, k, k))
    n_int = n_h.astype(np.int64)
    # presence matters only to the "average" rule's stratum counts: per domain there, once otherwise
    domains = np.unique(g) if lonely_psu == "average" else None
    for gi in (domains if domains is not None else [None]):
        at = np.ones(len(g), dtype=bool) if gi is None else g == gi
        present = np.zeros(H, dtype=bool)
        present[h[at]] = True
        one_left = None
        if gi is not None and domain_lonely:
            one_left = np.zeros(H, dtype=bool)
            one_left[h[at]] = one_row[at]
        consts = stratum_constants(n_int, f, group, mult, present if gi is not None else np.ones(H, bool),
                                   lonely_psu, certain=certain, one_left=one_left)
        if consts is None:
            out[slice(None) if gi is None else gi] = np.nan
            continue
        weight_h, centre = consts
        hh = h[at]
        centred = centre[hh] & ~(one_row[at] & (lonely_psu == "adjust"))
        mean_m = T[at] / mcount[at, None]  # the mean over the units with rows in the domain
        c = np.where(centred[:, None], T[at] / n_h[hh, None], 0.0)  # R centres on the mean over all units
        dev = mean_m - c
        a1 = A1[at]
        full = Q[at] + a1[:, :, None] * dev[:, None, :] + dev[:, :, None] * a1[:, None, :] \
            + A_m[at, None, None] * dev[:, :, None] * dev[:, None, :] \
            + (A_all[at] - A_m[at])[:, None, None] * c[:, :, None] * c[:, None, :]
        contrib = weight_h[hh][:, None, None] * full
        for i in range(k):  # over the estimate's columns, not rows: sums per domain
            for j in range(k):
                out[:, i, j] += np.bincount(g[at], weights=contrib[:, i, j], minlength=G)
    units = np.bincount(g, weights=mcount, minlength=G) - np.bincount(g, minlength=G)
    return out, units


def _replicate_variance(design, est: Linear, rows, x, by, point: pd.DataFrame, theta: np.ndarray, member):
    """Every replicate's estimates per domain (one GROUP BY of R sums per base column), combined by R's svrVar;
    df: the replicate weights' rank (of the domain's rows) minus one."""
    from careersurvey.engine.replicates import aggregate_blocks, domain_ranks

    reps = design.replicates
    W = reps.weights(rows, rows[_c("w")])
    R, m, k = len(W), len(x), len(est.a)
    aggs = {_c(f"r{r}_{i}"): (W[r] * x[i]).sum() for r in range(R) for i in range(m)}
    aggs.update({_c(f"r{r}_w"): W[r].sum() for r in range(R)})
    q = aggregate_blocks(rows, aggs, list(by), design.execute)
    if by:
        q = point[list(by)].merge(q, on=list(by), how="left")
    G = len(point)
    S = np.stack([np.column_stack([q[_c(f"r{r}_{i}")].to_numpy(dtype=float) for i in range(m)]) for r in range(R)],
                 axis=-1)  # (G, m, R)
    Sw = np.column_stack([q[_c(f"r{r}_w")].to_numpy(dtype=float) for r in range(R)])  # (G, R)
    num = S[:, list(est.a), :]
    with np.errstate(divide="ignore", invalid="ignore"):
        if est.kind == "mean":
            thetas = num / Sw[:, None, :]
        elif est.kind == "total":
            thetas = num
        else:
            thetas = num / S[:, list(est.b), :]
    vcov = np.stack([reps.covariance(thetas[g].T, theta[g]) for g in range(G)]) if G else np.zeros((0, k, k))
    if member is None and not by:
        df = np.full(G, float(reps.degf))
    else:
        df = domain_ranks(design.table, reps.weights(design.table, design.weight_expr), member, tuple(by),
                          design.execute, point if by else None) - 1
    return vcov, df, thetas
