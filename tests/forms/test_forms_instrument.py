"""The real instrument, every released version of survey/stem-careers/, through every form."""

from __future__ import annotations

import lxml.html
import openpyxl

import pytest
from lxml import etree
from openpyxl.utils import get_column_letter
from pyxform.xls2xform import convert

from careersurvey.forms.codebook import build_codebook, export_codebook
from careersurvey.forms.ddi import DDI_NS, VAR_CHILD_ORDER, build_ddi, ddi_bytes
from careersurvey.forms.paper import render_paper_html
from careersurvey.forms.template import export_template
from careersurvey.forms.xlsform import export_xlsform
from careersurvey.questionnaire import load_questionnaire
from careersurvey.questionnaire.model import Note

from .conftest import NEEDS_JAVA


@pytest.fixture(scope="module", params=["1.0.0", "1.1.0"])
def stem(request):
    return load_questionnaire(f"stem-careers@{request.param}")


@NEEDS_JAVA
@pytest.mark.parametrize("lang", ["ko", "en", "both"])
def test_xlsform_passes_pyxform_and_odk_validate(stem, tmp_path, lang):
    path = export_xlsform(stem, tmp_path / f"stem_{lang}.xlsx", lang)
    warnings: list[str] = []
    result = convert(str(path), warnings=warnings, validate=True)
    assert warnings == [] and result.warnings == []
    for item in stem.items:
        assert f"/{item.name}" in result.xform


def test_template_validates_every_column(stem, tmp_path):
    wb = openpyxl.load_workbook(export_template(stem, tmp_path / "t.xlsx", "both", rows=50))
    ws = wb["Responses"]
    names = [c.value for c in ws[1]]
    assert names == ["respondent_id", *stem.columns()]
    covered = set()
    for dv in ws.data_validations.dataValidation:
        for rng in dv.sqref.ranges:
            covered.update(range(rng.min_col, rng.max_col + 1))
            if dv.type == "list":
                assert dv.formula1.startswith("'_lookup'!")
    assert covered == set(range(1, len(names) + 1)), [get_column_letter(c) for c in set(range(1, len(names) + 1)) - covered]
    meta = {r[0]: r[1] for r in wb["_meta"].values}
    assert (meta["questionnaire_id"], meta["version"], meta["content_hash"]) == ("stem-careers", stem.version, stem.content_hash())
    assert wb["_lookup"].sheet_state == "hidden" and wb["_meta"].sheet_state == "hidden"


def test_codebook_lists_every_variable(stem, tmp_path):
    cb = build_codebook(stem)
    assert [v.name for v in cb.variables] == list(stem.columns())
    routed = [v for v in cb.variables if v.routing_source]
    assert routed and all(v.routing["ko"] and v.routing["en"] for v in routed)
    wb = openpyxl.load_workbook(export_codebook(stem, tmp_path / "c.xlsx"))
    assert [r[0] for r in list(wb["Variables"].values)[1:]] == list(stem.columns())


def test_ddi_has_every_variable_in_schema_order(stem):
    doc = etree.fromstring(ddi_bytes(build_ddi(stem)))
    variables = doc.findall(f"{{{DDI_NS}}}dataDscr/{{{DDI_NS}}}var")
    assert [v.get("name") for v in variables] == list(stem.columns())
    for var in variables:
        order = [VAR_CHILD_ORDER.index(etree.QName(c).localname) for c in var]
        assert order == sorted(order)


def test_paper_form_numbers_every_question(stem):
    page = lxml.html.fromstring(render_paper_html(stem, "ko"))
    for item in stem.items:
        assert page.get_element_by_id(f"q-{item.name}") is not None
    questions = sum(1 for m in stem.modules for e in m.elements if not isinstance(e, Note))
    assert len(page.xpath("//span[@class='qnum']")) == questions
    assert len(page.xpath("//h2[@class='module']")) == len(stem.modules)
