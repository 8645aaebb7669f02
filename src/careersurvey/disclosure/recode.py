"""Global recoding and top/bottom coding (sdcMicro's ``globalRecode``, ``groupAndRename``, ``topBotCoding``).

Every function takes a column and returns ``(new column, Step)``; missing values stay missing. Bands come from
cut points (``bands``, e.g. age or pay) or from a questionnaire's choice list, by merging neighbouring choices
(``merge_choices``: an eight-band age list into four bands of two).
"""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from careersurvey.disclosure.steps import Step
from careersurvey.questionnaire.model import ChoiceList


def _number(x: float) -> str:
    return f"{x:,.0f}" if float(x).is_integer() else f"{x:,}"


def band_labels(cuts: Sequence[float]) -> dict[int, str]:
    """Labels of the bands made by ``cuts``: ``under 30``, ``30 to under 40``, ..., ``60 and over``."""
    labels = {1: f"under {_number(cuts[0])}"}
    for i, (lo, hi) in enumerate(zip(cuts[:-1], cuts[1:]), start=2):
        labels[i] = f"{_number(lo)} to under {_number(hi)}"
    labels[len(cuts) + 1] = f"{_number(cuts[-1])} and over"
    return labels


def bands(values: pd.Series, cuts: Sequence[float], *, name: str | None = None) -> tuple[pd.Series, Step]:
    """Numbers recoded to bands 1..len(cuts)+1: band i holds cuts[i-2] <= x < cuts[i-1] (module docs)."""
    cuts = [float(c) for c in cuts]
    if not cuts or any(b <= a for a, b in zip(cuts, cuts[1:])):
        raise ValueError(f"cut points of {name or values.name!r} must be given in increasing order (got {cuts})")
    x = pd.to_numeric(values, errors="coerce").astype("Float64")
    known = x.notna().to_numpy()
    codes = np.searchsorted(np.asarray(cuts), x.to_numpy(dtype=float, na_value=np.nan), side="right") + 1
    out = pd.Series(pd.array(np.where(known, codes, 0), dtype="Int64"), index=values.index, name=values.name)
    out = out.mask(~known)
    col = str(name or values.name)
    labels = band_labels(cuts)
    step = Step("global recoding", (col,), f"{col} in {len(labels)} bands cut at {', '.join(map(_number, cuts))}",
                {col: int(known.sum())}, {col: labels})
    return out, step


def group_choices(values: pd.Series, choices: ChoiceList, groups: Sequence[Sequence[int]],
                  labels: Sequence[str] | None = None, language: str = "en", *, name: str | None = None,
                  how: str = "") -> tuple[pd.Series, Step]:
    """Codes of a choice list recoded to groups 1, 2, ...: group i holds the codes ``groups[i-1]``; every choice
    of the list must be in exactly one group. Labels default to the first and last choice of each group
    (``20-24 – 25-29``). Values outside the list (missing codes) stay as they are."""
    col = str(name or values.name)
    codes = list(choices.codes())
    flat = [c for g in groups for c in g]
    left_out = [c for c in codes if c not in flat]
    unknown = [c for c in flat if c not in codes]
    twice = sorted({c for c in flat if flat.count(c) > 1})
    if left_out or unknown or twice:
        problems = ([f"choices {left_out} are in no group"] if left_out else []) + \
                   ([f"codes {unknown} are not choices of {choices.name!r}"] if unknown else []) + \
                   ([f"codes {twice} are in two groups"] if twice else [])
        raise ValueError(f"recoding {col!r}: {'; '.join(problems)}; put each of its codes {codes} in one group")
    if labels is not None and len(labels) != len(groups):
        raise ValueError(f"recoding {col!r}: {len(groups)} groups but {len(labels)} labels")
    group = {code: i + 1 for i, g in enumerate(groups) for code in g}
    if labels is None:
        labels = []
        for g in groups:
            members = [c for c in codes if c in g]
            first, last = choices.label(members[0], language), choices.label(members[-1], language)
            labels.append(first if len(members) == 1 else f"{first} – {last}")
    numbers = pd.to_numeric(values, errors="coerce")
    out = numbers.map(group).astype("Int64")
    out = out.where(~(numbers.notna() & out.isna()), numbers.astype("Int64"))  # a missing code stays
    changed = int((numbers.notna() & (out != numbers).fillna(False)).sum())
    step = Step("global recoding", (col,), f"{col}: {how or 'choices regrouped'} ({len(codes)} -> {len(groups)} "
                "categories)", {col: changed}, {col: dict(enumerate(labels, start=1))})
    return out.rename(values.name), step


def merge_choices(values: pd.Series, choices: ChoiceList, size: int, language: str = "en", *,
                  name: str | None = None) -> tuple[pd.Series, Step]:
    """Codes of a choice list merged in runs of ``size`` neighbouring choices, in the list's order."""
    if size < 2:
        raise ValueError(f"merging choices of {name or values.name!r} needs a group size of 2 or more (got {size})")
    codes = list(choices.codes())
    groups = [codes[i:i + size] for i in range(0, len(codes), size)]
    return group_choices(values, choices, groups, None, language, name=name,
                         how=f"choices of {choices.name!r} merged in groups of {size}")


def cut_choices(values: pd.Series, choices: ChoiceList, cuts: Sequence[float], language: str = "en", *,
                name: str | None = None) -> tuple[pd.Series, Step]:
    """Codes of a choice list grouped by cut points on the codes (``field`` 101..601 cut at 200, 300, ...: one
    group per hundred); empty groups are left out."""
    codes = list(choices.codes())
    band = np.searchsorted(np.asarray(sorted(float(c) for c in cuts)), np.asarray(codes, dtype=float), side="right")
    groups = [[c for c, b in zip(codes, band) if b == g] for g in sorted(set(band.tolist()))]
    return group_choices(values, choices, groups, None, language, name=name,
                         how=f"choices of {choices.name!r} grouped by codes cut at {', '.join(map(_number, cuts))}")


def top_code(values: pd.Series, top: float | None = None, bottom: float | None = None, *,
             name: str | None = None) -> tuple[pd.Series, Step]:
    """Values above ``top`` set to ``top``, below ``bottom`` set to ``bottom`` (either may be None)."""
    col = str(name or values.name)
    x = pd.to_numeric(values, errors="coerce").astype("Float64")
    over = (x > top).fillna(False) if top is not None else pd.Series(False, index=x.index)
    under = (x < bottom).fillna(False) if bottom is not None else pd.Series(False, index=x.index)
    out = x.mask(over, top).mask(under, bottom)
    if pd.api.types.is_integer_dtype(values.dtype):
        out = out.round().astype("Int64")
    parts = ([f"above {_number(top)} set to {_number(top)}"] if top is not None else []) + \
            ([f"below {_number(bottom)} set to {_number(bottom)}"] if bottom is not None else [])
    step = Step("top and bottom coding", (col,), f"{col}: " + "; ".join(parts),
                {col: int(over.sum() + under.sum())})
    return out.rename(values.name), step


def recode_map(values: pd.Series, mapping: Mapping[int, int], labels: Mapping[int, str], *,
               name: str | None = None, detail: str = "") -> tuple[pd.Series, Step]:
    """Codes recoded by an explicit ``mapping`` (old -> new); codes not in it stay."""
    col = str(name or values.name)
    numbers = pd.to_numeric(values, errors="coerce").astype("Int64")
    full = {int(v): int(mapping.get(int(v), int(v))) for v in numbers.dropna().unique()}  # over distinct codes
    out = numbers.map(full).astype("Int64")
    changed = int((numbers != out).fillna(False).sum())
    return out.rename(values.name), Step("global recoding", (col,), detail or f"{col} regrouped", {col: changed},
                                         {col: labels})
