"""The README's Python recipes, rerun on data with missing codes: every number equals the one this test
computes by hand from the stored codes with the missing-code rows removed.

Two kinds of data: a simulated survey of stem-careers imported through the real path (its answers hold -7
refused, -8 don't know and -9 not applicable wherever the questionnaire allows them, as a real store does),
and R's apiclus1 with -7/-9 planted in its numbers (the recipes of sections 5 and 6). The "by hand" numbers
read the store's answer table with SQL, not through ``load_responses``, and use numpy sums, so a recipe that
averaged a missing code as a number cannot agree with them. Each recipe's call is also looked up in the
README, so the test follows the README as written.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from rcases import load_data
from simulated import simulated_store

import careersurvey as cs

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
CODES = list(cs.MISSING_CODES)


def in_readme(*calls: str) -> None:
    """Each call is written in the README as the test runs it."""
    for call in calls:
        assert call in README, f"the README no longer shows {call!r}: update this test with the README"


@pytest.fixture(scope="module")
def survey(tmp_path_factory):
    """A simulated stem-careers survey in a store, its sample design file, and the stored codes read by SQL."""
    q, store, sample_file = simulated_store(tmp_path_factory.mktemp("recipes"))
    con = duckdb.connect(str(store), read_only=True)
    cols = ", ".join(f'a."{c}"' for c in q.columns() if q.item(c.rsplit("_", 1)[0] if c not in q else c).type
                     not in ("text", "date"))
    raw = con.execute(f"SELECT r.respondent_id, {cols} FROM respondents r JOIN answers_stem_careers_1_0_0 a "
                      "USING (import_id, row_no) WHERE r.status = 'accepted' ORDER BY r.import_id, r.row_no").df()
    con.close()
    sample = pd.read_csv(sample_file, dtype=str)
    raw = raw.merge(sample.assign(design_weight=sample["design_weight"].astype(float)), on="respondent_id")
    assert (raw["pay_exact"].isin([-7]).sum() > 10 and raw["pay_exact"].isin([-9]).sum() > 50
            and raw["stig_record"].isin(CODES).any()), "the simulated data must hold missing codes"
    return q, store, sample_file, raw


def answered(raw: pd.DataFrame, col: str) -> pd.Series:
    return raw[col].notna() & ~raw[col].isin(CODES)


# -- section 1: scales and reliability --------------------------------------------------------------------
def hand_items(raw: pd.DataFrame, q, scale: str) -> pd.DataFrame:
    sc = q.scales[scale]
    x = raw[list(sc.items)].astype(float)
    x = x.where(~x.isin(CODES))
    for item in sc.reverse:
        codes = q.item(item).choices.codes()
        x[item] = min(codes) + max(codes) - x[item]
    return x


def test_reliability_and_scores_recipe(survey):
    in_readme('data = cs.load_responses("demo-out/store.duckdb", labels=False, waves="2026")',
              'rel = cs.reliability(data, "fail_stigma", q)', "scores = cs.score_scales(data, q)")
    q, store, _, raw = survey
    data = cs.load_responses(store, labels=False)
    rel = cs.reliability(data, "fail_stigma", q)
    x = hand_items(raw, q, "fail_stigma").dropna()
    k = x.shape[1]
    alpha = k / (k - 1) * (1 - x.var(ddof=1).sum() / x.sum(axis=1).var(ddof=1))
    assert rel.n == len(x) < len(raw)
    assert rel.alpha == pytest.approx(alpha, rel=1e-10)
    scores = cs.score_scales(data, q)
    for name, sc in q.scales.items():
        x = hand_items(raw, q, name)
        n = x.notna().sum(axis=1)
        hand = x.mean(axis=1).where(n >= sc.min_answered)
        if sc.method == "sum":
            hand = hand * len(sc.items)
        np.testing.assert_allclose(scores[name].to_numpy(dtype=float), hand.to_numpy(dtype=float), rtol=1e-12,
                                   err_msg=name)


# -- section 4: loading ------------------------------------------------------------------------------------
def test_load_recipe_gives_na_for_every_code_and_the_codes_beside(survey):
    in_readme('df = cs.load_responses("survey.duckdb")', 'cs.load_missing("survey.duckdb")',
              'codes = cs.load_responses("survey.duckdb", labels=False)',
              'ds = cs.load_dataset("survey.duckdb", labels=False)', "ds.codes()")
    q, store, _, raw = survey
    df = cs.load_responses(store)
    missing = cs.load_missing(store)
    codes = cs.load_responses(store, labels=False)
    back = cs.load_dataset(store, labels=False).codes()
    for col in ("pay_exact", "stig_record", "hs_rank", "marital", "ti_leave_science", "env_admin_pct"):
        code = raw[col].isin(CODES).to_numpy()
        assert code.any(), col
        assert df[col].isna().to_numpy()[code].all() and codes[col].isna().to_numpy()[code].all(), col
        real = ~code & raw[col].notna().to_numpy()
        np.testing.assert_array_equal(codes[col].to_numpy(dtype=float, na_value=np.nan)[real], raw[col][real])
        np.testing.assert_array_equal(missing[col].to_numpy(dtype=float, na_value=np.nan)[code], raw[col][code])
        assert missing[col].isna().to_numpy()[real].all()
        np.testing.assert_array_equal(back[col].to_numpy(dtype=float, na_value=np.nan), raw[col].to_numpy(dtype=float))
    numbers = codes.select_dtypes("number").drop(columns="import_id")
    assert not numbers.isin(CODES).any().any()


# -- section 6: targets, raking, the researchers' domain (the issue's recipe) -----------------------------
@pytest.mark.filterwarnings("ignore::careersurvey.responses.sample_design.SampleDesignWarning")  # 3 quarantined
def test_targets_recipe_gives_the_numbers_of_the_real_answers(survey):
    in_readme('t = cs.load_targets("kr-researchers-2023")', "inside = t.in_scope(df)",
              "wide = t.add_margin_columns(df, in_scope=inside)",
              'raked = cs.SurveyDesign(wide, weights="design_weight", strata="stratum", psu="psu").rake(t.margins(), scope=inside)',
              'raked.subset(inside).total("degree_margin")')
    q, store, sample, raw = survey
    t = cs.load_targets("kr-researchers-2023")
    df = cs.attach_sample_design(cs.load_responses(store, labels=False), sample, text=("stratum", "psu"))
    inside = t.in_scope(df)
    # role != 1 and sector in [1, 2, 3, 4, 5, 6] and region != 18, a missing answer making each test false
    hand_inside = (answered(raw, "role") & (raw["role"] != 1) & raw["sector"].isin(range(1, 7))
                   & answered(raw, "region") & (raw["region"] != 18))
    np.testing.assert_array_equal(inside, hand_inside.to_numpy())
    wide = t.add_margin_columns(df, in_scope=inside)
    raked = cs.SurveyDesign(wide, weights="design_weight", strata="stratum", psu="psu").rake(t.margins(),
                                                                                             scope=inside)
    w = raked.w
    # the issue's .mean("salary"): here the exact pay, refused (-7), not known (-8) or routed past (-9) often
    real = (answered(raw, "pay_exact") & hand_inside).to_numpy()
    got = raked.subset(inside).mean("pay_exact", na_rm=True).loc["pay_exact", "estimate"]
    assert got == pytest.approx(np.average(raw["pay_exact"][real], weights=w[real]), rel=1e-12)
    coded = (raw["pay_exact"].isin([-7, -8, -9]) & hand_inside).to_numpy()
    assert coded.sum() > 10 and got > 1000  # a mean with the codes in it would be pulled far down
    totals = raked.subset(inside).total("degree_margin")["estimate"]
    for level, total in totals.items():
        name = str(level).removeprefix("degree_margin")
        hand = w[(wide["degree_margin"] == name).to_numpy() & inside].sum()
        assert total == pytest.approx(hand, rel=1e-12), name
    # the design declares the codes too: the same recipe runs, and raw codes would be refused
    declared = cs.SurveyDesign(wide, weights="design_weight", strata="stratum", psu="psu",
                               missing_codes=cs.MISSING_CODES).rake(t.margins(), scope=inside)
    assert declared.subset(inside).mean("pay_exact", na_rm=True).loc["pay_exact", "estimate"] == pytest.approx(got)
    coded_frame = wide.assign(pay_exact=raw["pay_exact"].to_numpy())
    with pytest.raises(cs.MissingCodeError, match="variable 'pay_exact' holds the missing codes -7 "):
        cs.SurveyDesign(coded_frame, weights="design_weight", missing_codes=cs.MISSING_CODES).mean("pay_exact")


# -- sections 5 and 6 on R's apiclus1 with planted codes --------------------------------------------------
@pytest.fixture(scope="module")
def planted():
    """apiclus1 with -7/-9 planted in api00, enroll and api_stu: the raw codes, and the codes as NA (as
    cs.load_responses gives them)."""
    df = load_data("r-survey", "apiclus1.csv")
    raw = df.copy()
    rng = np.random.default_rng(7)
    for col, k in (("api00", 12), ("enroll", 8), ("api_stu", 6)):
        rows = rng.choice(len(raw), size=k, replace=False)
        raw.loc[raw.index[rows], col] = rng.choice([-7, -9], size=k)
    na = raw.copy()
    for col in ("api00", "enroll", "api_stu"):
        na[col] = na[col].astype("Float64").mask(na[col].isin(CODES))
    return raw, na


def test_estimate_recipes_on_planted_codes(planted):
    in_readme('d = cs.SurveyDesign(df, weights="pw", psu="dnum", fpc="fpc")', 'd.mean("api00", by="stype")',
              'd.quantile("api00", [0.25, 0.5])', """d.subset("stype == 'E'").total("enroll")""",
              'd.ratio("api_stu", "enroll")', 'fit = d.glm("I(sch_wide == \'Yes\') ~ ell + meals", family="binomial")')
    raw, na = planted
    d = cs.SurveyDesign(na, weights="pw", psu="dnum", fpc="fpc", missing_codes=cs.MISSING_CODES)
    y, w = raw["api00"], raw["pw"]
    ok = ~y.isin(CODES)
    assert d.mean("api00", na_rm=True).loc["api00", "estimate"] == pytest.approx(np.average(y[ok], weights=w[ok]))
    by = d.mean("api00", by="stype", na_rm=True)["estimate"]
    for s, g in raw[ok].groupby("stype"):
        assert by[s] == pytest.approx(np.average(g["api00"], weights=g["pw"]), rel=1e-12)
    e = ~raw["enroll"].isin(CODES) & (raw["stype"] == "E")
    got = d.subset("stype == 'E'").total("enroll", na_rm=True).loc["enroll", "estimate"]
    assert got == pytest.approx((raw["enroll"][e] * w[e]).sum(), rel=1e-12)
    r = ~raw["enroll"].isin(CODES) & ~raw["api_stu"].isin(CODES)
    got = d.ratio("api_stu", "enroll", na_rm=True).iloc[0]["estimate"]
    assert got == pytest.approx((raw["api_stu"][r] * w[r]).sum() / (raw["enroll"][r] * w[r]).sum(), rel=1e-12)
    q = d.quantile("api00", [0.25, 0.5], na_rm=True)["estimate"].to_numpy()
    order = np.argsort(y[ok].to_numpy(), kind="stable")
    xs, cw = y[ok].to_numpy()[order], np.cumsum(w[ok].to_numpy()[order])
    hand = [xs[np.searchsorted(cw, p * cw[-1], side="left")] for p in (0.25, 0.5)]
    np.testing.assert_allclose(q, hand)
    fit = d.glm("api00 ~ ell + meals")
    kept = cs.SurveyDesign(raw[ok], weights="pw", psu="dnum", fpc="fpc").glm("api00 ~ ell + meals")
    np.testing.assert_allclose(fit.params, kept.params, rtol=1e-10)
    # the raw codes: every recipe refuses them, naming the column
    coded = cs.SurveyDesign(raw, weights="pw", psu="dnum", fpc="fpc", missing_codes=cs.MISSING_CODES)
    for call in (lambda: coded.mean("api00"), lambda: coded.mean("api00", by="stype"),
                 lambda: coded.quantile("api00", [0.25, 0.5]), lambda: coded.glm("api00 ~ ell + meals")):
        with pytest.raises(cs.MissingCodeError, match="'api00' holds the missing codes"):
            call()
    with pytest.raises(cs.MissingCodeError, match="'enroll' holds the missing codes"):
        coded.subset("stype == 'E'").total("enroll")
    assert not coded.subset("api00 < 0").domain.any()  # a refusal is not a number below 0


def test_weighting_recipes_on_planted_codes(planted):
    in_readme("raked = d.rake(margins)", 'raked.mean("api00")[["estimate", "se"]]',
              'cal = d.calibrate({"stype": margins["stype"], "api99": 3914069}, method="logit", bounds=(0.5, 2.5))',
              'cal.total("enroll")[["estimate", "se"]]')
    raw, na = planted
    d = cs.SurveyDesign(na, weights="pw", psu="dnum", fpc="fpc", missing_codes=cs.MISSING_CODES)
    margins = {"stype": {"E": 4421, "H": 755, "M": 1018}, "sch_wide": {"No": 1072, "Yes": 5122}}
    raked = d.rake(margins)
    ok = ~raw["api00"].isin(CODES)
    got = raked.mean("api00", na_rm=True).loc["api00", "estimate"]
    assert got == pytest.approx(np.average(raw["api00"][ok], weights=raked.w[ok.to_numpy()]), rel=1e-12)
    cal = d.calibrate({"stype": margins["stype"], "api99": 3914069}, method="logit", bounds=(0.5, 2.5))
    e = (~raw["enroll"].isin(CODES)).to_numpy()
    got = cal.total("enroll", na_rm=True).loc["enroll", "estimate"]
    assert got == pytest.approx((raw["enroll"].to_numpy()[e] * cal.w[e]).sum(), rel=1e-12)
    coded = cs.SurveyDesign(raw, weights="pw", psu="dnum", fpc="fpc", missing_codes=cs.MISSING_CODES)
    with pytest.raises(cs.MissingCodeError, match="margin 'api00' holds the missing codes"):
        coded.calibrate({"stype": margins["stype"], "api00": 3.9e6})
    with pytest.raises(cs.MissingCodeError, match="variable 'api00' holds the missing codes"):
        coded.rake(margins).mean("api00")


# -- section 10: the store handed to the engine path ---------------------------------------------------------
def test_store_table_recipe(survey):
    """The store as a table in DuckDB: the weighted mean of pay equals the sum by hand without its -7/-9 rows."""
    pytest.importorskip("ibis", reason="the engine path needs the [engine] extra")
    in_readme('t = cs.store_table("demo-out/store.duckdb", sample="demo-out/sample_design.csv")',
              'cs.from_table(t, weights="design_weight", strata="stratum", psu="psu")')
    _q, store, sample_file, raw = survey
    t = cs.store_table(store, sample=sample_file)
    got = cs.from_table(t, weights="design_weight", strata="stratum", psu="psu",
                        missing_codes=CODES).mean("pay_exact", na_rm=True)
    ok = answered(raw, "pay_exact")
    w, y = raw.loc[ok, "design_weight"].to_numpy(float), raw.loc[ok, "pay_exact"].to_numpy(float)
    assert got["estimate"].iat[0] == pytest.approx(w @ y / w.sum(), rel=1e-12)
    mem = cs.SurveyDesign(cs.attach_sample_design(cs.load_responses(store), sample_file), weights="design_weight",
                          strata="stratum", psu="psu").mean("pay_exact", na_rm=True)
    assert got["se"].iat[0] == pytest.approx(mem["se"].iat[0], rel=1e-9)
