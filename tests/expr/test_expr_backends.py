"""XPath text, paper-form wording and DataFrame evaluation; the XPath and pandas backends must agree."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from careersurvey.expr import ExprError, evaluate, parse, to_words, to_xpath
from careersurvey.expr.nodes import Compare, In, Missing, Name, Not
from careersurvey.questionnaire.model import MISSING_CODES
from strategies import (MULTIPLE_ITEMS, NUMERIC_ITEMS, TEXT_ITEMS, conditions, num_literals, survey_frames,
                        text_literals, xpath_fields)
from xpath_oracle import xpath_eval

GUARD = "${{{0}}} != '' and not(${{{0}}} = -6 or ${{{0}}} = -7 or ${{{0}}} = -8 or ${{{0}}} = -9)"


# ------------------------------------------------------------------ XPath
@pytest.mark.parametrize(
    "text, xpath",
    [
        ("role in [1, 2] and selected(motives, 3)",
         "(${role} = 1 or ${role} = 2) and selected(${motives}, '3')"),
        ("q5 == 1", "${q5} = 1"),
        ("1 == q5", "1 = ${q5}"),
        ("stype == 'E'", "${stype} = 'E'"),
        ("role in [3]", "${role} = 3"),
        ("a == 1 or b == 2 and c == 3", "${a} = 1 or ${b} = 2 and ${c} = 3"),
        ("(a == 1 or b == 2) and c == 3", "(${a} = 1 or ${b} = 2) and ${c} = 3"),
        ("not (a == 1 or b == 2)", "not(${a} = 1 or ${b} = 2)"),
        ("a != 1", f"({GUARD.format('a')} and ${{a}} != 1)"),
        ("h * 52 > 2000", f"({GUARD.format('h')} and ${{h}} * 52 > 2000)"),
        ("a / 2 - b % 3 >= 1",
         f"({GUARD.format('a')} and {GUARD.format('b')} and ${{a}} div 2 - ${{b}} mod 3 >= 1)"),
        ("x == -7", f"({GUARD.format('x')} and ${{x}} = -7)"),
        ("x == ''", f"({GUARD.format('x')} and ${{x}} = '')"),
        ("r not in [1, 2]", f"({GUARD.format('r')} and not(${{r}} = 1 or ${{r}} = 2))"),
        ("answered(p)", GUARD.format("p")),
        ("missing(p)", f"not({GUARD.format('p')})"),
        ("answered(m)", "count-selected(${m}) > 0 and not(selected(${m}, '-6') or selected(${m}, '-7') "
                        "or selected(${m}, '-8') or selected(${m}, '-9'))"),
        ("-a < 2", f"({GUARD.format('a')} and -${{a}} < 2)"),
    ],
)
def test_xpath_text(text: str, xpath: str) -> None:
    assert to_xpath(parse(text), multiple=frozenset({"motives", "m"}), missing_codes=MISSING_CODES) == xpath


def test_xpath_without_missing_codes() -> None:
    assert to_xpath(parse("a != 1"), missing_codes=()) == "(${a} != '' and ${a} != 1)"
    assert to_xpath(parse("answered(m)"), multiple={"m"}, missing_codes=()) == "count-selected(${m}) > 0"


def test_xpath_refuses_a_multiple_choice_item_as_a_value() -> None:
    with pytest.raises(ExprError, match=r"'motives' is a multiple-choice item: test it with selected"):
        to_xpath(parse("motives == 3"), multiple={"motives"}, missing_codes=MISSING_CODES)


def test_xpath_is_accepted_by_pyxform() -> None:
    """The XPath we write passes pyxform's own conversion of an XLSForm into an ODK XForm."""
    pyxform = pytest.importorskip("pyxform")
    relevant = to_xpath(parse("age >= 20 and role in [1, 2] and not selected(mot, 2) and answered(pay)"),
                        multiple={"mot"}, missing_codes=MISSING_CODES)
    md = f"""
    | survey |                 |      |       |            |
    |        | type            | name | label | relevant   |
    |        | integer         | age  | Age   |            |
    |        | select_one r    | role | Role  |            |
    |        | select_multiple r | mot | Why  |            |
    |        | integer         | pay  | Pay   |            |
    |        | text            | q    | Q     | {relevant.replace('|', '')} |
    | choices |                |      |       |
    |         | list_name      | name | label |
    |         | r              | 1    | One   |
    |         | r              | 2    | Two   |
    """
    from pyxform.xls2xform import convert

    result = convert(xlsform=md, form_name="t")
    assert "relevant=" in result.xform


# ------------------------------------------------------------------ words
LABELS = {"role": {1: "학생", 2: "교수", 3: "연구원"}, "consent": {1: "예", 0: "아니요"},
          "motives": {3: "연봉"}, "agree": {4: "그렇다"}}
EN_LABELS = {"role": {1: "Student", 2: "Professor", 3: "Researcher"}, "consent": {1: "Yes", 0: "No"},
             "motives": {3: "Pay"}, "agree": {4: "Agree"}}
REFS = {"role": "Q5", "consent": "Q1", "motives": "Q7", "hours": "Q3", "pay": "Q8", "agree": "Q9", "age": "Q2"}


def words(text: str, lang: str) -> str:
    labels = LABELS if lang == "ko" else EN_LABELS
    return to_words(parse(text), lang=lang, ref=REFS.__getitem__,
                    choice_label=lambda name, code: labels.get(name, {}).get(code))


@pytest.mark.parametrize(
    "text, ko, en",
    [
        ("consent == 1", "Q1에서 '예'를 선택한 경우", "if Q1 is 'Yes'"),
        ("consent != 1", "Q1에서 '예'를 선택하지 않은 경우", "if Q1 is not 'Yes'"),
        # `x != 1` reads an answer; `not x == 1` also holds when x is missing, and the words say so
        ("not consent == 1", "Q1에서 '예'를 선택하지 않거나 Q1에 응답하지 않은 경우",
         "if Q1 is not 'Yes' or Q1 is not answered"),
        ("not age < 30", "Q2 응답이 30 이상이거나 Q2에 응답하지 않은 경우", "if Q2 is at least 30 or Q2 is not answered"),
        ("consent == 1 and not role in [1, 2]",
         "Q1에서 '예'를 선택하고 Q5에서 '학생', '교수' 중 어느 것도 선택하지 않거나 Q5에 응답하지 않은 경우에 해당하는 경우",
         "if Q1 is 'Yes' and (Q5 is neither 'Student' nor 'Professor' or Q5 is not answered)"),
        ("role == 3", "Q5에서 '연구원'을 선택한 경우", "if Q5 is 'Researcher'"),
        ("age >= 30", "Q2 응답이 30 이상인 경우", "if Q2 is at least 30"),
        ("30 > age", "Q2 응답이 30 미만인 경우", "if Q2 is less than 30"),
        ("age != 3", "Q2 응답이 3이 아닌 경우", "if Q2 is not 3"),
        ("age != 2", "Q2 응답이 2가 아닌 경우", "if Q2 is not 2"),
        ("agree >= 4", "Q9 응답이 4('그렇다') 이상인 경우", "if Q9 is at least 4 ('Agree')"),
        ("hours * 52 > 2000", "Q3 × 52의 값이 2000 초과인 경우", "if Q3 × 52 is more than 2000"),
        ("role in [1, 2]", "Q5에서 '학생', '교수' 중 하나를 선택한 경우", "if Q5 is either 'Student' or 'Professor'"),
        ("role not in [1, 2, 3]", "Q5에서 '학생', '교수', '연구원' 중 어느 것도 선택하지 않은 경우",
         "if Q5 is none of 'Student', 'Professor', 'Researcher'"),
        ("age in [1, 2]", "Q2 응답이 1, 2 중 하나인 경우", "if Q2 is either 1 or 2"),
        ("selected(motives, 3)", "Q7에서 '연봉'을 선택한 경우", "if Q7 includes 'Pay'"),
        ("not selected(motives, 3)", "Q7에서 '연봉'을 선택하지 않은 경우", "if Q7 does not include 'Pay'"),
        ("answered(pay)", "Q8에 응답한 경우", "if Q8 is answered"),
        ("missing(pay)", "Q8에 응답하지 않은 경우", "if Q8 is not answered"),
        ("consent == 1 and age >= 20", "Q1에서 '예'를 선택하고 Q2 응답이 20 이상인 경우",
         "if Q1 is 'Yes' and Q2 is at least 20"),
        ("role == 1 or role == 2 or missing(pay)",
         "Q5에서 '학생'을 선택하거나 Q5에서 '교수'를 선택하거나 Q8에 응답하지 않은 경우",
         "if Q5 is 'Student' or Q5 is 'Professor' or Q8 is not answered"),
        ("consent == 1 and (role == 1 or age < 30)",
         "Q1에서 '예'를 선택하고 Q5에서 '학생'을 선택하거나 Q2 응답이 30 미만인 경우에 해당하는 경우",
         "if Q1 is 'Yes' and (Q5 is 'Student' or Q2 is less than 30)"),
        ("not (role == 1 or age < 30)",
         "Q5에서 '학생'을 선택하거나 Q2 응답이 30 미만인 경우에 해당하지 않는 경우",
         "if not (Q5 is 'Student' or Q2 is less than 30)"),
    ],
)
def test_words(text: str, ko: str, en: str) -> None:
    assert words(text, "ko") == ko
    assert words(text, "en") == en


def test_words_without_labels_use_names_and_codes() -> None:
    assert to_words(parse("stype == 'E'"), lang="en") == "if stype is 'E'"
    assert to_words(parse("x == 1"), lang="ko") == "x 응답이 1인 경우"


def test_words_language_is_checked() -> None:
    with pytest.raises(ValueError, match="to_words speaks 'ko' and 'en', not 'fr'"):
        to_words(parse("x == 1"), lang="fr")


@given(conditions)
def test_words_render_every_tree(tree) -> None:
    assert to_words(tree, lang="ko").endswith(" 경우")
    assert to_words(tree, lang="en").startswith("if ")


# ------------------------------------------------------------------ pandas
@pytest.fixture
def frame() -> pd.DataFrame:
    return pd.DataFrame({
        "role": [1, 2, 3, -7, np.nan, -9],
        "stype": ["E", "H", "", None, "E", "M"],
        "hours": [40, 50, np.nan, 30, -8, 45],
        "mot_1": [1, 0, np.nan, 0, 1, 0],
        "mot_2": [0, 1, np.nan, 0, 1, 0],
        "mot_-7": [0, 0, np.nan, 1, 0, 0],
    })


@pytest.mark.parametrize(
    "text, expected",
    [
        ("role == 1", [1, 0, 0, 0, 0, 0]),
        ("role != 1", [0, 1, 1, 0, 0, 0]),
        ("not role == 1", [0, 1, 1, 1, 1, 1]),
        ("role in [1, 2]", [1, 1, 0, 0, 0, 0]),
        ("role not in [1, 2]", [0, 0, 1, 0, 0, 0]),
        ("role == -7", [0, 0, 0, 0, 0, 0]),
        ("role < 3", [1, 1, 0, 0, 0, 0]),
        ("stype == 'E'", [1, 0, 0, 0, 1, 0]),
        ("stype != 'E'", [0, 1, 0, 0, 0, 1]),
        ("hours * 52 > 2000", [1, 1, 0, 0, 0, 1]),
        ("answered(hours)", [1, 1, 0, 1, 0, 1]),
        ("missing(role)", [0, 0, 0, 1, 1, 1]),
        ("selected(mot, 1)", [1, 0, 0, 0, 1, 0]),
        ("answered(mot)", [1, 1, 0, 0, 1, 0]),
        ("role == 2 or selected(mot, 1) and hours >= 40", [1, 1, 0, 0, 0, 0]),
    ],
)
def test_evaluate_examples(frame: pd.DataFrame, text: str, expected: list[int]) -> None:
    mask = evaluate(parse(text), frame, missing_codes=MISSING_CODES)
    assert mask.dtype == bool
    assert mask.tolist() == [bool(v) for v in expected]


def test_evaluate_without_missing_codes_on_arbitrary_data() -> None:
    df = pd.DataFrame({"stype": ["E", "H", "M", "E"], "api00": [700, 500, 650, 601],
                       "sch_wide": ["Yes", "No", "Yes", "No"], "x": [-7, -8, 1, 2]})
    assert evaluate("api00 > 600 and not (sch_wide == 'No')", df, missing_codes=()).tolist() == [
        True, False, True, False]
    assert evaluate("x < 0", df, missing_codes=()).tolist() == [True, True, False, False]
    assert evaluate("x < 0", df, missing_codes=MISSING_CODES).tolist() == [False, False, False, False]


def test_evaluate_reads_text_numbers_and_categories() -> None:
    df = pd.DataFrame({"a": pd.Series(["3", "abc", "", "-7"], dtype=object),
                       "c": pd.Categorical(["E", "H", "E", None])})
    assert evaluate("a == 3", df, missing_codes=MISSING_CODES).tolist() == [True, False, False, False]
    assert evaluate("a != 3", df, missing_codes=MISSING_CODES).tolist() == [False, True, False, False]
    assert evaluate("c == 'E'", df, missing_codes=MISSING_CODES).tolist() == [True, False, True, False]


def test_evaluate_names_the_missing_column(frame: pd.DataFrame) -> None:
    with pytest.raises(ExprError, match="the data have no column 'nope': check the item name"):
        evaluate("role == 1 or nope == 2", frame, missing_codes=MISSING_CODES)
    with pytest.raises(ExprError, match=r"'mot' is a multiple-choice item \(columns mot_<code>\)"):
        evaluate("mot == 1", frame, missing_codes=MISSING_CODES)
    with pytest.raises(ExprError, match="the data have no column 'mot_9' for selected"):
        evaluate("selected(mot, 9)", frame, missing_codes=MISSING_CODES)


# ------------------------------------------------------------------ agreement
@settings(max_examples=150)
@given(tree=conditions, df=survey_frames(), use_codes=st.booleans())
def test_xpath_and_pandas_backends_agree(tree, df: pd.DataFrame, use_codes: bool) -> None:
    codes = MISSING_CODES if use_codes else ()
    xpath = to_xpath(tree, multiple=frozenset(MULTIPLE_ITEMS), missing_codes=codes)
    mask = evaluate(tree, df, missing_codes=codes)
    expected = [xpath_eval(xpath, row) for row in xpath_fields(df, codes)]
    assert mask.tolist() == expected, xpath


@settings(max_examples=50)
@given(tree=conditions, df=survey_frames())
def test_evaluating_the_text_equals_evaluating_the_tree(tree, df: pd.DataFrame) -> None:
    assert evaluate(str(tree), df, missing_codes=MISSING_CODES).tolist() == evaluate(tree, df, missing_codes=MISSING_CODES).tolist()


@settings(max_examples=50)
@given(tree=conditions, df=survey_frames())
def test_text_column_dtype_does_not_matter(tree, df: pd.DataFrame) -> None:
    expected = evaluate(tree, df, missing_codes=MISSING_CODES).tolist()
    for dtype in ("string", "category"):
        assert evaluate(tree, df.astype({"t1": dtype}), missing_codes=MISSING_CODES).tolist() == expected
    # numeric items stored as nullable integers, or as text read from a spreadsheet, answer the same
    as_int = df.astype({"n1": "Int64", "n2": "Int64"})
    assert evaluate(tree, as_int, missing_codes=MISSING_CODES).tolist() == expected


def test_words_label_codes_written_as_text() -> None:
    assert words("selected(motives, '3')", "ko") == "Q7에서 '연봉'을 선택한 경우"


# ------------------------------------------------------------------ missing answers: codes, NA, words
def as_loaded(df: pd.DataFrame, multiple_dtype: str) -> pd.DataFrame:
    """``df`` as ``load_responses`` gives it: every missing code NA (nullable dtypes), text codes NA,
    multiple-choice columns 0/1 (Int64) or True/False (boolean) with NA where the item was coded missing."""
    out = {}
    for col in df.columns:
        s = df[col]
        if col in TEXT_ITEMS:
            text = s.astype(object)
            out[col] = text.where(~text.isin([str(c) for c in MISSING_CODES]) & text.notna(), None).astype("string")
        elif col.startswith(tuple(f"{m}_" for m in MULTIPLE_ITEMS)):
            real = s.mask(s.isin(MISSING_CODES)).astype("Float64").astype("Int64")
            out[col] = real.astype("boolean") if multiple_dtype == "boolean" else real
        else:
            out[col] = s.mask(s.isin(MISSING_CODES)).astype("Float64").astype("Int64")
    return pd.DataFrame(out)


def as_blank(df: pd.DataFrame) -> pd.DataFrame:
    """The same rows with every missing code an empty cell (floats and None), as an ODK instance holds them."""
    out = df.copy()
    for col in out.columns:
        if col in TEXT_ITEMS:
            out[col] = out[col].where(~out[col].isin([str(c) for c in MISSING_CODES]), None)
        else:
            out[col] = out[col].mask(out[col].isin(MISSING_CODES))
    return out


@settings(max_examples=150)
@given(tree=conditions, df=survey_frames(), multiple_dtype=st.sampled_from(["Int64", "boolean"]))
def test_backends_agree_on_missing_codes_and_on_na(tree, df: pd.DataFrame, multiple_dtype: str) -> None:
    """A missing answer is missing whether it is a code the caller declares or NA (load_responses' frames):
    pandas on the codes, pandas on the NA frame (with or without codes declared) and XPath on blank answers
    all agree."""
    coded = evaluate(tree, df, missing_codes=MISSING_CODES).tolist()
    loaded = as_loaded(df, multiple_dtype)
    assert evaluate(tree, loaded, missing_codes=()).tolist() == coded
    assert evaluate(tree, loaded, missing_codes=MISSING_CODES).tolist() == coded
    xpath = to_xpath(tree, multiple=frozenset(MULTIPLE_ITEMS), missing_codes=MISSING_CODES)
    assert [xpath_eval(xpath, row) for row in xpath_fields(as_blank(df), MISSING_CODES)] == coded, xpath


_NEGATED = {"==": "!=", "!=": "==", "<": ">=", "<=": ">", ">": "<=", ">=": "<"}
simple_tests = st.one_of(
    st.builds(Compare, st.sampled_from(list(_NEGATED)), st.sampled_from(NUMERIC_ITEMS).map(Name), num_literals),
    st.builds(Compare, st.sampled_from(["==", "!="]), st.sampled_from(NUMERIC_ITEMS + TEXT_ITEMS).map(Name),
              text_literals),
    st.builds(In, st.sampled_from(NUMERIC_ITEMS + TEXT_ITEMS).map(Name),
              st.lists(num_literals, min_size=1, max_size=3).map(tuple), st.booleans()),
)


def flipped(node):
    """The comparison with the opposite operator, which reads answered rows only."""
    if isinstance(node, Compare):
        return Compare(_NEGATED[node.op], node.left, node.right)
    return In(node.subject, node.values, not node.negated)


@settings(max_examples=150)
@given(test=simple_tests, df=survey_frames())
def test_words_of_a_negated_comparison_say_what_evaluate_does(test, df: pd.DataFrame) -> None:
    """``not x < 3`` holds where ``x >= 3`` does or x is missing (FORMAT.md); the words say exactly that, in
    both languages, while ``x >= 3`` itself reads an answer and says nothing of missing ones."""
    name = next(iter(test.names()))
    negated = evaluate(Not(test), df, missing_codes=MISSING_CODES)
    expected = evaluate(flipped(test), df, missing_codes=MISSING_CODES) | evaluate(
        Missing(Name(name)), df, missing_codes=MISSING_CODES)
    assert negated.tolist() == expected.tolist()
    ref = str.upper
    assert to_words(Not(test), lang="en", ref=ref) == f"{to_words(flipped(test), lang='en', ref=ref)} or {ref(name)} is not answered"
    ko_flipped = to_words(flipped(test), lang="ko", ref=ref).removesuffix(" 경우")
    assert to_words(Not(test), lang="ko", ref=ref).endswith(f"{ref(name)}에 응답하지 않은 경우")
    assert "응답하지 않은" not in ko_flipped and "not answered" not in to_words(flipped(test), lang="en")
