"""XLSForm export: every language variant converts with pyxform and passes ODK Validate without warnings."""

from __future__ import annotations

import dataclasses

import openpyxl
import pytest
from pyxform.validators.odk_validate import ODKValidateError
from pyxform.xls2xform import convert

from careersurvey.forms.common import FormError, form_version
from careersurvey.forms.xlsform import build_xlsform, export_xlsform
from careersurvey.questionnaire.model import Choice, ChoiceList, Range

from .conftest import NEEDS_JAVA, replace_element


def _convert_strict(path):
    """Convert with the real pyxform and ODK Validate (java); fail on any warning."""
    warnings: list[str] = []
    result = convert(str(path), warnings=warnings, validate=True)
    assert warnings == [] and result.warnings == [], warnings + result.warnings
    return result.xform


@NEEDS_JAVA
@pytest.mark.parametrize("lang", ["ko", "en", "both"])
def test_every_language_converts_and_validates(mini, tmp_path, lang):
    path = export_xlsform(mini, tmp_path / f"mini_{lang}.xlsx", lang=lang)
    xform = _convert_strict(path)
    assert "<h:title>" in xform
    if lang == "both":
        assert 'lang="Korean (ko)"' in xform and 'lang="English (en)"' in xform
        assert "실패하면 부끄럽다" in xform and "I feel ashamed when I fail" in xform
    elif lang == "ko":
        assert "실패하면 부끄럽다" in xform and "I feel ashamed" not in xform
    else:
        assert "I feel ashamed when I fail" in xform and "실패하면" not in xform


@NEEDS_JAVA
def test_validator_really_runs(tmp_path):
    """The harness catches an expression only ODK Validate rejects (pyxform alone lets it through)."""
    form = {
        "survey": [
            {"type": "integer", "name": "a", "label": "A"},
            {"type": "integer", "name": "b", "label": "B", "relevant": "selected(${a})"},
        ]
    }
    convert(form, validate=False, form_name="data")
    with pytest.raises(ODKValidateError):
        convert(form, validate=True, form_name="data")


def test_survey_rows(mini):
    form = build_xlsform(mini, "both")
    rows = {r["name"]: r for r in form.survey if r["type"] not in ("end_group",)}
    assert rows["consent"]["type"] == "select_one yesno"
    assert rows["consent"]["required"] == "yes"
    assert rows["consent"]["required_message::Korean (ko)"] == "이 문항에 응답해 주십시오."
    assert rows["motives"]["type"] == "select_multiple motives__m7"
    assert rows["motives"]["relevant"] == "${role} = 1 or ${role} = 2"
    assert rows["motives"]["constraint"] == "not(selected(., '-7') and count-selected(.) > 1)"
    assert rows["hours"]["constraint"] == "(. >= 0 and . <= 100) or . = -7 or . = -8"
    assert rows["hours"]["constraint_message::English (en)"] == "Enter a value from 0 to 100."
    assert rows["hours"]["label::Korean (ko)"] == "주당 근무 시간은 몇 시간입니까?"  # names its unit: not repeated
    assert rows["pay"]["label::Korean (ko)"] == "세전 연봉은 얼마입니까? (만원)"
    assert "-8 (모름)" in rows["hours"]["hint::Korean (ko)"]
    assert rows["start"]["constraint"] == ". >= date('2000-01-01') and . <= date('2026-12-31')"
    assert rows["fof"] == {**rows["fof"], "type": "begin_group", "appearance": "field-list",
                           "relevant": "selected(${motives}, '2')"}
    assert rows["fof_calm"]["type"] == "select_one agree5__m7" and rows["fof_calm"]["appearance"] == "likert"
    assert rows["sat"]["appearance"] == "likert" and "appearance" not in rows["role"]
    assert rows["m1_consent"]["type"] == "begin_group"
    assert rows["comment"]["label::English (en)"] == "=SUM(A1) anything else to add"
    # every translatable column carries a language tag
    for column in form.columns("survey") + form.columns("choices") + build_xlsform(mini, "ko").columns("survey"):
        if column.split("::")[0] in ("label", "hint", "constraint_message", "required_message"):
            assert column.endswith(("(ko)", "(en)")), column


def test_choices_and_settings(mini):
    form = build_xlsform(mini, "both")
    by_list: dict[str, list[str]] = {}
    for row in form.choices:
        by_list.setdefault(row["list_name"], []).append(row["name"])
    assert by_list["agree5__m7"] == ["1", "2", "3", "4", "5", "-7"]
    assert by_list["agree5__m8"] == ["1", "2", "3", "4", "5", "-8"]
    assert by_list["yesno"] == ["1", "0"]
    assert "agree5" not in by_list  # only lists that are used
    assert dict(form.settings) == {
        "form_title": "이공계 진로 시험 설문 / STEM careers test survey",
        "form_id": "mini-test",
        "version": "20261123010203",
        "default_language": "Korean (ko)",
    }
    names = [r["name"] for r in form.survey if r["type"] != "end_group"]
    assert len(names) == len(set(names))


def test_single_language_columns_are_tagged_too(mini):
    form = build_xlsform(mini, "en")
    columns = form.columns("survey")
    assert "label::English (en)" in columns and "label" not in columns
    assert not any(c.endswith("(ko)") for c in columns + form.columns("choices"))
    assert form.settings["default_language"] == "English (en)"
    assert form.settings["form_title"] == "STEM careers test survey"


@NEEDS_JAVA
def test_formula_like_labels_stay_text(mini, tmp_path):
    path = export_xlsform(mini, tmp_path / "f.xlsx")
    wb = openpyxl.load_workbook(path)
    cells = [c for row in wb["choices"].iter_rows() for c in row if isinstance(c.value, str)]
    formula_like = [c for c in cells if c.value.startswith(("=", "-1", "+82", "@", "＝"))]
    assert {c.value for c in formula_like} >= {"=SUM(A1) 대학 교원", "-1 point research institute", "＝기타"}
    for cell in formula_like:
        assert cell.data_type == "s" and cell.quotePrefix, cell.coordinate
    xform = _convert_strict(path)
    assert "=SUM(A1) 대학 교원" in xform and "@home remote worker" in xform


def test_unknown_language_and_duplicate_names_are_explained(mini):
    with pytest.raises(FormError, match=r"language 'fr' is not in the questionnaire \(it has ko, en\)"):
        build_xlsform(mini, "fr")
    m2 = mini.modules[1]
    clash = dataclasses.replace(m2, id="role")
    broken = dataclasses.replace(mini, modules=(mini.modules[0], clash, mini.modules[2]))
    with pytest.raises(FormError, match=r"the name 'role' is used twice .* rename one of them"):
        build_xlsform(broken, "both")


def test_grid_rows_do_not_repeat_the_grid_rule(mini):
    """The loader may copy a grid's rule onto its rows; the form states it once, on the group."""
    m3 = mini.modules[2]
    grid = m3.elements[0]
    rows = tuple(dataclasses.replace(r, relevance=grid.relevance, relevance_text=grid.relevance_text) for r in grid.items)
    copied = dataclasses.replace(m3, elements=(dataclasses.replace(grid, items=rows),) + m3.elements[1:])
    form = build_xlsform(dataclasses.replace(mini, modules=mini.modules[:2] + (copied,)), "both")
    by_name = {r["name"]: r for r in form.survey if r["type"] != "end_group"}
    assert by_name["fof"]["relevant"] == "selected(${motives}, '2')"
    assert all("relevant" not in by_name[r.name] for r in rows)


def test_version_grows_with_every_release(mini):
    """yyyymmdd of the release date + MMmmpp of the version: later releases sort higher as text and number."""
    releases = [("1.0.0", "2026-11-23"), ("1.0.1", "2026-11-23"), ("1.1.0", "2027-01-05"), ("2.0.0", "2027-03-01"),
                ("10.0.0", "2028-01-01")]
    versions = [form_version(dataclasses.replace(mini, version=v, date=d)) for v, d in releases]
    assert versions[:2] == ["20261123010000", "20261123010001"]
    assert versions == sorted(versions) and [int(v) for v in versions] == sorted(int(v) for v in versions)
    assert len(set(versions)) == len(versions) and {len(v) for v in versions} == {14}
    forms = [build_xlsform(dataclasses.replace(mini, version=v, date=d), "ko") for v, d in releases[:2]]
    assert int(forms[0].settings["version"]) < int(forms[1].settings["version"])
    draft = dataclasses.replace(mini, version="1.3.0", date=None, status="draft")
    assert form_version(draft, today="2026-12-01") == "20261201010300"
    with pytest.raises(FormError, match=r"version '1\.x\.0' is not major\.minor\.patch"):
        form_version(dataclasses.replace(mini, version="1.x.0"))


def test_names_must_be_xml_safe_and_lists_consistent(mini):
    with pytest.raises(FormError, match=r"item 'my comment' is not a valid XLSForm name .* rename it"):
        build_xlsform(replace_element(mini, "comment", name="my comment"), "ko")
    twice = ChoiceList("yesno", (Choice(1, {"ko": "예", "en": "Yes"}), Choice(1, {"ko": "네", "en": "Yeah"})))
    with pytest.raises(FormError, match=r"choice list 'yesno' has the code\(s\) 1 more than once"):
        build_xlsform(replace_element(mini, "consent", choices=twice), "ko")
    lookalike = ChoiceList("agree5__m8", mini.choice_lists["agree5"].choices[:2])
    with pytest.raises(FormError, match=r"list name 'agree5__m8' would stand for two different lists"):
        build_xlsform(replace_element(mini, "consent", choices=lookalike), "ko")
    spaced = ChoiceList("yes no", mini.choice_lists["yesno"].choices)
    with pytest.raises(FormError, match=r"XLSForm list name 'yes no', which is not XML-safe"):
        build_xlsform(replace_element(mini, "consent", choices=spaced), "ko")


def test_decimal_bounds_are_written_positionally(mini):
    """1e-05 is not XPath; the constraint says 0.00001."""
    form = build_xlsform(replace_element(mini, "pay", range=Range(0.00001, 2.5)), "en")
    pay = next(r for r in form.survey if r.get("name") == "pay")
    assert pay["constraint"] == "(. >= 0.00001 and . <= 2.5) or . = -7"
    assert pay["constraint_message::English (en)"] == "Enter a value from 0.00001 to 2.5."


@pytest.mark.parametrize("label, unit, shown", [
    # a label that does not name its unit gets it in parentheses
    (("세전 연봉은 얼마입니까?", "What is your annual pay before tax?"), ("만원", "10,000 KRW"),
     ("세전 연봉은 얼마입니까? (만원)", "What is your annual pay before tax? (10,000 KRW)")),
    # a label that names it keeps its own words (any case; Korean particles attached)
    (("주당 몇 시간을 일합니까?", "Hours per week?"), ("시간", "hours"),
     ("주당 몇 시간을 일합니까?", "Hours per week?")),
    # a unit written "A (B)" is named by A or by B
    (("만원 단위로 적어 주십시오.", "In 10,000 KRW, please."), ("만원", "10,000 KRW (만원)"),
     ("만원 단위로 적어 주십시오.", "In 10,000 KRW, please.")),
    (("대략 몇 퍼센트입니까?", "Roughly what share?"), ("퍼센트(%)", "percent (%)"),
     ("대략 몇 퍼센트입니까?", "Roughly what share? (percent (%))")),
    # a unit inside a longer Latin word is not named: "percentage" is not "percent"
    (("비율은?", "What percentage is it?"), ("비율", "percent"), ("비율은?", "What percentage is it? (percent)")),
])
def test_the_unit_is_appended_to_the_label_once(mini, label, unit, shown):
    q = replace_element(mini, "pay", label={"ko": label[0], "en": label[1]}, unit={"ko": unit[0], "en": unit[1]})
    pay = next(r for r in build_xlsform(q, "both").survey if r.get("name") == "pay")
    assert (pay["label::Korean (ko)"], pay["label::English (en)"]) == shown


def test_no_stem_careers_label_repeats_its_unit():
    from careersurvey.questionnaire import load_questionnaire

    q = load_questionnaire("stem-careers@1.0.0")
    rows = {r.get("name"): r for r in build_xlsform(q, "both").survey}
    assert rows["pay_exact"]["label::English (en)"].endswith("Please enter it in units of 10,000 KRW (만원).")
    assert rows["pay_exact"]["label::Korean (ko)"].endswith("만원 단위로 적어 주십시오.")
    assert rows["hours_week"]["label::English (en)"] == (
        "Over the past month, how many hours did you usually work per week?")
    assert rows["pbs_share"]["label::Korean (ko)"].endswith("대략 몇 퍼센트입니까?")
    assert rows["pbs_share"]["label::English (en)"].endswith("(PBS)? (percent)")
