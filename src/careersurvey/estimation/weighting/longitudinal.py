"""Longitudinal weights for the persons who answered in both waves of a panel.

Three steps, each one recorded on the design so that every variance accounts for it:

1. **Base weight**: the earlier wave's weight of every earlier-wave respondent (the design over the wide panel
   file, one row per person, as ``SurveyDesign(wide, weights="w_2024", strata=..., psu=...)``).
2. **Response to the later wave**: the weights of those who answered again are multiplied by the inverse of
   their estimated response propensity, within weighting classes (``classes=``) or within equal-count classes
   of a design-weighted logistic propensity (``propensity=`` covariates, ``n_classes``), by
   :func:`careersurvey.estimation.weighting.adjust_nonresponse`; those who did not answer leave the design as
   a domain (weight 0, their PSUs kept). The covariates must be earlier-wave answers (everyone has them);
   attrition that depends on them is what this step removes.
3. **Calibration to the earlier wave's margins**: the adjusted weights are calibrated (``method`` "linear",
   "raking" or "logit") so that the panel reproduces the earlier wave's own weighted totals of ``margins``
   (columns of the wide file), or given totals (``{var: {level: total}}``, e.g. population targets).

The earlier wave's totals are taken as fixed in the variance (as R's ``calibrate(population = ...)`` does);
``variance="fixed"`` also takes the class sizes of step 2 as known, which is what R gives for the
respondents post-stratified to the whole sample's class counts (``postStratify`` of ``subset(d, responded)``);
the default, "estimated", adds their variance (see :mod:`.nonresponse`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from careersurvey.estimation.weighting.errors import WeightingError

__all__ = ["longitudinal_weights", "sample_margins"]


def longitudinal_weights(design, responded: str | np.ndarray | pd.Series, *,
                         classes: str | Sequence[str] | None = None, propensity: str | Sequence[str] | None = None,
                         n_classes: int = 5, margins: Sequence[str] | Mapping[str, Any] | None = None,
                         method: str = "linear", bounds: Any = None, variance: str = "estimated"):
    """The panel's longitudinal design: ``design`` (the earlier wave's, over the wide file) adjusted for
    response to the later wave (``responded``: a 0/1 column or array; ``classes`` or ``propensity``) and
    calibrated to the earlier wave's ``margins`` (column names: their totals under ``design``'s weights; or a
    dict of totals). Returns a new design whose weights are the longitudinal weights (0 for those who did not
    answer again), with both steps recorded for the variance."""
    if margins is None:
        raise WeightingError("longitudinal_weights: give margins= (columns of the wide file whose earlier-wave "
                             "totals the panel must reproduce, e.g. ['sex', 'sector'], or a dict of totals)")
    totals = margins if isinstance(margins, Mapping) else sample_margins(design, margins)
    adjusted = design.adjust_nonresponse(responded, classes=classes, propensity=propensity, n_classes=n_classes,
                                         variance=variance)
    return adjusted.calibrate(totals, method=method, bounds=bounds)


def sample_margins(design, variables: str | Sequence[str]) -> dict[str, Any]:
    """The design's own weighted totals of ``variables``: ``{var: {level: total}}`` for categorical or text
    columns, ``{var: total}`` for numbers (the form ``calibrate`` takes). A design over a table in an engine
    gives them by its ``margin_sums`` (one GROUP BY each)."""
    names = [variables] if isinstance(variables, str) else list(variables)
    missing = [v for v in names if v not in design.column_names]
    if missing:
        raise WeightingError(f"longitudinal_weights: margins {', '.join(map(repr, missing))} are not columns of "
                             "the wide file; name earlier-wave columns every person has")
    sums = getattr(design, "margin_sums", None) or (lambda v: _margin_sums(design, v))
    out: dict[str, Any] = {}
    for v in names:
        n_missing, total = sums(v)
        if n_missing:
            raise WeightingError(f"longitudinal_weights: margin {v!r} is missing for {n_missing} persons; "
                                 "calibration needs it for everyone (impute it or choose another margin)")
        out[v] = total
    return out


def _margin_sums(design, v: str) -> tuple[int, Any]:
    """(rows missing ``v``, its weighted total or {level: weighted count}) over the data in memory."""
    col = design.columns([v])[v]
    if col.isna().any():
        return int(col.isna().sum()), None
    w = pd.Series(design.w, index=col.index)
    if pd.api.types.is_numeric_dtype(col) and not isinstance(col.dtype, pd.CategoricalDtype):
        return 0, float((col * w).sum())
    sums = w.groupby(col.to_numpy(), sort=True).sum()
    return 0, {k: float(t) for k, t in sums.items()}
