"""Shared fixtures: a small bilingual questionnaire in two versions, and entry-template workbooks."""

from __future__ import annotations

import os
from pathlib import Path

import openpyxl
import pytest

from careersurvey.questionnaire.model import Choice, ChoiceList, Item, Module, Questionnaire, Range

DATA = Path(__file__).parent / "data"
#: What the real template (forms.template) writes under respondent_id in its question-text row (row 2).
ID_LABEL = "응답자 ID (문자로 입력, 예: 0007)"


def _choices(name, rows):
    return ChoiceList(name, tuple(Choice(code, {"ko": ko, "en": en}) for code, ko, en in rows))


def _relevance(text):
    from careersurvey.expr import parse

    return parse(text)


def mini(version: str = "1.0.0") -> Questionnaire:
    """A small questionnaire shaped like stem-careers: choice, numeric, multiple, date and text items.

    1.1.0 drops motive 3 (stability) and adds ``hours``, for harmonisation tests.
    """
    yesno = _choices("yesno", [(1, "예", "Yes"), (0, "아니요", "No")])
    role = _choices("role", [(1, "학생", "Student"), (2, "연구원", "Researcher"), (3, "엔지니어", "Engineer"),
                             (4, "의사", "Physician")])
    motive_rows = [(1, "보수", "Pay"), (2, "자율성", "Autonomy"), (3, "안정성", "Stability"), (4, "명성", "Prestige")]
    if version != "1.0.0":
        motive_rows = [r for r in motive_rows if r[0] != 3]
    motives = _choices("motives", motive_rows)
    agree = _choices("agree5", [(i, f"동의 {i}", f"Agree {i}") for i in range(1, 6)])
    m = "m1"
    consent_1 = "consent == 1"
    items = [
        Item("consent", "single", {"ko": "동의", "en": "Consent"}, m, choices=yesno, required=True),
        Item("role", "single", {"ko": "직무", "en": "Role"}, m, choices=role, required=True, missing=(-7,),
             relevance=_relevance(consent_1), relevance_text=consent_1),
        Item("age", "integer", {"ko": "나이", "en": "Age"}, m, missing=(-7,), range=Range(18, 80),
             relevance=_relevance(consent_1), relevance_text=consent_1),
        Item("motives", "multiple", {"ko": "동기", "en": "Motives"}, m, choices=motives, missing=(-7,)),
        Item("pay", "decimal", {"ko": "보수", "en": "Pay"}, m, missing=(-7, -8), range=Range(0, 100000),
             sensitive=True),
    ]
    if version != "1.0.0":
        items.append(Item("hours", "integer", {"ko": "주당 근무 시간", "en": "Hours per week"}, m,
                          range=Range(0, 120), missing=(-7,)))
    items += [
        Item("fof_shame", "rating", {"ko": "수치심", "en": "Shame"}, m, choices=agree, missing=(-7,)),
        Item("start_date", "date", {"ko": "시작일", "en": "Start date"}, m, range=Range("1990-01-01", "2026-12-31")),
        Item("comment", "text", {"ko": "의견", "en": "Comment"}, m),
    ]
    return Questionnaire(
        id="stem-mini", version=version, languages=("ko", "en"), title={"ko": "소형 설문", "en": "Mini survey"},
        modules=(Module(m, {"ko": "현황", "en": "Status"}, tuple(items)),), scales={},
        choice_lists={c.name: c for c in (yesno, role, motives, agree)},
        missing_labels={-6: {"ko": "이번 버전에서 묻지 않음", "en": "Not asked in this version"},
                        -7: {"ko": "응답하고 싶지 않음", "en": "Prefer not to answer"},
                        -8: {"ko": "모름", "en": "Don't know"}, -9: {"ko": "해당 없음", "en": "Not applicable"}},
    )


def write_template(path: Path, q: Questionnaire, rows: list[list], *, meta: dict | None = None,
                   headers: list[str] | None = None) -> Path:
    """An entry-template workbook as the forms engineer describes it: Responses (names, labels, data) + _meta."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Responses"
    names = headers or ["respondent_id", *q.columns()]
    ws.append(names)
    ws.append([ID_LABEL, *[c for c in names[1:]]])
    for r in rows:
        ws.append(r)
    m = wb.create_sheet("_meta")
    m.sheet_state = "hidden"
    info = {"form_kind": "entry_template", "questionnaire_id": q.id, "version": q.version,
            "content_hash": q.content_hash()}
    info.update(meta or {})
    for k, v in info.items():
        m.append([k, v])
    wb.save(path)
    return path


GOOD_ROWS = [
    # respondent_id, consent, role, age, motives_1..4, pay, fof_shame, start_date, comment
    ["0001", 1, 2, 34, 1, 0, 1, 0, 5200, 4, "2019-03-01", "연구 자율성이 중요합니다"],
    ["0002", 1, 4, 41, 1, None, None, 1, 12000.5, 2, "2012-09-15", None],
    ["0003", 0, None, None, None, None, None, None, None, None, None, None],
    ["0004", 1, 3, -7, -7, -7, -7, -7, -8, 3, "2021-01-04", "=SUM(A1:A3) is what I typed"],
]


@pytest.fixture
def q10() -> Questionnaire:
    return mini("1.0.0")


@pytest.fixture
def q11() -> Questionnaire:
    return mini("1.1.0")


@pytest.fixture
def good_template(tmp_path, q10) -> Path:
    return write_template(tmp_path / "good.xlsx", q10, GOOD_ROWS)


@pytest.fixture
def umask_022():
    """A permissive umask (files 0644) for the test's duration: owner-only files must be made so on purpose."""
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)
