"""A design-based model as a published table: readable terms, odds ratios with intervals, and under the table
the reference categories, n, the design df, a whole-model Wald test and a pseudo-R².

``model_table(fit, name, title)`` takes a fitted glm or ordinal model (``SurveyDesign.glm`` / ``.ordinal``):

- terms by their labels (``labels`` maps variable names to words; a factor level reads "Sector: SME"), the
  ordinal cut-points as "Cut-point 1|2", the intercept as "Intercept";
- logit models (binomial glm, ordinal) show the odds ratio with its 95% interval beside the coefficient;
- reference categories from the formula (``C(x, Treatment('University'))``) or, for a factor without one, the
  level the coefficients leave out (``data`` gives the levels);
- the Wald test of every coefficient but the intercept and cut-points, F on (k, model residual df) as R's
  ``regTermTest(fit, ~ all terms)`` (the model's ``whole_model_test``), and R's ``psrsq`` pseudo-R²
  (Nagelkerke, the model's ``pseudo_r2``) for binomial and poisson glms (R defines none for gaussian or ordinal
  models).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import numpy as np
import pandas as pd
from scipy import stats

from careersurvey.report.i18n import text
from careersurvey.report.layout import p_text
from careersurvey.report.results import Table

__all__ = ["model_table", "whole_model_wald", "reference_categories"]

_INTERCEPT = ("intercept", "(intercept)", "const")
_TREATMENT = re.compile(r"C\(\s*(\w+)\s*,\s*Treatment\(\s*(?:reference\s*=\s*)?['\"]?([^'\")]*?)['\"]?\s*\)\s*\)")
_LEVEL = re.compile(r"^(?:C\(\s*(\w+)[^\[]*\)|(\w+))\[T\.(.*)\]$")


def whole_model_wald(fit) -> tuple[float, int, float, float] | None:
    """(F, k, ddf, p): the Wald test that every slope is 0, F = b'V⁻¹b / k on (k, residual df), as R's
    ``regTermTest(fit, ~ all terms)`` (the model's ``whole_model_test``); None when there is no such test (no
    residual df, or a singular design covariance: more coefficients than PSUs)."""
    if not fit.df_resid > 0:
        return None
    try:
        t = fit.whole_model_test()
    except np.linalg.LinAlgError:
        return None
    return float(t.statistic), int(t.ndf), float(t.ddf), float(t.p_value)


def _pseudo_r2(fit) -> float | None:
    """Nagelkerke's pseudo-R² (R ``psrsq``) when the model defines one (binomial or poisson glm), else None."""
    if getattr(fit, "kind", "") != "glm" or fit.family.removeprefix("quasi") not in ("binomial", "poisson"):
        return None
    return float(fit.pseudo_r2())


def reference_categories(fit, data: pd.DataFrame | None = None) -> dict[str, str]:
    """Factor -> its reference level: ``Treatment('x')`` in the formula, else the level the coefficients
    leave out among ``data``'s levels (categories in order, else sorted values)."""
    refs = {var: level for var, level in _TREATMENT.findall(fit.formula)}
    shown: dict[str, set[str]] = {}
    for term in fit.coefficients.index:
        m = _LEVEL.match(str(term))
        if m:
            shown.setdefault(m.group(1) or m.group(2), set()).add(m.group(3))
    for var, levels in shown.items():
        if var in refs or data is None or var not in data:
            continue
        col = data[var]
        order = (list(col.cat.categories) if isinstance(col.dtype, pd.CategoricalDtype)
                 else sorted(col.dropna().unique().tolist()))
        rest = [str(v) for v in order if str(v) not in levels]
        if len(rest) == 1:
            refs[var] = rest[0]
    return refs


def _term_label(term: str, labels: Mapping[str, str], lang: str, cuts: set) -> str:
    if term in labels:
        return labels[term]
    if term in cuts:
        return text("model.cutpoint", lang, cut=term)
    if term.lower() in _INTERCEPT:
        return text("model.intercept", lang)
    m = _LEVEL.match(term)
    if m:
        var = m.group(1) or m.group(2)
        return f"{labels.get(var, var)}: {labels.get(f'{var}={m.group(3)}', m.group(3))}"
    return term


def _questionnaire_labels(questionnaire, fit, lang: str) -> dict[str, str]:
    """Words for the model's variables that are items of ``questionnaire``: the item's label, and each code's
    choice label (``sector=2`` -> its label in ``lang``)."""
    from careersurvey.report.i18n import label_in

    names = set(re.findall(r"\w+", fit.formula))
    out: dict[str, str] = {}
    for item in questionnaire.items:
        if item.name not in names:
            continue
        out[item.name] = label_in(item.label, lang, item.name)
        for c in (item.choices.choices if item.choices is not None else ()):
            out[f"{item.name}={c.code}"] = label_in(c.label, lang, str(c.code))
    return out


def model_table(fit, name: str, title: str, caption: str = "", lang: str = "en",
                labels: Mapping[str, str] | None = None, data: pd.DataFrame | None = None,
                intercept: bool = False, questionnaire=None) -> Table:
    """The model as a report table (see the module doc). ``labels``: words for variables (``sector``), for
    levels (``sector=SME``) and for whole coefficient names; ``questionnaire``: take them for its items from
    their labels and choice labels in ``lang`` (``labels`` wins); ``intercept``: show the intercept row."""
    labels = {**(_questionnaire_labels(questionnaire, fit, lang) if questionnaire is not None else {}),
              **(labels or {})}
    cuts = set(fit.thresholds.index) if getattr(fit, "n_thresholds", 0) else set()
    coef = fit.coefficients
    if cuts:  # cut-points first, as R's svyolr prints them
        coef = pd.concat([coef.loc[[c for c in coef.index if c in cuts]], coef.loc[[c for c in coef.index
                                                                                     if c not in cuts]]])
    keep = [t for t in coef.index if intercept or str(t).lower() not in _INTERCEPT]
    se = pd.Series(np.sqrt(np.clip(np.diag(fit.cov_params.loc[keep, keep].to_numpy(float)), 0, None)), index=keep)
    est = coef.loc[keep].astype(float)
    crit = stats.t.ppf(0.5 + fit.level / 2, fit.df_resid) if fit.df_resid > 0 else np.nan
    frame = pd.DataFrame({"estimate": est, "se": se})
    logit = fit.kind == "ordinal" or (fit.family.removeprefix("quasi") == "binomial" and fit.link == "logit")
    if logit:
        frame["odds_ratio"] = np.exp(est)
        frame["odds_ratio_ci_low"] = np.exp(est - crit * se)
        frame["odds_ratio_ci_high"] = np.exp(est + crit * se)
    else:
        frame["ci_low"] = est - crit * se
        frame["ci_high"] = est + crit * se
    frame["p_value"] = 2 * stats.t.sf(np.abs(est / se), fit.df_resid) if fit.df_resid > 0 else np.nan
    frame.index = pd.Index([_term_label(str(t), labels, lang, cuts) for t in keep])
    notes = []
    refs = reference_categories(fit, data)
    if refs:
        notes.append(text("model.reference", lang, refs="; ".join(
            f"{labels.get(v, v)}: {labels.get(f'{v}={r}', r)}" for v, r in refs.items())))
    test = whole_model_wald(fit)
    r2 = _pseudo_r2(fit)
    if test is None:
        notes.append(text("model.fit_no_test", lang, n=f"{fit.nobs:,}", df=f"{fit.df_resid:g}"))
    else:
        f, k, ddf, p = test
        values = dict(n=f"{fit.nobs:,}", df=f"{fit.df_resid:g}", ndf=k, ddf=f"{ddf:g}", F=f"{f:.2f}",
                      p=p_text(p, lang))
        notes.append(text("model.fit", lang, **values, kind="Nagelkerke", r2=f"{r2:.3f}") if r2 is not None
                     else text("model.fit_no_r2", lang, **values))
    return Table(name, title, frame, caption, digits=3, flag=False, notes=tuple(notes),
                 labels={"estimate": text("col.log_odds" if logit else "col.coefficient", lang)})
