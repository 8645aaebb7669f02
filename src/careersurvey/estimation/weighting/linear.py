"""The linear form of a recorded weighting step's residuals, for influence values kept factored.

Every step's ``residualize`` is linear in the influence values z (n, k): ``mask * z - writer @ solve(reader' z)``
with a reader and a writer of few columns (the calibration basis, the cells of a post-stratification or of a
raking, the classes of a nonresponse adjustment) and a small linear ``solve`` on (p, k) sums. So the residuals
of many domains' influence values need only the reader's sums per domain (grouped sums), never the dense
(n, domains x k) matrix; see :mod:`careersurvey.estimation.residualised`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import sparse


@dataclass(frozen=True, eq=False)
class LinearForm:
    """``residualize(z) == mask * z - writer @ solve(reader.T @ z)``; ``reader`` None: the step leaves z as it
    is. ``mask`` None: all rows kept. ``extra`` (reader.T @ z -> (k, k)): the variance estimated targets add
    (None: nothing). Reader and writer are (n, p) arrays or scipy sparse matrices."""

    reader: object = None
    writer: object = None
    solve: Callable | None = None
    mask: np.ndarray | None = None
    extra: Callable | None = None


def indicator(codes: np.ndarray, values: np.ndarray, size: int | None = None) -> sparse.csr_matrix:
    """(n, cells) sparse: ``values`` in column ``codes`` of each row (rows with a code >= ``size`` left out)."""
    n = len(codes)
    k = int(codes.max(initial=-1)) + 1 if size is None else size
    keep = (codes >= 0) & (codes < k)
    rows = np.flatnonzero(keep)
    return sparse.csr_matrix((np.asarray(values, dtype=float)[rows], (rows, codes[rows])), shape=(n, k))


def cell_means(den: np.ndarray) -> Callable:
    """The solve of a cell-mean step: sums (cells, k) over the cells' ``den``, 0 where ``den`` is 0."""

    def solve(sums: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(den[:, None] > 0, sums / den[:, None], 0.0)

    return solve
