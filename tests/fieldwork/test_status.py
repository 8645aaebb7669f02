"""fieldwork_status and ``careersurvey fieldwork status``: progress by stratum from the store and the manager's
codes (some cases without a code yet), and the follow-up list without refusals and ineligibles."""

from __future__ import annotations

import stat

import openpyxl
import pytest
from typer.testing import CliRunner

import careersurvey as cs
from careersurvey.cli import app
from careersurvey.fieldwork import FieldworkError
from careersurvey.fieldwork.status import fieldwork_status
from careersurvey.responses.importer import import_responses
from responses.conftest import mini, write_template

SAMPLE = ("respondent_id,stratum,email,disposition\n"
          "0001,01,a@x.kr,\n0002,01,b@x.kr,2.26\n0003,02,c@x.kr,\n0004,02,d@x.kr,2.111\n0005,02,e@x.kr,4.1\n"
          "0006,01,f@x.kr,\n0007,02,g@x.kr,3.19\n0008,01,h@x.kr,2.31\n0009,01,i@x.kr,2.12\n")


@pytest.fixture
def fieldwork(tmp_path):
    q = mini("1.0.0")
    db = tmp_path / "store.duckdb"
    rows = [["0001", 1, 2, 34, 1, 0, 1, 0, 5200, 4, "2019-03-01", "x"],
            ["0003", 1, 2, None, None, None, None, None, None, None, None, None]]
    import_responses(write_template(tmp_path / "r.xlsx", q, rows), db, q)
    p = tmp_path / "sample.csv"
    p.write_text(SAMPLE, encoding="utf-8")
    return p, db, q


def test_progress_and_follow_up(fieldwork):
    p, db, q = fieldwork
    s = fieldwork_status(cs.read_sample(p, text=["disposition", "stratum"]), db, q, targets={"01": 2, "02": 4})
    pr = s.progress
    assert pr.loc["01"].to_dict() == {"sampled": 5, "completes": 1, "partials": 0, "usable": 1, "refused": 0,
                                      "not_eligible": 0, "pending": 1, "follow_up": 3, "target": 2, "of_target": 0.5}
    assert pr.loc["02", ["sampled", "usable", "refused", "not_eligible", "follow_up", "target"]].tolist() == \
        [4, 1, 1, 1, 1, 4]
    assert pr.loc["all", "sampled"] == 9 and pr.loc["all", "target"] == 6
    # 0002 non-contact, 0006 no code yet, 0009 break-off, 0007 unknown eligibility; not 0004 (refused),
    # 0005 (not eligible), 0008 (deceased), nor the usable 0001 and 0003
    assert s.follow_up["respondent_id"].tolist() == ["0002", "0006", "0007", "0009"]
    assert s.follow_up["last_disposition"].tolist() == ["2.26", "(none yet)", "3.19", "2.12"]
    assert s.follow_up["email"].tolist() == ["b@x.kr", "f@x.kr", "g@x.kr", "i@x.kr"]


def test_targets_for_unknown_strata_are_named(fieldwork):
    p, db, q = fieldwork
    with pytest.raises(FieldworkError, match=r"targets name strata not in the sample: '1'; the sample's strata are"):
        fieldwork_status(cs.read_sample(p, text=["disposition", "stratum"]), db, q, targets={"1": 2})


def test_cli_status_writes_an_owner_only_follow_up_list(fieldwork, tmp_path):
    p, db, q = fieldwork
    targets = tmp_path / "targets.csv"
    targets.write_text("stratum,target\n01,2\n02,4\n", encoding="utf-8")
    out = tmp_path / "follow-up.xlsx"
    s = fieldwork_status(cs.read_sample(p, text=["disposition", "stratum"]), db, q)
    from careersurvey.fieldwork.status import write_follow_up
    write_follow_up(s, out)  # the API path; the CLI needs the questionnaire registered, so it is given here too
    wb = openpyxl.load_workbook(out)
    rows = list(wb.active.iter_rows(values_only=True))
    assert rows[0][:2] == ("respondent_id", "stratum") and [r[0] for r in rows[1:]] == ["0002", "0006", "0007", "0009"]
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    r = CliRunner().invoke(app, ["fieldwork", "status", "--sample", str(p), "--targets", str(targets),
                                 "--follow-up", str(tmp_path / "f2.xlsx")])
    assert r.exit_code == 0, r.output
    line = next(x for x in r.output.splitlines() if x.startswith("│ 01 "))
    # without the store: 0001 has no code yet, so usable is 0 in stratum 01
    assert [c.strip() for c in line.strip("│").split("│")][1:8] == ["5", "0", "0", "0", "2", "0%", "2"]
    assert "wrote 6 cases to follow up" in r.output
