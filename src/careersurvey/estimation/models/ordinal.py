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

from dataclasses import dataclass
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
        labels = [f"{int(u)}" if float(u).is_integer() else f"{u:g}" for u in uniq]
    else:
        ind = lhs.to_numpy(dtype=float)
        present = ind.sum(axis=0) > 0
        ind = ind[:, present]
        codes = ind.argmax(axis=1)
        raw = [str(c) for c, p in zip(lhs.columns, present) if p]
        labels = [c[c.find("[") + 1:-1] if c.endswith("]") and "[" in c else c for c in raw]
    if len(labels) < 3:
        raise ModelError(f"formula {md.formula!r}: an ordinal response needs 3 or more levels among the rows "
                         f"used; it has {len(labels)} ({', '.join(labels)}). Use glm(family='binomial').")
    return codes.astype(np.int64), labels


#: R's outer cut-points: svyolr evaluates P(Y = 1) as F(zeta_1 - eta) - F(-100 - eta) and P(Y = K) as
#: F(100 - eta) - F(zeta_{K-1} - eta); with heavy tails (cauchit) those ends are not 0 and 1, so we keep them
BOUND = 100.0


def _logistic(z: np.ndarray):
    F = expit(z)
    f = F * (1 - F)
    return F, f, f * (1 - 2 * F)


def _probit(z: np.ndarray):
    f = np.exp(-z * z / 2) / np.sqrt(2 * np.pi)
    return ndtr(z), f, -z * f


def _gumbel(z: np.ndarray):
    """R survey's "cloglog" is its pgumbel: F(z) = exp(-exp(-z)) (the Gumbel maximum distribution)."""
    e = np.exp(-z)
    F = np.exp(-e)
    f = F * e
    return F, f, f * (e - 1)


def _cauchy(z: np.ndarray):
    d = 1 + z * z
    f = 1 / (np.pi * d)
    return 0.5 + np.arctan(z) / np.pi, f, -2 * z * f / d


#: link name (R's svyolr ``method``, and "logit") -> distribution function, density and its derivative
LINKS = {"logit": _logistic, "logistic": _logistic, "probit": _probit, "cloglog": _gumbel, "cauchit": _cauchy}


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
        pr, fu, fl, gu, gl = self._parts(theta)
        # first derivatives of pr in the local coordinates (eta, zeta_upper, zeta_lower)
        d_eta, d_u, d_l = -(fu - fl), fu, -fl
        # second derivatives of pr
        h_ee, h_eu, h_el, h_uu, h_ll = gu - gl, -gu, gl, gu, -gl
        c1, c2 = w / pr, w / pr**2
        a_ee = c1 * h_ee - c2 * d_eta * d_eta
        a_eu = c1 * h_eu - c2 * d_eta * d_u
        a_el = c1 * h_el - c2 * d_eta * d_l
        a_uu = c1 * h_uu - c2 * d_u * d_u
        a_ll = c1 * h_ll - c2 * d_l * d_l
        a_ul = -c2 * d_u * d_l
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
    share = np.bincount(codes, weights=w, minlength=q + 1) / w.sum()
    cum = np.clip(np.cumsum(share)[:q], 1e-6, 1 - 1e-6)
    return np.concatenate([np.zeros(X.shape[1]), QUANTILES[link](cum)])


def _fit(ll: _Loglik, w: np.ndarray, start: np.ndarray, formula: str, what: str, maxiter: int = 100) -> np.ndarray:
    """Newton-Raphson with step halving; converged when the Newton step is below 1e-10 (relative)."""
    w = w / w[w > 0].mean()
    theta = start.copy()
    value = ll.value(theta, w)
    for _ in range(maxiter):
        grad = ll.score_rows(theta, w).sum(axis=0)
        H = ll.hessian(theta, w)
        try:
            step = np.linalg.solve(H, -grad)
        except np.linalg.LinAlgError:
            step = -np.linalg.pinv(H) @ grad
        t = 1.0
        while True:
            candidate = theta + t * step
            new = ll.value(candidate, w)
            if np.isfinite(new) and new >= value - 1e-12 * abs(value):
                break
            t /= 2
            if t < 1e-10:
                raise ModelError(f"formula {formula!r}: the {what} ordinal fit cannot improve the likelihood "
                                 "(a level may be separated by the predictors)")
        theta, value = candidate, new
        if np.max(np.abs(t * step) / np.maximum(1.0, np.abs(theta))) < 1e-10:
            return theta
    raise ModelError(f"formula {formula!r}: the {what} ordinal fit did not converge in {maxiter} Newton steps")


def _r_hessian(ll: _Loglik, theta: np.ndarray, w: np.ndarray, p: int) -> np.ndarray:
    """R's Hessian for svyolr: ``optim(hessian = TRUE)`` differentiates the gradient numerically.

    R works in (beta, log-spaced cut-points theta), takes central differences with step 1e-3 (optim's
    ``ndeps``), symmetrises, and maps back with the Jacobian of zeta(theta). The step is fixed in the
    coefficients' units, so the result drifts from the exact Hessian when predictors have large scales (here by
    up to ~5e-4 relative on R's API fixtures). Only for reproducing R's numbers; the default is exact.
    """
    q = len(theta) - p
    zeta = theta[p:]
    th = np.concatenate([theta[:p], [zeta[0]], np.log(np.diff(zeta))])

    def jac(t: np.ndarray) -> np.ndarray:
        J = np.tril(np.ones((q, q))) * np.exp(t[p:])[None, :]
        J[:, 0] = 1.0
        return J

    def grad(t: np.ndarray) -> np.ndarray:  # gradient of R's fmin (minus the log-likelihood) in theta-space
        z = np.cumsum(np.concatenate([[t[p]], np.exp(t[p + 1:])]))
        with np.errstate(invalid="ignore", divide="ignore"):
            g = -ll.score_rows(np.concatenate([t[:p], z]), w).sum(axis=0)
        return np.concatenate([g[:p], g[p:] @ jac(t)])

    eps = 1e-3
    k = len(th)
    Ht = np.empty((k, k))
    for i in range(k):  # one pair of gradient evaluations per parameter (k is small), as R's optimhess
        e = np.zeros(k)
        e[i] = eps
        Ht[i] = (grad(th + e) - grad(th - e)) / (2 * eps)
    if not np.all(np.isfinite(Ht)):
        raise ModelError("hessian='r': R's finite-difference Hessian (step 1e-3 in every coefficient) is not "
                         "usable for this model: a predictor's scale is so large that the step moves the linear "
                         "predictor out of range (R would print NaN SEs). Use hessian='exact', or rescale it.")
    Ht = (Ht + Ht.T) / 2
    A = np.eye(k)
    A[p:, p:] = jac(th)
    Vm = A @ np.linalg.pinv(Ht) @ A.T
    return np.linalg.inv(Vm)


@one_blas_thread
def ordinal(design: SurveyDesign, formula: str, *, link: str = "logit", level: float = 0.95,
            hessian: str = "exact") -> ModelResults:
    """Fit a cumulative-link (proportional-odds for the logit) model by design-weighted likelihood, as R's
    ``svyolr``.

    ``link``: "logit" (R's "logistic"), "probit", "cloglog" (R's svyolr means its pgumbel,
    P(Y <= j) = exp(-exp(-(zeta_j - eta)))) or "cauchit". ``hessian="exact"`` (default) uses the analytic
    Hessian in the sandwich; ``hessian="r"`` reproduces R's finite-difference Hessian (see :func:`_r_hessian`)
    when R's printed SEs must be matched to the digit.
    """
    if hessian not in ("exact", "r"):
        raise ModelError(f"hessian={hessian!r}: use 'exact' (analytic) or 'r' (R's numerical approximation)")
    if link not in LINKS:
        raise ModelError(f"link={link!r}: use one of logit, probit, cloglog, cauchit (R's svyolr methods)")
    return _ordinal(design, formula, link="logit" if link == "logistic" else link, level=level, hessian=hessian)


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
        method = f"replicate weights ({getattr(reps, 'method', 'replicate')}, {rep_w.shape[1]})"
    thr = [f"{a}|{b}" for a, b in zip(labels[:-1], labels[1:])]
    index = pd.Index(names + thr)
    # R's svyolr scales by the mean weight of its design after rows with missing values leave (deviance); the
    # naive covariance is the inverse information on that scale (R's regTermTest takes solve(Hessian) on the
    # raw weights instead, which inflates its LRT scale factors by that mean weight)
    norm = r_weight_scale(md.fit_design)
    problem = OrdinalProblem(X=X, codes=codes, q=q, link=link, w=w, norm=norm, formula=formula)
    extra = {"levels": labels, "deviance": -2 * ll.value(theta, w) / norm,
             "naive_cov": np.linalg.inv(-ll.hessian(theta, w)) * norm}
    return ModelResults(
        kind="ordinal", formula=formula, family="cumulative", link=link, response=md.formula.split("~")[0].strip(),
        coefficients=pd.Series(theta, index=index, name="params"),
        cov_params=pd.DataFrame(cov, index=index, columns=index),
        df_resid=float(degf - p), nobs=md.nobs, population=float(w.sum()), variance_method=method, level=level,
        n_thresholds=q, extra=extra,
        terms=tuple((t, tuple(i - 1 for i in idx)) for t, idx in md.terms if t != "1"), problem=problem,
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
