"""The report's waves section on a store of a second questionnaire (tests/questionnaire/data/mini: 1.0.0 in 2025,
then 1.1.0 in 2026) with a panel overlap, attrition that depends on the stratum, fresh respondents and missing
codes (-7/-8 in pay, -9 in a fear item). The section's numbers are checked against cs.trend, cs.change,
cs.paired_change and cs.longitudinal_weights computed here directly on a stacked file built with pandas from the
sample files, against weighted means by hand, and the attrition table against person sets; a single-wave store
has no waves section."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import careersurvey as cs
from careersurvey.report.waves import WavesError, followed, waves_section

DATA = Path(__file__).resolve().parents[1] / "questionnaire" / "data"
CODES = [-6, -7, -8, -9]
DESIGN = """\
questionnaire: mini@1.1.0
sample:
  file: sample_2026.csv
weights: w
strata: stratum
psu: inst
lonely_psu: adjust
wave: "2026"
waves:
  2025: sample_2025.csv
trend: [pay, overall, fear_failure]
"""


def _rows(ids: list[str], rng: np.random.Generator, version: str) -> pd.DataFrame:
    n = len(ids)
    pay = np.round(4000 + (300 if version == "1.1.0" else 0) + rng.normal(0, 400, n)).astype(int)
    pay = np.where(rng.random(n) < 0.15, rng.choice([-7, -8], n), pay)
    shame = np.where(rng.random(n) < 0.1, -9, rng.integers(1, 6, n))
    frame = pd.DataFrame({
        "respondent_id": ids, "consent": 1, "role": rng.choice([2, 3], n), "reasons_1": 0, "reasons_2": 1,
        "reasons_3": 0, "hours": None, "pay": pay, "start_date": None, "fear_shame": shame,
        "fear_future": rng.integers(1, 6, n), "fear_calm": rng.integers(1, 6, n),
        "overall": rng.integers(1, 6, n) + (version == "1.1.0") * rng.integers(0, 2, n)})
    frame["overall"] = frame["overall"].clip(upper=5)
    return frame.assign(comment=None) if version == "1.0.0" else frame.assign(leave_plan=rng.choice([0, 1], n))


def _sample(ids, rng) -> pd.DataFrame:
    inst = [f"I{int(i) % 6 + 1}" for i in ids]  # a person stays in their institution
    return pd.DataFrame({"respondent_id": ids, "inst": inst,
                         "stratum": ["A" if int(s[1:]) <= 3 else "B" for s in inst],
                         "w": np.round(rng.uniform(20, 90, len(ids)), 3)})


@pytest.fixture()
def survey(tmp_path, monkeypatch) -> dict:
    """A two-wave store: 2025 (60 persons, 1.0.0), 2026 (those of 2025 who answered again, fewer in stratum B,
    plus 14 fresh; 1.1.0); a sample file per wave and the design file."""
    folder = tmp_path / "survey" / "mini"
    folder.mkdir(parents=True)
    for v in ("1.0.0", "1.1.0"):
        shutil.copy(DATA / f"mini-{v}.yaml", folder / f"{v}.yaml")
    monkeypatch.setenv("CAREERSURVEY_SURVEY_DIR", str(tmp_path / "survey"))
    rng = np.random.default_rng(17)
    ids25 = [f"{i:04d}" for i in range(1, 61)]
    s25 = _sample(ids25, rng)
    stay = np.where(s25["stratum"] == "A", 0.85, 0.55)  # attrition depends on the stratum
    kept = [i for i, p in zip(ids25, stay) if rng.random() < p]
    ids26 = kept + [f"{i:04d}" for i in range(101, 115)]
    s26 = _sample(ids26, rng)
    db = tmp_path / "store.duckdb"
    r25, r26 = _rows(ids25, rng, "1.0.0"), _rows(ids26, rng, "1.1.0")
    r25.to_csv(tmp_path / "w25.csv", index=False)
    r26.to_csv(tmp_path / "w26.csv", index=False)
    one = cs.import_responses(tmp_path / "w25.csv", db, "mini@1.0.0", wave="2025")
    two = cs.import_responses(tmp_path / "w26.csv", db, "mini@1.1.0", wave="2026")
    assert one[0].accepted == 60 and two[0].accepted == len(ids26), (one, two)
    s25.to_csv(tmp_path / "sample_2025.csv", index=False)
    s26.to_csv(tmp_path / "sample_2026.csv", index=False)
    (tmp_path / "design.yaml").write_text(DESIGN, encoding="utf-8")
    return {"store": db, "design": tmp_path / "design.yaml", "rows": {"2025": r25, "2026": r26},
            "sample": {"2025": s25, "2026": s26}, "kept": kept, "ids26": ids26, "tmp": tmp_path}


def _stacked(survey) -> pd.DataFrame:
    """The two waves with their sample files (pandas merge), pay and overall's top box as the section defines
    them, and the fear_failure score."""
    q = cs.load_questionnaire("mini@1.1.0")
    data = cs.load_responses(survey["store"], q, labels=False, waves=["2025", "2026"])
    sample = pd.concat([s.assign(wave=w) for w, s in survey["sample"].items()])
    data = data.merge(sample, on=["wave", "respondent_id"], how="left", validate="one_to_one")
    data["top_overall"] = (data["overall"] >= 4).astype(float).where(data["overall"].notna())
    data["fear"] = cs.score_scales(data[["fear_shame", "fear_future", "fear_calm"]].astype(float), q,
                                   ["fear_failure"])["fear_failure"]
    data["pay"] = data["pay"].astype(float)
    return data


def _table(section, name: str) -> pd.DataFrame:
    return next(t.frame for t in section.tables if t.name == name)


def test_the_section_equals_trend_and_change_computed_directly(survey):
    dfile = cs.load_design_file(survey["design"])
    sec = waves_section(survey["store"], dfile, lang="en")
    data = _stacked(survey)
    d = cs.SurveyDesign(data, weights="w", strata="stratum", psu="inst", lonely_psu="adjust")
    for name, col, kind in (("pay", "pay", "mean"), ("overall", "top_overall", "share"),
                            ("Fear of failure", "fear", "mean")):
        want = cs.trend(d, col, na_rm=True)
        got = _table(sec, f"trend_{kind}").loc[name]
        np.testing.assert_allclose(got[["estimate", "se", "ci_low", "ci_high"]].to_numpy(float),
                                   want[["estimate", "se", "ci_low", "ci_high"]].to_numpy(float), rtol=1e-10)
        n = data.groupby("wave")[col].count()
        assert got["n"].tolist() == n.loc[["2025", "2026"]].tolist()
        ch = cs.change(d, col, na_rm=True)
        gc = _table(sec, f"change_{kind}").loc[(name, "2025 → 2026")]
        for c in ("estimate_from", "estimate_to", "change", "se", "ci_low", "ci_high", "p_value"):
            np.testing.assert_allclose(gc[c], ch[c].iloc[0], rtol=1e-10)
    # the pay means by hand from the rows written into the files (codes -7/-8 left out, each wave's weights)
    for wave in ("2025", "2026"):
        rows = survey["rows"][wave].merge(survey["sample"][wave], on="respondent_id")
        rows = rows[~rows["pay"].isin(CODES)]
        want = float(np.average(rows["pay"], weights=rows["w"]))
        assert _table(sec, "trend_mean").loc[("pay", wave), "estimate"] == pytest.approx(want, rel=1e-12)


def test_paired_change_on_base_and_longitudinal_weights(survey):
    dfile = cs.load_design_file(survey["design"])
    sec = waves_section(survey["store"], dfile, lang="en")
    data = _stacked(survey)
    wide = cs.panel_wide(data[["respondent_id", "wave", "w", "stratum", "inst", "pay", "fear"]],
                         constant=["stratum", "inst"], person="respondent_id")
    wide = wide[wide["in_2025"] == 1].reset_index(drop=True)
    wd = cs.SurveyDesign(wide, weights="w_2025", strata="stratum", psu="inst", lonely_psu="adjust")
    want = cs.paired_change(wd, "pay", waves=("2025", "2026"))
    got = _table(sec, "paired_mean").loc[("pay", "2025 → 2026")]
    for c in ("change", "se", "p_value"):
        np.testing.assert_allclose(got[c], want[c].iloc[0], rtol=1e-10)
    assert got["n"] == int((wide["pay_2025"].notna() & wide["pay_2026"].notna()).sum())
    assert any("on their 2025 design weights; no longitudinal weights were declared" in p for p in sec.text)

    path = survey["design"].with_name("longitudinal.yaml")
    path.write_text(DESIGN + "longitudinal:\n  classes: stratum\n  margins: [inst]\n", encoding="utf-8")
    lsec = waves_section(survey["store"], cs.load_design_file(path), lang="en")
    lw = cs.longitudinal_weights(wd, "in_2026", classes=["stratum"], margins=["inst"])
    want = cs.paired_change(lw, "pay", waves=("2025", "2026"))
    got = _table(lsec, "paired_mean").loc[("pay", "2025 → 2026")]
    for c in ("change", "se", "p_value"):
        np.testing.assert_allclose(got[c], want[c].iloc[0], rtol=1e-10)
    assert got["change"] != pytest.approx(_table(sec, "paired_mean").loc[("pay", "2025 → 2026"), "change"])
    assert any("on longitudinal weights: the 2025 design weights adjusted for not answering in 2026 within "
               "classes of stratum, then calibrated to the 2025 totals of inst" in p for p in lsec.text)


def test_attrition_by_wave_and_stratum(survey):
    sec = waves_section(survey["store"], cs.load_design_file(survey["design"]), lang="en")
    att = _table(sec, "attrition")
    s25 = survey["sample"]["2025"].set_index("respondent_id")["stratum"]
    kept, fresh = set(survey["kept"]), set(survey["ids26"]) - set(survey["kept"])
    s26 = survey["sample"]["2026"].set_index("respondent_id")["stratum"]
    for stratum in ("A", "B"):
        first = set(s25[s25 == stratum].index)
        row = att.loc[("2026", stratum)]
        assert row["retained"] == len(first & kept) and row["lost"] == len(first - kept)
        assert row["fresh"] == len(fresh & set(s26[s26 == stratum].index))
        assert row["retention"] == pytest.approx(len(first & kept) / len(first))
        assert att.loc[("2025", stratum), "responding"] == len(first)


def test_the_report_shows_the_section_in_both_languages_and_a_single_wave_store_has_none(survey):
    en = cs.build_report(survey["store"], survey["tmp"] / "en", design=survey["design"], lang="en")
    page = en.html.read_text(encoding="utf-8")
    assert 'id="waves"' in page and "Waves: trends, change and attrition" in page
    assert "Change between waves: means" in page and "Attrition by wave and stratum" in page
    ko = cs.build_report(survey["store"], survey["tmp"] / "ko", design=survey["design"], lang="ko")
    page = ko.html.read_text(encoding="utf-8")
    assert "조사 차수: 추이, 변화, 패널 이탈" in page and "차수 간 변화: 평균" in page
    assert "Change between waves" not in page and "Attrition by wave" not in page
    # one wave only: no waves section
    one = survey["tmp"] / "one.duckdb"
    cs.import_responses(survey["tmp"] / "w26.csv", one, "mini@1.1.0", wave="2026")
    assert waves_section(one, cs.load_design_file(survey["design"])) is None
    single = cs.build_report(one, survey["tmp"] / "one", design=survey["design"]).html.read_text(encoding="utf-8")
    assert 'id="waves"' not in single


def test_followed_default_and_refusals():
    q = cs.load_questionnaire(DATA / "mini-1.1.0.yaml")
    assert [(f.name, f.kind) for f in followed(q)] == [("fear_failure", "mean")]
    with pytest.raises(WavesError, match=r"'nope' is neither an item nor a scale of mini@1.1.0"):
        followed(q, ["nope"])
    with pytest.raises(WavesError, match=r"item 'role' of mini@1.1.0 is a single item"):
        followed(q, ["role"])


def test_report_command_takes_trend(survey):
    from typer.testing import CliRunner

    from careersurvey.cli import app

    out = survey["tmp"] / "cli"
    base = ["report", "--store", str(survey["store"]), "--design", str(survey["design"]), "--out", str(out)]
    res = CliRunner().invoke(app, [*base, "--trend", "pay"])
    assert res.exit_code == 0, res.output
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "Followed here: pay." in page and "Fear of failure 2025" not in page
    bad = CliRunner().invoke(app, [*base, "--trend", "pay,nope"])
    assert bad.exit_code == 2 and "trend: 'nope' is neither an item nor a scale of mini@1.1.0" in bad.output
    assert "Traceback" not in bad.output


def test_without_a_design_every_row_counts_once_with_the_person_as_psu(survey):
    sec = waves_section(survey["store"], None, lang="en")
    assert any("No design weights were declared" in p for p in sec.text)
    data = _stacked(survey).assign(one=1.0)
    d = cs.SurveyDesign(data, weights="one", psu="respondent_id")
    want = cs.change(d, "fear", na_rm=True)
    got = _table(sec, "change_mean").loc[("Fear of failure", "2025 → 2026")]  # the default: the first scale
    for c in ("change", "se", "p_value"):
        np.testing.assert_allclose(got[c], want[c].iloc[0], rtol=1e-10)


def test_a_wave_without_its_sample_file_is_left_out_and_said(survey):
    path = survey["design"].with_name("no-2025.yaml")
    path.write_text(DESIGN.replace("waves:\n  2025: sample_2025.csv\n", ""), encoding="utf-8")
    sec = waves_section(survey["store"], cs.load_design_file(path), lang="en")
    assert sec.tables == () and sec.text == (
        "no-2025.yaml gives no sample file for wave(s) 2025 (waves: in the design file), so they are left out of "
        "this section.", "Trends need two waves with a sample design; this report has 2026.")


def test_the_wording_sentence_ends_once(survey):
    sec = waves_section(survey["store"], cs.load_design_file(survey["design"]), lang="en")
    wording = next(p for p in sec.text if p.startswith("The items' wording:"))
    assert wording.startswith("The items' wording: pay: What is your annual pay?; overall: ")
    assert "?." not in wording and wording.endswith((".", "?")) and not wording.endswith("..")
    only_scale = waves_section(survey["store"], cs.load_design_file(survey["design"]), lang="en",
                               trend=["fear_failure"])
    assert not any(p.startswith("The items' wording:") for p in only_scale.text)
