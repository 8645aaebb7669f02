"""Every way weighting can fail says what is wrong, where, and what to do (messages asserted in full)."""

from __future__ import annotations

import re

import numpy as np
import pytest

import careersurvey as cs
import weighting_rcases as rc

MARGINS = {"stype": {"E": 4421, "H": 755, "M": 1018}, "sch_wide": {"No": 1072, "Yes": 5122}}


@pytest.fixture(scope="module")
def d():
    return rc.dclus1()


def _raises(fn, message: str) -> None:
    with pytest.raises(cs.WeightingError) as info:
        fn()
    assert str(info.value) == message


def test_margins_that_disagree(d) -> None:
    _raises(lambda: d.rake({**MARGINS, "sch_wide": {"No": 1072, "Yes": 5000}}),
            "targets disagree: stype sums to 6,194 but margin 'sch_wide' sums to 6,072 (difference -122). "
            "Every margin must describe the same population: rescale one of them or correct the figures")


def test_sample_level_without_target(d) -> None:
    """The rows of the level without a target are named by the index, or by the ids the design names."""
    shown = "rows: index " + ", ".join(map(str, np.flatnonzero(d.data["stype"] == "M")[:5]))
    for design in (d, d.evolve(ids="snum")):
        _raises(lambda: design.rake({"stype": {"E": 4421, "H": 755}, "sch_wide": MARGINS["sch_wide"]}),
                f"margin 'stype': sample levels M (25 {shown} and 20 more) have no target; targets exist for E, H. "
                "Add their totals, or collapse them into a target level first (Targets.add_margin_columns does "
                "this for YAML targets)")
        shown = "rows: snum " + ", ".join(map(str, d.data.loc[d.data["stype"] == "M", "snum"][:5]))


def test_target_level_absent_from_sample(d) -> None:
    _raises(lambda: d.rake({"stype": {"E": 4421, "H": 755, "M": 918, "X": 100}, "sch_wide": MARGINS["sch_wide"]}),
            "margin 'stype': levels ['X'] have a population total but no sample rows with positive weight, so no "
            "weights can reach it. Collapse them with a neighbouring level (and add their totals to it) or drop "
            "them from the targets")


def test_zero_target_for_absent_level_is_fine(d) -> None:
    d2 = d.rake({"stype": {**MARGINS["stype"], "X": 0}, "sch_wide": MARGINS["sch_wide"]})
    np.testing.assert_allclose(d2.w, d.rake(MARGINS).w, rtol=1e-12)


def test_bounds_that_cannot_be_met(d) -> None:
    _raises(lambda: d.calibrate(MARGINS, method="raking", bounds=(0.9, 1.1)),
            "bounds (0.9, 1.1) cannot be met: stype=H has target 755 but initial weighted total 473.858, so even "
            "moving every weight of that group to a bound reaches only [426.472, 521.244] (it needs g around "
            "1.59). Widen the bounds or collapse levels")


@pytest.mark.parametrize("bounds,message", [
    ((1.2, 2.0), "bounds (1.2, 2.0) exclude g = 1 (leaving a weight unchanged); bounds are ratios of calibrated "
                 "to initial weights, so they must satisfy lower <= 1 <= upper, e.g. (0.5, 2)"),
    ((2.0, 0.5), "bounds (2.0, 0.5): lower must be below upper"),
    (None, "logit calibration needs finite bounds, e.g. bounds=(0.5, 2.0)"),
])
def test_impossible_bounds(d, bounds, message) -> None:
    _raises(lambda: d.calibrate(MARGINS, method="logit", bounds=bounds), message)


def test_non_convergence_says_how_far_off(d) -> None:
    _raises(lambda: d.rake(MARGINS, max_iter=2),
            "raking did not converge after 2 iterations (max_iter=2): stype=M reached 1,022.2829 against target "
            "1,018 (relative misfit 0.00421). Margins with empty or tiny cross-cells converge slowly or not at "
            "all: collapse levels or raise max_iter")
    with pytest.raises(cs.WeightingError, match=re.escape(
            "logit calibration did not converge after 3 iterations (max_iter=3): stype=E reached 4,446.6534 "
            "against target 4,421 (relative misfit 0.0058); the bounds may be too tight")):
        d.calibrate({**MARGINS, "api99": 3914069}, method="logit", bounds=(0.7, 1.7), max_iter=3)


def test_missing_values_in_a_margin(d) -> None:
    data = d.data.copy()
    data.loc[[3, 9], "stype"] = None
    d2 = cs.SurveyDesign(data, weights="pw", psu="dnum", fpc="fpc")
    _raises(lambda: d2.rake(MARGINS),
            "margin 'stype': column 'stype' is missing in 2 rows (index 3, 9); impute it or drop those rows before "
            "weighting")


def test_trim_bounds(d) -> None:
    _raises(lambda: d.trim(lower=40, upper=30), "trim bounds: lower (40.0) must not exceed upper (30.0)")
    _raises(lambda: d.trim(upper=30),
            "cannot trim weights to [-inf, 30]: the 183 positive weights sum to 6,194, a mean of 33.847, which no "
            "weights within the bounds can keep. Widen the bounds")


def test_unknown_method_and_numeric_rake(d) -> None:
    _raises(lambda: d.calibrate(MARGINS, method="cubic"), "method='cubic': use one of linear, raking, logit")
    _raises(lambda: d.rake({"api99": 3914069}),
            "rake() takes categorical margins {variable: {level: total}}; ['api99'] are numbers: use "
            "d.calibrate(..., method='raking') for numeric totals")


def test_brr_needs_pairs() -> None:
    data = rc.load_data("r-survey", "apistrat.csv")
    d = cs.SurveyDesign(data, weights="pw", strata="stype")
    with pytest.raises(cs.WeightingError, match=re.escape("BRR needs exactly 2 PSUs in every stratum; strata 'E' "
                                                          "(100 PSUs), 'H' (50 PSUs), 'M' (50 PSUs) differ")):
        d.replicate("BRR")


def test_replicate_that_drops_a_whole_cell() -> None:
    df = rc.load_data("r-survey", "apiclus1.csv")
    df = df.assign(cell=np.where(df["dnum"] == df["dnum"].iloc[0], "A", "B"))
    d = cs.SurveyDesign(df, weights="pw", psu="dnum").replicate("JK1")
    _raises(lambda: d.poststratify("cell", {"A": 100, "B": 6000}),
            "post-stratum cell=A has a population total but no weight in replicate 1 (that replicate drops every "
            "unit of the cell); collapse it with a neighbouring cell")
