"""The entry template, filled in, reads back through the response reader (the interface between the two)."""

from __future__ import annotations

import openpyxl
import pytest

from careersurvey.forms.template import export_template

readers = pytest.importorskip("careersurvey.responses.readers", reason="response readers not available")


def test_filled_template_reads_back(mini, tmp_path):
    path = export_template(mini, tmp_path / "entry.xlsx", "ko", rows=20)
    wb = openpyxl.load_workbook(path)
    ws = wb["Responses"]
    names = [c.value for c in ws[1]]
    row = {"respondent_id": "0007", "consent": 1, "role": 2, "motives_1": 1, "motives_2": 0, "motives_3": 1,
           "hours": 45, "pay": -7, "comment": "=SUM(A1)"}
    for name, value in row.items():
        ws.cell(3, names.index(name) + 1, value)
    ws.cell(3, names.index("comment") + 1).data_type = "s"
    wb.save(path)
    table = readers.read_responses(path)
    assert table.kind == "template"
    assert (table.meta["questionnaire_id"], table.meta["version"], table.meta["content_hash"]) == (
        "mini-test", "1.2.3", mini.content_hash())
    assert list(table.headers) == names
    assert str(table.data["respondent_id"][0]) == "0007"
    assert float(table.data["hours"][0]) == 45 and float(table.data["pay"][0]) == -7
    assert list(table.rows) == [3]
