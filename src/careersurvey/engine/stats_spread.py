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
from careersurvey.estimation.estimators import EstimateError, assemble_domains
from careersurvey.estimation.frames import result_frame
from careersurvey.estimation.spread import moment_covariances
from careersurvey.estimation.tests_stats import group_label, parse_formula, ttest_frame

__all__ = ["var", "ttest", "by_each"]


def by_each(design, by, estimator) -> pd.DataFrame:
    """R's ``svyby`` of ``estimator`` (a design -> result frame): one subset of the design per level combination
    of ``by`` that has rows in the domain (sorted), assembled as the in-memory path assembles them."""
    by_cols = _as_names(by)
    require_variables(design, by_cols, "by variable")
    _refuse_codes(design, by_cols, "by variable")
    t = design.table
    rows = t.filter(design.domain) if design.domain is not None else t
    levels = design.execute(rows.select(*by_cols).distinct()).dropna()
    levels = levels.sort_values(by_cols, kind="stable").reset_index(drop=True)
    frames, labels = [], []
    for values in levels.itertuples(index=False):  # over domains, each a handful of aggregate queries
        cond = None
        for b, v in zip(by_cols, values):
            cond = (t[b] == v) if cond is None else cond & (t[b] == v)
        frames.append(estimator(design.subset(cond)))
        labels.append(values[0] if len(by_cols) == 1 else tuple(values))
    return assemble_domains(frames, labels, by_cols, by)


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
    """R's ``svyvar`` as ``SurveyDesign.var``: variances, or the covariance matrix (rows (variable, with))."""
    if by is not None:
        return by_each(design, by, lambda d: var(d, variables, na_rm=na_rm, level=level))
    names = _as_names(variables)
    t = design.table
    for v in names:
        if v in t.columns and _is_categorical(t[v].type()):
            raise EstimateError(f"var() needs numeric variables; {v!r} is categorical. For the share of each "
                                "level use proportion().")
    require_variables(design, names)
    n = _rows_of(design)  # R counts the design's rows before na_rm leaves any out
    _refuse_codes(design, names)
    base, labels, complete = _variables(design, names)
    member = _member(design, complete, na_rm)
    if n < 2:
        raise EstimateError(f"var() needs at least two rows of non-zero weight (the design has {n}).")
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
    index = pd.MultiIndex.from_arrays([[labels[a] for a in ii], [labels[b] for b in jj]], names=["variable", "with"])
    if p == 1:
        index = pd.Index(labels)
    frame = result_frame(index, theta, vcov, df, level=level, statistic="variance")
    frame.attrs["matrix"] = pd.DataFrame(theta.reshape(p, p).T, index=list(labels), columns=list(labels))
    return frame


def _means(design, base, member) -> np.ndarray:
    """The weighted means of ``base`` over the ``member`` rows (NaN where a value is missing), one aggregate."""
    t = design.table
    rows = t.filter(member) if member is not None else t
    w = design.weight_expr
    aggs = {f"_cs_s{i}": (w * x).sum() for i, x in enumerate(base)}
    aggs.update({f"_cs_na{i}": x.isnull().cast("int64").sum() for i, x in enumerate(base)})
    aggs["_cs_sw"] = w.sum()
    q = design.execute(rows.aggregate(**aggs)).iloc[0]
    return np.array([np.nan if q[f"_cs_na{i}"] else float(q[f"_cs_s{i}"]) / float(q["_cs_sw"])
                     for i in range(len(base))])


def _replicate_var(design, base, xbar, member, ii, jj):
    """R's ``svyvar.svyrep.design``: the weighted covariance under the full-sample and every replicate weight
    (moments of the values centred on the full-sample mean, summed in the engine), R's n/(n-1) on the rows
    left, the replicate rule of the design; df the rank of the rows' replicate weights minus one."""
    from careersurvey.engine.replicates import aggregate_blocks, domain_ranks

    reps = design.replicates
    t = design.table
    rows = t.filter(member) if member is not None else t
    w = design.weight_expr
    p = len(base)
    y = [x - float(m) for x, m in zip(base, xbar)]
    weights = [w, *reps.weights(t, w)]
    pairs = [(a, b) for a in range(p) for b in range(a, p)]
    aggs = {}
    for r, wr in enumerate(weights):
        aggs[f"_cs_w{r}"] = wr.sum()
        aggs.update({f"_cs_s{r}_{a}": (wr * y[a]).sum() for a in range(p)})
        aggs.update({f"_cs_q{r}_{a}_{b}": (wr * y[a] * y[b]).sum() for a, b in pairs})
    aggs["_cs_n"] = (w != 0).cast("int64").sum()
    q = aggregate_blocks(rows, aggs, [], design.execute).iloc[0]
    R1 = len(weights)
    sw = np.array([float(q[f"_cs_w{r}"]) for r in range(R1)])
    s = np.array([[float(q[f"_cs_s{r}_{a}"]) for r in range(R1)] for a in range(p)])
    ss = np.empty((p, p, R1))
    for a, b in pairs:
        ss[a, b] = ss[b, a] = [float(q[f"_cs_q{r}_{a}_{b}"]) for r in range(R1)]
    cov = moment_covariances(sw, s, ss, int(q["_cs_n"]))[jj, ii]  # (p², R + 1)
    theta, thetas = cov[:, 0], cov[:, 1:]
    vcov = reps.covariance(thetas.T, theta)
    if member is None:
        df = float(reps.degf)
    else:
        df = float(domain_ranks(t, reps.weights(t, w), member, (), design.execute)[0] - 1)
    return theta, vcov, df


def ttest(design, formula: str, na_rm: bool = False, by=None, level: float = 0.95) -> pd.DataFrame:
    """R's ``svyttest`` as ``SurveyDesign.ttest``: ``"y ~ 1"`` (mean 0) or ``"y ~ g"`` (two groups, by the engine's
    ``glm(y ~ g)``, on its residual df)."""
    match = parse_formula(formula)
    if by is not None:
        return by_each(design, by, lambda d: ttest(d, formula, na_rm=na_rm, level=level))
    y, g = match.groups()
    require_variables(design, [y] if g in "01" else [y, g], "ttest() variable")
    t = design.table
    if _is_categorical(t[y].type()):
        raise EstimateError(f"ttest() needs a numeric outcome; {y!r} is categorical.")
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


def _difference_of_means(design, y: str, g: str, values: list) -> tuple[float, float]:
    """The mean of ``y`` in the second group less that in the first, and its SE (by= with covmat, contrast)."""
    from careersurvey.estimation.contrast import contrast

    means = design.mean(y, by=g, covmat=True)
    row = contrast(means, [-1.0, 1.0]).iloc[0]
    return float(row["estimate"]), float(row["se"])
