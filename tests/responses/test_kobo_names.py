"""KoboToolbox exports whose cells hold choice names (``faculty``), English or Korean labels: one stored table.

The twelve files in data/kobo_names/ are real formpack exports of the XLSForm careersurvey builds for
tests/questionnaire/data/mobility-1.0.0.yaml (how they were made: data/kobo_names/README.md).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import careersurvey as cs
from careersurvey.responses.dataset import load_codes
from careersurvey.responses.importer import import_file

HERE = Path(__file__).parent
EXPORTS = HERE / "data" / "kobo_names"
QUESTIONNAIRE = HERE.parent / "questionnaire" / "data" / "mobility-1.0.0.yaml"
FILES = sorted(p.name for p in EXPORTS.iterdir() if p.suffix in (".xlsx", ".csv"))
NA = np.nan

#: The nine submissions of the README's script, as codes: consent, position, move_reasons_{1,2,3,4,9},
#: abroad, satisfied, years. Skipped items are -9; the -7/-8 choices are the missing codes they name.
EXPECTED = [
    [1, 3, 1, 1, 0, 0, 0, 1, 4, 12],         # faculty; pay autonomy; yes
    [1, 1, -9, -9, -9, -9, -9, -9, 2, 3],     # student: move_reasons and abroad skipped
    [1, 2, 0, 0, 0, 1, 0, -9, -8, -7],        # postdoc; family; satisfied "don't know", years refused
    [1, 4, 0, 0, 0, 0, 1, -7, 5, 20],         # industry_rd; none_of_these; abroad refused
    [0, -9, -9, -9, -9, -9, -9, -9, -9, -9],  # no consent: the whole work module skipped
    [1, -7, -9, -9, -9, -9, -9, -9, 3, 7],    # position refused: its follow-ups skipped
    [1, 2, -8, -8, -8, -8, -8, -9, 1, 2],     # move_reasons "don't know" (the -8 choice)
    [1, 3, 1, 0, 1, 1, 0, -8, 3, 25],         # pay stability family; abroad "don't know"
    [1, 2, 1, 0, 0, 0, 0, 0, 4, 0],           # pay -> abroad asked; no
]


@pytest.fixture(scope="module")
def questionnaire():
    return cs.load_questionnaire(QUESTIONNAIRE)


def stored(path: Path, store: Path, questionnaire) -> pd.DataFrame:
    """The import of ``path`` as the store holds it: respondent id and every data column's code."""
    result = import_file(path, store, questionnaire)
    assert (result.rows_in, result.accepted, result.quarantined) == (9, 9, 0), path.name
    meta, matrix, texts, _ = load_codes(store, questionnaire)
    frame = pd.DataFrame(matrix, columns=list(questionnaire.columns()))
    frame.insert(0, "respondent_id", meta["respondent_id"].to_numpy())
    return frame


def test_twelve_exports_are_there():
    assert len(FILES) == 12
    assert {f.split(".")[0] for f in FILES} == {f"mobility_{lang}{groups}" for lang in ("xml", "en", "ko")
                                               for groups in ("", "_groups")}


@pytest.mark.parametrize("name", FILES)
def test_export_stores_the_submitted_answers(name, tmp_path, questionnaire):
    frame = stored(EXPORTS / name, tmp_path / "store.duckdb", questionnaire)
    assert frame["respondent_id"].tolist() == [f"7c1e4b2a-0000-4000-8000-{i:012d}" for i in range(1, 10)]
    assert frame.drop(columns="respondent_id").to_numpy().tolist() == EXPECTED


def test_all_exports_store_identical_tables(tmp_path, questionnaire):
    """XML names, English and Korean labels, with and without group headers, xlsx and csv: one table."""
    tables = {name: stored(EXPORTS / name, tmp_path / f"{name}.duckdb", questionnaire) for name in FILES}
    first = tables["mobility_xml.xlsx"]
    for name, frame in tables.items():
        pd.testing.assert_frame_equal(frame, first, obj=name)


@pytest.mark.parametrize("name", ["mobility_xml.csv", "mobility_xml_groups.xlsx"])
def test_xml_name_export_has_no_problem(name, questionnaire):
    """Cells of choice names are answers, not 'not a choice'; every header is an item or a system column."""
    from careersurvey.responses.readers import read_responses
    from careersurvey.responses.validate import validate

    v = validate(read_responses(EXPORTS / name), questionnaire)
    assert [p.rule for p in v.problems] == []
    assert v.plan.unknown == ()
