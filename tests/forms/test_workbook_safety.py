"""Every spreadsheet this package writes keeps text as text: no formulas, no links, formula-like text quoted.

The fixture's labels start with = - + @ and full-width ＝, a hint holds a web address, a glossary term
starts with =; the missing codes (-7, -8, -9) and choice codes must still be numbers.
"""

from __future__ import annotations

import zipfile

import openpyxl
import pytest

from careersurvey.forms.codebook import export_codebook
from careersurvey.forms.safety import is_formula_like
from careersurvey.forms.template import export_template
from careersurvey.forms.xlsform import export_xlsform

WRITERS = {
    "xlsform": lambda q, path: export_xlsform(q, path, "both"),
    "template": lambda q, path: export_template(q, path, "both", rows=5),
    "codebook": lambda q, path: export_codebook(q, path, "both"),
}


@pytest.fixture(scope="module", params=sorted(WRITERS))
def written(request, mini, tmp_path_factory):
    path = WRITERS[request.param](mini, tmp_path_factory.mktemp(request.param) / f"{request.param}.xlsx")
    return request.param, path


def test_no_cell_is_a_formula_or_a_link(written):
    kind, path = written
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                xml = archive.read(name).decode("utf-8")
                assert "<f>" not in xml and "<f " not in xml, (kind, name)  # no formula cells
                assert "<hyperlink" not in xml, (kind, name)
        assert not any("externalLink" in n or "hyperlink" in n.lower() for n in archive.namelist())
    workbook = openpyxl.load_workbook(path)
    strings = 0
    for ws in workbook.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    strings += 1
                    assert cell.data_type == "s", (kind, ws.title, cell.coordinate, cell.value)
                    if is_formula_like(cell.value):  # shown as typed, but Excel keeps it text on edit
                        assert cell.quotePrefix, (kind, ws.title, cell.coordinate, cell.value)
                assert cell.hyperlink is None
    assert strings > 20


def test_formula_like_and_link_text_is_kept_exactly(written):
    kind, path = written
    workbook = openpyxl.load_workbook(path)
    texts = {c.value for ws in workbook.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, str)}
    joined = "\n".join(texts)
    for fragment in ("=SUM(A1) 대학 교원", "-1 point", "+82 10", "@home", "＝기타", "https://example.org"):
        assert fragment in joined, (kind, fragment)


def test_codes_stay_numbers(written):
    kind, path = written
    workbook = openpyxl.load_workbook(path)
    if kind == "xlsform":  # XLSForm choice names are text by the spec ("-7" is a choice name)
        names = [row[1] for row in workbook["choices"].iter_rows(min_row=2, values_only=True)]
        assert "-7" in names and all(isinstance(n, str) for n in names)
        return
    sheet = workbook["_lookup"] if kind == "template" else workbook["Value labels"]
    numbers = [c.value for row in sheet.iter_rows(min_row=2) for c in row if c.data_type == "n" and c.value is not None]
    assert {-7, -8, -9} <= set(numbers) and {1, 0} <= set(numbers)
