"""Shared hypothesis strategies: skip-logic expression trees and data frames they can be evaluated on.

The trees are in the normal form the parser produces (negative literals folded into numbers, no unary
minus on a literal), so ``parse(str(tree)) == tree`` holds for every tree drawn here. The data use a fixed
schema: numeric items ``n1``, ``n2`` (with missing codes and empty cells), text item ``t1`` and multiple-choice
item ``m1`` stored as 0/1 columns ``m1_1`` .. ``m1_3`` (or a missing code in each of them).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import strategies as st

from careersurvey.expr.nodes import (
    Answered,
    Arith,
    BoolOp,
    Compare,
    In,
    Missing,
    Name,
    Neg,
    Not,
    Num,
    Selected,
    Str,
)

NUMERIC_ITEMS = ("n1", "n2")
TEXT_ITEMS = ("t1",)
MULTIPLE_ITEMS = ("m1",)
MULTIPLE_CODES = (1, 2, 3)
TEXT_VALUES = ("a", "b", "c d", "")

names = st.sampled_from(NUMERIC_ITEMS + TEXT_ITEMS + MULTIPLE_ITEMS + ("role", "pay_exact", "x_1"))
ints = st.integers(min_value=-9, max_value=6)
numbers = st.one_of(ints, st.integers(min_value=-40, max_value=40).map(lambda k: k / 4))
num_literals = numbers.map(Num)
text_literals = st.sampled_from(TEXT_VALUES + ("-7", "'quoted'")).map(Str)
literals = st.one_of(num_literals, text_literals)

numeric_values = st.recursive(
    st.one_of(num_literals, st.sampled_from(NUMERIC_ITEMS + TEXT_ITEMS).map(Name)),
    lambda inner: st.one_of(
        st.builds(Arith, st.sampled_from(["+", "-", "*", "/", "%"]), inner, inner),
        inner.filter(lambda v: not isinstance(v, Num)).map(Neg),
    ),
    max_leaves=4,
)

comparisons = st.one_of(
    st.builds(Compare, st.sampled_from(["==", "!=", "<", "<=", ">", ">="]), numeric_values, numeric_values),
    st.builds(Compare, st.sampled_from(["==", "!="]), st.sampled_from(NUMERIC_ITEMS + TEXT_ITEMS).map(Name),
              text_literals),
    st.builds(Compare, st.sampled_from(["==", "!="]), text_literals,
              st.sampled_from(TEXT_ITEMS).map(Name)),
    st.builds(In, numeric_values, st.lists(num_literals, min_size=1, max_size=3).map(tuple), st.booleans()),
    st.builds(In, st.sampled_from(TEXT_ITEMS).map(Name), st.lists(literals, min_size=1, max_size=3).map(tuple),
              st.booleans()),
    st.builds(Selected, st.sampled_from(MULTIPLE_ITEMS).map(Name),
              st.one_of(st.sampled_from(MULTIPLE_CODES).map(Num),
                        st.sampled_from(MULTIPLE_CODES).map(lambda c: Str(str(c))))),
    st.builds(Answered, st.sampled_from(NUMERIC_ITEMS + TEXT_ITEMS + MULTIPLE_ITEMS).map(Name)),
    st.builds(Missing, st.sampled_from(NUMERIC_ITEMS + TEXT_ITEMS + MULTIPLE_ITEMS).map(Name)),
)

conditions = st.recursive(
    comparisons,
    lambda inner: st.one_of(
        st.builds(BoolOp, st.sampled_from(["and", "or"]), inner, inner),
        st.builds(Not, inner),
    ),
    max_leaves=6,
)


@st.composite
def survey_frames(draw, max_rows: int = 12) -> pd.DataFrame:
    """A small response table in the fixed schema, with empty cells and missing codes mixed in."""
    n = draw(st.integers(min_value=1, max_value=max_rows))
    cell = st.one_of(st.none(), st.integers(min_value=-9, max_value=6))
    data: dict[str, object] = {}
    for name in NUMERIC_ITEMS:
        data[name] = np.array([np.nan if v is None else float(v) for v in draw(st.lists(cell, min_size=n, max_size=n))])
    text_cell = st.one_of(st.none(), st.sampled_from(TEXT_VALUES + ("3", "-7")))
    for name in TEXT_ITEMS:
        data[name] = pd.Series(draw(st.lists(text_cell, min_size=n, max_size=n)), dtype=object)
    for name in MULTIPLE_ITEMS:
        # each row: not answered (all empty), a missing code in every column (as imports store -7, -8, -9),
        # or a non-empty set of ticked codes
        rows = draw(st.lists(st.one_of(st.none(), st.sampled_from((-7, -8, -9)),
                                       st.sets(st.sampled_from(MULTIPLE_CODES), min_size=1)),
                             min_size=n, max_size=n))
        for code in MULTIPLE_CODES:
            data[f"{name}_{code}"] = np.array([np.nan if r is None else float(r) if isinstance(r, int)
                                               else float(code in r) for r in rows])
    return pd.DataFrame(data)


def xpath_fields(df: pd.DataFrame, missing_codes: tuple[int, ...] = (-6, -7, -8, -9)) -> list[dict[str, str]]:
    """The same rows as an ODK instance would hold them: every field as text, '' when empty.

    A multiple-choice answer coded missing is that code selected alone (the form's extra choice); when the
    code is not one of ``missing_codes`` the form could not have offered it, and the answer is left empty.
    """
    rows: list[dict[str, str]] = []
    for i in range(len(df)):
        row: dict[str, str] = {}
        for name in NUMERIC_ITEMS:
            v = df[name].iloc[i]
            row[name] = "" if pd.isna(v) else str(int(v))
        for name in TEXT_ITEMS:
            v = df[name].iloc[i]
            row[name] = "" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v)
        for name in MULTIPLE_ITEMS:  # a missing code is the one choice selected, as in a form's extra choices
            first = df[f"{name}_{MULTIPLE_CODES[0]}"].iloc[i]
            ticked = [str(c) for c in MULTIPLE_CODES if df[f"{name}_{c}"].iloc[i] == 1]
            if first < 0:
                row[name] = str(int(first)) if int(first) in missing_codes else ""
            else:
                row[name] = " ".join(ticked)
        rows.append(row)
    return rows
