"""Variances (R's ``svyvar``) and t-tests (R's ``svyttest``) inside the engine, and ``by=`` for the statistics
that R's ``svyby`` runs domain by domain (one subset of the design per level).

``var``: the weighted means (one aggregate), then the mean of the products of deviations (the engine's linear
estimates with their full covariance), as the in-memory path; on a replicate design the weighted moments under
every replicate weight (one GROUP BY in blocks) and the core's covariance of them. ``ttest``: the mean and the
design df (one sample), or the engine's ``glm(y ~ g)`` (two groups); the frames are the core's.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from careersurvey.engine.estimators import _as_names, _is_categorical, _refuse_codes, _variables, degf
from careersurvey.engine.linear import Linear, linear_estimates
from careersurvey.engine.stats import require_variables, sorted_levels
from careersurvey.engine.stats_by import Domains, by_each, codes_clean, domain_degf
from careersurvey.estimation.estimators import EstimateError
from careersurvey.estimation.frames import result_frame
from careersurvey.estimation.spread import moment_covariances
from careersurvey.estimation.tests_stats import group_label, parse_formula, ttest_frame

__all__ = ["var", "ttest"]


def _member(design, complete, na_rm: bool):
    member = design.domain
    if na_rm:
        member = complete if member is None else member & complete
    return member


def _rows_of(design, member=None) -> int:
    """The rows of non-zero weight among the domain's (or ``member``) rows."""
    t = design.table
    cond = member if member is not None else design.domain
    rows = t.filter(cond) if cond is not None else t
    w = design.weight_expr
    return int(design.execute(rows.aggregate(n=(w != 0).cast("int64").sum()))["n"].iat[0] or 0)


def var(design, variables, na_rm: bool = False, by=None, level: float = 0.95) -> pd.DataFrame:
    """R's ``svyvar`` as ``SurveyDesign.var``: variances, or the covariance matrix (rows (variable, with));
    ``by=`` in one grouped pass (:func:`_var_by`)."""
    if by is not None:
        return _var_by(design, variables, na_rm, by, level)
    names = _as_names(variables)
    _refuse_categorical(design, names)
    require_variables(design, names)
    n = _rows_of(design)  # R counts the design's rows before na_rm leaves any out
    _refuse_codes(design, names)
    base, labels, complete = _variables(design, names)
    member = _member(design, complete, na_rm)
    _refuse_few(n)
    p = len(base)
    ii, jj = np.repeat(np.arange(p), p), np.tile(np.arange(p), p)  # R's column-major order: (j, i) pairs
    xbar = _means(design, base, member)
    if design.replicates is None:
        products = tuple((base[a] - float(xbar[a])) * (base[b] - float(xbar[b])) * (n / (n - 1))
                         for a, b in zip(jj, ii))
        res = linear_estimates(design, Linear("mean", products, tuple(range(p * p)), (None,) * (p * p)), member,
                               (), True)
        theta, vcov, df = res.theta[0], res.vcov[0], float(res.df[0])
    else:
        theta, vcov, df = _replicate_var(design, base, xbar, member, ii, jj)
    return _var_frame(labels, theta, vcov, df, level)


def _refuse_categorical(design, names: list[str]) -> None:
    t = design.table
    for v in names:
        if v in t.columns and _is_categorical(t[v].type()):
            raise EstimateError(f"var() needs numeric variables; {v!r} is categorical. For the share of each "
                                "level use proportion().")


def _refuse_few(n: int) -> None:
    if n < 2:
        raise EstimateError(f"var() needs at least two rows of non-zero weight (the design has {n}).")


def _var_frame(labels: list, theta: np.ndarray, vcov: np.ndarray, df: float, level: float) -> pd.DataFrame:
    """svyvar's frame: the variances (p = 1) or the covariance matrix's cells in R's column-major order."""
    p = len(labels)
    ii, jj = np.repeat(np.arange(p), p), np.tile(np.arange(p), p)
    index = pd.MultiIndex.from_arrays([[labels[a] for a in ii], [labels[b] for b in jj]], names=["variable", "with"])
    if p == 1:
        index = pd.Index(labels)
    frame = result_frame(index, theta, vcov, df, level=level, statistic="variance")
    frame.attrs["matrix"] = pd.DataFrame(theta.reshape(p, p).T, index=list(labels), columns=list(labels))
    return frame


def _var_by(design, variables, na_rm: bool, by, level: float) -> pd.DataFrame:
    """svyby(svyvar) in a fixed number of queries: per domain its rows of non-zero weight and its means (one
    GROUP BY each), each row centred on its own domain's means (joined by its by columns), then the linear
    path's means of the products with ``by`` (or, on a replicate design, every replicate's moments per domain,
    one GROUP BY in blocks): each domain's numbers as the subset's (:func:`var` of ``design.subset``)."""
    dom = Domains(design, by)
    if not dom.n:
        return dom.assemble([])
    names = _as_names(variables)
    _refuse_categorical(design, names)
    require_variables(design, names)
    if not codes_clean(design, names):
        return by_each(design, by, lambda d: var(d, variables, na_rm=na_rm, level=level))
    t = design.table
    w = design.weight_expr
    rows = t.filter(design.domain) if design.domain is not None else t
    n = dom.column(design.execute(rows.group_by(dom.cols).aggregate(_cs_n=(w != 0).cast("int64").sum())), "_cs_n")
    n = n.astype(np.int64)
    base, labels, complete = _variables(design, names)
    member = _member(design, complete, na_rm)
    for ng in n:  # the first domain in order, as the subsets raise
        _refuse_few(int(ng))
    p = len(base)
    ii, jj = np.repeat(np.arange(p), p), np.tile(np.arange(p), p)
    xbar = _means(design, base, member, dom)  # (G, p)
    scale = n / (n - 1)
    centred = dom.joined(design, {**{f"_cs_xbar{i}": xbar[:, i] for i in range(p)}, "_cs_nn": scale})
    rel = centred.table
    mean = [rel[f"_cs_xbar{i}"] for i in range(p)]
    if design.replicates is None:
        products = tuple((base[a] - mean[a]) * (base[b] - mean[b]) * rel["_cs_nn"] for a, b in zip(jj, ii))
        res = linear_estimates(centred, Linear("mean", products, tuple(range(p * p)), (None,) * (p * p)), member,
                               tuple(dom.cols), True)
        at = dom.positions(res.domains)
        if at is None:  # a domain without rows of non-zero weight among the rows used: the subsets say what
            return by_each(design, by, lambda d: var(d, variables, na_rm=na_rm, level=level))
        parts = [(res.theta[g], res.vcov[g], float(res.df[g])) for g in at]
    else:
        parts = _replicate_var_by(centred, [x - m for x, m in zip(base, mean)], member, dom, ii, jj)
        if parts is None:
            return by_each(design, by, lambda d: var(d, variables, na_rm=na_rm, level=level))
    return dom.assemble([_var_frame(labels, theta, vcov, df, level) for theta, vcov, df in parts])


def _means(design, base, member, dom: Domains | None = None) -> np.ndarray:
    """The weighted means of ``base`` over the ``member`` rows (NaN where a value is missing), one aggregate;
    with ``dom`` per domain, (G, p), one GROUP BY."""
    t = design.table
    rows = t.filter(member) if member is not None else t
    w = design.weight_expr
    aggs = {f"_cs_s{i}": (w * x).sum() for i, x in enumerate(base)}
    aggs.update({f"_cs_na{i}": x.isnull().cast("int64").sum() for i, x in enumerate(base)})
    aggs["_cs_sw"] = w.sum()
    if dom is None:
        q = design.execute(rows.aggregate(**aggs)).iloc[0]
        return np.array([np.nan if q[f"_cs_na{i}"] else float(q[f"_cs_s{i}"]) / float(q["_cs_sw"])
                         for i in range(len(base))])
    q = design.execute(rows.group_by(dom.cols).aggregate(**aggs))
    sw = dom.column(q, "_cs_sw", np.nan).astype(float)
    out = [np.where(dom.column(q, f"_cs_na{i}", np.nan).astype(float) != 0, np.nan,
                    dom.column(q, f"_cs_s{i}", np.nan).astype(float) / sw) for i in range(len(base))]
    return np.column_stack(out)


def _replicate_var(design, base, xbar, member, ii, jj):
    """R's ``svyvar.svyrep.design``: the weighted covariance under the full-sample and every replicate weight
    (moments of the values centred on the full-sample mean, summed in the engine), R's n/(n-1) on the rows
    left, the replicate rule of the design; df the rank of the rows' replicate weights minus one."""
    from careersurvey.engine.replicates import aggregate_blocks, domain_ranks

    reps = design.replicates
    t = design.table
    rows = t.filter(member) if member is not None else t
    w = design.weight_expr
    y = [x - float(m) for x, m in zip(base, xbar)]
    q = aggregate_blocks(rows, _moment_aggs(design, t, y), [], design.execute).iloc[0]
    theta, vcov = _moments(reps, q, len(y), ii, jj)
    if member is None:
        df = float(reps.degf)
    else:
        df = float(domain_ranks(t, reps.weights(t, w), member, (), design.execute)[0] - 1)
    return theta, vcov, df


def _replicate_var_by(design, y, member, dom: Domains, ii, jj):
    """:func:`_replicate_var` of every domain (``y`` centred on the row's domain mean): [(theta, vcov, df)] in the
    domains' order, or None if a domain has no row among the ``member`` rows."""
    from careersurvey.engine.replicates import aggregate_blocks, domain_ranks

    reps = design.replicates
    t = design.table
    rows = t.filter(member) if member is not None else t
    q = aggregate_blocks(rows, _moment_aggs(design, t, y), dom.cols, design.execute)
    at = dom.positions(q)
    if at is None:
        return None
    ranks = domain_ranks(t, reps.weights(t, design.weight_expr), member, tuple(dom.cols), design.execute,
                         domains=dom.levels)
    return [(*_moments(reps, q.iloc[g], len(y), ii, jj), float(r - 1)) for g, r in zip(at, ranks)]


def _moment_aggs(design, t, y) -> dict:
    """The sums :func:`_moments` reads: per weight (full sample, then each replicate) the weights, the centred
    values and their products."""
    w = design.weight_expr
    p = len(y)
    weights = [w, *design.replicates.weights(t, w)]
    aggs = {}
    for r, wr in enumerate(weights):
        aggs[f"_cs_w{r}"] = wr.sum()
        aggs.update({f"_cs_s{r}_{a}": (wr * y[a]).sum() for a in range(p)})
        aggs.update({f"_cs_q{r}_{a}_{b}": (wr * y[a] * y[b]).sum() for a in range(p) for b in range(a, p)})
    aggs["_cs_n"] = (w != 0).cast("int64").sum()
    return aggs


def _moments(reps, q, p: int, ii, jj):
    """(theta, vcov) of svyvar from one row of :func:`_moment_aggs`' sums: the core's weighted covariances
    under each weight, combined by the design's replicate rule."""
    R1 = len(reps.columns) + 1
    sw = np.array([float(q[f"_cs_w{r}"]) for r in range(R1)])
    s = np.array([[float(q[f"_cs_s{r}_{a}"]) for r in range(R1)] for a in range(p)])
    ss = np.empty((p, p, R1))
    for a in range(p):
        for b in range(a, p):
            ss[a, b] = ss[b, a] = [float(q[f"_cs_q{r}_{a}_{b}"]) for r in range(R1)]
    cov = moment_covariances(sw, s, ss, int(q["_cs_n"]))[jj, ii]  # (p², R + 1)
    theta, thetas = cov[:, 0], cov[:, 1:]
    return theta, reps.covariance(thetas.T, theta)


def ttest(design, formula: str, na_rm: bool = False, by=None, level: float = 0.95) -> pd.DataFrame:
    """R's ``svyttest`` as ``SurveyDesign.ttest``: ``"y ~ 1"`` (mean 0) or ``"y ~ g"`` (two groups, by the engine's
    ``glm(y ~ g)``, on its residual df)."""
    match = parse_formula(formula)
    if by is not None:
        return _ttest_by(design, formula, na_rm, by, level)
    y, g = match.groups()
    _check_ttest(design, y, g)
    t = design.table
    if g in ("0", "1"):
        res = design.mean(y, na_rm=na_rm, level=level)
        est, se = float(res["estimate"].iloc[0]), float(res["se"].iloc[0])
        df = float(degf(design) - 1)
        row, method = y, "one-sample t-test"
    else:
        used = t[y].notnull() & t[g].notnull() & (design.weight_expr != 0)
        if design.domain is not None:
            used = used & design.domain
        values = sorted_levels(design.execute(t.filter(used).select(g).distinct())[g])
        label = group_label(g, values, not _is_categorical(t[g].type()))
        if design.replicates is None:
            fit = design.glm(f"{y} ~ {g}", family="gaussian")
            est, se, df = float(fit.params.iloc[1]), float(fit.bse.iloc[1]), float(fit.df_resid)
        else:  # svyglm(y ~ g) refitted under each replicate weight: its slope is the difference of the two
            # domain means under that weight, so the replicate contrast of the domain means is that fit
            est, se = _difference_of_means(design.subset(used), y, g, values)
            df = float(degf(design) - 1)  # R: degf + 1 - p of the design before rows with NA leave
        row, method = f"{y}: {label}", "t-test of two groups"
    return ttest_frame(est, se, df, row, method, level)


def _check_ttest(design, y: str, g: str) -> None:
    require_variables(design, [y] if g in "01" else [y, g], "ttest() variable")
    if _is_categorical(design.table[y].type()):
        raise EstimateError(f"ttest() needs a numeric outcome; {y!r} is categorical.")


def _ttest_by(design, formula: str, na_rm: bool, by, level: float) -> pd.DataFrame:
    """svyby(svyttest) in a fixed number of queries. One sample: every domain's mean by the linear path with
    ``by`` and its degf (one GROUP BY). Two groups: the groups of every domain (one GROUP BY), then both groups'
    means in every domain as two ratios of the linear path with ``by`` (their covariance within the domain), the
    difference and its SE; that is the slope of ``glm(y ~ g)`` and its sandwich SE (and on a replicate design
    the replicate contrast of the means), df that of the fit's rows (of the domain's rows before NA leave)."""
    y, g = parse_formula(formula).groups()
    dom = Domains(design, by)

    def again():
        return by_each(design, by, lambda d: ttest(d, formula, na_rm=na_rm, level=level))

    if not dom.n:
        return dom.assemble([])
    _check_ttest(design, y, g)
    if not codes_clean(design, [y] if g in "01" else [y, g]):
        return again()
    t = design.table
    if g in ("0", "1"):
        base, _, complete = _variables(design, [y])
        res = linear_estimates(design, Linear("mean", (base[0],), (0,), (None,)), _member(design, complete, na_rm),
                               tuple(dom.cols), True)
        at = dom.positions(res.domains)
        if at is None:
            return again()
        dfs = domain_degf(design, dom)
        return dom.assemble([ttest_frame(float(res.theta[i, 0]), float(np.sqrt(res.vcov[i, 0, 0])), float(d - 1),
                                         y, "one-sample t-test", level) for i, d in zip(at, dfs)])
    used = t[y].notnull() & t[g].notnull() & (design.weight_expr != 0)
    if design.domain is not None:
        used = used & design.domain
    seen = design.execute(t.filter(used).select(*dom.cols, g).distinct())
    pos = dom.levels.assign(_cs_g=np.arange(dom.n)).merge(seen, on=dom.cols)
    numeric = not _is_categorical(t[g].type())
    values = [sorted_levels(pos.loc[pos["_cs_g"] == d, g]) for d in range(dom.n)]
    labels = [group_label(g, v, numeric) for v in values]  # the first domain without two groups raises
    if any(v != values[0] for v in values):  # groups that differ between domains: each domain its own
        return again()
    first, second = (v.item() if hasattr(v, "item") else v for v in values[0])
    yx = _variables(design, [y])[0][0]
    if design.replicates is None:  # glm(y ~ g)'s rows: the domain's rows with y and g
        complete = t[y].notnull() & t[g].notnull()
        for c in (y, g):
            if t[c].type().is_floating():
                complete = complete & ~t[c].isnan()
        member = complete if design.domain is None else design.domain & complete
        dfs = domain_degf(design, dom, complete) - 1  # degf + 1 - p of the fit's rows
    else:
        member = used
        dfs = domain_degf(design, dom) - 1  # R: degf + 1 - p of the design before rows with NA leave
    one, two = (t[g] == second).cast("float64"), (t[g] == first).cast("float64")
    est = Linear("ratio", (yx * one, one, yx * two, two), (0, 2), (1, 3))
    res = linear_estimates(design, est, member, tuple(dom.cols), True)
    at = dom.positions(res.domains)
    if at is None:
        return again()
    frames = []
    for i, d, label in zip(at, dfs, labels):
        v = res.vcov[i]
        se = float(np.sqrt(v[0, 0] + v[1, 1] - 2 * v[0, 1]))
        frames.append(ttest_frame(float(res.theta[i, 0] - res.theta[i, 1]), se, float(d), f"{y}: {label}",
                                  "t-test of two groups", level))
    return dom.assemble(frames)


def _difference_of_means(design, y: str, g: str, values: list) -> tuple[float, float]:
    """The mean of ``y`` in the second group less that in the first, and its SE (by= with covmat, contrast)."""
    from careersurvey.estimation.contrast import contrast

    means = design.mean(y, by=g, covmat=True)
    row = contrast(means, [-1.0, 1.0]).iloc[0]
    return float(row["estimate"]), float(row["se"])
