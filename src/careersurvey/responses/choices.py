"""Matching what a file holds for a choice to its code: the code, the choice's XLSForm name, or a label.

KoboToolbox and ODK exports hold, per cell and in split-column headers, either the choices' names
("XML values": ``faculty``, or ``2`` where the name is the code) or their labels in one language
(``Faculty member``, ``교수``); missing codes offered as choices appear as their code (``-7``) or their
label (``Prefer not to answer``). :func:`choice_lookup` gives one table for all of these, and
:func:`segment` reads a select_multiple cell of labels joined by spaces (``Pay Research autonomy``),
which cannot simply be split at spaces when labels hold spaces.
"""

from __future__ import annotations

from typing import Mapping, NamedTuple

from careersurvey.questionnaire.model import Item

#: Most segmentations looked at before a cell is called ambiguous (labels joined by spaces).
_MAX_WORDS = 60


def norm(text: object) -> str:
    """Text compared case- and space-insensitively (labels, choice names)."""
    return " ".join(str(text).split()).casefold()


def choice_lookup(item: Item, missing_labels: Mapping[int, Mapping[str, str]] | None = None) -> dict[str, int]:
    """Normalised text -> code for a choice item: codes, XLSForm names and labels in every language of its
    choices, then the missing codes and their labels (``missing_labels``, the questionnaire's). Where two
    choices share a text the earlier kind wins (a code or name before any label)."""
    assert item.choices is not None
    out: dict[str, int] = {}
    for c in item.choices.choices:
        out.setdefault(str(c.code), c.code)
        out.setdefault(norm(c.xml_name), c.code)
    for c in item.choices.choices:
        for text in c.label.values():
            out.setdefault(norm(text), c.code)
    for code, labels in (missing_labels or {}).items():
        out.setdefault(str(code), code)
        for text in labels.values():
            out.setdefault(norm(text), code)
    return out


def choices_text(item: Item) -> str:
    """The codes of a choice item as a problem message lists them, with their names where the list has them:
    ``1, 2, 3`` or ``1 (student), 2 (postdoc)``."""
    assert item.choices is not None
    if not item.choices.named:
        return ", ".join(str(c.code) for c in item.choices.choices)
    return ", ".join(f"{c.code} ({c.xml_name})" for c in item.choices.choices)


class CellReading(NamedTuple):
    """What one select_multiple cell says: the codes, and what is wrong with it (None when nothing is)."""

    codes: tuple[int, ...]
    unknown: str | None = None  # the words that are no choice's code, name or label (as written)
    ambiguous: str | None = None  # the whole cell, when its words read as more than one set of choices


def read_cell(text: str, lookup: Mapping[str, int]) -> CellReading:
    """The reading of one select_multiple cell (stripped, not empty).

    Every reading of the words as known texts is looked at (:func:`segment`), so that ``Research autonomy``
    is one choice where that is a label; words that are no choice's text are returned as unknown (as
    written), and a cell that reads two ways (``research`` and ``autonomy`` are names, ``Research autonomy``
    a label) is returned whole as ambiguous — an answer is never guessed.
    """
    words = text.split()
    if len(words) == 1:
        code = lookup.get(norm(text))
        return CellReading((code,)) if code is not None else CellReading((), text)
    read = segment(text, lookup)
    if read is not None:
        return CellReading(read)
    unknown = [w for w in words if norm(w) not in lookup and not any(norm(w) in k.split(" ") for k in lookup)]
    if unknown:
        return CellReading(tuple(lookup[norm(w)] for w in words if norm(w) in lookup), " ".join(unknown))
    return CellReading((), None, text)


def segment(text: str, lookup: Mapping[str, int]) -> tuple[int, ...] | None:
    """The codes of a cell of choices joined by spaces, when exactly one reading of its words as a sequence of
    known texts exists (``Pay Research autonomy`` -> pay, research autonomy); None when there is none or more
    than one (the cell is then reported as it is)."""
    words = norm(text).split(" ")
    if not words or len(words) > _MAX_WORDS:
        return None
    longest = max((k.count(" ") + 1 for k in lookup), default=1)
    # ways[i]: number of readings of words[:i] (capped at 2) and the last phrase's (start, code) of one reading
    ways: list[int] = [1] + [0] * len(words)
    back: list[tuple[int, int] | None] = [None] * (len(words) + 1)
    for i in range(1, len(words) + 1):
        for j in range(max(0, i - longest), i):
            code = lookup.get(" ".join(words[j:i]))
            if code is None or not ways[j]:
                continue
            ways[i] = min(2, ways[i] + ways[j])
            back[i] = (j, code)
    if ways[-1] != 1:
        return None
    codes: list[int] = []
    i = len(words)
    while i:
        j, code = back[i]  # type: ignore[misc]
        codes.append(code)
        i = j
    return tuple(reversed(codes))
