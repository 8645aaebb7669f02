"""Dispositions: completes, partials and break-offs from a store of the small test questionnaire (with
refusals, don't-knows and skip logic), the rest from a manager's file written by hand; conflicts and
unknown codes named."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

import careersurvey as cs
from careersurvey.fieldwork import FieldworkError
from careersurvey.fieldwork.dispositions import store_dispositions
from careersurvey.responses.importer import import_responses
from responses.conftest import mini, write_template

# respondent_id, consent, role, age, motives_1..4, pay, fof_shame, start_date, comment
ROWS = [
    ["0001", 1, 2, 34, 1, 0, 1, 0, 5200, 4, "2019-03-01", "자율성"],       # all 8 items answered
    ["0002", 1, 2, None, None, None, None, None, None, None, None, None],  # 2 of 8 applicable
    ["0003", 1, 3, -7, -7, -7, -7, -7, -8, 3, "2021-01-04", None],         # refusals and don't-knows count: 7 of 8
    ["0004", 0, None, None, None, None, None, None, None, None, None, None],  # refused consent: 1 of 6 answered
    ["0005", 1, 4, 50, 1, None, None, 1, None, None, None, None],          # 4 of 8
]


@pytest.fixture
def store(tmp_path):
    q = mini("1.0.0")
    db = tmp_path / "store.duckdb"
    import_responses(write_template(tmp_path / "r.xlsx", q, ROWS), db, q)
    return db, q


def test_store_rule_share_of_applicable_items_answered(store):
    got = store_dispositions(*store).set_index("respondent_id")
    # by hand: applicable items (role, age only when consent = 1) and answered ones (answer, -7 or -8)
    assert got["answered_share"].to_dict() == pytest.approx({"0001": 1, "0002": 2 / 8, "0003": 7 / 8,
                                                             "0004": 1 / 6, "0005": 4 / 8})
    # 0004 said no to consent on the first screen: a refusal, not the partial its share would make it
    assert got["disposition"].to_dict() == {"0001": "1.1", "0002": "1.2", "0003": "1.1", "0004": "2.11",
                                            "0005": "1.2"}
    strict = store_dispositions(*store, complete=0.9).set_index("respondent_id")["disposition"]
    assert strict["0003"] == "1.2" and strict["0001"] == "1.1"


def test_first_screen_consent_refusal_and_screen_out(tmp_path):
    """Screen-aware: a refusal of consent is 2.11 whatever share it answered (also when every later item is
    routed past it, which made it a complete); a screened-out case is 4.1; consent=None turns the consent rule
    off."""
    q = mini("1.0.0")
    db = tmp_path / "s.duckdb"
    rows = [["0001", 0, None, None, None, None, None, None, None, None, None, "안 합니다"],  # no, with a comment
            ["0002", 1, 1, 20, None, None, None, None, None, None, None, None],  # role 1 (screened out below)
            ["0003", 1, 2, 34, 1, 0, 1, 0, 5200, 4, "2019-03-01", "x"],
            ["0005", 0, None, None, None, None, None, None, None, None, None, None]]
    import_responses(write_template(tmp_path / "r.xlsx", q, rows), db, q)
    plain = store_dispositions(db, q, consent=None).set_index("respondent_id")["disposition"]
    got = store_dispositions(db, q, screened_out="role == 1").set_index("respondent_id")["disposition"]
    assert plain["0001"] in ("1.1", "1.2") and plain["0005"] in ("1.1", "1.2")  # the old rule: not a refusal
    assert got.to_dict() == {"0001": "2.11", "0002": "4.1", "0003": "1.1", "0005": "2.11"}
    # assigning from the store carries the rules through; the rates count the refusals as R
    sample = pd.DataFrame({"respondent_id": ["0001", "0002", "0003", "0005"], "disposition": None})
    d = cs.assign_dispositions(sample, db, q, screened_out="role == 1")
    assert d.sample["disposition"].tolist() == ["2.11", "4.1", "1.1", "2.11"]
    assert cs.response_rates(d.sample).table.loc["all", ["I", "P", "R", "NE"]].tolist() == [1, 0, 2, 1]


def test_first_screen_rules_name_what_is_wrong(store):
    with pytest.raises(FieldworkError, match=r"consent='agree_q' is not an item of stem-mini 1.0.0; name the consent"):
        store_dispositions(*store, consent="agree_q")
    with pytest.raises(FieldworkError, match=r"screened_out='elig == 3' is not a rule over the items of stem-mini 1.0.0; write it .*"
                                             "the data have no column 'elig'"):
        store_dispositions(*store, screened_out="elig == 3")


def test_break_off_when_the_key_module_misses_a_required_item(tmp_path):
    """A questionnaire where role is required but consent is not: a respondent who consented and answered
    age but not role broke off (2.12); one who answered nothing is 2.1121."""
    base = mini("1.0.0")
    module = base.modules[0]
    items = tuple(dataclasses.replace(i, required=False) if i.name == "consent" else i for i in module.elements)
    q = dataclasses.replace(base, modules=(dataclasses.replace(module, elements=items),))
    db = tmp_path / "s.duckdb"
    rows = [["0001", 1, 2, 30, 1, 1, 1, 1, 10, 3, "2020-01-01", "x"],
            ["0002", None, None, None, None, None, None, None, None, None, None, None]]
    results = import_responses(write_template(tmp_path / "r.xlsx", q, rows), db, q)
    stored = cs.load_responses(db, q, labels=False)
    assert sorted(stored["respondent_id"]) == ["0001", "0002"], results
    got = store_dispositions(db, q).set_index("respondent_id")["disposition"].to_dict()
    assert got == {"0001": "1.1", "0002": "2.1121"}


def test_assign_from_store_and_manager_file(store, tmp_path):
    p = tmp_path / "sample.csv"
    p.write_text("respondent_id,stratum,disposition\n0001,01,\n0002,01,2.26\n0003,02,\n0004,02,\n0005,02,\n"
                 "0006,01,2.11\n0007,02,3.19\n0008,02,4.1\n00090,01,2.20\n", encoding="utf-8")
    sample = cs.read_sample(p, text=["disposition", "stratum"])
    d = cs.assign_dispositions(sample, *store, source=str(p))
    assert d.sample["disposition"].tolist() == ["1.1", "1.2", "1.1", "2.11", "1.2", "2.11", "3.19", "4.1", "2.2"]
    assert d.sample["disposition_source"].tolist() == ["store"] * 5 + ["manager"] * 4
    assert d.notes == ("1 case coded otherwise by the manager take the store's code (row 3)",)
    r = cs.response_rates(d.sample, by="stratum")
    assert r.table.loc["all", ["I", "P", "R", "NC", "UH", "NE"]].tolist() == [2, 2, 2, 1, 1, 1]
    assert r.table.loc["01", ["RR1", "RR2"]].tolist() == pytest.approx([1 / 4, 2 / 4])  # I, P, R, NC


def test_a_returned_questionnaire_missing_from_the_store_is_an_error(store, tmp_path):
    p = tmp_path / "sample.csv"
    p.write_text("respondent_id,disposition\n0001,\n7,1.1\n", encoding="utf-8")
    with pytest.raises(FieldworkError) as err:
        cs.assign_dispositions(cs.read_sample(p), *store, source=str(p))
    assert str(err.value) == (f"{p}, column disposition: row 3: coded 1.1 (a returned questionnaire) but "
                              "respondent_id '7' has no accepted response in the store; import the response (or "
                              "correct the id), or give the case its real code")
    p.write_text("respondent_id,disposition\n0001,\n0009,\n", encoding="utf-8")
    with pytest.raises(FieldworkError, match=r"no disposition in row 3; every sampled case needs"):
        cs.assign_dispositions(cs.read_sample(p), *store, source=str(p))
