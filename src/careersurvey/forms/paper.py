"""Paper questionnaire: print-ready HTML (and PDF through WeasyPrint) in Korean, English or both.

:func:`build_paper` turns the questionnaire into a small view model (sections of numbered blocks with
their boxes, routing instruction in words and missing-code options); ``templates/paper.html.j2`` lays
it out for A4: module headings, numbered questions, labelled tick boxes, rating scales as rows of
boxes, grids as tables, number and date entry boxes, consent text first and routing instructions in
words ("Q5에서 '예'를 선택한 경우에만 응답하십시오."), a choice that excludes the others ("none of these")
marked next to its box ("(다른 항목과 함께 선택하지 마십시오)"), each routing instruction stated once: under a module heading when it
covers the whole module, above the first of a run of questions sharing it (see :mod:`.paper_routing`).
With ``both`` the second language is printed under the first in a lighter type.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Mapping

from careersurvey.forms import common
from careersurvey.forms.common import FormError, LangOption, text
from careersurvey.forms.paper_routing import Instruction, instruction_text, plan
from careersurvey.questionnaire.model import Grid, Item, Note, Questionnaire

Texts = tuple[tuple[str, str], ...]
"""A text in each shown language, in order: ((lang, text), ...); the first is the main one."""

_WORDS: Mapping[str, Mapping[str, str]] = {
    "ko": {
        "instructions": "각 질문을 읽고 해당하는 칸(☐)에 ✔ 표시하거나 답을 적어 주십시오. "
        "따로 안내가 없으면 하나만 고르십시오.",
        "multiple": "해당하는 것을 모두 고르십시오.",
        "respondent": "응답자 번호 (조사 담당자 기재)",
        "thanks": "끝까지 응답해 주셔서 감사합니다.",
        "range": "{lo}~{hi} 사이의 숫자를 적어 주십시오.",
        "range_min": "{lo} 이상의 숫자를 적어 주십시오.",
        "range_max": "{hi} 이하의 숫자를 적어 주십시오.",
        "date_range": "{lo}부터 {hi}까지의 날짜를 적어 주십시오.",
        "year": "년", "month": "월", "day": "일",
        "version": "설문 버전",
        "page": "쪽",
    },
    "en": {
        "instructions": "Read each question and tick (✔) the box that applies, or write your answer. "
        "Choose one answer unless told otherwise.",
        "multiple": "Tick all that apply.",
        "respondent": "Respondent number (office use)",
        "thanks": "Thank you for completing this questionnaire.",
        "range": "Write a number from {lo} to {hi}.",
        "range_min": "Write a number of {lo} or more.",
        "range_max": "Write a number of {hi} or less.",
        "date_range": "Write a date from {lo} to {hi}.",
        "year": "year", "month": "month", "day": "day",
        "version": "Questionnaire version",
        "page": "page",
    },
}


def _w(lang: str) -> Mapping[str, str]:
    """The fixed wording of the form in ``lang`` (English for languages without their own)."""
    return _WORDS.get(lang, _WORDS["en"])


@dataclass(frozen=True, slots=True)
class Option:
    """A tick box with its code (printed small, for data entry), label and, for a choice that cannot be
    combined with others, the note saying so in each language."""

    code: int
    label: Texts
    missing: bool = False
    note: Texts = ()


@dataclass(frozen=True, slots=True)
class Block:
    """One printed element: a note, a question (with its answer layout) or a grid."""

    kind: Literal["note", "choice", "scale", "number", "date", "text", "grid"]
    number: str
    name: str
    label: Texts
    hint: Texts = ()
    routing: Texts = ()
    instruction: Texts = ()
    options: tuple[Option, ...] = ()
    unit: Texts = ()
    digits: int = 0
    decimals: bool = False
    rows: tuple[tuple[str, str, Texts], ...] = ()  # grid rows: (number, name, label)
    multiple: bool = False


@dataclass(frozen=True, slots=True)
class Section:
    """A module: its heading, introduction and blocks."""

    number: int
    id: str
    title: Texts
    intro: Texts
    blocks: tuple[Block, ...] = field(default_factory=tuple)
    routing: Texts = ()  # the module filter: who answers this whole section


@dataclass(frozen=True, slots=True)
class PaperForm:
    """Everything the paper template prints."""

    title: Texts
    description: Texts
    key: str
    date: str
    langs: tuple[str, ...]
    sections: tuple[Section, ...]
    words: Mapping[str, Texts]


def _texts(value: Mapping[str, str], langs: tuple[str, ...]) -> Texts:
    """A text in each shown language that has one, in order."""
    return tuple((lg, text(value, lg)) for lg in langs if text(value, lg))


def _digits(item: Item) -> int:
    """How many digit boxes a number needs: from the range's largest bound, at least 2."""
    bounds = [abs(float(v)) for v in (item.range.min, item.range.max) if v is not None] if item.range else []
    if not bounds:
        return 6
    return max(2, len(str(int(max(bounds)))))


def _number_instruction(item: Item, langs: tuple[str, ...]) -> Texts:
    """"Write a number from 0 to 100" (or a date range) under a number or date question."""
    rng = item.range
    if rng is None or (rng.min is None and rng.max is None):
        return ()
    if item.type == "date":
        if rng.min is None or rng.max is None:
            return ()
        return tuple((lg, _w(lg)["date_range"].format(lo=rng.min, hi=rng.max)) for lg in langs)
    key = "range" if rng.min is not None and rng.max is not None else "range_min" if rng.min is not None else "range_max"
    return tuple((lg, _w(lg)[key].format(lo=common.number_text(rng.min), hi=common.number_text(rng.max))) for lg in langs)


def _options(q: Questionnaire, item: Item, langs: tuple[str, ...]) -> tuple[Option, ...]:
    """Tick boxes of a choice item: its choices, then the missing codes a respondent may tick."""
    assert item.choices is not None
    alone = common.exclusive_codes(item)
    note = tuple((lg, f"({common.exclusive_note(lg)})") for lg in langs)
    real = tuple(Option(c.code, _texts(c.label, langs), note=note if c.code in alone else ())
                 for c in item.choices.choices)
    missing = tuple(Option(code, _texts(q.missing_labels[code], langs), True) for code in common.form_missing(item))
    return real + missing


def _routing(q: Questionnaire, instruction: Instruction | None, langs: tuple[str, ...], note: bool = False) -> Texts:
    """An instruction in each shown language (a note's reads as a condition); empty for None."""
    if instruction is None:
        return ()
    return tuple((lg, instruction_text(q, instruction, lg, note=note)) for lg in langs)


def build_paper(q: Questionnaire, lang: LangOption = "both") -> PaperForm:
    """The view model of the paper questionnaire in ``lang``."""
    langs = common.languages(q, lang)
    numbers = {id(e.element): e.number for e in common.numbered(q)}
    routing = plan(q)
    sections: list[Section] = []
    for k, module in enumerate(q.modules, start=1):
        blocks: list[Block] = []
        for element in module.elements:
            number = numbers[id(element)] or ""
            if isinstance(element, Note):
                blocks.append(Block("note", "", element.name, _texts(element.label, langs),
                                    routing=_routing(q, routing.elements.get(element.name), langs, note=True)))
            elif isinstance(element, Grid):
                rows = tuple((f"{number}-{j}", row.name, _texts(row.label, langs)) for j, row in enumerate(element.items, 1))
                first = element.items[0]
                missing = sorted({c for row in element.items for c in common.form_missing(row)}, reverse=True)
                options = tuple(Option(c.code, _texts(c.label, langs)) for c in first.choices.choices) + tuple(
                    Option(c, _texts(q.missing_labels[c], langs), True) for c in missing
                )
                blocks.append(Block("grid", number, element.name, _texts(element.label, langs),
                                    hint=_texts(element.hint, langs), routing=_routing(q, routing.elements.get(element.name), langs),
                                    options=options, rows=rows))
            else:
                item = element
                base = dict(number=number, name=item.name, label=_texts(item.label, langs),
                            hint=_texts(item.hint, langs), routing=_routing(q, routing.elements.get(item.name), langs))
                if item.type in ("single", "multiple"):
                    instruction = tuple((lg, _w(lg)["multiple"]) for lg in langs) if item.type == "multiple" else ()
                    blocks.append(Block("choice", options=_options(q, item, langs), instruction=instruction,
                                        multiple=item.type == "multiple", **base))
                elif item.type == "rating":
                    blocks.append(Block("scale", options=_options(q, item, langs), **base))
                elif item.is_numeric:
                    blocks.append(Block("number", instruction=_number_instruction(item, langs),
                                        unit=_texts(item.unit, langs), digits=_digits(item),
                                        decimals=item.type == "decimal",
                                        options=tuple(Option(c, _texts(q.missing_labels[c], langs), True)
                                                      for c in common.form_missing(item)), **base))
                elif item.type == "date":
                    blocks.append(Block("date", instruction=_number_instruction(item, langs), **base))
                else:
                    blocks.append(Block("text", **base))
        sections.append(Section(k, module.id, _texts(module.title, langs), _texts(module.intro, langs), tuple(blocks),
                                routing=_routing(q, routing.modules.get(module.id), langs)))
    words = {key: tuple((lg, _w(lg)[key]) for lg in langs) for key in _WORDS["en"]}
    return PaperForm(_texts(q.title, langs), _texts(q.description, langs), q.key, q.date or "", langs,
                     tuple(sections), words)


def render_paper_html(q: Questionnaire, lang: LangOption = "both") -> str:
    """The paper questionnaire as one standalone, print-ready HTML page (A4, no external files)."""
    from careersurvey.forms.templating import render

    form = build_paper(q, lang)
    return render("paper.html.j2", form=form, main=form.langs[0])


def write_pdf(html: str, path: str | Path) -> Path:
    """Render paper-form HTML to PDF with WeasyPrint (the ``pdf`` extra: ``pip install "careersurvey[pdf]"``;
    needs the Pango library, which Debian ships, and a Korean font such as ``fonts-nanum`` or ``fonts-noto-cjk``
    for Korean text). Imported here only, so that everything else works without it."""
    try:
        from weasyprint import HTML
    except (ImportError, OSError) as exc:  # OSError: Pango missing
        raise FormError(
            f"{path}: PDF output needs WeasyPrint and the Pango library ({exc}); run "
            "`pip install \"careersurvey[pdf]\"` (and `apt-get install libpango-1.0-0 fonts-nanum`), or export "
            ".html and print it from a browser"
        ) from exc
    path = Path(path)
    HTML(string=html).write_pdf(str(path))
    return path


def export_paper(questionnaire: Questionnaire | str | Path, path: str | Path, lang: LangOption = "both") -> Path:
    """Write the paper questionnaire to ``path``: HTML for .html/.htm, PDF for .pdf; returns the path."""
    q = common.resolve_questionnaire(questionnaire)
    path = Path(path)
    html = render_paper_html(q, lang)
    suffix = path.suffix.lower()
    if suffix in (".html", ".htm"):
        path.write_text(html, encoding="utf-8")
        return path
    if suffix == ".pdf":
        return write_pdf(html, path)
    raise FormError(f"{path}: a paper form is written as .html or .pdf; change the file extension")
