"""Design-based t-tests, as R survey's ``svyttest``.

``"y ~ 1"`` (or ``~ 0``): the one-sample test of mean(y) = 0 with df = design df - 1 (R's choice). ``"y ~ g"``
with a two-level ``g``: the difference in means between the second level and the first, from the design-based
linear model ``y ~ g`` (R fits ``svyglm``; so do we), on its residual df. Both come back as a result frame
(``estimate, se, ci_low, ci_high, df, t, p_value``), so ``by=`` gives one test per domain.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
from scipy import stats

from careersurvey.estimation.estimators import EstimateError, _is_categorical, by_domains, require_columns
from careersurvey.estimation.frames import EstimateFrame, t_quantile

_FORMULA = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_.]*)\s*~\s*([A-Za-z_][A-Za-z0-9_.]*|[01])\s*$")


def ttest(design, formula: str, na_rm: bool = False, by=None, level: float = 0.95) -> pd.DataFrame:
    """R's ``svyttest(formula, design)``: ``"y ~ 1"`` tests mean(y) = 0, ``"y ~ g"`` the difference between the
    two levels of ``g`` (second minus first, in sorted order, as R's treatment contrast)."""
    match = parse_formula(formula)
    if by is not None:
        return by_domains(design, by, lambda d: ttest(d, formula, na_rm=na_rm, level=level), sliced=True)
    y, g = match.groups()
    require_columns(design.data, [y] if g in "01" else [y, g], "ttest() variable")
    if _is_categorical(design.data[y]):
        raise EstimateError(f"ttest() needs a numeric outcome; {y!r} is categorical.")
    if g in ("0", "1"):
        res = design.mean(y, na_rm=na_rm, level=level)
        est, se = float(res["estimate"].iloc[0]), float(res["se"].iloc[0])
        df = float(design.design_df - 1)
        row, method = y, "one-sample t-test"
    else:
        label = _check_binary(design, y, g)
        fit = design.glm(f"{y} ~ {g}", family="gaussian")
        est, se, df = float(fit.params.iloc[1]), float(fit.bse.iloc[1]), float(fit.df_resid)
        row, method = f"{y}: {label}", "t-test of two groups"
    return ttest_frame(est, se, df, row, method, level)


def parse_formula(formula: str) -> re.Match:
    """``y ~ 1``, ``y ~ 0`` or ``y ~ g`` (the outcome and the group or 0/1), or an error saying what to write."""
    match = _FORMULA.match(formula) if isinstance(formula, str) else None
    if match is None:
        raise EstimateError(f"ttest({formula!r}): write 'y ~ 1' (one-sample test of mean(y) = 0) or 'y ~ g' "
                            "(difference in means between the two levels of g), with column names.")
    return match


def ttest_frame(est: float, se: float, df: float, row: str, method: str, level: float) -> pd.DataFrame:
    """The test's one-row frame from the estimate, its SE and df: t, its two-sided p-value and t interval."""
    t = est / se
    q = t_quantile(df, level) if df > 0 else np.nan
    p = float(2 * stats.t.sf(abs(t), df)) if df > 0 else np.nan
    frame = EstimateFrame({"estimate": [est], "se": [se], "ci_low": [est - q * se], "ci_high": [est + q * se],
                           "df": [df], "t": [t], "p_value": [p]}, index=pd.Index([row]))
    frame.attrs.update(statistic=method, level=level, interval="wald")
    return frame


def _check_binary(design, y: str, g: str) -> str:
    """The two groups of ``g`` among the rows the test uses (non-zero weight, y and g present), as
    'g=b - g=a'; a clear error unless there are exactly two (numbers: 0/1 or 1/2, as R requires)."""
    data = design.data
    used = (design.w != 0) & data[y].notna().to_numpy() & data[g].notna().to_numpy()
    values = sorted(pd.unique(data[g][used]), key=lambda v: (str(type(v)), v))
    return group_label(g, values, not _is_categorical(data[g]))


def group_label(g: str, values: list, numeric: bool) -> str:
    """'g=b - g=a' for the two sorted ``values`` of the group; an error unless there are exactly two."""
    if len(values) != 2 or (numeric and set(values) not in ({0, 1}, {1, 2})):
        shown = ", ".join(map(str, values[:6])) + (", ..." if len(values) > 6 else "")
        raise EstimateError(f"ttest(): the group {g!r} must have exactly two values among the rows tested "
                            f"({'0/1 or 1/2 for a number' if numeric else 'two levels'}); it has {shown or 'none'}. "
                            "Use subset() to keep two groups, or make a 0/1 column.")
    return f"{g}={values[1]} - {g}={values[0]}"
