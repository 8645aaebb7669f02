"""Confidence intervals for proportions, every method of R survey 4.1's ``svyciprop``, and the NCHS
presentation flags built on the Korn-Graubard interval.

A proportion is the weighted mean of a 0/1 column (a level of a categorical variable, or a 0/1 number); its SE
is the mean's (linearised or replicate), as R reports it for every method. The interval differs:

- ``"logit"``: a t interval for logit(p) mapped back; R fits ``svyglm(y ~ 1, quasibinomial)``, so on a
  replicate design logit(p) is recomputed under every replicate weight (not the delta method).
- ``"xlogit"``: the same on the logit scale through the delta method (``svycontrast``), on any design.
- ``"asin"``: a t interval for asin(sqrt(p)) (delta method), mapped back with sin².
- ``"mean"``: the Wald t interval of the mean.
- ``"beta"``: Korn and Graubard's (1998) Clopper-Pearson interval on the effective sample size
  p(1-p)/var(p), times (t_{n-1} / t_df)² (n = the rows of the design).
- ``"likelihood"``: the Rao-Scott scaled profile likelihood. R profiles the binomial deviance on a grid (at most
  nine steps of a fifth of the critical value each way), fits an FMM cubic spline through it and interpolates
  linearly where it crosses the scaled cut-off; we do the same, step for step (IRLS included), so that the
  interval equals R's (the exact root of the profile, :func:`exact_likelihood_root`, differs from it by 1e-7 to
  3e-6 relative on the API samples). R has no likelihood interval on replicate designs (it returns NA); we refuse them.

``nchs=True`` adds the NCHS Data Presentation Standards for Proportions (Parker et al. 2017, Vital Health Stat
2(175)) to a Korn-Graubard interval: sample size n, effective sample size n/deff (n when deff < 1 or p is 0 or
1), the absolute and relative interval width, and the two outcomes the standards define: ``suppress`` (effective
n below 30, width 0.30 or more, or width above 0.05 with a relative width above 130%) and ``review`` (fewer
than 8 degrees of freedom, or p of 0 or 1), with the reasons in words. For p of 0 or 1 the standards take
the design effect as 1, so the interval is Clopper-Pearson's on the sample size (R's beta interval is NaN). R survey has no such flags; they are
tested against the standard's rules computed by hand.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from careersurvey.estimation.codes import MissingCodeError, refuse_missing_codes
from careersurvey.estimation.estimators import (
    EstimateError, Variables, _as_names, _prepare, _refuse_not_proportions, analysis_variables, assemble_domains,
    by_domains, design_df, estimate, mean_estimate, require_columns,
)
from careersurvey.estimation.frames import logit_interval, result_frame, t_quantile
from careersurvey.estimation.variance import one_blas_thread

METHODS = ("logit", "likelihood", "asin", "beta", "mean", "xlogit")


@one_blas_thread
def ciprop(design, variables, method: str = "logit", na_rm: bool = False, by=None, level: float = 0.95,
           df: float | None = None, nchs: bool = False) -> pd.DataFrame:
    """Proportions of each level (or of a 0/1 number) with R's ``svyciprop(method=)`` interval; ``df`` the
    t degrees of freedom (default the design df, as R); ``nchs`` adds the NCHS flags (``method="beta"``)."""
    check_method(method, nchs)
    if by is not None:
        fast = _by_grouped(design, by, variables, method, na_rm, level, df, nchs)
        return fast if fast is not None else by_domains(
            design, by, lambda d: ciprop(d, variables, method=method, na_rm=na_rm, level=level, df=df, nchs=nchs))
    nrow = design_rows(design)  # R's nrow(design), before na_rm leaves rows out
    d, V = _prepare(design, _as_names(variables), na_rm)
    _refuse_not_proportions(V, d.w, method=method)
    p, vcov = mean_estimate(d, V)
    design_dof = design_df(design)  # R: degf of the design given, before na_rm
    dof = design_dof if df is None else float(df)
    ci = None
    if method == "logit" and d.replicates is not None:
        ci = _replicate_logit(d, V, p, dof, level)
    elif method == "likelihood":
        if d.replicates is not None:
            raise EstimateError(LIKELIHOOD_ON_REPLICATES)
        ci = np.array([_likelihood(d, col, pj, vj, dof, level, design, V.missing)
                       for col, pj, vj in zip(V.columns, p, np.diag(vcov))]).T
    counts = [_count(d, col) for col in V.columns] if nchs else None
    return interval_frame(V.names, p, vcov, method, dof, design_dof, nrow, np.count_nonzero(d.w), counts, level, ci)


def check_method(method: str, nchs: bool) -> None:
    """One of R's svyciprop methods; the NCHS flags only with the Korn-Graubard interval."""
    if method not in METHODS:
        raise EstimateError(f"method={method!r}: use one of {', '.join(METHODS)} (R's svyciprop methods)")
    if nchs and method != "beta":
        raise EstimateError(f"nchs=True applies the NCHS standards, which rest on the Korn-Graubard interval: "
                            f"use method='beta' (got {method!r}).")


LIKELIHOOD_ON_REPLICATES = ("method='likelihood' needs a linearised design: R's profile likelihood has no "
                            "replicate-weight version (it gives NA). Use 'logit' or 'beta' on replicate designs.")


def interval_frame(names, p, vcov, method: str, dof: float, design_dof: float, nrow: int, nobs: int, counts,
                    level: float, ci=None) -> pd.DataFrame:
    """One domain's (or the design's) result frame from its proportions and their covariance: the interval of
    ``method`` (``ci`` when computed already: replicate logit, likelihood), deff over the SRS variance, and the
    NCHS columns when ``counts`` (the sample size of each proportion) are given."""
    var = np.diag(vcov)
    se = np.sqrt(var)
    if ci is not None:
        lo, hi = ci
    elif method in ("logit", "xlogit"):
        lo, hi = logit_interval(p, se, dof, level)
    elif method == "mean":
        t = t_quantile(dof, level)
        lo, hi = p - t * se, p + t * se
    elif method == "asin":
        t = t_quantile(dof, level)
        with np.errstate(divide="ignore", invalid="ignore"):
            centre, half = np.arcsin(np.sqrt(p)), t * se / (2 * np.sqrt(p * (1 - p)))
        lo, hi = np.sin(centre - half) ** 2, np.sin(centre + half) ** 2
    else:  # beta
        lo, hi = korn_graubard(p, var, nrow, design_dof, level)
    with np.errstate(divide="ignore", invalid="ignore"):
        deff = var / (p * (1 - p) / max(nobs - 1, 1))  # over the SRS variance, n/(n-1) as R
    frame = result_frame(names, p, vcov, dof, deff=deff, level=level, ci=(lo, hi), statistic="proportion",
                         interval="logit" if method == "logit" else f"ciprop-{method}")
    if counts is not None:
        lo, hi = _nchs_edges(p, var, (lo, hi), counts, nrow, design_dof, level)
        frame["ci_low"], frame["ci_high"] = lo, hi
        for key, values in nchs_flags(p, var, (lo, hi), counts, dof).items():
            frame[key] = values
    return frame


def _by_grouped(design, by, variables, method: str, na_rm: bool, level: float, df, nchs: bool):
    """``by=`` of every method but the likelihood (which refits per domain) in one grouped pass of the domains'
    means (:mod:`.domains`); None where the per-domain path must run."""
    from careersurvey.estimation.domains import domain_df, estimates, replicate_logit

    if method == "likelihood":
        return None
    by_cols = _as_names(by)
    require_columns(design.data, by_cols, "by variable")
    refuse_missing_codes(design, by_cols, "by variable")
    V = analysis_variables(design.data, _as_names(variables))
    try:
        refuse_missing_codes(design, _as_names(variables))
    except MissingCodeError:
        return None  # the per-domain path names the codes in the first domain that holds them
    est = estimates(design, by_cols, "mean", V, na_rm=na_rm,
                    check=lambda V, w, code: _refuse_not_proportions(V, w, code, method=method))
    if est is None:
        return None
    dom, G = est.domains, est.domains.n
    before = dom.code  # R: the df and rows of each domain's design, before na_rm
    design_dofs = domain_df(design, before, G) if before is not est.code else est.df
    nrows = np.bincount(before[before >= 0], minlength=G) if not design.adjustments else np.full(G, len(design))
    k = len(V.names)
    frames = []
    for g in range(G):
        vcov = np.diag(est.var[g * k:(g + 1) * k])  # each domain's frame carries its variances only
        dof = design_dofs[g] if df is None else float(df)
        ci = None
        if method == "logit" and design.replicates is not None:
            ci = replicate_logit(design.replicates, est.thetas[g:g + 1], est.theta[g:g + 1], np.full(k, dof), level)
        counts = [int(np.count_nonzero((est.code == g) & ~np.isnan(col))) for col in V.columns] if nchs else None
        frames.append(interval_frame(V.names, est.theta[g], vcov, method, dof, design_dofs[g], int(nrows[g]),
                                      int(est.nobs[g]), counts, level, ci))
    return assemble_domains(frames, dom.labels, by_cols, by)


def _nchs_edges(p, var, ci, n, nrow: int, df: float, level: float):
    """The NCHS rule for an estimate of 0 or 1 (no variance): the design effect is taken as 1, so the
    Korn-Graubard interval is Clopper-Pearson's on the sample size, df-adjusted (R's beta gives NaN there)."""
    lo, hi = (np.array(c, dtype=float) for c in ci)
    alpha = 1 - level
    adjust = (stats.t.ppf(alpha / 2, nrow - 1) / stats.t.ppf(alpha / 2, df)) ** 2
    for j in range(len(p)):
        if p[j] in (0.0, 1.0) or not var[j] > 0:
            m = n[j] * adjust
            x = m * p[j]
            lo[j] = 0.0 if x == 0 else stats.beta.ppf(alpha / 2, x, m - x + 1)
            hi[j] = 1.0 if x == m else stats.beta.ppf(1 - alpha / 2, x + 1, m - x)
    return lo, hi


def design_rows(d) -> int:
    """R's ``nrow(design)``: the rows the design holds (an uncalibrated domain drops the others)."""
    return int(d.active.sum()) if d.active is not None else len(d)


def _count(d, col: np.ndarray) -> int:
    """The sample size of a proportion: rows of non-zero weight with an answer."""
    return int(np.count_nonzero((d.w != 0) & ~np.isnan(col)))


def korn_graubard(p, var, nrow: int, df: float, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """R's ``svyciprop(method="beta")``: Clopper-Pearson on n_eff = p(1-p)/var · (t_{nrow-1}/t_df)²."""
    p, var = np.asarray(p, dtype=float), np.asarray(var, dtype=float)
    alpha = 1 - level
    with np.errstate(divide="ignore", invalid="ignore"):
        n_eff = p * (1 - p) / var * (stats.t.ppf(alpha / 2, nrow - 1) / stats.t.ppf(alpha / 2, df)) ** 2
        lo = stats.beta.ppf(alpha / 2, n_eff * p, n_eff * (1 - p) + 1)
        hi = stats.beta.ppf(1 - alpha / 2, n_eff * p + 1, n_eff * (1 - p))
    return lo, hi


def _replicate_logit(d, V: Variables, p: np.ndarray, df: float, level: float):
    """R's logit interval on a replicate design: svyglm refits logit(p) under every replicate weight."""
    def point(W):
        means = V.tdot(W) / W.sum(axis=0)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log(means / (1 - means))

    with np.errstate(divide="ignore", invalid="ignore"):  # a replicate with p of 0 or 1: R's NA, no warning
        eta, vcov = estimate(d, point, None)
    t = t_quantile(df, level)
    se = np.sqrt(np.diag(vcov))
    return 1 / (1 + np.exp(-(eta - t * se))), 1 / (1 + np.exp(-(eta + t * se)))


# -- the likelihood interval, as R computes it ----------------------------------------------------------------------
def _likelihood(d, y: np.ndarray, p: float, var: float, df: float, level: float, given,
                missing: np.ndarray) -> tuple[float, float]:
    """R's ``confint(svyglm(y ~ 1, quasibinomial), method="likelihood", ddf=df)`` mapped back with expit; ``d``
    the design after na_rm, ``given`` as given (svyglm is handed it: its prior weights are over its rows),
    ``missing`` its rows without an answer."""
    if not 0 < p < 1:
        return (np.nan, np.nan)
    return likelihood_interval(ProfileSums.of_rows(d, y, given, missing), p, var, df, level)


def likelihood_interval(sums: ProfileSums, p: float, var: float, df: float, level: float) -> tuple[float, float]:
    """The likelihood interval from the fit's sums (:class:`ProfileSums`), the proportion and its variance."""
    if not 0 < p < 1:
        return (np.nan, np.nan)
    fit = _ProfileFit.of(sums, p, var)
    lam = fit.se**2 / fit.naive  # design over model-based (naive) variance of the intercept
    alpha = stats.norm.cdf(stats.t.ppf((1 - level) / 2, df) * math.sqrt(lam)) / 2 if df > 0 else np.nan
    # R's sqrt(qf(alpha, 1, n - 1, lower.tail = FALSE)) as |t|: an F(1, m) is a squared t(m), and scipy's F
    # quantile is inf below alpha ~ 1e-17 (small domains of weighted designs reach 1e-23), where t's is exact
    zmax = float(stats.t.isf(alpha / 2, sums.n - 1))
    xs, zs = [fit.eta], [0.0]
    for sign in (-1, 1):  # MASS's profile.glm as survey copies it: steps of zmax/5 SEs, up to 9 each way
        step, z = 0, 0.0
        while step + 1 < 10 and abs(z) < zmax:
            step += 1
            b = fit.eta + sign * step * (zmax / 5) * fit.se
            z = sign * math.sqrt(max(fit.z2(b), 0.0))
            xs.append(b)
            zs.append(z)
    order = np.argsort(zs, kind="stable")
    xs, zs = np.array(xs)[order], np.array(zs)[order]
    grid = np.linspace(xs.min(), xs.max(), 3 * len(xs))  # R's spline(): n = 3 length(x) points
    curve = fmm_spline(xs, zs)(grid)
    cut = stats.norm.ppf(2 * alpha)
    lo, hi = np.interp([cut, -cut], curve, grid, left=np.nan, right=np.nan)  # R's approx(), rule 1
    return 1 / (1 + math.exp(-lo)), 1 / (1 + math.exp(-hi))


def first_step_terms(y, wt, log):
    """Per row, R's glm.fit start for ``y ~ 1`` (binomial, prior weights ``wt``, y 0/1) and its first IRLS step:
    (working weight times working response, working weight, deviance at the start). Numpy arrays or engine
    expressions alike (``log`` the matching natural logarithm): the rows' sums are all the step needs."""
    mu = (wt * y + 0.5) / (wt + 1)
    v = mu * (1 - mu)
    work = wt * v
    return work * (log(mu / (1 - mu)) + (y - mu) / v), work, 2 * wt * (y * -log(mu) + (1 - y) * -log(1 - mu))


@dataclass(frozen=True)
class ProfileSums:
    """All the profile of ``svyglm(y ~ 1, quasibinomial)`` reads of its rows (y 0/1, present): their number
    ``n``, the mean sampling weight over the design's rows as given (R's prior weights are the weights over it,
    rows without an answer included), the sampling weights of the rows with y = 1 and y = 0, the rows of
    non-zero weight, the sums of the first IRLS step's terms (:func:`first_step_terms` with the prior weights),
    and ``fit_rows``: the rows of the design once those without an answer are dropped (a weighted design keeps
    them at weight 0, as R's ``[`` of a calibrated design; otherwise the answered rows). R's Pearson residuals
    carry sqrt(prior weight / sampling weight over its mean on those rows): a constant, 1 without missing answers."""

    n: int
    mean_w: float
    w1: float
    w0: float
    nz: int
    first: tuple[float, float, float]
    fit_rows: int

    @classmethod
    def of_rows(cls, d, y: np.ndarray, given=None, missing: np.ndarray | None = None) -> ProfileSums:
        """From the rows of ``d`` (the design after na_rm); ``given``: the design as given (default ``d``);
        ``missing``: the rows without an answer (a weighted design's ``n`` is the table's answered rows, as R's
        model frame of all its rows)."""
        given = d if given is None else given
        mean_w = float(given.w[_held(given)].mean())
        held = _held(d)
        w_all = d.w[held]
        y = y[held]
        keep = ~np.isnan(y)
        y, w = y[keep], w_all[keep]
        first = tuple(float(np.sum(t)) for t in first_step_terms(y, w / mean_w, np.log))
        fit_rows = len(w_all) if d.adjustments else len(y)
        n = int(np.count_nonzero(~missing)) if d.adjustments and missing is not None else len(y)
        return cls(n, mean_w, float(w @ y), float(w @ (1 - y)), int(np.count_nonzero(w)), first, fit_rows)

    @property
    def residual_scale(self) -> float:
        """R's wts / pwts in the Pearson residuals (squared in the dispersion): the fit rows' mean sampling weight
        over the prior weights' mean."""
        return (self.w1 + self.w0) / self.fit_rows / self.mean_w


def _held(d) -> np.ndarray:
    return np.ones(len(d), dtype=bool) if d.active is None else d.active


@dataclass(frozen=True)
class _ProfileFit:
    """What R's profile reads: the intercept as R's IRLS leaves it (glm.fit, epsilon 1e-8), the model-based
    variance from the IRLS weights of its last iteration, the design SE, the dispersion (svyvar of the Pearson
    residuals, as summary.svyglm) and the prior-weighted sums of y = 1 and y = 0 the deviance is made of."""

    swy: float
    sw1y: float
    eta: float
    naive: float
    se: float
    dispersion: float
    deviance0: float

    @classmethod
    def of(cls, sums: ProfileSums, p: float, var: float) -> _ProfileFit:
        swy, sw1y = sums.w1 / sums.mean_w, sums.w0 / sums.mean_w
        eta, naive_weight = _irls(sums.first, swy, sw1y)
        mu = 1 / (1 + math.exp(-eta))
        # svyglm's Pearson residuals carry no prior weights: two values, (1 - mu)/s and -mu/s
        r1, r0 = (1 - mu) / math.sqrt(mu * (1 - mu)), -mu / math.sqrt(mu * (1 - mu))
        W = sums.w1 + sums.w0
        m = (sums.w1 * r1 + sums.w0 * r0) / W
        dispersion = ((sums.w1 * (r1 - m) ** 2 + sums.w0 * (r0 - m) ** 2) / W * sums.nz / (sums.nz - 1)
                      * sums.residual_scale)
        return cls(swy, sw1y, eta, 1 / naive_weight, math.sqrt(var) / (p * (1 - p)), dispersion,
                   _deviance(swy, sw1y, eta))

    def z2(self, eta: float) -> float:
        """The squared profile statistic at ``eta``: deviance increase over the dispersion."""
        return (_deviance(self.swy, self.sw1y, eta) - self.deviance0) / self.dispersion


def _deviance(swy: float, sw1y: float, eta: float) -> float:
    """The binomial deviance of a constant ``eta`` from the prior-weighted sums of y = 1 and y = 0."""
    mu = 1 / (1 + math.exp(-eta))
    return -2 * (swy * math.log(mu) + sw1y * math.log(1 - mu))


def _irls(first: tuple[float, float, float], swy: float, sw1y: float, epsilon: float = 1e-8,
          maxit: int = 25) -> tuple[float, float]:
    """R's glm.fit for ``y ~ 1``, binomial: the first step from its sums (the start varies by row), later steps
    at a constant mu in closed form; the final intercept and the sum of the last iteration's working weights
    (what the fit's QR, hence ``summary.glm``'s covariance, was made at)."""
    work_z, work, dev_old = first
    sw = swy + sw1y
    coef, weight = work_z / work, work
    for it in range(maxit):
        if it:
            mu = 1 / (1 + math.exp(-coef))
            v = mu * (1 - mu)
            coef, weight = coef + (swy - mu * sw) / (v * sw), sw * v  # sum(work z) / sum(work) at mu
        dev = _deviance(swy, sw1y, coef)
        if abs(dev - dev_old) / (abs(dev) + 0.1) < epsilon:
            break
        dev_old = dev
    return coef, weight


def fmm_spline(x: np.ndarray, y: np.ndarray):
    """R's ``spline(method = "fmm")``: Forsythe, Malcolm and Moler's cubic spline (end conditions from third
    divided differences), as R's C code builds and evaluates it; returns the function of new x."""
    n = len(x)
    b, c, d = np.zeros(n), np.zeros(n), np.zeros(n)
    if n < 3:
        b[:] = (y[1] - y[0]) / (x[1] - x[0])
    else:
        d[0] = x[1] - x[0]
        c[1] = (y[1] - y[0]) / d[0]
        for i in range(1, n - 1):
            d[i] = x[i + 1] - x[i]
            b[i] = 2 * (d[i - 1] + d[i])
            c[i + 1] = (y[i + 1] - y[i]) / d[i]
            c[i] = c[i + 1] - c[i]
        b[0], b[-1] = -d[0], -d[n - 2]
        c[0] = c[-1] = 0.0
        if n > 3:
            c[0] = c[2] / (x[3] - x[1]) - c[1] / (x[2] - x[0])
            c[-1] = c[n - 2] / (x[n - 1] - x[n - 3]) - c[n - 3] / (x[n - 2] - x[n - 4])
            c[0] = c[0] * d[0] ** 2 / (x[3] - x[0])
            c[-1] = -c[-1] * d[n - 2] ** 2 / (x[n - 1] - x[n - 4])
        for i in range(1, n):  # Gaussian elimination
            t = d[i - 1] / b[i - 1]
            b[i] -= t * d[i - 1]
            c[i] -= t * c[i - 1]
        c[-1] /= b[-1]
        for i in range(n - 2, -1, -1):  # back substitution
            c[i] = (c[i] - d[i] * c[i + 1]) / b[i]
        b[-1] = (y[-1] - y[-2]) / d[n - 2] + d[n - 2] * (c[n - 2] + 2 * c[-1])
        for i in range(n - 1):
            b[i] = (y[i + 1] - y[i]) / d[i] - d[i] * (c[i + 1] + 2 * c[i])
            d[i] = (c[i + 1] - c[i]) / d[i]
            c[i] = 3 * c[i]
        c[-1] *= 3
        d[-1] = d[n - 2]

    def evaluate(u: np.ndarray) -> np.ndarray:
        i = np.clip(np.searchsorted(x, u, side="right") - 1, 0, n - 1)
        dx = u - x[i]
        return y[i] + dx * (b[i] + dx * (c[i] + dx * d[i]))

    return evaluate


def exact_likelihood_root(d, variable: str, level: float = 0.95) -> tuple[float, float]:
    """The exact ends of the scaled profile-likelihood interval of a 0/1 ``variable`` (roots of the profile, no
    grid or spline), to show how far R's interpolation is from them; (low, high) on the proportion scale."""
    from scipy.optimize import brentq

    d2, V = _prepare(d, [variable], False)
    p, vcov = mean_estimate(d2, V)
    fit = _ProfileFit.of(ProfileSums.of_rows(d2, V.columns[0]), float(p[0]), float(vcov[0, 0]))
    cut = -stats.t.ppf((1 - level) / 2, design_df(d2)) * fit.se / math.sqrt(fit.naive)

    def z(eta: float) -> float:
        return math.copysign(math.sqrt(max(fit.z2(eta), 0.0)), eta - fit.eta)

    lo = brentq(lambda e: z(e) + cut, fit.eta - 50 * fit.se, fit.eta)
    hi = brentq(lambda e: z(e) - cut, fit.eta, fit.eta + 50 * fit.se)
    return 1 / (1 + math.exp(-lo)), 1 / (1 + math.exp(-hi))


# -- NCHS presentation standards -------------------------------------------------------------------------------
def nchs_flags(p, var, ci, n, df: float) -> dict[str, list]:
    """The NCHS standards for proportions (Parker et al. 2017) from a Korn-Graubard interval ``ci``."""
    p, var = np.asarray(p, dtype=float), np.asarray(var, dtype=float)
    lo, hi = (np.asarray(c, dtype=float) for c in ci)
    out: dict[str, list] = {"n": [], "n_eff": [], "ci_width": [], "rel_width": [], "suppress": [], "review": [],
                            "reason": []}
    for j in range(len(p)):
        nj = int(n[j])
        edge = p[j] in (0.0, 1.0) or not var[j] > 0
        n_eff = float(nj) if edge else min(float(nj), p[j] * (1 - p[j]) / var[j])
        width = hi[j] - lo[j]
        rel = width / p[j] if p[j] > 0 else np.nan
        suppress, review = [], []
        if n_eff < 30:
            suppress.append(f"effective sample size {n_eff:.1f} is below 30")
        if width >= 0.30:
            suppress.append(f"interval width {width:.3f} is 0.30 or more")
        elif width > 0.05 and rel > 1.30:
            suppress.append(f"relative interval width {rel:.0%} is above 130%")
        if df < 8:
            review.append(f"{df:g} degrees of freedom (fewer than 8)")
        if edge:
            review.append("the estimate is 0 or 1")
        out["n"].append(nj)
        out["n_eff"].append(n_eff)
        out["ci_width"].append(width)
        out["rel_width"].append(rel)
        out["suppress"].append(bool(suppress))
        out["review"].append(bool(review))
        out["reason"].append("; ".join(["suppress: " + s for s in suppress] + ["review: " + r for r in review]))
    return out
