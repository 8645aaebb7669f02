"""Nonresponse adjustment inside the engine (``SurveyDesign.adjust_nonresponse``): weighting classes, or classes
of a design-weighted logistic response propensity, and the variance of estimates on the adjusted design.

Classes: one GROUP BY of the class columns brings back each class's weighted count of all sampled units N and of the
respondents R; the factor N / R (the core's :func:`~careersurvey.estimation.weighting.nonresponse.class_ratios`) is
joined from a small table of the classes (:func:`careersurvey.engine.cells.join_cells`), 0 for nonrespondents, who
leave the design as a domain (weight 0, PSUs kept). Propensity: the core's Newton iteration with each score and
information one aggregate, p = plogis(X b) an expression (1 for rows of zero weight), the rows ranked by a window
(min rank) and cut into pandas' qcut classes from a few order statistics of the ranks
(:func:`~careersurvey.estimation.weighting.nonresponse.rank_edges`). A replicate design's classes are adjusted again
in every replicate (their class sums in one GROUP BY, their factors in the same join).

Variance (the core's ``NonresponseStep.residualize``): per (class, domain) A = the class sum of z over N, each
row's residual z - (w1 - w0) A ("estimated": the class sizes' own variance) or z - w1 A ("fixed"), on every row
of the design paired with every domain, so a later step (calibration) takes them on (:func:`nonresponse_pairs`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from careersurvey.engine.source import EngineError
from careersurvey.estimation.weighting.errors import WeightingError
from careersurvey.estimation.weighting.nonresponse import (NonresponseStep, check_arguments, check_classes,
                                                           class_labels, class_ratios, edge_codes, no_respondents,
                                                           propensity_coefficients, propensity_labels,
                                                           propensity_rhs, rank_edges, rank_positions)

__all__ = ["TableNonresponse", "adjust_nonresponse", "nonresponse_pairs"]

_P = "_cs_"


@dataclass(frozen=True, eq=False)
class TableNonresponse:
    """A recorded nonresponse adjustment: the columns naming a row's class (``cells``: the class columns, or the
    propensity class number), per class (``table``) its values, N, R and factor ``f``; the weight before the step
    as column ``w0`` of the design's table; ``domain`` the respondents' condition the step set."""

    cells: tuple[str, ...]
    table: pd.DataFrame
    k: int
    variance: str
    classes: str
    class_names: tuple[str, ...]
    domain: Any
    w0: str = f"{_P}nw0"
    factor: str = f"{_P}nf"

    def describe(self) -> str:
        return NonresponseStep.describe(self)  # the core's words (it reads classes and k)


def _responded(design, responded):
    """The response column as a boolean expression, checked as the core's response_indicator does (two
    aggregates: missing values, values other than 0/1)."""
    t = design.table
    if not isinstance(responded, str):
        raise EngineError("adjust_nonresponse on the engine path takes the response as a column name of the table "
                          "(1 for respondents, 0 for nonrespondents)")
    if responded not in t.columns:
        raise WeightingError(f"nonresponse: the data have no column {responded!r}; give the column that holds "
                             "1 for respondents and 0 for nonrespondents")
    col = t[responded]
    value = col.cast("int64") if col.type().is_boolean() else col
    if not col.type().is_boolean() and not col.type().is_numeric():
        bad = design.execute(t.select(responded).distinct().order_by(responded).limit(5))[responded]
        raise WeightingError(f"nonresponse: {responded!r} must hold 1 (responded) or 0 (did not), found "
                             f"{sorted(map(str, bad))}")
    row = design.execute(t.aggregate(na=col.isnull().cast("int64").sum(),
                                     bad=(value.notnull() & ~value.isin([0, 1])).cast("int64").sum())).iloc[0]
    if int(row["na"]):
        raise WeightingError(f"nonresponse: {responded!r} is missing in {int(row['na'])} rows; every sampled unit "
                             "must be a respondent (1) or a nonrespondent (0)")
    if int(row["bad"]):
        q = t.filter(value.notnull() & ~value.isin([0, 1]))
        bad = design.execute(q.select(responded).distinct().order_by(responded).limit(5))[responded]
        raise WeightingError(f"nonresponse: {responded!r} must hold 1 (responded) or 0 (did not), found "
                             f"{sorted(map(str, bad))}")
    return (value == 1).fill_null(False)


def adjust_nonresponse(design, responded, classes=None, propensity=None, n_classes: int = 5,
                       variance: str = "estimated"):
    """The engine's ``SurveyDesign.adjust_nonresponse`` (see the module); same arguments, numbers, messages."""
    import ibis

    from careersurvey.engine.cells import join_cells
    from careersurvey.engine.estimators import _refuse_codes
    from careersurvey.engine.weighting import check_weighting

    check_arguments(classes, propensity, variance)
    check_weighting(design, "adjust", "nonresponse adjustment", "adjust_nonresponse", replicates_ok=True)
    r = _responded(design, responded)
    w = design.weight_expr
    t = design.table
    if not int(design.execute(t.aggregate(n=(r & (w > 0)).cast("int64").sum()))["n"].iat[0]):
        raise no_respondents()
    if classes is not None:
        cells = (classes,) if isinstance(classes, str) else tuple(classes)
        for c in cells:
            if c not in t.columns:
                raise WeightingError(f"margin {classes!r}: the data have no column {c!r}; columns are "
                                     f"{', '.join(map(str, list(t.columns)[:20]))}")
        _refuse_codes(design, list(cells), "weighting class")
        table = t
    else:
        check_classes(n_classes)
        table = _propensity_classes(design, propensity, r, n_classes)
        cells = (f"{_P}nrc",)
    sums = _class_sums(design, table, cells, r, w, classes)
    if classes is not None:
        label, names = class_labels(classes if isinstance(classes, str) else cells, _levels(sums, cells))
    else:
        label, names = propensity_labels(len(sums))
    f = class_ratios(sums["N"].to_numpy(dtype=float)[:, None], sums["R"].to_numpy(dtype=float)[:, None], names)
    sums["f"] = f[:, 0]
    reps = design.replicates
    rep_f = _replicate_ratios(design, table, cells, sums, r, names) if reps is not None else np.zeros((len(sums), 0))
    factors = {f"{_P}nff": f[:, 0], **{f"{_P}nff{i}": rep_f[:, i] for i in range(rep_f.shape[1])}}
    table = join_cells(table, cells, sums, factors, f"{_P}nrcell")  # every row in a class: NULL classes refused
    table = table.mutate(**{f"{_P}nw0": w, f"{_P}nf": ibis.ifelse(r, table[f"{_P}nff"], 0.0)})
    if reps is not None:  # every replicate adjusted within the same classes
        reps = reps.weighted(w, [ibis.ifelse(r, table[f"{_P}nff{i}"], 0.0) for i in range(rep_f.shape[1])],
                             reps.degf)
    domain = r
    step = TableNonresponse(cells, sums, len(sums), variance, label, names, domain)
    return design._evolved(table=table, weight_expr=table[f"{_P}nw0"] * table[f"{_P}nf"], domain=domain,
                           adjustments=design.adjustments + (step,), replicates=reps)


def _class_sums(design, table, cells: tuple[str, ...], r, w, classes) -> pd.DataFrame:
    """Per class (sorted as the core's factorize sorts levels): N, R and rows, one GROUP BY."""
    import ibis

    q = design.execute(table.group_by(list(cells)).aggregate(N=w.sum(), R=ibis.ifelse(r, w, 0.0).sum(),
                                                             n=table.count()))
    gone = q[list(cells)].isna().any(axis=1)
    if gone.any():
        col = next(c for c in cells if q.loc[gone, c].isna().any())
        n = int(q.loc[q[col].isna(), "n"].sum())
        raise WeightingError(f"margin {classes if isinstance(classes, str) else tuple(cells)!r}: column {col!r} is "
                             f"missing in {n} rows; impute it or drop those rows before weighting")
    order = {c: pd.Categorical(q[c], categories=design.levels[c]).codes if c in design.levels else q[c]
             for c in cells}
    q = q.assign(**{f"{_P}o{i}": order[c] for i, c in enumerate(cells)})
    return q.sort_values([f"{_P}o{i}" for i in range(len(cells))]).drop(
        columns=[f"{_P}o{i}" for i in range(len(cells))]).reset_index(drop=True)


def _levels(sums: pd.DataFrame, cells: tuple[str, ...]) -> list:
    if len(cells) == 1:
        return sums[cells[0]].tolist()
    return [tuple(row) for row in sums[list(cells)].itertuples(index=False)]


def _propensity_classes(design, propensity, r, n_classes: int):
    """The design's table with each row's propensity class (qcut's bin number) as column _cs_nrc: the logistic
    fit (one aggregate per Newton step), p an expression, ranks by a window, the edges from order statistics."""
    import ibis

    from careersurvey.engine.estimators import _refuse_codes
    from careersurvey.engine.terms import _variables, rhs_terms

    rhs = propensity_rhs(propensity)
    from formulaic import Formula

    try:
        parsed = Formula(f"~ {rhs}")
    except Exception as exc:  # formulaic raises several types; name the formula and the cause
        raise WeightingError(f"response propensity model {rhs!r}: {exc}") from None
    used = _variables(design, rhs, parsed.rhs if hasattr(parsed, "rhs") else parsed, [])
    _refuse_codes(design, used, "propensity covariate")
    t = design.table
    gaps = {v: t[v].isnull() | (t[v].isnan() if t[v].type().is_floating() else ibis.literal(False)) for v in used}
    counts = design.execute(t.aggregate(**{f"na{i}": g.cast("int64").sum() for i, g in enumerate(gaps.values())}))
    lacking = {v: int(counts[f"na{i}"].iat[0]) for i, v in enumerate(used) if int(counts[f"na{i}"].iat[0])}
    if lacking:
        raise WeightingError(f"response propensity model {rhs!r}: missing values in "
                             f"{', '.join(f'{v} ({n} rows)' for v, n in lacking.items())}; impute them or drop "
                             "those covariates")
    columns, _ = rhs_terms(design, rhs, ibis.literal(True))
    w = design.weight_expr
    x = [f"{_P}px{j}" for j in range(len(columns))]
    rel = t.mutate(**dict(zip(x, columns)), **{f"{_P}pw": w, f"{_P}py": r.cast("float64")})
    live = rel.filter(rel[f"{_P}pw"] > 0)

    def evaluate(beta: np.ndarray):
        p = _plogis(live, x, beta)
        wt = live[f"{_P}pw"]
        aggs = {f"g{i}": (live[x[i]] * wt * (live[f"{_P}py"] - p)).sum() for i in range(len(x))}
        aggs.update({f"h{i}_{j}": (live[x[i]] * live[x[j]] * wt * p * (1.0 - p)).sum()
                     for i in range(len(x)) for j in range(i, len(x))})
        row = design.execute(live.aggregate(**aggs)).iloc[0]
        hess = np.zeros((len(x), len(x)))
        for i in range(len(x)):
            for j in range(i, len(x)):
                hess[i, j] = hess[j, i] = float(row[f"h{i}_{j}"])
        return np.array([float(row[f"g{i}"]) for i in range(len(x))]), hess

    beta = propensity_coefficients(evaluate, len(x))
    scored = rel.mutate(**{f"{_P}pp": ibis.ifelse(rel[f"{_P}pw"] > 0, _plogis(rel, x, beta), 1.0)})
    order = ibis.window(order_by=scored[f"{_P}pp"])
    ranked = scored.mutate(**{f"{_P}prk": ibis.rank().over(order) + 1, f"{_P}prn": ibis.row_number().over(order)})
    n = int(design.execute(t.aggregate(n=t.count()))["n"].iat[0])
    below, above, _ = rank_positions(n, n_classes)
    at = sorted(set(below.tolist()) | set(above.tolist()))
    q = design.execute(ranked.filter(ranked[f"{_P}prn"].isin(at)).select(f"{_P}prn", f"{_P}prk"))
    stats = pd.Series(q[f"{_P}prk"].to_numpy(dtype=float), index=q[f"{_P}prn"].to_numpy(dtype=np.int64))
    edges = rank_edges(n, n_classes, lambda pos: stats.reindex(pos).to_numpy())
    # rank > e exactly where p > the largest p ranked at most e: the classes as a CASE over p, no window left
    # in the design's table (every later query would sort the rows again)
    inner = [float(e) for e in edges[1:-1]]
    cut = design.execute(ranked.aggregate(**{f"t{j}": ibis.ifelse(ranked[f"{_P}prk"] <= e, ranked[f"{_P}pp"],
                                                                    ibis.null("float64")).max()
                                             for j, e in enumerate(inner)})) if inner else None
    thresholds = np.array([np.nan, *(float(cut[f"t{j}"].iat[0]) for j in range(len(inner))), np.nan])
    coded = scored.mutate(**{f"{_P}nrc": edge_codes(scored[f"{_P}pp"], thresholds)})
    return coded.drop(*x, f"{_P}pw", f"{_P}py")


def _plogis(rel, x: list[str], beta: np.ndarray):
    import ibis

    eta = ibis.literal(0.0, type="float64")
    for name, b in zip(x, beta):  # over the model's columns: one expression
        eta = eta + rel[name] * float(b)
    return 1.0 / (1.0 + (-eta).exp())


def _replicate_ratios(design, table, cells: tuple[str, ...], sums: pd.DataFrame, r, names) -> np.ndarray:
    """(classes, R): each replicate's N / R per class of ``sums`` (its own class sums: one GROUP BY in blocks)."""
    import ibis

    from careersurvey.engine.replicates import aggregate_blocks

    W = design.replicates.weights(table, design.weight_expr)
    aggs = {f"{_P}N{i}": x.sum() for i, x in enumerate(W)}
    aggs.update({f"{_P}R{i}": ibis.ifelse(r, x, 0.0).sum() for i, x in enumerate(W)})
    q = aggregate_blocks(table, aggs, list(cells), design.execute)
    keyed = sums[list(cells)].merge(q, on=list(cells), how="left").fillna(0.0)
    full = keyed[[f"{_P}N{i}" for i in range(len(W))]].to_numpy(dtype=float)
    resp = keyed[[f"{_P}R{i}" for i in range(len(W))]].to_numpy(dtype=float)
    return class_ratios(full, resp, names)


def nonresponse_pairs(design, est, member, by: tuple[str, ...], dom: pd.DataFrame, joined, zcols: dict, k: int,
                      G: int):
    """Every row of the design paired with every domain: the nonresponse residual of the domain's influence
    values, (z if in the domain) - (w1 - w0) A(class, domain) ("fixed": - w1 A), A the class sum of z over the
    class's N; columns _cs_z0.. with the domain number _cs_g, ready for a later step or the stage aggregates."""
    from careersurvey.engine.linear import _c
    from careersurvey.engine.weighting import _keys, paired_residuals

    step = next(a for a in design.adjustments if isinstance(a, TableNonresponse))
    cells = list(step.cells)
    rel = joined.mutate(**zcols)
    sums = design.execute(rel.group_by([*cells, _c("g")]).aggregate(
        **{_c(f"S{c}"): rel[_c(f"z{c}")].sum() for c in range(k)}))
    frame = step.table[[*cells, "N"]].merge(pd.DataFrame({_c("g"): np.arange(G, dtype=np.int64)}), how="cross")
    A = frame.merge(sums, on=[*cells, _c("g")], how="left").fillna({_c(f"S{c}"): 0.0 for c in range(k)})
    with np.errstate(divide="ignore", invalid="ignore"):
        for c in range(k):
            A[_c(f"A{c}")] = np.where(A["N"] > 0, A[_c(f"S{c}")] / A["N"], 0.0)
    A = A.drop(columns=["N", *[_c(f"S{c}") for c in range(k)]]).merge(dom.rename(columns=_keys(by)), on=_c("g"),
                                                                       how="left")
    estimated = step.variance == "estimated"

    def correction(pairs, w, c):  # w1: the weight the step gave (a later step's weight is not it)
        w1 = pairs[step.w0] * pairs[step.factor]
        return (w1 - pairs[step.w0] if estimated else w1) * pairs[_c(f"A{c}")]

    return paired_residuals(design, est, member, by, A, cells, k, correction)


def margin_sums(design, v: str) -> tuple[int, Any]:
    """(rows missing ``v``, its weighted total, or {level: weighted count} in sorted order for text): what
    ``cs.longitudinal_weights`` calibrates to, as the core's sample_margins reads it in memory; one aggregate."""
    t = design.table
    w = design.weight_expr
    col = t[v]
    gap = col.isnull() | (col.isnan() if col.type().is_floating() else False)
    if col.type().is_numeric() and not col.type().is_boolean():
        row = design.execute(t.aggregate(na=gap.cast("int64").sum(), s=(col.cast("float64") * w).sum())).iloc[0]
        return int(row["na"]), (None if int(row["na"]) else float(row["s"]))
    q = design.execute(t.group_by(v).aggregate(s=w.sum(), n=t.count()))
    na = int(q.loc[q[v].isna(), "n"].sum())
    if na:
        return na, None
    if v in design.levels:
        q = q.assign(_o=pd.Categorical(q[v], categories=design.levels[v]).codes).sort_values("_o")
    else:
        q = q.sort_values(v)
    return 0, {k: float(s) for k, s in zip(q[v], q["s"])}
