"""What a release keeps: key weighted estimates on the original data (true design) and on the release (masked
design) side by side, and the SEs the masked design gives on the original data against the true design's; and
one model (:func:`model_table`), fitted on both.

Estimates: the share of each category of every key and categorical sensitive column (its largest categories,
missing codes apart) and the mean of every numeric sensitive column. The original is the data after global
recoding only (so categories match); the release is the file as published. ``se_masked / se_true`` isolates
the masking of the design: both on the original data, only the design differs.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from careersurvey.disclosure.release import DesignColumns, Release
from careersurvey.estimation.design import SurveyDesign
from careersurvey.questionnaire.model import MISSING_CODES, NUMERIC_TYPES

#: Most categories of one column shown.
MAX_LEVELS = 8


def _indicators(frame: pd.DataFrame, col: str, levels: list) -> pd.DataFrame:
    values = pd.to_numeric(frame[col], errors="coerce").astype(float)
    values = values.mask(values.isin(MISSING_CODES))
    return pd.DataFrame({f"{col}={v:g}": np.where(values.isna(), np.nan, (values == v).astype(float))
                         for v in levels}, index=frame.index)


def _mean(design: SurveyDesign, col: str) -> tuple[float, float]:
    with np.errstate(invalid="ignore", divide="ignore"):  # a level suppressed in every record: NaN, said so
        row = design.mean(col, na_rm=True).iloc[0]
    return float(row["estimate"]), float(row["se"])


def _design_kw(release: Release, design: DesignColumns) -> tuple[dict, dict]:
    """SurveyDesign arguments of the true design (on the baseline's columns) and of the masked one."""
    pub = release.data
    true_kw: dict = dict(weights="weight_true", lonely_psu="adjust")
    masked_kw: dict = dict(weights="weight", lonely_psu="adjust")
    if release.masked is not None:
        true_kw.update(strata=f"true_{design.strata}", psu=f"true_{design.psu}")
        if design.fpc:
            true_kw["fpc"] = f"true_{design.fpc}"
        masked_kw.update(strata="pseudo_stratum", psu="pseudo_psu")
        if "pseudo_fpc" in pub.columns:
            masked_kw["fpc"] = "pseudo_fpc"
    return true_kw, masked_kw


def _numbers(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Columns as floats, missing codes as NaN."""
    out = frame[columns].apply(pd.to_numeric, errors="coerce").astype(float)
    return out.mask(out.isin(MISSING_CODES))


def default_model(release: Release) -> str | None:
    """``y ~ C(key) + ...``: the first numeric sensitive item on three keys: one the strata determine (they often
    determine each other: sector abroad is region abroad) and the others least suppressed in the release; None
    when there is no numeric sensitive item."""
    items = {c: i for i in release.dataset.questionnaire.items for c in i.columns()}
    numeric = [c for c in release.sensitive if items[c].type in NUMERIC_TYPES
               and all(code in MISSING_CODES for code in release.dataset.value_labels.get(c, {}))]
    if not numeric:
        return None
    free = [c for c in release.keys if c not in release.protected]
    keys = (release.protected[:1] + tuple(sorted(free, key=lambda c: (int(release.data[c].isna().sum()),
                                                                      release.keys.index(c)))))[:3]
    return f"{numeric[0]} ~ " + " + ".join(f"C({c})" for c in keys)


def model_table(release: Release, design: DesignColumns, formula: str | None = None) -> pd.DataFrame:
    """A linear model fitted on the original (true design) and on the release (masked design): one row per term
    with both coefficients and SEs; empty when there is no model to fit; one row with a ``note`` when it cannot
    be fitted (a term aliased or empty in one of the files)."""
    formula = formula or default_model(release)
    if formula is None:
        return pd.DataFrame()
    true_kw, masked_kw = _design_kw(release, design)
    names = [c for c in release.data.columns if c in formula]
    base, pub = release.baseline, release.data
    design_cols = [c for c in ("weight", "pseudo_stratum", "pseudo_psu", "pseudo_fpc") if c in pub.columns]
    original = pd.concat([base[[c for c in base.columns if c.startswith(("true_", "weight_true"))]],
                          _numbers(base, names)], axis=1)
    try:
        fits = {"original": SurveyDesign(original, **true_kw).glm(formula),
                "release": SurveyDesign(pd.concat([pub[design_cols], _numbers(pub, names)], axis=1), **masked_kw)
                .glm(formula)}
    except ValueError as exc:  # ModelError: a term aliased or empty on the release; the report says so
        return pd.DataFrame({"model": [formula], "note": [str(exc)]})
    table = pd.DataFrame({"original": fits["original"].params, "se_original": fits["original"].bse,
                          "release": fits["release"].params, "se_release": fits["release"].bse})
    table["difference"] = table["release"] - table["original"]
    return table.rename_axis("term").reset_index().assign(model=formula)


def utility_table(release: Release, design: DesignColumns) -> pd.DataFrame:
    """One row per estimate: variable, level, estimate and SE on the original (true design), SE of the
    original under the masked design, estimate and SE on the release (masked design), and ratios."""
    base, pub = release.baseline, release.data
    items = {c: i for i in release.dataset.questionnaire.items for c in i.columns()}
    true_kw, masked_kw = _design_kw(release, design)
    design_cols = [c for c in ("weight", "pseudo_stratum", "pseudo_psu", "pseudo_fpc") if c in pub.columns]
    parts_base, parts_pub, rows = [], [], []
    for col in (*release.keys, *release.sensitive):
        labels = release.dataset.value_labels.get(col, {})
        numeric = items[col].type in NUMERIC_TYPES and all(code in MISSING_CODES for code in labels)
        if numeric or col not in base.columns:
            if col in base.columns:
                b = pd.to_numeric(base[col], errors="coerce").astype(float)
                parts_base.append(b.mask(b.isin(MISSING_CODES)).rename(col).to_frame())
                parts_pub.append(pd.to_numeric(pub[col], errors="coerce").astype(float).rename(col).to_frame())
                rows.append((col, "mean", col))
            continue
        values = pd.to_numeric(base[col], errors="coerce")
        shares = values[~values.isin(MISSING_CODES)].value_counts().head(MAX_LEVELS)
        levels = sorted(shares.index.tolist())
        parts_base.append(_indicators(base, col, levels))
        parts_pub.append(_indicators(pub, col, levels))
        rows += [(col, str(labels.get(int(v), v)), f"{col}={v:g}") for v in levels]
    original = pd.concat([base[[c for c in base.columns if c.startswith(("true_", "weight_true"))]], *parts_base],
                         axis=1)
    original = pd.concat([original, pub[design_cols]], axis=1)
    released = pd.concat([pub[design_cols], *parts_pub], axis=1)
    d_true = SurveyDesign(original, **true_kw)
    d_masked = SurveyDesign(original, **masked_kw)
    d_release = SurveyDesign(released, **masked_kw)
    out = []
    for variable, level, col in rows:
        est, se = _mean(d_true, col)
        _, se_m = _mean(d_masked, col)
        est_r, se_r = _mean(d_release, col)
        out.append({"variable": variable, "level": level, "original": est, "se_true": se, "se_masked": se_m,
                    "se_ratio": se_m / se if se > 0 else np.nan, "release": est_r, "se_release": se_r,
                    "difference": est_r - est})
    return pd.DataFrame(out)
