"""Exports: SPSS/Stata read back with pyreadstat, byte limits on Hangul labels, parquet, csv, xlsx."""

from __future__ import annotations

import dataclasses

import numpy as np
import openpyxl
import pandas as pd
import pyreadstat
import pytest

from careersurvey.questionnaire.model import Module
from careersurvey.responses.dataset import load_dataset
from careersurvey.responses.export import ExportWarning, cut_bytes, export_responses
from careersurvey.responses.problems import ResponsesError
from careersurvey.responses.importer import import_responses
from careersurvey.responses.problems import ResponsesError

from .conftest import GOOD_ROWS, mini, write_template


@pytest.fixture
def store(tmp_path):
    db = tmp_path / "s.duckdb"
    q = mini()
    import_responses(write_template(tmp_path / "a.xlsx", q, GOOD_ROWS[:3]), db, q)
    csv = tmp_path / "b.csv"
    csv.write_text("respondent_id,consent,role,age,motives_1,motives_2,motives_3,motives_4,pay,fof_shame,start_date,"
                   "comment\n0009,1,1,25,0,1,0,0,-7,5,2024-03-02,=HYPERLINK(\"http://x\")\n", encoding="utf-8")
    import_responses(csv, db, q)
    return db


def test_sav_roundtrip(store, tmp_path):
    r = export_responses(store, tmp_path / "d.sav", questionnaire=mini())
    assert r.rows == 4 and r.notes == ()
    df, meta = pyreadstat.read_sav(str(r.paths[0]), user_missing=True)
    codes = load_dataset(store, mini(), labels=False).codes()
    assert df["respondent_id"].tolist() == ["0001", "0002", "0003", "0009"]
    assert df["role"].tolist() == [2, 4, -9, 1]
    assert df["pay"].tolist()[3] == -7
    assert np.allclose(df["age"].to_numpy(), codes["age"].astype("Float64").to_numpy(dtype=float, na_value=np.nan),
                       equal_nan=True)
    assert meta.column_names_to_labels["motives_2"] == "동기: 자율성"
    assert meta.variable_value_labels["role"][2.0] == "연구원"
    assert meta.variable_value_labels["role"][-7.0] == "응답하고 싶지 않음"
    assert meta.missing_ranges["role"] == [{"lo": -9.0, "hi": -6.0}]
    assert (meta.variable_measure["role"], meta.variable_measure["fof_shame"], meta.variable_measure["pay"]) == (
        "nominal", "ordinal", "scale")
    # without user_missing, SPSS semantics: the codes are missing
    plain, _ = pyreadstat.read_sav(str(r.paths[0]))
    assert np.isnan(plain["role"][2]) and np.isnan(plain["pay"][3])


def test_one_label_set_per_language(store, tmp_path):
    r = export_responses(store, tmp_path / "d.sav", questionnaire=mini(), language="all")
    assert [p.name for p in r.paths] == ["d.ko.sav", "d.en.sav"]
    _, ko = pyreadstat.read_sav(str(r.paths[0]), metadataonly=True)
    _, en = pyreadstat.read_sav(str(r.paths[1]), metadataonly=True)
    assert ko.variable_value_labels["role"][4.0] == "의사" and en.variable_value_labels["role"][4.0] == "Physician"
    assert en.column_names_to_labels["age"] == "Age"


def test_dta_roundtrip_with_extended_missing(store, tmp_path):
    r = export_responses(store, tmp_path / "d.dta", questionnaire=mini(), language="en")
    df, meta = pyreadstat.read_dta(str(r.paths[0]), user_missing=True)
    assert df["role"].tolist() == [2, 4, "d", 1]  # -9 not applicable -> .d
    assert df["pay"].tolist()[3] == "b"  # -7 refused -> .b
    assert meta.variable_value_labels["role"][3] == "Engineer"
    assert meta.variable_value_labels["role"]["d"] == "Not applicable"
    assert meta.variable_value_labels["pay"]["b"] == "Prefer not to answer"
    assert meta.column_names_to_labels["fof_shame"] == "Shame"
    plain, _ = pyreadstat.read_dta(str(r.paths[0]))
    assert np.isnan(plain["role"][2])


def _long_label_questionnaire(n):
    q = mini()
    module = q.modules[0]
    items = list(module.elements)
    items[2] = dataclasses.replace(items[2], label={"ko": "가" * n, "en": "Age"})
    return dataclasses.replace(q, modules=(Module(module.id, module.title, tuple(items)),))


@pytest.mark.parametrize("n,cut", [(85, False), (86, True)])
def test_hangul_label_byte_limit(tmp_path, n, cut):
    q = _long_label_questionnaire(n)
    db = tmp_path / "s.duckdb"
    import_responses(write_template(tmp_path / "a.xlsx", q, GOOD_ROWS[:1]), db, q)
    if cut:
        with pytest.warns(ExportWarning, match="variable label of age: 258 bytes is more than the SPSS limit of 255"):
            r = export_responses(db, tmp_path / "d.sav", questionnaire=q)
        assert len(r.notes) == 1
    else:
        r = export_responses(db, tmp_path / "d.sav", questionnaire=q)
        assert r.notes == ()
    _, meta = pyreadstat.read_sav(str(r.paths[0]), metadataonly=True)
    assert meta.column_names_to_labels["age"] == "가" * 85


@pytest.mark.parametrize("n,cut", [(80, False), (81, True)])
def test_stata_label_limit_is_80_characters_and_each_cut_is_reported(tmp_path, n, cut):
    q = _long_label_questionnaire(n)
    db = tmp_path / "s.duckdb"
    import_responses(write_template(tmp_path / "a.xlsx", q, GOOD_ROWS[:1]), db, q)
    if cut:
        with pytest.warns(ExportWarning) as caught:
            r = export_responses(db, tmp_path / "d.dta", questionnaire=q)
        assert r.notes == (f"variable label of age: 81 characters is more than the Stata limit of 80 characters; "
                           f"cut to {'가' * 12!r} at the end",)
        assert [str(w.message) for w in caught] == list(r.notes)
    else:
        r = export_responses(db, tmp_path / "d.dta", questionnaire=q)
        assert r.notes == ()
    _, meta = pyreadstat.read_dta(str(r.paths[0]), metadataonly=True)
    assert meta.column_names_to_labels["age"] == "가" * 80


def test_cli_prints_each_cut(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    import careersurvey.responses.importer as importer
    from careersurvey.cli.responses import app

    q = _long_label_questionnaire(90)
    monkeypatch.setattr(importer, "load_questionnaire_spec", lambda spec, **_: q)
    db = tmp_path / "s.duckdb"
    import_responses(write_template(tmp_path / "a.xlsx", q, GOOD_ROWS[:1]), db, q)
    r = CliRunner().invoke(app, ["export", "--store", str(db), "--format", "dta", "--out", str(tmp_path / "d.dta"),
                                 "--questionnaire", "stem-mini@1.0.0"])
    assert r.exit_code == 0, r.output
    assert "note: variable label of age: 90 characters is more than the Stata limit of 80 characters" in r.stderr


def test_cut_bytes_never_splits_a_character():
    assert cut_bytes("가나다", 7) == "가나"
    assert cut_bytes("가나다", 9) == "가나다"
    assert cut_bytes("a가", 3) == "a"


def test_parquet_keeps_codes_and_labels(store, tmp_path):
    import json

    import pyarrow.parquet as pq

    r = export_responses(store, tmp_path / "d.parquet", questionnaire=mini())
    back = pd.read_parquet(r.paths[0])
    codes = load_dataset(store, mini(), labels=False).codes()
    pd.testing.assert_frame_equal(back, codes, check_like=False)
    meta = json.loads(pq.read_schema(r.paths[0]).metadata[b"careersurvey"])
    assert meta["value_labels"]["role"]["2"] == "연구원"


def test_csv_utf8_sig_and_formula_neutralised(store, tmp_path):
    r = export_responses(store, tmp_path / "d.csv", questionnaire=mini())
    raw = r.paths[0].read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    back = pd.read_csv(r.paths[0], encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert back["respondent_id"].tolist() == ["0001", "0002", "0003", "0009"]
    assert back["comment"].tolist()[3] == "'=HYPERLINK(\"http://x\")"
    assert back["comment"].tolist()[0] == "연구 자율성이 중요합니다"
    assert float(back["pay"].tolist()[3]) == -7  # missing codes are numbers, never neutralised
    assert back["role"].tolist()[2] == "-9"


def test_csv_cp949(store, tmp_path):
    r = export_responses(store, tmp_path / "d.csv", questionnaire=mini(), encoding="cp949")
    back = pd.read_csv(r.paths[0], encoding="cp949", dtype=str, keep_default_na=False)
    assert back["comment"].tolist()[0] == "연구 자율성이 중요합니다"


def test_csv_cp949_unencodable_is_a_clear_error(tmp_path):
    q = mini()
    db = tmp_path / "s.duckdb"
    rows = [GOOD_ROWS[0][:-1] + ["emoji 🙂"]]
    import_responses(write_template(tmp_path / "a.xlsx", q, rows), db, q)
    with pytest.raises(ResponsesError, match="cannot be written in cp949"):
        export_responses(db, tmp_path / "d.csv", questionnaire=q, encoding="cp949")
    assert not (tmp_path / "d.csv").exists()


def test_csv_labels(store, tmp_path):
    r = export_responses(store, tmp_path / "d.csv", questionnaire=mini(), labels=True, language="en")
    back = pd.read_csv(r.paths[0], encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert back["role"].tolist() == ["Researcher", "Physician", "", "Student"]


def test_xlsx_text_stays_text(store, tmp_path):
    r = export_responses(store, tmp_path / "d.xlsx", questionnaire=mini())
    wb = openpyxl.load_workbook(r.paths[0])
    ws = wb["data"]
    header = [c.value for c in ws[1]]
    col = header.index("comment") + 1
    cell = ws.cell(row=6, column=col)
    assert cell.data_type == "s" and cell.value == '=HYPERLINK("http://x")' and cell.quotePrefix
    assert ws.cell(row=2, column=header.index("age") + 1).value == "나이"
    assert ws.cell(row=3, column=1).value == "0001"
    assert ws.cell(row=5, column=header.index("role") + 1).value == -9


def test_unknown_format(store, tmp_path):
    with pytest.raises(ResponsesError, match="unknown export format 'sas7bdat'"):
        export_responses(store, tmp_path / "d.sas7bdat", questionnaire=mini())


def test_a_dataset_exports_with_its_missing_codes(store, tmp_path):
    """The codes come from the Dataset (not from the frame's attrs); a bare frame is refused, not written
    without its missing codes."""
    ds = load_dataset(store, mini(), labels=False)
    assert ds.data["pay"].isna().iloc[3] and ds.data.attrs == {}
    r = export_responses(ds, tmp_path / "d.dta")
    df, meta = pyreadstat.read_dta(str(r.paths[0]), user_missing=True)
    assert df["pay"].tolist()[3] == "b" and df["role"].tolist()[2] == "d"  # -7 refused, -9 not applicable
    assert meta.variable_value_labels["pay"]["b"] == "응답하고 싶지 않음"
    with pytest.raises(ResponsesError, match="a bare DataFrame has lost its missing codes and labels; pass the "
                                             "store, or the Dataset of cs.load_dataset"):
        export_responses(ds.data, tmp_path / "e.sav")
    with pytest.raises(ResponsesError, match=r"sav files hold codes with value labels: pass the Dataset of "
                                             r"cs.load_dataset\(store, labels=False\), or the store"):
        export_responses(load_dataset(store, mini()), tmp_path / "f.sav")


def test_dta_of_a_column_whose_first_100_rows_hold_only_missing_codes(tmp_path):
    """The Stata writer reads a mixed column's type from its first 100 values: 110 refusals of age before the
    first real ages used to make the export fail ('float' object has no attribute 'encode')."""
    q = mini()
    rows = [[f"{i:04d}", 1, 2, -7 if i <= 110 else 20 + i % 40, 1, 0, 0, 0, 100, 3, None, None]
            for i in range(1, 131)]
    db = tmp_path / "s.duckdb"
    import_responses(write_template(tmp_path / "a.xlsx", q, rows), db, q)
    with pytest.warns(ExportWarning, match="rows 111 of the export come first in the .dta file: columns age"):
        out = export_responses(db, tmp_path / "d.dta", questionnaire=q).paths[0]
    frame, meta = pyreadstat.read_dta(str(out), user_missing=True)
    assert len(frame) == 130 and frame["respondent_id"].iloc[0] == "0111"
    ages = frame.set_index("respondent_id")["age"]
    assert (ages[[f"{i:04d}" for i in range(1, 111)]] == "b").all()  # .b: -7 refused
    assert ages[[f"{i:04d}" for i in range(111, 131)]].astype(float).tolist() == [20 + i % 40 for i in range(111, 131)]
    assert sorted(frame["respondent_id"]) == [f"{i:04d}" for i in range(1, 131)]
