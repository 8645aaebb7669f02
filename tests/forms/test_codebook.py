"""Codebook: every variable, values and missing codes, routing in words, scales; xlsx and HTML."""

from __future__ import annotations

import lxml.html
import openpyxl
import pytest

from careersurvey.forms.codebook import build_codebook, export_codebook, render_codebook_html
from careersurvey.forms.common import FormError


def test_every_variable_once_in_order(mini):
    cb = build_codebook(mini)
    assert [v.name for v in cb.variables] == list(mini.columns())
    assert cb.content_hash == mini.content_hash()


def test_variable_details(mini):
    cb = build_codebook(mini)
    role = cb.variable("role")
    assert role.number == "Q2" and role.module == "m2_work"
    assert [(v.code, v.label["en"]) for v in role.values][:2] == [(1, "=SUM(A1) university faculty"), (2, "-1 point research institute")]
    assert [m.code for m in role.missing] == [-9]
    assert role.routing == {"ko": "Q1에서 '예'를 선택한 경우", "en": "if Q1 is 'Yes'"}
    assert role.routing_source == "consent == 1" and role.required
    m2 = cb.variable("motives_2")
    assert m2.item == "motives" and m2.type == "multiple"
    assert m2.question["ko"].endswith("— 고용 안정")
    assert [(v.code, v.label["ko"]) for v in m2.values] == [(1, "선택함"), (0, "선택하지 않음")]
    assert [m.code for m in m2.missing] == [-7, -9]
    calm = cb.variable("fof_calm")
    assert (calm.scale, calm.reverse, calm.grid, calm.number) == ("fear_failure", True, "fof", "Q8-2")
    assert calm.routing["en"] == "if Q3 includes 'Job security'"
    assert calm.question["en"] == "How far do you agree with these statements? — I stay calm when I fail"
    pay = cb.variable("pay")
    assert pay.sensitive and pay.range == "0 – 100000" and pay.unit["ko"] == "만원"
    assert cb.variable("comment").routing == {"ko": "", "en": ""}
    assert [m.code for m in cb.missing_codes] == [-6, -7, -8, -9]


def test_xlsx(mini, tmp_path):
    wb = openpyxl.load_workbook(export_codebook(mini, tmp_path / "cb.xlsx"))
    assert wb.sheetnames == ["Variables", "Value labels", "Missing codes", "Scales", "Glossary", "About"]
    rows = list(wb["Variables"].values)
    header = rows[0]
    assert [r[0] for r in rows[1:]] == list(mini.columns())
    role = dict(zip(header, rows[2]))
    assert role["응답 대상 (en)"] == "if Q1 is 'Yes'" and role["필수"] == "예"
    assert role["라우팅 조건식"] == "consent == 1"
    assert wb["Variables"].cell(3, header.index("값과 값 설명 (ko)") + 1).value.startswith("1 = =SUM(A1) 대학 교원;")
    labels = list(wb["Value labels"].values)
    assert ("motives_2", -7, "응답하고 싶지 않음", "Prefer not to answer", 1) in labels
    scales = list(wb["Scales"].values)
    assert scales[1][:6] == ("fear_failure", "실패 두려움", "Fear of failure", "fof_shame, fof_calm, fof_worry", "fof_calm", "mean")
    about = dict(list(wb["About"].values)[1:])
    assert about["content_hash"] == mini.content_hash() and about["variables"] == len(mini.columns())


def test_html(mini, tmp_path):
    page = lxml.html.fromstring(export_codebook(mini, tmp_path / "cb.html", "en").read_text(encoding="utf-8"))
    rows = page.xpath("//table[@id='variables']//tr[starts-with(@id, 'var-')]")
    assert [r.get("id")[4:] for r in rows] == list(mini.columns())
    motives = page.get_element_by_id("var-motives_2").text_content()
    assert "Prefer not to answer" in motives and "if Q2 is either" in motives and "role in [1, 2]" in motives
    assert "reverse-keyed" in page.get_element_by_id("var-fof_calm").text_content()
    assert "sensitive" in page.get_element_by_id("var-pay").text_content()
    assert "<script>" not in render_codebook_html(build_codebook(mini))


def test_wrong_extension(mini, tmp_path):
    with pytest.raises(FormError, match=r"cb\.pdf: a codebook is written as \.xlsx or \.html"):
        export_codebook(mini, tmp_path / "cb.pdf")


def test_glossary_in_xlsx_and_html(mini, tmp_path):
    wb = openpyxl.load_workbook(export_codebook(mini, tmp_path / "cb.xlsx"))
    rows = list(wb["Glossary"].values)
    assert rows[0] == ("term", "definition_ko", "definition_en")
    assert rows[1] == ("출연연", "정부출연연구기관", "Government-funded research institute")
    term = wb["Glossary"]["A3"]
    assert term.value == "=N수" and term.data_type == "s" and term.quotePrefix
    page = lxml.html.fromstring(export_codebook(mini, tmp_path / "cb.html", "ko").read_text(encoding="utf-8"))
    glossary = [[" ".join(td.text_content().split()) for td in tr.xpath("td")]
                for tr in page.get_element_by_id("glossary").xpath(".//tbody/tr")]
    assert glossary == [["출연연", "정부출연연구기관"], ["=N수", "=대학 입시를 다시 치름"]]


def test_real_glossary_is_complete(tmp_path):
    from careersurvey.questionnaire import load_questionnaire

    stem = load_questionnaire("stem-careers@1.0.0")
    assert stem.glossary
    rows = list(openpyxl.load_workbook(export_codebook(stem, tmp_path / "s.xlsx"))["Glossary"].values)[1:]
    assert [r[0] for r in rows] == [g.term for g in stem.glossary]
    assert all(r[1] and r[2] for r in rows)  # a definition in both languages
