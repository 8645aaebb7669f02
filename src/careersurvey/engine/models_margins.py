"""Predictive margins (R's ``svypredmeans``), average marginal effects and ``marginpred`` of an engine glm.

The in-memory construction (:mod:`careersurvey.estimation.models.margins`) from aggregates: every fitted row's
prediction with the variable set to a level (or moved by +-h) is an Ibis expression (the model's columns with
the variable's column replaced in their expression trees); one query sums the weighted predictions and the
gradient sum_i w_i mu'(eta_i) x_i; a second the design variance of their weighted mean, the predictions fixed,
through the linear path's stage aggregates (:func:`careersurvey.engine.glm.influence_variance`); the core's
:func:`~careersurvey.estimation.models.margins.with_coefficient_part` adds the coefficients' part.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from statsmodels.genmod.families import links

from careersurvey.engine.glm import influence_variance
from careersurvey.engine.linear import _c
from careersurvey.engine.source import EngineError
from careersurvey.estimation.models.formula import ModelError
from careersurvey.estimation.models.margins import (check_margin_variable, difference_step, result_with_vcov,
                                                    with_coefficient_part)

__all__ = ["marginal_effect", "marginal_predictions", "predictive_margins"]


def _replaced(expr, column, value):
    """``expr`` with the table column ``column`` replaced by ``value`` (an Ibis expression) everywhere in it."""
    return expr.op().replace({column.op(): value.op()}).to_expr()


def _variables(problem) -> set:
    from formulaic import Formula

    return {str(v) for v in Formula(problem.terms.core).required_variables}


def _degf(fit) -> float:
    """The fit design's degf (R's degf of the model's design), from the fit's df = degf + 1 - p."""
    return fit.df_resid - 1 + len(fit.coefficients)


def _eta(problem, columns, beta: np.ndarray, offset):
    out = offset if offset is not None else 0.0
    for j, col in enumerate(columns):  # over the p coefficients: one expression
        out = col * float(beta[j]) + out
    return out


def _second(fam):
    """d² mu / d eta² as an Ibis function of (eta, mu), for the engine's links."""
    kind = type(fam.link)
    if kind is links.Identity:
        return lambda e, m: e * 0.0
    if kind is links.Log:
        return lambda e, m: m
    if kind is links.Logit:
        return lambda e, m: m * (1.0 - m) * (1.0 - 2.0 * m)
    if kind is links.CLogLog:
        return lambda e, m: (e - e.exp()).exp() * (1.0 - e.exp())
    if kind is links.Probit:
        from careersurvey.engine.models_normal import normal_pdf

        return lambda e, m: -e * normal_pdf(e)
    raise EngineError(f"the {kind.__name__.lower()} link has no marginal effect on the engine path")


def _mean_and_variance(fit, problem, values: list, extra: dict) -> tuple[np.ndarray, np.ndarray, pd.Series]:
    """Weighted means of ``values`` (expressions over the fit's rows) with their design covariance, the values
    fixed (R: svymean of them over the model's design), and the sums ``extra`` from the same first query."""
    import ibis

    design = problem.pr.design
    t = design.table
    k = len(values)
    rel = t.filter(problem.member).mutate(**{_c("w"): design.weight_expr},
                                          **{_c(f"v{c}"): v for c, v in enumerate(values)})
    w = rel[_c("w")]
    aggs = {_c("sw"): w.sum(), **{_c(f"m{c}"): (w * rel[_c(f"v{c}")]).sum() for c in range(k)}}
    aggs.update({name: fn(rel) for name, fn in extra.items()})
    row = design.execute(rel.aggregate(**aggs)).iloc[0]
    sw = float(row[_c("sw")])
    est = np.array([float(row[_c(f"m{c}")]) for c in range(k)]) / sw
    if design.replicates is not None:  # every replicate's weighted means, R's svrVar (as the core's)
        return est, _replicate_covariance(design, rel, k, est), row
    z = {_c(f"z{c}"): (rel[_c(f"v{c}")] - float(est[c])) * w / sw for c in range(k)}
    V = influence_variance(design, rel.mutate(**{_c("g"): ibis.literal(0, type="int64")}, **z), k)
    return est, V, row


def _replicate_covariance(design, rel, k: int, est: np.ndarray) -> np.ndarray:
    from careersurvey.engine.replicates import aggregate_blocks

    reps = design.replicates
    W = reps.weights(rel, rel[_c("w")])
    aggs = {_c(f"r{r}_{c}"): (W[r] * rel[_c(f"v{c}")]).sum() for r in range(len(W)) for c in range(k)}
    aggs.update({_c(f"r{r}_w"): W[r].sum() for r in range(len(W))})
    q = aggregate_blocks(rel, aggs, [], design.execute).iloc[0]
    thetas = np.array([[float(q[_c(f"r{r}_{c}")]) / float(q[_c(f"r{r}_w")]) for c in range(k)]
                       for r in range(len(W))])
    return reps.covariance(thetas, est)


def _levels(problem, variable: str) -> list:
    """The variable's values in the fit's rows in order of first appearance (as the engine reads the table)."""
    import ibis

    design = problem.pr.design
    t = design.table.mutate(**{_c("rn"): ibis.row_number()})
    q = t.filter(problem.member)
    first = design.execute(q.group_by(variable).aggregate(**{_c("first"): q[_c("rn")].min()}))
    first = first.dropna(subset=[variable]).sort_values(_c("first"), kind="stable")
    return first[variable].tolist()


def predictive_margins(fit, problem, variable: str, levels=None) -> pd.DataFrame:
    """As :func:`careersurvey.estimation.models.margins.predictive_margins`, inside the engine."""
    import ibis

    t = problem.pr.design.table
    check_margin_variable(fit, variable, t.columns, _variables(problem))
    if levels is None:
        levels = _levels(problem, variable)
    if not levels:
        raise ModelError(f"variable {variable!r} has no values in the model's rows")
    beta = fit.coefficients.to_numpy()
    col = t[variable]
    pr = problem.pr
    values, extra = [], {}
    for j, g in enumerate(levels):  # one prediction per level asked for, not per row
        lit = ibis.literal(g, type=col.type())
        X = [_replaced(x, col, lit) for x in problem.terms.columns]
        off = None if problem.terms.offset is None else _replaced(problem.terms.offset, col, lit)
        eta = _eta(problem, X, beta, off)
        mu = pr.inverse(eta)
        values.append(mu)
        me = pr.mu_eta(eta, mu)
        for i, x in enumerate(X):
            extra[_c(f"g{i}_{j}")] = _weighted(me * x)
    est, mean_cov, row = _mean_and_variance(fit, problem, values, extra)
    sw = float(row[_c("sw")])
    grad = np.array([[float(row[_c(f"g{i}_{j}")]) for j in range(len(levels))] for i in range(len(beta))]) / sw
    cov = with_coefficient_part(fit, mean_cov, grad)
    return result_with_vcov(fit, [str(g) for g in levels], est, cov, _degf(fit), "predictive margin")


def _weighted(expr):
    """A sum over the fit's rows of w * expr (``expr`` over the table, evaluated in the first query's relation)."""
    return lambda rel: (rel[_c("w")] * expr).sum()


def marginal_effect(fit, problem, variable: str, step: float | None = None) -> pd.DataFrame:
    """As :func:`careersurvey.estimation.models.margins.marginal_effect`, inside the engine."""
    design = problem.pr.design
    t = design.table
    check_margin_variable(fit, variable, t.columns, _variables(problem))
    col = t[variable]
    if not col.type().is_numeric() or col.type().is_boolean():
        raise ModelError(f"variable {variable!r} is not numeric: use predictive_margins() and contrasts of "
                         "its levels")
    q = t.filter(problem.member)
    spread = design.execute(q.aggregate(s=q[variable].cast("float64").std(how="pop")))["s"].iat[0]
    h = difference_step(float(spread), step)
    x = col.cast("float64")
    X = list(problem.terms.columns)
    up = [_replaced(c, col, x + h) for c in X]
    down = [_replaced(c, col, x - h) for c in X]
    dX = [(a - b) / (2 * h) for a, b in zip(up, down)]
    beta = fit.coefficients.to_numpy()
    pr = problem.pr
    eta = _eta(problem, X, beta, problem.terms.offset)
    mu = pr.inverse(eta)
    me = pr.mu_eta(eta, mu)
    slope = _eta(problem, dX, beta, None)
    d2 = _second(pr.fam)(eta, mu)
    extra = {_c(f"g{i}"): _weighted(d2 * slope * X[i] + me * dX[i]) for i in range(len(beta))}
    est, mean_cov, row = _mean_and_variance(fit, problem, [me * slope], extra)
    grad = np.array([float(row[_c(f"g{i}")]) for i in range(len(beta))]) / float(row[_c("sw")])
    cov = with_coefficient_part(fit, mean_cov, grad)
    frame = result_with_vcov(fit, [variable], est, np.atleast_2d(cov), _degf(fit), "average marginal effect")
    frame.attrs["mean_variance"] = float(mean_cov[0, 0])  # the design part, derivatives fixed
    return frame


def marginal_predictions(fit, problem, adjustfor: str, predictat: pd.DataFrame, type: str = "link",
                         calibration_variance: bool = False) -> pd.DataFrame:
    """As :func:`careersurvey.estimation.models.margins.marginal_predictions` (R's ``marginpred``), inside the
    engine: the centred model and adjustment columns' means and cross-products by two queries, R's ``grake``
    steps (the core's :func:`~careersurvey.estimation.models.margins.grake_steps`) one query each, the balanced
    weight an expression, the refit the engine's glm; the predictions at ``predictat`` (a few rows) by the core.
    The per-row factors (``attrs["g"]`` in memory) stay in the engine."""
    import ibis

    from careersurvey.engine.glm import glm
    from careersurvey.engine.terms import rhs_terms
    from careersurvey.estimation.models.margins import (ALL_IN_MODEL, check_marginpred, grake_steps,
                                                        independent_from_gram, predictions_at)

    design = problem.pr.design
    check_marginpred(type, design.replicates is not None, problem.offset is not None, fit.coefficients.index)
    if calibration_variance:
        raise EngineError("marginal predictions with calibration_variance=True are not on the engine path; use "
                          "the in-memory design (cs.SurveyDesign.glm(...).marginal_predictions)")
    t = design.table
    adj, _ = rhs_terms(design, adjustfor, problem.member)
    model = list(problem.terms.columns[1:])
    cols = model + list(adj)
    rel = t.filter(problem.member).mutate(**{_c("w"): design.weight_expr},
                                          **{_c(f"c{j}"): c for j, c in enumerate(cols)})
    w = rel[_c("w")]
    # 1. weighted means (one summation each, so the intercept column centres to exactly 0)
    row = design.execute(rel.aggregate(**{_c("sw"): w.sum()},
                                       **{_c(f"m{j}"): (w * rel[_c(f"c{j}")]).sum() for j in range(len(cols))}))
    row = row.iloc[0]
    sw = float(row[_c("sw")])
    means = np.array([float(row[_c(f"m{j}")]) for j in range(len(cols))]) / sw
    centred = [rel[_c(f"c{j}")] - float(means[j]) for j in range(len(cols))]
    rel = rel.mutate(**{_c(f"d{j}"): c for j, c in enumerate(centred)})
    d = [rel[_c(f"d{j}")] for j in range(len(cols))]
    m = len(model)
    # 2. the cross-products of the centred columns (which adjustment columns add to the model's span) and the
    #    weighted sums of the centred columns (the calibration's population)
    k = len(cols)
    aggs = {_c(f"g{i}_{j}"): (d[i] * d[j]).sum() for i in range(k) for j in range(i, k)}
    aggs.update({_c(f"s{j}"): (w * d[j]).sum() for j in range(k)})
    row = design.execute(rel.aggregate(**aggs)).iloc[0]
    gram = np.zeros((k, k))
    for i in range(k):
        for j in range(i, k):
            gram[i, j] = gram[j, i] = float(row[_c(f"g{i}_{j}")])
    wsum = np.array([float(row[_c(f"s{j}")]) for j in range(k)])
    keep = independent_from_gram(gram, m)
    if not keep:
        raise ModelError(ALL_IN_MODEL.format(adjustfor=adjustfor))
    mm = [d[m + a] * d[i] for i in range(m) for a in keep]  # model column-major, as R
    population = np.outer(wsum[[m + a for a in keep]], wsum[:m] / sw).reshape(-1, order="F")
    rel = rel.mutate(**{_c(f"mm{j}"): x for j, x in enumerate(mm)})
    mm = [rel[_c(f"mm{j}")] for j in range(len(mm))]
    sample = design.execute(rel.aggregate(**{_c(f"t{j}"): (w * x).sum() for j, x in enumerate(mm)})).iloc[0]
    sample = np.array([float(sample[_c(f"t{j}")]) for j in range(len(mm))])
    eta = grake_steps(sample, population, lambda e: _grake_sums(design, rel, w, mm, e), len(mm))
    # the balanced weight: w exp(mm eta) on the fit's rows, w elsewhere (R's .design, weights as fixed)
    xeta = _linear(_mm_over_table(cols, means, m, keep), eta)
    balanced = design._evolved(weight_expr=ibis.ifelse(problem.member.fill_null(False),
                                                       design.weight_expr * xeta.exp(), design.weight_expr))
    refit = glm(balanced, fit.formula, family=problem.fam, level=fit.level)
    X = _prediction_matrix(refit.problem, predictat, fit.formula)
    return predictions_at(refit, X, problem.fam, type, [str(i) for i in predictat.index], _degf(refit))


def _linear(columns: list, coef: np.ndarray):
    out = ibis_zero()
    for j, c in enumerate(columns):  # over the calibration's few columns
        out = out + c * float(coef[j])
    return out


def ibis_zero():
    import ibis

    return ibis.literal(0.0, type="float64")


def _mm_over_table(cols: list, means: np.ndarray, m: int, keep: list[int]) -> list:
    """The calibration columns (centred adjustment x centred model column) as expressions over the table."""
    return [(cols[m + a] - float(means[m + a])) * (cols[i] - float(means[i])) for i in range(m) for a in keep]


def _grake_sums(design, rel, w, mm: list, eta: np.ndarray):
    """One grake step's aggregates at ``eta``: T = mm' diag(w dF) mm and mm' w (exp(mm eta) - 1); None where
    exp overflows (R halves the step)."""
    import ibis

    xeta = _linear(mm, eta)
    ex = xeta.exp()
    deriv = ibis.ifelse(xeta > -1.0, ex, 0.0)
    k = len(mm)
    aggs = {_c(f"T{i}_{j}"): (mm[i] * mm[j] * w * deriv).sum() for i in range(k) for j in range(i, k)}
    aggs.update({_c(f"v{i}"): (mm[i] * w * (ex - 1.0)).sum() for i in range(k)})
    aggs[_c("bad")] = (ex.isnull() | ex.isinf() | ex.isnan()).cast("int64").sum()
    try:
        row = design.execute(rel.aggregate(**aggs)).iloc[0]
    except Exception as exc:  # noqa: BLE001 - an engine's overflow of exp: R halves the step
        if "range" in str(exc).lower() or "overflow" in str(exc).lower():
            return None
        raise
    if int(row[_c("bad")]):
        return None
    T = np.zeros((k, k))
    for i in range(k):
        for j in range(i, k):
            T[i, j] = T[j, i] = float(row[_c(f"T{i}_{j}")])
    return T, np.array([float(row[_c(f"v{i}")]) for i in range(k)])


def _prediction_matrix(problem, predictat: pd.DataFrame, formula: str) -> np.ndarray:
    """The model matrix of the refit at the rows of ``predictat`` (a few rows): the model's column expressions with
    each variable's column replaced by its value, evaluated as constants."""
    import ibis

    t = problem.pr.design.table
    variables = sorted(_variables(problem))
    missing = [v for v in variables if v not in predictat.columns and v != problem.terms.response_name]
    response_vars = _response_variables(problem)
    missing = [v for v in missing if v not in response_vars]
    if missing:
        raise ModelError(f"predictat needs a column for each of the model's variables; {', '.join(missing)} "
                         f"missing (model {formula!r})")
    rows = []
    for _, at in predictat.iterrows():  # the few rows to predict at, not data rows
        exprs = []
        for col in problem.terms.columns:
            e = col
            for v in predictat.columns:
                if v in t.columns:
                    e = _replaced(e, t[v], ibis.literal(at[v], type=t[v].type()))
            exprs.append(e)
        rows.append(exprs)
    values = {f"x{i}_{j}": e for i, exprs in enumerate(rows) for j, e in enumerate(exprs)}
    out = problem.pr.design.execute(t.limit(1).select(**values)).iloc[0]
    return np.array([[float(out[f"x{i}_{j}"]) for j in range(len(rows[0]))] for i in range(len(rows))])


def _response_variables(problem) -> set:
    from formulaic import Formula

    return {str(v) for v in Formula(problem.terms.core).lhs.required_variables}
