"""``cs.attach_sample_design``: the sample-design file joined to responses by respondent id, ids as text."""

from __future__ import annotations

import warnings

import openpyxl
import pandas as pd
import pytest

import careersurvey as cs

#: ids that a reader which guesses types would change: zeros, 19 digits, Hangul, a word pandas reads as NA
IDS = ["0001", "1234567890123456789", "응답자-7", "NA"]


def _data(ids=IDS) -> pd.DataFrame:
    """Responses as load_responses gives them: ids as text, a non-default index that must survive."""
    return pd.DataFrame({"respondent_id": pd.array(ids, dtype="str"), "role": [1, 2, 2, 3][:len(ids)]},
                        index=pd.Index([40, 30, 20, 10][:len(ids)]))


def _csv(path, text: str):
    path.write_text(text, encoding="utf-8")
    return path


def test_ids_stay_as_written_and_rows_keep_their_place(tmp_path) -> None:
    sample = _csv(tmp_path / "sample.csv", "respondent_id,stratum,psu,design_weight\n"
                  "NA,02,0014,4.5\n응답자-7,01,0012,3\n0001,01,0012,1.5\n1234567890123456789,02,0013,2\n")
    data = _data()
    out = cs.attach_sample_design(data, sample, text=("stratum", "psu"))
    assert out["respondent_id"].tolist() == IDS                      # never changed, never reordered
    assert out.index.tolist() == [40, 30, 20, 10]
    assert out["design_weight"].tolist() == [1.5, 2.0, 3.0, 4.5]     # each respondent got its own row
    assert out["stratum"].tolist() == ["01", "02", "01", "02"] and out["psu"].tolist() == ["0012", "0013", "0012",
                                                                                           "0014"]
    assert list(out.columns) == ["respondent_id", "role", "stratum", "psu", "design_weight"]
    pd.testing.assert_frame_equal(data, _data())                      # the caller's frame is left alone


def test_an_xlsx_sample_with_text_ids(tmp_path) -> None:
    path = tmp_path / "sample.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["respondent_id", "design_weight"])
    for i, rid in enumerate(IDS):
        ws.append([rid, float(i + 1)])
    wb.save(path)
    out = cs.attach_sample_design(_data(), path)
    assert out["design_weight"].tolist() == [1.0, 2.0, 3.0, 4.0]


def test_an_xlsx_id_stored_as_a_long_number_is_refused(tmp_path) -> None:
    path = tmp_path / "sample.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["respondent_id", "design_weight"])
    ws.append([1234567890123456789, 1.0])  # Excel keeps 15 digits of a number: the id is already damaged
    wb.save(path)
    with pytest.raises(cs.ResponsesError) as exc:
        cs.attach_sample_design(_data(), path)
    assert str(exc.value).startswith(f"{path}: row 2: respondent_id is the number 1.234567890123457e+18, too large "
                                     "to be exact")
    assert "store the ids as text" in str(exc.value)


def test_repeated_ids_are_named_with_their_rows(tmp_path) -> None:
    sample = _csv(tmp_path / "sample.csv", "respondent_id,design_weight\n0001,1\n응답자-7,2\n0001,3\n\n응답자-7,4\n"
                  "NA,5\n")
    with pytest.raises(cs.SampleDesignError) as exc:
        cs.attach_sample_design(_data(), sample)
    assert str(exc.value) == (f"{sample}: respondent_id '0001' in row 2 and row 4, '응답자-7' in row 3 and row 6: "
                              "2 ids with more than one design row; keep one design row per respondent")


def test_respondents_without_a_design_row_are_named_and_lost_zeros_explained(tmp_path) -> None:
    ids = [f"{i:04d}" for i in range(1, 8)]
    sample = _csv(tmp_path / "sample.csv", "respondent_id,design_weight\n"
                  + "".join(f"{i},2.5\n" for i in range(1, 8)))  # saved by a program that read the ids as numbers
    data = pd.DataFrame({"respondent_id": ids, "role": 1})
    with pytest.raises(cs.SampleDesignError) as exc:
        cs.attach_sample_design(data, sample, source="survey.duckdb")
    assert str(exc.value) == (
        f"{sample}: 7 respondents of survey.duckdb without a design row: '0001', '0002', '0003', '0004', '0005' "
        "and 2 more; add a row for each (respondent_id, then the design columns), or check that both files come "
        "from the same fieldwork. The design file has '1' where the data have '0001': its ids lost their leading "
        "zeros, as when a spreadsheet program saves ids as numbers; format the respondent_id column as text and "
        "save the file again")


def test_design_rows_without_a_respondent_are_named_not_joined(tmp_path) -> None:
    sample = _csv(tmp_path / "sample.csv", "respondent_id,design_weight\n0001,1\n1234567890123456789,2\n"
                  "응답자-7,3\nNA,4\n0009,5\n")
    with pytest.warns(cs.SampleDesignWarning, match=r"1 design row without a respondent in the data: '0009' \(row 6\)"):
        out = cs.attach_sample_design(_data(), sample)
    assert len(out) == 4 and "0009" not in out["respondent_id"].tolist()
    notes: list[str] = []
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cs.attach_sample_design(_data(), sample, note=notes.append)  # a note instead of a warning
    assert notes == [f"{sample}: 1 design row without a respondent in the data: '0009' (row 6); they are left out "
                     "(nonrespondents, or rows quarantined at import: fix and import those rows to count them)"]


def test_blank_ids_missing_columns_clashes_and_numeric_ids(tmp_path) -> None:
    blank = _csv(tmp_path / "blank.csv", "respondent_id,design_weight\n0001,1\n,2\n")
    with pytest.raises(cs.SampleDesignError, match=r"1 design row without a respondent_id \(row 3\); give each row"):
        cs.attach_sample_design(_data(), blank)
    noid = _csv(tmp_path / "noid.csv", "id,design_weight\n0001,1\n")
    with pytest.raises(cs.SampleDesignError) as exc:
        cs.attach_sample_design(_data(), noid, require=("design_weight", "stratum"))
    assert str(exc.value) == (f"{noid}: the sample design has no column respondent_id, stratum; it needs "
                              "respondent_id, design_weight, stratum (one row per respondent) and has 'id', "
                              "'design_weight'")
    clash = _csv(tmp_path / "clash.csv", "respondent_id,role\n0001,1\n")
    with pytest.raises(cs.SampleDesignError, match="columns 'role' are also in the data; rename them"):
        cs.attach_sample_design(_data(), clash)
    with pytest.raises(cs.SampleDesignError, match=r"column 'respondent_id' holds numbers \(int64\), but ids are "
                                                   "text"):
        cs.attach_sample_design(_data(), pd.DataFrame({"respondent_id": [1, 2], "w": [1.0, 2.0]}))


def test_a_frame_as_the_sample_and_another_key(tmp_path) -> None:
    data = pd.DataFrame({"pid": ["b-02", "a-01"], "x": [1.0, 2.0]})
    sample = pd.DataFrame({"pid": ["a-01", "b-02", "b-02"], "w": [1.0, 2.0, 3.0]}, index=["p", "q", "r"])
    with pytest.raises(cs.SampleDesignError, match=r"pid 'b-02' in index 'q' and index 'r'"):
        cs.attach_sample_design(data, sample, key="pid")
    out = cs.attach_sample_design(data, sample.iloc[:2], key="pid")
    assert out["w"].tolist() == [2.0, 1.0]
