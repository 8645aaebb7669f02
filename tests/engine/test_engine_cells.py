"""Post-stratification and raking on thousands of cells (careersurvey.engine.cells): each row's cell factor is
joined from a small table of the cells, so the SQL of a query does not grow with the number of cells (a CASE
with one WHEN per cell did), and the numbers equal the in-memory path's (1e-9); on a replicate design too."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import careersurvey as cs
from careersurvey.engine import from_table

CELLS = ["age", "region", "sex"]


def _frame(ages: int, regions: int, n: int = 12_000, seed: int = 7) -> pd.DataFrame:
    """Our own survey of ``ages`` x ``regions`` x 2 cells (every cell has rows), 10 strata of 20 PSUs, a
    numeric answer with missing values, positive replicate weights (20 columns, per PSU)."""
    rng = np.random.default_rng(seed)
    grid = pd.MultiIndex.from_product([range(ages), [f"r{i:02d}" for i in range(regions)], ["f", "m"]],
                                      names=CELLS).to_frame(index=False)
    extra = grid.sample(n - len(grid), replace=True, random_state=seed)
    df = pd.concat([grid, extra], ignore_index=True)
    df["psu"] = rng.integers(0, 200, len(df))
    df["stratum"] = df["psu"] % 10
    df["w"] = rng.uniform(1.0, 5.0, len(df))
    df["y"] = rng.normal(50.0, 10.0, len(df)) + df["age"]
    df.loc[rng.random(len(df)) < 0.05, "y"] = np.nan
    df["z"] = rng.integers(0, 2, len(df)).astype(float)
    mult = rng.uniform(0.5, 1.5, (200, 20))
    for r in range(20):
        df[f"rep{r}"] = df["w"] * mult[df["psu"].to_numpy(), r]
    return df


def _totals(df: pd.DataFrame, seed: int = 3) -> pd.DataFrame:
    cells = df[CELLS].drop_duplicates().sort_values(CELLS).reset_index(drop=True)
    return cells.assign(Freq=np.random.default_rng(seed).integers(50, 500, len(cells)).astype(float))


def _same(eng: pd.DataFrame, mem: pd.DataFrame) -> None:
    """Same frame: index, columns, every value to 1e-9."""
    assert list(eng.index) == list(mem.index) and list(eng.columns) == list(mem.columns)
    for col in mem.columns:
        m = mem[col].to_numpy(float)
        np.testing.assert_allclose(eng[col].to_numpy(float), m, rtol=1e-9,
                                   atol=1e-9 * np.nanmax(np.abs(m), initial=1), err_msg=col)


KW = dict(weights="w", strata="stratum", psu="psu")


def test_2000_cell_poststratification_equals_memory(query_sizes):
    """age x region x sex, 2,000 cells: weights, means and totals with and without by=, a domain; only
    aggregates (at most one row per cell) leave the engine."""
    df = _frame(20, 50)
    totals = _totals(df)
    assert len(totals) == 2000
    mem = cs.SurveyDesign(df, **KW).poststratify(CELLS, totals)
    eng = from_table(df, **KW).poststratify(CELLS, totals)
    order = df.assign(_row=np.arange(len(df)))
    w = from_table(order, **KW).poststratify(CELLS, totals).weighted_table("wt").execute().sort_values("_row")
    np.testing.assert_allclose(w["wt"].to_numpy(float), mem.w, rtol=1e-9)
    _same(eng.mean(["y", "z"], na_rm=True), mem.mean(["y", "z"], na_rm=True))
    _same(eng.total("y", na_rm=True, by="sex"), mem.total("y", na_rm=True, by="sex"))
    _same(eng.mean("y", na_rm=True, by="age"), mem.mean("y", na_rm=True, by="age"))
    _same(eng.subset("region == 'r07'").mean("z"), mem.subset("region == 'r07'").mean("z"))
    assert max(query_sizes) <= 2000


def test_2000_cell_poststratification_of_a_replicate_design_equals_memory():
    """Every replicate post-stratified to the 2,000 cells (each replicate's factors joined by cell)."""
    df = _frame(20, 50)
    totals = _totals(df)
    reps = [f"rep{r}" for r in range(20)]
    mem = cs.SurveyDesign.from_replicates(df, weights="w", replicate_weights=reps, combined=True,
                                          method="bootstrap").poststratify(CELLS, totals)
    eng = from_table(df, weights="w", replicate_weights=reps, combined=True, method="bootstrap")
    eng = eng.poststratify(CELLS, totals)
    assert eng.design_df == mem.design_df
    _same(eng.mean(["y", "z"], na_rm=True), mem.mean(["y", "z"], na_rm=True))
    _same(eng.total("z", by="sex"), mem.total("z", by="sex"))


def test_raking_on_many_joint_cells_equals_memory():
    """Raking's joint cells (2,000 here) joined the same way, on a linearised and a replicate design."""
    df = _frame(20, 50)
    rng = np.random.default_rng(11)
    margins = {c: {k: float(v) for k, v in zip(sorted(df[c].unique()), rng.integers(1000, 5000, df[c].nunique()))}
               for c in CELLS}
    margins["sex"] = {"f": sum(margins["age"].values()) / 2, "m": sum(margins["age"].values()) / 2}
    margins["region"] = {k: v * sum(margins["age"].values()) / sum(margins["region"].values())
                         for k, v in margins["region"].items()}
    mem = cs.SurveyDesign(df, **KW).rake(margins)
    eng = from_table(df, **KW).rake(margins)
    _same(eng.mean("y", na_rm=True, by="sex"), mem.mean("y", na_rm=True, by="sex"))
    reps = [f"rep{r}" for r in range(20)]
    kw = dict(weights="w", replicate_weights=reps, combined=True, method="bootstrap")
    mem = cs.SurveyDesign.from_replicates(df, **kw).rake(margins)
    eng = from_table(df, **kw).rake(margins)
    _same(eng.mean(["y", "z"], na_rm=True), mem.mean(["y", "z"], na_rm=True))


def _sql_lengths(monkeypatch, run) -> list[int]:
    """The SQL length of every query ``run()`` sends to the engine."""
    import ibis

    from careersurvey.engine.design import TableDesign

    lengths: list[int] = []
    execute = TableDesign.execute

    def watched(self, expr):
        lengths.append(len(ibis.to_sql(expr)))
        return execute(self, expr)

    monkeypatch.setattr(TableDesign, "execute", watched)
    run()
    monkeypatch.setattr(TableDesign, "execute", execute)
    return lengths


@pytest.mark.parametrize("replicates", [False, True])
def test_sql_does_not_grow_with_the_cell_count(monkeypatch, replicates):
    """A mean by sex after post-stratifying on 20 cells and on 2,000 (same columns): the queries' SQL is as
    long (5,501 characters each); with a CASE per cell it grew by ~300 characters a cell (599,814 at 2,000)."""
    def longest(ages, regions):
        df = _frame(ages, regions, n=4000)
        if replicates:
            d = from_table(df, weights="w", replicate_weights=[f"rep{r}" for r in range(20)], combined=True,
                           method="bootstrap")
        else:
            d = from_table(df, **KW)
        d = d.poststratify(CELLS, _totals(df))
        return max(_sql_lengths(monkeypatch, lambda: d.mean("y", na_rm=True, by="sex")))

    small, large = longest(5, 2), longest(20, 50)
    assert abs(large - small) < 200, (small, large)
