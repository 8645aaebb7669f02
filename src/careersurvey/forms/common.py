"""What every form shares: languages, question numbers, missing-code options and routing in words.

All form writers (XLSForm, entry template, codebook, DDI, paper) read the questionnaire through these
helpers, so that "Q7-2", the wording of a routing rule or the missing codes an item offers are the same
on paper, in the codebook and in the spreadsheet.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from types import MappingProxyType
from typing import Iterator, Literal, Mapping

from careersurvey.questionnaire.model import (
    DONT_KNOW,
    NOT_APPLICABLE,
    REFUSED,
    Element,
    Grid,
    Item,
    Note,
    Questionnaire,
)

LangOption = Literal["ko", "en", "both"]

#: Display names used in XLSForm column headers (``label::Korean (ko)``) and in headings.
LANGUAGE_NAMES: Mapping[str, str] = MappingProxyType({"ko": "Korean", "en": "English"})

#: Missing codes a respondent may choose on a form (-6 and -9 are assigned by the data pipeline).
CHOOSABLE_MISSING: tuple[int, ...] = (REFUSED, DONT_KNOW)


class FormError(ValueError):
    """A form cannot be produced from this questionnaire; the message says where and what to do."""


def languages(q: Questionnaire, lang: LangOption | str) -> tuple[str, ...]:
    """The languages a form shows: one of the questionnaire's, or all of them for ``"both"``."""
    if lang == "both":
        return tuple(q.languages)
    if lang not in q.languages:
        raise FormError(
            f"{q.source or q.key}: language {lang!r} is not in the questionnaire (it has "
            f"{', '.join(q.languages)}); choose one of those or 'both'"
        )
    return (lang,)


def language_tag(lang: str) -> str:
    """XLSForm language tag: ``Korean (ko)`` (name plus ISO 639-1 code, as ODK recommends)."""
    return f"{LANGUAGE_NAMES.get(lang, lang)} ({lang})"


def text(value: Mapping[str, str], lang: str) -> str:
    """The text in ``lang``; empty when the element has none (optional hints, units)."""
    return value.get(lang, "") if value else ""


def _unit_names(unit: str) -> tuple[str, ...]:
    """The ways a label may name ``unit``: the whole text, and for ``A (B)`` also ``A`` and ``B``."""
    whole = unit.strip()
    match = re.fullmatch(r"(.*?)\s*\((.+)\)", whole)
    parts = (match.group(1).strip(), match.group(2).strip()) if match else ()
    return tuple(dict.fromkeys(p for p in (whole, *parts) if p))


def names_unit(label: str, unit: str) -> bool:
    """Whether ``label`` already names ``unit``: one of :func:`_unit_names` occurs in it, ignoring case, and not
    inside a longer Latin word or number ("hours" is in "how many hours", "percent" is not in "percentage";
    Korean has no spaces before its particles, so "시간" is in "몇 시간을")."""
    return any(re.search(rf"(?<![A-Za-z0-9]){re.escape(name)}(?![A-Za-z0-9])", label, flags=re.IGNORECASE)
               for name in _unit_names(unit))


def label_with_unit(label: str, unit: str) -> str:
    """``label (unit)``, or the label alone when it has no unit or already names it (:func:`names_unit`)."""
    return f"{label} ({unit})" if unit and not names_unit(label, unit) else label


def number_text(value: object) -> str:
    """A range bound as written on every form: ``100`` not ``100.0``, ``0.25`` never ``2.5e-01``
    (positional, so it is also valid XPath and Excel formula text); dates and other text as given."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    from careersurvey.expr.nodes import format_number

    return format_number(value)


def joined(value: Mapping[str, str], langs: tuple[str, ...], sep: str = " / ") -> str:
    """The text in each of ``langs`` joined (``"예 / Yes"``), skipping empty ones."""
    return sep.join(t for t in (text(value, lang) for lang in langs) if t)


@dataclass(frozen=True, slots=True)
class Numbered:
    """An element with its printed question number (None for notes)."""

    element: Element
    number: str | None
    module: str


def numbered(q: Questionnaire) -> tuple[Numbered, ...]:
    """Every element in order with its question number: items and grids Q1, Q2…; notes unnumbered."""
    out: list[Numbered] = []
    n = 0
    for module in q.modules:
        for element in module.elements:
            if isinstance(element, Note):
                out.append(Numbered(element, None, module.id))
            else:
                n += 1
                out.append(Numbered(element, f"Q{n}", module.id))
    return tuple(out)


def references(q: Questionnaire) -> Mapping[str, str]:
    """Variable and grid name -> how a form refers to it: ``Q5`` for an item, ``Q7-2`` for a grid row."""
    refs: dict[str, str] = {}
    for entry in numbered(q):
        element = entry.element
        if isinstance(element, Grid):
            refs[element.name] = entry.number or element.name
            for k, row in enumerate(element.items, start=1):
                refs[row.name] = f"{entry.number}-{k}"
        elif isinstance(element, Item):
            refs[element.name] = entry.number or element.name
    return MappingProxyType(refs)


def grid_of(q: Questionnaire) -> Mapping[str, Grid]:
    """Grid-row item name -> its grid (the grid carries the routing rule of its rows)."""
    return MappingProxyType(
        {row.name: e for m in q.modules for e in m.elements if isinstance(e, Grid) for row in e.items}
    )


def multiple_items(q: Questionnaire) -> frozenset[str]:
    """Names of the multiple-choice items (the skip-logic backends need them)."""
    return frozenset(i.name for i in q.items if i.type == "multiple")


#: What every form says next to a choice that excludes the others ("none of these"); formal 합니다체.
EXCLUSIVE_NOTE: Mapping[str, str] = MappingProxyType({
    "ko": "다른 항목과 함께 선택하지 마십시오",
    "en": "do not combine with other answers",
})


def exclusive_note(lang: str) -> str:
    """The "do not combine" wording in ``lang`` (English for languages without their own)."""
    return EXCLUSIVE_NOTE.get(lang, EXCLUSIVE_NOTE["en"])


def exclusive_codes(item: Item) -> tuple[int, ...]:
    """Choice codes of a multiple-choice item that cannot be ticked with any other choice, in list order
    (``Item.exclusive``); empty for every other item type."""
    if item.type != "multiple" or item.choices is None or not item.exclusive:
        return ()
    return tuple(c for c in item.choices.codes() if c in item.exclusive)


def form_missing(item: Item) -> tuple[int, ...]:
    """Missing codes a respondent can tick for this item on a form (refused, don't know)."""
    return tuple(c for c in CHOOSABLE_MISSING if c in item.missing)


def data_missing(q: Questionnaire, item: Item) -> tuple[int, ...]:
    """Missing codes the item's data column may hold: its own, plus -9 when routing can skip it."""
    codes = set(form_missing(item))
    if relevance_of(q, item) is not None:
        codes.add(NOT_APPLICABLE)
    if NOT_APPLICABLE in item.missing:
        codes.add(NOT_APPLICABLE)
    return tuple(sorted(codes, reverse=True))


def relevance_of(q: Questionnaire, element: Element) -> object | None:
    """The routing tree that applies to an element: its own, or its grid's for a grid row."""
    own = getattr(element, "relevance", None)
    if own is not None:
        return own
    if isinstance(element, Item) and element.grid:
        grid = grid_of(q).get(element.name)
        return grid.relevance if grid is not None else None
    return None


def routing_words(q: Questionnaire, tree: object | None, lang: str) -> str:
    """A routing rule in words (``Q5에서 '예'를 선택한 경우`` / ``if Q5 is 'Yes'``); empty when always asked."""
    if tree is None:
        return ""
    from careersurvey.expr import to_words

    refs = references(q)

    def choice_label(name: str, code: int) -> str:
        """The label a routing rule shows for ``code`` of item ``name`` (missing codes included)."""
        item = q.item(name)
        if code in q.missing_labels:
            return text(q.missing_labels[code], lang)
        if item.choices is None:
            return str(code)
        return item.choices.label(code, lang)

    return to_words(tree, lang, ref=lambda name: refs.get(name, name), choice_label=choice_label)


def rule_after(tree: object | None, prefix: object | None) -> tuple[bool, object | None]:
    """(found, rest) of a rule built as ``prefix and rest``, the way the loader folds a module's own rule in
    front of each element's (rest None when the rule is ``prefix`` alone); found is False, and the rule is
    returned whole, when it does not start with ``prefix`` or there is no prefix."""
    from careersurvey.expr import BoolOp

    if prefix is None:
        return False, tree
    if tree == prefix:
        return True, None
    if isinstance(tree, BoolOp) and tree.op == "and" and tree.left == prefix:
        return True, tree.right
    return False, tree


def answer_only_if(q: Questionnaire, tree: object | None, lang: str) -> str:
    """The printed routing instruction: ``(Q5에서 '예'를 선택한 경우에만 응답하십시오.)``."""
    words = routing_words(q, tree, lang)
    if not words:
        return ""
    if lang == "ko":
        return f"{words}에만 응답하십시오." if words.endswith("경우") else f"{words} 응답하십시오."
    return f"Answer only {words}." if words.startswith("if ") else f"Answer only if {words}."


def form_version(q: Questionnaire, today: str | None = None) -> str:
    """An XLSForm/ODK ``version`` that grows with every release: ``yyyymmdd`` of the release date
    followed by the semantic version as ``MMmmpp`` (1.2.3 -> 010203), e.g. ``20261123010000``.

    Fixed width, so newer releases sort after older ones both as strings and as numbers. A draft
    without a date uses ``today`` (ISO date, default: the current UTC date).
    """
    import datetime as _dt

    date = q.date or today or _dt.datetime.now(_dt.timezone.utc).date().isoformat()
    digits = str(date).replace("-", "")[:8]
    parts = (q.version.split("+")[0].split("-")[0].split(".") + ["0", "0"])[:3]
    try:
        semver = "".join(f"{int(p):02d}" for p in parts)
    except ValueError as exc:
        raise FormError(f"{q.source or q.key}: version {q.version!r} is not major.minor.patch") from exc
    if len(digits) != 8 or not digits.isdigit() or len(semver) != 6:
        raise FormError(
            f"{q.source or q.key}: cannot build a form version from date {date!r} and version {q.version!r}; "
            "use an ISO date (2026-11-23) and a version below 100.100.100"
        )
    return digits + semver


def iter_elements(q: Questionnaire) -> Iterator[tuple[str, Element]]:
    """(module id, element) for every element in order."""
    for module in q.modules:
        for element in module.elements:
            yield module.id, element


def resolve_questionnaire(spec: str | os.PathLike[str] | Questionnaire) -> Questionnaire:
    """A questionnaire from a model value, a YAML path, an id (latest version) or ``id@version``.

    Paths and keys go to :func:`careersurvey.questionnaire.load_questionnaire`, which finds the
    ``survey/`` folder (or ``$CAREERSURVEY_SURVEY_DIR``) and reports every problem of the file.
    """
    if isinstance(spec, Questionnaire):
        return spec
    from careersurvey.questionnaire import load_questionnaire

    return load_questionnaire(spec)
