"""What a release keeps: key weighted estimates on the original data (true design) and on the release (masked
design) side by side, and the SEs the masked design gives on the original data against the true design's.

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


def utility_table(release: Release, design: DesignColumns) -> pd.DataFrame:
    """One row per estimate: variable, level, estimate and SE on the original (true design), SE of the
    original under the masked design, estimate and SE on the release (masked design), and ratios."""
    base, pub = release.baseline, release.data
    items = {c: i for i in release.dataset.questionnaire.items for c in i.columns()}
    true_kw = dict(weights="weight_true", lonely_psu="adjust")
    masked_kw = dict(weights="weight", lonely_psu="adjust")
    if release.masked is not None:
        true_kw.update(strata=f"true_{design.strata}", psu=f"true_{design.psu}")
        if design.fpc:
            true_kw["fpc"] = f"true_{design.fpc}"
        masked_kw.update(strata="pseudo_stratum", psu="pseudo_psu")
        if "pseudo_fpc" in pub.columns:
            masked_kw["fpc"] = "pseudo_fpc"
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
