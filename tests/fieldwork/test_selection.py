"""draw_sample and draw_two_stage: stratified SRS and PPS with certainty units and a minimum per stratum,
seeds, ids as text from hand-made files, errors that name file, row and column, owner-only output."""

from __future__ import annotations

import stat

import numpy as np
import pandas as pd
import pytest

import careersurvey as cs
from careersurvey.fieldwork import FieldworkError, draw_sample, draw_two_stage, write_sample
from careersurvey.fieldwork.frame import read_frame


def frame(n=30, seed=0):
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"inst_id": [f"{i:04d}" for i in range(n)],
                         "region": np.where(np.arange(n) % 3 == 0, "01", np.where(np.arange(n) % 3 == 1, "02", "10")),
                         "staff": rng.integers(5, 200, n).astype(float)})


@pytest.mark.parametrize("method", ["srs", "systematic", "sampford"])
def test_pi_sums_to_n_per_stratum_and_samples_have_n(method):
    f = frame()
    f.loc[4, "staff"] = 5000.0  # passes the take-all point of its stratum
    s = draw_sample(f, {"01": 4, "02": 3, "10": 3}, id="inst_id", strata="region", size="staff", method=method, seed=3)
    sums = s.frame.groupby("stratum")["pi"].sum()
    np.testing.assert_allclose(sums.loc[["01", "02", "10"]], [4, 3, 3], atol=1e-12)
    assert s.units.groupby("stratum").size().to_dict() == {"01": 4, "02": 3, "10": 3}
    np.testing.assert_allclose(s.units["design_weight"], 1 / s.units["pi"])
    assert s.units["inst_id"].tolist()[0].startswith("0")  # ids stay text
    if method != "srs":
        assert s.units.set_index("inst_id").loc["0004", "certainty"]
        assert s.units.set_index("inst_id").loc["0004", "design_stratum"] == "02 (certainty)"


def test_srs_exact_properties():
    s = draw_sample(frame(), {"01": 4, "02": 3, "10": 5}, id="inst_id", strata="region", seed=1)
    assert (s.units["pi"] == s.units["n_h"] / s.units["N_h"]).all()
    assert s.units.groupby("stratum")["design_weight"].sum().to_dict() == pytest.approx({"01": 10, "02": 10, "10": 10})
    assert (s.units["fpc"] == 10).all()
    assert np.allclose(s.joint["pi_ij"], s.joint["stratum"].map({"01": 4 * 3 / 90, "02": 3 * 2 / 90, "10": 5 * 4 / 90}))


def test_same_seed_same_sample_other_seed_other_sample():
    f = frame(60)
    a = draw_sample(f, 12, id="inst_id", strata="region", size="staff", method="sampford", seed=7)
    b = draw_sample(f, 12, id="inst_id", strata="region", size="staff", method="sampford", seed=7)
    c = draw_sample(f, 12, id="inst_id", strata="region", size="staff", method="sampford", seed=8)
    pd.testing.assert_frame_equal(a.units, b.units)
    assert a.units["inst_id"].tolist() != c.units["inst_id"].tolist()


def test_empirical_inclusion_over_seeds_agrees_with_pi():
    """800 seeds through the whole draw_sample path; every unit's frequency within 4.5 binomial SEs."""
    f = read_frame(frame(18), id="inst_id", text=["region"], numbers=["staff"])
    counts = np.zeros(len(f.data))
    reps = 800
    for seed in range(reps):
        s = draw_sample(f, 6, id="inst_id", strata="region", size="staff", method="systematic", seed=seed)
        counts += s.frame["selected"].to_numpy()
    pi = s.frame["pi"].to_numpy()
    se = np.sqrt(np.clip(pi * (1 - pi), 1e-12, None) / reps)
    assert (np.abs(counts / reps - pi) <= 4.5 * se + 1e-12).all()


def test_certainty_threshold_and_minimum_per_stratum():
    f = frame(30)
    f.loc[[0, 3], "staff"] = [400.0, 450.0]
    s = draw_sample(f, 10, id="inst_id", strata="region", size="staff", method="sampford", certainty=300,
                    min_per_stratum=3, seed=2)
    assert set(s.units.loc[s.units["certainty"], "inst_id"]) >= {"0000", "0003"}
    assert s.strata["n_h"].min() >= 3 and s.strata["n_h"].sum() == 10
    uneven = pd.DataFrame({"id": [str(i) for i in range(50)], "st": ["a"] * 40 + ["b"] * 6 + ["c"] * 4})
    srs = draw_sample(uneven, 10, id="id", strata="st", min_per_stratum=2, seed=2)  # proportional: 8, 1.2, 0.8
    assert srs.strata.set_index("stratum")["n_h"].to_dict() == {"a": 6, "b": 2, "c": 2}
    assert draw_sample(uneven, 10, id="id", strata="st", seed=2).strata["n_h"].tolist() == [8, 1, 1]


def test_minimum_that_cannot_be_met_is_an_error():
    with pytest.raises(FieldworkError, match=r"n = 5 is less than the minimum per stratum adds up to \(6\)"):
        draw_sample(frame(), 5, id="inst_id", strata="region", min_per_stratum=2, seed=1)


def test_file_with_ids_and_codes_as_text_and_errors_naming_row_and_column(tmp_path):
    p = tmp_path / "frame.csv"
    p.write_text("inst_id,region,staff\n0001,01,10\n0002,01,20\n0003,02,x\n", encoding="utf-8")
    with pytest.raises(FieldworkError) as err:
        draw_sample(p, 1, id="inst_id", strata="region", size="staff", method="systematic", seed=1)
    assert str(err.value) == (f"{p}, column staff: staff must be a number >= 0 in every row; row 4 has 'x': "
                              "correct the value")
    p.write_text("inst_id,region,staff\n0001,01,10\n0002,01,20\n0001,02,5\n", encoding="utf-8")
    with pytest.raises(FieldworkError, match=r"column inst_id: inst_id '0001' appears in row 2, row 4"):
        draw_sample(p, 1, id="inst_id", strata="region", seed=1)
    p.write_text("inst_id,region,staff\n0001,01,10\n0002,01,20\n0003,02,5\n", encoding="utf-8")
    s = draw_sample(p, {"01": 2, "02": 1}, id="inst_id", strata="region", seed=1)
    assert sorted(s.units["inst_id"]) == ["0001", "0002", "0003"] and set(s.units["stratum"]) == {"01", "02"}
    with pytest.raises(FieldworkError, match="no column 'size'"):
        draw_sample(p, 1, id="inst_id", size="size", method="sampford", seed=1)
    with pytest.raises(FieldworkError, match=r"stratum '02': n_h = 2; it must be a whole number from 0 to the 1"):
        draw_sample(p, {"01": 1, "02": 2}, id="inst_id", strata="region", seed=1)


def test_write_sample_owner_only_and_read_back_as_text(tmp_path):
    s = draw_sample(frame(), 9, id="inst_id", strata="region", size="staff", method="sampford", seed=4)
    files = write_sample(s, tmp_path / "sample.csv")
    assert [f.name for f in files] == ["sample.csv", "sample.joint.csv"]
    for f in files:
        assert stat.S_IMODE(f.stat().st_mode) == 0o600
    back = cs.read_table(files[0], text=["inst_id", "stratum"])
    assert back["inst_id"].tolist() == s.units["inst_id"].tolist()
    np.testing.assert_allclose(back["pi"], s.units["pi"])
    write_sample(s, tmp_path / "sample.xlsx")
    assert stat.S_IMODE((tmp_path / "sample.xlsx").stat().st_mode) == 0o600
    assert pd.read_excel(tmp_path / "sample.xlsx", sheet_name="joint", engine="openpyxl").shape[0] == len(s.joint)


def test_two_stage_probabilities_and_a_design_from_them():
    inst = frame(24)
    persons = pd.DataFrame({"person_id": [f"P{i:05d}" for i in range(24 * 6)],
                            "inst_id": np.repeat(inst["inst_id"], 6).to_numpy()})
    persons = persons.iloc[: len(persons) - 4]  # the last institution has 2 persons: all are taken
    t = draw_two_stage(inst, persons, {"01": 3, "02": 3, "10": 2}, 4, institution="inst_id", strata="region",
                       seed=9)
    u = t.units
    assert u.groupby("inst_id").size().max() == 4
    np.testing.assert_allclose(u["pi"], u["pi1"] * u["pi2"])
    np.testing.assert_allclose(u["pi2"], u["m_i"] / u["M_i"])
    # weights within an institution add up to its persons over pi1
    per = u.groupby("inst_id").agg(w=("design_weight", "sum"), M=("M_i", "first"), pi1=("pi1", "first"))
    np.testing.assert_allclose(per["w"], per["M"] / per["pi1"])
    d = cs.SurveyDesign(u.assign(one=1.0), weights="design_weight", strata="design_stratum", psu=["psu", "person_id"],
                        fpc=["fpc1", "fpc2"])
    assert float(d.total("one")["estimate"].iloc[0]) == pytest.approx(u["design_weight"].sum())


def test_two_stage_pps_with_a_certainty_institution_gives_a_design_the_analysis_reads():
    rng = np.random.default_rng(3)
    inst = pd.DataFrame({"inst_id": [f"{i:03d}" for i in range(30)], "st": np.repeat(["a", "b"], 15),
                         "size": rng.integers(3, 30, 30).astype(float)})
    inst.loc[2, "size"] = 400.0
    persons = pd.DataFrame({"person_id": [f"p{i}" for i in range(int(inst["size"].sum()))]})
    persons["inst_id"] = np.repeat(inst["inst_id"], inst["size"].astype(int)).to_numpy()
    t = draw_two_stage(inst, persons, {"a": 4, "b": 4}, 5, institution="inst_id", strata="st", size="size",
                       method="sampford", seed=2)
    u = t.units
    cert = u[u["certainty"]]
    assert set(cert["inst_id"]) == {"002"} and (cert["design_stratum"] == "a (certainty)").all()
    assert (cert["fpc1"] == 1).all() and (u.loc[~u["certainty"] & (u["stratum"] == "a"), "fpc1"] == 14).all()
    # sizes at both stages, constant within strata: the estimation package reads them as they are
    d = cs.SurveyDesign(u.assign(one=1.0), weights="design_weight", strata="design_stratum",
                        psu=["psu", "person_id"], fpc=["fpc1", "fpc2"])
    est = d.total("one")
    assert float(est["estimate"].iloc[0]) == pytest.approx(u["design_weight"].sum())
    assert float(est["se"].iloc[0]) > 0


def test_two_stage_person_in_unknown_institution_is_named(tmp_path):
    inst = frame(6)
    p = tmp_path / "persons.csv"
    p.write_text("person_id,inst_id\n01,0000\n02,0099\n", encoding="utf-8")
    with pytest.raises(FieldworkError, match=r"persons.csv, column inst_id: inst_id '0099' in row 3 is not in the "
                                             "institution frame"):
        draw_two_stage(inst, p, 2, 1, institution="inst_id", seed=1)


def test_two_stage_persons_per_stratum():
    """m as a mapping stratum -> m_h: each institution of stratum h gives min(m_h, M_i) persons, pi2 = m_i/M_i,
    the weights of an institution add to M_i/pi1; a mapping that misses a stratum or holds 0 is refused."""
    inst = frame(24)
    persons = pd.DataFrame({"person_id": [f"P{i:05d}" for i in range(24 * 6)],
                            "inst_id": np.repeat(inst["inst_id"], 6).to_numpy()})
    m = {"01": 2, "02": 5, "10": 7}
    t = draw_two_stage(inst, persons, {"01": 3, "02": 3, "10": 2}, m, institution="inst_id", strata="region",
                       seed=4)
    u = t.units
    per = u.groupby("inst_id").agg(k=("person_id", "size"), stratum=("stratum", "first"), M=("M_i", "first"),
                                   pi1=("pi1", "first"), w=("design_weight", "sum"))
    assert (per["k"] == per["stratum"].map({"01": 2, "02": 5, "10": 6})).all()  # 10: all 6 of 6
    np.testing.assert_allclose(u["pi2"], u["m_i"] / u["M_i"])
    np.testing.assert_allclose(per["w"], per["M"] / per["pi1"])
    assert u["person_id"].is_unique and set(u["inst_id"]) == set(t.institutions.units["inst_id"])
    again = draw_two_stage(inst, persons, {"01": 3, "02": 3, "10": 2}, m, institution="inst_id", strata="region",
                           seed=4)
    assert again.units["person_id"].tolist() == u["person_id"].tolist()
    with pytest.raises(FieldworkError, match=r"must name every stratum of the frame once: no number for: 10"):
        draw_two_stage(inst, persons, 6, {"01": 2, "02": 2}, institution="inst_id", strata="region", seed=4)
    with pytest.raises(FieldworkError, match=r"whole numbers >= 1; stratum '02': 0"):
        draw_two_stage(inst, persons, 6, {"01": 2, "02": 0, "10": 1}, institution="inst_id", strata="region",
                       seed=4)


def test_two_stage_second_stage_is_a_simple_random_sample():
    """Every person of an institution is drawn with probability m/M_i: over 400 seeds the share of draws
    that picked each person is near pi2 (the vectorised draw keeps SRS within each institution)."""
    inst = pd.DataFrame({"inst_id": ["a", "b"], "st": ["s", "s"]})
    persons = pd.DataFrame({"person_id": [f"p{i}" for i in range(12)], "inst_id": ["a"] * 5 + ["b"] * 7})
    hits = pd.Series(0, index=persons["person_id"])
    for seed in range(400):
        u = draw_two_stage(inst, persons, 2, 3, institution="inst_id", strata="st", seed=seed).units
        hits[u["person_id"]] += 1
    share = hits / 400
    expected = np.where(persons["inst_id"] == "a", 3 / 5, 3 / 7)
    assert np.abs(share.to_numpy() - expected).max() < 0.09  # 4 SE of a share near 0.5 over 400 draws is 0.1
