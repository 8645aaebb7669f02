"""Codebook: one entry per data column, as an .xlsx workbook and as a standalone HTML page.

:func:`build_codebook` is pure and returns a :class:`Codebook` value; the entry template, the DDI
writer and the two renderers here all read the same value, so a variable is described identically
everywhere. A multiple-choice item has one 0/1 column per choice (``motives_2``), each its own entry;
the column of a choice that cannot be combined with the others ("none of these") is marked ``exclusive``.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from careersurvey.forms import common
from careersurvey.forms.common import LangOption, text
from careersurvey.forms.safety import safe_workbook, sheet_name, write_text
from careersurvey.questionnaire.model import GlossaryEntry, Item, Questionnaire, Scale

#: Value labels of the 0/1 columns of a multiple-choice item.
SELECTED_LABELS: Mapping[int, Mapping[str, str]] = {
    1: {"ko": "선택함", "en": "Selected"},
    0: {"ko": "선택하지 않음", "en": "Not selected"},
}

TYPE_NAMES: Mapping[str, Mapping[str, str]] = {
    "single": {"ko": "단일 선택", "en": "single choice"},
    "multiple": {"ko": "복수 선택 (0/1)", "en": "multiple choice (0/1)"},
    "rating": {"ko": "척도 평정", "en": "rating"},
    "integer": {"ko": "정수", "en": "integer"},
    "decimal": {"ko": "실수", "en": "decimal"},
    "text": {"ko": "문자", "en": "text"},
    "date": {"ko": "날짜 (YYYY-MM-DD)", "en": "date (YYYY-MM-DD)"},
}


@dataclass(frozen=True, slots=True)
class Value:
    """One code and its label in each language."""

    code: int
    label: Mapping[str, str]
    missing: bool = False


@dataclass(frozen=True, slots=True)
class Variable:
    """One data column described for a codebook."""

    name: str
    item: str
    number: str
    module: str
    module_title: Mapping[str, str]
    question: Mapping[str, str]
    type: str
    values: tuple[Value, ...]
    missing: tuple[Value, ...]
    range: str
    unit: Mapping[str, str]
    routing: Mapping[str, str]
    routing_source: str
    scale: str
    reverse: bool
    sensitive: bool
    required: bool
    grid: str
    minimum: float | str | None = None  # the range bounds as values (``range`` is their display text)
    maximum: float | str | None = None
    exclusive: bool = False  # the 0/1 column of a choice that cannot be ticked with any other choice
    disclosure: str = ""  # disclosure role (direct, key, sensitive, text) or "" when the item has none

    @property
    def is_categorical(self) -> bool:
        """True when the column holds codes with value labels (choice items, 0/1 columns)."""
        return bool(self.values)


@dataclass(frozen=True, slots=True)
class Codebook:
    """Everything a codebook shows: questionnaire identity, variables, scales, missing codes, glossary."""

    questionnaire_id: str
    version: str
    content_hash: str
    title: Mapping[str, str]
    languages: tuple[str, ...]
    variables: tuple[Variable, ...]
    scales: tuple[Scale, ...]
    missing_codes: tuple[Value, ...]
    glossary: tuple[GlossaryEntry, ...]
    date: str

    def variable(self, name: str) -> Variable:
        """The entry of data column ``name``; KeyError naming the questionnaire when there is none."""
        for v in self.variables:
            if v.name == name:
                return v
        raise KeyError(f"codebook of {self.questionnaire_id}@{self.version} has no variable {name!r}")


def _range_text(item: Item) -> str:
    """The range as printed in codebooks: ``0 – 100``, ``– 60`` (max only); empty without one."""
    rng = item.range
    if rng is None or (rng.min is None and rng.max is None):
        return ""
    lo = common.number_text(rng.min) if rng.min is not None else ""
    hi = common.number_text(rng.max) if rng.max is not None else ""
    return f"{lo} – {hi}".strip()


def build_codebook(q: Questionnaire, lang: LangOption = "both") -> Codebook:
    """The codebook of ``q``: every column of ``q.columns()`` in order, with its labels and rules."""
    langs = common.languages(q, lang)
    refs = common.references(q)
    grids = common.grid_of(q)
    titles = {m.id: m.title for m in q.modules}
    missing_all = {code: Value(code, label, True) for code, label in sorted(q.missing_labels.items(), reverse=True)}
    variables: list[Variable] = []
    for item in q.items:
        tree = common.relevance_of(q, item)
        routing = {lg: common.routing_words(q, tree, lg) for lg in langs}
        source = item.relevance_text or (grids[item.name].relevance_text if item.name in grids else None) or ""
        grid = grids.get(item.name)
        question = dict(item.label)
        if grid is not None:
            question = {lg: f"{text(grid.label, lg)} — {text(item.label, lg)}" for lg in langs}
        missing = tuple(missing_all[c] for c in common.data_missing(q, item) if c in missing_all)
        common_fields = dict(
            item=item.name,
            number=refs[item.name],
            module=item.module,
            module_title=titles.get(item.module, {}),
            missing=missing,
            range=_range_text(item),
            minimum=item.range.min if item.range else None,
            maximum=item.range.max if item.range else None,
            unit=item.unit,
            routing=routing,
            routing_source=source,
            scale=item.scale or "",
            reverse=item.reverse,
            sensitive=item.sensitive,
            required=item.required,
            grid=grid.name if grid is not None else "",
            disclosure=item.role or "",
        )
        if item.type == "multiple":
            assert item.choices is not None
            binary = tuple(Value(code, SELECTED_LABELS[code]) for code in (1, 0))
            alone = common.exclusive_codes(item)
            for choice, column in zip(item.choices.choices, item.columns()):
                label = {lg: f"{text(question, lg)} — {text(choice.label, lg)}" for lg in langs}
                variables.append(Variable(name=column, question=label, type="multiple", values=binary,
                                          exclusive=choice.code in alone, **common_fields))
        else:
            values = tuple(Value(c.code, c.label) for c in item.choices.choices) if item.choices else ()
            variables.append(Variable(name=item.name, question=question, type=item.type, values=values, **common_fields))
    return Codebook(
        questionnaire_id=q.id,
        version=q.version,
        content_hash=q.content_hash(),
        title=q.title,
        languages=langs,
        variables=tuple(variables),
        scales=tuple(q.scales.values()),
        missing_codes=tuple(missing_all.values()),
        glossary=q.glossary,
        date=q.date or "",
    )


def _values_text(values: tuple[Value, ...], lang: str) -> str:
    """Codes and labels in one line: ``1 = 예; 0 = 아니요``."""
    return "; ".join(f"{v.code} = {text(v.label, lang)}" for v in values)


_HEADERS: Mapping[str, Mapping[str, str]] = {
    "variable": {"ko": "변수", "en": "Variable"},
    "number": {"ko": "문항 번호", "en": "Question"},
    "module": {"ko": "모듈", "en": "Module"},
    "question": {"ko": "문항 ({lang})", "en": "Question text ({lang})"},
    "type": {"ko": "유형", "en": "Type"},
    "values": {"ko": "값과 값 설명 ({lang})", "en": "Values and value labels ({lang})"},
    "missing": {"ko": "결측 코드", "en": "Missing codes"},
    "range": {"ko": "범위", "en": "Range"},
    "unit": {"ko": "단위 ({lang})", "en": "Unit ({lang})"},
    "routing": {"ko": "응답 대상 ({lang})", "en": "Asked if ({lang})"},
    "rule": {"ko": "라우팅 조건식", "en": "Routing rule"},
    "scale": {"ko": "척도", "en": "Scale"},
    "reverse": {"ko": "역코딩", "en": "Reverse-keyed"},
    "sensitive": {"ko": "민감 문항", "en": "Sensitive"},
    "required": {"ko": "필수", "en": "Required"},
    "exclusive": {"ko": "단독 선택 (다른 보기와 함께 선택 불가)", "en": "Exclusive (not combined with other choices)"},
    "disclosure": {"ko": "공개 위험 역할", "en": "Disclosure"},
}


def variable_table(cb: Codebook, ui: str | None = None) -> tuple[list[str], list[list[object]]]:
    """Header and rows of the variables table (one column per language for the texts).

    ``ui`` is the language of the headers (default: the codebook's first language).
    """
    ui = ui or cb.languages[0]
    yes, no = ("예", "") if ui == "ko" else ("yes", "")
    header: list[str] = [_HEADERS[k][ui] for k in ("variable", "number", "module")]
    header += [_HEADERS["question"][ui].format(lang=lg) for lg in cb.languages]
    header += [_HEADERS["type"][ui]]
    header += [_HEADERS["values"][ui].format(lang=lg) for lg in cb.languages]
    header += [_HEADERS["missing"][ui], _HEADERS["range"][ui]]
    header += [_HEADERS["unit"][ui].format(lang=lg) for lg in cb.languages]
    header += [_HEADERS["routing"][ui].format(lang=lg) for lg in cb.languages]
    header += [_HEADERS["rule"][ui]]
    header += [_HEADERS[k][ui] for k in ("scale", "reverse", "sensitive", "required", "exclusive", "disclosure")]
    rows: list[list[object]] = []
    for v in cb.variables:
        row: list[object] = [v.name, v.number, v.module]
        row += [text(v.question, lg) for lg in cb.languages]
        row += [text(TYPE_NAMES[v.type], ui)]
        row += [_values_text(v.values, lg) for lg in cb.languages]
        row += [", ".join(str(m.code) for m in v.missing), v.range]
        row += [text(v.unit, lg) for lg in cb.languages]
        row += [v.routing.get(lg, "") for lg in cb.languages]
        row += [v.routing_source]
        row += [v.scale] + [yes if flag else no for flag in (v.reverse, v.sensitive, v.required, v.exclusive)]
        row += [v.disclosure]
        rows.append(row)
    return header, rows


def value_label_table(cb: Codebook) -> tuple[list[str], list[list[object]]]:
    """Long table of value labels: variable, code, label per language, missing flag."""
    header = ["variable", "code"] + [f"label_{lg}" for lg in cb.languages] + ["missing"]
    rows = [
        [v.name, value.code] + [text(value.label, lg) for lg in cb.languages] + [1 if value.missing else 0]
        for v in cb.variables
        for value in v.values + v.missing
    ]
    return header, rows


def scale_table(cb: Codebook) -> tuple[list[str], list[list[object]]]:
    """One row per scale: items, reverse-keyed items, scoring, construct and anchor."""
    header = ["scale"] + [f"label_{lg}" for lg in cb.languages] + [
        "items", "reverse", "method", "min_answered", "construct", "anchor"]
    rows = [
        [s.name] + [text(s.label, lg) for lg in cb.languages]
        + [", ".join(s.items), ", ".join(s.reverse), s.method, s.min_answered, s.construct or "", s.anchor or ""]
        for s in cb.scales
    ]
    return header, rows


def write_tables(workbook: object, tables: Mapping[str, tuple[list[str], list[list[object]]]], taken: list[str]) -> None:
    """Write named tables into an xlsxwriter workbook as sheets with a bold frozen header and filters."""
    bold = workbook.add_format({"bold": True, "text_wrap": True, "valign": "top", "bg_color": "#DDE6F0"})
    wrap = workbook.add_format({"text_wrap": True, "valign": "top"})
    quoted = workbook.add_format({"text_wrap": True, "valign": "top", "quote_prefix": True})
    for title, (header, rows) in tables.items():
        name = sheet_name(title, taken)
        taken.append(name)
        ws = workbook.add_worksheet(name)
        for c, h in enumerate(header):
            write_text(ws, 0, c, h, bold, bold)
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row):
                write_text(ws, r, c, value if value != "" else None, wrap, quoted)
        for c, h in enumerate(header):
            longest = max([len(str(h))] + [len(str(row[c])) for row in rows[:200]])
            ws.set_column(c, c, min(max(longest + 2, 8), 50))
        ws.freeze_panes(1, 1)
        ws.autofilter(0, 0, max(len(rows), 1), len(header) - 1)


def codebook_tables(cb: Codebook) -> dict[str, tuple[list[str], list[list[object]]]]:
    """Sheet title -> table for the codebook workbook."""
    lg = cb.languages
    missing = (["code"] + [f"label_{x}" for x in lg], [[m.code] + [text(m.label, x) for x in lg] for m in cb.missing_codes])
    glossary = (["term"] + [f"definition_{x}" for x in lg], [[g.term] + [text(g.definition, x) for x in lg] for g in cb.glossary])
    about = (["key", "value"], [
        ["questionnaire_id", cb.questionnaire_id], ["version", cb.version], ["date", cb.date],
        ["content_hash", cb.content_hash], ["languages", ",".join(lg)],
        ["variables", len(cb.variables)], ["title", common.joined(cb.title, lg)],
        ["created", _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")],
    ])
    return {
        "Variables": variable_table(cb),
        "Value labels": value_label_table(cb),
        "Missing codes": missing,
        "Scales": scale_table(cb),
        "Glossary": glossary,
        "About": about,
    }


def write_codebook_xlsx(cb: Codebook, path: str | Path) -> Path:
    """Write the codebook workbook (Variables, Value labels, Missing codes, Scales, Glossary, About)."""
    path = Path(path)
    workbook = safe_workbook(path)
    try:
        write_tables(workbook, codebook_tables(cb), [])
    finally:
        workbook.close()
    return path


def render_codebook_html(cb: Codebook) -> str:
    """The codebook as one standalone HTML page (no external files)."""
    from careersurvey.forms.templating import render

    return render(
        "codebook.html.j2",
        cb=cb,
        langs=cb.languages,
        ui=cb.languages[0],
        text=text,
        values_text=_values_text,
        type_names=TYPE_NAMES,
        scales=scale_table(cb),
        grid_of={v.name: v.grid for v in cb.variables},
        exclusive_note=common.exclusive_note(cb.languages[0]),
    )


def export_codebook(
    questionnaire: Questionnaire | str | Path, path: str | Path, lang: LangOption = "both"
) -> Path:
    """Write the codebook of ``questionnaire`` to ``path``: .xlsx, or HTML for .html/.htm; returns the path."""
    q = common.resolve_questionnaire(questionnaire)
    cb = build_codebook(q, lang)
    path = Path(path)
    if path.suffix.lower() in (".html", ".htm"):
        path.write_text(render_codebook_html(cb), encoding="utf-8")
        return path
    if path.suffix.lower() != ".xlsx":
        raise common.FormError(f"{path}: a codebook is written as .xlsx or .html; change the file extension")
    return write_codebook_xlsx(cb, path)
