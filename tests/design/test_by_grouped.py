"""mean/total/ratio(by=) in one grouped pass: equal to one estimate per domain (``d.subset(level).mean(...)``,
what R's svyby does) on linearised, calibrated, domain and replicate designs, with missing values, categorical
variables, two by variables, covmat and logit intervals; and the variance of all domains taken in one call of
the design's variance engine (or one replicate covariance), not one per domain."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import careersurvey as cs
from careersurvey.estimation import variance as variance_module
from careersurvey.estimation.weighting.replicate import ReplicateWeights


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    """12 strata of 4 PSUs of 10 rows; a domain variable with a level present in few PSUs, a text one with
    missing values, a number with missing answers (as cs.load_responses gives them), a 0/1 item and a
    categorical one."""
    rng = np.random.default_rng(20)
    n = 480
    psu = np.repeat(np.arange(48), 10)
    df = pd.DataFrame({
        "stratum": psu // 4, "psu": psu, "w": rng.uniform(20, 80, n),
        "hours": rng.normal(38, 6, n), "salary": rng.lognormal(10, 0.4, n),
        "region": rng.choice(["north", "south", "east"], n),
        "sector": pd.Series(rng.choice(["academia", "industry", "public", None], n, p=[0.4, 0.3, 0.2, 0.1])),
        "mentor": (rng.uniform(size=n) < 0.4).astype(float),
        "field": pd.Categorical(rng.choice(["bio", "chem", "phys"], n)),
    })
    df.loc[rng.uniform(size=n) < 0.08, "salary"] = np.nan
    df.loc[psu < 6, "region"] = "islands"  # a level held by 6 PSUs of two strata only
    return df


@pytest.fixture(scope="module")
def designs(frame) -> dict[str, cs.SurveyDesign]:
    df = frame
    d = cs.SurveyDesign(df, weights="w", strata="stratum", psu="psu")
    raked = d.rake({"field": {"bio": 9000, "chem": 8000, "phys": 7000}})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return {"linearised": d, "raked": raked, "domain": d.subset("hours > 32"),
                "adjust": cs.SurveyDesign(df, weights="w", strata="stratum", psu="psu", lonely_psu="adjust"),
                "jk1": cs.SurveyDesign(df, weights="w", psu="psu").replicate("JK1"), "jkn": d.replicate("JKn"),
                "bootstrap": d.replicate("bootstrap", replicates=30, seed=3), "raked-jkn": raked.replicate("JKn"),
                "jkn-domain": d.replicate("JKn").subset("hours > 32"),
                "two-stage": cs.SurveyDesign(df.assign(ssu=df["psu"] * 2 + np.arange(len(df)) % 2, n1=10, n2=20),
                                             weights="w", strata="stratum", psu=["psu", "ssu"], fpc=["n1", "n2"])}


CALLS = {
    "mean": lambda d, by: d.mean(["hours", "field"], by=by),
    "mean na_rm": lambda d, by: d.mean(["salary", "hours"], by=by, na_rm=True),
    "mean missing": lambda d, by: d.mean("salary", by=by),
    "mean logit": lambda d, by: d.mean("mentor", by=by, ci="logit"),
    "total": lambda d, by: d.total(["salary", "field"], by=by, na_rm=True),
    "ratio": lambda d, by: d.ratio(["salary", "hours"], ["w", "hours"], by=by, na_rm=True),
}


def _per_domain(d: cs.SurveyDesign, call, by: list[str]) -> pd.DataFrame:
    """One estimate per level (sorted) over the full design: R's svyby, written out."""
    data = d.data
    keys = data[by][(d.w != 0) & data[by].notna().all(axis=1).to_numpy()].drop_duplicates().sort_values(by)
    frames, labels = [], []
    for key in keys.itertuples(index=False, name=None):
        mask = np.logical_and.reduce([(data[b] == v).to_numpy() for b, v in zip(by, key)])
        frames.append(pd.DataFrame(call(d.subset(mask), None)))
        labels.append(key[0] if len(key) == 1 else key)
    if all(len(f) == 1 for f in frames):
        out = pd.concat(frames)
        out.index = pd.Index(labels, name=by[0] if len(by) == 1 else None)
        return out
    return pd.concat(frames, keys=labels, names=[by[0] if len(by) == 1 else "by", None])


@pytest.mark.parametrize("by", [["region"], ["sector", "region"]], ids=["region", "sector-region"])
@pytest.mark.parametrize("call", list(CALLS))
@pytest.mark.parametrize("kind", ["linearised", "raked", "domain", "adjust", "two-stage", "jk1", "jkn",
                                  "bootstrap", "raked-jkn", "jkn-domain"])
def test_grouped_by_equals_one_estimate_per_domain(designs, kind, call, by):
    d = designs[kind]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        got = CALLS[call](d, by[0] if len(by) == 1 else by)
        want = _per_domain(d, CALLS[call], by)
    pd.testing.assert_index_equal(got.index, want.index)
    assert got.attrs["by"] == by
    np.testing.assert_allclose(got.to_numpy(float), want[list(got.columns)].to_numpy(float), rtol=1e-10,
                               atol=1e-12, equal_nan=True)


@pytest.mark.parametrize("kind", ["linearised", "raked", "jkn", "raked-jkn"])
def test_grouped_covmat_blocks_are_the_domain_covariances(frame, designs, kind):
    d = designs[kind]
    got = d.mean(["salary", "field"], by="region", na_rm=True, covmat=True)
    v = got.attrs["vcov"]
    assert v.shape == (len(got), len(got))
    np.testing.assert_allclose(np.sqrt(np.diag(v)), got["se"], rtol=1e-12)
    np.testing.assert_allclose(v, v.T, rtol=1e-12, atol=1e-14)
    k = 4  # salary and three fields per region
    for g, level in enumerate(sorted(frame["region"].unique())):
        one = d.subset(frame["region"].eq(level).to_numpy()).mean(["salary", "field"], na_rm=True)
        np.testing.assert_allclose(v[g * k:(g + 1) * k, g * k:(g + 1) * k], one.attrs["vcov"], rtol=1e-10,
                                   atol=1e-15)
    if d.replicates is not None:
        assert got.attrs["replicates"].shape == (len(got), d.replicates.n_replicates)


@pytest.mark.parametrize("kind", ["raked", "jkn", "raked-jkn"])
def test_domains_in_blocks_equal_one_call(designs, kind, monkeypatch):
    """Without covmat, many domains are taken in blocks of columns (and a calibrated design's dense influence
    values a few domains at a time): the same numbers as with every domain in one call."""
    from careersurvey.estimation import domains

    d = designs[kind]
    whole = d.mean(["salary", "field"], by=["sector", "region"], na_rm=True)
    monkeypatch.setattr(domains, "COLUMN_BATCH", 5)
    monkeypatch.setattr(domains, "DENSE_BATCH", 480 * 8)
    blocks = d.mean(["salary", "field"], by=["sector", "region"], na_rm=True)
    pd.testing.assert_frame_equal(blocks, whole, rtol=1e-12)



def _count_engine_calls(monkeypatch) -> dict[str, list]:
    """Calls of the variance engine: whole covariances (linearized_variance, with their column count) and the
    per-stage constants the grouped pass reads (stratum_weights)."""
    calls: dict[str, list] = {"covariance": [], "constants": []}
    real_cov = variance_module.linearized_variance
    real_weights = getattr(variance_module, "stratum_weights", None)
    monkeypatch.setattr(variance_module, "linearized_variance",
                        lambda z, *a, **k: calls["covariance"].append(getattr(z, "k", None)) or real_cov(z, *a, **k))
    monkeypatch.setattr(variance_module, "stratum_weights",
                        lambda *a, **k: calls["constants"].append(1) or real_weights(*a, **k), raising=False)
    return calls


def test_linearised_by_takes_the_variance_engine_once_for_all_domains(frame, monkeypatch):
    calls = _count_engine_calls(monkeypatch)
    d = cs.SurveyDesign(frame, weights="w", strata="stratum", psu="psu")
    out = d.mean(["hours", "field"], by=["sector", "region"])
    assert len(out) == 12 * 4  # 3 sectors x 4 regions, hours and three fields each
    # the stage's constants once, no per-domain covariance (the old path: 12 calls of 4 columns)
    assert calls == {"covariance": [], "constants": [1]}
    d.mean(["hours", "field"], by=["sector", "region"], covmat=True)
    assert calls["covariance"] == [12 * 4]  # covmat: one call with every domain's influence columns


def test_one_row_psus_need_no_units_by_domains_matrix(frame, monkeypatch):
    """Each row its own PSU: the grouped variances come from (unit, domain) pairs, never a units x columns
    block (the per-domain path built one of units x 4 columns per domain)."""
    from careersurvey.estimation.domains import GroupedDeviations

    monkeypatch.setattr(GroupedDeviations, "unit_totals", lambda *a: pytest.fail("units x columns totals"))
    d = cs.SurveyDesign(frame, weights="w", strata="stratum")
    got = d.mean(["hours", "field"], by="region")
    want = _per_domain(d, lambda x, _: x.mean(["hours", "field"]), ["region"])
    np.testing.assert_allclose(got.to_numpy(float), want[list(got.columns)].to_numpy(float), rtol=1e-10)


def test_replicate_by_takes_one_replicate_covariance_for_all_domains(frame, monkeypatch):
    calls = []
    real = ReplicateWeights.covariance

    def counted(self, thetas, estimate):
        calls.append(np.shape(thetas))
        return real(self, thetas, estimate)

    monkeypatch.setattr(ReplicateWeights, "covariance", counted)
    d = cs.SurveyDesign(frame, weights="w", strata="stratum", psu="psu").replicate("JKn")
    d.ratio("salary", "hours", by="region", na_rm=True)
    assert calls == [(48, 4)]  # 48 replicates, 4 domains at once (the old path: 4 calls of (48, 1))


def test_lonely_average_keeps_each_domains_stratum_counts(frame):
    """Under lonely_psu='average' a domain's strata count for itself: the grouped pass gives way."""
    df = frame[frame["psu"] != 1].copy()
    df = df[~df["psu"].isin([2, 3])]  # stratum 0 keeps one PSU
    d = cs.SurveyDesign(df, weights="w", strata="stratum", psu="psu", lonely_psu="average")
    got = d.mean("hours", by="region")
    want = _per_domain(d, lambda x, _: x.mean("hours"), ["region"])
    np.testing.assert_allclose(got.to_numpy(float), want[list(got.columns)].to_numpy(float), rtol=1e-12)


def test_logit_by_names_the_first_domain_with_other_values(frame):
    df = frame.copy()
    df.loc[df.index[df["region"].eq("south")][:2], "mentor"] = 3.0
    df.loc[df.index[df["region"].eq("north")][:1], "mentor"] = 2.0
    d = cs.SurveyDesign(df, weights="w", strata="stratum", psu="psu")
    with pytest.raises(cs.EstimateError, match=r"'mentor' also holds 2 \(1 row\)"):
        d.mean("mentor", by="region", ci="logit")


@pytest.mark.parametrize("call", ["mean", "ratio", "quantile", "proportion"])
def test_by_a_text_column_with_missing_values(frame, call):
    """A by variable of pandas' string dtype with <NA> (as data read with nullable types hold it): its rows are
    in no domain, as NaN and None are (the per-level comparison failed: NA is neither true nor false)."""
    df = frame.assign(sector=frame["sector"].astype("string"))
    d = cs.SurveyDesign(df, weights="w", strata="stratum", psu="psu")
    run = {"mean": lambda x, by: x.mean(["hours", "field"], by=by),
           "ratio": lambda x, by: x.ratio("salary", "hours", by=by, na_rm=True),
           "quantile": lambda x, by: x.quantile("hours", [0.5], by=by),
           "proportion": lambda x, by: x.proportion("mentor", by=by)}[call]
    got = run(d, "sector")
    levels = ["academia", "industry", "public"]
    assert list(got.index.get_level_values(0).unique()) == levels
    for level in levels:
        one = run(d.subset(df["sector"].eq(level).fillna(False).to_numpy(dtype=bool)), None)
        np.testing.assert_allclose(np.asarray(got.loc[level], dtype=float).reshape(-1),
                                   one.to_numpy(float).reshape(-1), rtol=1e-10, equal_nan=True)


PROPORTIONS = {
    "logit": lambda d, by: d.proportion(["mentor", "field"], by=by),
    "xlogit na_rm": lambda d, by: d.ciprop("sector", method="xlogit", by=by, na_rm=True),
    "mean": lambda d, by: d.ciprop("mentor", method="mean", by=by),
    "asin": lambda d, by: d.ciprop("field", method="asin", by=by),
    "beta nchs": lambda d, by: d.ciprop(["mentor", "sector"], method="beta", by=by, na_rm=True, nchs=True),
    "logit df": lambda d, by: d.ciprop("mentor", by=by, df=9),
}


@pytest.mark.parametrize("call", list(PROPORTIONS))
@pytest.mark.parametrize("kind", ["linearised", "raked", "domain", "two-stage", "jkn", "bootstrap", "jkn-domain"])
def test_grouped_proportions_equal_one_interval_per_domain(designs, kind, call):
    """ciprop/proportion(by=) of every method but the likelihood from one grouped pass of the domain means: the
    intervals, the df of each domain's design before na_rm, R's nrow for beta and the NCHS columns as before."""
    d = designs[kind]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        got = PROPORTIONS[call](d, "region")
        want = _per_domain(d, PROPORTIONS[call], ["region"])
    pd.testing.assert_index_equal(got.index, want.index)
    assert list(got.columns) == list(want.columns)
    numbers = [c for c in got.columns if got[c].dtype.kind in "fi"]
    np.testing.assert_allclose(got[numbers].to_numpy(float), want[numbers].to_numpy(float), rtol=1e-10,
                               atol=1e-12, equal_nan=True)
    for c in set(got.columns) - set(numbers):
        assert got[c].tolist() == want[c].tolist()


def test_proportions_by_take_the_variance_engine_once(frame, monkeypatch):
    calls = _count_engine_calls(monkeypatch)
    d = cs.SurveyDesign(frame, weights="w", strata="stratum", psu="psu")
    d.proportion("field", by=["sector", "region"])
    assert calls == {"covariance": [], "constants": [1]}  # the per-domain path: 12 covariances
