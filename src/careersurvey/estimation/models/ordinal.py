"""Design-based proportional-odds (cumulative logit) models, as R survey's ``svyolr``.

Model: logit P(Y <= j) = zeta_j - x'beta for the ordered levels j = 1..K-1 of the response. The point
estimate maximises the design-weighted log-likelihood (Newton's method with the analytic Hessian and step
halving, from R's starting values); the variance is R's sandwich: the score contributions times the inverse
Hessian, through the design's variance engine (or refits under replicate weights, as R's
``svyolr.svyrep.design``). Residual df is ``degf - p`` as R. Thresholds are named like R (``"1|2"``).
R's svyolr takes its Hessian from ``optim`` by finite differences (step 1e-3); ours is analytic, equal to
svyolr run with a small step (``ndeps = 1e-6``) to ~1e-7, and ``hessian="r"`` reproduces R's default.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from types import SimpleNamespace
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy.special import expit, ndtr, ndtri

from careersurvey.estimation.models.formula import ModelData, ModelError, model_data, r_weight_scale
from careersurvey.estimation.models.fit import ModelResults
from careersurvey.estimation.variance import one_blas_thread

if TYPE_CHECKING:  # pragma: no cover
    from careersurvey.estimation.design import SurveyDesign


def _levels(md: ModelData) -> tuple[np.ndarray, list[str]]:
    """Response codes 0..K-1 on the fitted rows and the level labels, in order.

    A numeric response orders by value; a categorical one by its categories (an ordered pandas Categorical
    keeps its order; strings sort as R's factor() does).
    """
    lhs = md.lhs
    if lhs.shape[1] == 1:
        values = lhs.iloc[:, 0].to_numpy(dtype=float)
        uniq, codes = np.unique(values, return_inverse=True)
        labels = numeric_level_labels(uniq)
    else:
        ind = lhs.to_numpy(dtype=float)
        present = ind.sum(axis=0) > 0
        ind = ind[:, present]
        codes = ind.argmax(axis=1)
        raw = [str(c) for c, p in zip(lhs.columns, present) if p]
        labels = [c[c.find("[") + 1:-1] if c.endswith("]") and "[" in c else c for c in raw]
    check_levels(labels, md.formula)
    return codes.astype(np.int64), labels


def numeric_level_labels(values: np.ndarray) -> list[str]:
    """The level names of a numeric response's sorted distinct values (``"1"``, ``"2.5"``)."""
    return [f"{int(u)}" if float(u).is_integer() else f"{u:g}" for u in values]


def check_levels(labels: list[str], formula: str) -> None:
    if len(labels) < 3:
        raise ModelError(f"formula {formula!r}: an ordinal response needs 3 or more levels among the rows "
                         f"used; it has {len(labels)} ({', '.join(labels)}). Use glm(family='binomial').")


#: R's outer cut-points: svyolr evaluates P(Y = 1) as F(zeta_1 - eta) - F(-100 - eta) and P(Y = K) as
#: F(100 - eta) - F(zeta_{K-1} - eta); with heavy tails (cauchit) those ends are not 0 and 1, so we keep them
BOUND = 100.0


#: the functions a link needs, for numpy arrays (the engine path passes its own for engine expressions)
NUMPY = SimpleNamespace(exp=np.exp, expit=expit, ndtr=ndtr, arctan=np.arctan)


def _logistic(z: np.ndarray, m=NUMPY):
    F = m.expit(z)
    f = F * (1 - F)
    return F, f, f * (1 - 2 * F)


def _probit(z: np.ndarray, m=NUMPY):
    f = m.exp(-z * z / 2) / float(np.sqrt(2 * np.pi))
    return m.ndtr(z), f, -z * f


def _gumbel(z: np.ndarray, m=NUMPY):
    """R survey's "cloglog" is its pgumbel: F(z) = exp(-exp(-z)) (the Gumbel maximum distribution)."""
    e = m.exp(-z)
    F = m.exp(-e)
    f = F * e
    return F, f, f * (e - 1)


def _cauchy(z: np.ndarray, m=NUMPY):
    d = 1 + z * z
    f = 1 / (np.pi * d)
    return 0.5 + m.arctan(z) / np.pi, f, -2 * z * f / d


#: link name (R's svyolr ``method``, and "logit") -> distribution function, density and its derivative
LINKS = {"logit": _logistic, "logistic": _logistic, "probit": _probit, "cloglog": _gumbel, "cauchit": _cauchy}


def hessian_terms(pr, fu, fl, gu, gl, w):
    """A row's weighted second derivatives of log pr in the local coordinates (eta, zeta_upper, zeta_lower):
    (ee, eu, el, uu, ll, ul), from pr and the link's density and its derivative at both cut-points. Plain
    arithmetic: numpy arrays, or the engine path's expressions."""
    # first derivatives of pr in the local coordinates (eta, zeta_upper, zeta_lower)
    d_eta, d_u, d_l = -(fu - fl), fu, -fl
    # second derivatives of pr
    h_ee, h_eu, h_el, h_uu, h_ll = gu - gl, -gu, gl, gu, -gl
    c1, c2 = w / pr, w / pr**2
    return (c1 * h_ee - c2 * d_eta * d_eta, c1 * h_eu - c2 * d_eta * d_u, c1 * h_el - c2 * d_eta * d_l,
            c1 * h_uu - c2 * d_u * d_u, c1 * h_ll - c2 * d_l * d_l, -c2 * d_u * d_l)


class _Loglik:
    """Weighted cumulative-link log-likelihood with its per-row score and total Hessian."""

    def __init__(self, X: np.ndarray, codes: np.ndarray, q: int, link: str = "logit") -> None:
        self.X, self.codes, self.q = X, codes, q
        self.cdf = LINKS[link]
        n = len(codes)
        self.upper = codes < q       # rows whose upper cut-point zeta_y is finite
        self.lower = codes > 0       # rows whose lower cut-point zeta_{y-1} is finite
        self.U = np.zeros((n, q))
        self.U[np.flatnonzero(self.upper), codes[self.upper]] = 1.0
        self.L = np.zeros((n, q))
        self.L[np.flatnonzero(self.lower), codes[self.lower] - 1] = 1.0

    def _parts(self, theta: np.ndarray):
        p = self.X.shape[1]
        beta, zeta = theta[:p], theta[p:]
        eta = self.X @ beta
        zu = np.where(self.upper, zeta[np.minimum(self.codes, self.q - 1)], BOUND) - eta
        zl = np.where(self.lower, zeta[np.maximum(self.codes - 1, 0)], -BOUND) - eta
        with np.errstate(over="ignore", invalid="ignore"):
            Fu, fu, gu = (np.nan_to_num(a) for a in self.cdf(zu))  # distribution, density, its derivative
            Fl, fl, gl = (np.nan_to_num(a) for a in self.cdf(zl))
        pr = Fu - Fl
        return pr, fu, fl, gu, gl

    def value(self, theta: np.ndarray, w: np.ndarray) -> float:
        pr = self._parts(theta)[0]
        if np.any(pr <= 0):
            return -np.inf
        return float(w @ np.log(pr))

    def score_rows(self, theta: np.ndarray, w: np.ndarray) -> np.ndarray:
        """Per-row weighted gradient (m, p+q) of the log-likelihood in (beta, zeta)."""
        pr, fu, fl, _, _ = self._parts(theta)
        s_eta = -(fu - fl) / pr
        return np.hstack([self.X * (w * s_eta)[:, None],
                          self.U * (w * fu / pr)[:, None] - self.L * (w * fl / pr)[:, None]])

    def hessian(self, theta: np.ndarray, w: np.ndarray) -> np.ndarray:
        """Total Hessian (p+q, p+q): sum_i w_i (d2 pr / pr - d pr d pr' / pr^2), chained through eta = x'beta."""
        a_ee, a_eu, a_el, a_uu, a_ll, a_ul = hessian_terms(*self._parts(theta), w)
        X, U, L = self.X, self.U, self.L
        H_bb = (X * a_ee[:, None]).T @ X
        H_bz = X.T @ (U * a_eu[:, None] + L * a_el[:, None])
        H_zz = (U * a_uu[:, None]).T @ U + (L * a_ll[:, None]).T @ L
        H_ul = (U * a_ul[:, None]).T @ L
        H_zz = H_zz + H_ul + H_ul.T
        return np.block([[H_bb, H_bz], [H_bz.T, H_zz]])


#: quantile functions of the links, for starting values
QUANTILES = {"logit": lambda p: np.log(p / (1 - p)), "probit": ndtri, "cloglog": lambda p: -np.log(-np.log(p)),
             "cauchit": lambda p: np.tan(np.pi * (p - 0.5))}


def _start(X: np.ndarray, codes: np.ndarray, w: np.ndarray, q: int, link: str = "logit") -> np.ndarray:
    """Starting values: zero slopes, cut-points at the link's quantiles of the weighted cumulative shares."""
    return start_values(np.bincount(codes, weights=w, minlength=q + 1), w.sum(), X.shape[1], link)


def start_values(level_totals: np.ndarray, total: float, p: int, link: str) -> np.ndarray:
    """:func:`_start` from the weighted count of each level (in order) and their total."""
    cum = np.clip(np.cumsum(level_totals / total)[:len(level_totals) - 1], 1e-6, 1 - 1e-6)
    return np.concatenate([np.zeros(p), QUANTILES[link](cum)])


@dataclass(frozen=True)
class Newton:
    """Newton-Raphson with step halving, one evaluation at a time (:func:`newton_advance`): the accepted point
    ``theta`` and its log-likelihood ``value``, the Newton ``step`` from it, the fraction ``t`` of it to try next
    and the iteration. The in-memory fit and the engine's (every replicate at once) drive the same rule."""

    theta: np.ndarray
    value: float
    step: np.ndarray
    t: float
    iteration: int

    def trial(self) -> np.ndarray:
        return self.theta + self.t * self.step


def _newton_step(grad: np.ndarray, H: np.ndarray) -> np.ndarray:
    try:
        return np.linalg.solve(H, -grad)
    except np.linalg.LinAlgError:
        return -np.linalg.pinv(H) @ grad


def newton_start(theta: np.ndarray, value: float, grad: np.ndarray, H: np.ndarray) -> Newton:
    """The fit at its starting values, with their log-likelihood, gradient and Hessian."""
    return Newton(theta.copy(), value, _newton_step(grad, H), 1.0, 1)


def newton_advance(state: Newton, new: float, derivatives, formula: str, what: str, maxiter: int = 100):
    """The fit after the log-likelihood at ``state.trial()`` came back as ``new``: the converged coefficients
    (the Newton step below 1e-10, relative), or the next state (``derivatives()``: the gradient and Hessian at
    the trial point, asked only when it is accepted); halves the step while the likelihood falls."""
    if not (np.isfinite(new) and new >= state.value - 1e-12 * abs(state.value)):
        t = state.t / 2
        if t < 1e-10:
            raise ModelError(f"formula {formula!r}: the {what} ordinal fit cannot improve the likelihood "
                             "(a level may be separated by the predictors)")
        return replace(state, t=t)
    theta = state.trial()
    if np.max(np.abs(state.t * state.step) / np.maximum(1.0, np.abs(theta))) < 1e-10:
        return theta
    if state.iteration >= maxiter:
        raise ModelError(f"formula {formula!r}: the {what} ordinal fit did not converge in {maxiter} Newton steps")
    grad, H = derivatives()
    return Newton(theta, new, _newton_step(grad, H), 1.0, state.iteration + 1)


def _fit(ll: _Loglik, w: np.ndarray, start: np.ndarray, formula: str, what: str, maxiter: int = 100) -> np.ndarray:
    """Newton-Raphson with step halving (:func:`newton_advance`) on the weights over their mean."""
    w = w / w[w > 0].mean()

    def derivatives(theta: np.ndarray):
        return ll.score_rows(theta, w).sum(axis=0), ll.hessian(theta, w)

    state = newton_start(start, ll.value(start, w), *derivatives(start))
    while isinstance(state, Newton):
        trial = state.trial()
        state = newton_advance(state, ll.value(trial, w), lambda: derivatives(trial), formula, what, maxiter)
    return state


def _r_hessian(ll: _Loglik, theta: np.ndarray, w: np.ndarray, p: int) -> np.ndarray:
    """R's Hessian for svyolr (:func:`r_hessian`) from the rows."""
    def gradients(points: list[np.ndarray]) -> np.ndarray:
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.vstack([ll.score_rows(c, w).sum(axis=0) for c in points])

    return r_hessian(theta, p, gradients)


def r_hessian(theta: np.ndarray, p: int, gradients) -> np.ndarray:
    """R's Hessian for svyolr: ``optim(hessian = TRUE)`` differentiates the gradient numerically.

    R works in (beta, log-spaced cut-points theta), takes central differences with step 1e-3 (optim's
    ``ndeps``), symmetrises, and maps back with the Jacobian of zeta(theta). The step is fixed in the
    coefficients' units, so the result drifts from the exact Hessian when predictors have large scales (here by
    up to ~5e-4 relative on R's API fixtures). Only for reproducing R's numbers; the default is exact.
    ``gradients(points)``: the log-likelihood's gradient totals at each of a list of coefficient vectors.
    """
    q = len(theta) - p
    zeta = theta[p:]
    th = np.concatenate([theta[:p], [zeta[0]], np.log(np.diff(zeta))])

    def jac(t: np.ndarray) -> np.ndarray:
        J = np.tril(np.ones((q, q))) * np.exp(t[p:])[None, :]
        J[:, 0] = 1.0
        return J

    def coefficients(t: np.ndarray) -> np.ndarray:
        return np.concatenate([t[:p], np.cumsum(np.concatenate([[t[p]], np.exp(t[p + 1:])]))])

    eps = 1e-3
    k = len(th)
    points = []
    for i in range(k):  # one pair of gradient evaluations per parameter (k is small), as R's optimhess
        e = np.zeros(k)
        e[i] = eps
        points += [th + e, th - e]
    G = -gradients([coefficients(t) for t in points])  # R's fmin is minus the log-likelihood
    g = [np.concatenate([G[j, :p], G[j, p:] @ jac(t)]) for j, t in enumerate(points)]
    Ht = np.vstack([(g[2 * i] - g[2 * i + 1]) / (2 * eps) for i in range(k)])
    if not np.all(np.isfinite(Ht)):
        raise ModelError("hessian='r': R's finite-difference Hessian (step 1e-3 in every coefficient) is not "
                         "usable for this model: a predictor's scale is so large that the step moves the linear "
                         "predictor out of range (R would print NaN SEs). Use hessian='exact', or rescale it.")
    Ht = (Ht + Ht.T) / 2
    A = np.eye(k)
    A[p:, p:] = jac(th)
    Vm = A @ np.linalg.pinv(Ht) @ A.T
    return np.linalg.inv(Vm)


def check_ordinal_args(link: str, hessian: str) -> str:
    """The link's name (R's "logistic" is "logit"), or a ModelError for an unknown link or Hessian."""
    if hessian not in ("exact", "r"):
        raise ModelError(f"hessian={hessian!r}: use 'exact' (analytic) or 'r' (R's numerical approximation)")
    if link not in LINKS:
        raise ModelError(f"link={link!r}: use one of logit, probit, cloglog, cauchit (R's svyolr methods)")
    return "logit" if link == "logistic" else link


@one_blas_thread
def ordinal(design: SurveyDesign, formula: str, *, link: str = "logit", level: float = 0.95,
            hessian: str = "exact") -> ModelResults:
    """Fit a cumulative-link (proportional-odds for the logit) model by design-weighted likelihood, as R's
    ``svyolr``.

    ``link``: "logit" (R's "logistic"), "probit", "cloglog" (R's svyolr means its pgumbel,
    P(Y <= j) = exp(-exp(-(zeta_j - eta)))) or "cauchit". ``hessian="exact"`` (default) uses the analytic
    Hessian in the sandwich; ``hessian="r"`` reproduces R's finite-difference Hessian (see :func:`r_hessian`)
    when R's printed SEs must be matched to the digit.
    """
    return _ordinal(design, formula, link=check_ordinal_args(link, hessian), level=level, hessian=hessian)


def _ordinal(design: SurveyDesign, formula: str, *, link: str, level: float, hessian: str) -> ModelResults:
    md = model_data(design, formula)
    codes, labels = _levels(md)
    q = len(labels) - 1
    names = [n for n in md.names if n != "Intercept"]
    X = md.X[:, [i for i, n in enumerate(md.names) if n != "Intercept"]]
    w = md.weights
    ll = _Loglik(X, codes, q, link)
    theta = _fit(ll, w, _start(X, codes, w, q, link), formula, "full-sample")
    p = X.shape[1]
    reps = design.replicates
    if reps is None:
        # information of the weighted log-likelihood (sign as R's fmin)
        H = -ll.hessian(theta, w) if hessian == "exact" else _r_hessian(ll, theta, w, p)
        scores = ll.score_rows(theta, w)
        cov = md.sandwich(scores, np.ones(len(scores)), np.linalg.inv(H))
        degf = md.fit_design.design_df
        method = "linearisation"
    else:
        rep_w = np.asarray(reps.weights, dtype=float)[md.rows]
        thetas = np.vstack([_fit(ll, rep_w[:, r], theta, formula, f"replicate {r + 1}")
                            for r in range(rep_w.shape[1])])
        cov = reps.covariance(thetas, theta)  # R's svrVar, one place (careersurvey.estimation.weighting)
        degf = design.design_df  # R: degf() of the replicate design before rows with NA leave
        method = replicate_method(getattr(reps, "method", "replicate"), rep_w.shape[1])
    # R's svyolr scales by the mean weight of its design after rows with missing values leave (deviance); the
    # naive covariance is the inverse information on that scale (R's regTermTest takes solve(Hessian) on the
    # raw weights instead, which inflates its LRT scale factors by that mean weight)
    norm = r_weight_scale(md.fit_design)
    problem = OrdinalProblem(X=X, codes=codes, q=q, link=link, w=w, norm=norm, formula=formula)
    return ordinal_results(
        formula=formula, link=link, response=md.formula.split("~")[0].strip(), names=names, labels=labels,
        theta=theta, cov=cov, loglik=ll.value(theta, w), information=-ll.hessian(theta, w), norm=norm,
        df_resid=float(degf - p), nobs=md.nobs, population=float(w.sum()), method=method, level=level,
        terms=tuple((t, tuple(i - 1 for i in idx)) for t, idx in md.terms if t != "1"), problem=problem)


def replicate_method(method: str, replicates: int) -> str:
    return f"replicate weights ({method}, {replicates})"


def ordinal_results(*, formula: str, link: str, response: str, names: list[str], labels: list[str],
                    theta: np.ndarray, cov: np.ndarray, loglik: float, information: np.ndarray, norm: float,
                    df_resid: float, nobs: int, population: float, method: str, level: float, terms: tuple,
                    problem=None) -> ModelResults:
    """The result of an ordinal fit from what it computed: coefficients (slopes, then cut-points named like R's
    ``"1|2"``), their covariance, the log-likelihood and information (minus the Hessian) at the estimate under
    the raw weights, and R's mean weight ``norm`` (the deviance and the naive covariance are on its scale)."""
    thr = [f"{a}|{b}" for a, b in zip(labels[:-1], labels[1:])]
    index = pd.Index(list(names) + thr)
    extra = {"levels": labels, "deviance": -2 * loglik / norm, "naive_cov": np.linalg.inv(information) * norm}
    return ModelResults(
        kind="ordinal", formula=formula, family="cumulative", link=link, response=response,
        coefficients=pd.Series(theta, index=index, name="params"),
        cov_params=pd.DataFrame(cov, index=index, columns=index),
        df_resid=df_resid, nobs=nobs, population=population, variance_method=method, level=level,
        n_thresholds=len(thr), extra=extra, terms=terms, problem=problem,
    )


@dataclass(frozen=True, eq=False)
class OrdinalProblem:
    """What an ordinal model was fitted on, kept for refits (the working LRT of terms)."""

    X: np.ndarray
    codes: np.ndarray
    q: int
    link: str
    w: np.ndarray
    norm: float
    formula: str

    def deviance(self, columns: list[int] | np.ndarray) -> float:
        """R's svyolr deviance (-2 log-likelihood over the mean weight) of the model with only ``columns`` of
        the slopes (the cut-points always stay)."""
        X = self.X[:, list(columns)]
        ll = _Loglik(X, self.codes, self.q, self.link)
        theta = _fit(ll, self.w, _start(X, self.codes, self.w, self.q, self.link), self.formula, "reduced")
        return -2 * ll.value(theta, self.w) / self.norm
