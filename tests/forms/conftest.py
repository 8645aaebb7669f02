"""A small bilingual questionnaire that exercises every form feature, and helpers shared by the tests.

It has a consent note, routing, a multiple-choice item with a missing code, numbers with ranges and
units, a date range, a sensitive item, a grid that forms a scale with a reverse-keyed row, a rating
item, a glossary, a choice and a hint holding a web address, and labels that look like spreadsheet formulas
(``=SUM(A1)``, ``-1 point``, ``+82 10…``, ``@home``, full-width ``＝``).
"""

from __future__ import annotations

import dataclasses
import shutil

import pytest

from careersurvey.questionnaire.model import (
    Choice,
    ChoiceList,
    GlossaryEntry,
    Grid,
    Item,
    Module,
    Note,
    Questionnaire,
    Range,
    Scale,
)
from careersurvey.expr import parse  # noqa: E402  (after the model: expr imports it)


def _t(ko: str, en: str) -> dict[str, str]:
    return {"ko": ko, "en": en}


def _list(name: str, *options: tuple[int, str, str]) -> ChoiceList:
    return ChoiceList(name, tuple(Choice(code, _t(ko, en)) for code, ko, en in options))


YESNO = _list("yesno", (1, "예", "Yes"), (0, "아니요", "No"))
ROLE = _list(
    "role",
    (1, "=SUM(A1) 대학 교원", "=SUM(A1) university faculty"),
    (2, "-1 point 연구소 연구원", "-1 point research institute"),
    (3, "+82 10 기업 연구원", "+82 10 company researcher"),
    (4, "@home 재택 근무자", "@home remote worker"),
    (5, "＝기타", "＝Other"),
)
MOTIVES = _list(
    "motives",
    (1, "보수 (https://example.org 기준)", "Pay (as at https://example.org)"),
    (2, "고용 안정", "Job security"),
    (3, "연구 자율성", "Research autonomy"),
)
AGREE5 = _list(
    "agree5",
    (1, "전혀 그렇지 않다", "Strongly disagree"),
    (2, "그렇지 않다", "Disagree"),
    (3, "보통이다", "Neither"),
    (4, "그렇다", "Agree"),
    (5, "매우 그렇다", "Strongly agree"),
)


def _rel(text: str | None) -> dict:
    return {"relevance": parse(text), "relevance_text": text} if text else {}


def make_mini() -> Questionnaire:
    """Build the fixture questionnaire (in Python, so the form tests do not depend on the loader)."""
    m1 = "m1_consent"
    consent_note = Note("consent_text", _t(
        "이 조사는 이공계 인재의 진로를 연구하기 위한 것입니다. 응답은 통계 목적으로만 사용됩니다.",
        "This survey studies the careers of science and engineering talent. Answers are used for statistics only.",
    ), m1)
    consent = Item("consent", "single", _t("조사 참여에 동의하십니까?", "Do you agree to take part?"), m1,
                   choices=YESNO, required=True)
    m2 = "m2_work"
    role = Item("role", "single", _t("현재 어떤 일을 하십니까?", "What is your current work?"), m2,
                choices=ROLE, required=True, **_rel("consent == 1"))
    motives = Item("motives", "multiple", _t("직장을 고를 때 중요한 것을 모두 고르십시오.",
                                             "Choose everything that matters when you choose a job."), m2,
                   choices=MOTIVES, missing=(-7,), **_rel("role in [1, 2]"))
    hours = Item("hours", "integer", _t("주당 근무 시간은 몇 시간입니까?", "How many hours do you work a week?"), m2,
                 range=Range(0, 100), unit=_t("시간", "hours"), missing=(-7, -8), **_rel("consent == 1"))
    pay = Item("pay", "decimal", _t("세전 연봉은 얼마입니까?", "What is your annual pay before tax?"), m2,
               range=Range(0, 100000), unit=_t("만원", "10,000 KRW"), missing=(-7,), sensitive=True,
               hint=_t("대략적인 금액도 괜찮습니다.", "A rough amount is fine."), **_rel("consent == 1"))
    start = Item("start", "date", _t("현 직장에서 일을 시작한 날짜", "Date you started your current job"), m2,
                 range=Range("2000-01-01", "2026-12-31"), **_rel("answered(hours)"))
    comment = Item("comment", "text", _t("=SUM(A1) 처럼 하고 싶은 말씀", "=SUM(A1) anything else to add"), m2,
                   hint=_t("https://example.org 참고", "https://example.org for details"))
    m3 = "m3_failure"
    rows = (
        Item("fof_shame", "rating", _t("실패하면 부끄럽다", "I feel ashamed when I fail"), m3, choices=AGREE5,
             scale="fear_failure", grid="fof", missing=(-7,)),
        Item("fof_calm", "rating", _t("실패해도 담담하다", "I stay calm when I fail"), m3, choices=AGREE5,
             scale="fear_failure", reverse=True, grid="fof", missing=(-7,)),
        Item("fof_worry", "rating", _t("실패할까 걱정된다", "I worry that I might fail"), m3, choices=AGREE5,
             scale="fear_failure", grid="fof", missing=(-7,)),
    )
    fof = Grid("fof", _t("다음 문장에 얼마나 동의하십니까?", "How far do you agree with these statements?"),
               rows, m3, choices=AGREE5, **_rel("selected(motives, 2)"))
    sat = Item("sat", "rating", _t("현재 일에 만족하십니까?", "Are you satisfied with your work?"), m3,
               choices=AGREE5, missing=(-8,))
    return Questionnaire(
        id="mini-test",
        version="1.2.3",
        languages=("ko", "en"),
        title=_t("이공계 진로 시험 설문", "STEM careers test survey"),
        modules=(
            Module(m1, _t("참여 동의", "Consent"), (consent_note, consent),
                   intro=_t("먼저 안내문을 읽어 주십시오.", "Please read this first.")),
            Module(m2, _t("현재 일", "Current work"), (role, motives, hours, pay, start, comment)),
            Module(m3, _t("실패에 대한 생각", "Thoughts about failure"), (fof, sat)),
        ),
        scales={"fear_failure": Scale("fear_failure", _t("실패 두려움", "Fear of failure"),
                                      ("fof_shame", "fof_calm", "fof_worry"), reverse=("fof_calm",),
                                      min_answered=2, construct="Fear of failure")},
        choice_lists={c.name: c for c in (YESNO, ROLE, MOTIVES, AGREE5)},
        missing_labels={
            -6: _t("이번 버전에서 묻지 않음", "Not asked in this version"),
            -7: _t("응답하고 싶지 않음", "Prefer not to answer"),
            -8: _t("모름", "Don't know"),
            -9: _t("해당 없음", "Not applicable"),
        },
        glossary=(
            GlossaryEntry("출연연", _t("정부출연연구기관", "Government-funded research institute")),
            GlossaryEntry("=N수", _t("=대학 입시를 다시 치름", "=Retaking the university entrance exam")),
        ),
        status="released",
        date="2026-11-23",
    )


@pytest.fixture(scope="session")
def mini() -> Questionnaire:
    return make_mini()


#: ODK Validate (shipped with pyxform) is a Java program.
NEEDS_JAVA = pytest.mark.skipif(
    shutil.which("java") is None,
    reason="java not installed: ODK Validate (shipped with pyxform) needs it (apt-get install -y default-jre-headless)",
)


def replace_element(q: Questionnaire, element: str, /, **changes) -> Questionnaire:
    """``q`` with the module element called ``element`` changed (``dataclasses.replace``; ``name=`` renames it)."""
    modules = tuple(
        dataclasses.replace(m, elements=tuple(
            dataclasses.replace(e, **changes) if e.name == element else e for e in m.elements))
        for m in q.modules
    )
    return dataclasses.replace(q, modules=modules)


def with_elements(q: Questionnaire, index: int, elements) -> Questionnaire:
    """``q`` with the elements of module number ``index`` (0-based) replaced."""
    modules = list(q.modules)
    modules[index] = dataclasses.replace(modules[index], elements=tuple(elements))
    return dataclasses.replace(q, modules=tuple(modules))
