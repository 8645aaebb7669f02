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
    assert s.history == ("raking calibration on stype=E, stype=H, stype=M, sch_wide=Yes",
                         "trimming to [-inf, 45] (22 weights changed)")
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
    assert "deff_kish" in text and "Margins (weighted total vs target)" in text
    before = d.weight_summary()
    assert before.deff_kish == pytest.approx(1.0) and len(before.margins) == 0
