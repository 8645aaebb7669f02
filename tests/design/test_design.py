"""SurveyDesign: textbook formulas (hypothesis), invariances, identities between estimators, R values
the fixtures lack (deff, logit intervals), validation messages, immutability and printing."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from rcases import load_data
from scipy import stats

import careersurvey as cs
from careersurvey.estimation.design import DesignError, LonelyPSUError



@pytest.fixture(scope="module")
def apistrat() -> pd.DataFrame:
    return load_data("r-survey", "apistrat.csv")


@pytest.fixture(scope="module")
def apiclus1() -> pd.DataFrame:
    return load_data("r-survey", "apiclus1.csv")


values = st.lists(st.floats(min_value=-1e3, max_value=1e3, allow_nan=False), min_size=3, max_size=40)


# -- textbook formulas ------------------------------------------------------------------------------------
@given(values)
def test_srs_without_fpc_is_the_textbook_mean_and_se(y):
    df = pd.DataFrame({"y": y})
    res = cs.SurveyDesign(df).mean("y")
    n = len(y)
    assert res["estimate"].iloc[0] == pytest.approx(np.mean(y), abs=1e-9)
    assert res["se"].iloc[0] == pytest.approx(np.std(y, ddof=1) / np.sqrt(n), rel=1e-9, abs=1e-9)
    assert res["df"].iloc[0] == n - 1


@given(values, st.integers(min_value=0, max_value=500))
def test_srs_with_fpc_applies_the_finite_population_correction(y, extra):
    n = len(y)
    N = n + extra
    df = pd.DataFrame({"y": y, "N": float(N)})
    d = cs.SurveyDesign(df, fpc="N")  # weights N/n from the fpc, as R
    mean = d.mean("y")
    se = np.sqrt((1 - n / N) * np.var(y, ddof=1) / n)
    assert mean["se"].iloc[0] == pytest.approx(se, rel=1e-9, abs=1e-9)
    total = d.total("y")
    assert total["estimate"].iloc[0] == pytest.approx(N * np.mean(y), rel=1e-9, abs=1e-6)
    assert total["se"].iloc[0] == pytest.approx(N * se, rel=1e-9, abs=1e-6)


@given(st.lists(st.tuples(values, st.integers(min_value=0, max_value=100)), min_size=2, max_size=5))
def test_stratified_mean_is_the_textbook_stratified_estimator(strata):
    frames = [pd.DataFrame({"y": y, "h": h, "N": float(len(y) + extra)}) for h, (y, extra) in enumerate(strata)]
    df = pd.concat(frames, ignore_index=True)
    res = cs.SurveyDesign(df, strata="h", fpc="N").mean("y")
    N_tot = sum(len(y) + e for y, e in strata)
    W = [(len(y) + e) / N_tot for y, e in strata]
    ybar = sum(Wh * np.mean(y) for Wh, (y, _) in zip(W, strata))
    var = sum(Wh**2 * (1 - len(y) / (len(y) + e)) * np.var(y, ddof=1) / len(y) for Wh, (y, e) in zip(W, strata))
    assert res["estimate"].iloc[0] == pytest.approx(ybar, rel=1e-9, abs=1e-9)
    assert res["se"].iloc[0] == pytest.approx(np.sqrt(var), rel=1e-7, abs=1e-9)
    assert res["df"].iloc[0] == len(df) - len(strata)


@given(st.floats(min_value=1e-3, max_value=1e4))
def test_scaling_weights_leaves_means_and_their_ses_unchanged(c):
    df = load_data("r-survey", "apiclus1.csv")
    base = cs.SurveyDesign(df, weights="pw", psu="dnum").mean(["api00", "stype"])
    df = df.assign(pw=df["pw"] * c)
    scaled = cs.SurveyDesign(df, weights="pw", psu="dnum").mean(["api00", "stype"])
    np.testing.assert_allclose(scaled["estimate"], base["estimate"], rtol=1e-10)
    np.testing.assert_allclose(scaled["se"], base["se"], rtol=1e-8)


def test_fpc_as_fractions_equals_fpc_as_population_sizes(apistrat):
    n_h = apistrat.groupby("stype")["stype"].transform("size")
    frac = apistrat.assign(f=n_h / apistrat["fpc"])
    a = cs.SurveyDesign(apistrat, weights="pw", strata="stype", fpc="fpc").mean("api00")
    b = cs.SurveyDesign(frac, weights="pw", strata="stype", fpc="f").mean("api00")
    np.testing.assert_allclose(b[["estimate", "se"]], a[["estimate", "se"]], rtol=1e-12)


# -- identities between estimators (R's tests/domain.R) ---------------------------------------------------
def test_domain_mean_se_agrees_between_by_subset_and_ratio(apiclus1):
    d = cs.SurveyDesign(apiclus1, weights="pw", psu="dnum", fpc="fpc")
    by = d.mean("api00", by="stype")
    for level in ["E", "H", "M"]:
        sub = d.subset(apiclus1["stype"] == level).mean("api00")
        df = apiclus1.assign(y=apiclus1["api00"] * (apiclus1["stype"] == level), one=(apiclus1["stype"] == level) * 1.0)
        rat = cs.SurveyDesign(df, weights="pw", psu="dnum", fpc="fpc").ratio("y", "one")
        assert by.loc[level, "estimate"] == pytest.approx(sub["estimate"].iloc[0], rel=1e-12)
        assert by.loc[level, "se"] == pytest.approx(sub["se"].iloc[0], rel=1e-12)
        assert rat["estimate"].iloc[0] == pytest.approx(sub["estimate"].iloc[0], rel=1e-12)
        assert rat["se"].iloc[0] == pytest.approx(sub["se"].iloc[0], rel=1e-10)


def test_subset_by_mask_equals_subset_by_expression(apistrat):
    d = cs.SurveyDesign(apistrat, weights="pw", strata="stype", fpc="fpc")
    a = d.subset("api00 > 700 and stype != 'H'").mean("enroll")
    b = d.subset((apistrat["api00"] > 700) & (apistrat["stype"] != "H")).mean("enroll")
    pd.testing.assert_frame_equal(a, b)
    assert d.subset("api00 > 700").weights[apistrat["api00"] <= 700].eq(0).all()


def test_total_of_a_categorical_sums_to_the_population(apistrat):
    d = cs.SurveyDesign(apistrat, weights="pw", strata="stype", fpc="fpc")
    assert d.total("awards")["estimate"].sum() == pytest.approx(apistrat["pw"].sum())
    assert d.mean("awards")["estimate"].sum() == pytest.approx(1)


# -- R values the reference fixtures do not hold (R 4.2.2, survey 4.1.1) -----------------------------------
def test_deff_is_rs_with_replacement_design_effect(apistrat, apiclus1):
    # svymean(~api00+awards, dstrat, deff="replace"); svytotal(~enroll, ...); svyratio(..., deff="replace")
    d = cs.SurveyDesign(apistrat, weights="pw", strata="stype", fpc="fpc")
    np.testing.assert_allclose(d.mean(["api00", "awards"])["deff"],
                               [1.16556617145353, 1.02112253823644, 1.02112253823644], rtol=1e-9)
    assert d.total("enroll")["deff"].iloc[0] == pytest.approx(0.350328806095534, rel=1e-9)
    assert d.ratio("api_stu", "enroll")["deff"].iloc[0] == pytest.approx(0.573973444140571, rel=1e-9)
    dc = cs.SurveyDesign(apiclus1, weights="pw", psu="dnum", fpc="fpc")
    assert dc.mean("api00")["deff"].iloc[0] == pytest.approx(9.06974836245306, rel=1e-9)


def test_proportion_logit_interval_is_svyciprop_logit(apistrat, apiclus1):
    # svyciprop(~I(awards == "Yes"), dstrat, method = "logit"); same for sch_wide on dclus1
    d = cs.SurveyDesign(apistrat, weights="pw", strata="stype", fpc="fpc")
    res = d.proportion("awards").loc["awardsYes"]
    assert res["estimate"] == pytest.approx(0.638936064050578, rel=1e-12)
    assert [res["ci_low"], res["ci_high"]] == pytest.approx([0.568721098868047, 0.703675779368256], rel=1e-9)
    dc = cs.SurveyDesign(apiclus1, weights="pw", psu="dnum", fpc="fpc")
    res = dc.proportion("sch_wide").loc["sch_wideYes"]
    assert [res["ci_low"], res["ci_high"]] == pytest.approx([0.823798892379034, 0.911900077021223], rel=1e-9)
    with pytest.raises(ValueError, match=r"proportion\(\) \(logit intervals\) needs a 0/1 or categorical "
                                         "variable; 'api00' also holds "):
        d.proportion("api00")


def test_result_frame_columns_and_t_interval(apistrat):
    res = cs.SurveyDesign(apistrat, weights="pw", strata="stype", fpc="fpc").mean("api00")
    assert list(res.columns) == ["estimate", "se", "ci_low", "ci_high", "deff", "df", "cv"]
    t = stats.t.ppf(0.975, 197)
    row = res.iloc[0]
    assert row["ci_low"] == pytest.approx(row["estimate"] - t * row["se"])
    assert row["cv"] == pytest.approx(row["se"] / row["estimate"])
    assert res.attrs["vcov"].shape == (1, 1)


def test_chisq_first_order_reports_pearson_and_the_adjusted_p(apiclus1):
    d = cs.SurveyDesign(apiclus1, weights="pw", psu="dnum", fpc="fpc")
    f, c = d.chisq("sch_wide", "stype"), d.chisq("sch_wide", "stype", statistic="Chisq")
    assert c.pearson == f.pearson and c.statistic == c.pearson
    assert c.ndf == 2 and np.isinf(c.ddf)
    # R 4.2.2, survey 4.1.1: svychisq(~sch.wide + stype, dclus1, statistic = "Chisq"): X-squared, p-value
    assert c.statistic == pytest.approx(11.9408920807453, rel=1e-9)
    assert c.p_value == pytest.approx(0.00555326330311322, rel=1e-8)
    # first-order: the p-value is that of X^2 / mean(design effects) on ndf, as R's pchisq(X2 / mean(d0), ndf)
    assert c.p_value == pytest.approx(stats.chi2.sf(c.pearson / np.mean(c.design_effects), 2), rel=1e-12)
    assert "Rao & Scott" in str(f) and f.table.shape == (2, 3)


# -- validation messages ----------------------------------------------------------------------------------
def test_missing_column_is_named(apistrat):
    with pytest.raises(DesignError, match="strata column 'stratum' is not in the data.*Pass an existing column"):
        cs.SurveyDesign(apistrat, weights="pw", strata="stratum")
    with pytest.raises(DesignError, match="weights column 'wt' is not in the data"):
        cs.SurveyDesign(apistrat, weights="wt")


@pytest.mark.parametrize("bad", [0.0, -1.0, np.nan])
def test_non_positive_or_missing_weight_names_the_row(apistrat, bad):
    df = apistrat.copy()
    df.loc[7, "pw"] = bad
    shown = {0.0: "0", -1.0: "-1"}.get(bad, "nan")
    with pytest.raises(DesignError, match=r"weights column 'pw' must be positive and not missing; 1 row\(s\) "
                                          rf"are not \(index 7, e.g. value {shown}\)\. Fix or drop"):
        cs.SurveyDesign(df, weights="pw", strata="stype")


def test_fpc_smaller_than_sample_names_the_stratum(apistrat):
    df = apistrat.assign(fpc=np.where(apistrat["stype"] == "H", 20, apistrat["fpc"]))
    with pytest.raises(DesignError, match="fpc column 'fpc': stratum H has population size 20 but 50 sampled"):
        cs.SurveyDesign(df, weights="pw", strata="stype", fpc="fpc")


def test_fpc_varying_within_a_stratum_is_refused(apistrat):
    df = apistrat.copy()
    df.loc[0, "fpc"] = df.loc[0, "fpc"] + 1
    with pytest.raises(DesignError, match="fpc column 'fpc' varies within stratum E at stage 1: 4422 at index 0 but 4421 at index 1"):
        cs.SurveyDesign(df, weights="pw", strata="stype", fpc="fpc")


def test_mixed_sizes_and_fractions_are_refused(apistrat):
    df = apistrat.assign(fpc=np.where(apistrat["stype"] == "E", 0.5, apistrat["fpc"]))
    with pytest.raises(DesignError, match="fpc mixes population sizes"):
        cs.SurveyDesign(df, weights="pw", strata="stype", fpc="fpc")


def test_psu_in_two_strata_needs_nest(apistrat):
    df = apistrat.assign(psu=np.arange(len(apistrat)) % 10)
    with pytest.raises(DesignError, match=r"PSU psu=\d+ appears in more than one stratum.*pass nest=True"):
        cs.SurveyDesign(df, weights="pw", strata="stype", psu="psu")
    d = cs.SurveyDesign(df, weights="pw", strata="stype", psu="psu", nest=True)
    assert len(d.stages[0].unit_stratum) == 30 and d.design_df == 27


def test_lonely_psu_fails_by_default_and_names_the_stratum(apiclus1):
    df = apiclus1.assign(s=np.where(apiclus1["dnum"] == apiclus1["dnum"].iloc[0], "lone", "rest"))
    with pytest.raises(LonelyPSUError, match="stratum lone of s has only one PSU at stage 1.*lonely_psu='adjust'"):
        cs.SurveyDesign(df, weights="pw", strata="s", psu="dnum")
    assert cs.SurveyDesign(df, weights="pw", strata="s", psu="dnum", lonely_psu="adjust").mean("api00")["se"].iloc[0] > 0


def test_fpc_per_stage_must_match_psu_stages(apiclus1):
    with pytest.raises(DesignError, match="fpc lists 1 column.*2 stage"):
        cs.SurveyDesign(apiclus1, weights="pw", psu=["dnum", "snum"], fpc="fpc")


def test_unknown_lonely_option(apistrat):
    with pytest.raises(DesignError, match="lonely_psu='drop' is not an option"):
        cs.SurveyDesign(apistrat, strata="stype", lonely_psu="drop")


# -- value semantics and printing -------------------------------------------------------------------------
def test_design_is_immutable_and_evolve_revalidates(apistrat):
    d = cs.SurveyDesign(apistrat, weights="pw", strata="stype", fpc="fpc")
    with pytest.raises(AttributeError, match="immutable"):
        d.lonely_psu = "adjust"
    d2 = d.evolve(weights=d.weights * 2)
    assert d2.stages is d.stages and d2.weights.sum() == pytest.approx(2 * d.weights.sum())
    with pytest.raises(DesignError, match=r"^weights must be positive and not missing; 200 row\(s\) are not "
                                          r"\(index 0, 1, 2, 3, 4 and 195 more.*Fix or drop these rows"):
        d.evolve(weights=-d.weights)


def test_print_shows_what_a_statistician_checks(apiclus1):
    d = cs.SurveyDesign(apiclus1, weights="pw", psu="dnum", fpc="fpc").subset(apiclus1["stype"] == "E")
    text = repr(d)
    for piece in ["1-stage cluster sampling design", "observations: 183", "stage 1 units: 15 (dnum)",
                  "population PSUs (stage 1): 757", "design df:", "subpopulation: 144 of 183 rows"]:
        assert piece in text


def test_print_names_the_design_arguments_probabilities_and_stratum_sizes(apistrat):
    text = repr(cs.SurveyDesign(apistrat, weights="pw", strata="stype", fpc="fpc"))
    assert text.splitlines()[0] == "Stratified independent sampling design"
    assert "  design: weights = pw, strata = stype, fpc = fpc" in text
    assert "sampling probabilities (1/weight): min 0.02262, median 0.03587, max 0.06623" in text
    table = text[text.index("stratum sizes (stype):"):].splitlines()
    assert table[1].split() == ["E", "H", "M"]
    assert table[2].split() == ["obs", "100", "50", "50"]
    assert table[4].split() == ["population", "PSUs", "4421", "755", "1018"]
    unweighted = repr(cs.SurveyDesign(apistrat[["api00"]]))
    assert "design: weights = 1 (unweighted)" in unweighted and "(with replacement)" in unweighted


def test_result_frames_print_every_column_like_r(apistrat):
    d = cs.SurveyDesign(apistrat, weights="pw", strata="stype", fpc="fpc")
    lines = repr(d.mean(["api00", "awards"])).splitlines()
    assert lines[0] == "Design-based mean; 95% intervals: Student's t on the design df"
    assert lines[1].split() == ["estimate", "se", "ci_low", "ci_high", "deff", "df", "cv"]
    # 4 significant digits of each column's smallest value, df as an integer, nothing elided
    assert lines[2].split() == ["api00", "662.2874", "9.40894", "643.7322", "680.8425", "1.166", "197", "0.01421"]
    assert "..." not in "\n".join(lines)
    assert repr(d.proportion("awards")).startswith("Design-based proportion; 95% logit intervals")
    assert "NA" in repr(d.quantile("api00", 0.5)).splitlines()[2]  # quantiles have no deff
    assert type(d.mean("api00")[["estimate"]]) is pd.DataFrame  # derived frames are plain


def test_by_a_categorical_gives_level_by_category_rows(apistrat):
    """Regression: each domain's vcov in attrs made pandas fail to concatenate multi-row domain frames."""
    d = cs.SurveyDesign(apistrat, weights="pw", strata="stype", fpc="fpc")
    res = d.proportion("awards", by="stype")
    assert list(res.index) == [(s, f"awards{a}") for s in "EHM" for a in ("No", "Yes")]
    sub = d.subset("stype == 'H'").proportion("awards")
    np.testing.assert_allclose(res.loc["H"][["estimate", "se", "ci_low"]], sub[["estimate", "se", "ci_low"]],
                               rtol=1e-12)
    assert res.attrs["by"] == ["stype"] and "by stype" in repr(res).splitlines()[0]


def test_chisq_prints_like_rs_htest(apiclus1):
    d = cs.SurveyDesign(apiclus1, weights="pw", psu="dnum", fpc="fpc")
    assert repr(d.chisq("sch_wide", "stype")).splitlines() == [
        "Pearson's X^2: Rao & Scott adjustment (second-order, F)", "", "data:  sch_wide by stype",
        "F = 5.1934, ndf = 1.4946, ddf = 20.9250, p-value = 0.02175"]


def test_row_order_does_not_change_the_variance(apiclus1):
    """Rows sorted by PSU take the running-sum path, shuffled rows the bincount path: same covariance."""
    df = apiclus1.sort_values(["dnum", "snum"]).reset_index(drop=True)
    shuffled = df.sample(frac=1, random_state=3).reset_index(drop=True)
    a = cs.SurveyDesign(df, weights="pw", psu="dnum", fpc="fpc")
    b = cs.SurveyDesign(shuffled, weights="pw", psu="dnum", fpc="fpc")
    assert a.stages[0].starts is not None and b.stages[0].starts is None
    ra, rb = a.mean(["api00", "enroll", "stype"]), b.mean(["api00", "enroll", "stype"])
    np.testing.assert_allclose(rb.attrs["vcov"], ra.attrs["vcov"], rtol=1e-12)
    np.testing.assert_allclose(rb["estimate"], ra["estimate"], rtol=1e-13)


def test_replicate_variance_is_the_design_replicates_svrvar(apistrat):
    """One svrVar: estimates combine replicates by ReplicateWeights.covariance, whose centre is the mean of
    the replicates with positive rscale, as R's svrVar (a zero rscale must not move the centre)."""
    import importlib

    wr = importlib.import_module("careersurvey.estimation.weighting.replicate")
    d = cs.SurveyDesign(apistrat, weights="pw", strata="stype", fpc="fpc")
    rng = np.random.default_rng(1)
    mult = rng.uniform(0.5, 1.5, size=(len(apistrat), 6))
    rscales = np.array([1.0, 1.0, 0.0, 1.0, 2.0, 1.0])
    reps = wr.ReplicateWeights(mult * d.w[:, None], scale=0.3, rscales=rscales)
    res = d.evolve(replicates=reps).mean("api00")
    y = apistrat["api00"].to_numpy(float)
    thetas = (y @ reps.weights) / reps.weights.sum(axis=0)
    centre = thetas[rscales > 0].mean()
    assert res["se"].iloc[0] == pytest.approx(np.sqrt(0.3 * np.sum(rscales * (thetas - centre) ** 2)), rel=1e-12)


def test_quantile_with_missing_values_is_na_unless_na_rm(apistrat):
    df = apistrat.assign(api00=apistrat["api00"].astype(float).where(apistrat.index != 5))
    d = cs.SurveyDesign(df, weights="pw", strata="stype", fpc="fpc")
    assert d.quantile("api00", [0.25, 0.5])[["estimate", "se", "ci_low", "ci_high"]].isna().all().all()
    kept = d.quantile("api00", [0.25, 0.5], na_rm=True)
    dom = d.subset(df["api00"].notna()).quantile("api00", [0.25, 0.5])
    cols = ["estimate", "se", "ci_low", "ci_high"]
    np.testing.assert_allclose(kept[cols], dom[cols])
    assert list(kept.index) == ["api00.0.25", "api00.0.5"]


def test_the_design_cannot_be_changed_through_its_data_or_weights(apistrat):
    df = apistrat.copy()
    d = cs.SurveyDesign(df, weights="pw", strata="stype", fpc="fpc")
    before = d.mean("api00")
    df.loc[0, "api00"] = 10_000          # the caller's frame
    handed_out = d.data
    handed_out.loc[1, "api00"] = 10_000  # a frame handed out by the design
    with pytest.raises(ValueError, match="read-only"):
        d.w[0] = 1.0
    with pytest.raises(ValueError, match="read-only"):
        d.stages[0].unit[0] = 3
    pd.testing.assert_frame_equal(d.mean("api00"), before)


def test_estimate_errors_say_what_is_wrong_and_what_to_do(apistrat):
    d = cs.SurveyDesign(apistrat[["pw", "stype", "api00", "awards"]], weights="pw", strata="stype")
    with pytest.raises(cs.EstimateError) as err:
        d.mean("api99")
    assert str(err.value) == ("variable 'api99' is not in the design's data; check the name (columns: pw, stype, "
                              "api00, awards).")
    with pytest.raises(cs.EstimateError, match="^by variable 'sector' is not in the design's data"):
        d.mean("api00", by="sector")
    with pytest.raises(cs.EstimateError, match="^chisq\\(\\) variable 'x' is not in the design's data"):
        d.chisq("awards", "x")
    with pytest.raises(cs.EstimateError, match="'awards' is categorical. Use mean\\(\\) or proportion\\(\\)"):
        d.quantile("awards")
    with pytest.raises(cs.EstimateError, match="'awards' is categorical. For the share of a level use mean"):
        d.ratio("awards", "api00")
    with pytest.raises(cs.EstimateError, match="need at least two observed levels each \\(have 1 and 2"):
        d.subset("stype == 'E'").chisq("stype", "awards")
