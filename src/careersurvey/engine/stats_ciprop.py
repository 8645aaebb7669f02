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
from careersurvey.engine.linear import Linear, linear_estimates
from careersurvey.engine.stats import require_variables
from careersurvey.engine.stats_spread import by_each
from careersurvey.estimation.ciprop import (
    LIKELIHOOD_ON_REPLICATES, ProfileSums, check_method, first_step_terms, interval_frame, likelihood_interval,
)
from careersurvey.estimation.domains import replicate_logit
from careersurvey.estimation.estimators import EstimateError

__all__ = ["ciprop"]


def ciprop(design, variables, method: str = "logit", na_rm: bool = False, by=None, level: float = 0.95,
           df: float | None = None, nchs: bool = False) -> pd.DataFrame:
    """R's ``svyciprop(method=)`` as ``SurveyDesign.ciprop``; ``by=`` one domain of the design per level."""
    check_method(method, nchs)
    if by is not None:
        return by_each(design, by, lambda d: ciprop(d, variables, method=method, na_rm=na_rm, level=level, df=df,
                                                   nchs=nchs))
    names = _as_names(variables)
    require_variables(design, names)
    _refuse_codes(design, names)
    if method == "likelihood" and design.replicates is not None:
        raise EstimateError(LIKELIHOOD_ON_REPLICATES)
    base, labels, complete = _variables(design, names)
    member = design.domain
    if na_rm:
        member = complete if member is None else member & complete
    try:
        _refuse_not_shares(design, base, labels, member)
    except Exception as exc:  # the engine's message, naming this method's intervals
        raise EstimateError(str(exc).replace("proportion() (logit intervals)", f"ciprop() ({method} intervals)")) \
            from None
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
    """The likelihood fit's sums of a 0/1 column ``x`` (two aggregates: the rows of the design after na_rm, then
    those of the fit)."""
    t = design.table
    held = t.filter(member) if member is not None and not design.adjustments else t  # the na_rm design's rows
    w = design.weight_expr
    q = design.execute(held.aggregate(n=held.count(), sw=w.sum())).iloc[0]
    mean_w = float(q["sw"]) / int(q["n"])
    fit = t.filter(x.notnull() if member is None else member & x.notnull())
    terms = first_step_terms(x, w / mean_w, lambda e: e.ln())
    aggs = {"n": fit.count(), "w1": (w * x).sum(), "w0": (w * (1 - x)).sum(), "nz": (w != 0).cast("int64").sum()}
    aggs.update({f"f{i}": term.sum() for i, term in enumerate(terms)})
    s = design.execute(fit.aggregate(**aggs)).iloc[0]
    return ProfileSums(int(s["n"]), mean_w, float(s["w1"]), float(s["w0"]), int(s["nz"]),
                       tuple(float(s[f"f{i}"]) for i in range(3)))
