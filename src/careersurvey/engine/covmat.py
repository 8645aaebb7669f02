"""The covariance of estimates across domains (R's ``svyby(covmat = TRUE)``) inside the engine.

Domains share PSUs and strata, so their estimates covary. One pass gives all of it: every estimate column of
every domain becomes a column of its own over the whole table (its base columns times the domain's indicator:
a domain mean is the ratio of sum(w a 1g) to sum(w 1g), a domain total the total of a 1g), and the linear
path's stage aggregates with the full covariance of those G x k columns give R's matrix; rows outside a domain
carry 0, as R's influence values do. Post-stratified and raked designs form their residuals on these columns
as on any estimate. Replicate designs need no second pass: the covariance of the stacked replicate estimates.
"""

from __future__ import annotations

import numpy as np

from careersurvey.engine.conditions import cell_condition
from careersurvey.engine.linear import Linear, LinearResult, linear_estimates
from careersurvey.engine.source import EngineError

__all__ = ["MAX_COLUMNS", "domain_covariance"]

#: Estimates (domains x columns) one covariance query takes: their crossproducts are sums of one query.
MAX_COLUMNS = 44


def domain_covariance(design, est: Linear, member, by: tuple[str, ...], res: LinearResult) -> np.ndarray:
    """The (G k, G k) covariance of the estimates of ``res`` (G domains of ``by``, k columns), domain-major."""
    import ibis

    G, k = res.theta.shape
    if res.thetas is not None:  # a replicate design: the replicate estimates' covariance, stacked
        stacked = res.thetas.reshape(G * k, -1)
        return design.replicates.covariance(stacked.T, res.theta.reshape(-1))
    if G * k > MAX_COLUMNS:
        raise EngineError(f"covmat=True over {G} domains x {k} estimates ({G * k}) is more than the engine path "
                          f"computes in one query ({MAX_COLUMNS}); ask for fewer domains or variables at a time")
    t = design.table
    base, a, b = [], [], []
    for values in res.domains[list(by)].itertuples(index=False, name=None):
        inside = cell_condition(t, by, values)
        start = len(base)
        base.extend(ibis.ifelse(inside, x, 0.0) for x in est.base)
        if est.kind == "mean":
            base.append(inside.cast("float64"))
            a.extend(start + i for i in est.a)
            b.extend([len(base) - 1] * k)
        else:
            a.extend(start + i for i in est.a)
            b.extend(start + j if j is not None else None for j in est.b)
    wide = Linear("total" if est.kind == "total" else "ratio", tuple(base), tuple(a), tuple(b))
    out = linear_estimates(design, wide, member, (), full_cov=True)
    vcov = out.vcov[0]
    # the wide pass reproduces each domain's own variances: a check that both passes read the same rows
    own = np.concatenate([np.diagonal(v) for v in res.vcov])
    if not np.allclose(np.diagonal(vcov), own, rtol=1e-8, atol=1e-12 * max(1.0, np.nanmax(np.abs(own), initial=0)),
                       equal_nan=True):
        raise EngineError("covmat: the domains' variances differ between the two passes (an engine fault); "
                          "report it with the design")
    return vcov
