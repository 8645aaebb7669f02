"""A store holding answers to two versions, loaded as one: renamed items declared under ``harmonise:`` carry
their answers (and missing codes) across versions, everything else the row's version lacked is -6.

On a questionnaire written here (two small versions, one rename, one split, one unchanged item), and on the real
stem-careers 1.0.0 and 1.1.0 (both directions: 1.1.0 declares the mapping, loading as 1.0.0 reads it backwards).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from careersurvey.forms.template import export_template
from careersurvey.questionnaire import load_questionnaire, parse_questionnaire
from careersurvey.responses.dataset import load_dataset, load_responses
from careersurvey.responses.importer import import_responses
from careersurvey.simulate.fieldwork import fill_template

HEAD = """id: pulse
version: {version}
status: released
languages: [en]
title: {{en: "Pulse"}}
missing_codes:
  -6: {{en: "Not asked in this version"}}
  -7: {{en: "Prefer not to answer"}}
  -8: {{en: "Don't know"}}
  -9: {{en: "Not applicable"}}
choice_lists:
  agree5:
    - {{code: 1, en: "Strongly disagree"}}
    - {{code: 2, en: "Disagree"}}
    - {{code: 3, en: "Neither"}}
    - {{code: 4, en: "Agree"}}
    - {{code: 5, en: "Strongly agree"}}
modules:
  - id: m1
    title: {{en: "All"}}
    items:
"""
V100 = HEAD.format(version="1.0.0") + """      - {name: pay_total, type: integer, label: {en: "Pay?"}, missing: [-7, -8]}
      - {name: hire_promo, type: rating, choices: agree5, label: {en: "Hiring and promotion go by seniority."}}
      - {name: mood, type: rating, choices: agree5, label: {en: "I am content."}}
"""
V110 = HEAD.format(version="1.1.0") + """      - {name: pay_base, type: integer, label: {en: "Pay without stock?"}, missing: [-7, -8]}
      - {name: hire_senior, type: rating, choices: agree5, label: {en: "Hiring goes by seniority."}}
      - {name: promo_senior, type: rating, choices: agree5, label: {en: "Promotion goes by seniority."}}
      - {name: mood, type: rating, choices: agree5, label: {en: "I am content."}}
harmonise:
  - from: 1.0.0
    items:
      pay_base: pay_total
"""


def _import(tmp_path, q, answers: pd.DataFrame, db):
    book = fill_template(export_template(q, tmp_path / f"t{q.version}.xlsx", rows=len(answers)),
                         answers[list(q.columns())], tmp_path / f"filled{q.version}.xlsx")
    (result,) = import_responses(book, db, q)
    assert result.accepted == len(answers) and result.quarantined == 0
    return result


@pytest.fixture()
def pulse_store(tmp_path):
    q10, q11 = parse_questionnaire(V100, "pulse/1.0.0.yaml"), parse_questionnaire(V110, "pulse/1.1.0.yaml")
    db = tmp_path / "pulse.duckdb"
    _import(tmp_path, q10, pd.DataFrame({"pay_total": [5200, -7, -8], "hire_promo": [4, 2, 5], "mood": [3, 4, 1]},
                                        index=["a1", "a2", "a3"]), db)
    _import(tmp_path, q11, pd.DataFrame({"pay_base": [6100, 7300], "hire_senior": [5, 1], "promo_senior": [4, 2],
                                         "mood": [2, 5]}, index=["b1", "b2"]), db)
    return db, q10, q11


def test_renamed_items_carry_answers_and_codes_split_items_are_not_asked(pulse_store):
    db, q10, q11 = pulse_store
    data = load_dataset(db, q11, labels=False)
    df = data.data.set_index("respondent_id")
    codes = data.codes().set_index("respondent_id")
    assert codes["pay_base"].tolist() == [5200, -7, -8, 6100, 7300]  # 1.0.0's pay_total, codes included
    assert df["pay_base"].tolist()[3:] == [6100, 7300] and df.loc[["a2", "a3"], "pay_base"].isna().all()
    assert codes.loc[["a1", "a2", "a3"], ["hire_senior", "promo_senior"]].eq(-6).all().all()  # split: not asked
    assert codes["mood"].tolist() == [3, 4, 1, 2, 5]  # same name: carried as it is
    assert "pay_total" not in df.columns and "hire_promo" not in df.columns


def test_without_a_declaration_a_renamed_item_is_not_asked(tmp_path):
    q10 = parse_questionnaire(V100, "pulse/1.0.0.yaml")
    q11 = parse_questionnaire(V110.split("harmonise:")[0], "pulse/1.1.0.yaml")
    db = tmp_path / "plain.duckdb"
    _import(tmp_path, q10, pd.DataFrame({"pay_total": [5200], "hire_promo": [4], "mood": [3]}, index=["a1"]), db)
    _import(tmp_path, q11, pd.DataFrame({"pay_base": [6100], "hire_senior": [5], "promo_senior": [4], "mood": [2]},
                                        index=["b1"]), db)
    codes = load_dataset(db, q11, labels=False).codes().set_index("respondent_id")
    assert codes["pay_base"].tolist() == [-6, 6100]


def _stem_rows(q, n: int, **values) -> pd.DataFrame:
    """``n`` eligible researchers in Korea; the given columns set, every other column left empty."""
    base = {"lang": 1, "consent": 1, "elig_stem": 1, "elig_korea": 1, "role": 5, "field": 202, "degree": 4,
            "sector": 1}
    frame = pd.DataFrame(np.nan, index=[f"{q.version}-{i}" for i in range(n)], columns=list(q.columns()),
                         dtype=object)
    for col, v in {**base, **values}.items():
        frame[col] = v
    return frame


def test_stem_careers_store_with_both_versions(tmp_path):
    q10, q11 = load_questionnaire("stem-careers@1.0.0"), load_questionnaire("stem-careers@1.1.0")
    db = tmp_path / "stem.duckdb"
    _import(tmp_path, q10, _stem_rows(q10, 3, pay_exact=[8000, -7, 12000], ti_leave_korea_5y=[4, 2, 5],
                                      env_budget_cut=[3, 5, 1], env_seniority=[4, 4, 2], mot_parents=[3, 1, 2],
                                      psafe_differ=[2, 2, 2]), db)
    _import(tmp_path, q11, _stem_rows(q11, 2, pay_gross=[9000, 15000], ti_abroad_5y=[3, 1], env_budget_cut24=[2, 4],
                                      env_hire_senior=[5, 1], offer_abroad=[2, 1], offer_abroad_pay=[55000, np.nan]),
            db)
    new = load_dataset(db, labels=False)  # newest version in the store: 1.1.0
    assert new.questionnaire.key == "stem-careers@1.1.0"
    codes = new.codes().set_index("respondent_id")
    old_rows = [f"1.0.0-{i}" for i in range(3)]
    assert codes["pay_gross"].tolist() == [8000, -7, 12000, 9000, 15000]
    assert codes["ti_abroad_5y"].tolist() == [4, 2, 5, 3, 1]
    assert codes["env_budget_cut24"].tolist() == [3, 5, 1, 2, 4]
    for name in ("env_hire_senior", "env_promo_senior", "mjr_parent_push", "psafe_quiet", "offer_abroad_pay",
                 "pay_stock", "nationality"):
        assert codes.loc[old_rows, name].eq(-6).all(), name  # split, replaced or new: not asked in 1.0.0
    assert codes.loc["1.1.0-0", "offer_abroad_pay"] == 55000
    labelled = load_responses(db)
    assert labelled["ti_abroad_5y"].iloc[0] == "가능성이 높은 편입니다"  # 1.0.0's code 4, with 1.1.0's label
    # loaded as 1.0.0, the 1.1.0 rows read the renamed items backwards from 1.1.0's declaration
    old = load_dataset(db, "stem-careers@1.0.0", labels=False).codes().set_index("respondent_id")
    assert old["pay_exact"].tolist() == [8000, -7, 12000, 9000, 15000]
    assert old["ti_leave_korea_5y"].tolist() == [4, 2, 5, 3, 1]
    assert old.loc[["1.1.0-0", "1.1.0-1"], ["env_seniority", "mot_parents", "psafe_differ"]].eq(-6).all().all()
