"""``read_table``: ids come back exactly as they were written, whatever they look like (hypothesis), in csv
(UTF-8 or CP949) and xlsx; a CSV's other columns are still read as numbers."""

from __future__ import annotations

import csv
import string

import openpyxl
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import careersurvey as cs
from careersurvey.responses.tables import read_rows

#: ids a type-guessing reader would change: zeros, long digits, NA words, Hangul, spaces, commas and quotes
ID = st.one_of(
    st.from_regex(r"\A0[0-9]{1,20}\Z"),
    st.from_regex(r"\A[1-9][0-9]{15,25}\Z"),
    st.sampled_from(["NA", "N/A", "null", "NaN", "nan", "None", "#N/A", "-nan", "TRUE", "1e5", "1.0", "007.50"]),
    st.text(alphabet=string.ascii_letters + string.digits + "-_.,\"' 응답자가나다", min_size=1, max_size=12),
)
IDS = st.lists(ID, min_size=1, max_size=12, unique=True)


def _write_csv(path, ids, encoding="utf-8") -> None:
    with open(path, "w", encoding=encoding, newline="") as f:
        out = csv.writer(f)
        out.writerow(["respondent_id", "weight"])
        out.writerows([rid, i + 0.5] for i, rid in enumerate(ids))


@settings(max_examples=40)
@given(IDS)
def test_csv_ids_come_back_as_written(tmp_path_factory, ids) -> None:
    path = tmp_path_factory.mktemp("ids") / "sample.csv"
    _write_csv(path, ids)
    frame = cs.read_table(path)
    assert frame["respondent_id"].tolist() == ids
    assert frame["weight"].tolist() == [i + 0.5 for i in range(len(ids))]  # the rest is still read as numbers


@settings(max_examples=40)
@given(IDS)
def test_xlsx_text_ids_come_back_as_written(tmp_path_factory, ids) -> None:
    path = tmp_path_factory.mktemp("ids") / "sample.xlsx"
    wb = openpyxl.Workbook()
    wb.active.append(["respondent_id", "weight"])
    for i, rid in enumerate(ids):
        wb.active.append([rid, i + 0.5])
    wb.save(path)
    assert cs.read_table(path)["respondent_id"].tolist() == ids


def test_cp949_csv_and_the_rows_messages_name(tmp_path) -> None:
    """A CSV saved by Korean Excel (CP949) reads the same; blank lines do not shift the rows errors name."""
    path = tmp_path / "sample.csv"
    path.write_bytes("respondent_id,weight\n응답자-1,1\n\n0002,2\n".encode("cp949"))
    frame, rows = read_rows(path, ["respondent_id"], what="sample design")
    assert frame["respondent_id"].tolist() == ["응답자-1", "0002"] and rows == ["row 2", "row 4"]
    with pytest.raises(cs.ResponsesError, match=r"no such file; check the name and folder of the data file"):
        cs.read_table(tmp_path / "none.csv")
    pd.DataFrame({"respondent_id": ["0001"]}).to_json(tmp_path / "x.json")
    with pytest.raises(cs.ResponsesError, match=r"cannot read a \.json file as the data file"):
        cs.read_table(tmp_path / "x.json")
