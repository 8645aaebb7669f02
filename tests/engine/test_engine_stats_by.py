"""var, ttest and ciprop with by= on the engine path (careersurvey.engine.stats_by): one grouped pass, a number
of queries that does not grow with the number of domains, the in-memory numbers (1e-9) on a survey of our own
with declared missing codes (-7/-8/-9 refused as in memory; NULL, they leave as missing values), on linearised,
post-stratified and replicate designs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from test_engine_stats import _same_frame

import careersurvey as cs
from careersurvey.engine import from_table

CODES = (-7, -8, -9)


def _survey(teams: int = 10, n: int = 600, seed: int = 5) -> pd.DataFrame:
    """Three regions of 6 schools, 20-40 answers each: a team (``teams`` levels), a sector (text; 'public'
    absent from region 'east'), a 0/1 item, hours with missing answers, a rating; 20 JKn-style replicates."""
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"region": rng.choice(["east", "north", "south"], n), "w": rng.uniform(2, 9, n),
                       "team": rng.integers(0, teams, n).astype(str), "stay": rng.integers(0, 2, n),
                       "hours": rng.normal(38, 6, n).round(1), "rating": rng.integers(1, 5, n),
                       "sector": rng.choice(["academia", "industry", "public"], n)})
    df["team"] = "t" + df["team"].str.zfill(2)
    df["school"] = df["region"] + rng.integers(0, 6, n).astype(str)
    df.loc[(df["region"] == "east") & (df["sector"] == "public"), "sector"] = "industry"
    df.loc[rng.random(n) < 0.06, "hours"] = np.nan
    for r in range(20):
        df[f"rep{r}"] = df["w"] * rng.uniform(0.6, 1.4, n)
    return df


KW = dict(weights="w", strata="region", psu="school", nest=True)
REPS = dict(weights="w", replicate_weights=[f"rep{r}" for r in range(20)], combined=True, method="bootstrap")
TOTALS = {"academia": 900.0, "industry": 1500.0, "public": 400.0}


def _designs(df: pd.DataFrame, kind: str, source=None, **kw):
    src = df if source is None else source
    if kind == "replicate":
        return (cs.SurveyDesign.from_replicates(df, **REPS, **kw), from_table(src, **REPS, **kw))
    mem, eng = cs.SurveyDesign(df, **KW, **kw), from_table(src, **KW, **kw)
    if kind == "poststratified":
        mem, eng = mem.poststratify("sector", TOTALS), eng.poststratify("sector", TOTALS)
    return mem, eng


def _calls(by, kind: str) -> list:
    """Every statistic with ``by``: var (one and two variables, NA left or kept), ttest (one and two groups),
    ciprop (every method; the likelihood but on a replicate design)."""
    calls = [lambda d: d.var("hours", na_rm=True, by=by), lambda d: d.var(["hours", "rating"], na_rm=True, by=by),
             lambda d: d.var("rating", by=by), lambda d: d.var("hours", by=by),
             lambda d: d.ttest("hours ~ 1", na_rm=True, by=by), lambda d: d.ttest("hours ~ stay", by=by),
             lambda d: d.ttest("rating ~ 0", by=by),
             *[lambda d, m=m: d.ciprop("stay", method=m, by=by) for m in ("logit", "mean", "asin", "xlogit")],
             lambda d: d.ciprop("sector", method="beta", nchs=True, by=by)]
    if kind == "replicate":
        return calls  # no replicate version
    return [*calls, lambda d: d.ciprop("stay", method="likelihood", by=by)]


@pytest.mark.parametrize("kind", ["linearised", "poststratified", "replicate"])
def test_by_equals_memory_with_missing_values(kind):
    """Every call on the survey's NULL answers (declared codes turned to NaN) equals the in-memory path: one
    and two by columns, a domain, a level of a categorical variable absent from one domain."""
    df = _survey()
    mem, eng = _designs(df, kind, missing_codes=CODES)
    for by in ("region", ["region", "sector"]):
        for call in _calls(by, kind):
            _same_frame(call(eng), call(mem))
    dm, de = mem.subset("rating > 1"), eng.subset("rating > 1")
    _same_frame(de.var("hours", na_rm=True, by="team"), dm.var("hours", na_rm=True, by="team"))
    _same_frame(de.ciprop("sector", by="region"), dm.ciprop("sector", by="region"))
    _same_frame(de.ttest("hours ~ stay", by="region"), dm.ttest("hours ~ stay", by="region"))
    if kind != "replicate":  # a domain of a post-stratified design keeps its rows at weight 0 (R's subset)
        _same_frame(de.ciprop("stay", method="likelihood"), dm.ciprop("stay", method="likelihood"))
        _same_frame(de.ciprop("sector", method="likelihood", na_rm=True, by="region"),
                    dm.ciprop("sector", method="likelihood", na_rm=True, by="region"))


@pytest.mark.parametrize("kind", ["linearised", "poststratified", "replicate"])
def test_by_on_spark_equals_memory(spark, tmp_path, kind):
    """Every statistic by region inside Spark (parquet written by pandas, read by Spark's reader)."""
    df = _survey()
    df.to_parquet(tmp_path / "survey.parquet")
    mem, eng = _designs(df, kind, spark.read.parquet(str(tmp_path / "survey.parquet")), missing_codes=CODES)
    for call in _calls("region", kind):
        _same_frame(call(eng), call(mem))


def test_declared_missing_codes_are_refused_by_domain_as_in_memory():
    """-7/-8/-9 in an answer are never numbers: each statistic by= refuses them (naming the column and the
    codes) on both paths; a by column holding them is refused as well."""
    df = _survey()
    df.loc[df.index % 37 == 0, "hours"] = -8
    df.loc[df.index % 53 == 0, "stay"] = -9
    mem, eng = _designs(df, "linearised", missing_codes=CODES)
    for call in (lambda d: d.var("hours", by="region"), lambda d: d.ttest("hours ~ 1", by="region"),
                 lambda d: d.ttest("hours ~ stay", by="region"), lambda d: d.ciprop("stay", by="region")):
        raised = []
        for d in (eng, mem):
            with pytest.raises(ValueError, match=r"'(hours|stay)'.* -[89]") as err:
                call(d)
            raised.append(type(err.value))
        assert raised[0] is raised[1]  # MissingCodeError, or the t-test's group of three values -9, 0, 1
    clean = cs.SurveyDesign(df, **KW, missing_codes=CODES)
    _same_frame(eng.var("rating", by="region"), clean.var("rating", by="region"))  # a clean column works
    for d in (eng, mem):
        with pytest.raises(cs.MissingCodeError, match=r"'stay' holds the missing codes? -9"):
            d.var("rating", by="stay")


@pytest.mark.parametrize("kind", ["linearised", "poststratified", "replicate"])
def test_queries_do_not_grow_with_the_domains(query_sizes, kind):
    """The same calls by a team of 2 and of 20 levels send as many queries, none longer than the domains."""
    def count(teams):
        _, eng = _designs(_survey(teams), kind)
        query_sizes.clear()
        for call in _calls("team", kind):
            call(eng)
        return len(query_sizes), max(query_sizes)

    (two, _), (twenty, most) = count(2), count(20)
    assert two == twenty, (two, twenty)
    if kind != "replicate":  # a replicate design's degf reads the distinct rows of its weights, as without by=
        assert most <= 20 * 18  # (team, school) pairs at most; never the 600 rows


def test_the_r_cases_with_by_are_all_run():
    """The R reference cases of var/ttest/ciprop with by= that test_engine_stats runs on DuckDB and Spark: three
    of r-survey-stats (svyciprop by, asin, beta, likelihood) and three of r-survey-parity (replicate designs,
    JK1, JKn, bootstrap), so a filter cannot drop them unseen."""
    from test_engine_stats import CASES, PARITY

    stats = [p.id for p in CASES if "by" in p.values[1]["estimate"]
             and p.values[1]["estimate"]["type"] in ("svyciprop", "svyttest", "svyvar")]
    parity = [p.id for p in PARITY if "by" in p.values[0]["estimate"]]
    assert sorted(stats) == ["r-survey-stats:ciprop-by-asin", "r-survey-stats:ciprop-by-beta",
                             "r-survey-stats:ciprop-by-likelihood"]
    assert sorted(parity) == ["ciprop-boot-clus1-by-sch-wide", "ciprop-jk1-clus1-by-stype",
                              "ciprop-jkn-strat-by-yr-rnd"]
