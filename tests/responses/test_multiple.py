"""Answers of a multiple-choice item never change silently: a missing code beside ticks is a problem naming the
cells; a choice column the file lacks makes the item missing (not 0) in every row, and the import says so."""

from __future__ import annotations

import duckdb
import numpy as np

from careersurvey.responses.importer import import_responses
from careersurvey.responses.readers import read_responses
from careersurvey.responses.validate import validate

from .conftest import mini, write_template

HEAD = ["respondent_id", "consent", "role", "age", "motives_1", "motives_2", "motives_3", "motives_4", "pay",
        "fof_shame", "start_date", "comment"]
Q = mini()


def row(rid, motives, **changes):
    base = dict(zip(HEAD, [rid, 1, 2, 34, *motives, 5200, 4, "2019-03-01", None]))
    base.update(changes)
    return [base[h] for h in HEAD]


def test_a_missing_code_beside_a_tick_is_quarantined_naming_the_cells(tmp_path):
    """Old code: motives_1 = -7 and motives_4 = 1 stored -7 in every motives column, accepted, no problem."""
    rows = [row("0001", [-7, 0, 0, 1]), row("0002", [-7, -7, -7, -7]), row("0003", [-7, None, None, None]),
            row("0004", [1, 0, 0, 1])]
    v = validate(read_responses(write_template(tmp_path / "t.xlsx", Q, rows)), Q)
    (p,) = [p for p in v.problems if p.rule == "missing_code_mixed"]
    assert (p.row, p.item, p.severity) == (3, "motives", "quarantine")
    assert p.message == ("motives: motives_1 = -7, motives_4 = 1: a missing code cannot stand beside ticked choices "
                         "or another missing code; keep the answer that is right and clear the other cells")
    assert v.quarantined.tolist() == [True, False, False, False]
    f = v.frame()
    assert f.loc[1, ["motives_1", "motives_4"]].tolist() == [-7, -7]  # a code alone stands for the item


def test_a_missing_code_choice_ticked_beside_a_choice_is_quarantined(tmp_path):
    """Exports offering missing codes as choices (motives/-7): ticked together with a real choice."""
    path = tmp_path / "k.csv"
    path.write_text("respondent_id,consent,role,motives/1,motives/2,motives/3,motives/4,motives/-7\n"
                    "0001,1,2,1,0,0,0,1\n0002,1,2,0,0,0,0,1\n", encoding="utf-8")
    v = validate(read_responses(path), Q)
    (p,) = [p for p in v.problems if p.rule == "missing_code_mixed"]
    assert p.row == 2 and p.message.startswith("motives: motives/1 = 1, motives/-7 = -7: a missing code")
    assert v.quarantined.tolist() == [True, False]


def test_an_absent_choice_column_makes_the_item_missing_not_0(tmp_path):
    """Old code: with motives_3 renamed, rows were stored with motives_3 = 0 (not ticked), accepted, and only a
    file-level unknown-column warning mentioned the renamed header."""
    head = [h if h != "motives_3" else "Stability?" for h in HEAD]
    rows = [row("0001", [1, 0, 1, 0]), row("0002", [0, 1, 0, 0])]
    path = write_template(tmp_path / "t.xlsx", Q, rows, headers=head)
    v = validate(read_responses(path), Q)
    (p,) = [p for p in v.problems if p.rule == "missing_choice_column"]
    assert (p.row, p.item, p.severity) == (None, "motives", "warning")
    assert p.message == (
        "motives: the file has no column for motives_3 (choice 3, 안정성), so a choice not ticked cannot be told from "
        "one not in the file; motives is left empty in every row (the cells of its other columns are kept as "
        "written). Add the column, or give the renamed column its name back, and import the file again")
    f = v.frame()
    assert f[["motives_1", "motives_2", "motives_3", "motives_4"]].isna().all().all()
    db = tmp_path / "s.duckdb"
    import_responses(path, db, Q)
    con = duckdb.connect(str(db), read_only=True)
    try:
        raw = set(con.execute("SELECT row_no, col, raw FROM raw_cells WHERE col LIKE 'motives%'").fetchall())
        stored = con.execute("SELECT motives_3 FROM answers_stem_mini_1_0_0").fetchall()
    finally:
        con.close()
    assert {(3, "motives_1", "1"), (4, "motives_2", "1"), (3, "motives_4", "0")} <= raw  # the ticks are kept
    assert all(v is None or np.isnan(v) for (v,) in stored)
