"""Excel data-entry template: one row per respondent, one validated column per variable.

For entering paper questionnaires by hand or for a fieldwork firm. The workbook (xlsxwriter) has

* ``Responses`` — row 1 variable names, row 2 labels (both frozen and protected), data from row 3;
  column A ``respondent_id`` is a text column so leading zeros survive; a multiple-choice item is one
  0/1 column per choice (``motives_2``); every column carries a data validation (choice codes plus the
  item's missing codes, numeric ranges plus missing codes, dates) whose input message shows the question
  (and, for a multiple-choice item with a "none of these" kind of choice, that it excludes the others);
* ``Guidance`` — protected instructions: entry, missing codes, routing in words;
* ``Codebook`` — the variables table of :mod:`careersurvey.forms.codebook`;
* ``_lookup`` (hidden) — the code lists the dropdowns read (inline lists are capped at 255 characters);
* ``_meta`` (hidden) — column A keys, column B values, read back by the response importer:
  ``form_kind`` (= ``careersurvey-entry-template``), ``questionnaire_id``, ``version``, ``content_hash``,
  ``languages``, ``label_language``, ``responses_sheet``, ``header_rows``, ``first_data_row``,
  ``id_column``, ``n_columns``, ``generator``, ``created``.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Mapping

from careersurvey.forms import codebook as _codebook
from careersurvey.forms import common
from careersurvey.forms.common import FormError, LangOption, number_text, text
from careersurvey.forms.safety import safe_workbook, write_text
from careersurvey.questionnaire.model import Questionnaire

FORM_KIND = "careersurvey-entry-template"
RESPONSES_SHEET = "Responses"
GUIDANCE_SHEET = "Guidance"
CODEBOOK_SHEET = "Codebook"
LOOKUP_SHEET = "_lookup"
META_SHEET = "_meta"
ID_COLUMN = "respondent_id"
HEADER_ROWS = 2
FIRST_DATA_ROW = HEADER_ROWS + 1  # 1-based, as Excel shows it
DEFAULT_ROWS = 2000

_INPUT_TITLE_MAX = 32
_MESSAGE_MAX = 255


ColumnKind = Literal["id", "list", "integer", "decimal", "date", "text"]
"""What a Responses column holds, which decides its validation."""


@dataclass(frozen=True, slots=True)
class Column:
    """One column of the Responses sheet and the validation it carries."""

    name: str
    label: str
    kind: ColumnKind
    codes: tuple[int, ...] = ()
    choices: tuple[tuple[int, str], ...] = ()  # (code, label) of a list column, as its lookup list shows them
    minimum: float | str | None = None
    maximum: float | str | None = None
    missing: tuple[int, ...] = ()
    message: str = ""
    title: str = ""


@dataclass(frozen=True, slots=True)
class Template:
    """The content of the entry template before it is written: columns, guidance and metadata."""

    columns: tuple[Column, ...]
    lists: tuple[tuple[tuple[int, str], ...], ...]  # distinct (code, label) lists, in order of first use
    guidance: tuple[tuple[str, ...], ...]
    meta: Mapping[str, str]
    codebook: _codebook.Codebook
    lang: str


_WORDS = {
    "ko": {
        "id": "응답자 ID (문자로 입력, 예: 0007)",
        "codes": "코드",
        "missing": "결측",
        "range": "범위",
        "date": "날짜를 YYYY-MM-DD 형식으로 입력하십시오.",
        "text": "자유롭게 입력하십시오.",
        "see": "자세한 내용은 Codebook 시트를 보십시오.",
        "error_title": "입력할 수 없는 값",
        "error_list": "목록에 있는 코드만 입력할 수 있습니다. Codebook 시트를 보십시오.",
        "error_number": "허용 범위를 벗어난 값입니다: {rule}",
        "error_date": "{lo}부터 {hi}까지의 날짜를 입력하십시오.",
        "error_id": "응답자 ID는 1자 이상 64자 이하의 문자로 입력하십시오.",
        "error_text": "4000자 이하로 입력하십시오.",
        "selected": "1 = 선택함, 0 = 선택하지 않음",
        "exclusive_self": "단독 선택 보기입니다: 1이면 이 문항의 다른 열은 모두 0이어야 합니다 (다른 항목과 함께 "
        "선택하지 마십시오).",
        "exclusive_other": "{columns} 열이 1이면 이 열은 0이어야 합니다.",
        "exclusive_heading": "함께 선택할 수 없는 보기",
        "exclusive_row": "{label}: 다른 항목과 함께 선택하지 마십시오. 이 열이 1이면 {item}의 다른 열은 모두 "
        "0이어야 합니다.",
    },
    "en": {
        "id": "Respondent id (entered as text, e.g. 0007)",
        "codes": "Codes",
        "missing": "missing",
        "range": "Range",
        "date": "Enter the date as YYYY-MM-DD.",
        "text": "Free text.",
        "see": "See the Codebook sheet for details.",
        "error_title": "Value not allowed",
        "error_list": "Only the codes in the list are allowed. See the Codebook sheet.",
        "error_number": "The value is outside the allowed range: {rule}",
        "error_date": "Enter a date from {lo} to {hi}.",
        "error_id": "Enter the respondent id as text of 1 to 64 characters.",
        "error_text": "Enter at most 4000 characters.",
        "selected": "1 = selected, 0 = not selected",
        "exclusive_self": "Exclusive choice: if 1, every other column of this question must be 0 (do not combine "
        "with other answers).",
        "exclusive_other": "Must be 0 when {columns} is 1.",
        "exclusive_heading": "Choices that exclude the others",
        "exclusive_row": "{label}: do not combine with other answers. If this column is 1, every other column "
        "of {item} must be 0.",
    },
}


#: What the template writes under ``respondent_id`` in its question-text row, in each language it speaks: the
#: response reader recognises that row by this text wherever it ends up (moved, copied or its neighbour deleted).
ID_LABELS: frozenset[str] = frozenset(words["id"] for words in _WORDS.values())


def _words(lang: str) -> Mapping[str, str]:
    """The template's fixed wording in ``lang`` (English for languages without their own)."""
    return _WORDS.get(lang, _WORDS["en"])


def _clip(message: str, limit: int = _MESSAGE_MAX) -> str:
    """``message`` cut to Excel's limit for validation texts, with an ellipsis."""
    return message if len(message) <= limit else message[: limit - 1] + "…"


def _guidance(q: Questionnaire, cb: _codebook.Codebook, ui: str) -> tuple[tuple[str, ...], ...]:
    """Rows of the Guidance sheet: how to enter data, the missing codes, who answers what."""
    ko = ui == "ko"
    rows: list[tuple[str, ...]] = [
        (common.joined(q.title, cb.languages) + f"  ({q.key})",),
        ("",),
        ("입력 방법" if ko else "How to enter data",),
    ]
    steps_ko = [
        "Responses 시트에 응답자 한 명당 한 행을 3행부터 입력하십시오. 1행(변수 이름)과 2행(문항)은 바꾸지 마십시오.",
        "A열 respondent_id에는 응답자 ID를 문자로 입력하십시오. 앞자리 0도 그대로 남습니다.",
        "선택 문항은 보기의 코드 번호를 입력하거나 목록에서 고르십시오. 셀을 선택하면 문항 내용이 보입니다.",
        "복수 선택 문항은 보기마다 열이 하나씩 있습니다: 선택했으면 1, 선택하지 않았으면 0을 입력하십시오.",
        "숫자와 날짜는 정해진 범위 안에서만 입력할 수 있습니다. 날짜는 YYYY-MM-DD 형식으로 입력하십시오.",
        "열을 추가하거나 지우거나 순서를 바꾸지 마십시오. 시트 이름도 바꾸지 마십시오.",
    ]
    steps_en = [
        "On the Responses sheet enter one row per respondent from row 3. Do not change row 1 (variable names) "
        "or row 2 (questions).",
        "Column A, respondent_id, holds the respondent's id as text; leading zeros are kept.",
        "For choice questions enter the code of the answer or pick it from the list; selecting a cell shows "
        "the question.",
        "A multiple-choice question has one column per option: enter 1 if it was chosen, 0 if not.",
        "Numbers and dates are accepted only within their range. Enter dates as YYYY-MM-DD.",
        "Do not add, delete or reorder columns, and do not rename the sheets.",
    ]
    rows += [(f"{k}. {s}",) for k, s in enumerate(steps_ko if ko else steps_en, start=1)]
    rows += [("",), ("결측 코드" if ko else "Missing codes",)]
    for value in cb.missing_codes:
        rows.append((str(value.code), common.joined(value.label, cb.languages)))
    rows.append(
        (
            "라우팅으로 건너뛴 문항은 비워 두거나 -9(해당 없음)를 입력하십시오. 응답자가 답하지 않은 문항은 "
            "비워 두십시오."
            if ko
            else "Leave questions skipped by routing empty or enter -9 (not applicable). Leave questions the "
            "respondent did not answer empty.",
        )
    )
    words = _words(ui)
    alone = [v for v in cb.variables if v.exclusive]
    if alone:
        rows += [("",), (words["exclusive_heading"],)]
        for v in alone:
            label = text(v.question, ui) or next(text(v.question, lg) for lg in cb.languages if text(v.question, lg))
            rows.append((f"{v.number} {v.name}", words["exclusive_row"].format(label=label, item=v.item)))
    rows += [("",), ("라우팅 (응답 대상)" if ko else "Routing (who answers)",)]
    seen: set[str] = set()
    for v in cb.variables:
        words = v.routing.get(ui) or next((v.routing[lg] for lg in cb.languages if v.routing.get(lg)), "")
        if words and v.item not in seen:
            seen.add(v.item)
            rows.append((f"{v.number} {v.item}", words))
    return tuple(rows)


def build_template(q: Questionnaire, lang: LangOption = "both", created: str | None = None) -> Template:
    """The content of the entry template: column definitions, lookup lists, guidance and metadata."""
    langs = common.languages(q, lang)
    ui = langs[0]
    words = _words(ui)
    cb = _codebook.build_codebook(q, lang)
    if ID_COLUMN in q:
        raise FormError(
            f"{q.source or q.key}: an item is named {ID_COLUMN!r}, which the template reserves for the "
            "respondent id column; rename the item"
        )
    columns = [Column(ID_COLUMN, words["id"], "id", title=ID_COLUMN, message=words["id"])]
    lists: dict[tuple[tuple[int, str], ...], None] = {}  # an ordered set: lists sharing codes keep their labels
    for v in cb.variables:
        item = q.item(v.item)
        label = common.joined(v.question, langs, sep="\n")
        missing = tuple(m.code for m in v.missing)
        missing_text = ", ".join(f"{m.code}={text(m.label, ui)}" for m in v.missing)
        title = _clip(f"{v.number} {v.name}", _INPUT_TITLE_MAX)
        question = text(v.question, ui)
        tail = f" {words['missing']}: {missing_text}." if missing_text else ""
        if v.values:
            codes = tuple(value.code for value in v.values) + missing
            entries = tuple((value.code, text(value.label, ui)) for value in v.values + v.missing)
            lists.setdefault(entries, None)
            if item.type == "multiple":
                rule = f"{words['selected']}.{tail}{_exclusive_words(q, v, words)}"
                body = f"{_clip(question, _MESSAGE_MAX - len(rule) - 1)}\n{rule}"  # the rule is never cut off
            else:
                body = f"{question}\n" + "; ".join(f"{value.code}={text(value.label, ui)}" for value in v.values) + "." + tail
            columns.append(Column(v.name, label, "list", codes=codes, choices=entries, missing=missing, title=title,
                                  message=_clip(body + " " + words["see"] if len(body) < 200 else body)))
        elif item.is_numeric or item.type == "date":
            rng = item.range
            lo = rng.min if rng else None
            hi = rng.max if rng else None
            kind = "date" if item.type == "date" else item.type
            rule = f"{words['range']} {v.range}." if v.range else ""
            body = f"{question}\n{rule}" + (f" {words['date']}" if kind == "date" else "") + (tail if kind != "date" else "")
            columns.append(Column(v.name, label, kind, minimum=lo, maximum=hi,
                                  missing=missing if kind != "date" else (), title=title, message=_clip(body)))
        else:
            columns.append(Column(v.name, label, "text", title=title, message=_clip(f"{question}\n{words['text']}")))
    meta = {
        "form_kind": FORM_KIND,
        "questionnaire_id": q.id,
        "version": q.version,
        "content_hash": q.content_hash(),
        "languages": ",".join(q.languages),
        "label_language": lang,
        "responses_sheet": RESPONSES_SHEET,
        "header_rows": str(HEADER_ROWS),
        "first_data_row": str(FIRST_DATA_ROW),
        "id_column": ID_COLUMN,
        "n_columns": str(len(columns)),
        "generator": _generator(),
        "created": created or _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
    }
    return Template(tuple(columns), tuple(lists), _guidance(q, cb, ui), meta, cb, ui)


def _exclusive_words(q: Questionnaire, v: _codebook.Variable, words: Mapping[str, str]) -> str:
    """What the input message of a multiple-choice 0/1 column says about choices that exclude the others:
    that this one does, or which columns force this one to 0; empty when the item has none."""
    from careersurvey.questionnaire.model import multiple_column

    alone = common.exclusive_codes(q.item(v.item))
    if v.exclusive:
        return " " + words["exclusive_self"]
    if alone:
        return " " + words["exclusive_other"].format(columns=", ".join(multiple_column(v.item, c) for c in alone))
    return ""


def _generator() -> str:
    """``careersurvey <version>``, recorded in _meta."""
    from careersurvey import __version__

    return f"careersurvey {__version__}"


def _col_letter(index: int) -> str:
    """Excel column letters of a 0-based index (0 -> A, 26 -> AA)."""
    from xlsxwriter.utility import xl_col_to_name

    return xl_col_to_name(index)


def _numeric_rule(column: Column, cell: str) -> str:
    """Excel custom-validation formula: a number (whole for integers) in range, or an allowed missing code."""
    parts = [f"ISNUMBER({cell})"]
    if column.kind == "integer":
        parts.append(f"{cell}=INT({cell})")
    if column.minimum is not None:
        parts.append(f"{cell}>={number_text(column.minimum)}")
    if column.maximum is not None:
        parts.append(f"{cell}<={number_text(column.maximum)}")
    rule = f"AND({','.join(parts)})"
    if column.missing:
        rule = f"OR({rule},{','.join(f'{cell}={code}' for code in column.missing)})"
    return "=" + rule


def _allowed(column: Column) -> str:
    """What a number column accepts, for its error message: ``0–100, -7, -8``."""
    parts = []
    if column.minimum is not None or column.maximum is not None:
        lo = number_text(column.minimum) if column.minimum is not None else ""
        hi = number_text(column.maximum) if column.maximum is not None else ""
        parts.append(f"{lo}–{hi}")
    parts += [str(code) for code in column.missing]
    return ", ".join(parts) or column.kind


def _iso_date(value: object, default: str) -> _dt.datetime:
    """A range bound as a datetime for xlsxwriter's date validation (``default`` when open)."""
    return _dt.datetime.fromisoformat(str(value) if value is not None else default)


def write_template(template: Template, path: str | Path, rows: int = DEFAULT_ROWS) -> Path:
    """Write a :class:`Template` as .xlsx with ``rows`` validated data rows."""
    path = Path(path)
    if rows < 1:
        raise FormError(
            f"{path}: the template needs at least 1 validated data row (got rows={rows}); pass the number of "
            "respondents you expect, e.g. rows=2000"
        )
    wb = safe_workbook(path)
    try:
        _write(wb, template, rows)
    finally:
        wb.close()
    return path


def _write(wb: object, t: Template, rows: int) -> None:
    """Lay the sheets out in ``wb``: Responses, Guidance, Codebook, hidden _lookup and _meta."""
    words = _words(t.lang)
    head = wb.add_format({"bold": True, "locked": True, "bg_color": "#DDE6F0", "border": 1})
    head_quoted = wb.add_format({"bold": True, "locked": True, "bg_color": "#DDE6F0", "border": 1, "quote_prefix": True})
    label = wb.add_format({"locked": True, "text_wrap": True, "valign": "top", "bg_color": "#F2F2F2", "border": 1})
    label_quoted = wb.add_format({"locked": True, "text_wrap": True, "valign": "top", "bg_color": "#F2F2F2",
                                  "border": 1, "quote_prefix": True})
    free = wb.add_format({"locked": False})
    free_text = wb.add_format({"locked": False, "num_format": "@"})
    free_date = wb.add_format({"locked": False, "num_format": "yyyy-mm-dd"})
    plain_quoted = wb.add_format({"quote_prefix": True})
    bold = wb.add_format({"bold": True})

    ws = wb.add_worksheet(RESPONSES_SHEET)
    guide = wb.add_worksheet(GUIDANCE_SHEET)
    _codebook.write_tables(wb, {CODEBOOK_SHEET: _codebook.variable_table(t.codebook, t.lang)},
                           [RESPONSES_SHEET, GUIDANCE_SHEET])
    lookup = wb.add_worksheet(LOOKUP_SHEET)
    meta = wb.add_worksheet(META_SHEET)

    # lookup lists: two columns per list (code, label); the dropdown reads the code column
    sources: dict[tuple[tuple[int, str], ...], str] = {}
    for k, entries in enumerate(t.lists):
        c = 2 * k
        write_text(lookup, 0, c, f"list_{k + 1}", bold, plain_quoted)
        write_text(lookup, 0, c + 1, "label", bold, plain_quoted)
        for r, (code, text_) in enumerate(entries, start=1):
            lookup.write_number(r, c, code)
            write_text(lookup, r, c + 1, text_, None, plain_quoted)
        letter = _col_letter(c)
        sources[entries] = f"='{LOOKUP_SHEET}'!${letter}$2:${letter}${len(entries) + 1}"
    lookup.hide()

    first, last = HEADER_ROWS, HEADER_ROWS + rows - 1  # 0-based data rows
    for c, col in enumerate(t.columns):
        fmt = free_text if col.kind in ("id", "text") else free_date if col.kind == "date" else free
        ws.set_column(c, c, 14 if col.kind != "id" else 16, fmt)
        write_text(ws, 0, c, col.name, head, head_quoted)
        write_text(ws, 1, c, col.label, label, label_quoted)
        letter = _col_letter(c)
        cell = f"{letter}{first + 1}"
        options: dict[str, object] = {
            "input_title": col.title[:_INPUT_TITLE_MAX],
            "input_message": col.message[:_MESSAGE_MAX],
            "error_title": words["error_title"][:_INPUT_TITLE_MAX],
            "error_type": "stop",
        }
        if col.kind == "id":
            options.update(validate="length", criteria="between", minimum=1, maximum=64, error_message=words["error_id"])
        elif col.kind == "list":
            options.update(validate="list", source=sources[col.choices], error_message=words["error_list"])
        elif col.kind in ("integer", "decimal"):
            rule = _numeric_rule(col, cell)
            options.update(validate="custom", value=rule,
                           error_message=_clip(words["error_number"].format(rule=_allowed(col))))
        elif col.kind == "date":
            lo = _iso_date(col.minimum, "1900-01-01")
            hi = _iso_date(col.maximum, "2099-12-31")
            options.update(validate="date", criteria="between", minimum=lo, maximum=hi,
                           error_message=words["error_date"].format(lo=lo.date(), hi=hi.date()))
        else:
            options.update(validate="length", criteria="<=", value=4000, error_message=words["error_text"])
        ws.data_validation(first, c, last, c, options)
    ws.set_row(1, 60)
    ws.freeze_panes(HEADER_ROWS, 1)
    ws.protect("", {"format_columns": True, "format_rows": True, "autofilter": True, "sort": True,
                    "select_locked_cells": True, "select_unlocked_cells": True})
    ws.activate()

    guide.set_column(0, 0, 18)
    guide.set_column(1, 1, 100)
    for r, row in enumerate(t.guidance):
        for c, value in enumerate(row):
            if len(row) == 1:
                write_text(guide, r, c, value, bold if value and not value[0].isdigit() else None, plain_quoted)
            else:
                write_text(guide, r, c, value, None, plain_quoted)
    guide.protect()

    for r, (key, value) in enumerate(t.meta.items()):
        meta.write_string(r, 0, key)
        write_text(meta, r, 1, value, None, plain_quoted)
    meta.hide()


def export_template(
    questionnaire: Questionnaire | str | Path, path: str | Path, lang: LangOption = "both", rows: int = DEFAULT_ROWS
) -> Path:
    """Build the data-entry template of ``questionnaire`` and write it to ``path`` (.xlsx); returns the path."""
    q = common.resolve_questionnaire(questionnaire)
    return write_template(build_template(q, lang), path, rows=rows)
