"""The R survey reference fixtures (tests/fixtures/r-survey*/): their cases, their data, R's calibration totals.

Shared by every test that checks numbers against R (design, weighting, models, the public API contract), so
all of them read the fixtures one way: R's CSV export ("NA" and empty cells are missing, nothing else), read
once per session and handed out as copies, so a test that changes its frame cannot change another's.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

FIXTURES = Path(__file__).resolve().parent / "fixtures"
#: The fixture folders whose cases.json every R reference test runs: survey's own examples, then ours.
FOLDERS = ("r-survey", "r-survey-extra")


@lru_cache(maxsize=None)
def load_cases(folder: str) -> tuple[dict, ...]:
    """The cases of ``fixtures/<folder>/cases.json`` in file order (none if the folder has no cases)."""
    path = FIXTURES / folder / "cases.json"
    if not path.exists():
        return ()
    return tuple(json.loads(path.read_text())["cases"])


def case(folder: str, case_id: str) -> dict:
    """One case by its id; a KeyError naming the ids there are if it is not in the folder."""
    found = [c for c in load_cases(folder) if c["id"] == case_id]
    if not found:
        raise KeyError(f"{folder}/cases.json has no case {case_id!r}; it has {[c['id'] for c in load_cases(folder)]}")
    return found[0]


@lru_cache(maxsize=None)
def _read(folder: str, name: str) -> pd.DataFrame:
    return pd.read_csv(FIXTURES / folder / "data" / name, keep_default_na=False, na_values=["NA", ""])


def load_data(folder: str, name: str) -> pd.DataFrame:
    """A copy of ``fixtures/<folder>/data/<name>`` as R wrote it (R's NA and empty cells are missing)."""
    return _read(folder, name).copy()


def r_totals(data: pd.DataFrame, formula: str, totals: dict) -> dict:
    """R's model-matrix totals for ``~a + x`` ((Intercept), aB, aC, x) as the API's {a: {A: .., B: ..}, x: total}.

    The first level of a factor is the population total less the others, as R's treatment contrasts imply;
    every other level must have its total in the fixture (a KeyError otherwise: the fixture is incomplete).
    """
    out: dict = {}
    population = totals["(Intercept)"]
    for term in (t.strip() for t in formula.strip().lstrip("~").split("+")):
        if pd.api.types.is_numeric_dtype(data[term]):
            out[term] = totals[term]
            continue
        levels = sorted(data[term].dropna().unique())
        given = {level: totals[f"{term}{level}"] for level in levels[1:]}
        out[term] = {levels[0]: population - sum(given.values()), **given}
    return out


def dclus1(folder: str = "r-survey", name: str = "apiclus1.csv"):
    """R's ``dclus1``: ``svydesign(id = ~dnum, weights = ~pw, fpc = ~fpc, data = apiclus1)``, the one-stage
    cluster sample of school districts that R survey's examples and most of our fixture cases use."""
    import careersurvey as cs

    return cs.SurveyDesign(load_data(folder, name), weights="pw", psu="dnum", fpc="fpc")


def replicate_as_r(src: Path, d, df: pd.DataFrame, rep: dict):
    """Replicate weights as R made them: its exported columns or Hadamard multipliers, else our replicate()."""
    import importlib

    wr = importlib.import_module("careersurvey.estimation.weighting.replicate")  # the module, not the function

    mse = bool(rep.get("mse", False))
    if "columns" in rep:
        prefix = rep["columns"]
        cols = [c for c in df.columns if c.startswith(prefix) and c[len(prefix):].isdigit()]
        return d.evolve(replicates=wr.from_columns(df[cols].to_numpy(float), d.w, rep["type"], combined=False,
                                                   scale=rep.get("scale"), rscales=np.asarray(rep["rscales"]),
                                                   mse=mse))
    if rep["type"] in ("BRR", "Fay"):
        name = {"BRR": "apistrat_brr_repw.csv", "Fay": "apistrat_fay_repw.csv"}[rep["type"]]
        mult = load_data(src.name, name).to_numpy(float)
        return d.evolve(replicates=wr.from_columns(mult, d.w, rep["type"], rho=rep.get("fay_rho"), mse=mse))
    return d.replicate(rep["type"], **({"mse": mse} if "mse" in rep else {}))


def waves_frame(case: dict) -> pd.DataFrame:
    """A r-survey-waves case's data: ids and waves as text, its factors as categoricals in R's level order."""
    df = load_data("r-survey-waves", case["data"])
    for col in ("wave", "pid", "inst", "inst_fresh", "respondent_id"):
        if col in df:
            df[col] = df[col].astype(str)
    for v in case.get("factors", []):
        if v in df:
            df[v] = pd.Categorical(df[v], categories=case["levels"][v])
    return df


def waves_design(case: dict, df: pd.DataFrame | None = None):
    """A r-survey-waves case's design as R's svydesign(ids, strata, fpc, weights) said it (ids = ~1: no clusters)."""
    import careersurvey as cs

    df = waves_frame(case) if df is None else df
    spec = case["design"]
    ids = spec["ids"]
    d = cs.SurveyDesign(df, weights=spec["weights"][0], strata=(spec.get("strata") or [None])[0],
                        psu=None if ids == ["1"] else ids[0] if len(ids) == 1 else ids,
                        fpc=(spec.get("fpc") or [None])[0])
    if "subset" in case:
        d = d.subset(df[case["subset"]["column"]].to_numpy() == case["subset"]["equals"])
    if "replicate" in case:
        d = d.replicate(case["replicate"])
    return d


def weigh_as_r(d, case: dict, data: pd.DataFrame, raking: str = "calibrate"):
    """A case's weighting as R did it (post-stratification, raking, calibration with R's totals, trimming), then
    its subset; ``raking``: "calibrate" (R's calibrate(calfun = "raking") on the margins) or "rake" (rake())."""
    cal = case.get("calibration")
    if cal:
        if cal["method"] == "poststratify":
            totals = cal["totals"]
            if isinstance(cal["cells"], list):
                totals = {tuple(r[c] for c in cal["cells"]): r["Freq"] for r in totals}
            d = d.poststratify(cal["cells"], totals)
        elif cal["method"] == "raking" and "margins" in cal:
            d = (d.rake(cal["margins"]) if raking == "rake" else
                 d.calibrate(cal["margins"], method="raking", tol=1e-12, max_iter=500))
        else:
            d = d.calibrate(r_totals(data, cal["formula"], cal["totals"]), method=cal["method"],
                            bounds=cal.get("bounds"))
    if case.get("trim"):
        d = d.trim(lower=case["trim"]["lower"], upper=case["trim"]["upper"])
    return d.subset(case["subset"]) if case.get("subset") else d
