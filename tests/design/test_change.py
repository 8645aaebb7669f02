"""Trends and change across waves (careersurvey.estimation.change) against R survey 4.1.1
(tests/fixtures/r-survey-waves: make_data.R -> data/, make_spec.py -> spec.json -> run_cases.R -> cases.json;
each case's note says what it checks), plus the identity R also shows (paired change on the wide file equals the
stacked change with the person inside a PSU), the panel check and the errors.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from rcases import load_cases, waves_design as design, waves_frame as read

import careersurvey as cs
from careersurvey.estimation.change import change, paired_change, trend

FOLDER = "r-survey-waves"
CASES = {c["id"]: c for c in load_cases(FOLDER)}
TOL = 1e-6


def close(got, want, rtol: float = TOL) -> None:
    np.testing.assert_allclose(np.asarray(got, dtype=float), np.asarray(want, dtype=float).reshape(-1), rtol=rtol,
                               atol=1e-12)


def _stacked() -> list:
    return [pytest.param(c, id=k) for k, c in CASES.items() if c["type"] == "stacked"]


def _paired() -> list:
    return [pytest.param(c, id=k) for k, c in CASES.items() if c["type"] == "paired"]


def _statistic(case: dict) -> str:
    return {"total": "total"}.get(case["fun"], "proportion" if case.get("factors") else "mean")


@pytest.mark.parametrize("case", _stacked())
def test_change_between_waves_matches_r_svyby_covmat_svycontrast(case: dict) -> None:
    exp = case["expected"]["change"]
    by = case.get("by", [])
    res = change(design(case), case["variables"], statistic=_statistic(case), pairs=case["pairs"],
                 na_rm=bool(case.get("na_rm")), by=by or None)
    assert list(res.columns) == [*by, "variable", "level", "from", "to", "estimate_from", "estimate_to", "change", "se",
                                 "ci_low", "ci_high", "df", "t", "p_value"]
    assert [(r["from"], r["to"]) for r in exp["rows"]] == list(zip(res["from"], res["to"]))
    want_names = [r["variable"] for r in exp["rows"]]
    got_names = [v + (lv or "") if lv else v for v, lv in zip(res["variable"], res["level"])]
    assert got_names == want_names
    if by:
        assert list(res[by[0]]) == [r["group"] for r in exp["rows"]]
    close(res["change"], exp["estimate"])
    close(res["se"], exp["se"])
    close(res["ci_low"], exp["ci_low"])
    close(res["ci_high"], exp["ci_high"])
    close(res["p_value"], exp["p_value"])
    close(res.attrs["vcov"].reshape(-1), exp["vcov"])
    assert (res["df"] == case["expected"]["df"]).all()
    close(res["estimate_to"] - res["estimate_from"], exp["estimate"])


@pytest.mark.parametrize("case", _stacked())
def test_trend_by_wave_matches_r_svyby(case: dict) -> None:
    exp = case["expected"]
    by = case.get("by", [])
    res = trend(design(case), case["variables"], statistic=_statistic(case), na_rm=bool(case.get("na_rm")),
                by=by or None)
    # R orders svyby's coefficients statistic-major (2022:intentstay, 2024:intentstay, ...); ours wave-major;
    # R names a domain of wave and sector 2022.univ
    domain = res["wave"] + (("." + res[by[0]]) if by else "")
    key = [f"{w}:{v}{lv or ''}" if ":" in exp["names"][0] else w
           for w, v, lv in zip(domain, res["variable"], res["level"])]
    order = [key.index(n) for n in exp["names"]]
    close(res["estimate"].to_numpy()[order], exp["estimate"])
    close(res["se"].to_numpy()[order], exp["se"])
    close(res.attrs["vcov"][np.ix_(order, order)].T.reshape(-1), exp["vcov"])


def test_overlapping_institutions_carry_covariance_a_fresh_sample_does_not() -> None:
    over, fresh = CASES["overlap-mean"], CASES["fresh-mean"]
    a = change(design(over), "y", pairs="first")
    b = change(design(fresh), "y", pairs="first")
    close(a["change"], b["change"], rtol=1e-12)  # same answers, only the PSU labels differ
    # the institutions' lasting effects make the waves covary: the change is far more precise than apart
    assert (a["se"] < 0.5 * b["se"]).all()
    est = trend(design(fresh), "y")
    v = est.attrs["vcov"]
    assert np.abs(v[0, 1]) < 0.01 * np.sqrt(v[0, 0] * v[1, 1])


@pytest.mark.parametrize("case", _paired())
def test_paired_change_on_the_wide_file_matches_r(case: dict) -> None:
    df = read(case)
    for v in case.get("factors", []):
        for w in case["waves"]:
            df[f"{v}_{w}"] = pd.Categorical(df[f"{v}_{w}"], categories=case["levels"][v])
        res = paired_change(design(case, df), v, waves=case["waves"])
        exp = case["expected"][v]
        assert list(res["level"]) == exp["levels"] and (res["variable"] == v).all()
        close(res["change"], exp["estimate"])
        close(res["se"], exp["se"])
        close(res["p_value"], exp["p_value"])
        close(res["estimate_from"], exp["from"])
        close(res["estimate_to"], exp["to"])
        assert (res["df"] == exp["df"]).all()
    if not case["variables"]:
        return
    res = paired_change(design(case), case["variables"], waves=case["waves"])
    for i, v in enumerate(case["variables"]):
        exp = case["expected"][v]
        row = res.iloc[i]
        assert (row["variable"], row["from"], row["to"]) == (v, "2024", "2026")
        close(row["change"], exp["estimate"])
        close(row["se"], exp["se"])
        close(row["p_value"], exp["p_value"])
        close([row["ci_low"], row["ci_high"]], [exp["ci_low"], exp["ci_high"]])
        assert row["df"] == exp["df"]


@pytest.mark.parametrize("wide_id, long_id", [("paired-mean", "panel-complete-mean"),
                                              ("paired-element-mean", "panel-element-complete-mean")])
def test_paired_change_equals_the_stacked_change_with_the_person_in_a_psu(wide_id: str, long_id: str) -> None:
    wide = paired_change(design(CASES[wide_id]), "y", waves=("2024", "2026"))
    long_case = CASES[long_id]
    stacked = change(design(long_case), "y", person="pid")
    for col in ("change", "se", "ci_low", "ci_high", "df", "p_value", "estimate_from", "estimate_to"):
        close(wide[col], stacked[col], rtol=1e-12)
    # and R says so too
    close(wide["se"], long_case["expected"]["change"]["se"])


def test_a_panel_stacked_with_each_row_its_own_psu_is_refused() -> None:
    case = CASES["panel-element-mean"]
    df = read(case)
    rows_apart = cs.SurveyDesign(df, weights="w_cross", strata="stratum")
    with pytest.raises(cs.EstimateError, match=r"panel member\(s\) \(P001, P002.*psu='pid'"):
        change(rows_apart, "y", person="pid")
    change(design(case), "y", person="pid")  # ids = ~pid: accepted
    change(design(CASES["panel-mean"]), "y", person="pid")  # persons nested in institutions: accepted


def test_missing_codes_are_refused_and_masked_ones_match_r_na_rm() -> None:
    case = CASES["overlap-mean-narm"]
    df = read(case)
    coded = df.assign(y_na=df["y_na"].fillna(-8))
    d = cs.SurveyDesign(coded, weights="w", strata="stratum", psu="inst", missing_codes=(-6, -7, -8, -9))
    with pytest.raises(cs.MissingCodeError, match="y_na"):
        change(d, "y_na")
    masked = coded.assign(y_na=coded["y_na"].mask(coded["y_na"].isin([-6, -7, -8, -9])))
    d2 = cs.SurveyDesign(masked, weights="w", strata="stratum", psu="inst", missing_codes=(-6, -7, -8, -9))
    res = change(d2, "y_na", pairs=case["pairs"], na_rm=True)
    close(res["se"], case["expected"]["change"]["se"])


def test_text_column_gives_proportions_as_a_factor_would() -> None:
    case = CASES["fresh-proportion"]
    df = read(case)
    as_text = df.assign(intent=df["intent"].astype(str))
    d = cs.SurveyDesign(as_text, weights="w", strata="stratum", psu="inst_fresh")
    res = change(d, "intent", statistic="proportion", pairs=case["pairs"])
    want = change(design(case), "intent", statistic="proportion", pairs=case["pairs"])
    key = ["variable", "level", "from", "to"]
    got = res.set_index(key).sort_index()
    exp = want.set_index(key).sort_index()
    close(got["se"], exp["se"], rtol=1e-12)
    assert sorted(res["level"].unique()) == ["leave", "stay", "unsure"]


def test_waves_as_numbers_and_pair_choices() -> None:
    case = CASES["overlap-mean"]
    df = read(case)
    d = cs.SurveyDesign(df.assign(wave=df["wave"].astype(int)), weights="w", strata="stratum", psu="inst")
    consecutive = change(d, "y")
    assert list(zip(consecutive["from"], consecutive["to"])) == [("2022", "2024"), ("2024", "2026")]
    first = change(d, "y", pairs="first")
    assert list(zip(first["from"], first["to"])) == [("2022", "2024"), ("2022", "2026")]
    close(first["se"], np.asarray(case["expected"]["change"]["se"])[[0, 2]])


def test_errors_name_what_is_wrong_and_what_to_do() -> None:
    case = CASES["overlap-mean"]
    df = read(case)
    d = design(case, df)
    with pytest.raises(cs.EstimateError, match=r"over='round' is not a column.*long file"):
        change(d, "y", over="round")
    with pytest.raises(cs.EstimateError, match=r"wave '2030' has no rows.*2022, 2024, 2026"):
        change(d, "y", pairs=[("2022", "2030")])
    only_2024 = d.subset(df["wave"].to_numpy() == "2024")
    with pytest.raises(cs.EstimateError, match=r"at least two waves in 'wave' with answers .*; found 2024 "):
        change(only_2024, "y")
    assert trend(only_2024, "y")["wave"].tolist() == ["2024"]  # one wave is a trend of one point
    with pytest.raises(cs.EstimateError, match=r"'y' is numeric.*astype\('category'\)"):
        change(d, "y", statistic="proportion")
    with pytest.raises(cs.EstimateError, match=r"statistic='median'"):
        change(d, "y", statistic="median")
    with pytest.raises(cs.EstimateError, match=r"by='region' is not a column"):
        change(d, "y", by="region")
    with pytest.raises(cs.EstimateError, match=r"by='wave' is not a column .*or is the wave column"):
        change(d, "y", by="wave")
    with pytest.raises(cs.EstimateError, match=r"pairs='all'"):
        change(d, "y", pairs="all")
    wide = design(CASES["paired-mean"])
    with pytest.raises(cs.EstimateError, match=r"no column 'y_2025'.*<item>_<wave>"):
        paired_change(wide, "y", waves=("2024", "2025"))
    with pytest.raises(cs.EstimateError, match=r"give two waves"):
        paired_change(wide, "y", waves=("2024",))


def test_a_domain_missing_from_a_wave_has_no_change_for_that_pair() -> None:
    case = CASES["overlap-by-sector-mean"]
    df = read(case)
    gone = (df["wave"] == "2026") & (df["sector"] == "public")
    d = design(case).subset(~gone.to_numpy())
    res = change(d, "y", by="sector", pairs="first")
    assert list(zip(res["sector"], res["from"], res["to"])) == [
        ("industry", "2022", "2024"), ("public", "2022", "2024"), ("univ", "2022", "2024"),
        ("industry", "2022", "2026"), ("univ", "2022", "2026")]
    full = change(design(case), "y", by="sector", pairs="first")
    # a domain's change is the same estimate whatever the other domains hold
    close(res["change"], full["change"].to_numpy()[[0, 1, 2, 3, 5]], rtol=1e-12)


def test_waves_come_in_the_order_of_a_categorical_wave_column() -> None:
    case = CASES["overlap-mean"]
    df = read(case)
    names = {"2022": "w9", "2024": "w10", "2026": "w11"}  # as text, w10 < w11 < w9
    df["wave"] = pd.Categorical(df["wave"].map(names), categories=["w9", "w10", "w11"])
    res = change(design(case, df), "y")
    assert list(zip(res["from"], res["to"])) == [("w9", "w10"), ("w10", "w11")]
    close(res["se"], case["expected"]["change"]["se"][:2])
    text = change(design(case, df.assign(wave=df["wave"].astype("string"))), "y", pairs=[("w9", "w11")])
    close(text["se"], case["expected"]["change"]["se"][2:])


def test_waves_in_the_order_given() -> None:
    case = CASES["overlap-mean"]
    df = read(case)
    df["wave"] = df["wave"].map({"2022": "w9", "2024": "w10", "2026": "w11"})  # as text, w10 < w11 < w9
    d = design(case, df)
    assert list(zip(*[change(d, "y")[c] for c in ("from", "to")])) == [("w10", "w11"), ("w11", "w9")]
    res = change(d, "y", waves=["w9", "w10", "w11"])
    assert list(zip(res["from"], res["to"])) == [("w9", "w10"), ("w10", "w11")]
    close(res["se"], case["expected"]["change"]["se"][:2])
    first = change(d, "y", waves=["w9", "w11"], pairs="first")
    assert list(zip(first["from"], first["to"])) == [("w9", "w11")]
    close(first["se"], case["expected"]["change"]["se"][2:])
    with pytest.raises(cs.EstimateError, match=r"waves=\['w9', 'w12'\]: wave 'w12' has no rows.*w10, w11, w9"):
        change(d, "y", waves=["w9", "w12"])
    with pytest.raises(cs.EstimateError, match=r"at least two waves, each once"):
        change(d, "y", waves=["w9", "w9"])


def test_paired_change_refuses_missing_codes_and_leaves_masked_ones_out_of_the_pairs() -> None:
    case = CASES["paired-mean"]
    df = read(case)
    coded = df.assign(y_2024=df["y_2024"].where(~df["pid"].isin(["P002", "P007"]), -8.0))
    d = design(case, coded).evolve(missing_codes=(-6, -7, -8, -9))
    with pytest.raises(cs.MissingCodeError, match=r"^variable 'y_2024' holds the missing codes -8 \(2 rows\)"):
        paired_change(d, "y", waves=("2024", "2026"))
    masked = coded.assign(y_2024=coded["y_2024"].mask(coded["y_2024"] < 0))
    res = paired_change(design(case, masked), "y", waves=("2024", "2026"))
    keep = masked[["y_2024", "y_2026"]].notna().all(axis=1)
    w = masked["w"][keep]
    diff = (masked["y_2026"] - masked["y_2024"])[keep]
    close(res["change"], [(w * diff).sum() / w.sum()], rtol=1e-12)
    assert res["change"].iloc[0] != pytest.approx(case["expected"]["y"]["estimate"], rel=1e-6)


def test_paired_change_with_declared_codes_estimates_once_per_item(monkeypatch) -> None:
    """The code check reads the two columns; it does not estimate their means first."""
    case = CASES["paired-mean"]
    d = design(case).evolve(missing_codes=(-6, -7, -8, -9))
    calls = []
    mean = cs.SurveyDesign.mean
    monkeypatch.setattr(cs.SurveyDesign, "mean", lambda self, *a, **k: calls.append(a) or mean(self, *a, **k))
    res = paired_change(d, "y", waves=("2024", "2026"))
    assert calls == [(["y_2024", "y_2026"],)]
    close(res["change"], [case["expected"]["y"]["estimate"]])


def test_a_wave_without_answers_leaves_the_trend_and_its_changes() -> None:
    case = CASES["overlap-mean-narm"]
    df = read(case)
    df.loc[df["wave"] == "2022", "y_na"] = np.nan  # not asked in 2022
    d = design(case, df)
    est = trend(d, "y_na", na_rm=True)
    assert est["wave"].tolist() == ["2024", "2026"] and np.isfinite(est.attrs["vcov"]).all()
    res = change(d, "y_na", na_rm=True, pairs="first")
    assert list(zip(res["from"], res["to"])) == [("2024", "2026")]
    with pytest.raises(cs.EstimateError, match=r"wave '2022' has no rows"):
        change(d, "y_na", na_rm=True, pairs=[("2022", "2026")])
