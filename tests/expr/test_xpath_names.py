"""XPath of skip logic on items whose form stores choice *names* (``faculty``), not codes.

The rule is written on codes (``pos in [2, 3]``); the form holds names, so the XPath tests names. Each case is
checked against the pandas backend on codes, with an independent XPath evaluator on the names a form holds.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import conditions, num_literals, survey_frames, xpath_fields
from xpath_oracle import xpath_eval

from careersurvey.expr import ExprError, evaluate, parse, to_xpath
from careersurvey.expr.nodes import BoolOp, Compare, In, Name, Not
from careersurvey.questionnaire.model import MISSING_CODES

NAMES = {"pos": {1: "student", 2: "postdoc", 3: "faculty", 4: "industry"},
         "mot": {1: "pay", 2: "autonomy", 3: "family"}}
#: answers as codes (None = empty) and as the form holds them
POS = [1, 2, 3, 4, -7, -8, -9, None]
MOT = [(1,), (2, 3), (3,), (), (-8,), (1, 2, 3), None, (2,)]


def frame() -> pd.DataFrame:
    data = {"pos": [float("nan") if p is None else p for p in POS]}
    for code in NAMES["mot"]:
        data[f"mot_{code}"] = [float("nan") if m is None else (m[0] if m and m[0] < 0 else float(code in m))
                               for m in MOT]
    return pd.DataFrame(data)


def form_fields() -> list[dict[str, str]]:
    def name(item: str, code: int) -> str:
        return NAMES[item].get(code, str(code))

    return [{"pos": "" if p is None else name("pos", p),
             "mot": "" if m is None else " ".join(name("mot", c) for c in m)} for p, m in zip(POS, MOT)]


@pytest.mark.parametrize("rule, xpath", [
    ("pos == 3", "${pos} = 'faculty'"),
    ("pos != 3", "${pos} = 'student' or ${pos} = 'postdoc' or ${pos} = 'industry'"),
    ("pos >= 3", "${pos} = 'faculty' or ${pos} = 'industry'"),
    ("2 > pos", "${pos} = 'student'"),
    ("pos in [2, 3]", "${pos} = 'postdoc' or ${pos} = 'faculty'"),
    ("pos not in [1, 2, 3]", "${pos} = 'industry'"),
    ("pos > 4", "false()"),
    ("selected(mot, 2)", "selected(${mot}, 'autonomy')"),
    ("not selected(mot, 3) and pos == 1", "not(selected(${mot}, 'family')) and ${pos} = 'student'"),
    ("answered(pos)", "${pos} != '' and not(${pos} = -6 or ${pos} = -7 or ${pos} = -8 or ${pos} = -9)"),
    ("answered(mot) or pos in [1, 4]",
     "count-selected(${mot}) > 0 and not(selected(${mot}, '-6') or selected(${mot}, '-7') or "
     "selected(${mot}, '-8') or selected(${mot}, '-9')) or (${pos} = 'student' or ${pos} = 'industry')"),
])
def test_rules_on_codes_test_names_in_the_form(rule: str, xpath: str) -> None:
    text = to_xpath(parse(rule), multiple={"mot"}, missing_codes=MISSING_CODES, choice_names=NAMES)
    assert text == xpath
    expected = evaluate(rule, frame(), missing_codes=MISSING_CODES).tolist()
    assert [xpath_eval(text, row) for row in form_fields()] == expected


def test_without_names_the_codes_are_tested() -> None:
    assert to_xpath(parse("pos in [2, 3]"), missing_codes=MISSING_CODES) == "${pos} = 2 or ${pos} = 3"


@pytest.mark.parametrize("rule", ["pos + 1 > 3", "pos == other"])
def test_a_named_item_as_a_number_is_refused(rule: str) -> None:
    with pytest.raises(ExprError, match="'pos' stores choice names in the form, so it can only be compared with a "
                                        r"choice code \(==, !=, <, <=, >, >=, in\)"):
        to_xpath(parse(rule), missing_codes=MISSING_CODES, choice_names=NAMES)


# ------------------------------------------------------------------ property: random rules, names in the form
N1_NAMES = {code: f"c{code}" for code in range(0, 7)}  # n1's choices 0..6 named c0..c6
M1_NAMES = {1: "p", 2: "q", 3: "r"}


_N1 = st.just(Name("n1"))
_ON_N1 = st.one_of(  # comparisons of the named item with codes, either way round, and membership
    st.builds(Compare, st.sampled_from(["==", "!=", "<", "<=", ">", ">="]), _N1, num_literals),
    st.builds(Compare, st.sampled_from(["==", "!=", "<", "<=", ">", ">="]), num_literals, _N1),
    st.builds(In, _N1, st.lists(num_literals, min_size=1, max_size=3).map(tuple), st.booleans()),
)
named_conditions = st.recursive(st.one_of(_ON_N1, conditions), lambda inner: st.one_of(
    st.builds(BoolOp, st.sampled_from(["and", "or"]), inner, inner), st.builds(Not, inner)), max_leaves=4)


@settings(max_examples=200, deadline=None)
@given(tree=named_conditions, df=survey_frames())
def test_named_xpath_agrees_with_evaluate_on_codes(tree, df: pd.DataFrame) -> None:
    """Wherever a rule can be written on names, the XPath on names equals the pandas backend on codes."""
    n1 = df["n1"].to_numpy()
    df = df.assign(n1=np.where((n1 < 0) & ~np.isin(n1, MISSING_CODES), np.nan, n1))  # a named item holds no -5
    try:
        xpath = to_xpath(tree, multiple={"m1"}, missing_codes=MISSING_CODES,
                         choice_names={"n1": N1_NAMES, "m1": M1_NAMES})
    except ExprError as exc:
        assert "'n1' stores choice names" in str(exc)
        return
    rows = xpath_fields(df)
    for row in rows:
        if row["n1"] not in ("", *map(str, MISSING_CODES)):
            row["n1"] = N1_NAMES[int(row["n1"])]
        row["m1"] = " ".join(M1_NAMES.get(int(t), t) if t.isdigit() else t for t in row["m1"].split())
    expected = evaluate(tree, df, missing_codes=MISSING_CODES).tolist()
    assert [xpath_eval(xpath, row) for row in rows] == expected, xpath
