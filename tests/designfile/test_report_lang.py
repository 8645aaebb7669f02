"""``careersurvey report --lang ko|en`` on a second, bilingual questionnaire (the alumni survey of conftest.py
with Korean labels): the whole report in one language (its own words from the catalogue, the questionnaire's
labels), the tables workbook too, looked at in headless Chromium with every character covered by a font."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pages import needs_chromium, needs_fc, rendered, screenshot, uncovered
from typer.testing import CliRunner

from careersurvey.cli import app
from careersurvey.report.i18n import STRINGS

from .conftest import YAML, write_alumni

KOREAN = {
    "languages: [en]": "languages: [ko, en]",
    'title: {en: "Alumni careers"}': 'title: {ko: "동문 진로 조사", en: "Alumni careers"}',
    '{en: "Not asked in this version"}': '{ko: "이 버전에서는 묻지 않음", en: "Not asked in this version"}',
    '{en: "Prefer not to answer"}': '{ko: "응답 거절", en: "Prefer not to answer"}',
    '{en: "Don\'t know"}': '{ko: "모름", en: "Don\'t know"}',
    '{en: "Not applicable"}': '{ko: "해당 없음", en: "Not applicable"}',
    'en: "Man"}': 'ko: "남성", en: "Man"}', 'en: "Woman"}': 'ko: "여성", en: "Woman"}',
    'en: "Academia"}': 'ko: "학계", en: "Academia"}', 'en: "Industry"}': 'ko: "산업계", en: "Industry"}',
    'en: "Government"}': 'ko: "정부", en: "Government"}',
    '{en: "All"}': '{ko: "전체", en: "All"}', '{en: "Sex"}': '{ko: "성별", en: "Sex"}',
    '{en: "Where do you work?"}': '{ko: "어디에서 일하십니까?", en: "Where do you work?"}',
    '{en: "Year of graduation"}': '{ko: "졸업 연도", en: "Year of graduation"}',
    '{en: "Pay"}': '{ko: "급여", en: "Pay"}',
    '{en: "I like my work"}': '{ko: "나는 내 일을 좋아한다", en: "I like my work"}',
    '{en: "I would choose it again"}': '{ko: "다시 선택하겠다", en: "I would choose it again"}',
    '{en: "My work is meaningful"}': '{ko: "내 일은 의미 있다", en: "My work is meaningful"}',
    '{en: "Job satisfaction"}': '{ko: "직무 만족", en: "Job satisfaction"}',
}


def _bilingual() -> str:
    text = YAML
    for en, both in KOREAN.items():
        assert en in text, en
        text = text.replace(en, both)
    text = re.sub(r'\{code: (\d), en: "(\d)"\}', r'{code: \1, ko: "\2", en: "\2"}', text)
    return text


@pytest.fixture(scope="module")
def bilingual(tmp_path_factory) -> dict[str, Path]:
    return write_alumni(tmp_path_factory.mktemp("alumni-ko"), questionnaire=_bilingual())


@pytest.fixture(scope="module")
def reports(bilingual, tmp_path_factory) -> dict[str, Path]:
    mp = pytest.MonkeyPatch()
    mp.setenv("CAREERSURVEY_SURVEY_DIR", str(bilingual["questionnaire"].parent.parent))
    out = {}
    try:
        for lang in ("ko", "en"):
            folder = tmp_path_factory.mktemp(f"report-{lang}")
            res = CliRunner().invoke(app, ["report", "--store", str(bilingual["store"]), "--design",
                                           str(bilingual["design"]), "--lang", lang, "--out", str(folder)])
            assert res.exit_code == 0, res.output
            out[lang] = folder
    finally:
        mp.undo()
    return out


def _text(html: str) -> str:
    html = re.sub(r"<style.*?</style>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("&#39;", "'").replace("&#x27;", "'")


def _own_words(lang: str) -> set[str]:
    """The catalogue's texts in ``lang`` that are words (not symbols), without their {fields}."""
    return {part.strip() for v in STRINGS.values() for part in re.split(r"\{[^}]*\}", v[lang])
            if len(part.strip()) >= 12 and re.search(r"[A-Za-z가-힣]{3}", part)}


def test_the_korean_report_speaks_korean(reports) -> None:
    html = (reports["ko"] / "report.html").read_text(encoding="utf-8")
    page = _text(html)
    assert '<html lang="ko">' in html and "<title>동문 진로 조사: 조사 보고서</title>" in html
    for title in ("개요", "현장조사와 자료 입력", "가중치", "척도 신뢰도", "조사 방법"):
        assert f">{title}</h2>" in html, title
    assert "직무 만족" in page and "Job satisfaction" not in page  # the scale's label in Korean
    english = sorted(w for w in _own_words("en") if w in page and w not in _own_words("ko"))
    assert english == []  # none of the report's own English words
    assert "응답자 수(가중 전)" in page and "표본설계를 반영한 추정값과 95% 신뢰구간" in page


def test_the_english_report_has_no_korean(reports) -> None:
    page = _text((reports["en"] / "report.html").read_text(encoding="utf-8"))
    assert not re.search(r"[가-힣]", page)
    assert "Alumni careers: survey report" in page and "Job satisfaction" in page


def test_the_tables_workbook_is_in_the_report_language(reports) -> None:
    ko = load_workbook(reports["ko"] / "report_tables.xlsx")
    en = load_workbook(reports["en"] / "report_tables.xlsx")
    assert ko.sheetnames[0] == "목차" and en.sheetnames[0] == "Contents"
    assert ko.sheetnames[1:] == en.sheetnames[1:]  # the same tables, sheet by sheet
    contents = ko["목차"]
    assert [contents.cell(1, j).value for j in (1, 2, 3)] == ["시트", "절", "표"]
    titles = [contents.cell(r, 3).value for r in range(2, contents.max_row + 1)]
    assert "척도별 신뢰도" in titles and "가중치 분포" in titles
    rel = ko["reliability"]
    assert rel.cell(4, 1).value == "척도" and rel.cell(5, 1).value == "직무 만족"


def test_an_unknown_language_is_refused(bilingual, tmp_path) -> None:
    res = CliRunner().invoke(app, ["report", "--store", str(bilingual["store"]), "--lang", "fr",
                                   "--out", str(tmp_path / "r")])
    assert res.exit_code == 2 and "'fr': the report is written in en or ko" in res.output
    assert not (tmp_path / "r" / "report.html").exists()


@needs_chromium
@needs_fc
@pytest.mark.parametrize("lang", ["ko", "en"])
def test_the_report_renders_in_chromium_with_every_glyph(reports, lang, tmp_path) -> None:
    page = reports[lang] / "report.html"
    html = page.read_text(encoding="utf-8")
    assert uncovered(html) == ""
    assert html.count("data:image/png;base64,") >= 3  # weights, margins, alpha
    rendered(screenshot(page, tmp_path / f"{lang}.png", height=2400))
