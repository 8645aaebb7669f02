"""R's rake() inside the engine (careersurvey.engine.raking): weights from passes over the margins' joint cells
(one GROUP BY), R's raking residuals for the variance (ten sweeps of level-mean removal, margin by margin), equal
to R and to the in-memory ``SurveyDesign.rake`` to 1e-9, on the whole sample, ``by`` and ``subset`` domains."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from rcases import FOLDERS, load_cases, load_data
from test_engine_reference import KINDS, _expected, _frame, _run, _same

import careersurvey as cs
from careersurvey.engine import EngineError, from_table

RAKE = [pytest.param(folder, c, id=f"{folder}:{c['id']}") for folder in FOLDERS for c in load_cases(folder)
        if (c.get("calibration") or {}).get("method") == "raking" and "margins" in c["calibration"]
        and not c.get("replicate") and not c.get("trim") and c["estimate"]["type"] in KINDS]

MARGINS = {"stype": {"E": 4421, "H": 755, "M": 1018}, "sch_wide": {"No": 1072, "Yes": 5122},
           "comp_imp": {"No": 1712, "Yes": 4482}}
KW = dict(weights="pw", psu="dnum", fpc="fpc")


def test_rake_cases_are_there():
    assert len(RAKE) >= 3


@pytest.mark.parametrize("folder, case", RAKE)
def test_raked_duckdb_equals_memory_and_r(folder, case):
    df = _frame(folder, case)
    de = case["design"]
    kw = dict(weights=de.get("weights"), strata=de.get("strata"), psu=de.get("psu"), fpc=de.get("fpc"),
              lonely_psu=case.get("lonely_psu", "fail"), nest=bool(de.get("nest")))
    margins = case["calibration"]["margins"]
    mem, eng = cs.SurveyDesign(df, **kw).rake(margins), from_table(df, **kw).rake(margins)
    if case.get("subset"):
        mem, eng = mem.subset(case["subset"]), eng.subset(case["subset"])
    res = _run(eng, case["estimate"])
    _same(res, _run(mem, case["estimate"]))
    _expected(res, case["expected"])


def test_raked_domains_and_by_equal_memory():
    """Domains of a raked design keep every row's residual (by=, subset, a ratio by a margin), as in memory."""
    df = load_data("r-survey", "apiclus1.csv")
    mem, eng = cs.SurveyDesign(df, **KW).rake(MARGINS), from_table(df, **KW).rake(MARGINS)
    _same(eng.mean(["api00", "api99"], by="awards"), mem.mean(["api00", "api99"], by="awards"))
    hi = "api00 > 650"
    _same(eng.subset(hi).total("enroll", na_rm=True), mem.subset(hi).total("enroll", na_rm=True))
    _same(eng.ratio("api00", "api99", by="stype"), mem.ratio("api00", "api99", by="stype"))
    _same(eng.total("stype"), mem.total("stype"))  # the margins themselves: hit, with (near) zero variance


def test_raking_a_second_survey_with_missing_codes():
    """Our own small survey: two strata of clusters, a text and a coded margin; a margin holding -8 is refused by name."""
    rng = np.random.default_rng(11)
    n = 160
    df = pd.DataFrame({"region": np.repeat(["north", "south"], n // 2),
                       "school": np.repeat([f"s{i:02d}" for i in range(16)], n // 16),
                       "w": rng.uniform(5, 20, n), "role": rng.choice(["student", "postdoc", "staff"], n),
                       "gender": rng.choice([1, 2], n), "hours": rng.integers(20, 60, n).astype(float)})
    margins = {"role": {"student": 1500, "postdoc": 700, "staff": 800}, "gender": {1: 1400, 2: 1600}}
    kw = dict(weights="w", strata="region", psu="school")
    mem, eng = cs.SurveyDesign(df, **kw).rake(margins), from_table(df, **kw).rake(margins)
    _same(eng.mean("hours", by="region"), mem.mean("hours", by="region"))
    _same(eng.total("hours"), mem.total("hours"))
    coded = df.assign(gender=np.where(np.arange(n) == 5, -8, df["gender"]))
    with pytest.raises(cs.MissingCodeError, match="'gender'"):
        from_table(coded, missing_codes=(-6, -7, -8, -9), **kw).rake(margins)


def test_rake_refusals():
    df = load_data("r-survey", "apiclus1.csv")
    with pytest.raises(cs.WeightingError, match=r"sample level\(s\) M \(\d+ rows of positive weight\) have no target"):
        from_table(df, **KW).rake({"stype": {"E": 4421, "H": 755}})
    with pytest.raises(EngineError, match="subset after rake"):
        from_table(df, **KW).subset("api00 > 650").rake(MARGINS)


def test_spark_rake_equals_memory(spark, tmp_path):
    df = load_data("r-survey", "apiclus1.csv")
    df.to_parquet(tmp_path / "data.parquet")
    sdf = spark.read.parquet(str(tmp_path / "data.parquet"))
    mem, eng = cs.SurveyDesign(df, **KW).rake(MARGINS), from_table(sdf, **KW).rake(MARGINS)
    _same(eng.mean(["api00", "api99"], by="awards"), mem.mean(["api00", "api99"], by="awards"))
