"""engine.conditions.cell_condition: the one cell test of post-stratification, raking and covmat's domains."""

from __future__ import annotations

import ibis
import numpy as np
import pandas as pd
import pytest

from careersurvey.engine.conditions import cell_condition


@pytest.fixture(scope="module")
def table():
    return ibis.memtable(pd.DataFrame({"sex": ["f", "m", None, "f"], "age": [1, 2, 2, None]},
                                      dtype=object).astype({"age": "Int64"}))


def _rows(table, cond) -> list[bool]:
    return ibis.duckdb.connect().execute(table.select(c=cond))["c"].tolist()


def test_a_row_of_a_cells_table_and_numpy_scalars_name_a_cell(table):
    row = pd.DataFrame({"sex": ["f"], "age": [1], "g": [2.5]}).iloc[0]  # age a numpy int64
    assert isinstance(row["age"], np.integer)
    assert _rows(table, cell_condition(table, ("sex", "age"), row)) == [True, False, False, False]
    assert _rows(table, cell_condition(table, ["age"], (np.int64(2),))) == [False, True, True, False]


def test_a_null_cell_is_in_no_cell_and_outside_every_one(table):
    """False, not NULL, where a column is NULL: its negation holds the row (a domain's outside)."""
    cond = cell_condition(table, ("sex", "age"), ("f", 2))
    assert _rows(table, cond) == [False, False, False, False]
    assert _rows(table, ~cond) == [True, True, True, True]


def test_values_must_match_the_columns(table):
    with pytest.raises(ValueError):
        cell_condition(table, ("sex", "age"), ("f",))
