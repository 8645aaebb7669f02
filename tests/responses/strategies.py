"""Hypothesis strategies for response files: rows of the test questionnaire, then mutated cell by cell."""

from __future__ import annotations

import datetime

from hypothesis import strategies as st

#: Values a person (or a broken export) may put into any cell.
junk = st.one_of(
    st.none(),
    st.integers(-10, 10),
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.sampled_from(["", " ", "-7", "-9", "abc", "３", "1 3", "Engineer", "연구원", "=1+1", "@x", "2020-02-30",
                     "2020.05.07", "  12 ", "NaN", "inf", "TRUE", "\t", "0001"]),
    st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs")), max_size=12),
    st.dates(min_value=datetime.date(1900, 3, 1), max_value=datetime.date(2100, 1, 1)),
    st.booleans(),
)


@st.composite
def mutated_rows(draw, base_rows, width):
    """Rows built from ``base_rows``: each row copied, some cells replaced by junk, ids sometimes repeated."""
    n = draw(st.integers(1, 12))
    rows = []
    for i in range(n):
        row = list(draw(st.sampled_from(base_rows)))
        row = (row + [None] * width)[:width]
        row[0] = draw(st.one_of(st.just(f"{i:04d}"), st.sampled_from(["0000", "0001", None, "", " 7 "])))
        for j in draw(st.lists(st.integers(0, width - 1), max_size=4)):
            row[j] = draw(junk)
        rows.append(row)
    return rows
