"""Nonresponse adjustment by weighting classes, or by classes of estimated response propensity.

Within each class c the respondents' weights are multiplied by N_c / R_c, the weighted count of all sampled
units over that of the respondents, so respondents carry the class's nonrespondents. The estimator is then a
function of full-sample and respondent totals; its linearisation (``NonresponseStep.residualize``) keeps
the variance of the estimated class sizes N_c (``variance="estimated"``, the default). ``variance="fixed"``
treats N_c as known, which is what R gives for a respondents-only design post-stratified to those sizes.
Propensity classes come from a design-weighted logistic regression of response on covariates, cut into
equal-count classes of the predicted propensity (Little 1986; Kalton and Flores-Cervantes 2003).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from careersurvey.estimation.rows import rows_text
from careersurvey.estimation.weighting.errors import WeightingError
from careersurvey.estimation.weighting.linear import LinearForm, cell_means, indicator
from careersurvey.estimation.weighting.margins import group_totals, level_key


def response_indicator(data: pd.DataFrame, responded: str | np.ndarray | pd.Series,
                       names: pd.Index | None = None) -> np.ndarray:
    """The response indicator as a boolean array; a column may hold 1/0 or True/False, no missing.
    ``names`` labels the rows in messages (the design's respondent ids; default the data's index)."""
    if isinstance(responded, str):
        if responded not in data.columns:
            raise WeightingError(f"nonresponse: the data have no column {responded!r}; give the column that holds "
                                 "1 for respondents and 0 for nonrespondents")
        col = data[responded]
        name = responded
    else:
        col = pd.Series(np.asarray(responded).reshape(-1), index=data.index) if not isinstance(
            responded, pd.Series) else responded.reindex(data.index)
        name = "responded"
    if col.isna().any():
        raise WeightingError(f"nonresponse: {name!r} is missing in {int(col.isna().sum())} rows "
                             f"({rows_text(data.index if names is None else names, col.isna().to_numpy())}); "
                             "every sampled unit must be a respondent (1) or a nonrespondent (0)")
    vals = pd.to_numeric(col, errors="coerce") if col.dtype != bool else col.astype(int)
    if vals.isna().any() or not vals.isin([0, 1]).all():
        bad = sorted(map(str, col[~vals.isin([0, 1]) | vals.isna()].unique()[:5]))
        raise WeightingError(f"nonresponse: {name!r} must hold 1 (responded) or 0 (did not), found {bad}")
    return vals.to_numpy().astype(bool)


def check_arguments(classes, propensity, variance: str) -> None:
    """adjust_nonresponse's arguments: a variance rule, and classes or propensity covariates (one of them)."""
    if variance not in ("estimated", "fixed"):
        raise WeightingError(f"variance={variance!r}: use 'estimated' or 'fixed'")
    if (classes is None) == (propensity is None):
        raise WeightingError("give either classes= (weighting-class columns) or propensity= (covariates)")


def no_respondents() -> WeightingError:
    return WeightingError("nonresponse: no respondent has positive weight; check the response column and the "
                          "weights")


def class_labels(classes, levels) -> tuple[str, tuple[str, ...]]:
    """The classes' label and each class's name in messages (``intent=stay``) from the class column(s)."""
    label = classes if isinstance(classes, str) else " x ".join(classes)
    return label, tuple(f"{label}={level_key(lv)}" for lv in levels)


def propensity_labels(k: int) -> tuple[str, tuple[str, ...]]:
    """The label and class names of ``k`` propensity classes."""
    return f"{k} propensity classes", tuple(f"{j + 1} of {k} (by response propensity)" for j in range(k))


def propensity_rhs(covariates) -> str:
    """The right-hand side of a propensity model given as covariate names or a formula (``"~ a + b"``)."""
    rhs = covariates if isinstance(covariates, str) else " + ".join(covariates)
    return rhs.split("~", 1)[1] if "~" in rhs else rhs


def class_factors(codes: np.ndarray, k: int, responded: np.ndarray, w: np.ndarray,
                  names: tuple[str, ...] = ()) -> np.ndarray:
    """Adjustment factors (n,) or (n, R): N_c / R_c for respondents, 0 for nonrespondents.

    ``names`` are the classes as messages should call them (default: their numbers from 1).
    """
    w2 = w[:, None] if w.ndim == 1 else w
    f = class_ratios(group_totals(codes, k, w2), group_totals(codes, k, w2 * responded[:, None]), names)
    out = f[codes] * responded[:, None]
    return out if w.ndim == 2 else out[:, 0]


def class_ratios(full: np.ndarray, resp: np.ndarray, names: tuple[str, ...] = ()) -> np.ndarray:
    """N_c / R_c (k, R) from the classes' weighted counts of all sampled units ``full`` and of the respondents
    ``resp`` (k, R), 0 for a class without weight; a class with units but no responding weight is an error."""
    empty = (resp <= 0) & (full > 0)
    if empty.any():
        c, col = np.argwhere(empty)[0]
        raise WeightingError(
            f"nonresponse class {names[c] if names else c + 1} has sampled units but no responding weight"
            f"{'' if full.shape[1] == 1 else f' in replicate {col + 1}'}: merge it with a neighbouring class")
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(resp > 0, full / resp, 0.0)


def fit_propensity(x: np.ndarray, y: np.ndarray, w: np.ndarray, max_iter: int = 50,
                   tol: float = 1e-10) -> np.ndarray:
    """Design-weighted logistic regression by Newton-Raphson; returns fitted response propensities."""

    def evaluate(beta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        p = 1.0 / (1.0 + np.exp(-(x @ beta)))
        return x.T @ (w * (y - p)), (x * (w * p * (1 - p))[:, None]).T @ x

    beta = propensity_coefficients(evaluate, x.shape[1], max_iter, tol)
    return 1.0 / (1.0 + np.exp(-(x @ beta)))


def propensity_coefficients(evaluate, p: int, max_iter: int = 50, tol: float = 1e-10) -> np.ndarray:
    """Newton-Raphson for the design-weighted logistic fit: ``evaluate(beta)`` gives the score X'w(y - p) and
    the information X' diag(w p (1 - p)) X (from rows in memory, or one aggregate in an engine)."""
    beta = np.zeros(p)
    for _ in range(max_iter):
        grad, hess = evaluate(beta)
        step = np.linalg.lstsq(hess, grad, rcond=None)[0]
        beta += step
        if np.max(np.abs(step)) < tol * (1 + np.max(np.abs(beta))):
            break
    else:
        raise WeightingError(
            f"response propensity model did not converge in {max_iter} iterations (largest step "
            f"{np.max(np.abs(step)):.3g}); a covariate may separate respondents perfectly: drop or collapse it")
    return beta


def propensity_classes(p: np.ndarray, n_classes: int) -> np.ndarray:
    """Equal-count classes of estimated propensity (codes 0..k-1; ties kept together): pandas' qcut of the
    propensities' ranks (method "min"), duplicate edges dropped."""
    check_classes(n_classes)
    ranks = pd.Series(p).rank(method="min").to_numpy()
    ordered = np.sort(ranks)
    edges = rank_edges(len(ranks), n_classes, lambda at: ordered[at])
    return pd.factorize(edge_codes(ranks, edges), sort=True)[0].astype(np.int64)


def check_classes(n_classes: int) -> None:
    if n_classes < 1:
        raise WeightingError("n_classes must be at least 1")


def rank_positions(n: int, n_classes: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Where qcut's edges of ``n`` ranks lie in their sorted order, as numpy's linear quantile finds them: the
    positions below and above each edge (0-based) and the interpolation weight (pandas' quantiles, rounded up
    when not representable, as ``pd.qcut`` does)."""
    quantiles = np.linspace(0, 1, n_classes + 1)
    np.putmask(quantiles, n_classes * quantiles != np.arange(n_classes + 1), np.nextafter(quantiles, 1))
    virtual = (n - 1) * quantiles
    below = np.floor(virtual)
    above = below + 1
    top = virtual >= n - 1
    below[top] = above[top] = n - 1
    below[virtual < 0] = above[virtual < 0] = 0
    return below.astype(np.int64), above.astype(np.int64), virtual - np.floor(virtual)


def rank_edges(n: int, n_classes: int, ordered) -> np.ndarray:
    """The edges of ``pd.qcut(ranks, n_classes, duplicates="drop")`` from a few order statistics of the ranks:
    ``ordered(positions)`` gives the sorted ranks at those 0-based positions (an array, or an engine's window
    query for them). numpy's linear interpolation (``_lerp``), repeated edges dropped."""
    below, above, gamma = rank_positions(n, n_classes)
    a = np.asarray(ordered(below), dtype=float)
    b = np.asarray(ordered(above), dtype=float)
    diff = b - a
    edges = np.where(gamma >= 0.5, b - diff * (1 - gamma), a + diff * gamma)
    unique = pd.unique(edges)
    return unique if len(unique) < len(edges) and len(edges) != 2 else edges


def edge_codes(ranks, edges: np.ndarray):
    """qcut's bin of each rank (right-closed bins, the lowest edge included): the count of inner edges below it;
    ``ranks`` an array, or an engine's expression (then the bin number as an expression)."""
    inner = [float(e) for e in edges[1:-1]]
    if isinstance(ranks, np.ndarray):
        return (ranks[:, None] > np.asarray(inner)[None, :]).sum(axis=1) if inner else np.zeros(len(ranks), int)
    code = 0
    for e in inner:  # a few edges: one expression
        code = (ranks > e).cast("int64") + code
    return code


@dataclass(frozen=True, eq=False)
class NonresponseStep:
    """A recorded weighting-class nonresponse adjustment.

    residualize: z - w1 * m_c + w0 * m_c, with m_c the w0-weighted mean over respondents of z / w1 in the
    class and w0 the weights of all sampled units before adjustment (the second term is the linearised
    contribution of the estimated class size; dropped when ``variance == "fixed"``).
    """

    codes: np.ndarray
    k: int
    responded: np.ndarray
    w0: np.ndarray
    w1: np.ndarray
    variance: str = "estimated"
    classes: str = ""
    class_names: tuple[str, ...] = ()

    def residualize(self, z: np.ndarray) -> np.ndarray:
        """Residuals of weighted influence values ``z`` (n,) or (n, k) under the class adjustment."""
        z2 = z[:, None] if z.ndim == 1 else z
        w0r = self.w0 * self.responded
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(self.w1 > 0, w0r / self.w1, 0.0)
        den = group_totals(self.codes, self.k, w0r)
        num = group_totals(self.codes, self.k, z2 * ratio[:, None])
        with np.errstate(divide="ignore", invalid="ignore"):
            m = np.where(den[:, None] > 0, num / den[:, None], 0.0)
        out = z2 - m[self.codes] * self.w1[:, None]
        if self.variance == "estimated":
            out = out + m[self.codes] * self.w0[:, None]
        return out[:, 0] if z.ndim == 1 else out

    def linear_form(self) -> LinearForm:
        """:meth:`residualize` as z - (class indicator (w1 - w0)) (class means of z / w1 over respondents'
        w0); w0 left out when the class sizes count as fixed."""
        w0r = self.w0 * self.responded
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(self.w1 > 0, w0r / self.w1, 0.0)
        den = group_totals(self.codes, self.k, w0r)
        back = self.w1 - self.w0 if self.variance == "estimated" else self.w1
        return LinearForm(reader=indicator(self.codes, ratio, len(den)), writer=indicator(self.codes, back, len(den)),
                          solve=cell_means(den))

    def describe(self) -> str:
        """The step in plain words, for design printouts and weight summaries."""
        within = self.classes if "propensity" in self.classes else f"the {self.k} classes of {self.classes}"
        return f"adjusted for nonresponse within {within} (nonrespondents leave the design)"
