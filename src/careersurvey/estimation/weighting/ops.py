"""Weighting steps on a SurveyDesign: each returns a new design that records the step.

These are the bodies of ``d.poststratify``, ``d.rake``, ``d.calibrate``, ``d.trim``,
``d.adjust_nonresponse``, ``d.replicate``, ``d.weight_summary`` and ``SurveyDesign.from_replicates``. On a
replicate design every replicate column is weighted the same way as the main weights (so replicate variances
include the weighting); on a linearisation design the recorded step turns influence values into the
residuals R's ``svyrecvar`` uses.

``rake`` and ``calibrate`` take ``scope=``: the rows the targets describe (an expression as ``d.subset`` takes
it, or a boolean mask). Rows outside keep their weights: their rows of the calibration model matrix are zero,
so g = 1 for them under every distance and their influence values pass the calibration residuals unchanged,
which is R's ``calibrate`` with a model matrix that is zero outside the covered population.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import replace
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from careersurvey.estimation.codes import refuse_missing_codes
from careersurvey.estimation.weighting import replicate as _rep
from careersurvey.estimation.weighting.calibrate import (Bounds, CalibrationStep, METHODS, check_bounds_feasible,
                                              not_converged, solve_g, trim_g, unit_means)
from careersurvey.estimation.weighting.diagnostics import ALL, WeightSummary, step_words, summarize
from careersurvey.estimation.weighting.errors import WeightingError
from careersurvey.estimation.weighting.estimated import column_se, perturbed_targets
from careersurvey.estimation.weighting.margins import build_model, factorize, frozen, group_totals, level_key
from careersurvey.estimation.weighting.nonresponse import (NonresponseStep, check_arguments, class_factors,
                                                class_labels, fit_propensity, no_respondents, propensity_classes,
                                                propensity_labels, propensity_rhs, response_indicator)
from careersurvey.estimation.weighting.rake import PostStratStep, RakeStep, poststratify_factors, rake_factors
from careersurvey.estimation.weighting.trim import TrimStep, trim_weights


def _rep_weights(d) -> np.ndarray | None:
    """The design's replicate weights (n, R), or None."""
    reps = d.replicates
    return None if reps is None else np.asarray(reps.weights, dtype=float)


def _scope_mask(d, scope) -> np.ndarray | None:
    """The rows a weighting step covers (None: all), from an expression, a boolean mask or a Series."""
    if scope is None:
        return None
    inside = d.evolve(domain=None).subset(scope).domain  # the design's own condition parsing, domain aside
    if not inside.any():
        raise WeightingError(f"scope {scope if isinstance(scope, str) else 'mask'!r} covers no row: nothing to "
                             "weight. Check the condition (a missing answer makes every comparison false)")
    return None if inside.all() else inside


def _refuse_codes(d, variables, inside: np.ndarray | None = None, what: str = "margin") -> None:
    """No weighting step reads a margin, total or class column that holds one of the design's missing codes."""
    if not d.missing_codes:
        return
    names: list[str] = []
    for v in variables:
        if isinstance(v, str):
            names.append(v)
        elif isinstance(v, (tuple, list)):
            names.extend(str(x) for x in v)
    rows = d.w != 0 if inside is None else (d.w != 0) & inside
    refuse_missing_codes(d, [n for n in names if n != "(Intercept)"], what, rows=rows)


def _rows(values, inside: np.ndarray | None):
    """``values`` (array or DataFrame) restricted to the rows in scope."""
    if inside is None:
        return values
    return values.loc[inside] if isinstance(values, pd.DataFrame) else values[inside]


def _embed(values: np.ndarray, inside: np.ndarray | None, n: int, fill: float) -> np.ndarray:
    """Rows in scope back into all ``n`` rows, ``fill`` elsewhere (1 for factors, 0 for model rows)."""
    if inside is None:
        return values
    out = np.full((n,) + values.shape[1:], fill, dtype=float)
    out[inside] = values
    return out


def _evolve(d, w_new: np.ndarray, step: Any, rep_new: np.ndarray | None, keep_degf: bool = True, **extra: Any):
    """The design with new weights, the step appended to its history, and new replicate weights (their
    degrees of freedom kept, or recomputed when not ``keep_degf``, as R's step does)."""
    changes: dict[str, Any] = {"weights": w_new, "adjustments": tuple(d.adjustments) + (step,)}
    if rep_new is not None:
        changes["replicates"] = d.replicates.with_weights(rep_new, keep_degf=keep_degf)
    changes.update(extra)
    return d.evolve(**changes)


# -- post-stratification ----------------------------------------------------------------------------------
def poststratify(d, variables: str | Sequence[str], totals: Mapping[Any, float] | pd.DataFrame,
                 partial: bool = False):
    """R's ``postStratify``: weights times population / weighted sample count of each row's cell.

    ``variables`` one column or several (cells are their combinations); ``totals`` a mapping level ->
    total (tuple levels for several variables) or a DataFrame with the variables and a ``Freq`` column.
    ``partial`` (R's ``partial = TRUE``): population cells without a sample row are left out, with a warning
    naming them, instead of an error (the weights then sum to less than the population).
    """
    var: str | tuple[str, ...] = variables if isinstance(variables, str) else tuple(variables)
    if isinstance(totals, pd.DataFrame):
        cols = [var] if isinstance(var, str) else list(var)
        freq = [c for c in totals.columns if c not in cols]
        if len(freq) != 1:
            raise WeightingError(f"post-stratification totals need the columns {cols} and one count column "
                                 f"(e.g. 'Freq'); got {list(totals.columns)}")
        keys = totals[cols[0]] if isinstance(var, str) else list(zip(*(totals[c] for c in cols)))
        totals = dict(zip(keys, totals[freq[0]].astype(float)))
    _refuse_codes(d, [var])
    w = d.w
    if partial:
        totals = _cells_in_sample(d, var, totals, w)
    model = build_model(d.named_data, {var: totals}, w)
    m = model.margins[0]
    factor = poststratify_factors(m.codes, len(m.levels), m.totals, w)
    w_new = w * factor
    rw = _rep_weights(d)
    rep_new = None if rw is None else rw * poststratify_factors(m.codes, len(m.levels), m.totals, rw, m.labels())
    step = PostStratStep(variable=m.name, levels=m.levels, totals=m.totals, codes=m.codes, w_old=w, w_new=w_new,
                         spec=frozen({var: dict(totals)}))
    return _evolve(d, w_new, step, rep_new, keep_degf=False)  # R's postStratify recomputes degf


def _cells_in_sample(d, var, totals: Mapping[Any, float], w: np.ndarray) -> dict:
    """The post-stratification cells that hold a row of positive weight; a warning names those left out."""
    codes, observed = factorize(d.named_data, var)
    held = {level_key(observed[c]) for c in np.unique(codes[(w > 0) & (codes >= 0)])}
    kept = {k: v for k, v in totals.items() if level_key(k) in held}
    gone = [k for k in totals if level_key(k) not in held and float(totals[k]) > 0]
    if gone:
        warnings.warn(f"post-stratification on {var}: cells {', '.join(map(str, gone))} have a population total "
                      f"({sum(float(totals[k]) for k in gone):,.6g} in all) but no sample row; left out "
                      "(partial=True, as R's postStratify)", stacklevel=4)
    return kept


# -- raking -----------------------------------------------------------------------------------------------
def rake(d, margins: Mapping[Any, Mapping[Any, float]], max_iter: int = 100, tol: float = 1e-10,
         scope: str | np.ndarray | pd.Series | None = None):
    """Raking (iterative proportional fitting) to categorical margins; weights as R's ``rake()``.

    Converged when a whole cycle changes no margin level by more than ``tol`` (relative); otherwise an
    error says after how many iterations and how far off. The recorded step (:class:`.rake.RakeStep`)
    gives R's ``rake()`` variances: margin-by-margin removal of level means, not the GREG residuals of
    ``calibrate(method="raking")``. ``scope``: only these rows are raked (see the
    module docs); the others keep their weights and may have no margin level.
    """
    numeric = [k for k, v in margins.items() if not isinstance(v, Mapping)]
    if numeric:
        raise WeightingError(f"rake() takes categorical margins {{variable: {{level: total}}}}; {numeric} "
                             "are numbers: use d.calibrate(..., method='raking') for numeric totals")
    w = d.w
    n = len(w)
    inside = _scope_mask(d, scope)
    _refuse_codes(d, list(margins), inside)
    w_in = _rows(w, inside)
    model = build_model(_rows(d.named_data, inside), margins, w_in)
    codes = [m.codes for m in model.margins]
    sizes = [len(m.levels) for m in model.margins]
    targets = [m.totals for m in model.margins]
    res = rake_factors(codes, sizes, targets, w_in, tol=tol, max_iter=max_iter)
    if not res.converged:
        raise _rake_error(model, w_in * res.factor, res.iterations, res.misfit, max_iter, "")
    factor = _embed(res.factor, inside, n, 1.0)
    rw = _rep_weights(d)
    rep_new = None
    if rw is not None:
        rr = rake_factors(codes, sizes, targets, _rows(rw, inside), tol=tol, max_iter=max_iter)
        if not rr.converged:
            raise WeightingError(f"raking of the replicate weights did not converge after {rr.iterations} "
                                 f"iterations (relative misfit {rr.misfit:.3g}); collapse sparse levels")
        rep_new = rw * _embed(rr.factor, inside, n, 1.0)
    names, tvec = model.columns()
    step = RakeStep(method="raking", names=tuple(names), targets=tvec, w0=w, g=factor,
                    iterations=res.iterations, _matrix=_lazy_matrix(model, inside, n), spec=frozen(margins),
                    settings=frozen({"rake": True, "tol": tol, "max_iter": max_iter}), scope=inside,
                    margin_codes=tuple(_embed_codes(m.codes, len(m.levels), inside, n) for m in model.margins),
                    margin_sizes=tuple(sizes))
    return _evolve(d, w * factor, step, rep_new, keep_degf=False)  # R's rake: postStratify recomputes degf


def _embed_codes(codes: np.ndarray, k: int, inside: np.ndarray | None, n: int) -> np.ndarray:
    """Level codes over all ``n`` rows: ``k`` (no level) outside the scope."""
    if inside is None:
        return codes
    out = np.full(n, k, dtype=codes.dtype)
    out[inside] = codes
    return out


def _lazy_matrix(model, inside: np.ndarray | None, n: int):
    """The model matrix over all rows (zero outside the scope), built only when a variance asks for it."""
    if inside is None:
        return model.matrix
    return lambda: _embed(model.matrix(), inside, n, 0.0)


def _rake_error(model, w_new, iterations, misfit, max_iter, where) -> WeightingError:
    """The non-convergence error of raking, naming the margin level furthest from its target."""
    worst = ("", 0.0, 0.0, 0.0)
    for m in model.margins:
        ach = group_totals(m.codes, len(m.levels), w_new)
        with np.errstate(divide="ignore", invalid="ignore"):
            rel = np.where(m.totals > 0, np.abs(ach - m.totals) / m.totals, 0.0)
        j = int(rel.argmax())
        if rel[j] >= worst[1]:
            worst = (m.labels()[j], float(rel[j]), float(ach[j]), float(m.totals[j]))
    return WeightingError(
        f"raking{where} did not converge after {iterations} iterations (max_iter={max_iter}): {worst[0]} "
        f"reached {worst[2]:,.8g} against target {worst[3]:,.8g} (relative misfit {misfit:.3g}). Margins "
        f"with empty or tiny cross-cells converge slowly or not at all: collapse levels or raise max_iter")


# -- calibration ------------------------------------------------------------------------------------------
def calibrate(d, totals: Mapping[Any, Any], method: str = "linear",
              bounds: Bounds | tuple[float, float] | None = None, max_iter: int = 50, tol: float = 1e-7,
              population_total: float | None = None, target_se: Mapping[Any, Any] | None = None,
              scope: str | np.ndarray | pd.Series | None = None, aggregate_stage: int | None = None,
              variance: str | Sequence[float] | np.ndarray | None = None,
              trim: tuple[float, float] | None = None):
    """Calibration (R's ``calibrate``) to margins ``{var: {level: total}}`` and numeric totals ``{var: t}``.

    ``method`` "linear" (GREG), "raking" or "logit"; ``bounds`` = (lower, upper) on g = new / old weight,
    enforced by the distance (logit needs them). Non-convergence is an error naming the worst target.
    ``target_se`` (same shape as ``totals``) gives standard errors of estimated targets; their variance then
    enters every variance: through perturbed targets on replicate designs (see :mod:`.estimated`), through the
    step's ``extra_variance`` (B' V_T B) on linearisation designs. ``scope``: only
    these rows are calibrated (see the module docs); the others keep their weights.

    As R's ``calibrate``: ``aggregate_stage`` (R's ``aggregate.stage``) calibrates with the model matrix and the
    weights averaged within the units of that stage, so g is the same for every row of a unit (cluster-level
    weights); ``variance`` (a column or n values, R's ``variance=``) makes the calibration heteroscedastic, g =
    1 + F(x eta / variance), and for unbounded linear calibration the variance's regression weighted by 1 /
    variance too (R's ``regcalibrate``); ``trim`` = (lower, upper) clips g afterwards and shares what was cut
    over the other rows in proportion to their weights, once (R's ``trim=``; R skips it for unbounded linear
    calibration, which we do not).
    """
    if method not in METHODS:
        raise WeightingError(f"method={method!r}: use one of {', '.join(METHODS)}")
    b = Bounds.of(bounds, method)
    w = d.w
    inside = _scope_mask(d, scope)
    _refuse_codes(d, list(totals) if isinstance(totals, Mapping) else [], inside)
    model = build_model(_rows(d.named_data, inside), totals, _rows(w, inside), population_total=population_total)
    names, t = model.columns()
    x = _embed(model.matrix(), inside, len(w), 0.0)  # zero rows outside the scope: g = 1 there
    regression = method == "linear" and not b.finite  # R's regcalibrate: the variance function in the residuals
    sigma2 = _variance_function(d, variance)
    rw = _rep_weights(d)
    xs, ws = x, w
    if aggregate_stage is not None:
        if rw is not None:
            raise WeightingError("aggregate_stage= is for designs with stages; a replicate design has none left "
                                 "(R's calibrate of a replicate design takes aggregate.index instead)")
        unit = _stage_unit(d, aggregate_stage)
        xs, ws = unit_means(x, unit), unit_means(w, unit)
        if sigma2 is not None and regression:
            sigma2 = unit_means(sigma2, unit)
    check_bounds_feasible(xs, ws, t, names, b)
    res = solve_g(xs, ws, t, method, b, tol=tol, max_iter=max_iter, sigma2=sigma2)
    g, trimmed = (res.g, 0) if trim is None else trim_g(res.g, ws, trim)
    if not res.converged.all() and not trimmed:
        raise not_converged(res, xs, ws, t, names, method, b, max_iter)
    rep_new = None
    t_rep = t
    target_var = None
    if target_se is not None:
        se = column_se(model, names, target_se)
        target_var = se**2  # linearised: the step's extra_variance() adds B' V_T B to the design variance
        if rw is not None:  # replicates: each replicate calibrates to perturbed targets
            t_rep = perturbed_targets(t, se, d.replicates.scale, d.replicates.rscales)
    if rw is not None:
        rr = solve_g(x, rw, t_rep, method, b, tol=tol, max_iter=max_iter, sigma2=sigma2)
        rg, rtrimmed = (rr.g, 0) if trim is None else trim_g(rr.g, rw, trim)
        if not rr.converged.all() and not rtrimmed:
            raise not_converged(rr, x, rw, t_rep, names, method, b, max_iter)
        rep_new = rw * rg
    spec = dict(totals)
    if population_total is not None:
        spec["(Intercept)"] = population_total
    step = CalibrationStep(method=method, names=tuple(names), targets=t, w0=w, g=g, bounds=b,
                           iterations=int(res.iterations[0]), _matrix=xs, spec=frozen(spec),
                           settings=frozen({"rake": False, "tol": tol, "max_iter": max_iter,
                                            "population_total": population_total, "totals": totals,
                                            "target_se": target_se, "aggregate_stage": aggregate_stage,
                                            "variance": variance, "trim": trim}),
                           scope=inside, target_var=target_var,
                           basis_w=None if aggregate_stage is None else ws,
                           sigma2=sigma2 if regression else None)
    # R's regcalibrate (unbounded linear) recomputes the replicates' degrees of freedom; its grake path keeps them
    return _evolve(d, w * g, step, rep_new, keep_degf=not regression)


def _variance_function(d, variance) -> np.ndarray | None:
    """R's ``variance=`` of calibrate: a column or n positive values (None: homoscedastic)."""
    if variance is None:
        return None
    label = f"variance column {variance!r}" if isinstance(variance, str) else "variance"
    if isinstance(variance, str):
        if variance not in d.data.columns:
            raise WeightingError(f"calibrate(variance={variance!r}): no such column; give a column or n positive "
                                 "values, the calibration model's variance of each row (R's variance=)")
        _refuse_codes(d, [variance], what="variance column")
        values = pd.to_numeric(d.data[variance], errors="coerce").to_numpy(dtype=float)
    else:
        values = np.asarray(variance, dtype=float).reshape(-1)
        if len(values) != len(d.data):
            raise WeightingError(f"calibrate(variance=...) has {len(values)} values but the design has "
                                 f"{len(d.data)} rows; give one per row (or a column name)")
    bad = ~np.isfinite(values) | (values <= 0)
    if bad.any():
        from careersurvey.estimation.rows import rows_text

        raise WeightingError(f"calibrate: {label} must be positive numbers; {int(bad.sum())} row(s) are not "
                             f"({rows_text(d.named_data.index, bad)})")
    return values


def _stage_unit(d, stage: int) -> np.ndarray:
    """Each row's unit at sampling stage ``stage`` (1 = the PSUs)."""
    if not isinstance(stage, (int, np.integer)) or not 1 <= stage <= len(d.stages):
        raise WeightingError(f"aggregate_stage={stage!r}: the design has {len(d.stages)} stage(s); give 1 for "
                             "weights constant within PSUs" + (", 2 within second-stage units" if len(d.stages) > 1
                                                               else ""))
    return d.stages[stage - 1].unit


# -- trimming ---------------------------------------------------------------------------------------------
def trim(d, lower: float | None = None, upper: float | None = None, strict: bool = True):
    """R's ``trimWeights``: clip, redistribute equally; with ``strict`` (R's ``strict = TRUE``) repeat until
    inside the bounds, else once (R's default ``strict = FALSE``).

    ``lower``/``upper`` are weights (not ratios); None leaves that side open. On a replicate design every
    replicate column is trimmed the same way (R 4.1.1's ``trimWeights`` for replicate designs leaves the
    full-sample weights untrimmed, which we do not copy).
    """
    lower = -np.inf if lower is None else float(lower)
    upper = np.inf if upper is None else float(upper)
    w = d.w
    w_new, rounds = trim_weights(w, lower, upper, strict=strict)
    rw = _rep_weights(d)
    rep_new = None if rw is None else trim_weights(rw, lower, upper, strict=strict)[0]
    n_changed = int(((w > 0) & ((w < lower) | (w > upper))).sum())
    return _evolve(d, w_new, TrimStep(float(lower), float(upper), rounds, n_changed, w0=w, strict=bool(strict)),
                   rep_new)


# -- nonresponse ------------------------------------------------------------------------------------------
def adjust_nonresponse(d, responded: str | np.ndarray | pd.Series, classes: str | Sequence[str] | None = None,
                       propensity: Sequence[str] | str | None = None, n_classes: int = 5,
                       variance: str = "estimated"):
    """Weighting-class nonresponse adjustment; nonrespondents leave the design (as a domain, weight 0).

    Give ``classes`` (column(s) whose combinations are the classes) or ``propensity`` (covariate columns,
    or a formula right-hand side like ``"sector + C(age_group)"``) for ``n_classes`` equal-count classes of
    the design-weighted logistic response propensity. ``variance``: "estimated" (class sizes are
    estimates) or "fixed" (as R treats a respondents-only design post-stratified to them).
    """
    check_arguments(classes, propensity, variance)
    r = response_indicator(d.data, responded, d.named_data.index)
    w = d.w
    if not (r & (w > 0)).any():
        raise no_respondents()
    if classes is not None:
        var = classes if isinstance(classes, str) else tuple(classes)
        _refuse_codes(d, [var], what="weighting class")
        codes, levels = factorize(d.named_data, var)
        k = len(levels)
        label, names = class_labels(var, levels)
    else:
        used = propensity_rhs(propensity)
        _refuse_codes(d, [c for c in map(str, d.data.columns) if re.search(rf"\b{re.escape(c)}\b", used)],
                      what="propensity covariate")
        p = _propensity(d.data, propensity, r, w)
        codes = propensity_classes(p, n_classes)
        k = int(codes.max()) + 1
        label, names = propensity_labels(k)
    return _nonresponse_in_classes(d, codes, k, r, variance, label, names)


def _nonresponse_in_classes(d, codes: np.ndarray, k: int, r: np.ndarray, variance: str, label: str,
                            names: tuple[str, ...] = ()):
    """Adjust within given classes; nonrespondents leave the design as a domain."""
    w = d.w
    w_new = w * class_factors(codes, k, r, w, names)
    rw = _rep_weights(d)
    rep_new = None if rw is None else rw * class_factors(codes, k, r, rw, names)
    step = NonresponseStep(codes=codes, k=k, responded=r, w0=w, w1=w_new, variance=variance, classes=label,
                           class_names=names)
    dom = r if d.domain is None else (r & d.domain)
    changes: dict[str, Any] = {"weights": w_new, "domain": dom, "adjustments": tuple(d.adjustments) + (step,)}
    if rep_new is not None:
        changes["replicates"] = d.replicates.with_weights(rep_new)
    return d.evolve(**changes)


def _propensity(data: pd.DataFrame, covariates: Sequence[str] | str, r: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Estimated response propensities from a formula right-hand side (formulaic), 1 for zero weights."""
    from formulaic import model_matrix

    rhs = propensity_rhs(covariates)
    try:
        mm = model_matrix(rhs, data, na_action="raise")
    except Exception as exc:  # formulaic raises several types; name the formula and the cause
        raise WeightingError(f"response propensity model {rhs!r}: {exc}") from None
    x = np.asarray(mm, dtype=float)
    keep = w > 0
    p = np.full(len(r), np.nan)
    p[keep] = fit_propensity(x[keep], r[keep].astype(float), w[keep])
    p[~keep] = 1.0
    return p


# -- replicate designs ------------------------------------------------------------------------------------
def replicate(d, method: str = "auto", replicates: int = 50, rho: float | None = None, mse: bool = False,
              seed: int | None = None, hadamard: np.ndarray | None = None):
    """A replicate-weight version of a design (R's ``as.svrepdesign``), from its first-stage strata/PSUs.

    method: "JK1" (unstratified), "JKn", "BRR" (2 PSUs per stratum), "Fay" (``rho``, default 0.5),
    "bootstrap" (``replicates``, ``seed``); "auto" is JKn for stratified designs and JK1 otherwise.
    Weighting steps already recorded on the design are replayed on every replicate, starting from the
    weights before the first step, so replicate variances include them (R's ``as.svrepdesign`` would
    start the replicates from the final weights and ignore the steps).
    """
    if d.replicates is not None:
        raise WeightingError("this design already has replicate weights: weight it directly (rake, calibrate, trim "
                             "weight every replicate too)")
    if not d.adjustments:
        return _replicate(d, method, replicates, rho, mse, seed, hadamard)
    return _replay(d, _replicate(_before_weighting(d), method, replicates, rho, mse, seed, hadamard))


def _before_weighting(d):
    """The design as it was before its first recorded weighting step."""
    first = d.adjustments[0]
    w0 = next(getattr(first, a) for a in ("w0", "w_old") if getattr(first, a, None) is not None)
    inside = w0 > 0
    return d.evolve(weights=np.where(inside, w0, 0.0), adjustments=(), domain=None if inside.all() else inside)


def _replay(d, rep):
    """Apply d's recorded steps, in order, to the replicate design ``rep``; its weights must come out as d's."""
    for step in d.adjustments:
        if isinstance(step, PostStratStep):
            (var, totals), = step.spec.items()
            rep = poststratify(rep, var if isinstance(var, str) else list(var), totals)
        elif isinstance(step, CalibrationStep):
            st = step.settings or {}
            if st.get("rake"):
                rep = rake(rep, step.spec, max_iter=st["max_iter"], tol=st["tol"], scope=step.scope)
            else:
                rep = calibrate(rep, st["totals"], method=step.method, bounds=step.bounds, max_iter=st["max_iter"],
                                tol=st["tol"], population_total=st.get("population_total"),
                                target_se=st.get("target_se"), scope=step.scope)
        elif isinstance(step, TrimStep):
            rep = trim(rep, step.lower, step.upper)
        elif isinstance(step, NonresponseStep):
            rep = _nonresponse_in_classes(rep, step.codes, step.k, step.responded, step.variance, step.classes,
                                          step.class_names)
        else:
            raise WeightingError(f"cannot replay the weighting step {type(step).__name__} on replicate weights; "
                                 "build the replicate design first and weight it afterwards")
    if d.domain is not None and (rep.domain is None or not np.array_equal(rep.domain, d.domain)):
        rep = rep.evolve(domain=d.domain)
    if not np.allclose(rep.w, d.w, rtol=1e-8, atol=1e-10):
        raise WeightingError("replaying the weighting steps on the replicate design did not reproduce the "
                             "design's weights; build the replicate design first and weight it afterwards")
    return rep


def _replicate(d, method: str, replicates: int, rho: float | None, mse: bool, seed: int | None,
               hadamard: np.ndarray | None):
    """Replicate weights built from the design's first stage, for a design with no weighting steps."""
    spec = d.spec
    stage = spec.variance_stages[0]  # a with-replacement design has no fpc here
    if spec.pps is not None:
        raise WeightingError(f"replicate weights for a PPS design (pps={spec.pps!r}) are not built here: the "
                             "jackknife and bootstrap of R's as.svrepdesign assume PSUs drawn with equal "
                             "probability. Estimate with the PPS design's own variance, or build the design "
                             "without pps= (with replacement) before making replicates")
    stratified = spec.strata_name is not None
    if method == "auto":
        method = "JKn" if stratified else "JK1"
    psu = stage.unit
    strata = stage.unit_stratum[psu]
    if len(d.stages) > 1 and d.stages[1].popsize is not None:
        warnings.warn("replicate weights resample first-stage units only: population sizes of later stages "
                      "are dropped (as R's as.svrepdesign does)", stacklevel=4)
    popsize = None if stage.popsize is None else stage.popsize[strata]  # population sizes N, per row
    w = d.w
    if method == "JK1":
        if stratified:
            raise WeightingError("JK1 is for unstratified designs; use method='JKn' for a stratified design")
        reps = _rep.jk1(psu, w, popsize)
    elif method == "JKn":
        if not stratified:
            raise WeightingError("JKn needs strata; use method='JK1' or 'bootstrap' for an unstratified design")
        reps = _rep.jkn(strata, psu, w, popsize, lonely_psu=d.lonely_psu)
    elif method in ("BRR", "Fay"):
        if not stratified:
            raise WeightingError(f"{method} needs a stratified design with 2 PSUs per stratum")
        r = 0.0 if method == "BRR" else (0.5 if rho is None else float(rho))
        if method == "Fay" and r == 0:
            raise WeightingError("Fay's method needs 0 < rho < 1 (rho = 0 is BRR)")
        labels = np.asarray(stage.stratum_labels)[strata]
        if popsize is not None:
            warnings.warn(f"{method} replicate weights have no finite population correction: the design's fpc "
                          "is dropped (as R's as.svrepdesign does); use JKn or bootstrap to keep it", stacklevel=4)
        reps = _rep.brr(labels, psu, w, rho=r, hadamard=hadamard)
    elif method == "bootstrap":
        reps = _rep.bootstrap(strata if stratified else None, psu, w, replicates=replicates, popsize=popsize,
                              seed=seed)
    else:
        raise WeightingError(f"method={method!r}: use one of {', '.join(_rep.REPLICATE_METHODS)} or 'auto'")
    if mse:
        reps = reps.with_mse(True)
    return d.evolve(replicates=reps)


# -- diagnostics ------------------------------------------------------------------------------------------
def weight_summary(d, targets: Mapping[Any, Any] | None = None) -> WeightSummary:
    """Weight spread, Kish deff and effective n, and the margins of the last weighting step vs its targets."""
    scope = None
    if targets is None:
        for adj in reversed(d.adjustments):
            spec = getattr(adj, "spec", None)
            if spec is not None:
                targets, scope = spec, getattr(adj, "scope", None)
                break
    history = tuple(step_words(a) for a in d.adjustments)
    if d.replicates is not None:
        reps = d.replicates
        history += (f"{reps.n_replicates} replicate weights ({getattr(reps, 'method', 'replicate')}), each "
                    "weighted the same way",)
    summary = summarize(d.data, d.w, targets, history, scope=scope)
    if d.domain is not None:  # the positive weights are the domain's, not every respondent's
        summary = replace(summary, kish=summary.kish.rename(index={ALL: "in the domain"}))
    return summary


__all__ = ["poststratify", "rake", "calibrate", "trim", "adjust_nonresponse", "replicate", "weight_summary"]
