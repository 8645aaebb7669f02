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
    data = fit.problem.md.design.data
    if variable not in data.columns:
        raise ModelError(f"variable {variable!r} is not a column of the model's data")
    if variable not in _variables(fit):
        raise ModelError(f"variable {variable!r} is not in the model {fit.formula!r}; add it as a term (R's "
                         "svypredmeans adds the group to the adjustment model)")
    return fit.problem


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
    df = problem.md.fit_design.design_df
    frame = result_frame(pd.Index(names), est, cov, df, level=fit.level, statistic=statistic)
    frame.attrs["vcov"] = cov
    return frame


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
    cov = cov + grad.T @ fit.cov_params.to_numpy() @ grad
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
    h = step if step is not None else 1e-5 * max(float(np.nanstd(x)), 1e-8)
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
    cov = mean_cov + grad @ fit.cov_params.to_numpy() @ grad
    frame = _frame(fit, problem, [variable], est, np.atleast_2d(cov), "average marginal effect")
    frame.attrs["mean_variance"] = float(mean_cov[0, 0])  # the design part, derivatives fixed
    return frame
