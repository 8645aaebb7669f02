"""XPath of skip logic on items whose form stores choice *names* (``faculty``), not codes.

The rule is written on codes (``pos in [2, 3]``); the form holds names, so the XPath tests names. Each case is
checked against the pandas backend on codes, with an independent XPath evaluator on the names a form holds.
"""

from __future__ import annotations

import pandas as pd
import pytest
from xpath_oracle import xpath_eval

from careersurvey.expr import ExprError, evaluate, parse, to_xpath
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
