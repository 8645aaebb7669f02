"""paired_change on an engine design with declared missing codes: the code check is one grouped count per
column (TableDesign.refuse_codes, the engine's own check), not a first estimate of the two means."""

from __future__ import annotations

import numpy as np
import pytest
from rcases import load_cases, waves_frame

import careersurvey as cs
from careersurvey.engine import from_table
from careersurvey.engine.design import TableDesign
from careersurvey.estimation.change import paired_change

CASE = next(c for c in load_cases("r-survey-waves") if c["id"] == "paired-mean")
CODES = (-6, -7, -8, -9)


def _design(df):
    return from_table(df, weights="w", strata="stratum", psu="inst", missing_codes=CODES)


def test_a_declared_code_in_a_pair_is_refused_by_name_in_the_engine():
    df = waves_frame(CASE)
    coded = df.assign(y_2026=df["y_2026"].where(~df["pid"].isin(["P002", "P007", "P009"]), -7.0))
    with pytest.raises(cs.MissingCodeError,
                       match=r"^variable 'y_2026' holds the missing codes -7 \(3 rows\), which the design declares"):
        paired_change(_design(coded), "y", waves=("2024", "2026"))


def test_paired_change_with_declared_codes_estimates_once_per_item_in_the_engine(monkeypatch):
    calls = []
    mean = TableDesign.mean
    monkeypatch.setattr(TableDesign, "mean", lambda self, *a, **k: calls.append(a) or mean(self, *a, **k))
    res = paired_change(_design(waves_frame(CASE)), ["y", "leave"], waves=("2024", "2026"))
    assert calls == [(["y_2024", "y_2026"],), (["leave_2024", "leave_2026"],)]
    np.testing.assert_allclose(res["change"], [CASE["expected"][v]["estimate"] for v in ("y", "leave")], rtol=1e-6)
