"""Matching a file's headers to the questionnaire's data columns.

Headers are matched, in this order: exactly by column name (``role``, ``motives_3``); by the last part
of a group path (``grp_status/role``; the separators ``/`` and ``-`` of KoboToolbox and ODK Central, or
one given); split multiple-choice columns by ``item<sep>code`` (``motives/3``); and, for exports with
label headers, by the item's label in any language (``Role``, ``직무``, ``Motives/Pay``). A multiple-
choice item given only as a space-separated column (``motives`` = ``"1 3"``) is split into its 0/1
columns by :func:`split_multiple`. System columns of exports are set apart; anything else is unknown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Mapping

import numpy as np
import pandas as pd

from careersurvey.questionnaire.model import Item, Questionnaire, multiple_column
from careersurvey.responses.readers.raw import RawTable

DEFAULT_SEPARATORS = "/-"


@dataclass(frozen=True, slots=True)
class ColumnPlan:
    """Where each header goes: a data column, a space-separated multiple-choice item, system or unknown."""

    columns: Mapping[str, str]  # header -> data column (``role``, ``motives_3``)
    summaries: Mapping[str, str]  # header -> multiple-choice item given as space-separated codes
    system: tuple[str, ...]
    unknown: tuple[str, ...]
    by_label: bool  # some headers matched by label text


def _norm(text: str) -> str:
    """Text compared case- and space-insensitively (labels, choice names)."""
    return re.sub(r"\s+", " ", str(text)).strip().casefold()


def resolve_columns(table: RawTable, questionnaire: Questionnaire, separators: str = DEFAULT_SEPARATORS) -> ColumnPlan:
    """Map the headers of ``table`` onto the columns of ``questionnaire`` (see the module docs)."""
    items = {i.name: i for i in questionnaire.items}
    all_columns = set(questionnaire.columns())
    labels: dict[str, str] = {}
    choice_labels: dict[str, dict[str, int]] = {}
    for item in items.values():
        for text in item.label.values():
            labels.setdefault(_norm(text), item.name)
        if item.type == "multiple" and item.choices is not None:
            choice_labels[item.name] = {
                _norm(t): c.code for c in item.choices.choices for t in [str(c.code), *c.label.values()]
            }
    columns: dict[str, str] = {}
    summaries: dict[str, str] = {}
    system: list[str] = []
    unknown: list[str] = []
    by_label = False
    id_col = table.id_column
    for header in table.headers:
        if header == id_col:
            continue
        target, summary, label_used = _match(header, items, all_columns, labels, choice_labels, separators)
        if target is None and summary is None and header in table.meta_columns:
            system.append(header)
            continue
        if summary is not None:
            summaries[header] = summary
        elif target is not None and target not in columns.values():
            columns[header] = target
        else:
            (system if header in table.meta_columns else unknown).append(header)
            continue
        by_label |= label_used
    # a multiple-choice item given both ways: the split 0/1 columns win, the summary is kept raw
    split_items = {items_of(c, items) for c in columns.values()}
    for header, item in list(summaries.items()):
        if item in split_items:
            del summaries[header]
            system.append(header)
    return ColumnPlan(columns, summaries, tuple(system), tuple(unknown), by_label)


def items_of(column: str, items: Mapping[str, Item]) -> str | None:
    """The item a data column belongs to (``motives_3`` -> ``motives``)."""
    if column in items:
        return column
    base, _, code = column.rpartition("_")
    return base if base in items else None


def _match(header: str, items: Mapping[str, Item], all_columns: set[str], labels: Mapping[str, str],
           choice_labels: Mapping[str, Mapping[str, int]], separators: str) -> tuple[str | None, str | None, bool]:
    """(data column, summary item, matched by label) for one header."""
    def as_name(name: str) -> tuple[str | None, str | None]:
        if name in items and items[name].type == "multiple":
            return None, name
        if name in all_columns:
            return name, None
        return None, None

    hit = as_name(header)
    if hit != (None, None):
        return (*hit, False)
    for sep in separators:
        if sep not in header:
            continue
        parts = header.split(sep)
        hit = as_name(parts[-1])
        if hit != (None, None):
            return (*hit, False)
        if len(parts) >= 2 and parts[-2] in items and items[parts[-2]].type == "multiple":
            code = choice_labels[parts[-2]].get(_norm(parts[-1]))
            if code is not None:
                return multiple_column(parts[-2], code), None, False
    # label headers: whole text, then the last part of a label path ("Status/Consent", "Motives/Pay")
    key = _norm(header)
    if key in labels:
        return (*as_name(labels[key]), True)
    for sep in separators:
        if sep not in header:
            continue
        parts = header.split(sep)
        if len(parts) >= 2 and _norm(parts[-2]) in labels:
            item = labels[_norm(parts[-2])]
            code = choice_labels.get(item, {}).get(_norm(parts[-1]))
            if code is not None:
                return multiple_column(item, code), None, True
        if _norm(parts[-1]) in labels:
            return (*as_name(labels[_norm(parts[-1])]), True)
    return None, None, False


def split_multiple(values: np.ndarray, item: Item) -> dict[str, np.ndarray]:
    """0/1 columns of multiple-choice ``item`` from space-separated codes (or labels without spaces).

    Empty cells give NaN in every column (unanswered); a lone missing code (``-7``) gives that code in
    every column; tokens that are no choice are returned in the ``"__invalid__"`` entry (object array,
    None where all tokens were valid) for validation to report.
    """
    assert item.choices is not None
    s = pd.Series(values, dtype=object)
    text = s.where(s.notna(), "").astype(str).str.strip()
    text = text.where(~text.str.fullmatch(r"-?\d+\.0"), text.str.replace(r"\.0$", "", regex=True))
    tokens = text.str.split()
    empty = (text == "").to_numpy()
    lookup: dict[str, int] = {}
    for c in item.choices.choices:
        lookup[str(c.code)] = c.code
        for lab in c.label.values():
            lookup.setdefault(_norm(lab), c.code)
    exploded = tokens.explode()
    norm = exploded.fillna("").map(_norm)
    codes = norm.map(lookup)
    missing_code = pd.to_numeric(norm, errors="coerce")
    is_missing = missing_code.isin([-6, -7, -8, -9])
    bad = exploded[codes.isna() & ~is_missing & (norm != "")]
    out: dict[str, np.ndarray] = {}
    row_missing = missing_code.where(is_missing).groupby(level=0).max().reindex(s.index).to_numpy()
    for c in item.choices.choices:
        chosen = (codes == c.code).groupby(level=0).any().reindex(s.index, fill_value=False).to_numpy()
        col = np.where(chosen, 1.0, 0.0)
        col[empty] = np.nan
        has_missing = ~np.isnan(row_missing)
        col[has_missing] = row_missing[has_missing]
        out[multiple_column(item.name, c.code)] = col
    invalid = np.full(len(s), None, dtype=object)
    if len(bad):
        joined = bad.astype(str).groupby(level=0).agg(" ".join)
        invalid[joined.index.to_numpy()] = joined.to_numpy()
    out["__invalid__"] = invalid
    return out
