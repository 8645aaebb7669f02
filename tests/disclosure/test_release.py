"""The public-use file end to end: a store of a small questionnaire written here (roles in its YAML, missing
codes, a stratified cluster sample), and a simulated stem-careers store with the stem-careers roles. The
release is checked independently: k-anonymity by pycanon on the written puf.csv, ids, left-out columns, labels
in .sav/.dta, the link key, and the masked design's SEs against the true design's."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from simulated import simulated_store
from typer.testing import CliRunner

import careersurvey as cs
from careersurvey.cli import app
from careersurvey.disclosure.design_leaks import leaks
from careersurvey.disclosure.release import ReleaseError
from careersurvey.disclosure.report import SE_FACTOR

anonymity = pytest.importorskip("pycanon.anonymity")
pyreadstat = pytest.importorskip("pyreadstat")

YAML = """\
id: puf-mini
version: 1.0.0
languages: [en]
title: {en: "A small survey for the release tests"}
missing_codes:
  -6: {en: "Not asked in this version"}
  -7: {en: "Prefer not to answer"}
  -8: {en: "Don't know"}
  -9: {en: "Not applicable"}
choice_lists:
  sex: [{code: 1, en: "Man"}, {code: 2, en: "Woman"}]
  region: [{code: 1, en: "North"}, {code: 2, en: "South"}, {code: 3, en: "East"}, {code: 4, en: "West"},
           {code: 5, en: "Islands"}]
  sector: [{code: 1, en: "University"}, {code: 2, en: "Institute"}, {code: 3, en: "Company"}]
  agree5: [{code: 1, en: "1"}, {code: 2, en: "2"}, {code: 3, en: "3"}, {code: 4, en: "4"}, {code: 5, en: "5"}]
modules:
  - id: m1
    title: {en: "All"}
    items:
      - {name: sex, type: single, label: {en: "Sex"}, choices: sex, missing: [-7], disclosure: key}
      - {name: age, type: integer, label: {en: "Age"}, range: {min: 18, max: 90}, missing: [-7], disclosure: key}
      - {name: region, type: single, label: {en: "Region"}, choices: region, disclosure: key}
      - {name: sector, type: single, label: {en: "Sector"}, choices: sector, disclosure: key}
      - {name: pay, type: decimal, label: {en: "Pay"}, missing: [-7, -8], sensitive: true, disclosure: sensitive}
      - {name: stay, type: rating, label: {en: "I want to stay"}, choices: agree5, missing: [-8]}
      - {name: email, type: text, label: {en: "E-mail for the prize draw"}, disclosure: direct}
      - {name: comment, type: text, label: {en: "Comment"}}
"""


def make_store(folder: Path, n: int = 600, seed: int = 3) -> tuple[Path, Path, "cs.Questionnaire"]:
    """A store of ``n`` answers to the questionnaire above and its sample design (8 strata of 4-9 PSUs)."""
    qfile = folder / "puf-mini" / "1.0.0.yaml"
    qfile.parent.mkdir(parents=True)
    qfile.write_text(YAML, encoding="utf-8")
    q = cs.load_questionnaire(qfile)
    rng = np.random.default_rng(seed)
    stratum = rng.integers(0, 8, n)
    psu = np.array([f"S{s}P{rng.integers(0, 4 + s % 6)}" for s in stratum])
    sector = stratum % 3 + 1
    age = rng.integers(22, 70, n)
    pay = np.round(rng.lognormal(8.3 + 0.01 * (age - 22), 0.4, n), 1)
    rows = pd.DataFrame({
        "respondent_id": [f"{i:05d}" for i in range(n)],
        "sex": np.where(rng.random(n) < 0.03, -7, rng.integers(1, 3, n)),
        "age": np.where(rng.random(n) < 0.02, -7, age),
        "region": rng.choice([1, 2, 3, 4, 5], n, p=[.4, .3, .15, .1, .05]),
        "sector": sector,
        "pay": np.where(rng.random(n) < 0.08, rng.choice([-7, -8], n), pay),
        "stay": np.where(rng.random(n) < 0.05, -8, rng.integers(1, 6, n)),
        "email": [f"person{i}@example.org" for i in range(n)],
        "comment": np.where(rng.random(n) < 0.3, "my lab in Daejeon is the only one doing this", ""),
    })
    data_file = folder / "answers.csv"
    rows.to_csv(data_file, index=False)
    store = folder / "store.duckdb"
    cs.import_responses(data_file, store, q)
    n_population = {s: 3 * (4 + s % 6) for s in range(8)}
    design = pd.DataFrame({"respondent_id": rows["respondent_id"], "stratum": [f"st{s}" for s in stratum],
                           "psu": psu, "fpc1": [n_population[s] for s in stratum],
                           "design_weight": np.round(rng.uniform(5, 60, n), 3)})
    design.to_csv(folder / "sample_design.csv", index=False)
    return store, data_file, q


@pytest.fixture(scope="module")
def mini_release(tmp_path_factory):
    folder = tmp_path_factory.mktemp("puf")
    store, data_file, q = make_store(folder)
    link = folder / "secret" / "link.csv"
    res = cs.public_use_file(store, folder / "release", k=3, questionnaire=q, recode={"age": [30, 40, 50, 60]},
                             seed=11, link_key=link)
    return folder, res, pd.read_csv(data_file, dtype={"respondent_id": str}), q


KEYS = ["sex", "age", "region", "sector"]


def test_the_written_file_is_k_anonymous_checked_by_pycanon(mini_release) -> None:
    folder, res, original, _ = mini_release
    puf = pd.read_csv(folder / "release" / "puf.csv", encoding="utf-8-sig", dtype={"release_id": str})
    assert (folder / "release" / "puf.csv").read_bytes()[:3] == b"\xef\xbb\xbf"
    filled = puf[KEYS].astype(object).where(puf[KEYS].notna(), "suppressed")
    assert anonymity.k_anonymity(filled, KEYS) >= 3
    assert anonymity.k_anonymity(original[KEYS], KEYS) < 3  # it was not before
    assert res.release.risk_after.violations(3) == 0 < res.release.risk_before.violations(3)
    assert puf["age"].dropna().isin([-7, 1, 2, 3, 4, 5]).all()  # bands, and the refusal kept as its code


def test_no_direct_identifier_no_text_no_design_and_new_ids(mini_release) -> None:
    folder, res, original, _ = mini_release
    puf = pd.read_csv(folder / "release" / "puf.csv", encoding="utf-8-sig", dtype=str)
    for gone in ("respondent_id", "email", "comment", "import_id", "stratum", "psu", "fpc1", "design_weight"):
        assert gone not in puf.columns
    text = (folder / "release" / "puf.csv").read_text(encoding="utf-8-sig")
    assert "@example.org" not in text and "Daejeon" not in text
    assert puf["release_id"].is_unique and not set(puf["release_id"]) & set(original["respondent_id"])
    assert {"pseudo_stratum", "pseudo_psu", "pseudo_fpc", "weight"} <= set(puf.columns)


def test_the_link_key_is_separate_owner_only_and_right(mini_release) -> None:
    folder, res, original, _ = mini_release
    link = folder / "secret" / "link.csv"
    assert stat.S_IMODE(os.stat(link).st_mode) == 0o600 and not (folder / "release" / "link.csv").exists()
    key = pd.read_csv(link, dtype=str)
    puf = pd.read_csv(folder / "release" / "puf.csv", encoding="utf-8-sig", dtype={"release_id": str})
    joined = puf.merge(key, on="release_id").merge(original, on="respondent_id", suffixes=("", "_orig"))
    assert len(joined) == len(puf) == len(original)
    stay = joined["stay"].fillna(-8)  # an untreated item: the linked respondent's own answer
    assert (stay == joined["stay_orig"]).all()


def test_a_link_key_inside_the_release_folder_is_refused(tmp_path) -> None:
    store, _, q = make_store(tmp_path, n=60)
    with pytest.raises(ReleaseError, match="inside the release folder"):
        cs.public_use_file(store, tmp_path / "rel", questionnaire=q, link_key=tmp_path / "rel" / "key.csv")
    assert not (tmp_path / "rel").exists()


def test_spss_and_stata_files_carry_labels(mini_release) -> None:
    folder, res, _, _ = mini_release
    for name, read in (("puf.sav", pyreadstat.read_sav), ("puf.dta", pyreadstat.read_dta)):
        frame, meta = read(str(folder / "release" / name), user_missing=True)
        labels = meta.variable_value_labels["age"]
        assert labels[1] == "under 30" and labels[5] == "60 and over"
        assert meta.column_names_to_labels["pseudo_psu"].startswith("Masked variance unit")
        assert len(frame) == len(res.release.data)


def test_masked_design_ses_are_within_the_stated_factor(mini_release) -> None:
    _, res, _, _ = mini_release
    ratio = res.utility["se_ratio"].dropna()
    assert len(ratio) >= 10
    assert ((ratio > 1 / SE_FACTOR) & (ratio < SE_FACTOR)).all(), res.utility


def test_the_model_on_the_original_is_the_true_design_fit_computed_here(mini_release) -> None:
    folder, res, original, _ = mini_release
    model = res.model
    assert model["model"].iloc[0] == "pay ~ C(sector) + C(sex) + C(region)"  # sector: the strata tell it
    design = pd.read_csv(folder / "sample_design.csv", dtype={"respondent_id": str, "stratum": str, "psu": str})
    data = original.merge(design, on="respondent_id")
    for col in ("pay", "sex", "region", "sector"):
        data[col] = data[col].astype(float).mask(data[col].isin(cs.MISSING_CODES))
    fit = cs.SurveyDesign(data, weights="design_weight", strata="stratum", psu="psu", fpc="fpc1",
                          lonely_psu="adjust").glm("pay ~ C(sector) + C(sex) + C(region)")
    table = model.set_index("term")
    assert table["original"].to_numpy() == pytest.approx(fit.params.to_numpy(), rel=1e-9)
    assert table["se_original"].to_numpy() == pytest.approx(fit.bse.to_numpy(), rel=1e-9)
    assert table["release"].notna().all() and (table["difference"].abs() < 4 * table["se_original"]).all()


def test_the_report_shows_risk_steps_and_utility(mini_release) -> None:
    folder, res, _, _ = mini_release
    html = (folder / "release" / "disclosure_report.html").read_text(encoding="utf-8")
    for text in ("Risk before and after", "local suppression", "global recoding", "microaggregation (MDAV)",
                 "Masked design", "se masked", "3-anonymous", "One model, original against release"):
        assert text in html
    assert "<script" not in html


def test_without_a_sample_design_and_with_pram(tmp_path) -> None:
    store, _, q = make_store(tmp_path, n=300)
    (tmp_path / "sample_design.csv").unlink()
    res = cs.public_use_file(store, tmp_path / "rel", questionnaire=q, recode={"age": [40]}, pram=["region"], seed=2)
    puf = pd.read_csv(tmp_path / "rel" / "puf.csv", encoding="utf-8-sig")
    assert "pseudo_psu" not in puf.columns and (puf["weight"] == 1).all() and res.release.masked is None
    kinds = [step.kind for step in res.release.steps]
    assert kinds == ["left out", "global recoding", "microaggregation (MDAV)", "invariant PRAM", "local suppression"]
    filled = puf[KEYS].astype(object).where(puf[KEYS].notna(), "suppressed")
    assert anonymity.k_anonymity(filled, KEYS) >= 3
    assert "Masked design" not in (tmp_path / "rel" / "disclosure_report.html").read_text(encoding="utf-8")


def test_a_numeric_key_left_as_a_number_keeps_its_missing_codes(tmp_path) -> None:
    store, data_file, q = make_store(tmp_path, n=300)
    # age microaggregated, not banded, and suppressed last
    res = cs.public_use_file(store, tmp_path / "rel", questionnaire=q, seed=4,
                             importance=["age", "sector", "sex", "region"])
    assert any(s.kind == "microaggregation (MDAV)" and "age" in s.columns for s in res.release.steps)
    puf = pd.read_csv(tmp_path / "rel" / "puf.csv", encoding="utf-8-sig", dtype={"release_id": str})
    key = res.release.link
    refused = set(pd.read_csv(data_file, dtype={"respondent_id": str}).query("age == -7")["respondent_id"])
    ages = puf.merge(key, on="release_id").set_index("respondent_id")["age"]
    shown = ages[list(refused)]
    assert refused and shown.dropna().eq(-7).all() and shown.eq(-7).sum() >= len(refused) / 2  # the rest suppressed
    filled = puf[KEYS].astype(object).where(puf[KEYS].notna(), "suppressed")
    assert anonymity.k_anonymity(filled, KEYS) >= 3


def test_the_same_seed_gives_the_same_file(tmp_path) -> None:
    store, _, q = make_store(tmp_path, n=200)
    a = cs.public_use_file(store, tmp_path / "a", questionnaire=q, seed=5)
    b = cs.public_use_file(store, tmp_path / "b", questionnaire=q, seed=5)
    assert (tmp_path / "a" / "puf.csv").read_bytes() == (tmp_path / "b" / "puf.csv").read_bytes()
    assert a.release.link.equals(b.release.link)


def test_the_cli_takes_a_questionnaire_file_and_a_roles_file(tmp_path) -> None:
    store, _, q = make_store(tmp_path, n=400)
    roles = tmp_path / "roles.yaml"
    roles.write_text("questionnaire: puf-mini\nroles:\n  stay: key\n", encoding="utf-8")
    args = ["release", "--store", str(store), "--questionnaire", q.source, "--out", str(tmp_path / "rel"),
            "--recode", "age=30,40,50,60", "--seed", "3"]
    result = CliRunner().invoke(app, [*args, "--roles", str(roles)])
    assert result.exit_code == 0, result.output
    assert "keys: sex, age, region, sector, stay; 3-anonymous" in result.output
    assert "global recoding — age in 5 bands cut at 30, 40, 50, 60" in result.output
    roles.write_text("questionnaire: puf-mini\nroles:\n  stay: quasi\n", encoding="utf-8")
    result = CliRunner().invoke(app, [*args, "--roles", str(roles)])
    assert result.exit_code == 2
    assert f"{roles}:3: [stay] 'quasi' is not a disclosure role" in result.output.replace("\n", "")


@pytest.fixture(scope="module")
def stem_store(tmp_path_factory):
    """A simulated stem-careers survey in a store, with its sample design file."""
    out = tmp_path_factory.mktemp("stem")
    _, store, sample = simulated_store(out)
    return out, store, sample


def test_the_stem_careers_release_is_3_anonymous_on_its_declared_keys(stem_store) -> None:
    out, store, sample = stem_store
    result = CliRunner().invoke(app, ["release", "--store", str(store), "--sample", str(sample), "--out",
                                      str(out / "release"), "--k", "3", "--seed", "1"])
    assert result.exit_code == 0, result.output
    assert "global recoding — region: choices regrouped (18 -> 4 categories)" in result.output  # declared
    keys = ["sex", "age_band", "region", "sector", "role", "field", "degree"]
    assert f"keys: {', '.join(keys)}; 3-anonymous" in result.output
    puf = pd.read_csv(out / "release" / "puf.csv", encoding="utf-8-sig")
    filled = puf[keys].astype(object).where(puf[keys].notna(), "suppressed")
    assert anonymity.k_anonymity(filled, keys) >= 3
    assert "comment" not in puf.columns and "respondent_id" not in puf.columns
    # pay is microaggregated: every released amount is shared by 3 or more records
    assert puf["pay_exact"].dropna().value_counts().min() >= 3
    # sector and region follow the strata: never suppressed, so no pseudo-stratum or pseudo-PSU gives one back
    assert puf["sector"].notna().all() and puf["region"].notna().all()
    for unit in ("pseudo_stratum", "pseudo_psu"):
        assert leaks(puf[keys], [puf[unit].to_numpy()])["sector"] == 0
    ratio = pd.read_html(out / "release" / "disclosure_report.html", match="se masked")[0]["ratio"]
    # the masked design's SEs track the true design's: the median within 20%, nine in ten within a factor of
    # SE_FACTOR. Not every one: a share carried by a few institutions can fall outside (on this sample, drawn
    # from the frames since #18, age 50+ at 0.48; on the earlier simulated sample with seed 2027, the share
    # of foreign firms at 0.27)
    assert 0.8 < ratio.median() < 1.25
    assert ((ratio > 1 / SE_FACTOR) & (ratio < SE_FACTOR)).mean() >= 0.9


def test_a_release_that_cannot_reach_k_is_refused(stem_store) -> None:
    out, store, sample = stem_store
    # ages in single choices, fields in full detail: the strata and sector x region x ... cannot all hold 40
    with pytest.raises(ReleaseError, match="held by fewer than 40 records"):
        cs.public_use_file(store, out / "r40", k=40, sample=sample, seed=1)


def test_the_demo_questionnaire_1_1_0_release_is_3_anonymous(tmp_path) -> None:
    _, store, sample = simulated_store(tmp_path, version="1.1.0", n_institutions=100)
    res = cs.public_use_file(store, tmp_path / "release", k=3, sample=sample, seed=2)
    keys = ["sex", "age_band", "region", "sector", "role", "field", "degree", "nationality"]
    assert res.release.keys == tuple(keys)
    puf = pd.read_csv(tmp_path / "release" / "puf.csv", encoding="utf-8-sig")
    filled = puf[keys].astype(object).where(puf[keys].notna(), "suppressed")
    assert anonymity.k_anonymity(filled, keys) >= 3
    for col in ("pay_gross", "pay_stock", "offer_abroad_pay", "offer_domestic_pay", "expect_abroad_pay"):
        assert puf[col].dropna().value_counts().min() >= 3  # microaggregated (or left out when too few)


def test_the_cli_refuses_a_bad_recode(stem_store) -> None:
    out, store, sample = stem_store
    result = CliRunner().invoke(app, ["release", "--store", str(store), "--out", str(out / "r2"),
                                      "--recode", "age_band"])
    assert result.exit_code == 2 and "write ITEM=N" in result.output
