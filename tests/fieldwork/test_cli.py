"""``careersurvey fieldwork``: the commands over the API, on files written by hand."""

from __future__ import annotations

import stat

import openpyxl
import pytest
from typer.testing import CliRunner

import careersurvey as cs
from careersurvey.cli import app


def run(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


@pytest.fixture
def frame_xlsx(tmp_path):
    """A frame typed in Excel: ids as text with leading zeros, strata typed as numbers, one blank row."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["inst_id", "region", "staff"])
    for i in range(12):
        ws.append([f"{i:03d}", 1 + i % 2, 10 + 7 * i])
        if i == 5:
            ws.append([None, None, None])
    p = tmp_path / "frame.xlsx"
    wb.save(p)
    return p


def test_draw_writes_the_sample_and_prints_strata(frame_xlsx, tmp_path):
    out = tmp_path / "sample.csv"
    r = run("fieldwork", "draw", "--frame", frame_xlsx, "--id", "inst_id", "--strata", "region", "--size", "staff",
            "--method", "sampford", "--n", 6, "--seed", 11, "--out", out)
    assert r.exit_code == 0, r.output
    assert "Sample drawn (sampford, seed 11)" in r.output and "sample.joint.csv" in r.output
    back = cs.read_table(out, text=["inst_id", "stratum"])
    api = cs.draw_sample(frame_xlsx, 6, id="inst_id", strata="region", size="staff", method="sampford", seed=11)
    assert back["inst_id"].tolist() == api.units["inst_id"].tolist()
    assert all(len(i) == 3 for i in back["inst_id"])
    assert stat.S_IMODE(out.stat().st_mode) == 0o600


def test_draw_error_names_file_row_and_column(frame_xlsx, tmp_path):
    wb = openpyxl.load_workbook(frame_xlsx)
    wb.active["C4"] = "many"
    wb.save(frame_xlsx)
    r = run("fieldwork", "draw", "--frame", frame_xlsx, "--id", "inst_id", "--size", "staff", "--method",
            "systematic", "--n", 3, "--seed", 1, "--out", tmp_path / "s.csv")
    assert r.exit_code == 1
    assert r.output.strip() == (f"error: {frame_xlsx}, column staff: staff must be a number >= 0 in every row; "
                                "row 4 has 'many': correct the value")
    assert not (tmp_path / "s.csv").exists()


def test_draw_two_stage(frame_xlsx, tmp_path):
    persons = tmp_path / "persons.csv"
    persons.write_text("person_id,inst_id\n" + "".join(f"p{i:03d},{i % 12:03d}\n" for i in range(60)), encoding="utf-8")
    out = tmp_path / "sample.xlsx"
    r = run("fieldwork", "draw", "--frame", frame_xlsx, "--id", "inst_id", "--strata", "region", "--n", 4,
            "--persons", persons, "--m", 2, "--seed", 3, "--out", out)
    assert r.exit_code == 0, r.output
    back = cs.read_table(out, text=["person_id", "inst_id"])
    assert len(back) == 8 and set(back.columns) >= {"pi1", "pi2", "pi", "design_weight", "fpc1", "fpc2", "psu"}


def test_draw_two_stage_with_persons_per_stratum(frame_xlsx, tmp_path):
    persons = tmp_path / "persons.csv"
    persons.write_text("person_id,inst_id\n" + "".join(f"p{i:03d},{i % 12:03d}\n" for i in range(60)), encoding="utf-8")
    back = cs.read_table(frame_xlsx, text=["inst_id", "region"])
    strata = sorted(set(back["region"]))
    sizes = tmp_path / "m.csv"
    sizes.write_text("stratum,m\n" + "".join(f"{k},{j + 1}\n" for j, k in enumerate(strata)), encoding="utf-8")
    out = tmp_path / "sample.csv"
    r = run("fieldwork", "draw", "--frame", frame_xlsx, "--id", "inst_id", "--strata", "region", "--n", 4,
            "--persons", persons, "--m-per-stratum", sizes, "--seed", 3, "--out", out)
    assert r.exit_code == 0, r.output
    drawn = cs.read_table(out, text=["person_id", "inst_id", "stratum"])
    per = drawn.groupby("inst_id").agg(k=("person_id", "size"), stratum=("stratum", "first"))
    want = {k: j + 1 for j, k in enumerate(strata)}
    assert (per["k"] == per["stratum"].map(want)).all()
    both = run("fieldwork", "draw", "--frame", frame_xlsx, "--id", "inst_id", "--n", 4, "--persons", persons,
               "--m", 2, "--m-per-stratum", sizes, "--seed", 3, "--out", tmp_path / "x.csv")
    assert both.exit_code != 0 and "not both" in both.output
    sizes.write_text("stratum,m\n" + "".join(f"{k},two\n" for k in strata), encoding="utf-8")
    bad = run("fieldwork", "draw", "--frame", frame_xlsx, "--id", "inst_id", "--strata", "region", "--n", 4,
              "--persons", persons, "--m-per-stratum", sizes, "--seed", 3, "--out", tmp_path / "y.csv")
    assert bad.exit_code != 0 and "m must be a whole number in every row" in bad.output


def test_rates_prints_counts_and_every_rate_by_stratum(tmp_path):
    p = tmp_path / "sample.csv"
    p.write_text("respondent_id,stratum,disposition,w\n01,01,1.1,2\n02,01,1.2,2\n03,01,2.11,2\n04,02,3.19,5\n"
                 "05,02,4.10,5\n06,02,1.1,5\n07,02,2.27,5\n", encoding="utf-8")
    r = run("fieldwork", "rates", "--sample", p, "--by", "stratum")
    assert r.exit_code == 0, r.output
    api = cs.response_rates(cs.read_sample(p, text=["disposition", "stratum"]), by="stratum")
    lines = r.output.splitlines()
    rr2 = next(line for line in lines if line.startswith("│ RR2 "))
    assert [c.strip() for c in rr2.strip("│").split("│")][1:] == [f"{v:.3f}" for v in api.table["RR2"]]
    assert "e = CASRO" in r.output
    w = run("fieldwork", "rates", "--sample", p, "--weights", "w", "--e", "0.5")
    assert w.exit_code == 0 and "e = 0.5 (given)" in w.output and "weighted by w" in w.output


def test_rates_with_an_unknown_code_names_file_and_rows(tmp_path):
    p = tmp_path / "sample.csv"
    p.write_text("respondent_id,disposition\n01,1.1\n02,5.1\n", encoding="utf-8")
    r = run("fieldwork", "rates", "--sample", p)
    assert r.exit_code == 1
    assert r.output.startswith(f"error: {p}, column disposition: unknown disposition code: '5.1' in row 3; use")


def test_plan_prints_the_strata_plan_and_the_cluster_size(tmp_path):
    p = tmp_path / "strata.csv"
    p.write_text("stratum,N,p,deff,response_rate\n01,35000,0.5,1.9,0.52\n02,40,0.5,1.0,0.5\n", encoding="utf-8")
    r = run("plan", "--strata", p, "--moe", 0.05, "--c1", 750, "--c2", 100, "--icc", 0.05, "--budget", 100000)
    assert r.exit_code == 0, r.output
    from careersurvey.fieldwork.planning import n_proportion
    import math
    n = math.ceil(n_proportion(0.5, moe=0.05, N=35000, deff=1.9))
    row = next(line for line in r.output.splitlines() if line.startswith("│ 01 "))
    assert [c.strip() for c in row.strip("│").split("│")][-2:] == [f"{n:,}", f"{math.ceil(n / 0.52):,}"]
    assert "│ 02 " in r.output and "40 (all)" in r.output
    assert "│ persons per institution │    11.9 │" in r.output


def test_plan_error_names_file_row_and_column(tmp_path):
    p = tmp_path / "strata.csv"
    p.write_text("stratum,N,p,deff,response_rate\n01,35000,0.5,1.9,0.52\n02,400,0.5,1.0,0\n", encoding="utf-8")
    r = run("plan", "--strata", p, "--cv", 0.1)
    assert r.exit_code == 1
    assert r.output.strip() == f"error: {p}, row 3, column response_rate: response_rate = 0; it must be in (0, 1]"


def test_rindicator_prints_r_and_its_se_from_a_sample_file(tmp_path):
    import numpy as np

    rng = np.random.default_rng(8)
    p = tmp_path / "sample.csv"
    lines = ["respondent_id,sector,disposition"]
    for i in range(300):
        sector = rng.choice(["01", "02"])
        answered = rng.random() < (0.6 if sector == "01" else 0.3)
        lines.append(f"{i:04d},{sector},{'1.1' if answered else rng.choice(['2.26', '3.19', '2.111'])}")
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    r = run("fieldwork", "rindicator", "--sample", p, "--covariate", "sector", "--replicates", 50, "--seed", 3)
    assert r.exit_code == 0, r.output
    api = cs.r_indicator(cs.read_sample(p), ["sector"], replicates=50, seed=3)
    assert f"│ R               │ {api.r:.4f} │" in r.output and f"│ SE              │ {api.se:.4f} │" in r.output


def test_strata_names_from_a_file_are_printed_as_text(tmp_path):
    p = tmp_path / "sample.csv"
    p.write_text("respondent_id,stratum,disposition\n01,[bold]x\x1b[2J,1.1\n02,[bold]x\x1b[2J,2.26\n",
                 encoding="utf-8")
    r = run("fieldwork", "rates", "--sample", p, "--by", "stratum")
    assert r.exit_code == 0, r.output
    assert "[bold]x\\x1b[2J" in r.output and "\x1b" not in r.output


def test_nonresponse_prints_shares_and_the_r_survey_p_values():
    import json
    from pathlib import Path

    here = Path(__file__).parents[1] / "fixtures" / "r-nonresponse"
    r = run("fieldwork", "nonresponse", "--sample", here / "sample.csv", "--variable", "sector", "--variable", "age",
            "--weights", "base_weight", "--strata", "stratum", "--psu", "psu")
    assert r.exit_code == 0, r.output
    ref = json.loads((here / "cases.json").read_text())
    assert f"{ref['chisq']['p_value']:.4f}" in r.output and f"{ref['ttest']['p_value']:.4f}" in r.output
    assert "Rao-Scott F" in r.output and "t test" in r.output
