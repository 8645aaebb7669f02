"""The XLSForm of a questionnaire whose choices have names: the names in the choices sheet and in the logic."""

from __future__ import annotations

from pathlib import Path

import pytest
from pyxform.xls2xform import convert

from careersurvey import load_questionnaire
from careersurvey.forms.common import FormError
from careersurvey.forms.xlsform import build_xlsform, export_xlsform
from careersurvey.expr import parse

from .conftest import NEEDS_JAVA, replace_element

MOBILITY = Path(__file__).parent.parent / "questionnaire" / "data" / "mobility-1.0.0.yaml"


@pytest.fixture(scope="module")
def form():
    return build_xlsform(load_questionnaire(MOBILITY))


def test_choices_sheet_holds_the_names(form):
    names = {}
    for row in form.choices:
        names.setdefault(row["list_name"], []).append(row["name"])
    assert names == {
        "yesno": ["yes", "no"],
        "position__m7": ["student", "postdoc", "faculty", "industry_rd", "-7"],
        "motives__m8": ["pay", "autonomy", "stability", "family", "none_of_these", "-8"],
        "yesno__m7_8": ["yes", "no", "-7", "-8"],
        "agree5__m8": ["1", "2", "3", "4", "5", "-8"],  # a list without names keeps its codes
    }


def test_logic_tests_the_names(form):
    rows = {r["name"]: r for r in form.survey if r["type"] != "end_group"}
    assert rows["m1_work"]["relevant"] == "${consent} = 'yes'"
    assert rows["move_reasons"]["relevant"] == ("${position} = 'postdoc' or ${position} = 'faculty' or "
                                                "${position} = 'industry_rd'")
    assert rows["abroad"]["relevant"] == ("${position} = 'faculty' or ${position} = 'industry_rd' or "
                                          "selected(${move_reasons}, 'pay')")
    assert rows["move_reasons"]["constraint"] == (
        "not(selected(., 'none_of_these') and count-selected(.) > 1) and "
        "not(selected(., '-8') and count-selected(.) > 1)")


def test_pyxform_writes_the_names_as_choice_values(tmp_path):
    xform = convert(str(export_xlsform(MOBILITY, tmp_path / "mobility.xlsx")), validate=False).xform
    for name in ("<name>faculty</name>", "<name>none_of_these</name>", "<name>-8</name>"):
        assert name in xform


@NEEDS_JAVA
def test_odk_validate_accepts_the_named_form(tmp_path):
    warnings: list[str] = []
    result = convert(str(export_xlsform(MOBILITY, tmp_path / "mobility.xlsx")), warnings=warnings, validate=True)
    assert warnings == [] and result.warnings == []


def test_arithmetic_on_a_named_item_is_an_error_naming_the_item():
    """The loader refuses such a rule (tests/questionnaire/test_choice_names.py); a questionnaire built in code
    gets the same refusal from the XLSForm, naming the item, not a form whose logic never holds."""
    q = load_questionnaire(MOBILITY)
    rule = "position + 1 >= 3"
    q = replace_element(q, "move_reasons", relevance=parse(rule), relevance_text=rule)
    with pytest.raises(FormError) as info:
        build_xlsform(q)
    assert str(info.value) == (
        f"{MOBILITY}: the relevance of 'move_reasons' cannot be written as XLSForm skip logic: 'position' stores "
        "choice names in the form, so it can only be compared with a choice code (==, !=, <, <=, >, >=, in), not "
        "used as a number or compared with another item (at character 1)\n  position + 1 >= 3\n  ^")
