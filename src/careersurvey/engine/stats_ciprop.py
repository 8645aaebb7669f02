"""Proportions with every interval of R's ``svyciprop`` inside the engine (logit, likelihood, asin, beta, mean,
xlogit; the NCHS flags with beta).

The shares and their covariance are the engine's linear estimates of the level indicators; on a replicate design
their replicate estimates too (R refits the logit under every replicate weight). The likelihood interval reads
its fit from a handful of sums over the rows (:class:`careersurvey.estimation.ciprop.ProfileSums`, two
aggregates). Every interval and flag is the core's (:func:`careersurvey.estimation.ciprop.interval_frame`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from careersurvey.engine.estimators import _as_names, _refuse_codes, _refuse_not_shares, _variables, degf
from careersurvey.engine.source import EngineError
from careersurvey.engine.linear import Linear, linear_estimates
from careersurvey.engine.stats import require_variables
from careersurvey.engine.stats_by import Domains, by_each, codes_clean, domain_degf
from careersurvey.estimation.ciprop import (
    LIKELIHOOD_ON_REPLICATES, ProfileSums, check_method, first_step_terms, interval_frame, likelihood_interval,
)
from careersurvey.estimation.domains import replicate_logit
from careersurvey.estimation.estimators import EstimateError

__all__ = ["ciprop"]


def ciprop(design, variables, method: str = "logit", na_rm: bool = False, by=None, level: float = 0.95,
           df: float | None = None, nchs: bool = False) -> pd.DataFrame:
    """R's ``svyciprop(method=)`` as ``SurveyDesign.ciprop``; ``by=`` in one grouped pass (:func:`_ciprop_by`)."""
    check_method(method, nchs)
    if by is not None:
        return _ciprop_by(design, variables, method, na_rm, by, level, df, nchs)
    names = _as_names(variables)
    require_variables(design, names)
    _refuse_codes(design, names)
    base, labels, member = _shares(design, names, method, na_rm)
    _refuse_not_ciprop_shares(design, base, labels, member, method)
    k = len(base)
    res = linear_estimates(design, Linear("mean", tuple(base), tuple(range(k)), (None,) * k), member, (), True)
    p, vcov = res.theta[0], res.vcov[0]
    nrow, design_dof = _held(design)  # R: nrow and degf of the design given, before na_rm
    dof = design_dof if df is None else float(df)
    ci = None
    if method == "logit" and design.replicates is not None:
        ci = replicate_logit(design.replicates, res.thetas, res.theta, np.full(k, dof), level)
    elif method == "likelihood":
        ci = np.array([likelihood_interval(_profile_sums(design, x, member), pj, vj, dof, level)
                       if 0 < pj < 1 else (np.nan, np.nan) for x, pj, vj in zip(base, p, np.diag(vcov))]).T
    counts = _counts(design, base, member) if nchs else None
    return interval_frame(labels, p, vcov, method, dof, design_dof, nrow, int(res.nobs[0]), counts, level, ci)


def _held(design) -> tuple[int, int]:
    """R's ``nrow(design)`` (the domain's rows) and ``degf(design)``."""
    t = design.table
    rows = t.filter(design.domain) if design.domain is not None and not design.adjustments else t
    return int(design.execute(rows.aggregate(n=rows.count()))["n"].iat[0]), degf(design)


def _counts(design, base, member) -> list[int]:
    """The sample size of each proportion: rows of non-zero weight with an answer."""
    t = design.table
    rows = t.filter(member) if member is not None else t
    w = design.weight_expr
    q = design.execute(rows.aggregate(**{f"n{i}": ((w != 0) & x.notnull()).cast("int64").sum()
                                         for i, x in enumerate(base)})).iloc[0]
    return [int(q[f"n{i}"]) for i in range(len(base))]


def _profile_sums(design, x, member) -> ProfileSums:
    """The likelihood fit's sums of a 0/1 column ``x`` (two aggregates: the domain's rows, answered or not, for the
    mean prior weight, then those of the fit). A domain (or na_rm) of a weighted design keeps every row, weight 0 outside it, as R's
    subset of a post-stratified or calibrated design (and the in-memory path): the mean weight is over all rows."""
    import ibis

    t = design.table
    w = design.weight_expr
    dom = design.domain
    # R's prior weights are taken before the fit drops the rows without an answer (na_rm): the domain's mean weight
    held, wm = t, w
    if design.adjustments:
        wm = ibis.ifelse(dom, w, 0.0) if dom is not None else w
        if member is not None:
            w, member = ibis.ifelse(member, w, 0.0), None
    elif dom is not None:
        held = t.filter(dom)
    q = design.execute(held.aggregate(n=held.count(), sw=wm.sum())).iloc[0]
    mean_w = float(q["sw"]) / int(q["n"])
    fit = t.filter(x.notnull() if member is None else member & x.notnull())
    terms = first_step_terms(x, w / mean_w, lambda e: e.ln())
    aggs = {"n": fit.count(), "w1": (w * x).sum(), "w0": (w * (1 - x)).sum(), "nz": (w != 0).cast("int64").sum()}
    aggs.update({f"f{i}": term.sum() for i, term in enumerate(terms)})
    s = design.execute(fit.aggregate(**aggs)).iloc[0]
    fit_rows = int(q["n"]) if design.adjustments else int(s["n"])  # a weighted design keeps them at weight 0
    return ProfileSums(int(s["n"]), mean_w, float(s["w1"]), float(s["w0"]), int(s["nz"]),
                       tuple(float(s[f"f{i}"]) for i in range(3)), fit_rows)


def _shares(design, names: list[str], method: str, na_rm: bool):
    """The variables' 0/1 columns, their labels and the rows they are estimated on (the domain's; with an answer
    when ``na_rm``); the likelihood has no replicate version."""
    if method == "likelihood" and design.replicates is not None:
        raise EstimateError(LIKELIHOOD_ON_REPLICATES)
    base, labels, complete = _variables(design, names)
    member = design.domain
    if na_rm:
        member = complete if member is None else member & complete
    return base, labels, member


def _refuse_not_ciprop_shares(design, base, labels, member, method: str) -> None:
    try:
        _refuse_not_shares(design, base, labels, member)
    except Exception as exc:  # the engine's message, naming this method's intervals
        raise EstimateError(str(exc).replace("proportion() (logit intervals)", f"ciprop() ({method} intervals)")) \
            from None


def _ciprop_by(design, variables, method: str, na_rm: bool, by, level: float, df, nchs: bool) -> pd.DataFrame:
    """svyby(svyciprop) in a fixed number of queries: the shares of every domain by the linear path with ``by``
    (one pass), each domain's degf, rows and (NCHS) counts one GROUP BY each, the likelihood's profile sums one
    GROUP BY per variable (each row's prior weight over its domain's mean weight, joined by its by columns);
    each domain's frame the core's (every level of a categorical variable, as in memory)."""
    dom = Domains(design, by)

    def again():
        return by_each(design, by, lambda d: ciprop(d, variables, method=method, na_rm=na_rm, level=level, df=df,
                                                   nchs=nchs))

    if not dom.n:
        return dom.assemble([])
    names = _as_names(variables)
    require_variables(design, names)
    if not codes_clean(design, names):
        return again()
    base, labels, member = _shares(design, names, method, na_rm)
    try:
        _refuse_not_ciprop_shares(design, base, labels, member, method)
    except (EngineError, EstimateError):  # the subsets name the count in the first domain holding the values
        return again()
    k = len(base)
    res = linear_estimates(design, Linear("mean", tuple(base), tuple(range(k)), (None,) * k), member,
                           tuple(dom.cols), True)
    at = dom.positions(res.domains)
    if at is None:
        return again()
    design_dofs = domain_degf(design, dom)  # R: nrow and degf of each domain's design, before na_rm
    nrows = _domain_rows(design, dom)
    counts = _domain_counts(design, dom, base, member) if nchs else None
    profiles = _domain_profiles(design, dom, base, member) if method == "likelihood" else None
    frames = []
    for g, i in enumerate(at):
        p, vcov = res.theta[i], res.vcov[i]
        dof = int(design_dofs[g]) if df is None else float(df)
        ci = None
        if method == "logit" and design.replicates is not None:
            ci = replicate_logit(design.replicates, res.thetas[i:i + 1], res.theta[i:i + 1], np.full(k, dof), level)
        elif method == "likelihood":
            ci = np.array([likelihood_interval(profiles[c][g], pj, vj, dof, level) if 0 < pj < 1 else (np.nan, np.nan)
                           for c, (pj, vj) in enumerate(zip(p, np.diag(vcov)))]).T
        frames.append(interval_frame(labels, p, vcov, method, dof, int(design_dofs[g]), int(nrows[g]),
                                     int(res.nobs[i]), None if counts is None else [int(c[g]) for c in counts],
                                     level, ci))
    return dom.assemble(frames)


def _domain_rows(design, dom: Domains) -> np.ndarray:
    """R's ``nrow`` of each domain's design: its rows (every row of the table on a weighted design)."""
    t = design.table
    if design.adjustments:
        return np.full(dom.n, int(design.execute(t.aggregate(n=t.count()))["n"].iat[0]))
    rows = t.filter(design.domain) if design.domain is not None else t
    return dom.column(design.execute(rows.group_by(dom.cols).aggregate(_cs_n=rows.count())), "_cs_n")


def _domain_counts(design, dom: Domains, base, member) -> list[np.ndarray]:
    """Per base column, each domain's sample size of the proportion: rows of non-zero weight with an answer."""
    t = design.table
    rows = t.filter(member) if member is not None else t
    w = design.weight_expr
    q = design.execute(rows.group_by(dom.cols).aggregate(**{f"_cs_n{i}": ((w != 0) & x.notnull()).cast("int64").sum()
                                                            for i, x in enumerate(base)}))
    return [dom.column(q, f"_cs_n{i}") for i in range(len(base))]


def _domain_profiles(design, dom: Domains, base, member) -> list[list[ProfileSums | None]]:
    """:func:`_profile_sums` of every domain, per base column: the domains' row counts and weights one GROUP BY,
    then per column one GROUP BY of the fit's sums with each row's prior weight over its domain's mean weight.
    On a weighted design each domain keeps every row at weight 0 outside it (:func:`_profile_sums`): the mean
    weight is over all the table's rows and the fit's rows are all rows with an answer (one aggregate each); the
    rows outside add 0 to every sum."""
    t = design.table
    w = design.weight_expr
    held = t.filter(design.domain) if design.domain is not None else t  # before na_rm, as R's prior weights
    q = design.execute(held.group_by(dom.cols).aggregate(_cs_n=held.count(), _cs_sw=w.sum()))
    rows = dom.column(q, "_cs_n", np.nan).astype(float)
    if design.adjustments:
        rows = np.full(dom.n, float(design.execute(t.aggregate(n=t.count()))["n"].iat[0]))
    mean_w = dom.column(q, "_cs_sw", np.nan).astype(float) / rows
    joined = dom.joined(design, {"_cs_mw": mean_w})
    rel = joined.table
    out = []
    for x in base:
        fit = rel.filter(x.notnull() if member is None else member & x.notnull())
        terms = first_step_terms(x, w / rel["_cs_mw"], lambda e: e.ln())
        aggs = {"_cs_n": fit.count(), "_cs_w1": (w * x).sum(), "_cs_w0": (w * (1 - x)).sum(),
                "_cs_nz": (w != 0).cast("int64").sum()}
        aggs.update({f"_cs_f{i}": term.sum() for i, term in enumerate(terms)})
        s = design.execute(fit.group_by(dom.cols).aggregate(**aggs))
        col = {name: dom.column(s, name, np.nan) for name in aggs}
        if design.adjustments:
            answered = rel.filter(x.notnull())
            n = design.execute(answered.aggregate(n=answered.count()))["n"].iat[0]
            col["_cs_n"] = np.where(np.isnan(col["_cs_n"].astype(float)), np.nan, float(n))
        out.append([None if np.isnan(float(col["_cs_n"][g])) else
                    ProfileSums(int(col["_cs_n"][g]), float(mean_w[g]), float(col["_cs_w1"][g]),
                                float(col["_cs_w0"][g]), int(col["_cs_nz"][g]),
                                tuple(float(col[f"_cs_f{i}"][g]) for i in range(3)),
                                int(rows[g]) if design.adjustments else int(col["_cs_n"][g]))
                     for g in range(dom.n)])
    return out
