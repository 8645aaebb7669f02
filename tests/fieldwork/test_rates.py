"""response_rates against the AAPOR Standard Definitions (10th ed., 2023) written out here, one formula per
rate, on samples with every disposition, with some groups absent, weighted and by group."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import careersurvey as cs
from careersurvey.fieldwork import FieldworkError
from careersurvey.fieldwork.rates import RATES

# code -> AAPOR group, as Table 4 (Internet surveys of specifically named persons) assigns them
GROUP = {"1.1": "I", "1.2": "P", "2.11": "R", "2.111": "R", "2.12": "R", "2.1121": "R", "2.26": "NC",
         "2.27": "NC", "2.31": "O", "2.33": "O", "3.11": "UH", "3.19": "UH", "3.2": "UO", "3.3": "UO",
         "3.9": "UO", "4.1": "NE", "4.8": "NE"}


def aapor(c, e):
    """Standard Definitions' formulas, one per line; None where the denominator is 0."""
    I, P, R, NC, O, UH, UO = c["I"], c["P"], c["R"], c["NC"], c["O"], c["UH"], c["UO"]

    def div(a, b):
        return a / b if b else None

    return {
        "RR1": div(I, (I + P) + (R + NC + O) + (UH + UO)),
        "RR2": div(I + P, (I + P) + (R + NC + O) + (UH + UO)),
        "RR3": div(I, (I + P) + (R + NC + O) + e * (UH + UO)),
        "RR4": div(I + P, (I + P) + (R + NC + O) + e * (UH + UO)),
        "RR5": div(I, (I + P) + (R + NC + O)),
        "RR6": div(I + P, (I + P) + (R + NC + O)),
        "COOP1": div(I, (I + P) + R + O),
        "COOP2": div(I + P, (I + P) + R + O),
        "COOP3": div(I, (I + P) + R),
        "COOP4": div(I + P, (I + P) + R),
        "REF1": div(R, (I + P) + (R + NC + O) + (UH + UO)),
        "REF2": div(R, (I + P) + (R + NC + O) + e * (UH + UO)),
        "REF3": div(R, (I + P) + (R + NC + O)),
        "CON1": div((I + P) + R + O, (I + P) + R + O + NC + (UH + UO)),
        "CON2": div((I + P) + R + O, (I + P) + R + O + NC + e * (UH + UO)),
        "CON3": div((I + P) + R + O, (I + P) + R + O + NC),
    }


def counts_of(codes, weights=None):
    w = np.ones(len(codes)) if weights is None else np.asarray(weights, dtype=float)
    out = dict.fromkeys(["I", "P", "R", "NC", "O", "UH", "UO", "NE"], 0.0)
    for code, wi in zip(codes, w):
        out[GROUP[code]] += wi
    return out


def check(table_row, codes, weights=None, e=None):
    c = counts_of(codes, weights)
    if e is None:  # CASRO: eligible among known eligibility
        known = c["I"] + c["P"] + c["R"] + c["NC"] + c["O"] + c["NE"]
        e = (known - c["NE"]) / known
    assert table_row["e"] == pytest.approx(e, abs=1e-12)
    for k, v in c.items():
        assert table_row[k] == pytest.approx(v, abs=1e-9), k
    for rate, want in aapor(c, e).items():
        got = table_row[rate]
        assert (math.isnan(got) if want is None else got == pytest.approx(want, abs=1e-12)), (rate, got, want)


@pytest.fixture
def sample():
    rng = np.random.default_rng(4)
    codes = list(GROUP) * 3 + list(rng.choice(list(GROUP), 60))
    return pd.DataFrame({"respondent_id": [f"{i:04d}" for i in range(len(codes))], "disposition": codes,
                         "stratum": rng.choice(["01", "02", "03"], len(codes)),
                         "base_weight": rng.uniform(1, 30, len(codes)).round(2)})


def test_every_disposition_present_overall_and_by_stratum(sample):
    r = cs.response_rates(sample, by="stratum")
    check(r.table.loc["all"], sample["disposition"])
    for k, part in sample.groupby("stratum"):
        check(r.table.loc[k], part["disposition"])
    assert list(r.table.index) == ["all", "01", "02", "03"] and r.notes == ()
    assert list(r.rates().columns) == list(RATES)


def test_weighted_by_base_weights_and_a_given_e(sample):
    r = cs.response_rates(sample, by="stratum", weights="base_weight", e=0.35)
    check(r.table.loc["all"], sample["disposition"], sample["base_weight"], e=0.35)
    for k, part in sample.groupby("stratum"):
        check(r.table.loc[k], part["disposition"], part["base_weight"], e=0.35)


def test_absent_groups_and_zero_denominators_are_said():
    s = pd.DataFrame({"disposition": ["3.19", "3.2", "4.1", "2.26", "3.19", "4.8", "1.1"],
                      "g": ["a", "a", "a", "b", "c", "c", "d"]})
    r = cs.response_rates(s, by="g")
    for k, part in s.groupby("g"):
        check(r.table.loc[k], part["disposition"], e=None if k != "a" else 0.0)
    a = r.table.loc["a"]  # only unknowns and not eligible: CASRO e = 0, RR5/RR6/REF3/CON3 undefined
    assert a["e"] == 0 and math.isnan(a["RR5"]) and a["RR1"] == 0 and a["RR3"] != a["RR3"]
    assert "group 'a': RR5, RR6, REF3, CON3 are NaN: the denominator is 0 (I+P+R+NC+O = 0)" in r.notes
    assert "group 'a': COOP1, COOP2 are NaN: the denominator is 0 (I+P+R+O = 0)" in r.notes
    # no known eligibility at all: e is undefined and says so
    u = cs.response_rates(pd.DataFrame({"disposition": ["3.19", "3.3"]}))
    assert math.isnan(u.table.loc["all", "e"]) and math.isnan(u.table.loc["all", "RR3"])
    assert u.table.loc["all", "RR1"] == 0
    assert any("e (CASRO) is undefined" in n for n in u.notes)
    # no unknowns: e plays no part, RR3 = RR1 even with e undefined
    k = cs.response_rates(pd.DataFrame({"disposition": ["1.1", "2.11", "1.2"]}))
    assert k.table.loc["all", "RR3"] == k.table.loc["all", "RR1"] == pytest.approx(1 / 3)


def test_codes_as_spreadsheets_write_them_and_unknown_codes_named_with_rows(tmp_path):
    p = tmp_path / "sample.csv"
    p.write_text("respondent_id,disposition\n0001,1.1\n0002,2.10\n0003,3.10\n0004,2.1\n", encoding="utf-8")
    s = cs.read_sample(p)
    r = cs.response_rates(s)
    assert r.table.loc["all", ["I", "R", "UH"]].tolist() == [1, 2, 1]
    p.write_text("respondent_id,disposition\n0001,1.1\n0002,2.5\n0003,2.0\n0004,2.5\n0005,\n", encoding="utf-8")
    with pytest.raises(FieldworkError) as err:
        cs.response_rates(cs.read_sample(p), source=str(p))
    assert str(err.value).startswith(f"{p}, column disposition: no disposition in row 6; every sampled case")
    p.write_text("respondent_id,disposition\n0001,1.1\n0002,2.5\n0003,2.0\n0004,2.5\n", encoding="utf-8")
    with pytest.raises(FieldworkError) as err:
        cs.response_rates(cs.read_sample(p), source=str(p))
    assert str(err.value).startswith(f"{p}, column disposition: unknown disposition codes: '2.5' in row 3, row 5; "
                                     "'2.0' (a heading, not a final code) in row 4; use the AAPOR codes")


def test_bad_weights_and_e_are_refused(sample):
    sample.loc[3, "base_weight"] = -1
    with pytest.raises(FieldworkError, match=r"base_weight must be a number >= 0 for every case; index 3 has '-1.0'"):
        cs.response_rates(sample, weights="base_weight")
    with pytest.raises(FieldworkError, match="e = 1.5"):
        cs.response_rates(sample, e=1.5)


def test_cases_without_a_group_are_a_group_of_their_own_and_only_ineligibles_are_said():
    s = pd.DataFrame({"disposition": ["1.1", "2.11", "4.1", "4.8", "1.1"], "g": ["a", "a", "b", "b", None]})
    r = cs.response_rates(s, by="g")
    assert list(r.table.index) == ["all", "(no value)", "a", "b"]
    assert r.table.loc[["(no value)", "a", "b"], "n"].sum() == r.table.loc["all", "n"] == 5
    assert "group 'b': RR1, RR2, REF1, CON1 are NaN: the denominator is 0 (I+P+R+NC+O+UH+UO = 0)" in r.notes
