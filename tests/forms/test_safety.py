"""Formula neutralisation, sheet names and file names."""

from __future__ import annotations

import numpy as np
import openpyxl
import pandas as pd
import pytest
import xlsxwriter
from hypothesis import given
from hypothesis import strategies as st

from careersurvey.forms.safety import (
    UnsafeNameError,
    is_formula_like,
    neutralise,
    neutralise_frame,
    neutralise_series,
    safe_filename,
    sheet_name,
    write_text,
)

DANGEROUS = ["=SUM(A1)", "+82 10-1234", "-1 point", "@home", "\tx", "\rx", "＝1+1", "＋1", "－2", "＠a",
             "  =cmd|' /C calc'!A0", "-2+3"]
SAFE = ["보수", "Pay", "", "a=b", "1-2", "email@x.org"]


@pytest.mark.parametrize("value", DANGEROUS)
def test_dangerous_text_gets_an_apostrophe(value):
    assert is_formula_like(value)
    assert neutralise(value) == "'" + value


@pytest.mark.parametrize("value", SAFE + [-7, -1.5, 3, None, np.nan, "-3", "+1.5", "-7", "-1e3", ".5"])
def test_safe_values_are_untouched(value):
    out = neutralise(value)
    assert out is value or (isinstance(value, float) and np.isnan(out))


def test_series_and_frame_match_the_scalar_rule():
    values = DANGEROUS + SAFE + ["-3"]
    s = pd.Series(values + [None, -7], dtype=object)
    out = neutralise_series(s)
    assert out.tolist()[: len(values)] == [neutralise(v) for v in values]
    assert out.iloc[-2] is None and out.iloc[-1] == -7
    numbers = pd.Series([-7, -1, 2])
    assert neutralise_series(numbers) is numbers
    frame = pd.DataFrame({"id": ["=1", "007"], "x": [-9, 1], "t": pd.Series(["@a", "b"], dtype="string")})
    got = neutralise_frame(frame)
    assert got["id"].tolist() == ["'=1", "007"] and got["x"].tolist() == [-9, 1]
    assert got["t"].tolist() == ["'@a", "b"]
    assert frame["id"].tolist() == ["=1", "007"]  # the input is not changed


def test_write_text_never_writes_formulas(tmp_path):
    path = tmp_path / "w.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet()
    quoted = wb.add_format({"quote_prefix": True})
    for r, value in enumerate(["=SUM(A1)", "http://example.org", "-1 point", -7, "0012", None]):
        write_text(ws, r, 0, value, None, quoted)
    with pytest.raises(ValueError, match=r"cell \(1, 2\): the text '=1' looks like a formula; pass quoted_format"):
        write_text(ws, 0, 1, "=1")
    wb.close()
    sheet = openpyxl.load_workbook(path).active
    cells = [sheet.cell(r + 1, 1) for r in range(6)]
    assert [c.value for c in cells] == ["=SUM(A1)", "http://example.org", "-1 point", -7, "0012", None]
    assert [c.data_type for c in cells[:5]] == ["s", "s", "s", "n", "s"]
    assert cells[0].quotePrefix and cells[2].quotePrefix and not cells[1].quotePrefix
    assert sheet.cell(2, 1).hyperlink is None


def test_sheet_names():
    assert sheet_name("Responses") == "Responses"
    assert sheet_name("a/b:c*d?[e]") == "a_b_c_d__e_"
    long = "실패에 대한 두려움과 이공계 인재의 진로 선택에 관한 문항 모음"
    assert len(sheet_name(long)) == 31
    taken = ["Responses", "responses~2"]
    assert sheet_name("RESPONSES", taken) == "RESPONSES~3"
    assert sheet_name("History") == "Sheet_History"
    assert sheet_name("'quoted'") == "quoted"
    name = sheet_name("x" * 40, ["x" * 31])
    assert name == "x" * 29 + "~2" and len(name) == 31


def test_sheet_names_run_out():
    taken = ["a"] + [f"a~{n}" for n in range(2, 10_000)]
    with pytest.raises(UnsafeNameError, match="no free sheet name left for 'a'"):
        sheet_name("a", taken)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("설문 결과.xlsx", "설문 결과.xlsx"),
        ("../../etc/passwd", "_.._etc_passwd"),
        ("a<b>c:d|e?.csv", "a_b_c_d_e_.csv"),
        ("CON.txt", "_CON.txt"),
        ("lpt1", "_lpt1"),
        ("report. ", "report"),
        ("", "untitled"),
        ("...", "untitled"),
        (".hidden", "hidden"),
    ],
)
def test_safe_filename(raw, expected):
    assert safe_filename(raw) == expected


def test_safe_filename_caps_bytes_and_keeps_extension():
    name = safe_filename("가" * 300 + ".xlsx")
    assert name.endswith(".xlsx") and len(name.encode("utf-8")) <= 200
    name.encode("utf-8").decode("utf-8")


_TEXT = st.text(alphabet=st.sampled_from(list("=+-@\t\r＝＋－＠ 0123456789.eE가a(")), max_size=8) | st.text(max_size=8)


@given(_TEXT)
def test_neutralised_text_is_never_formula_like(value):
    out = neutralise(value)
    assert not is_formula_like(out)
    assert out == value or out == "'" + value
    assert neutralise(out) == out  # idempotent


@given(st.lists(_TEXT | st.integers(-9, 9) | st.none(), max_size=12))
def test_series_agrees_with_scalar(values):
    out = neutralise_series(pd.Series(values, dtype=object))
    assert out.tolist() == [neutralise(v) for v in values]


def test_string_dtype_is_kept():
    s = pd.Series(["=1", "a", None], dtype="string")
    out = neutralise_series(s)
    assert str(out.dtype) == "string" and out.tolist()[:2] == ["'=1", "a"]


def test_only_text_is_rewritten_in_object_columns():
    """A non-text object whose printed form looks like a formula (a negative timedelta) is left alone."""
    minus_one_day = pd.Timedelta(days=-1)
    s = pd.Series(["=1", minus_one_day, -7, "-7", "-x"] * 3, dtype=object)
    out = neutralise_series(s)
    assert out.tolist() == ["'=1", minus_one_day, -7, "-7", "'-x"] * 3
    assert neutralise(minus_one_day) is minus_one_day


def test_safe_workbook_writes_strings_as_strings(tmp_path):
    """Every form workbook is opened by safe_workbook: write() keeps '=...', 'http://...' and '12' as text."""
    import openpyxl

    from careersurvey.forms.safety import safe_workbook

    path = tmp_path / "w.xlsx"
    wb = safe_workbook(path)
    ws = wb.add_worksheet("s")
    for col, value in enumerate(["=1+1", "https://example.org", "12"]):
        ws.write(0, col, value)
    wb.close()
    cells = [(c.value, c.data_type) for c in openpyxl.load_workbook(path)["s"][1]]
    assert cells == [("=1+1", "s"), ("https://example.org", "s"), ("12", "s")]
    assert not openpyxl.load_workbook(path)["s"]._hyperlinks
