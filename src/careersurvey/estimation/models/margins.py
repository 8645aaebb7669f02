"""Predictive margins and average marginal effects of a design-based glm, as R survey's ``svypredmeans``.

For each level g of a variable in the model, every fitted row's response is predicted with the variable set to g
(the other predictors as observed) and averaged with the design weights: the population mean response had
everyone been in g. The variance is R's: the design variance of that weighted mean with the predictions taken
as fixed (``svymean`` of the fits over the model's design, linearised or by replicate weights), plus the
coefficients' part g' V(beta) g with g = sum_i w_i mu'(eta_i) x_i(g) / sum_i w_i (R adds the two and ignores
their covariance, as here). Differences of margins (``cs.contrast`` of the result, whose ``attrs["vcov"]`` holds
the margins' covariance) are average marginal effects of the variable's levels.

For a numeric variable, ``marginal_effect`` is the average derivative of the predicted response in it (central
differences of the model matrix, so interactions and transformations count), with the same two-part variance.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from careersurvey.estimation.frames import result_frame
from careersurvey.estimation.models.fit import ModelResults
from careersurvey.estimation.models.formula import ModelError

if TYPE_CHECKING:  # pragma: no cover
    from careersurvey.estimation.models.glm import GlmProblem


def _problem(fit: ModelResults, variable: str) -> GlmProblem:
    from careersurvey.estimation.models.glm import GlmProblem

    if not isinstance(fit.problem, GlmProblem):
        raise ModelError(f"predictive margins need a glm fitted by this version of careersurvey; this is a "
                         f"{fit.kind} model")
    check_margin_variable(fit, variable, fit.problem.md.design.data.columns, _variables(fit))
    return fit.problem


def check_margin_variable(fit: ModelResults, variable: str, columns, variables: set) -> None:
    """The variable of a margin must be a column of the data and a variable of the model."""
    if variable not in columns:
        raise ModelError(f"variable {variable!r} is not a column of the model's data")
    if variable not in variables:
        raise ModelError(f"variable {variable!r} is not in the model {fit.formula!r}; add it as a term (R's "
                         "svypredmeans adds the group to the adjustment model)")


def _variables(fit: ModelResults) -> set:
    return {str(v) for v in fit.problem.md.spec.required_variables}


def _matrix(problem: GlmProblem, frame: pd.DataFrame) -> np.ndarray:
    mm = problem.md.spec.get_model_matrix(frame, na_action="ignore")
    return np.asarray(mm, dtype=float)


def _link_parts(problem: GlmProblem, X: np.ndarray, beta: np.ndarray):
    eta = X @ beta if problem.offset is None else X @ beta + problem.offset
    link = problem.fam.link
    return link.inverse(eta), link.inverse_deriv(eta), eta


def _mean_variance(fit: ModelResults, problem: GlmProblem, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Weighted means of the columns of ``values`` (fitted rows x k) and their design covariance, the values
    taken as fixed (R: ``svymean`` of them over the model's design)."""
    md = problem.md
    w = problem.w
    est = w @ values / w.sum()
    reps = md.design.replicates
    if reps is None:
        z = np.zeros((len(md.rows), values.shape[1]))
        z[md.rows] = (values - est) * (w / w.sum())[:, None]
        return est, md.fit_design.variance(z)
    rw = np.asarray(reps.weights, dtype=float)[md.rows]
    thetas = (rw.T @ values) / rw.sum(axis=0)[:, None]
    return est, reps.covariance(thetas, est)


def _frame(fit: ModelResults, problem: GlmProblem, names: list[str], est: np.ndarray, cov: np.ndarray,
           statistic: str) -> pd.DataFrame:
    return result_with_vcov(fit, names, est, cov, problem.md.fit_design.design_df, statistic)


def result_with_vcov(fit: ModelResults, names: list[str], est: np.ndarray, cov: np.ndarray, df: float,
                     statistic: str) -> pd.DataFrame:
    """The margins' result frame on the fit design's ``df``, their covariance in ``attrs["vcov"]``."""
    frame = result_frame(pd.Index(names), est, cov, df, level=fit.level, statistic=statistic)
    frame.attrs["vcov"] = cov
    return frame


def with_coefficient_part(fit: ModelResults, mean_cov: np.ndarray, grad: np.ndarray) -> np.ndarray:
    """R's variance of margins: the design part (predictions fixed) plus g' V(beta) g, their covariance ignored;
    ``grad`` (p, k) or (p,) for one margin."""
    if grad.ndim == 1:
        return mean_cov + grad @ fit.cov_params.to_numpy() @ grad
    return mean_cov + grad.T @ fit.cov_params.to_numpy() @ grad


def predictive_margins(fit: ModelResults, variable: str, levels=None) -> pd.DataFrame:
    """R's ``svypredmeans(model without variable, ~variable)`` from a glm that has ``variable`` as a term: the
    predictive margin at each level (default: those in the fitted rows, in order of first appearance, as R),
    with their covariance in ``attrs["vcov"]`` (for ``cs.contrast``: average marginal effects)."""
    problem = _problem(fit, variable)
    md = problem.md
    frame = md.design.data.iloc[np.flatnonzero(md.rows)]
    column = frame[variable]
    if levels is None:
        levels = list(pd.unique(column.dropna()))
    if not levels:
        raise ModelError(f"variable {variable!r} has no values in the model's rows")
    beta = fit.coefficients.to_numpy()
    w = problem.w
    fits = np.empty((len(frame), len(levels)))
    grad = np.empty((len(beta), len(levels)))
    for j, g in enumerate(levels):  # one prediction per level asked for, not per row
        if isinstance(column.dtype, pd.CategoricalDtype):
            if g not in column.cat.categories:
                raise ModelError(f"{variable!r} has no level {g!r}; its levels are {list(column.cat.categories)}")
            value = pd.Categorical([g] * len(frame), categories=column.cat.categories, ordered=column.cat.ordered)
        else:
            value = np.repeat(g, len(frame))
        X = _matrix(problem, frame.assign(**{variable: value}))
        mu, mu_eta, _ = _link_parts(problem, X, beta)
        fits[:, j] = mu
        grad[:, j] = (w * mu_eta) @ X / w.sum()
    est, cov = _mean_variance(fit, problem, fits)
    cov = with_coefficient_part(fit, cov, grad)
    return _frame(fit, problem, [str(g) for g in levels], est, cov, "predictive margin")


def marginal_effect(fit: ModelResults, variable: str, step: float | None = None) -> pd.DataFrame:
    """The average marginal effect of a numeric ``variable``: the weighted mean over fitted rows of d mu / d x
    (central differences of the model matrix with ``step``, default 1e-5 of the variable's spread), its design
    variance with the derivatives fixed plus the coefficients' part, as :func:`predictive_margins`."""
    problem = _problem(fit, variable)
    md = problem.md
    frame = md.design.data.iloc[np.flatnonzero(md.rows)]
    x = frame[variable]
    if not pd.api.types.is_numeric_dtype(x):
        raise ModelError(f"variable {variable!r} is not numeric: use predictive_margins() and contrasts of "
                         "its levels")
    x = x.to_numpy(dtype=float)
    h = difference_step(float(np.nanstd(x)), step)
    dX = (_matrix(problem, frame.assign(**{variable: x + h}))
          - _matrix(problem, frame.assign(**{variable: x - h}))) / (2 * h)
    X = md.X
    beta = fit.coefficients.to_numpy()
    _, mu_eta, eta = _link_parts(problem, X, beta)
    slope = dX @ beta
    d = mu_eta * slope
    w = problem.w
    d2 = problem.fam.link.inverse_deriv2(eta)
    grad = ((w * d2 * slope) @ X + (w * mu_eta) @ dX) / w.sum()
    est, mean_cov = _mean_variance(fit, problem, d[:, None])
    cov = with_coefficient_part(fit, mean_cov, grad)
    frame = _frame(fit, problem, [variable], est, np.atleast_2d(cov), "average marginal effect")
    frame.attrs["mean_variance"] = float(mean_cov[0, 0])  # the design part, derivatives fixed
    return frame


def difference_step(spread: float, step: float | None = None) -> float:
    """The central differences' step of a marginal effect: ``step``, or 1e-5 of the variable's spread (its
    population standard deviation over the fitted rows)."""
    return step if step is not None else 1e-5 * max(spread, 1e-8)


def _grake(mm: np.ndarray, ww: np.ndarray, population: np.ndarray, epsilon: float = 1e-4,
           maxit: int = 100) -> np.ndarray:
    """R survey's ``grake`` with ``cal.raking`` and bounds (0, Inf), step for step: Newton steps from eta = 0
    solved by the pseudo-inverse (tolerance 256 eps), halved while not finite, stopped once every
    |misfit| / (1 + |population|) < epsilon. Returns g = new / old weight."""
    def evaluate(eta: np.ndarray):
        xeta = mm @ eta
        ex = np.exp(xeta)
        if not np.all(np.isfinite(ex)):
            return None
        deriv = np.where(xeta > -1, ex, 0.0)  # R's dF: exp(u) where u > lower - 1
        return (mm * (ww * deriv)[:, None]).T @ mm, mm.T @ (ww * (ex - 1))

    return np.exp(mm @ grake_steps(mm.T @ ww, population, evaluate, mm.shape[1], epsilon, maxit))


def grake_steps(sample: np.ndarray, population: np.ndarray, evaluate, p: int, epsilon: float = 1e-4,
                maxit: int = 100) -> np.ndarray:
    """:func:`_grake`'s Newton steps on eta from ``evaluate(eta)``: (T = mm' diag(w dF) mm, mm' w (exp(mm eta) - 1)),
    or None where exp overflows (the step is halved). Also the engine path's loop, whose evaluate is one query."""
    eta = np.zeros(p)
    T, moved = evaluate(eta)
    for _ in range(maxit):  # Newton iterations, not rows
        misfit = population - sample - moved
        deta = np.linalg.pinv(T, rcond=256 * np.finfo(float).eps) @ misfit
        eta = eta + deta
        out = evaluate(eta)
        while out is None:
            deta = deta / 2
            eta = eta - deta
            out = evaluate(eta)
        T, moved = out
        misfit = population - sample - moved
        if np.all(np.abs(misfit) / (1 + np.abs(population)) < epsilon):
            return eta
    raise ModelError(f"marginal predictions: the calibration that balances the adjustment variables did not "
                     f"converge in {maxit} steps (R: 'Calibration failed')")


def independent_from_gram(gram: np.ndarray, nbase: int, tol: float = 1e-7) -> list[int]:
    """:func:`_independent` from the cross-products of the columns [base, extra] alone (the engine path): a
    column's distance from the span of the others is sqrt(G_cc - G_cS G_SS^+ G_Sc)."""
    keep: list[int] = []
    for j in range(gram.shape[0] - nbase):  # over the few adjustment columns
        c = nbase + j
        norm2 = gram[c, c]
        if norm2 <= 0:
            continue
        span = list(range(nbase)) + [nbase + k for k in keep]
        if span:
            g = gram[np.ix_(span, [c])][:, 0]
            resid2 = norm2 - g @ np.linalg.lstsq(gram[np.ix_(span, span)], g, rcond=None)[0]
        else:
            resid2 = norm2
        if resid2 > (tol * tol) * norm2:
            keep.append(j)
    return keep


def _independent(base: np.ndarray, extra: np.ndarray, tol: float = 1e-7) -> list[int]:
    """Columns of ``extra`` that add to the span of ``base`` and of those kept before them, in order (R's
    qr(cbind(base, extra)) pivots deficient columns to the end, within its tolerance 1e-7)."""
    keep: list[int] = []
    for j in range(extra.shape[1]):  # over the few adjustment columns
        col = extra[:, j]
        norm = np.linalg.norm(col)
        if norm == 0:
            continue
        span = np.column_stack([base] + [extra[:, k] for k in keep]) if base.size or keep else np.empty((len(col), 0))
        resid = col - span @ np.linalg.lstsq(span, col, rcond=None)[0] if span.shape[1] else col
        if np.linalg.norm(resid) > tol * norm:
            keep.append(j)
    return keep


ALL_IN_MODEL = "adjustfor={adjustfor!r}: the adjustment variables are all in the model"


def check_marginpred(type: str, replicated: bool, offset: bool, names) -> None:
    """What R's marginpred (and ours) does not do: other prediction types, replicate designs, offsets, models
    without an intercept."""
    if type not in ("link", "response"):
        raise ModelError(f"type={type!r}: use 'link' or 'response'")
    if replicated:
        raise ModelError("marginal predictions reweight a linearised design (R's marginpred has no replicate "
                         "version); build the model on the design before replicate()")
    if offset:
        raise ModelError("marginal predictions of a model with an offset are not supported")
    if list(names)[:1] != ["Intercept"]:
        raise ModelError("marginal predictions need a model with an intercept (R drops the first column)")


def marginal_predictions(fit: ModelResults, adjustfor: str, predictat: pd.DataFrame, type: str = "link",
                         calibration_variance: bool = False) -> pd.DataFrame:
    """R's ``marginpred(model, adjustfor, predictat)``: the design is reweighted (raking, R's ``grake``) so that
    the adjustment variables are uncorrelated with the model's predictors (their weighted cross-products set to
    what independence implies), the model refitted under those weights, and predictions made at the rows of
    ``predictat`` (``type`` "link" or "response") with design SEs. R 4.1.1 records the calibration on a copy of
    the design other than the one it refits on, so its SEs treat the new weights as fixed; so do we by default.
    ``calibration_variance=True`` takes the calibration into the variance as R's record of it would (residuals
    on the products, weighted by the new weights). Linearised designs only, as R."""
    from formulaic import model_matrix

    from careersurvey.estimation.models.glm import GlmProblem, glm
    from careersurvey.estimation.weighting.calibrate import CalibrationStep

    if not isinstance(fit.problem, GlmProblem):
        raise ModelError(f"marginal predictions need a glm fitted by this version of careersurvey; this is a "
                         f"{fit.kind} model")
    problem = fit.problem
    md = problem.md
    design = md.fit_design
    check_marginpred(type, design.replicates is not None, problem.offset is not None, md.names)
    rows = np.flatnonzero(md.rows)
    frame = md.design.data.iloc[rows]
    w = problem.w
    text = adjustfor.strip()
    adj = np.asarray(model_matrix(text if text.startswith("~") else f"~ {text}", frame, na_action="raise"),
                     dtype=float)
    # weighted means as sum(w x) / sum(w) with one summation, so the intercept column centres to exactly 0
    adj = adj - (w[:, None] * adj).sum(axis=0) / w.sum()
    mod = md.X[:, 1:] - (w[:, None] * md.X[:, 1:]).sum(axis=0) / w.sum()
    keep = _independent(mod, adj)
    if not keep:
        raise ModelError(ALL_IN_MODEL.format(adjustfor=adjustfor))
    adj = adj[:, keep]
    mm = np.column_stack([adj * mod[:, [i]] for i in range(mod.shape[1])])  # model column-major, as R
    population = np.outer(w @ adj, (w @ mod) / w.sum()).reshape(-1, order="F")
    g = _grake(mm, w, population)
    n = len(md.rows)
    w0 = np.asarray(design.w, dtype=float)
    g_full = np.ones(n)
    g_full[rows] = g
    mm_full = np.zeros((n, mm.shape[1]))
    mm_full[rows] = mm
    adjustments = tuple(design.adjustments)
    if calibration_variance:
        step = CalibrationStep(method="raking", names=tuple(f"balance{j}" for j in range(mm.shape[1])),
                               targets=population, w0=w0, g=g_full, _matrix=mm_full, basis_w=w0 * g_full)
        adjustments += (step,)
    balanced = design.evolve(weights=w0 * g_full, adjustments=adjustments)
    refit = glm(balanced, fit.formula, family=problem.fam, level=fit.level)
    X = np.asarray(refit.problem.md.spec.get_model_matrix(predictat, na_action="raise"), dtype=float)
    out = predictions_at(refit, X, problem.fam, type, [str(i) for i in predictat.index],
                         refit.problem.md.fit_design.design_df)
    out.attrs["g"] = g
    return out


def predictions_at(refit: ModelResults, X: np.ndarray, fam, type: str, names: list[str], df: float) -> pd.DataFrame:
    """Predictions X beta of ``refit`` (``type`` "response": through the inverse link, delta-method covariance)."""
    beta = refit.coefficients.to_numpy()
    V = refit.cov_params.to_numpy()
    eta = X @ beta
    cov = X @ V @ X.T
    est = eta
    if type == "response":
        est = fam.link.inverse(eta)
        d = fam.link.inverse_deriv(eta)
        cov = d[:, None] * cov * d[None, :]
    return result_with_vcov(refit, names, est, cov, df, f"marginal prediction ({type})")
