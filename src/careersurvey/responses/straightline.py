"""Straight-lining: the same answer to every row of a long rating grid, a sign of answering without reading.

A grid is *long* when it has at least :data:`MIN_ROWS` rows and its choice list at least :data:`MIN_POINTS`
points (an agree scale, not a yes/no block). A respondent who answered every row of such a grid with one and the
same choice (no row empty or a missing code) is flagged with the warning ``straight_lining``: the row is kept,
the analyst decides. Grids that mix reverse-keyed rows make the same answer everywhere self-contradictory, which
is why questionnaires key some rows the other way.
"""

from __future__ import annotations

from typing import Iterator

import numpy as np

from careersurvey.questionnaire.model import Grid, Questionnaire

#: Fewest rows of a grid for it to be checked.
MIN_ROWS = 6
#: Fewest points of the grid's choice list (a 5-point agree scale has 5).
MIN_POINTS = 4


def long_grids(questionnaire: Questionnaire) -> tuple[Grid, ...]:
    """The grids checked for straight-lining, in questionnaire order."""
    return tuple(e for m in questionnaire.modules for e in m.elements
                 if isinstance(e, Grid) and len(e.items) >= MIN_ROWS
                 and e.choices is not None and len(e.choices.choices) >= MIN_POINTS)


def straight_lined(questionnaire: Questionnaire, numbers: dict[str, np.ndarray]
                   ) -> Iterator[tuple[Grid, np.ndarray, np.ndarray]]:
    """(grid, rows flagged, the answer each flagged row gave everywhere) for every long grid.

    ``numbers``: the validated codes by item name (NaN empty; missing codes as codes).
    """
    for grid in long_grids(questionnaire):
        block = np.column_stack([numbers[i.name] for i in grid.items])
        codes = np.asarray(grid.choices.codes() if grid.choices is not None else (), dtype=float)
        real = np.isin(block, codes).all(axis=1)
        same = (block == block[:, :1]).all(axis=1)
        flagged = real & same
        if flagged.any():
            yield grid, flagged, block[:, 0]


def rows_text(grid: Grid) -> str:
    """How a message names the grid's rows: ``8 rows of the grid (fof_shame ... fof_worth)``."""
    return f"{len(grid.items)} rows of the grid ({grid.items[0].name} ... {grid.items[-1].name})"
