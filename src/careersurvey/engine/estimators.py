"""The engine path's estimators: the variables of an estimate as Ibis expressions, the checks the in-memory
path makes (missing codes, 0/1 shares), and the same result frames (:mod:`careersurvey.estimation.frames`)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from careersurvey.engine.linear import Linear, linear_estimates
from careersurvey.engine.source import EngineError
from careersurvey.estimation.codes import MissingCodeError, missing_code_message
from careersurvey.estimation.domains import replicate_logit
from careersurvey.estimation.estimators import _level_name  # R's level names (TRUE/FALSE), one rule
from careersurvey.estimation.estimators import check_deff
from careersurvey.estimation.frames import EstimateFrame, logit_interval, result_frame

__all__ = ["estimate", "degf"]

#: Up to this many estimate columns, the whole covariance within a domain is computed (else its diagonal).
FULL_COV_MAX = 12


def _as_names(v: str | Sequence[str] | None) -> list[str]:
    return [] if v is None else ([v] if isinstance(v, str) else list(v))


def _is_categorical(dtype) -> bool:
    return not dtype.is_numeric() or dtype.is_boolean()


def _variables(design, names: list[str]):
    """(base expressions, their names, the not-missing condition of all) for the variables ``names``: numbers as
    they are (NaN is missing), a categorical variable one 0/1 column per level in sorted order."""
    import ibis

    t = design.table
    base, labels = [], []
    complete = ibis.literal(True)
    for v in names:
        if v not in t.columns:
            raise EngineError(f"variable {v!r} is not in the table; check the name (columns: "
                              f"{', '.join(list(t.columns)[:15])})")
        col = t[v]
        dtype = col.type()
        if not _is_categorical(dtype):
            x = col.cast("float64")
            if dtype.is_floating():
                x = ibis.ifelse(col.isnan(), ibis.null("float64"), x)
            complete = complete & x.notnull()
            base.append(x)
            labels.append(v)
            continue
        domain = design.domain
        q = t.filter(domain) if domain is not None else t
        levels = design.execute(q.select(v).distinct())[v].dropna().tolist()
        if v in design.levels:  # the order given (a categorical's in memory), every level even without rows
            levels = given_levels(design, v, levels)
        else:
            levels = [False, True] if dtype.is_boolean() else sorted(levels, key=lambda x: (str(type(x)), x))
        complete = complete & col.notnull()
        for lv in levels:
            base.append(ibis.ifelse(col.isnull(), ibis.null("float64"), (col == lv).cast("float64")))
            labels.append(f"{v}{_level_name(lv)}")
    return base, labels, complete


def given_levels(design, v: str, present: list) -> list:
    """The levels of column ``v`` in the order ``from_table(levels=)`` gives; an EngineError naming any of the
    ``present`` values it does not list."""
    extra = [lv for lv in present if lv not in design.levels[v]]
    if extra:
        raise EngineError(f"column {v!r} holds {extra[:5]!r}, which levels[{v!r}] does not list "
                          f"({list(design.levels[v])!r}); add them to levels or recode the column")
    return list(design.levels[v])


def _refuse_codes(design, names: list[str], what: str = "variable") -> None:
    """MissingCodeError for the first numeric column holding a declared missing code in the design's rows."""
    codes = design.missing_codes
    if not codes:
        return
    t = design.table
    q = t.filter(design.domain) if design.domain is not None else t
    for v in dict.fromkeys(names):
        if v not in t.columns or _is_categorical(t[v].type()):
            continue
        hit = q.filter(q[v].cast("float64").isin([float(c) for c in codes]))
        found = design.execute(hit.group_by(v).aggregate(n=hit.count()))
        if len(found):
            counts = {int(c): int(n) for c, n in zip(found[v], found["n"])}
            raise MissingCodeError(missing_code_message(
                what, v, counts, codes, "Replace them by NULL in the table (or load the data with "
                "cs.load_responses, which does)") + ".")


def estimate(design, kind: str, variables, denominators, *, na_rm: bool, by, level: float,
             ci: str = "wald", covmat: bool = False, deff: str = "replace") -> pd.DataFrame:
    """Mean, total or ratio (``kind``) of ``variables`` over the design's domain, by ``by``, as a result frame;
    ``deff``'s base "replace" or "srswor" (R's ``deff=TRUE``), as the in-memory estimators."""
    check_deff(deff)
    names = _as_names(variables)
    dens = _as_names(denominators)
    by_cols = _as_names(by)
    for b in by_cols:
        if b not in design.table.columns:
            raise EngineError(f"by variable {b!r} is not in the table; check the name")
    _refuse_codes(design, by_cols, "by variable")
    _refuse_codes(design, names + dens)
    base, labels, complete = _variables(design, names + dens)
    if kind == "ratio":
        if len(labels) != len(names) + len(dens):
            raise EngineError("ratio() needs numeric numerators and denominators; a categorical variable has "
                              "one column per level: make 0/1 columns first")
        a = tuple(i for i in range(len(names)) for _ in dens)
        b = tuple(len(names) + j for _ in names for j in range(len(dens)))
        out_names = [f"{n}/{d}" for n in names for d in dens]
    else:
        a, b, out_names = tuple(range(len(labels))), (None,) * len(labels), labels
    member = design.domain
    if na_rm:
        member = complete if member is None else member & complete
    if ci == "logit":
        _refuse_not_shares(design, base, labels, member)
    est = Linear(kind, tuple(base), a, b)
    k = len(a)
    res = linear_estimates(design, est, member, tuple(by_cols), full_cov=not by_cols and k <= FULL_COV_MAX,
                           deff=deff)
    with np.errstate(divide="ignore", invalid="ignore"):
        var = np.diagonal(res.vcov, axis1=1, axis2=2)
        deff = var / res.srs
    statistic = {"mean": "proportion" if ci == "logit" else "mean", "total": "total", "ratio": "ratio"}[kind]
    G = len(res.theta)
    df_rows = np.repeat(res.df, k)
    interval = None
    if ci == "logit":
        with np.errstate(invalid="ignore", divide="ignore"):  # a replicate design: R refits logit(p) per replicate
            interval = (logit_interval(res.theta.reshape(-1), np.sqrt(var.reshape(-1)), df_rows, level)
                        if res.thetas is None else
                        replicate_logit(design.replicates, res.thetas, res.theta, df_rows, level))
    if not by_cols:
        return result_frame(out_names, res.theta[0], res.vcov[0], float(res.df[0]), deff=deff[0], level=level,
                            ci=interval, statistic=statistic, interval=ci if kind == "mean" else "wald")
    if G == 0:
        raise EngineError(f"by={by!r}: no row of the domain with non-zero weight has a value of {', '.join(by_cols)}")
    se = np.sqrt(np.clip(var.reshape(-1), 0, None))
    frame = result_frame(list(out_names) * G, res.theta.reshape(-1), var.reshape(-1)[None, :], df_rows,
                         deff=deff.reshape(-1), level=level, ci=interval, se=np.where(np.isnan(var.reshape(-1)),
                                                                                        np.nan, se),
                         statistic=statistic, interval=ci if kind == "mean" else "wald")
    labels_g = [tuple(r) if len(by_cols) > 1 else r[0] for r in res.domains[by_cols].itertuples(index=False)]
    name = by_cols[0] if len(by_cols) == 1 else None
    if len(out_names) == 1:
        index = pd.Index(labels_g, name=name)
    else:
        one = pd.Series(0.0, index=pd.Index(list(out_names)))
        index = pd.concat([one] * G, keys=labels_g, names=[name or "by", None]).index
    result = EstimateFrame(pd.DataFrame(frame).set_axis(index))
    result.attrs = {**{k_: frame.attrs[k_] for k_ in ("statistic", "level", "interval")}, "by": by_cols}
    if covmat:  # R's svyby(covmat=TRUE): the covariance of every domain's estimates, for contrasts
        from careersurvey.engine.covmat import domain_covariance

        result.attrs.update(vcov=domain_covariance(design, est, member, tuple(by_cols), res),
                            design_df=design.design_df)
        if res.thetas is not None:
            result.attrs.update(replicates=res.thetas.reshape(G * k, -1), replicate_weights=design.replicates)
    return result


def _refuse_not_shares(design, base, labels, member) -> None:
    """Logit intervals need 0/1 values: name a column holding anything else."""
    t = design.table
    for x, name in zip(base, labels):
        cond = x.notnull() & (x != 0) & (x != 1)
        if member is not None:
            cond = cond & member
        n = int(design.execute(t.aggregate(n=cond.cast("int64").sum()))["n"].iat[0] or 0)
        if n:
            raise EngineError(f"proportion() (logit intervals) needs a 0/1 or categorical variable; {name!r} holds "
                              f"{n:,} other value(s). Make the column categorical, or use mean() for Wald intervals.")


def degf(design) -> int:
    """R's ``degf``: distinct stage-1 units minus distinct strata among the domain's rows; for a replicate design
    the rank of the (domain's) replicate weights minus one."""
    if design.replicates is not None:
        if design.domain is None:
            return design.replicates.degf
        from careersurvey.engine.replicates import domain_ranks

        return int(domain_ranks(design.table, design.replicates.weights(design.table, design.weight_expr),
                                design.domain, (), design.execute)[0]) - 1
    stage = design.stages[0]
    t = design.table
    q = t.filter(design.domain) if design.domain is not None else t
    keys = list(stage.keys.stratum)

    def count(rel) -> int:  # one row back: an aggregate over ``rel`` (a scalar of another relation would be
        # evaluated once per row of ``q``, a result as long as the table)
        return int(design.execute(rel.aggregate(n=rel.count()))["n"].iat[0])

    units = count(q if stage.keys.rows_are_units else q.select(*dict.fromkeys(keys + list(stage.keys.unit))).distinct())
    return units - (count(q.select(*keys).distinct()) if keys else 1)
