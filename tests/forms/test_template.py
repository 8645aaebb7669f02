"""Excel entry template: validations on every column, hidden lookup and metadata, protection, safety."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pytest
from openpyxl.utils import get_column_letter

from careersurvey.forms.common import FormError
from careersurvey.forms.template import FIRST_DATA_ROW, build_template, export_template


def _dimension(ws, index):
    """The column dimension (openpyxl groups equal neighbours) that covers 1-based column ``index``."""
    for dim in ws.column_dimensions.values():
        if dim.min is not None and dim.min <= index <= dim.max:
            return dim
    raise AssertionError(f"no column dimension covers column {index}")


def _validations(ws):
    """Column letter -> the one data validation that covers it from the first data row."""
    out = {}
    for dv in ws.data_validations.dataValidation:
        for rng in dv.sqref.ranges:
            assert rng.min_row == FIRST_DATA_ROW, rng
            for col in range(rng.min_col, rng.max_col + 1):
                assert get_column_letter(col) not in out, "two validations on one column"
                out[get_column_letter(col)] = (dv, rng)
    return out


@pytest.fixture(scope="module")
def workbook(tmp_path_factory, mini):
    path = tmp_path_factory.mktemp("tpl") / "entry.xlsx"
    export_template(mini, path, lang="both", rows=100)
    return openpyxl.load_workbook(path)


def test_sheets_and_metadata(workbook, mini):
    assert workbook.sheetnames == ["Responses", "Guidance", "Codebook", "_lookup", "_meta"]
    states = {name: workbook[name].sheet_state for name in workbook.sheetnames}
    assert states == {"Responses": "visible", "Guidance": "visible", "Codebook": "visible",
                      "_lookup": "hidden", "_meta": "hidden"}
    meta = {row[0]: row[1] for row in workbook["_meta"].values}
    assert meta["form_kind"] == "careersurvey-entry-template"
    assert (meta["questionnaire_id"], meta["version"]) == ("mini-test", "1.2.3")
    assert meta["content_hash"] == mini.content_hash()
    assert meta["languages"] == "ko,en" and meta["label_language"] == "both"
    assert (meta["responses_sheet"], meta["first_data_row"], meta["id_column"]) == ("Responses", "3", "respondent_id")
    dt.datetime.fromisoformat(meta["created"])


def test_header_rows_and_columns(workbook, mini):
    ws = workbook["Responses"]
    names = [c.value for c in ws[1]]
    assert names == ["respondent_id", *mini.columns()]
    assert "motives_1" in names and "motives" not in names
    assert ws["B2"].value == "조사 참여에 동의하십니까?\nDo you agree to take part?"
    assert ws.freeze_panes == "B3"
    label = ws.cell(2, names.index("comment") + 1)
    assert label.value.startswith("=SUM(A1)") and label.data_type == "s" and label.quotePrefix


def test_every_variable_column_is_validated(workbook, mini):
    ws = workbook["Responses"]
    names = [c.value for c in ws[1]]
    validations = _validations(ws)
    assert sorted(validations) == sorted(get_column_letter(i) for i in range(1, len(names) + 1))
    by_name = {name: validations[get_column_letter(i)] for i, name in enumerate(names, start=1)}
    for name, (dv, rng) in by_name.items():
        assert rng.max_row == FIRST_DATA_ROW + 99, name
        assert dv.prompt and dv.showInputMessage and dv.error, name
    dv = by_name["respondent_id"][0]
    assert (dv.type, dv.formula1, dv.formula2) == ("textLength", "1", "64")
    dv = by_name["hours"][0]
    assert dv.type == "custom"
    assert dv.formula1 == "OR(AND(ISNUMBER(G3),G3=INT(G3),G3>=0,G3<=100),G3=-7,G3=-8,G3=-9)"
    assert by_name["pay"][0].formula1 == "OR(AND(ISNUMBER(H3),H3>=0,H3<=100000),H3=-7,H3=-9)"
    dv = by_name["start"][0]
    assert dv.type == "date" and dv.formula1 == "36526" and dv.formula2 == "46387"  # 2000-01-01, 2026-12-31
    assert by_name["comment"][0].type == "textLength"
    assert "주당 근무 시간은 몇 시간입니까?" in by_name["hours"][0].prompt
    assert by_name["hours"][0].error == "허용 범위를 벗어난 값입니다: 0–100, -7, -8, -9"


def test_dropdowns_read_the_hidden_lookup_sheet(workbook):
    ws, lookup = workbook["Responses"], workbook["_lookup"]
    names = [c.value for c in ws[1]]
    validations = _validations(ws)

    def listed(name):
        dv, _ = validations[get_column_letter(names.index(name) + 1)]
        assert dv.type == "list" and dv.formula1.startswith("'_lookup'!$"), dv.formula1
        cells = lookup[dv.formula1.split("!")[1].replace("$", "")]
        return [row[0].value for row in cells]

    assert listed("consent") == [1, 0]
    assert listed("role") == [1, 2, 3, 4, 5, -9]
    assert listed("motives_2") == [1, 0, -7, -9]
    assert listed("fof_calm") == [1, 2, 3, 4, 5, -7, -9]
    assert listed("sat") == [1, 2, 3, 4, 5, -8]
    labels = [c.value for c in lookup["D"]]
    assert "=SUM(A1) 대학 교원 / =SUM(A1) university faculty" not in labels  # labels in one language
    assert "=SUM(A1) 대학 교원" in labels


def test_protection_and_text_ids(workbook):
    ws = workbook["Responses"]
    assert ws.protection.sheet
    assert ws["A1"].protection.locked and ws["B2"].protection.locked
    id_column = _dimension(ws, 1)
    assert id_column.number_format == "@" and id_column.protection.locked is False
    assert _dimension(ws, 2).protection.locked is False
    start = [c.value for c in ws[1]].index("start") + 1
    assert _dimension(ws, start).number_format == "yyyy-mm-dd"
    guide = workbook["Guidance"]
    assert guide.protection.sheet
    text = "\n".join(str(v) for row in guide.values for v in row if v)
    assert "-7" in text and "응답하고 싶지 않음" in text
    assert "Q3 motives" in text and "Q2에서" in text


def test_codebook_sheet_lists_every_variable(workbook, mini):
    rows = list(workbook["Codebook"].values)
    assert [r[0] for r in rows[1:]] == list(mini.columns())


def test_template_content_and_errors(mini):
    t = build_template(mini, "en", created="2026-11-23T00:00:00+00:00")
    assert t.columns[0].name == "respondent_id" and len(t.columns) == len(mini.columns()) + 1
    assert all(len(c.message) <= 255 and len(c.title) <= 32 for c in t.columns)
    hours = next(c for c in t.columns if c.name == "hours")
    assert (hours.kind, hours.minimum, hours.maximum, hours.missing) == ("integer", 0, 100, (-7, -8, -9))
    assert t.meta["created"] == "2026-11-23T00:00:00+00:00"
    import dataclasses

    from careersurvey.questionnaire.model import Item

    m = mini.modules[0]
    clash = dataclasses.replace(m, elements=m.elements + (Item("respondent_id", "text", {"ko": "x", "en": "x"}, m.id),))
    with pytest.raises(FormError, match="an item is named 'respondent_id', which the template reserves"):
        build_template(dataclasses.replace(mini, modules=(clash,) + mini.modules[1:]), "en")


def test_lookup_labels_belong_to_each_column(mini, tmp_path):
    """Two items with the same codes but different labels (role 1-5 and an agree scale 1-5, both routed)
    each read a lookup list with their own labels."""
    from careersurvey.expr import parse
    from careersurvey.forms.codebook import build_codebook

    from .conftest import replace_element

    q = replace_element(mini, "sat", missing=(), relevance=parse("consent == 1"), relevance_text="consent == 1")
    wb = openpyxl.load_workbook(export_template(q, tmp_path / "t.xlsx", "ko", rows=5))
    ws, lookup = wb["Responses"], wb["_lookup"]
    names = [c.value for c in ws[1]]
    cb = build_codebook(q, "ko")
    checked = 0
    validations = _validations(ws)
    for i, name in enumerate(names, start=1):
        dv, _ = validations[get_column_letter(i)]
        if dv.type != "list":
            continue
        cells = lookup[dv.formula1.split("!")[1].replace("$", "")]
        got = [(row[0].value, lookup.cell(row[0].row, row[0].column + 1).value) for row in cells]
        v = cb.variable(name)
        assert got == [(x.code, x.label["ko"]) for x in v.values + v.missing], name
        checked += 1
    assert checked == 9  # consent, role, motives_1-3, fof_shame/calm/worry, sat
    role_codes = [c for c, _ in build_template(q, "ko").columns[names.index("role")].choices]
    sat_codes = [c for c, _ in build_template(q, "ko").columns[names.index("sat")].choices]
    assert role_codes == sat_codes == [1, 2, 3, 4, 5, -9]  # same codes, so one shared list would mislabel one
