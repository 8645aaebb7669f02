"""Planning the next wave: sample sizes for a target margin of error or CV (with fpc and a design effect),
allocation to strata, and the optimal number of persons per institution. Formulas are those of Valliant,
Dever and Kreuter, *Practical Tools for Designing and Weighting Survey Samples* (2nd ed., 2018), as R's
PracTools 1.7.5 computes them (tests/fixtures/r-practools holds its numbers):

* proportion, margin of error e (``nPropMoe``, moe.sw=1):  n = a z^2 D pq / (e^2 + z^2 D pq / (N-1)),
  a = N/(N-1) (1 when N is infinite), z = the normal quantile of 1 - alpha/2, D the design effect;
* proportion, CV target (``nProp``):  n = a D (q/p) / (CV0^2 + D (q/p) / (N-1));
* mean, margin of error e (``nContMoe``, moe.sw=1):  n = z^2 D S^2 / (e^2 + z^2 D S^2 / N);
* mean, CV target (``nCont``):  n = D CVpop^2 / (CV0^2 + D CVpop^2 / N), CVpop = S / ybar;
* allocation (``strAlloc``): proportional n_h = n W_h; Neyman n_h = n W_h S_h / sum W S; cost-optimal for a
  total budget C: n_h = C (W_h S_h / sqrt c_h) / sum(W S sqrt c);
* two-stage (``clusOpt2``): persons per institution n_opt = sqrt((C1/C2) (1 - delta)/delta); institutions for a
  CV target m_opt = relvar k (1 + delta (n_opt - 1)) / (n_opt CV0^2), or for a budget m_opt = C / (C1 + C2 n_opt).

:func:`planning_inputs` takes this wave's p, design effects and response rates per stratum from a design and
the AAPOR rates. With D = 1 the sample sizes are PracTools' exactly; with D > 1 the unit variance is multiplied by D (the
effective-sample-size rule), so the fpc acts on the inflated size. Sizes are returned unrounded; round up.
"""

from __future__ import annotations

import math
from typing import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy.stats import norm

from careersurvey.fieldwork.errors import FieldworkError


def _a(N: float) -> float:
    return 1.0 if math.isinf(N) else N / (N - 1)


def _z(conf: float) -> float:
    if not 0 < conf < 1:
        raise FieldworkError(f"conf = {conf!r}: the confidence level is between 0 and 1, e.g. 0.95")
    return float(norm.ppf(1 - (1 - conf) / 2))


def _one_target(moe, cv) -> None:
    if (moe is None) == (cv is None):
        raise FieldworkError("give exactly one target: moe= (margin of error) or cv= (coefficient of variation)")
    for name, v in (("moe", moe), ("cv", cv)):
        if v is not None and not v > 0:
            raise FieldworkError(f"{name} = {v!r}: the target must be > 0")


def n_proportion(p: float, *, moe: float | None = None, cv: float | None = None, N: float = math.inf,
                 deff: float = 1.0, conf: float = 0.95) -> float:
    """Sample size to estimate a proportion ``p`` with margin of error ``moe`` (absolute, e.g. 0.05) or
    coefficient of variation ``cv`` in a population of ``N`` with design effect ``deff``."""
    _one_target(moe, cv)
    if not 0 < p < 1:
        raise FieldworkError(f"p = {p!r}: the anticipated proportion is between 0 and 1 (0.5 when unknown)")
    q = 1 - p
    if moe is not None:
        z = _z(conf)
        return _a(N) * z * z * deff * p * q / (moe ** 2 + z * z * deff * p * q / (N - 1))
    return _a(N) * deff * q / p / (cv ** 2 + deff * q / p / (N - 1))


def n_mean(S2: float, *, moe: float | None = None, cv: float | None = None, ybar: float | None = None,
           N: float = math.inf, deff: float = 1.0, conf: float = 0.95) -> float:
    """Sample size to estimate a mean with unit variance ``S2`` to margin of error ``moe`` (in the variable's
    units) or coefficient of variation ``cv`` (needs ``ybar``, the anticipated mean)."""
    _one_target(moe, cv)
    if moe is not None:
        z = _z(conf)
        return z * z * deff * S2 / (moe ** 2 + z * z * deff * S2 / N)
    if not ybar:
        raise FieldworkError("a CV target for a mean needs ybar=, the anticipated mean (not 0)")
    rel = deff * S2 / ybar ** 2
    return rel / (cv ** 2 + rel / N)


def allocate_strata(N_h: Mapping[str, float], n: float | None = None, *, S_h: Mapping[str, float] | None = None,
                    cost_h: Mapping[str, float] | None = None, budget: float | None = None,
                    method: str = "proportional") -> pd.DataFrame:
    """Allocation to strata (PracTools ``strAlloc``): ``proportional`` or ``neyman`` of ``n``, or ``cost``:
    the cost-optimal allocation for a total ``budget`` with unit costs ``cost_h``. Returns per stratum
    N_h, n_h (unrounded), n_h/n and whether n_h exceeds N_h (take the whole stratum there and reallocate)."""
    keys = list(N_h)
    Nh = np.array([float(N_h[k]) for k in keys])
    W = Nh / Nh.sum()

    def vec(m, name):
        if m is None:
            raise FieldworkError(f"{method} allocation needs {name} for every stratum")
        missing = [k for k in keys if k not in m]
        if missing:
            raise FieldworkError(f"{name} is missing for strata {', '.join(map(repr, missing))}")
        return np.array([float(m[k]) for k in keys])

    if method == "proportional":
        nh = float(n) * W
    elif method == "neyman":
        S = vec(S_h, "S_h (the unit standard deviation)")
        nh = float(n) * W * S / np.sum(W * S)
    elif method == "cost":
        S, c = vec(S_h, "S_h (the unit standard deviation)"), vec(cost_h, "cost_h (the cost per unit)")
        if budget is None:
            raise FieldworkError("cost allocation needs budget=, the total variable cost")
        d1 = np.sum(W * S / np.sqrt(c))
        nh = budget * d1 / np.sum(W * S * np.sqrt(c)) * (W * S / np.sqrt(c) / d1)
    else:
        raise FieldworkError(f"unknown allocation {method!r}; use proportional, neyman or cost")
    return pd.DataFrame({"N_h": Nh, "n_h": nh, "share": nh / nh.sum(), "over_N_h": nh > Nh},
                        index=pd.Index(keys, name="stratum"))


def cluster_plan(C1: float, C2: float, icc: float, *, unit_relvar: float = 1.0, k: float = 1.0,
                 cv: float | None = None, budget: float | None = None) -> dict[str, float]:
    """Two-stage design (PracTools ``clusOpt2``): C1 cost per institution, C2 per person, ``icc`` (delta) the
    intraclass correlation, ``unit_relvar`` the unit relvariance S^2/ybar^2 (1 when only the persons per
    institution are wanted), ``k`` the ratio of B^2 + W^2 to S^2 (1 for simple random sampling). Returns
    ``persons_per_institution`` (n_opt), ``institutions`` (m_opt), ``cv`` and ``cost``."""
    if not 0 < icc < 1:
        raise FieldworkError(f"icc = {icc!r}: the intraclass correlation must be between 0 and 1 (exclusive)")
    if (cv is None) == (budget is None):
        raise FieldworkError("give exactly one of cv= (target) or budget= (total variable cost)")
    n_opt = math.sqrt(C1 / C2 * (1 - icc) / icc)
    if budget is not None:
        m_opt = budget / (C1 + C2 * n_opt)
        cv_out = math.sqrt(unit_relvar / m_opt / n_opt * k * (1 + icc * (n_opt - 1)))
        return {"persons_per_institution": n_opt, "institutions": m_opt, "cv": cv_out, "cost": budget}
    m_opt = unit_relvar * k * (1 + icc * (n_opt - 1)) / n_opt / cv ** 2
    return {"persons_per_institution": n_opt, "institutions": m_opt, "cv": cv, "cost": C1 * m_opt + C2 * m_opt * n_opt}


def icc_from_deff(deff: float, persons_per_institution: float) -> float:
    """The intraclass correlation implied by a cluster design effect (Kish): delta = (deff - 1)/(mbar - 1)."""
    if persons_per_institution <= 1:
        raise FieldworkError("the ICC from a design effect needs more than one person per institution")
    return (deff - 1) / (persons_per_institution - 1)


PLAN_COLUMNS: tuple[str, ...] = ("stratum", "N", "p", "deff", "response_rate")


def planning_inputs(design, variable: str, by: str, N: Mapping[str, float], rates=None, *, rate: str = "RR2",
                    response_rate: Mapping[str, float] | float | None = None) -> pd.DataFrame:
    """This wave's numbers as :func:`plan_strata` reads them, per stratum ``by``: ``p`` and ``deff`` of the
    proportion ``variable`` (a 0/1 column) from ``design`` (a :class:`~careersurvey.SurveyDesign` of the
    respondents: R's deff, the design's variance over that of simple random sampling), ``N`` as given, and the
    response rate: the ``rate`` column (RR2 by default) of ``rates`` (a :class:`~careersurvey.ResponseRates`
    by the same strata) or ``response_rate`` (a number or a mapping)."""
    est = design.mean(variable, by=by, na_rm=True)
    strata = [str(k) for k in est.index]
    if (rates is None) == (response_rate is None):
        raise FieldworkError("give the response rates: rates= (response_rates(..., by=...)) or response_rate=")
    if rates is not None:
        table = rates.table
        missing = [k for k in strata if k not in table.index]
        if missing:
            raise FieldworkError(f"the response rates have no group {', '.join(map(repr, missing))}; compute them "
                                 f"by the same strata ({by!r})")
        rr = {k: float(table.loc[k, rate]) for k in strata}
    elif isinstance(response_rate, Mapping):
        rr = {k: float(response_rate[k]) for k in strata}
    else:
        rr = dict.fromkeys(strata, float(response_rate))
    absent = [k for k in strata if k not in {str(n) for n in N}]
    if absent:
        raise FieldworkError(f"N is missing for strata {', '.join(map(repr, absent))}; give the population size "
                             "of every stratum")
    sizes = {str(k): float(v) for k, v in N.items()}
    return pd.DataFrame({"stratum": strata, "N": [sizes[k] for k in strata],
                         "p": est["estimate"].to_numpy(dtype=float), "deff": est["deff"].to_numpy(dtype=float),
                         "response_rate": [rr[k] for k in strata]})


def plan_strata(strata: pd.DataFrame, *, moe: float | None = None, cv: float | None = None, conf: float = 0.95,
                source: str = "the strata table") -> pd.DataFrame:
    """Per stratum (domain), the completes needed for a proportion's ``moe`` or ``cv`` (with fpc and the
    stratum's observed ``deff``) and the cases to sample given its ``response_rate``. ``strata`` has columns
    stratum, N, p (anticipated proportion; 0.5 when unknown), deff and response_rate (each row is checked)."""
    _one_target(moe, cv)
    missing = [c for c in PLAN_COLUMNS if c not in strata.columns]
    if missing:
        raise FieldworkError(f"no column {', '.join(map(repr, missing))}; the strata table needs "
                             f"{', '.join(PLAN_COLUMNS)}", file=source)
    rows = []
    label = strata.index.name or "index"
    for where, r in strata.iterrows():
        try:
            vals = {c: float(r[c]) for c in ("N", "p", "deff", "response_rate")}
        except (TypeError, ValueError):
            bad = next(c for c in ("N", "p", "deff", "response_rate") if not _is_number(r[c]))
            raise FieldworkError(f"{bad} is {str(r[bad])!r}; give a number", file=source, row=f"{label} {where}",
                                 column=bad) from None
        checks = (("N", vals["N"] > 1, "more than 1"), ("p", 0 < vals["p"] < 1, "between 0 and 1"),
                  ("deff", vals["deff"] > 0, "> 0"), ("response_rate", 0 < vals["response_rate"] <= 1,
                                                      "in (0, 1]"))
        for col, ok, want in checks:
            if not ok:
                raise FieldworkError(f"{col} = {vals[col]:g}; it must be {want}", file=source,
                                     row=f"{label} {where}", column=col)
        n = n_proportion(vals["p"], moe=moe, cv=cv, N=vals["N"], deff=vals["deff"], conf=conf)
        completes = math.ceil(n - 1e-9)
        sample = math.ceil(completes / vals["response_rate"] - 1e-9)
        rows.append({"stratum": str(r["stratum"]), **vals, "n_completes": n, "completes": completes,
                     "sample": min(sample, int(vals["N"])), "take_all": sample >= vals["N"]})
    return pd.DataFrame(rows)


def _is_number(v) -> bool:
    try:
        float(v)
        return True
    except (TypeError, ValueError):
        return False


__all__ = ["PLAN_COLUMNS", "allocate_strata", "cluster_plan", "icc_from_deff", "n_mean", "n_proportion",
           "plan_strata", "planning_inputs"]
