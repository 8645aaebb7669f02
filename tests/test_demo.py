"""``careersurvey demo`` end to end: forms, fieldwork, import, raking, RQ1-RQ5 (the stem_careers plug-ins) and
the report; and the analyses recover the direction of the effects the simulation put in."""

from __future__ import annotations

import re
import shutil
from html import unescape
import subprocess
from pathlib import Path

import numpy as np
import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

import careersurvey as cs
from careersurvey.cli import app
from careersurvey.simulate import make_population

pytestmark = pytest.mark.slow
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    from careersurvey.demo import run_demo

    out = tmp_path_factory.mktemp("demo")
    steps: list[str] = []
    res = run_demo(out, step=steps.append)
    assert steps[:5] == ["Exporting forms", "Simulating fieldwork", "Simulating the earlier wave",
                         "Importing responses", "Weighting, analyses and report"]
    assert steps[-1] == "Public-use file"
    return res


def test_demo_command_prints_progress_and_ends_with_the_report(demo, monkeypatch) -> None:
    import careersurvey.demo as module

    seen = {}

    def fake_run(out, **kw):  # the command is a shell over run_demo: check what it does with the result
        seen.update(kw, out=out)
        for s in ("Exporting forms", "Simulating fieldwork"):
            kw["step"](s)
        return demo

    monkeypatch.setattr(module, "run_demo", fake_run)
    result = CliRunner().invoke(app, ["demo", "--out", str(demo.out), "--seed", "7"])
    assert result.exit_code == 0, result.output
    assert seen["seed"] == 7 and seen["out"] == demo.out
    assert "Simulating fieldwork" in result.output and "4 quarantined" in result.output
    assert result.output.strip().splitlines()[-1] == f"Report: {demo.report}"


def test_demo_writes_forms_store_tables_and_report(demo) -> None:
    out = demo.out
    assert demo.report == out / "report.html" and not demo.errors
    assert demo.quarantined == 4 and demo.accepted == demo.respondents - 3  # 3 + 1 duplicate row
    assert (out / "store.duckdb").exists() and (out / "sample_design.csv").exists()
    assert len(list((out / "forms").glob("*.xlsx"))) == 3
    # the paper form and the HTML codebook beside the workbooks, both of the demo's questionnaire
    paper, codebook = (out / "forms" / f"stem-careers-1.1.0-{kind}.html" for kind in ("paper", "codebook"))
    assert "<html" in paper.read_text(encoding="utf-8") and "<html" in codebook.read_text(encoding="utf-8")
    assert {paper, codebook} <= set(demo.forms)
    assert (out / "fieldwork" / "entry_stem-careers.xlsx").exists()
    html = (out / "report.html").read_text(encoding="utf-8")
    for section in ("overview", "import", "weighting", "reliability", "rq1", "rq2", "rq3", "rq4", "rq5"):
        assert f'id="{section}"' in html, section
    assert "analysis failed" not in html
    assert html.count("data:image/png;base64,") >= 12
    sections = dict(re.findall(r'<section id="([a-z0-9]+)">(.*?)</section>', html, flags=re.S))
    for section in ("weighting", "reliability", "rq1", "rq2", "rq3", "rq4", "rq5"):  # each with a figure
        assert "data:image/png;base64," in sections[section], section
    # a guard against runaway work, not a timing (wall time moves with the machine's load; bench/ measures speed)
    assert demo.seconds < 180
    wb = load_workbook(out / "report_tables.xlsx", read_only=True)
    assert len(wb.sheetnames) >= 25
    for key in ("RQ1", "RQ2", "RQ3", "RQ4", "RQ5"):
        assert (out / "analysis" / f"{key}.xlsx").exists()


def test_demo_draws_its_sample_and_reports_the_fieldwork(demo) -> None:
    """The demo's sample comes from the frames (sample.csv: every sampled person with pi1, pi2, pi and a final
    AAPOR code; completes from the store), and the report's fieldwork section shows its rates."""
    import careersurvey as cs

    sample = cs.read_sample(demo.out / "sample.csv", text=("disposition", "stratum", "psu"))
    from careersurvey.demo import DEMO_WAVES

    stored = set(cs.load_responses(demo.store, labels=False, waves=DEMO_WAVES[1])["respondent_id"])
    assert sample["disposition"].notna().all()
    assert set(sample.loc[sample["disposition_source"] == "store", "respondent_id"]) == stored
    np.testing.assert_allclose(sample["pi"], sample["pi1"] * sample["pi2"], rtol=1e-12)
    np.testing.assert_allclose(sample["design_weight"], 1 / sample["pi"], rtol=1e-6)
    design = cs.read_table(demo.out / "sample_design.csv", text=("stratum", "psu"))
    assert set(design["respondent_id"]) < set(sample["respondent_id"])
    html = (demo.out / "report.html").read_text(encoding="utf-8")
    sections = dict(re.findall(r'<section id="([a-z0-9]+)">(.*?)</section>', html, flags=re.S))
    rr2 = cs.response_rates(sample).table.loc["all", "RR2"]
    assert f"{rr2 * 100:.1f}%" in sections["fieldwork"] and "data:image/png;base64," in sections["fieldwork"]
    # the online export's rushed forms (3-7 minutes, 2%) are the speeding flags
    from careersurvey.fieldwork.paradata import export_durations, quality_flags

    kobo = demo.out / "fieldwork" / "kobo_stem-careers.csv"
    flags = quality_flags(exports=[kobo])
    d = export_durations(kobo).set_index("respondent_id")
    assert set(flags["flag"]) == {"speeding"} and len(flags) >= 5
    assert set(flags["respondent_id"]) == set(d.index[d["minutes"] <= 7])
    for title in ("AAPOR outcome rates by stratum", "R-indicator", "Respondents against the full sample",
                  "Response propensity model", "Next wave: sample per stratum",
                  "Key estimates before and after each weighting step"):
        assert title in sections["fieldwork"], title


def test_analyses_recover_the_simulated_effects(demo) -> None:
    rq2 = demo.results["RQ2"].facts
    for outcome in ("leave_korea", "leave_science"):
        # the latent model: stigma, pay gap and deprivation raise intent; autonomy and safety lower it
        assert rq2[f"{outcome}:Failure stigma (1-5)"] > 0
        assert rq2[f"{outcome}:Relative deprivation (1-6)"] > 0
        assert rq2[f"{outcome}:Research autonomy (1-5)"] < 0
        assert rq2[f"{outcome}:Psychological safety (1-5)"] < 0
    # each respondent's own gap (best offer from abroad over own pay) raises the intent to move abroad
    assert rq2["leave_korea:Own pay gap abroad (log ratio)"] > 0
    assert "leave_science:Own pay gap abroad (log ratio)" not in rq2 and rq2["n_offer_abroad"] >= 100
    rq3 = demo.results["RQ3"].facts
    assert rq3["stigma_on_safe_research"] > 0 and rq3["stigma_on_leave_science"] > 0
    rq1 = demo.results["RQ1"].facts
    assert rq1["mjr_success"] > 0  # valuing guaranteed success goes with medicine
    assert rq1["Top 4% at high school (grade 1)"] > 0  # the simulated ability raises the wish for medicine
    # the weighted share likely to move abroad covers the population truth of the simulation
    from stem_careers.common import load_study

    study = load_study(demo.store, design=demo.out / "design.yaml")
    persons = make_population(seed=2026).persons
    lp = persons.loc[persons["in_targets"], "leave_korea_lp"]  # the raked population: researchers in Korea
    truth = float(np.mean(1 / (1 + np.exp(-lp))))
    est = study.design.mean("leave_korea", na_rm=True).iloc[0]
    assert est.ci_low - 0.02 < truth < est.ci_high + 0.02


def test_the_demo_store_holds_two_waves_and_a_panel(demo) -> None:
    """2025 on stem-careers 1.0.0, then 2026 on 1.1.0; the 2026 respondents are the panel and fresh ones, the
    design file (wave: 2026) reads only them; the attrition table counts the panel the simulation made."""
    import careersurvey as cs

    assert cs.ResponseStore(demo.store).waves() == ["2025", "2026"]
    df = cs.load_responses(demo.store, labels=False)
    assert df.groupby("wave")["questionnaire_version"].first().to_dict() == {"2025": "1.0.0", "2026": "1.1.0"}
    assert (df["wave"] == "2025").sum() == demo.earlier_respondents and (df["wave"] == "2026").sum() == demo.accepted
    table = cs.attrition(cs.panel_long(df, b"demo key of sixteen bytes"))
    assert table["lost"].iloc[1] + table["retained"].iloc[1] == demo.earlier_respondents
    assert demo.panel_members - 2 <= table["retained"].iloc[1] <= demo.panel_members  # a panel row may be quarantined
    assert table["fresh"].iloc[1] == demo.accepted - table["retained"].iloc[1]
    design = cs.load_design_file(demo.out / "design.yaml")
    assert design.wave == "2026"
    built = design.prepare(cs.load_dataset(demo.store, design.questionnaire, labels=False))
    assert len(built.design.data) == demo.accepted and set(built.design.data["wave"]) == {"2026"}


def test_the_demo_report_shows_both_waves(demo) -> None:
    """The report's waves section: the design file's followed items by wave, their change, the panel's change on
    longitudinal weights (classes of the 2025 intention to move abroad) and the attrition table."""
    html = (demo.out / "report.html").read_text(encoding="utf-8")
    page = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    assert 'id="waves"' in html and "Waves: trends, change and attrition" in page
    assert "Followed here: ti_abroad_5y; ti_leave_science; Fear of failure." in page
    assert ("on longitudinal weights: the 2025 design weights adjusted for not answering in 2026 within classes of "
            "ti_abroad_5y, then calibrated to the 2025 totals of sector") in page
    for title in ("Estimates by wave: shares (%)", "Change between waves: shares (%)",
                  "Within-person change: means", "Attrition by wave and stratum"):
        assert title in page


def test_analyze_command_writes_one_question(demo, tmp_path: Path) -> None:
    out = demo.out
    res = CliRunner().invoke(app, ["analyze", "RQ4", "--store", str(out / "store.duckdb"), "--plugin",
                                   "stem_careers", "--out", str(tmp_path)])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "RQ4.xlsx").exists() and list(tmp_path.glob("RQ4_*.png"))
    assert "No design file was given (--design), so the estimates are unweighted" in " ".join(res.output.split())
    bad = CliRunner().invoke(app, ["analyze", "RQ9", "--store", str(out / "store.duckdb"), "--design",
                                   str(out / "design.yaml")])
    assert bad.exit_code == 2 and "no plug-in analysis 'RQ9' (found: RQ1, RQ2, RQ3, RQ4, RQ5)" in bad.output


def test_an_analysis_plugin_runs_on_its_own(demo, tmp_path: Path) -> None:
    """``python -m stem_careers.rq3_failure --store S --design D --out DIR``, from another folder, writes its
    workbook (the plug-in package is imported by name, as the report imports it)."""
    import sys

    run = subprocess.run([sys.executable, "-m", "stem_careers.rq3_failure", "--store", str(demo.store), "--design",
                          str(demo.out / "design.yaml"), "--out", str(tmp_path / "o")],
                         cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.startswith("- Most agreed stigma statement:")
    assert (tmp_path / "o" / "RQ3.xlsx").exists() and list((tmp_path / "o").glob("RQ3_*.png"))


@pytest.mark.needs_chromium
@pytest.mark.skipif(CHROMIUM is None, reason="Chromium not installed (apt-get install -y chromium)")
def test_report_renders_in_chromium(demo, tmp_path: Path) -> None:
    out = demo.out
    shot = tmp_path / "report.png"
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
           "--disable-component-update", "--disable-sync", "--no-first-run",
           f"--user-data-dir={tmp_path / 'profile'}", "--hide-scrollbars", "--window-size=1200,1800",
           f"--screenshot={shot}", (out / "report.html").as_uri()]
    subprocess.run(cmd, check=True, capture_output=True, timeout=120)
    from matplotlib.image import imread

    img = imread(shot)
    colours = np.unique((img[..., :3] * 255).astype(np.uint8).reshape(-1, 3), axis=0)
    assert img.shape[:2] == (1800, 1200) and len(colours) > 200  # text, tables and figures drawn
    assert re.search(r"Weighting", (out / "report.html").read_text(encoding="utf-8"))


def test_report_command_rebuilds_the_report_from_the_store(demo, tmp_path: Path) -> None:
    store = tmp_path / "store.duckdb"
    shutil.copyfile(demo.store, store)  # the fieldwork summary is looked for beside the store
    shutil.copyfile(demo.out / "sample_design.csv", tmp_path / "sample_design.csv")  # there, but never guessed
    res = CliRunner().invoke(app, ["report", "--store", str(store), "--plugin", "stem_careers", "--out",
                                   str(tmp_path / "r")])
    assert res.exit_code == 0, res.output
    assert res.output.strip().splitlines()[-1] == f"Report: {tmp_path / 'r' / 'report.html'}"
    html = (tmp_path / "r" / "report.html").read_text(encoding="utf-8")
    # without a design file nothing is guessed (not even from sample_design.csv beside the store): unweighted
    assert "No design file was given (--design), so the estimates are unweighted" in html and 'id="rq5"' in html
    missing = CliRunner().invoke(app, ["report", "--store", str(tmp_path / "nope.duckdb")])
    assert missing.exit_code != 0 and "import responses first" in missing.output


def test_wheel_in_a_fresh_venv_runs_the_demo(tmp_path: Path) -> None:
    """The Done-means check: a wheel (with survey/ and the analysis scripts inside) installed into a new
    venv runs ``careersurvey demo`` from a folder with no checkout in sight (~30 s, a smaller sample)."""
    import zipfile

    from wheels import build_wheel, install_in_fresh_venv

    repo = Path(__file__).resolve().parents[1]
    wheel, env = build_wheel(tmp_path, parts=("src", "survey"))
    archive = zipfile.ZipFile(wheel)
    names = archive.namelist()
    for module in ("common.py", "rq1_medicine.py", "rq5_reforms.py"):
        assert f"stem_careers/{module}" in names
    entry_points = archive.read(next(n for n in names if n.endswith(".dist-info/entry_points.txt"))).decode()
    assert "[careersurvey.analyses]\nRQ1 = stem_careers.rq1_medicine\n" in entry_points
    venv = install_in_fresh_venv(tmp_path, wheel, env).venv
    work = tmp_path / "elsewhere"
    work.mkdir()
    run = subprocess.run([str(venv / "bin" / "careersurvey"), "demo", "--out", "out", "--institutions", "120"],
                         cwd=work, env=env, capture_output=True, text=True,
                         timeout=900)  # a hang, not slowness: ~30 s alone, past 300 s at a load average of 39
    assert run.returncode == 0, run.stdout + run.stderr[-2000:]
    out = work / "out"
    assert run.stdout.strip().splitlines()[-1] == f"Report: {out / 'report.html'}"
    html = (out / "report.html").read_text(encoding="utf-8")
    for section in ("import", "weighting", "reliability", "rq1", "rq2", "rq3", "rq4", "rq5", "methods"):
        assert f'id="{section}"' in html, section
    assert "analysis failed" not in html
    assert (out / "store.duckdb").exists() and (out / "report_tables.xlsx").exists()
    assert len(list((out / "forms").glob("*.xlsx"))) == 3 and len(list((out / "analysis").glob("RQ*.xlsx"))) == 5
    assert str(repo) not in html  # nothing read from the checkout


def test_study_rakes_only_the_targets_population_as_a_domain(demo) -> None:
    """One design for every respondent: raked with scope= inside the targets' population (researchers in
    Korea), design weights outside it; the researchers' analyses are a domain of it (variance over all PSUs)."""
    from stem_careers.common import load_study

    study = load_study(demo.store, design=demo.out / "design.yaml")
    full, d = study.full, study.design
    inside = d.domain
    assert inside is not None and 0 < (~inside).sum() < len(inside) and len(d.data) == len(full.data)
    outside = full.data[~inside]
    assert set(outside["role"].eq(1) | outside["sector"].ge(7) | outside["region"].eq(18)) == {True}
    np.testing.assert_allclose(full.weights[~inside], outside["design_weight"])
    assert d.weights.sum() == pytest.approx(603_566)
    shares = d.weights.groupby(d.data["sector_margin"]).sum() / d.weights.sum()
    assert shares.to_dict() == pytest.approx({"business": 0.727, "university": 0.198, "public_institute": 0.075})
    assert len(study.data) == int(inside.sum())


def test_the_demo_declares_its_design_in_a_design_file(demo, tmp_path: Path) -> None:
    """demo-out/design.yaml names the sample file, columns, targets and plug-ins; the study it declares starts
    from the sample file's design weights; report/analyze read it; without it nothing is guessed."""
    import careersurvey as cs
    from stem_careers.common import load_study

    path = demo.out / "design.yaml"
    df = cs.load_design_file(path)
    assert (df.sample, df.weights, df.strata, df.psu, df.fpc, df.lonely_psu) == (
        demo.out / "sample_design.csv", "design_weight", ("stratum",), ("psu",), ("fpc1",), "adjust")
    assert df.plugins == ("stem_careers",)
    declared, unweighted = load_study(demo.store, design=path), load_study(demo.store)
    sample = cs.read_table(df.sample, text=("respondent_id",)).set_index("respondent_id")["design_weight"]
    inside = declared.base.domain  # the targets' population; the base design's weights are the sample file's
    np.testing.assert_allclose(declared.base.weights[inside],
                               sample.reindex(declared.base.data["respondent_id"]).to_numpy()[inside])
    assert (unweighted.full.weights == 1).all() and unweighted.design.domain is None and not unweighted.weighted
    # the demo's store holds two waves: without a design the analyses read the newest and say so
    assert unweighted.notes == (cs.UNWEIGHTED, "The store holds 2 waves (2025, 2026); without a design file these "
                                               "analyses read the newest, 2026.")
    assert set(unweighted.full.data["wave"]) == {"2026"}
    assert "design declared in design.yaml" in " ".join(declared.notes)
    html = demo.report.read_text(encoding="utf-8")
    assert "Design declared in design.yaml" in html and 'id="rq5"' in html
    res = CliRunner().invoke(app, ["analyze", "RQ4", "--store", str(demo.store), "--design", str(path),
                                   "--out", str(tmp_path)])
    assert res.exit_code == 0, res.output


def test_report_and_weights_command_state_the_same_kish_deff(demo, tmp_path: Path) -> None:
    """Issue 12: the report gave Kish deff over the researchers in scope while `careersurvey weights` gave it
    over everyone, both unlabelled. Both now print the base of each figure, from the same summary: on the demo
    the README's rake command and the report's weighting section show the same rows."""
    from careersurvey.report.sections import weighting_section
    from stem_careers.common import load_study

    study = load_study(demo.store, design=demo.out / "design.yaml")
    section = weighting_section(study)
    kish = next(t for t in section.tables if t.name == "kish")
    rows = [(base, f"{n:,.0f}", f"{deff:.2f}", f"{neff:,.0f}")
            for base, (n, deff, neff) in zip(kish.frame.index, kish.frame.to_numpy())]
    assert [r[0] for r in rows] == ["in scope", "all respondents"]
    assert section.kpis[1:] == (("Kish deff (in scope)", rows[0][2]), ("effective n (in scope)", rows[0][3]))
    inside = study.design.domain  # the old report's number: the raked weights of the researchers in scope
    w = study.design.weights.to_numpy()[inside]
    assert rows[0][1:] == (f"{inside.sum():,}", f"{len(w) * (w**2).sum() / w.sum() ** 2:.2f}",
                           f"{w.sum() ** 2 / (w**2).sum():,.0f}")
    res = CliRunner().invoke(app, ["weights", "rake", "--store", str(demo.store), "--wave", "2026", "--sample",
                                   str(demo.out / "sample_design.csv"), "--weights", "design_weight", "--strata",
                                   "stratum", "--psu", "psu", "--fpc", "fpc1", "--lonely-psu", "adjust", "--targets",
                                   "kr-researchers-2023", "--in-scope", "--out", str(tmp_path / "w.csv")],
                             env={"COLUMNS": "160"})
    assert res.exit_code == 0, res.output
    both = CliRunner().invoke(app, ["weights", "rake", "--store", str(demo.store), "--sample",
                                    str(demo.out / "sample_design.csv"), "--targets", "kr-researchers-2023",
                                    "--out", str(tmp_path / "w2.csv")])
    assert both.exit_code == 1 and "the store holds waves 2025, 2026; weight one of them: add --wave 2026" in \
        " ".join(both.output.split())
    printed = [line for line in res.output.splitlines() if any(line.startswith(f"│ {r[0]} ") for r in rows)]
    assert [tuple(c.strip() for c in line.strip("│").split("│")) for line in printed] == rows
    # and the steps in the same words: the report's weighting text, the command's "steps:" line
    steps = [line for line in res.output.splitlines() if line.startswith("steps: ")]
    assert steps and steps[0].startswith("steps: raked on sector_margin, sex_margin, degree_margin, region_margin (")
    assert f"Weighting: {steps[0].removeprefix('steps: ')}." in section.text


def test_demo_writes_a_public_use_file_that_is_3_anonymous_on_the_declared_keys(demo) -> None:
    """Checked independently: pycanon on the written puf.csv (a suppressed key value counts as its own value,
    the strictest reading), and no identifier or open text in it."""
    import pandas as pd
    import yaml

    anonymity = pytest.importorskip("pycanon.anonymity")
    folder = demo.out / "release"
    assert demo.release == folder
    for name in ("puf.csv", "puf.sav", "puf.dta", "disclosure_report.html"):
        assert (folder / name).is_file(), name
    declared = yaml.safe_load((Path(__file__).resolve().parents[1] / "survey" / "stem-careers"
                               / "disclosure-1.1.0.yaml").read_text(encoding="utf-8"))
    puf = pd.read_csv(folder / "puf.csv", encoding="utf-8-sig")
    keys = [c for c in puf.columns if declared["roles"].get(c) == "key"]
    assert len(keys) >= 6, keys
    filled = puf[keys].astype(object).where(puf[keys].notna(), "suppressed")
    assert anonymity.k_anonymity(filled, keys) >= 3
    assert not {"respondent_id", "comment"} & set(puf.columns)
    assert len(puf) == demo.accepted


def test_the_demo_report_in_korean_keeps_rq1_to_rq5_in_korean(demo, tmp_path: Path) -> None:
    """--lang ko: every section, the research questions included, in Korean (the plug-ins are told the language):
    no run of three English words in the RQ sections' text, tables or captions."""
    from careersurvey.demo import demo_fieldwork_spec

    res = cs.build_report(demo.store, tmp_path / "ko", design=demo.out / "design.yaml", lang="ko",
                          fieldwork=demo_fieldwork_spec(demo.out))
    assert res.errors == {} and sorted(res.results) == ["RQ1", "RQ2", "RQ3", "RQ4", "RQ5"]
    html = res.html.read_text(encoding="utf-8")
    sections = dict(re.findall(r'<section id="([a-z0-9]+)">(.*?)</section>', html, flags=re.S))
    english = re.compile(r"[A-Za-z][A-Za-z'\-]+(?:[ ,;:]+[A-Za-z][A-Za-z'\-()]+){2,}")
    for key in ("rq1", "rq2", "rq3", "rq4", "rq5"):
        text = re.sub(r"<[^>]+>", "\n", re.sub(r"<style.*?</style>|<img[^>]*>", " ", sections[key], flags=re.S))
        assert [m.group(0) for m in english.finditer(text)] == [], key
        assert re.search(r"[가-힣]{2}", text), key
    assert "<h2>RQ1. 의대 대 이공계</h2>" in html and "기준 범주: " in html and "전체 항에 대한 Wald 검정" in html
    # no English sentence anywhere else either: the design file's notes, the weighting steps, the import messages,
    # the target margins, the fieldwork summary's sectors and the plug-ins' titles come out in Korean. Text
    # nodes are read whole; variable names (with _), codes, numbers and the targets file's own citation of its
    # source (a publication's name) aside; the fieldwork section too (AAPOR names, rates, curve, nonresponse, planning).
    source = r"MSIT and KISTEP, Survey of Research and Development in Korea"
    sentence = re.compile(r"(?<![\w.])[A-Za-z][a-z'\-]+(?:[ ,;:()]+[A-Za-z][a-z'\-]+(?![\w.])){3,}")
    untranslated = []
    for key, body in sections.items():
        body = re.sub(r"<style.*?</style>|<img[^>]*>", " ", body, flags=re.S)
        for node in re.split(r"<[^>]+>", body):
            node = re.sub(source, " ", unescape(node))
            untranslated += [(key, m.group(0), node[:120]) for m in sentence.finditer(node)]
    assert untranslated == []
    assert "부문: 기업" in html and "대기업" in html and "가중 단계: " in html and "격자의 6개 행" in html
    assert "현장조사: 최종 처리 결과, 응답과 무응답" in sections["fieldwork"] and "적격 여부 미상" in sections["fieldwork"]
    assert "대학/수도권" in sections["fieldwork"] and "가중 단계별 주요 추정값의 변화" in sections["fieldwork"]
