"""How the simulated population answers stem-careers (1.0.0 and 1.1.0): its answer plan and person variables.

This is the one place that knows the instrument's variable names and codes (survey/stem-careers/*.yaml)
and ties them to the latent truth of ``population.LatentModel``: failure stigma, psychological safety,
autonomy and relative deprivation drive their scales; the two intentions to leave drive the turnover and
move-abroad items; a student's standing (``hs_rank``, from the latent ability) drives the wish for medical
school; each person's own pay abroad and at home (``population``) gives the offers and expectations of 1.1.0.
The plan names the items of both versions (an item a version lacks is never asked for). Everything not named
here is answered generically by ``answers.simulate_answers`` from the questionnaire itself.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from careersurvey.simulate.answers import AnswerPlan, Driver

__all__ = ["respondent_frame", "PLAN", "SECTOR_CODES", "ROLE_CODES"]

SECTOR_CODES = {"university": 1, "institute": 2, "large_firm": 3, "sme": 4, "startup": 5, "foreign_firm": 6,
                "abroad": 7}
ROLE_CODES = {"undergraduate": 1, "masters": 2, "phd": 3, "postdoc": 4, "researcher": 5, "faculty": 6,
              "other": 7}
_SEX = {"male": 1, "female": 2}
_CAPITAL = (1, 4, 9)  # Seoul, Incheon, Gyeonggi
_REST = (2, 3, 5, 7, 8, 10, 11, 12, 13, 14, 15, 16, 17)
_FIELDS = {1: (101, 102, 103, 104, 105, 106, 107), 2: (201, 202, 203, 204, 205, 206, 207, 208, 209, 210),
           3: (301,), 4: (401,), 5: (501, 601)}
#: Cuts of -ability for the high-school grade bands 1-4 (shares 10%, 15%, 20%, 25%, 30% of respondents).
_RANK_CUTS = -stats.norm.ppf([0.90, 0.75, 0.55, 0.30])
_PAY_BANDS = np.array([3000, 5000, 7000, 10000, 15000, 30000, 60000])  # upper bounds, 만원


def respondent_frame(persons: pd.DataFrame, seed: int = 7) -> pd.DataFrame:
    """Person variables in the instrument's codes, and the derived latent traits the plan refers to."""
    rng = np.random.default_rng(seed)
    p = persons.reset_index(drop=True)
    n = len(p)
    out = pd.DataFrame(index=p.index)
    out["lang"] = np.where(rng.random(n) < 0.9, 1, 2)
    out["one"] = 1
    out["zero"] = 0.0
    out["role_code"] = p["role"].astype(str).map(ROLE_CODES)
    out["sector_code"] = p["sector"].astype(str).map(SECTOR_CODES)
    out["sex_code"] = p["sex"].astype(str).map(_SEX)
    deg = p["degree"].astype(str).to_numpy()
    out["degree_code"] = np.select([deg == "phd", deg == "masters", deg == "bachelors"], [4, 3, 2],
                                   default=np.where(rng.random(n) < 0.7, 1, 5))
    age = p["age"].to_numpy()
    out["age_band_code"] = np.searchsorted([25, 30, 35, 40, 45, 50, 60], age, side="right") + 1
    reg = p["region"].astype(str).to_numpy()
    out["region_code"] = np.select(
        [reg == "capital", reg == "daejeon", reg == "abroad"],
        [rng.choice(_CAPITAL, n, p=[0.45, 0.1, 0.45]), 6, 18], default=rng.choice(_REST, n))
    fld = p["field"].to_numpy()
    pick = rng.random(n)
    out["field_code"] = np.select([fld == k for k in _FIELDS],
                                  [np.asarray(v)[(pick * len(v)).astype(int)] for v in _FIELDS.values()])
    ai = p["ai"].to_numpy()
    out["ai_code"] = np.where(ai, np.where(rng.random(n) < 0.4, 3, 2), 1)
    pay = p["pay"].to_numpy() * 100.0  # million KRW -> 만원
    out["pay_manwon"] = np.round(pay / 10) * 10
    out["pay_band_code"] = np.searchsorted(_PAY_BANDS, pay, side="right") + 1
    perf = p["performance_pay"].to_numpy()
    out["pay_system_code"] = np.where(rng.random(n) < 0.25, 3, np.where(perf, 2, 1))
    out["hours"] = np.clip(np.round(rng.normal(np.where(out["sector_code"] <= 2, 52, 46), 7)), 10, 100)
    out["tenure"] = np.clip(np.round((age - 27) * rng.uniform(0.1, 0.8, n)), 0, 40)
    out["work_now_code"] = 1
    sec = out["sector_code"].to_numpy()
    z_st = (p["stigma"].to_numpy() - p["stigma"].mean()) / p["stigma"].std()
    # months from proposal to money (slow budgeting), admin time share and project-funded pay share
    out["funding_months"] = np.clip(np.round(rng.gamma(4.0, 1.6, n) + 1.5 * (sec == 2), 1), 0.5, 36)
    out["admin_pct"] = np.clip(np.round(rng.normal(28 + 4 * z_st + 5 * (sec <= 2), 11)), 0, 90)
    out["pbs_share"] = np.clip(np.round(rng.normal(np.where(sec == 2, 55, 35), 20) / 5) * 5, 0, 100)
    out["abroad_years"] = np.round(rng.gamma(2.0, 1.5, n) + 0.5, 1)
    # high-school grade band from ability (standard normal): top 10%, next 15%, 20%, 25%, rest (science-track
    # students who went on to STEM careers are assumed better than average); 2% prefer not to say
    band = np.searchsorted(_RANK_CUTS, -p["ability"].to_numpy()) + 1
    out["hs_rank_code"] = np.where(rng.random(n) < 0.02, -7, band)
    # 1.1.0: own offers and expectations (만원), stock compensation, nationality, who is abroad
    abroad_pay = p["abroad_pay"].to_numpy() * 100.0
    out["offer_abroad_manwon"] = np.round(abroad_pay * np.exp(0.10 * rng.standard_normal(n)) / 10) * 10
    out["expect_abroad_manwon"] = np.round(abroad_pay * np.exp(-0.05 + 0.25 * rng.standard_normal(n)) / 10) * 10
    out["offer_domestic_manwon"] = np.round(p["domestic_offer"].to_numpy() * 100.0 / 10) * 10
    stock_sector = np.isin(out["sector_code"].to_numpy(), [3, 5, 6, 7])
    out["stock_manwon"] = np.where(stock_sector & (rng.random(n) < 0.4),
                                   np.round(pay * rng.uniform(0.05, 0.4, n) / 10) * 10, 0)
    out["offer_abroad_lp"] = p["offer_abroad_lp"].to_numpy()
    out["offer_domestic_lp"] = p["offer_domestic_lp"].to_numpy()
    out["nationality_code"] = np.select([rng.random(n) < 0.03, rng.random(n) < 0.01], [2, 3], default=1)
    out["abroad_country_code"] = rng.choice([2, 3, 4, 5, 6, 7, 8, 9], n, p=[.52, .06, .16, .06, .03, .12, .02, .03])
    out["abroad_employer_code"] = np.where(ai & (rng.random(n) < 0.6), 1,
                                           rng.choice([2, 3, 4, 5, 6], n, p=[.2, .1, .4, .25, .05]))
    # latent traits, standardised in the sample by Driver
    for c in ("stigma", "safety", "autonomy", "deprivation", "ability", "leave_korea_lp", "leave_science_lp",
              "prefer_medicine_lp", "pay_gap"):
        out[c] = p[c].to_numpy()
    e = rng.standard_normal((n, 4))
    out["fear"] = 0.45 * p["stigma"].to_numpy() + 0.9 * e[:, 0]
    out["learning"] = 0.6 * p["safety"].to_numpy() + 0.8 * e[:, 1]
    out["pay_fair"] = -0.6 * p["deprivation"].to_numpy() + 0.3 * perf + 0.75 * e[:, 2]
    out["env"] = 0.5 * p["stigma"].to_numpy() - 0.3 * p["autonomy"].to_numpy() + 0.8 * e[:, 3]
    out["leave_any"] = 0.5 * (p["leave_korea_lp"].to_numpy() + p["leave_science_lp"].to_numpy())
    out["neg_deprivation"] = -p["deprivation"].to_numpy()
    # for those abroad: coming back is likelier with less deprivation at home and a safer climate remembered
    out["return_lp"] = -0.7 - 0.4 * p["deprivation"].to_numpy() + 0.3 * p["safety"].to_numpy()
    return out


PLAN = AnswerPlan(
    population={
        "lang": ("lang", {1: 1, 2: 2}), "hs_rank": ("hs_rank_code", {v: v for v in (1, 2, 3, 4, 5, -7)}),
        "nationality": ("nationality_code", {1: 1, 2: 2, 3: 3}),
        "abroad_country": ("abroad_country_code", {v: v for v in range(2, 10)}),
        "abroad_employer": ("abroad_employer_code", {v: v for v in range(1, 7)}),
        "pay_gross_band": ("pay_band_code", {v: v for v in range(1, 9)}),
        "consent": ("one", {1: 1}), "elig_stem": ("one", {1: 1}),
        "elig_korea": ("one", {1: 1}), "role": ("role_code", {v: v for v in range(1, 8)}),
        "work_now": ("work_now_code", {1: 1}), "field": ("field_code", {c: c for v in _FIELDS.values() for c in v}),
        "ai_work": ("ai_code", {1: 1, 2: 2, 3: 3}), "degree": ("degree_code", {v: v for v in range(1, 6)}),
        "sector": ("sector_code", {v: v for v in range(1, 8)}), "sex": ("sex_code", {1: 1, 2: 2}),
        "age_band": ("age_band_code", {v: v for v in range(1, 9)}),
        "region": ("region_code", {v: v for v in range(1, 19)}),
        "pay_band": ("pay_band_code", {v: v for v in range(1, 9)}),
        "pay_system": ("pay_system_code", {1: 1, 2: 2, 3: 3}),
    },
    numeric={"pay_exact": "pay_manwon", "pay_gross": "pay_manwon", "hours_week": "hours", "tenure_years": "tenure",
             "pay_stock": "stock_manwon", "offer_abroad_pay": "offer_abroad_manwon",
             "expect_abroad_pay": "expect_abroad_manwon", "offer_domestic_pay": "offer_domestic_manwon",
             "env_funding_months": "funding_months", "env_admin_pct": "admin_pct", "pbs_share": "pbs_share",
             "abroad_years": "abroad_years"},
    drivers={
        # scales driven by the latent truth
        "fail_stigma": Driver("stigma", 0.8), "psych_safety": Driver("safety", 0.8),
        "autonomy": Driver("autonomy", 0.8), "rel_deprivation": Driver("deprivation", 0.85),
        "fear_failure": Driver("fear", 0.75), "learn_failure": Driver("learning", 0.75),
        "pay_fair_dist": Driver("pay_fair", 0.8), "pay_fair_proc": Driver("pay_fair", 0.8),
        "env_problems": Driver("env", 0.7),
        # the outcomes of RQ2-RQ3: intentions to leave, as logits of the model
        "ti_think": Driver("leave_any", 0.8), "ti_search": Driver("leave_any", 0.75),
        "ti_stay": Driver("leave_any", -0.75), "ti_plan": Driver("leave_any", 0.75),
        "ti_leave_korea_1y": Driver("leave_korea_lp", logit=True, shift=-1.0),
        "ti_leave_korea_5y": Driver("leave_korea_lp", logit=True),
        "ti_abroad_1y": Driver("leave_korea_lp", logit=True, shift=-1.2),
        "ti_abroad_5y": Driver("leave_korea_lp", logit=True, shift=-0.2),
        "offer_abroad": Driver("offer_abroad_lp", logit=True), "offer_domestic": Driver("offer_domestic_lp", logit=True),
        "ti_leave_science": Driver("leave_science_lp", logit=True),
        "rav_topic": Driver("stigma", 0.6), "rav_target": Driver("stigma", 0.55),
        "rav_topic_freq": Driver("stigma", 0.6, shift=-0.3), "rav_target_freq": Driver("stigma", 0.55, shift=-0.4),
        # RQ1: top students prefer medicine
        "med_would": Driver("prefer_medicine_lp", logit=True),
        "med_considered": Driver("prefer_medicine_lp", 0.6),
        "medwhy_guarantee": Driver("prefer_medicine_lp", 0.4, shift=0.6),
        "mot_success": Driver("prefer_medicine_lp", 0.6), "mjr_success": Driver("prefer_medicine_lp", 0.6),
        "medwhy_sci_equal": Driver("prefer_medicine_lp", -0.3, shift=-0.5),
        "js_salary": Driver("neg_deprivation", 0.6), "js_indep": Driver("autonomy", 0.5),
        "js_overall": Driver("leave_any", -0.5), "back_intent": Driver("return_lp", logit=True),
        # RQ5: reforms differ in how much they would help
        "ref_pay": Driver("pay_gap", 0.4, shift=0.7), "ref_longfund": Driver("stigma", 0.3, shift=0.6),
        "ref_failtol": Driver("stigma", 0.5, shift=0.4), "ref_autonomy": Driver("autonomy", -0.4, shift=0.3),
        "ref_perfpay": Driver("zero", 0.0, shift=-0.1), "ref_startup": Driver("zero", 0.0, shift=-0.3),
        "ref_team": Driver("zero", 0.0, shift=-0.2), "ref_fastbudget": Driver("zero", 0.0, shift=0.2),
        "ref_data": Driver("zero", 0.0, shift=0.0),
    },
)
