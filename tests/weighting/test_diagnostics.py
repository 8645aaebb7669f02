"""Weight diagnostics: Kish's design effect and effective n by their formulas, margins vs targets."""

from __future__ import annotations

import numpy as np
import pytest

import careersurvey as cs
import weighting_rcases as rc
from careersurvey.estimation.weighting.diagnostics import weight_stats


def test_kish_deff_and_effective_n() -> None:
    w = np.array([1.0, 1.0, 2.0, 4.0, 0.0])
    s = weight_stats(w)
    assert s["n"] == 5 and s["n_positive"] == 4
    assert s["deff_kish"] == pytest.approx(4 * 22 / 64)
    assert s["n_effective"] == pytest.approx(64 / 22)
    assert s["ratio_max_min"] == 4 and s["min"] == 1 and s["max"] == 4
    eq = weight_stats(np.full(10, 3.0))
    assert eq["deff_kish"] == pytest.approx(1.0) and eq["n_effective"] == pytest.approx(10.0)


def test_summary_after_raking_shows_margins_and_history() -> None:
    d = rc.dclus1()
    margins = {"stype": {"E": 4421, "H": 755, "M": 1018}, "sch_wide": {"No": 1072, "Yes": 5122}}
    raked = d.rake(margins)
    trimmed = raked.trim(upper=45)
    s = trimmed.weight_summary()
    assert isinstance(s, cs.WeightSummary)
    cycles = raked.adjustments[0].iterations
    assert cycles > 1
    assert s.history == (f"raked on stype, sch_wide ({cycles} iterations)",
                         "trimmed to at most 45 (22 weights changed, the total kept)")
    assert list(s.margins.index) == [("stype", "E"), ("stype", "H"), ("stype", "M"), ("sch_wide", "No"),
                                     ("sch_wide", "Yes")]
    assert s.margins["target"].tolist() == [4421, 755, 1018, 1072, 5122]
    assert s.stats["max"] <= 45 + 1e-9
    assert int((raked.w > 45).sum()) == 22  # the count the history reports, derived from the raked weights
    # achieved margins are the weighted counts of the trimmed weights, computed here by groupby
    data = trimmed.data.assign(w=trimmed.w)
    achieved = [data.groupby(v, observed=True)["w"].sum()[level] for v, level in s.margins.index]
    np.testing.assert_allclose(s.margins["achieved"], achieved, rtol=1e-12)
    np.testing.assert_allclose(s.margins["difference"], s.margins["achieved"] - s.margins["target"], rtol=1e-12)
    np.testing.assert_allclose(s.margins["relative"], s.margins["difference"] / s.margins["target"], rtol=1e-12)
    w = trimmed.w
    assert s.stats["sum"] == pytest.approx(w.sum()) and s.stats["n_effective"] == pytest.approx(w.sum() ** 2 / (w**2).sum())
    assert s.stats["deff_kish"] == pytest.approx(len(w) * (w**2).sum() / w.sum() ** 2)
    text = s.as_text()
    assert (f"Kish deff {s.deff_kish:.2f} and effective n {s.n_effective:,.0f} over all {len(w)} respondents" in text
            and "Margins (weighted total vs target)" in text)
    before = d.weight_summary()
    assert before.deff_kish == pytest.approx(1.0) and len(before.margins) == 0


def test_every_step_is_printed_in_words_not_class_names() -> None:
    """Issue 12: design printouts said 'weighting steps: CalibrationStep, TrimStep'; each step now says what it
    did, in the design's printout and in weight_summary alike."""
    d = rc.dclus1()
    stype = {"E": 4421, "H": 755, "M": 1018}
    cal = d.calibrate({"stype": stype, "api99": 3914069}, method="logit", bounds=(0.5, 2.5))
    post = d.poststratify(["stype", "sch_wide"], {("E", "No"): 600, ("E", "Yes"): 3821, ("H", "No"): 200,
                                                  ("H", "Yes"): 555, ("M", "No"): 272, ("M", "Yes"): 746})
    scoped = d.rake({"stype": {"E": 4421, "M": 1018}}, scope="stype != 'H'")
    nr = d.evolve(weights="pw").adjust_nonresponse(d.data["snum"] % 5 != 0, classes="stype")
    words = {
        cal: f"calibrated on stype, the total of api99 (logit distance, g within [0.5, 2.5], "
             f"{cal.adjustments[0].iterations} iterations)",
        post.trim(lower=20, upper=45): "trimmed to [20, 45] ({} weights changed, the total kept)",
        scoped: f"raked on stype ({scoped.adjustments[0].iterations} iteration"
                f"{'' if scoped.adjustments[0].iterations == 1 else 's'}); only the {int((d.data['stype'] != 'H').sum())} "
                f"of 183 rows in scope, the others kept their weights",
        nr: "adjusted for nonresponse within the 3 classes of stype (nonrespondents leave the design)",
        d.calibrate({"stype": stype}): "calibrated on stype (linear distance)",
    }
    for design, text in words.items():
        step = design.adjustments[-1]
        text = text.format(getattr(step, "n_trimmed", ""))
        assert design.weight_summary().history[-1] == text
        printed = str(design)
        assert f"  weighting:\n" in printed and f"\n    {text}" in printed
        assert "Step" not in printed
    assert str(post).endswith("weighting:\n    post-stratified on stype x sch_wide")
    assert "  design: weights = pw, then the weighting below, psu = dnum" in str(post.trim(upper=60))


def test_kish_deff_states_the_respondents_it_is_taken_over() -> None:
    """Issue 12: Kish deff and effective n always say their base: the rows in scope of the last weighting step
    and all respondents (or the domain), each computed here from the weights by hand."""
    d = rc.dclus1()
    inside = (d.data["stype"] != "H").to_numpy()
    raked = d.rake({"stype": {"E": 4421, "M": 1018}}, scope=inside)
    s = raked.weight_summary()

    def kish(w):
        return len(w), len(w) * (w**2).sum() / w.sum() ** 2, w.sum() ** 2 / (w**2).sum()

    assert list(s.kish.index) == ["in scope", "all respondents"]
    for base, w in (("in scope", raked.w[inside]), ("all respondents", raked.w)):
        n, deff, neff = kish(w)
        assert s.kish.loc[base, "respondents"] == n
        assert s.kish.loc[base, "Kish deff"] == pytest.approx(deff, rel=1e-12)
        assert s.kish.loc[base, "effective n"] == pytest.approx(neff, rel=1e-12)
    n_in, deff_in, neff_in = kish(raked.w[inside])
    n_all, deff_all, neff_all = kish(raked.w)
    assert s.kish_text() == (f"Kish deff {deff_in:.2f} and effective n {neff_in:,.0f} over the {n_in} respondents "
                             f"in scope; Kish deff {deff_all:.2f} and effective n {neff_all:,.0f} over all {n_all} "
                             "respondents")
    assert s.kish_text() in s.as_text() and "deff_kish" not in s.as_text()
    assert d.weight_summary().kish_rows() == [("all respondents", "183", f"{kish(d.w)[1]:.2f}", "183")]
    dom = d.subset(inside).weight_summary()  # a domain: the positive weights are the domain's only
    assert dom.kish_rows()[0][:2] == ("in the domain", f"{int(inside.sum())}")
