"""Matching a file's headers to the questionnaire's data columns.

Headers are matched, in this order: exactly by column name (``role``, ``motives_3``); by the last part
of a group path (``grp_status/role``; the separators ``/`` and ``-`` of KoboToolbox and ODK Central, or
one given); split multiple-choice columns by ``item<sep>choice`` where the choice is its code, XLSForm
name or label (``motives/3``, ``motives/pay``; ``motives/-7`` for a missing code the form offers, read by
validation as that code); and, for exports with label headers, by the item's label in any language
(``Role``, ``직무``, ``Motives/Pay``). A multiple-choice item given only as a space-separated column
(``motives`` = ``"1 3"``, ``"pay autonomy"``) is split into its 0/1 columns by :func:`split_multiple`.
System columns of exports are set apart; anything else is unknown.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

import numpy as np
import pandas as pd

from careersurvey.questionnaire.model import MISSING_CODES, Item, Questionnaire, multiple_column
from careersurvey.responses.choices import CellReading, choice_lookup, norm, read_cell
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


def resolve_columns(table: RawTable, questionnaire: Questionnaire, separators: str = DEFAULT_SEPARATORS) -> ColumnPlan:
    """Map the headers of ``table`` onto the columns of ``questionnaire`` (see the module docs)."""
    items = {i.name: i for i in questionnaire.items}
    all_columns = set(questionnaire.columns())
    labels: dict[str, str] = {}
    choice_labels: dict[str, dict[str, int]] = {}
    for item in items.values():
        for text in item.label.values():
            labels.setdefault(norm(text), item.name)
        if item.type == "multiple" and item.choices is not None:
            choice_labels[item.name] = choice_lookup(item, questionnaire.missing_labels)
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
        # a split column item<sep>choice first (the choice may itself hold the separator: ODK Central's
        # "grp-motives--7", a name "full-time"), so that a choice named like an item is not taken for it
        for i in range(len(parts) - 2, -1, -1):
            if parts[i] in items and items[parts[i]].type == "multiple":
                code = choice_labels[parts[i]].get(norm(sep.join(parts[i + 1:])))
                if code is not None:
                    return multiple_column(parts[i], code), None, False
        hit = as_name(parts[-1])
        if hit != (None, None):
            return (*hit, False)
    # label headers: whole text, then the last part of a label path ("Status/Consent", "Motives/Pay")
    key = norm(header)
    if key in labels:
        return (*as_name(labels[key]), True)
    for sep in separators:
        if sep not in header:
            continue
        parts = header.split(sep)
        if len(parts) >= 2 and norm(parts[-2]) in labels:
            item = labels[norm(parts[-2])]
            code = choice_labels.get(item, {}).get(norm(parts[-1]))
            if code is not None:
                return multiple_column(item, code), None, True
        if norm(parts[-1]) in labels:
            return (*as_name(labels[norm(parts[-1])]), True)
    return None, None, False


def split_multiple(values: np.ndarray, item: Item,
                   missing_labels: Mapping[int, Mapping[str, str]] | None = None) -> dict[str, np.ndarray]:
    """0/1 columns of multiple-choice ``item`` from a space-separated list of its choices' codes, XLSForm
    names or labels (labels holding spaces are read by :func:`..choices.read_cell`).

    Empty cells give NaN in every column (unanswered); a missing code, or its label in ``missing_labels``
    (``-7``, ``Prefer not to answer``), gives that code in every column; words that are no choice are
    returned in the ``"__invalid__"`` entry, and cells that read as more than one set of choices in the
    ``"__ambiguous__"`` entry (object arrays, None where the cell is fine), for validation to report.
    """
    assert item.choices is not None
    s = pd.Series(values, dtype=object)
    text = s.where(s.notna(), "").astype(str).str.strip()
    text = text.where(~text.str.fullmatch(r"-?\d+\.0"), text.str.replace(r"\.0$", "", regex=True))
    missing = missing_labels or {}
    lookup = choice_lookup(item, {code: missing.get(code, {}) for code in MISSING_CODES})
    cells, distinct = pd.factorize(text)  # each distinct cell is read once
    read = [read_cell(t, lookup) if t else CellReading(()) for t in distinct]
    empty = (text == "").to_numpy()
    missing_of = np.array([max((c for c in r.codes if c in MISSING_CODES), default=np.nan) for r in read]
                          + [np.nan])[cells]
    has_missing = ~np.isnan(missing_of)
    out: dict[str, np.ndarray] = {}
    for c in item.choices.choices:
        chosen = np.array([c.code in r.codes for r in read] + [False])[cells]
        col = np.where(chosen, 1.0, 0.0)
        col[empty] = np.nan
        col[has_missing] = missing_of[has_missing]
        out[multiple_column(item.name, c.code)] = col
    out["__invalid__"] = np.array([r.unknown for r in read] + [None], dtype=object)[cells]
    out["__ambiguous__"] = np.array([r.ambiguous for r in read] + [None], dtype=object)[cells]
    return out
