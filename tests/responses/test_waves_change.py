"""Change across waves from a store, end to end: two waves of the small questionnaire of conftest.py (1.0.0 in
2025, 1.1.0 in 2026, with -7/-8 answers and an item not asked in 2025) imported into one store, loaded with
``load_responses(waves=...)``, joined to a sample design written here, and estimated with ``cs.change``,
``cs.paired_change`` and ``cs.longitudinal_weights`` on the panel files of ``cs.panel_long``/``cs.panel_wide``.

The point estimates are checked against weighted sums computed here with numpy from the rows written into the
workbooks (missing codes left out by hand), so a missing code read as a number, a row lost or a person linked
to the wrong one cannot pass; the SEs are tied to each other (paired = stacked with the person in a PSU) and,
for the numbers themselves, to R by tests/design/test_change.py.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import careersurvey as cs
from careersurvey.responses.importer import import_responses
from careersurvey.responses.panel import PANEL_ID, panel_long, panel_wide

from .conftest import mini, write_template

KEY = b"a panel key of at least sixteen bytes"
CODES = (-6, -7, -8, -9)


@pytest.fixture(autouse=True)
def registered_mini(monkeypatch):
    from careersurvey.responses import importer

    monkeypatch.setattr(importer, "load_questionnaire_spec", lambda spec, **_: mini(spec.partition("@")[2]))


def _people(rng: np.random.Generator, ids: list[str], version: str) -> list[list]:
    """Template rows (respondent_id, consent, role, age, motives..., pay, [hours,] fof_shame, start_date,
    comment) with some pay refused (-7) or not known (-8) and some shame refused (-7)."""
    n = len(ids)
    pay = np.round(rng.normal(5000 if version == "1.0.0" else 5600, 900, n), 1)
    pay_code = rng.choice([0, -7, -8], n, p=[0.8, 0.1, 0.1])
    shame = rng.integers(1, 6, n)
    shame_code = rng.choice([0, -7], n, p=[0.9, 0.1])
    rows = []
    for i, pid in enumerate(ids):
        motives = [1, 0, 1, 0] if version == "1.0.0" else [1, 0, 1]
        row = [pid, 1, int(rng.integers(1, 5)), int(rng.integers(25, 60)), *motives,
               float(pay[i]) if pay_code[i] == 0 else int(pay_code[i])]
        if version != "1.0.0":
            row.append(int(rng.integers(30, 60)))
        row += [int(shame[i]) if shame_code[i] == 0 else -7, "2020-01-01", None]
        rows.append(row)
    return rows


@pytest.fixture
def survey(tmp_path):
    """The store, the rows written per wave, and the sample design (wave, id -> institution, stratum, weight)."""
    rng = np.random.default_rng(17)
    ids25 = [f"{i:04d}" for i in range(1, 61)]
    kept = [i for i in ids25 if rng.uniform() < 0.75]
    ids26 = kept + [f"{i:04d}" for i in range(101, 113)]
    rows = {"2025": _people(rng, ids25, "1.0.0"), "2026": _people(rng, ids26, "1.1.0")}
    db = tmp_path / "panel.duckdb"
    import_responses(write_template(tmp_path / "w25.xlsx", mini("1.0.0"), rows["2025"]), db, mini("1.0.0"),
                     wave="2025")
    import_responses(write_template(tmp_path / "w26.xlsx", mini("1.1.0"), rows["2026"]), db, mini("1.1.0"),
                     wave="2026")
    inst = {pid: f"I{(int(pid) % 8) + 1}" for pid in ids25 + ids26}  # a person stays in their institution
    design_rows = [(w, pid, inst[pid], "A" if int(inst[pid][1:]) <= 4 else "B", float(rng.uniform(40, 120)))
                   for w in rows for pid in (r[0] for r in rows[w])]
    sample = pd.DataFrame(design_rows, columns=["wave", "respondent_id", "inst", "stratum", "weight"])
    return db, rows, sample


def _by_hand(rows: list[list], sample: pd.DataFrame, wave: str, column: int) -> float:
    """Weighted mean of one template column over the rows whose answer is not a missing code."""
    w = sample[sample["wave"] == wave].set_index("respondent_id")["weight"]
    vals = [(w[r[0]], r[column]) for r in rows if r[column] not in CODES]
    weights, values = np.array(vals, dtype=float).T
    return float(weights @ values / weights.sum())


def _stacked(db, sample) -> pd.DataFrame:
    data = cs.load_responses(db, waves=["2025", "2026"], labels=False)
    return data.merge(sample, on=["wave", "respondent_id"], how="left", validate="one_to_one")


def test_change_from_the_store_leaves_missing_codes_out(survey):
    db, rows, sample = survey
    data = _stacked(db, sample)
    assert data["wave"].tolist().count("2026") == len(rows["2026"]) and data["weight"].notna().all()
    d = cs.SurveyDesign(data, weights="weight", strata="stratum", psu="inst", missing_codes=CODES)
    # one variable at a time: na_rm drops a row missing any of the variables asked for together (as R's na.rm)
    res = pd.concat([cs.change(d, v, na_rm=True) for v in ("pay", "fof_shame")])
    pay_col, shame_col = 8, -3  # positions in the 1.0.0 rows; 1.1.0 rows: pay at 7 (one motive fewer)
    want_pay = _by_hand(rows["2026"], sample, "2026", 7) - _by_hand(rows["2025"], sample, "2025", pay_col)
    want_shame = _by_hand(rows["2026"], sample, "2026", shame_col) - _by_hand(rows["2025"], sample, "2025",
                                                                            shame_col)
    np.testing.assert_allclose(res["change"], [want_pay, want_shame], rtol=1e-12)
    assert (res["se"] > 0).all() and (res["df"] == 8 - 2).all()
    # hours was not asked in 2025 (-6, read as missing): one wave only, and the error says why
    with pytest.raises(cs.EstimateError, match=r"found 2026 \(an item not asked in a wave is missing there: -6\)"):
        cs.change(d, "hours", na_rm=True)
    assert cs.trend(d, "hours", na_rm=True)["wave"].tolist() == ["2026"]


def test_panel_change_from_the_store_paired_equals_stacked_and_weights_reach_the_2025_totals(survey):
    db, rows, sample = survey
    long = panel_long(_stacked(db, sample), KEY)
    stacked = cs.SurveyDesign(long, weights="weight", strata="stratum", psu="inst")
    cs.change(stacked, "pay", na_rm=True, person=PANEL_ID)  # persons inside institutions: accepted
    rows_apart = cs.SurveyDesign(long, weights="weight", strata="stratum")
    with pytest.raises(cs.EstimateError, match="panel member"):
        cs.change(rows_apart, "pay", na_rm=True, person=PANEL_ID)

    wide = panel_wide(long, constant=["inst", "stratum"])
    wide = wide[wide["in_2025"] == 1].reset_index(drop=True)  # the 2025 sample, followed up in 2026
    wd = cs.SurveyDesign(wide, weights="weight_2025", strata="stratum", psu="inst", missing_codes=CODES)
    paired = cs.paired_change(wd, "pay", waves=("2025", "2026"))
    # by hand: the same persons' pay in both waves (no code in either), weighted by their 2025 weight
    pay25 = {r[0]: r[8] for r in rows["2025"]}
    pay26 = {r[0]: r[7] for r in rows["2026"]}
    w25 = sample[sample["wave"] == "2025"].set_index("respondent_id")["weight"]
    both = [p for p in pay25 if p in pay26 and pay25[p] not in CODES and pay26[p] not in CODES]
    w = w25[both].to_numpy()
    diff = np.array([pay26[p] - pay25[p] for p in both])
    np.testing.assert_allclose(paired["change"].iloc[0], w @ diff / w.sum(), rtol=1e-12)
    # the stacked file of those persons with the 2025 weight in both waves gives the same change and SE
    pairs = set(wide.loc[wide[["pay_2025", "pay_2026"]].notna().all(axis=1), PANEL_ID])
    weight25 = long[long["wave"] == "2025"].set_index(PANEL_ID)["weight"]
    same = long.assign(w25=long[PANEL_ID].map(weight25)).dropna(subset=["w25"])  # fresh in 2026: not followed
    sd = cs.SurveyDesign(same, weights="w25", strata="stratum", psu="inst").subset(
        same[PANEL_ID].isin(pairs).to_numpy())
    stacked_change = cs.change(sd, "pay", person=PANEL_ID)
    for col in ("change", "se", "df", "p_value"):
        np.testing.assert_allclose(paired[col], stacked_change[col], rtol=1e-10)

    lw = cs.longitudinal_weights(wd, "in_2026", classes="stratum", margins=["inst"])
    inst_totals = wide.groupby("inst")["weight_2025"].sum()
    got = pd.Series(lw.w).groupby(wide["inst"].to_numpy()).sum()
    np.testing.assert_allclose(got[inst_totals.index], inst_totals, rtol=1e-10)
    assert (lw.w[wide["in_2026"].to_numpy() == 0] == 0).all()
    cs.paired_change(lw, "pay", waves=("2025", "2026"))
