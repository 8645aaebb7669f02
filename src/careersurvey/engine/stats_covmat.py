"""The covariance of every domain's estimates (R's ``svyby(covmat=TRUE)``) inside the engine, for contrasts.

R stacks each domain's influence values side by side over the whole design; the engine does the same by
writing the domains as columns: column (g, c) is the estimate's variable where the row is in domain g and 0
elsewhere, a domain mean the ratio of that column to the domain's indicator. One linear estimate of those
G·k columns with its full covariance (:mod:`careersurvey.engine.linear`: per PSU sums, or the replicate
estimates, kept for ``contrast(replicates=True)``) gives R's matrix, its diagonal the domains' own variances.
"""

from __future__ import annotations

import pandas as pd

from careersurvey.engine.estimators import _as_names, _variables, degf
from careersurvey.engine.linear import Linear, linear_estimates

__all__ = ["with_covariance"]


def with_covariance(design, frame: pd.DataFrame, kind: str, variables, denominators, na_rm: bool,
                    by) -> pd.DataFrame:
    """``frame`` (a new by= result of ``kind`` "mean", "total" or "ratio") given the covariance of all its rows in
    ``attrs["vcov"]`` (domain-major, as its rows), ``design_df``, and on a replicate design the replicate
    estimates (``replicates``, ``replicate_weights``) as the in-memory path gives them."""
    import ibis

    by_cols = _as_names(by)
    names, dens = _as_names(variables), _as_names(denominators)
    base, _, complete = _variables(design, names + dens)
    member = design.domain
    if na_rm:
        member = complete if member is None else member & complete
    t = design.table
    rows = t.filter(member) if member is not None else t
    domains = design.execute(rows.select(*by_cols).distinct()).dropna()
    domains = domains.sort_values(by_cols, kind="stable").reset_index(drop=True)
    inside = []
    for values in domains.itertuples(index=False):  # one indicator per domain (few: domains are aggregates)
        cond = ibis.literal(True)
        for b, v in zip(by_cols, values):
            cond = cond & (t[b] == v)
        inside.append(cond.fill_null(False))
    zero = ibis.literal(0.0, type="float64")

    def within(x, g):
        return ibis.ifelse(inside[g], x, zero)

    G, m = len(inside), len(names)
    if kind == "ratio":
        cols = [within(base[i], g) for g in range(G) for i in range(m)]
        cols += [within(base[m + j], g) for g in range(G) for j in range(len(dens))]
        pairs = [(g * m + i, G * m + g * len(dens) + j) for g in range(G) for i in range(m) for j in range(len(dens))]
        est = Linear("ratio", tuple(cols), tuple(a for a, _ in pairs), tuple(b for _, b in pairs))
    elif kind == "mean":
        k = len(base)
        cols = [within(x, g) for g in range(G) for x in base] + [c.cast("float64") for c in inside]
        est = Linear("ratio", tuple(cols), tuple(range(G * k)), tuple(G * k + g for g in range(G) for _ in range(k)))
    else:
        k = len(base)
        cols = [within(x, g) for g in range(G) for x in base]
        est = Linear("total", tuple(cols), tuple(range(G * k)), (None,) * (G * k))
    res = linear_estimates(design, est, member, (), True)
    frame.attrs.update(vcov=res.vcov[0], design_df=degf(design))
    if design.replicates is not None:
        frame.attrs.update(replicates=res.thetas[0], replicate_weights=design.replicates)
    return frame
