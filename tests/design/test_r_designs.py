"""R survey cases for the design and weighting features of issue 14 (tests/fixtures/r-survey-designs/:
spec.json -> run_cases.R -> cases.json, R 4.2.2 with survey 4.1.1), each compared to 1e-6 relative.

deff on an SRS-without-replacement base (R's ``deff = TRUE``) beside the with-replacement one; PPS designs
without replacement (R's ``svydesign(pps=)``: Brewer, Overton, Hartley-Rao, joint probabilities; HT and YG).
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
import pytest
from rcases import load_cases, load_data, r_totals

import careersurvey as cs

FOLDER = "r-survey-designs"
DEFF = {"replace": "replace", True: "srswor", None: "replace"}


def close(actual, expected, rel: float = 1e-6) -> None:
    """Relative agreement; JSON nulls (R's NA/NaN) must be NaN here."""
    expected = np.array([np.nan if e is None else e for e in np.ravel(expected)], dtype=float)
    actual = np.asarray(actual, dtype=float).reshape(-1)
    np.testing.assert_allclose(actual, expected, rtol=rel, atol=1e-12 * np.nanmax(np.abs(expected), initial=1))


def build(case: dict) -> cs.SurveyDesign:
    """The case's design as R built it: svydesign, replicate weights, weighting steps in order, the domain."""
    folder, name = case["data"].split("/")
    df = load_data(folder, name)
    de = {**case["design"], **case.get("ours", {})}  # "ours": the same design as our API says it
    op = case.get("options", {})
    d = cs.SurveyDesign(df, weights=de.get("weights"), probs=de.get("probs"), strata=de.get("strata"), psu=de.get("psu"),
                        fpc=de.get("fpc"), pps=pps_method(de.get("pps")), pps_variance=de.get("variance", "HT"),
                        with_replacement=de.get("with_replacement", False), lonely_psu=op.get("lonely_psu", "fail"),
                        adjust_domain_lonely=op.get("adjust_domain_lonely", False),
                        ultimate_cluster=op.get("ultimate_cluster", False))
    if case.get("replicate"):
        d = d.replicate(case["replicate"]["type"])
    for step in case.get("weighting", []):
        if "poststratify" in step:
            ps = step["poststratify"]
            d = d.poststratify(ps["variable"], ps["totals"], **({"partial": True} if ps.get("partial") else {}))
        if "calibrate" in step:
            cl = step["calibrate"]
            kw = {k: (tuple(v) if isinstance(v, list) else v) for k, v in cl.items()
                  if k in ("bounds", "trim", "variance", "aggregate_stage")}
            totals = r_totals(df, cl["formula"], cl["population"])
            if all(not isinstance(v, dict) for v in totals.values()):  # numeric totals only: the intercept's
                kw["population_total"] = cl["population"]["(Intercept)"]
            d = d.calibrate(totals, method=cl["calfun"], tol=1e-12, max_iter=200, **kw)
        if "trim" in step:
            tr = step["trim"]
            d = d.trim(lower=tr.get("lower"), upper=tr.get("upper"), strict=tr["strict"])
    if case.get("subset"):
        d = d.subset(case["subset"])
    return d


def pps_method(pps):
    """The case's pps= as our API takes it: "brewer", "overton", cs.hartley_rao(psum), cs.joint_probabilities."""
    if pps is None or isinstance(pps, str):
        return pps
    if "hartley_rao" in pps:
        return cs.hartley_rao(pps["hartley_rao"]["psum"])
    folder, name = pps["joint"].split("/")
    return cs.joint_probabilities(load_data(folder, name).to_numpy())


def _cases(*prefixes: str) -> list:
    """The cases whose id starts with one of ``prefixes``; calibrated PPS designs ("pps-cal-") only when asked."""
    def wanted(i: str) -> bool:
        return i.startswith(prefixes) and (not i.startswith("pps-cal-") or "pps-cal-" in prefixes)

    return [pytest.param(c, id=c["id"]) for c in load_cases(FOLDER) if wanted(c["id"])]


def estimate(d: cs.SurveyDesign, est: dict, **kw):
    kind = est["type"].removeprefix("by_")
    if "by" in est:
        kw["by"] = est["by"]
    if kind == "ratio":
        return d.ratio(est["variable"], est["denominator"], na_rm=bool(est.get("na_rm")), **kw)
    return getattr(d, kind)(est["variable"], na_rm=bool(est.get("na_rm")), **kw)


@pytest.mark.parametrize("case", _cases("deff-"))
def test_deff_matches_r(case: dict) -> None:
    """deff="replace" (R's deff = "replace") and deff="srswor" (R's deff = TRUE: the SRS variance times
    (N - n)/N, N the sum of the weights of the estimate's rows), for mean, total, ratio and by, on
    linearised, post-stratified and replicate designs and a domain."""
    est, exp = case["estimate"], case["expected"]
    d = build(case)
    res = estimate(d, est, deff=DEFF[est.get("deff")])
    close(res["estimate"], exp["estimate"])
    close(res["se"], exp["se"])
    close(res["deff"], exp["deff"])
    if "by" not in est and not est.get("na_rm"):  # R's degf of the whole design
        assert (res["df"] == exp["design_df"]).all()


def test_srswor_deff_differs_from_replace_by_the_sampling_fraction() -> None:
    """The two bases differ by N/(N - n) per domain, so on apistrat (N = 6194, n = 200) by about 3%."""
    d = cs.SurveyDesign(load_data("r-survey", "apistrat.csv"), weights="pw", strata="stype", fpc="fpc")
    wr, wor = d.mean("api00", by="stype"), d.mean("api00", by="stype", deff="srswor")
    n = d.data.groupby("stype").size().to_numpy()
    N = d.data.groupby("stype")["pw"].sum().to_numpy()
    np.testing.assert_allclose(wor["deff"].to_numpy(), wr["deff"].to_numpy() * N / (N - n), rtol=1e-12)
    with pytest.raises(ValueError, match="deff='wor' is not a base; use 'replace'"):
        d.mean("api00", deff="wor")


@pytest.mark.parametrize("case", _cases("pps-", "lonely-", "wr-", "ultimate-"))
def test_design_matches_r(case: dict) -> None:
    """Estimates, SEs (and deff where asked) and degf of mean, total, ratio, by and glm: svydesign(pps=) on R's
    election example and on our stratified (Tille) and two-stage (Brewer) samples; survey.adjust.domain.lonely
    under each lonely-PSU rule; with-replacement and ultimate-cluster designs."""
    est, exp = case["estimate"], case["expected"]
    d = build(case)
    if est["type"] == "glm":
        fit = d.glm(est["formula"], family=est["family"])
        close(fit.params, exp["coef"])
        close(fit.bse, exp["se"])
    else:
        res = estimate(d, est, deff=DEFF[est.get("deff")])
        close(res["estimate"], exp["estimate"])
        close(res["se"], exp["se"])
        if exp.get("deff") is not None:
            close(res["deff"], exp["deff"])
        if "levels" in exp:
            assert [str(v) for v in res.index] == exp["levels"]
    assert d.design_df == exp["design_df"]


def test_pps_designs_agree_where_theory_says() -> None:
    """For a mean (influence values summing to 0) Overton's HT form equals Brewer's, and Hartley-Rao's YG form
    with the sample's mean pi equals Brewer's for every estimate, as R's numbers show; YG and HT differ."""
    df = load_data("r-survey-designs", "election_pps.csv")
    make = lambda pps, v="HT": cs.SurveyDesign(df, fpc="p", pps=pps, pps_variance=v)  # noqa: E731
    br, ov, hr_yg = make("brewer"), make("overton"), make(cs.hartley_rao(), "YG")
    np.testing.assert_allclose(ov.mean("Bush")["se"], br.mean("Bush")["se"], rtol=1e-12)
    np.testing.assert_allclose(hr_yg.total("Bush")["se"], br.total("Bush")["se"], rtol=1e-12)
    assert abs(ov.total("Bush")["se"].iloc[0] / br.total("Bush")["se"].iloc[0] - 1) > 0.01
    assert "PPS without replacement (Overton's approximation, HT)" in repr(ov)
    assert "weights = 1/pi from the fpc (inclusion probabilities)" in repr(ov)
    np.testing.assert_allclose(br.w, 1 / df["p"], rtol=1e-15)  # weights 1/pi from the fpc


@pytest.mark.parametrize("form", ["HT", "YG"])
def test_overton_without_a_matrix_equals_rs_matrix(form) -> None:
    """Overton's form from per-stratum sums equals the quadratic form with R's D matrix (overton2Dcheck), with
    several columns, a PSU of pi = 1, a one-PSU stratum and unequal stratum sizes."""
    from careersurvey.estimation.pps import PPSVariance, dcheck

    rng = np.random.default_rng(3)
    h = np.repeat(np.arange(4), [7, 1, 12, 30])
    p = rng.uniform(0.05, 0.9, len(h))
    p[3] = 1.0
    T = rng.normal(size=(len(h), 3)) * 100
    dense = PPSVariance(dcheck("overton", p, h), form)(T)
    np.testing.assert_allclose(PPSVariance(None, form, prob=p, stratum=h)(T), dense, rtol=1e-12, atol=1e-9)


def test_overton_needs_no_matrix_and_hartley_rao_says_when_its_is_too_big(monkeypatch) -> None:
    """200,000 PSUs in one stratum: Overton in well under a second (a D matrix would hold 4e10 pairs); Hartley-Rao
    beyond its limit is refused with the way out."""
    import time

    from careersurvey.estimation import pps

    rng = np.random.default_rng(5)
    n = 200_000
    df = pd.DataFrame({"y": rng.normal(size=n), "p": rng.uniform(0.001, 0.01, n)})
    t0 = time.perf_counter()
    se = cs.SurveyDesign(df, fpc="p", pps="overton").mean("y")["se"].iloc[0]
    assert time.perf_counter() - t0 < 5 and np.isfinite(se)
    monkeypatch.setattr(pps, "MAX_PAIRS", 1000)
    with pytest.raises(cs.DesignError, match="Hartley-Rao approximation needs a matrix of 1,600 pairs of PSUs "
                                             "within strata \\(at most 1,000\\); use pps='overton' or 'brewer'"):
        cs.SurveyDesign(load_data("r-survey-designs", "election_pps.csv"), fpc="p", pps=cs.hartley_rao())


def test_joint_probabilities_by_psu_label_equal_by_order() -> None:
    """A DataFrame of joint probabilities labelled by PSU ids may come in any order."""
    df = load_data("r-survey-designs", "election_pps.csv")
    pij = load_data("r-survey-designs", "election_jointprob.csv").to_numpy()
    labelled = pd.DataFrame(pij, index=df["County"], columns=df["County"]).iloc[::-1, ::-1]
    a = cs.SurveyDesign(df, psu="County", fpc="p", pps=cs.joint_probabilities(pij))
    b = cs.SurveyDesign(df, psu="County", fpc="p", pps=cs.joint_probabilities(labelled))
    np.testing.assert_allclose(a.total("Kerry")["se"], b.total("Kerry")["se"], rtol=1e-12)


@pytest.mark.parametrize("kwargs, message", [
    ({"fpc": None, "pps": "brewer"}, "pps='brewer' needs each PSU's inclusion probability: give fpc"),
    ({"fpc": "TotPrecincts", "pps": "brewer"}, "in a PPS design the fpc is each PSU's inclusion probability"),
    ({"fpc": "p", "pps": "tille"}, "pps='tille' is not a method; use 'brewer', 'overton'"),
    ({"fpc": "p", "pps": "brewer", "pps_variance": "YG"}, "pps='brewer' has only the Horvitz-Thompson form"),
    ({"fpc": "p", "pps": "overton", "pps_variance": "SYG"}, "pps_variance='SYG': use 'HT'"),
    ({"fpc": "p", "pps": cs.joint_probabilities(np.eye(3))}, "square matrix over the 40 PSUs (got shape (3, 3))"),
    ({"fpc": "p", "pps": cs.hartley_rao("nope")}, "hartley_rao(psum='nope'): no such column"),
])
def test_pps_errors_say_what_to_do(kwargs, message) -> None:
    df = load_data("r-survey-designs", "election_pps.csv")
    with pytest.raises(cs.DesignError, match=re.escape(message)):
        cs.SurveyDesign(df, **kwargs)


def test_pps_design_refuses_replicate_weights() -> None:
    d = cs.SurveyDesign(load_data("r-survey-designs", "election_pps.csv"), fpc="p", pps="overton")
    with pytest.raises(ValueError, match="replicate weights for a PPS design"):
        d.replicate("JK1")


def test_pps_fpc_must_be_constant_within_a_psu() -> None:
    df = load_data("r-survey-designs", "pps2stage.csv")
    df.loc[1, "p1"] = 0.5
    with pytest.raises(cs.DesignError, match="fpc column 'p1' varies within unit 77 at stage 1"):
        cs.SurveyDesign(df, psu=["dnum", "snum"], fpc=["p1", "p2"], pps="brewer")
    with pytest.raises(cs.DesignError, match="Overton's approximation is for one stage; with 2 stages"):
        cs.SurveyDesign(load_data("r-survey-designs", "pps2stage.csv"), psu=["dnum", "snum"], fpc=["p1", "p2"],
                        pps="overton")


@pytest.mark.parametrize("case", _cases("weight-", "pps-cal-"))
def test_weighting_options_match_r(case: dict) -> None:
    """calibrate(aggregate_stage=, variance=, trim=), poststratify(partial=True), trim(strict=False): weights,
    and estimates with SEs through the recorded step, on designs whose weights vary within the cells."""
    est, exp = case["estimate"], case["expected"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # partial=True warns about the cells it leaves out (tested below)
        d = build(case)
    if est["type"] == "weights":
        close(d.w, exp["weights"], 1e-9)
    elif est["type"] == "glm":
        fit = d.glm(est["formula"], family=est["family"])
        close(fit.params, exp["coef"])
        close(fit.bse, exp["se"])
    else:
        res = estimate(d, est)
        close(res["estimate"], exp["estimate"])
        if not case["id"].startswith("pps-cal-overton"):  # R's ppsvar leaves the calibration out: see below
            close(res["se"], exp["se"])
        if case.get("replicate") and "by" not in est:  # R's degf: regcalibrate recomputes it, grake keeps it
            assert (res["df"] == exp["design_df"]).all()


def test_calibrated_pps_design_takes_the_calibration_into_its_variance() -> None:
    """R's ppsvar computes calibration residuals into a variable it never reads, so R's SE of the calibrated
    total of votes on an Overton design is 9,464,017, not 0; ours is 0 (to rounding), as on a Brewer design, where
    R's ordinary engine gives 0 too. With an intercept among the calibration variables the residuals sum to 0,
    so Overton's form equals Brewer's: ours gives R's Brewer SE."""
    case = next(c for c in load_cases(FOLDER) if c["id"] == "pps-cal-overton-total")
    d = build(case)
    assert d.total("votes")["se"].iloc[0] < 1e-6 * 116199105
    assert d.total("Bush")["se"].iloc[0] != pytest.approx(case["expected"]["se"][0], rel=1e-3)
    brewer = next(c for c in load_cases(FOLDER) if c["id"] == "pps-cal-brewer-total")
    close(d.total("Bush")["se"], brewer["expected"]["se"])


def test_partial_poststratification_warns_and_refuses_without() -> None:
    d = cs.SurveyDesign(load_data("r-survey", "apistrat.csv"), weights="pw", strata="stype", fpc="fpc")
    totals = {"No": 2000, "Yes": 4000, "Maybe": 194}
    with pytest.raises(ValueError, match=r"levels \['Maybe'\] have a population total but no sample rows"):
        d.poststratify("awards", totals)
    with pytest.warns(UserWarning, match="cells Maybe have a population total \\(194 in all\\) but no sample row"):
        p = d.poststratify("awards", totals, partial=True)
    assert abs(p.w.sum() - 6000) < 1e-9


def test_loose_trimming_is_one_round_and_may_leave_weights_outside() -> None:
    d = cs.SurveyDesign(load_data("r-survey", "apiclus2.csv"), weights="pw", psu=["dnum", "snum"],
                        fpc=["fpc1", "fpc2"])
    loose, strict = d.trim(20, 90, strict=False), d.trim(20, 90)
    assert loose.w.max() > 90 >= strict.w.max()
    np.testing.assert_allclose([loose.w.sum(), strict.w.sum()], d.w.sum(), rtol=1e-12)
    assert "once, not strict" in loose.summary()


def test_a_variance_column_holding_a_missing_code_is_refused() -> None:
    """A declared missing code (-9) in the variance column is never a number in the calibration."""
    df = load_data("r-survey", "apistrat.csv")
    df.loc[df.index[:3], "api99"] = -9
    d = cs.SurveyDesign(df, weights="pw", strata="stype", fpc="fpc", missing_codes=(-6, -7, -8, -9))
    with pytest.raises(cs.MissingCodeError, match="variance column 'api99' holds the missing codes -9 \\(3 rows\\)"):
        d.calibrate({"stype": {"E": 4421, "H": 755, "M": 1018}}, variance="api99")


def test_calibration_options_refuse_what_they_cannot_do() -> None:
    d = cs.SurveyDesign(load_data("r-survey", "apiclus2.csv"), weights="pw", psu=["dnum", "snum"],
                        fpc=["fpc1", "fpc2"])
    t = {"stype": {"E": 4421, "H": 755, "M": 1018}}
    with pytest.raises(ValueError, match="aggregate_stage=3: the design has 2 stage"):
        d.calibrate(t, aggregate_stage=3)
    with pytest.raises(ValueError, match="variance column 'enroll' must be positive numbers; 6 row"):
        d.calibrate(t, variance="enroll")
    with pytest.raises(ValueError, match="trim \\(1.1, 2\\) must hold g = 1"):
        d.calibrate(t, trim=(1.1, 2))
    with pytest.warns(UserWarning, match="first-stage units only"):
        rep = d.replicate("JK1")
    with pytest.raises(ValueError, match="aggregate_stage= is for designs with stages"):
        rep.calibrate(t, aggregate_stage=1)


def test_the_cases_load() -> None:
    assert len(_cases("deff-")) == 40
    assert len(_cases("pps-")) == 96 and len(_cases("pps-cal-")) == 6
    assert [len(_cases(k)) for k in ("lonely-", "wr-", "ultimate-")] == [45, 9, 5]
    assert len(_cases("weight-")) == 92


def test_adjust_domain_lonely_changes_only_adjust_and_average() -> None:
    """The option moves a domain's SE under "adjust" and "average" only, and never the whole sample's."""
    df = load_data("r-survey-designs", "lonely_domains.csv")
    for rule, moves in [("adjust", True), ("average", True), ("remove", False), ("certainty", False)]:
        off = cs.SurveyDesign(df, weights="wt", strata="stratum", psu="psu", fpc="fpc", lonely_psu=rule)
        on = off.evolve(adjust_domain_lonely=True)
        assert on.adjust_domain_lonely and not off.adjust_domain_lonely
        np.testing.assert_allclose(on.mean("y")["se"], off.mean("y")["se"], rtol=1e-14)
        a, b = off.subset("grp == 'a'").mean("y")["se"].iloc[0], on.subset("grp == 'a'").mean("y")["se"].iloc[0]
        assert (abs(a / b - 1) > 1e-3) == moves, rule


def test_probs_are_weights_one_over_their_product() -> None:
    df = load_data("r-survey-designs", "pps2stage.csv")
    d = cs.SurveyDesign(df, psu=["dnum", "snum"], probs=["p1", "p2"])
    np.testing.assert_allclose(d.w, 1 / (df["p1"] * df["p2"]), rtol=1e-15)
    with pytest.raises(cs.DesignError, match="give weights or probs, not both"):
        cs.SurveyDesign(df, weights="p1", probs="p2")
    with pytest.raises(cs.DesignError, match="probs column\\(s\\) 'p3' not in the data"):
        cs.SurveyDesign(df, probs=["p1", "p3"])


def test_with_replacement_keeps_weights_from_the_fpc_and_drops_it_from_the_variance() -> None:
    df = load_data("r-survey", "apistrat.csv")
    wor = cs.SurveyDesign(df, strata="stype", fpc="fpc")
    wr = wor.evolve(with_replacement=True)
    np.testing.assert_allclose(wr.w, wor.w, rtol=1e-15)
    f = 1 - 200 / 6194  # not exact per stratum, but the SE must grow
    assert wr.mean("api00")["se"].iloc[0] > wor.mean("api00")["se"].iloc[0] * np.sqrt(1 / (f + 0.01))
    assert "(with replacement)" in repr(wr) and "(with replacement)" not in repr(wor)
    assert wr.replicate("JKn").total("enroll")["se"].iloc[0] > wor.replicate("JKn").total("enroll")["se"].iloc[0]
    with pytest.raises(cs.DesignError, match="describes sampling without replacement"):
        cs.SurveyDesign(load_data("r-survey-designs", "election_pps.csv"), fpc="p", pps="brewer",
                        with_replacement=True)
