"""Creating M completed data sets for multiple imputation: a hot deck within imputation classes by the
approximate Bayesian bootstrap (Rubin & Schenker 1986), seeded.

For each column, imputation and class: draw a bootstrap sample of the class's observed values (as many as it
has, with replacement), then give every missing cell of the class a value drawn at random from that sample. The
bootstrap step makes the M data sets differ by the uncertainty in the class's distribution as well as by the
draw, so Rubin's rules (:func:`careersurvey.estimation.mi.mi_combine`) give proper variances (a plain hot deck
without it understates the between-imputation variance). ``method="simple"`` draws directly from the observed
values (for comparison only).

What is imputed: empty cells (NA) and the survey's item-nonresponse codes ``impute_codes`` (-7 refused, -8
don't know, -9 no answer): they are missing answers, never numbers, and never donors. Cells holding
``keep_codes`` (-6 not asked: the question did not apply) are not answers to impute; they become NA and stay NA.
A frame from ``cs.load_responses`` has NA for every code, so pass the codes frame (``Dataset.codes()``) to keep
-6 apart from the others. Vectorised: no loop over rows (one pass per column and imputation).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from careersurvey.estimation.estimators import EstimateError

IMPUTE_CODES = (-7, -8, -9)
KEEP_CODES = (-6,)


def _classes(data: pd.DataFrame, by: Sequence[str]) -> np.ndarray:
    if not by:
        return np.zeros(len(data), dtype=np.int64)
    missing = [c for c in by if c not in data.columns]
    if missing:
        raise EstimateError(f"impute_hotdeck(by=...): imputation class column(s) {', '.join(missing)} are not in "
                            "the data")
    frame = data[list(by)]
    bad = frame.isna().any(axis=1).to_numpy()
    if bad.any():
        raise EstimateError(f"impute_hotdeck(by={list(by)}): {int(bad.sum())} row(s) have no class (a class column "
                            f"is missing), e.g. row {data.index[np.flatnonzero(bad)[0]]!r}; impute the class "
                            "variables first or use coarser classes")
    return frame.groupby(list(by), sort=True, observed=True).ngroup().to_numpy(dtype=np.int64)


def _is_code(col: pd.Series, codes: Sequence[int]) -> np.ndarray:
    if not codes or not pd.api.types.is_numeric_dtype(col):
        return np.zeros(len(col), dtype=bool)
    return col.isin(codes).to_numpy()


def impute_hotdeck(data: pd.DataFrame, columns: str | Sequence[str], *, seed: int, m: int = 5,
                   by: str | Sequence[str] | None = None, method: str = "abb",
                   impute_codes: Sequence[int] = IMPUTE_CODES,
                   keep_codes: Sequence[int] = KEEP_CODES) -> tuple[pd.DataFrame, ...]:
    """``m`` completed copies of ``data`` with ``columns`` imputed within the classes of ``by`` (see the module
    doc). Each copy's ``attrs["imputed"]`` counts the cells imputed per column. Same seed, same data sets."""
    if method not in ("abb", "simple"):
        raise EstimateError(f"method={method!r}: use 'abb' (approximate Bayesian bootstrap) or 'simple'")
    if not isinstance(m, int) or m < 2:
        raise EstimateError(f"m={m!r}: multiple imputation needs 2 or more data sets (5 to 20 are usual)")
    columns = [columns] if isinstance(columns, str) else list(columns)
    by = [by] if isinstance(by, str) else list(by or [])
    absent = [c for c in columns if c not in data.columns]
    if absent:
        raise EstimateError(f"impute_hotdeck(): column(s) {', '.join(absent)} are not in the data")
    if set(columns) & set(by):
        raise EstimateError(f"impute_hotdeck(): {sorted(set(columns) & set(by))} cannot be imputed and define the "
                            "classes at once")
    cls = _classes(data, by)
    n_cls = int(cls.max()) + 1 if len(cls) else 0
    rng = np.random.default_rng(seed)
    plans = []
    for c in columns:  # over the few columns, not rows
        col = data[c]
        keep = _is_code(col, keep_codes)
        miss = (col.isna().to_numpy() | _is_code(col, impute_codes)) & ~keep
        obs = np.flatnonzero(~miss & ~keep)
        counts = np.bincount(cls[obs], minlength=n_cls)
        need = np.bincount(cls[miss], minlength=n_cls)
        empty = np.flatnonzero((need > 0) & (counts == 0))
        if len(empty):
            names = _class_names(data, by, cls, empty)
            raise EstimateError(f"impute_hotdeck(): column {c!r} has missing answers in class(es) {names} where no "
                                "row has an answer to draw from; use coarser classes (fewer by= variables)")
        order = obs[np.argsort(cls[obs], kind="stable")]
        starts = np.cumsum(counts) - counts
        plans.append((c, keep, np.flatnonzero(miss), order, counts, starts))
    out = []
    for _ in range(m):
        frame = data.copy()
        imputed = {}
        for c, keep, miss, order, counts, starts in plans:
            values = data[c].copy()
            if keep.any():
                values = values.mask(keep)
            donors = order
            if method == "abb":  # a bootstrap sample of each class's donors, as many as it has
                k = cls[order]
                donors = order[starts[k] + np.floor(rng.random(len(order)) * counts[k]).astype(np.int64)]
            k = cls[miss]
            pick = donors[starts[k] + np.floor(rng.random(len(miss)) * counts[k]).astype(np.int64)]
            if len(miss):
                values = values.astype(object) if values.dtype == bool else values
                values.iloc[miss] = data[c].iloc[pick].to_numpy()
            frame[c] = values
            imputed[c] = int(len(miss))
        frame.attrs["imputed"] = imputed
        out.append(frame)
    return tuple(out)


def _class_names(data: pd.DataFrame, by: list[str], cls: np.ndarray, which: np.ndarray) -> str:
    if not by:
        return "(all rows)"
    first = [int(np.flatnonzero(cls == g)[0]) for g in which[:5]]  # a few classes, for the message
    return "; ".join(", ".join(f"{b}={data[b].iloc[i]!r}" for b in by) for i in first)
