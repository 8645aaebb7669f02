"""PPS designs without replacement over a table (R's ``svydesign(pps=)``): the options a design's variance reads
beyond its stages, and the Horvitz-Thompson / Yates-Grundy quadratic forms of Overton, Hartley-Rao and joint
probabilities from aggregates.

Brewer's approximation is the ordinary stage recursion with a correction 1 - pi per unit
(:mod:`careersurvey.engine.linear`). The other three are a quadratic form of the stage-1 PSU totals
(:class:`careersurvey.estimation.pps.PPSVariance`): the PSUs' inclusion probabilities are read once, one row per
PSU, when the design is built, and the form (Overton's from per-stratum sums, Hartley-Rao's and the joint
probabilities' sparse D) is the core's; an estimate brings back its influence values' totals per (PSU, domain)
and the core's form runs on them. With ``psu=None`` each row is a PSU with no id: a row's totals are matched to a
PSU of the same stratum and pi, which Overton's and Hartley-Rao's D cannot tell apart; joint probabilities need
PSU ids (``psu=``) and a matrix labelled by them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from careersurvey.engine.source import EngineError
from careersurvey.estimation import pps as _pps

__all__ = ["DesignOptions", "TablePPS", "read_pps", "pps_vcov", "check_options"]


@dataclass(frozen=True, eq=False)
class TablePPS:
    """The stage-1 PSUs of a PPS design (``units``: one row per PSU with its key columns, stratum code ``_h``, pi
    ``_p`` and, for rows as PSUs, its rank ``_r`` among PSUs of the same stratum and pi) and the core's form."""

    units: pd.DataFrame
    form: _pps.PPSVariance
    stratum_keys: tuple[str, ...]
    unit_keys: tuple[str, ...]
    fpc: str


@dataclass(frozen=True)
class DesignOptions:
    """What ``SurveyDesign`` takes beyond strata, PSUs and fpc, with the same names and meanings: ``pps`` and
    ``pps_variance`` (with ``table_pps`` read once for Overton, Hartley-Rao, joint probabilities), R's
    ``survey.adjust.domain.lonely``, ``survey.ultimate.cluster`` and a with-replacement design; ``probs``
    the sampling probability columns the weights came from."""

    pps: Any = None
    pps_variance: str = "HT"
    adjust_domain_lonely: bool = False
    ultimate_cluster: bool = False
    with_replacement: bool = False
    probs: tuple[str, ...] = ()
    table_pps: TablePPS | None = None


def check_options(pps: Any, pps_variance: str, n_stages: int, fpc: tuple[str, ...], weights: str | None,
                  probs: tuple[str, ...], with_replacement: bool, columns) -> None:
    """The in-memory design's refusals (the core's checks, same words) of the pps arguments and of probs."""
    _pps.check_arguments(pps, pps_variance, n_stages, bool(fpc), with_replacement, EngineError)
    if probs:
        _pps.check_probs(weights, list(probs), columns, EngineError)


def read_pps(table, stage, pps: Any, pps_variance: str, psu: tuple[str, ...], execute) -> TablePPS:
    """One row per stage-1 PSU (its stratum and pi), and the core's quadratic form over them."""
    k = stage.keys
    hkeys, ukeys = list(k.stratum), list(dict.fromkeys(k.stratum + k.unit))
    p = table[k.fpc].cast("float64")
    if k.rows_are_units:
        if isinstance(pps, _pps.JointProbabilities):
            raise EngineError("joint_probabilities(): a table in an engine has no row order, so a matrix cannot be "
                              "matched to its rows; name the PSU id column (psu=...) and give the joint "
                              "probabilities as a DataFrame whose index and columns are those ids")
        units = execute(table.select(*hkeys, _p=p))
    else:
        units = execute(table.group_by(ukeys).aggregate(_p=p.max()))
    strata = stage.strata[hkeys].assign(_h=np.arange(len(stage.strata))) if hkeys else None
    units = units.merge(strata, on=hkeys, how="left") if hkeys else units.assign(_h=0)
    units = units.sort_values(["_h", "_p", *([] if k.rows_are_units else ukeys)], kind="stable").reset_index(drop=True)
    units["_r"] = units.groupby(["_h", "_p"]).cumcount()
    prob, h = units["_p"].to_numpy(dtype=float), units["_h"].to_numpy(dtype=np.int64)
    if isinstance(pps, _pps.JointProbabilities):
        if not isinstance(pps.pij, pd.DataFrame):
            raise EngineError("joint_probabilities(): a table in an engine has no row order, so an unlabelled "
                              "matrix cannot be matched to its PSUs; give a DataFrame whose index and columns are "
                              f"the ids in {psu[0]!r}")
        pij = _pps.labelled_pij(pps.pij, units[psu[0]].to_numpy(), psu[0], EngineError)
        form = _pps.PPSVariance(_pps.dcheck(pps, prob, h, pij=pij), pps_variance)
    elif pps == "overton":
        form = _pps.PPSVariance(None, pps_variance, prob=prob, stratum=h)
    else:
        psum = _psum(table, stage, pps.psum, prob, h, execute)
        form = _pps.PPSVariance(_pps.dcheck(pps, prob, h, psum=psum, error=EngineError), pps_variance)
    return TablePPS(units, form, tuple(hkeys), tuple(ukeys) if not k.rows_are_units else (), k.fpc)


def _psum(table, stage, psum: Any, prob: np.ndarray, h: np.ndarray, execute) -> np.ndarray:
    """Hartley-Rao's s per stratum: a psum column's range per stratum by one GROUP BY, checked by the core."""
    keys = list(stage.keys.stratum)
    labels = stage.strata[keys[0]].to_numpy() if keys else np.array(["(all)"], dtype=object)
    if not isinstance(psum, str):
        return _pps.psum_per_stratum(psum, prob, h, labels, None, None, EngineError)
    if psum not in table.columns:
        return _pps.psum_column(psum, None, None, EngineError)
    x = table[psum].cast("float64")
    aggs = dict(lo=x.min(), hi=x.max(), na=x.isnull().cast("int64").sum())
    q = execute(table.group_by(keys).aggregate(**aggs) if keys else table.aggregate(**aggs))
    q = stage.strata[keys].merge(q, on=keys, how="left") if keys else q
    lo = np.where(q["na"].to_numpy() > 0, np.nan, q["lo"].to_numpy(dtype=float))
    return _pps.psum_column(psum, lo, q["hi"].to_numpy(dtype=float), EngineError)


def pps_vcov(design, rel, k: int, G: int) -> np.ndarray:
    """Covariance (G, k, k) per domain: the core's form of the domain's stage-1 PSU totals (zero for a PSU without
    a row in the domain), from one query of totals per (PSU, domain) pair."""
    tp = design.options.table_pps
    zcols = [f"_cs_z{c}" for c in range(k)]
    if tp.unit_keys:
        q = design.execute(rel.group_by([*tp.unit_keys, "_cs_g"]).aggregate(**{z: rel[z].sum() for z in zcols}))
        q = q.merge(tp.units[[*tp.unit_keys, "_h"]].assign(_u=np.arange(len(tp.units))), on=list(tp.unit_keys),
                    how="left")
    else:  # rows as PSUs: matched to a PSU of the same stratum and pi (D cannot tell those apart)
        q = design.execute(rel.select(*tp.stratum_keys, "_cs_g", *zcols, _p=rel[tp.fpc].cast("float64")))
        strata = design.stages[0].strata[list(tp.stratum_keys)]
        q = q.merge(strata.assign(_h=np.arange(len(strata))), on=list(tp.stratum_keys), how="left") \
            if tp.stratum_keys else q.assign(_h=0)
        q["_r"] = q.groupby(["_h", "_p", "_cs_g"]).cumcount()
        q = q.merge(tp.units[["_h", "_p", "_r"]].assign(_u=np.arange(len(tp.units))), on=["_h", "_p", "_r"],
                    how="left")
    if q["_u"].isna().any():
        raise EngineError("pps: a PSU of the estimate's rows was not among the PSUs read when the design was built; "
                          "has the table changed since? Build the design again")
    U = len(tp.units)
    u = q["_u"].to_numpy(dtype=np.int64)
    g = q["_cs_g"].to_numpy(dtype=np.int64)
    out = np.zeros((G, k, k))
    for gi in range(G):  # over domains: each a (U, k) product with the form
        at = g == gi
        T = np.zeros((U, k))
        for c, z in enumerate(zcols):
            np.add.at(T[:, c], u[at], q[z].to_numpy(dtype=float)[at])
        out[gi] = design.options.table_pps.form(T)
    return out
