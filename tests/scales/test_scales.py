"""Scale scoring and reliability, against R psych (fixture made by tests/fixtures/psych/make_psych.R),
pingouin, Feldt's formula and exact one-factor identities."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pingouin as pg
import pytest
from scipy import stats

from careersurvey.questionnaire.model import Choice, ChoiceList, Item, Module, Questionnaire, Scale
from careersurvey.scales import (
    ScaleError, one_factor, reliability, reliability_table, scale_items, score_scale, score_scales,
)

FIX = Path(__file__).parents[1] / "fixtures" / "psych"
REF = json.loads((FIX / "psych_reference.json").read_text())
BFI = pd.read_csv(FIX / "bfi_items.csv")


def _questionnaire() -> Questionnaire:
    agree5 = ChoiceList("agree5", tuple(Choice(c, {"en": str(c)}) for c in range(1, 6)))
    items = tuple(
        Item(name=f"q{i}", type="rating", label={"en": f"q{i}"}, module="m", choices=agree5, scale="s")
        for i in range(1, 5)
    )
    scales = {
        "s": Scale("s", {"en": "s"}, items=("q1", "q2", "q3", "q4"), reverse=("q4",), min_answered=3),
        "t": Scale("t", {"en": "t"}, items=("q1", "q2", "q3"), method="sum", min_answered=2),
    }
    return Questionnaire(
        id="t", version="1.0.0", languages=("en",), title={"en": "t"},
        modules=(Module("m", {"en": "m"}, items),), scales=scales, choice_lists={"agree5": agree5},
        missing_labels={},
    )


@pytest.mark.parametrize("name", ["agree", "consc"])
def test_reliability_matches_r_psych(name: str) -> None:
    ref = REF[name]
    sc = Scale(name, {"en": name}, items=tuple(ref["items"]), reverse=tuple(ref["reverse"]), points=(1, 6))
    rel = reliability(BFI, sc)
    assert rel.n == ref["n"] and rel.k == 5
    assert rel.alpha == pytest.approx(ref["raw_alpha"], abs=1e-8)
    assert rel.std_alpha == pytest.approx(ref["std_alpha"], abs=1e-8)
    np.testing.assert_allclose(rel.items["r_drop"], ref["r_drop"], atol=1e-8)
    np.testing.assert_allclose(rel.items["alpha_if_deleted"], ref["alpha_if_deleted"], atol=1e-8)
    np.testing.assert_allclose(rel.one_factor.loadings, ref["loadings"], atol=1e-4)
    assert rel.omega_total == pytest.approx(ref["omega_total"], abs=1e-6)
    assert rel.omega_h == pytest.approx(ref["omega_h"], abs=1e-5)


def test_alpha_ci_is_feldt_and_agrees_with_pingouin() -> None:
    sc = Scale("agree", {"en": "a"}, items=tuple(REF["agree"]["items"]), reverse=("A1",), points=(1, 6))
    rel = reliability(BFI, sc, ci=0.90)
    x = scale_items(BFI, sc)
    a, ci = pg.cronbach_alpha(x, nan_policy="listwise", ci=0.90)
    n, k = rel.n, rel.k
    lo = 1 - (1 - a) * stats.f.isf(0.05, n - 1, (n - 1) * (k - 1))
    hi = 1 - (1 - a) * stats.f.isf(0.95, n - 1, (n - 1) * (k - 1))
    assert rel.alpha == pytest.approx(a)
    assert rel.alpha_ci == pytest.approx((lo, hi), abs=1e-3)  # pingouin rounds the CI to 3 decimals
    assert rel.alpha_ci == pytest.approx(tuple(ci))


def test_one_factor_recovers_an_exact_model_and_omega_is_textbook() -> None:
    lam = np.array([0.8, 0.7, 0.6, 0.5, 0.4])
    r = np.outer(lam, lam)
    np.fill_diagonal(r, 1.0)
    fit = one_factor(pd.DataFrame(r, columns=list("abcde"), index=list("abcde")))
    np.testing.assert_allclose(fit.loadings, lam, atol=1e-5)
    assert fit.rmsr < 1e-5
    assert fit.variance_explained == pytest.approx(np.sum(lam**2) / 5, abs=1e-5)
    # with R = ll' + Psi, omega total is (sum l)^2 / ((sum l)^2 + sum psi) (McDonald 1999, eq. 6.20b)
    rng = np.random.default_rng(1)
    z = rng.standard_normal((200_000, 1))
    data = pd.DataFrame(z * lam + rng.standard_normal((200_000, 5)) * np.sqrt(1 - lam**2), columns=list("abcde"))
    rel = reliability(data, Scale("x", {"en": "x"}, items=tuple("abcde")))
    expected = lam.sum() ** 2 / (lam.sum() ** 2 + np.sum(1 - lam**2))
    assert rel.omega_total == pytest.approx(expected, abs=5e-3)


def test_scoring_reverses_with_choice_codes_and_excludes_missing_codes() -> None:
    q = _questionnaire()
    df = pd.DataFrame(
        {"q1": [5, 1, -7, 2, -9], "q2": [4, 2, 3, -8, -9], "q3": [5, 3, 3, 2, 1], "q4": [1, 5, 2, -7, 1]},
        index=["r1", "r2", "r3", "r4", "r5"],
    )
    items = scale_items(df, "s", q)
    assert items.loc["r1"].tolist() == [5, 4, 5, 5]  # q4: (1 + 5) - 1
    assert np.isnan(items.loc["r3", "q1"]) and np.isnan(items.loc["r4", "q2"])
    s = score_scale(df, "s", q)
    assert s["r1"] == pytest.approx(4.75)
    assert s["r2"] == pytest.approx((1 + 2 + 3 + 1) / 4)
    assert s["r3"] == pytest.approx((3 + 3 + 4) / 3)  # three answered: enough
    assert np.isnan(s["r4"]) and np.isnan(s["r5"])  # two answered < min_answered 3
    t = score_scales(df, q)["t"]
    assert t["r1"] == pytest.approx(14) and t["r3"] == pytest.approx(9)  # prorated sum over 3 items
    assert np.isnan(t["r5"])


def test_scoring_errors_name_scale_item_row_and_remedy() -> None:
    q = _questionnaire()
    df = pd.DataFrame({"q1": [1, 7], "q2": [1, 1], "q3": [1, 1], "q4": [1, 1]}, index=[10, 11])
    with pytest.raises(ScaleError, match=r"scale 's', item 'q1', row 11: 7 is not one of the codes "
                       r"\[1, 2, 3, 4, 5\] nor a missing code .*validate the responses first"):
        score_scale(df, "s", q)
    with pytest.raises(ScaleError, match=r"scale 's': the data has no column\(s\) q4"):
        score_scale(df.drop(columns="q4"), "s", q)
    with pytest.raises(ScaleError, match=r"has no scale 'zz' \(its scales: s, t\)"):
        score_scale(df, "zz", q)
    lab = df.assign(q1=pd.Categorical(["Agree", "Agree"]))
    with pytest.raises(ScaleError, match="holds labels .*labels=False"):
        score_scale(lab, "s", q)


def test_reliability_table_reports_unassessable_scales() -> None:
    q = _questionnaire()
    rng = np.random.default_rng(3)
    z = rng.standard_normal(300)
    df = pd.DataFrame({f"q{i}": np.clip(np.round(3 + z + rng.standard_normal(300)), 1, 5) for i in range(1, 5)})
    df["q4"] = 6 - df["q4"]  # stored reverse-keyed, as the questionnaire says
    df.loc[:, "q3"] = df["q3"].where(np.arange(300) < 5, -9)  # q3 nearly never asked: t cannot be assessed
    tab = reliability_table(df.assign(q3=df["q3"]), q, scales=["t"])
    assert "only 5 respondents" in tab.loc["t", "note"]
    df2 = df.assign(q3=np.clip(np.round(3 + z + rng.standard_normal(300)), 1, 5))
    rel = reliability(df2, "s", q)
    assert rel.alpha > 0.7 and (rel.items["loading"] > 0.5).all()
    assert rel.items.loc["q4", "reversed"]
    # the same alpha from pingouin on the items as the data holds them, q4 reversed back here (6 - x)
    raw = df2[["q1", "q2", "q3", "q4"]].assign(q4=6 - df2["q4"])
    assert rel.alpha == pytest.approx(pg.cronbach_alpha(raw)[0], rel=1e-12)


# ------------------------------------------------------------------------------------- weighted alpha

WFIX = Path(__file__).parents[1] / "fixtures" / "r-weighted-alpha"


def test_weighted_alpha_equals_base_r_cov_wt() -> None:
    """Alpha from the weighted item covariance (R stats::cov.wt, tests/fixtures/r-weighted-alpha/make.R) on
    answers with missing codes and a reverse-keyed item; unweighted, the same rows give pingouin's alpha."""
    from careersurvey.scales import weighted_alpha

    ref = json.loads((WFIX / "results.json").read_text())
    data = pd.read_csv(WFIX / "data.csv", dtype={"id": str})
    sc = Scale(name="a", label={"en": "a"}, items=("a1", "a2", "a3", "a4"), reverse=("a4",), points=(1, 5))
    alpha, n = weighted_alpha(data, sc, data["w"])
    assert n == ref["n"] and alpha == pytest.approx(ref["weighted_alpha"], abs=1e-12)
    plain, _ = weighted_alpha(data, sc, np.ones(len(data)))
    assert plain == pytest.approx(ref["unweighted_alpha"], abs=1e-12)
    assert plain == pytest.approx(reliability(data, sc).alpha, abs=1e-12)


def test_integer_weights_give_the_alpha_of_repeated_rows() -> None:
    """Frequency weights: weight 3 is the row three times (pingouin on the repeated rows, independently)."""
    from careersurvey.scales import weighted_alpha

    data = pd.read_csv(WFIX / "data.csv", dtype={"id": str})
    sc = Scale(name="a", label={"en": "a"}, items=("a1", "a2", "a3", "a4"), reverse=("a4",), points=(1, 5))
    times = (np.arange(len(data)) % 4) + 1
    alpha, _ = weighted_alpha(data, sc, times)
    items = scale_items(data, sc).dropna()
    repeated = items.loc[items.index.repeat(times[items.index])]
    assert alpha == pytest.approx(pg.cronbach_alpha(data=repeated)[0], abs=1e-12)
    with pytest.raises(ScaleError, match="weighted alpha needs at least 2 items and 10 complete respondents"):
        weighted_alpha(data.head(8), sc, times[:8])
