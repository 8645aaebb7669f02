"""The public-use file of a dataset, in memory (no file IO): what is dropped, how each column is treated, the
masked design and the risk before and after. :func:`careersurvey.disclosure.publish.public_use_file` loads a
store and writes the result.

Order of work (each treatment a recorded :class:`~careersurvey.disclosure.steps.Step`):

1. direct identifiers (``respondent_id`` and every ``direct`` item), open text (``text``), the import ledger's
   ``import_id`` and the sample-design columns are left out; rows are shuffled and get new random ids;
2. global recoding (``recode``, by column: cut points for a number or for the codes of a choice list, a group
   size merging neighbouring choices, or label -> codes) and top/bottom coding (``top``);
3. MDAV microaggregation of numeric ``key`` and ``sensitive`` items not recoded (``microaggregate``);
4. PRAM of the columns named in ``pram`` (invariant);
5. local suppression of key values until every combination of keys holds ``k`` or more records;
6. the masked design (:mod:`.masked`) in place of strata, PSUs, fpc and weights.

Key columns are treated with their missing codes as values (a refusal is a category of the released file);
a suppressed value is empty (no code). Other columns keep their missing codes.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from careersurvey.disclosure import recode as rc
from careersurvey.disclosure.masked import MaskedDesign, mask_design
from careersurvey.disclosure.mdav import microaggregate as mdav
from careersurvey.disclosure.pram import pram as post_randomise
from careersurvey.disclosure.risk import Risk, measure_risk
from careersurvey.disclosure.steps import Step
from careersurvey.disclosure.suppress import local_suppression
from careersurvey.questionnaire.model import MISSING_CODES, NUMERIC_TYPES
from careersurvey.responses.dataset import Dataset

#: Columns of the sample design file, never released as they are.
DESIGN_ROLES = ("weights", "strata", "psu", "fpc")


class ReleaseError(ValueError):
    """A release that cannot be made as asked: says what and what to do."""


@dataclass(frozen=True, slots=True)
class DesignColumns:
    """Names of the true design's columns in the data (psu/fpc: first stage; None when there is none)."""

    weights: str
    strata: str | None = None
    psu: str | None = None
    fpc: str | None = None
    drop: tuple[str, ...] = ()  # further sample-design columns to leave out (later stages' fpc, ...)


@dataclass(frozen=True, slots=True, eq=False)
class Release:
    """A public-use file in memory: its dataset (codes, labels), the steps taken, the risk before and after,
    the masked design and the link from release ids to respondent ids (never written unless asked)."""

    dataset: Dataset
    steps: tuple[Step, ...]
    keys: tuple[str, ...]
    sensitive: tuple[str, ...]
    dropped: Mapping[str, str]
    risk_before: Risk
    risk_after: Risk
    masked: MaskedDesign | None
    link: pd.DataFrame
    k: int
    baseline: pd.DataFrame = field(repr=False)  # the original rows recoded only, in release order (for utility)
    protected: tuple[str, ...] = ()  # keys the strata determine, never suppressed

    @property
    def data(self) -> pd.DataFrame:
        return self.dataset.data


def _key_frame(ds: Dataset, keys: Sequence[str]) -> pd.DataFrame:
    """Key columns with their missing codes as values (as the released file shows them)."""
    codes = ds.codes()
    return codes[list(keys)]


def make_release(ds: Dataset, roles: Mapping[str, str], design: DesignColumns, *, k: int = 3,
                 recode: Mapping[str, int | Sequence[float]] | None = None, top: Mapping[str, float] | None = None,
                 pram: Sequence[str] = (), pram_stay: float = 0.8, microaggregate: Sequence[str] | None = None,
                 importance: Sequence[str] | None = None, psu_group: int = 2, smooth_weights: bool = True,
                 seed: int | None = None) -> Release:
    """The public-use file of ``ds`` (numeric codes, ``labels=False``, with the design columns attached)."""
    if ds.labels:
        raise ReleaseError("a release is made from codes: load the dataset with labels=False")
    if k < 2:
        raise ReleaseError(f"k must be 2 or more (got {k}): k = 1 protects nobody")
    q = ds.questionnaire
    rng = np.random.default_rng(seed)
    data = ds.data
    items = {col: item for item in q.items for col in item.columns()}
    keys = tuple(c for c, r in roles.items() if r == "key" and c in data.columns)
    sensitive = tuple(c for c, r in roles.items() if r == "sensitive" and c in data.columns)
    if not keys:
        raise ReleaseError(f"no key variables: declare disclosure: key on the quasi-identifiers of {q.key} "
                           "(sex, age, region, ...) or pass roles")
    absent = [c for c in (design.weights, design.strata, design.psu, design.fpc) if c and c not in data.columns]
    if absent:
        raise ReleaseError(f"the data have no design column {', '.join(absent)}; attach the sample design "
                           "(sample=...) or name its columns")
    design_cols = [c for c in (design.weights, design.strata, design.psu, design.fpc, *design.drop) if c]
    dropped = {c: f"{roles[c]} identifier" if roles[c] == "direct" else "open text"
               for c in roles if roles[c] in ("direct", "text") and c in data.columns}
    dropped.update({c: "import ledger" for c in ("import_id",) if c in data.columns})
    dropped.update({c: "sample design (replaced by the masked design)" for c in design_cols})
    weights = pd.to_numeric(data[design.weights], errors="coerce").astype(float)
    risk_before = measure_risk(pd.concat([_key_frame(ds, keys), data[list(sensitive)]], axis=1), keys,
                               weights.to_numpy(), sensitive=list(sensitive))
    work = data.drop(columns=list(dropped)).copy()
    keyed = _key_frame(ds, keys)
    for c in keys:
        if items[c].type not in NUMERIC_TYPES:
            work[c] = keyed[c]
    steps: list[Step] = [Step("left out", tuple(dropped), "; ".join(f"{c} ({why})" for c, why in dropped.items()))]
    labels: dict[str, Mapping[int, str]] = {}
    for col, how in (recode or {}).items():
        if col not in work.columns:
            raise ReleaseError(f"cannot recode {col!r}: it is not a released column of {q.key}")
        choices = items[col].choices
        if isinstance(how, int) or isinstance(how, Mapping):
            if choices is None:
                raise ReleaseError(f"{col!r} has no choice list to regroup; give cut points to recode a number")
            try:
                if isinstance(how, int):
                    work[col], step = rc.merge_choices(work[col], choices, how, ds.language)
                else:
                    work[col], step = rc.group_choices(work[col], choices, list(how.values()), list(how),
                                                       ds.language, how="choices regrouped")
            except ValueError as exc:
                raise ReleaseError(str(exc)) from None
        elif choices is not None:
            work[col], step = rc.cut_choices(work[col], choices, how, ds.language)
        else:
            banded, step = rc.bands(data[col], how)  # the numbers, missing codes apart
            work[col] = banded.where(banded.notna(), keyed[col] if col in keys else banded)
        steps.append(step)
        labels.update(step.labels)
    for col, limit in (top or {}).items():
        work[col], step = rc.top_code(work[col], top=limit)
        steps.append(step)
    baseline = work.copy()
    if microaggregate is None:
        microaggregate = [c for c in (*keys, *sensitive) if items[c].type in NUMERIC_TYPES and c not in (recode or {})]
    for col in microaggregate:
        known = int(work[col].notna().sum())
        if known == 0:
            continue
        if known < k:  # too few answers to form one group of k: none can be released
            work[col] = work[col].mask(work[col].notna())
            steps.append(Step("local suppression", (col,), f"{col}: only {known} answers, fewer than k = {k}: all "
                              "left out", {col: known}))
            continue
        work, step, _ = mdav(work, [col], k, weights=weights.to_numpy())
        steps.append(step)
    for col in pram:
        work[col], step, _ = post_randomise(work[col], rng, p_stay=pram_stay, invariant=True)
        steps.append(step)
    for c in keys:  # a numeric key's missing codes are values of the released file too
        work[c] = work[c].where(work[c].notna(), keyed[c])
    told = _told_by_strata(work, keys, data[design.strata]) if design.strata else []
    try:  # keys the strata tell are never suppressed: the masked design would give them back
        work, step = local_suppression(work, keys, k, importance, protected=told)
    except ValueError as exc:
        raise ReleaseError(str(exc)) from None
    steps.append(step)
    masked = None
    if design.strata and design.psu:
        masked = mask_design(data[design.strata], data[design.psu], weights,
                             data[design.fpc] if design.fpc else None, m=psu_group, rng=rng,
                             smooth_weights=smooth_weights)
        steps.append(Step("masked design", ("pseudo_stratum", "pseudo_psu", "weight"), masked.describe()
                          + ("; weights averaged within pseudo-PSUs" if smooth_weights else "")))
        extra = {"pseudo_stratum": masked.stratum, "pseudo_psu": masked.psu, "weight": masked.weight}
        if masked.fraction is not None:
            extra["pseudo_fpc"] = masked.fraction
    else:
        extra = {"weight": weights.rename("weight")}
    order = _shuffle(work, ds, rng)
    release_id = pd.Series([f"P{i:06d}" for i in range(1, len(work) + 1)], dtype="string")
    link = pd.DataFrame({"release_id": release_id, "respondent_id": data["respondent_id"].iloc[order].to_numpy()})
    frame = pd.concat([pd.DataFrame({"release_id": release_id}),
                       work.iloc[order].reset_index(drop=True),
                       pd.DataFrame({c: s.iloc[order].to_numpy() for c, s in extra.items()})], axis=1)
    baseline = baseline.iloc[order].reset_index(drop=True).assign(
        **{"weight_true": weights.iloc[order].to_numpy(),
           **{f"true_{c}": data[c].iloc[order].to_numpy() for c in (design.strata, design.psu, design.fpc) if c}})
    out = _dataset(ds, frame, order, labels, extra, keys)
    risk_after = measure_risk(pd.concat([out.codes()[list(keys)], out.data[list(sensitive)]], axis=1), keys,
                              out.data["weight"].to_numpy(dtype=float), sensitive=list(sensitive))
    if risk_after.k_anonymity < k:  # never hand out a file that is not what it says
        raise ReleaseError(f"the treated file is only {risk_after.k_anonymity}-anonymous on {', '.join(keys)}, not "
                           f"{k}; recode the keys into fewer categories")
    return Release(out, tuple(steps), keys, sensitive, MappingProxyType(dropped), risk_before, risk_after, masked,
                   link, k, baseline, tuple(told))


def _told_by_strata(work: pd.DataFrame, keys: Sequence[str], strata: pd.Series) -> list[str]:
    """Keys the sampling strata determine (one known value in every stratum, missing codes apart): a masked
    design unit made of one stratum's records would tell their suppressed values."""
    told = []
    for c in keys:
        values = pd.to_numeric(work[c], errors="coerce")
        values = values.mask(values.isin(MISSING_CODES))
        per_stratum = values.groupby(strata.to_numpy()).nunique()
        if len(per_stratum) > 1 and (per_stratum <= 1).all() and values.nunique() > 1:
            told.append(c)
    return told


def _shuffle(work: pd.DataFrame, ds: Dataset, rng: np.random.Generator) -> np.ndarray:
    """A random order of the rows, except that a few rows holding a real answer in every column that also holds
    missing codes come first (random among themselves). pyreadstat's Stata writer sniffs a column's type from its
    first 100 values and fails on a number column that starts with 100 missing codes (written as .a-.d)."""
    order = rng.permutation(len(work))
    cols = [c for c in ds.missing.columns if c in work.columns and ds.missing[c].notna().any()]
    if not cols:
        return order
    values = work[cols].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float, na_value=np.nan)[order]
    real = ~np.isnan(values) & ~np.isin(values, MISSING_CODES)
    uncovered = real.any(axis=0)
    front: list[int] = []
    while uncovered.any():  # greedy set cover: a handful of rows
        best = int(real[:, uncovered].sum(axis=1).argmax())
        front.append(best)
        uncovered &= ~real[best]
    rest = np.setdiff1d(np.arange(len(order)), front, assume_unique=True)
    return np.concatenate([order[rng.permutation(front)], order[rest]])


_DESIGN_LABELS = {
    "release_id": "Release id (random; not the respondent id)",
    "pseudo_stratum": "Masked variance stratum (pseudo-stratum)",
    "pseudo_psu": "Masked variance unit (pseudo-PSU), numbered across pseudo-strata",
    "pseudo_fpc": "First-stage sampling fraction of the pseudo-stratum",
    "weight": "Survey weight (design weight averaged within the pseudo-PSU)",
}


def _dataset(ds: Dataset, frame: pd.DataFrame, order: np.ndarray, labels: Mapping[str, Mapping[int, str]],
             extra: Mapping[str, pd.Series], keys: Sequence[str]) -> Dataset:
    """The release as a Dataset the exports write: codes apart from missing codes, labels of recoded columns."""
    missing_in = ds.missing.iloc[order].reset_index(drop=True)
    data, missing = frame.copy(), {}
    for col in frame.columns:
        if col not in ds.missing.columns:
            continue
        values = pd.to_numeric(frame[col], errors="coerce") if col in keys else frame[col]
        if col in keys:
            is_code = values.isin(MISSING_CODES).fillna(False)
            missing[col] = values.where(is_code).astype("Int8")
            data[col] = values.mask(is_code)
        else:
            missing[col] = missing_in[col].where(frame[col].isna())
    value_labels = dict(ds.value_labels)
    for col, lab in labels.items():
        value_labels[col] = MappingProxyType({**lab, **{c: ds.missing_labels[c] for c in MISSING_CODES}})
    variable_labels = {c: v for c, v in ds.variable_labels.items() if c in data.columns}
    variable_labels.update({c: _DESIGN_LABELS[c] for c in ("release_id", *extra) if c in _DESIGN_LABELS})
    measure = {c: v for c, v in ds.measure.items() if c in data.columns}
    measure.update({"pseudo_stratum": "nominal", "pseudo_psu": "nominal", "pseudo_fpc": "scale", "weight": "scale",
                    "release_id": "nominal"})
    return replace(ds, data=data, missing=pd.DataFrame(missing, index=data.index),
                   value_labels=MappingProxyType({c: v for c, v in value_labels.items() if c in data.columns}),
                   variable_labels=MappingProxyType(variable_labels), measure=MappingProxyType(measure))
