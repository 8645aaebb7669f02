"""The R reference cases (glm and svyolr) of both fixture files and designs built from them, for the model tests."""

from __future__ import annotations

import importlib
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import careersurvey as cs

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
SOURCES = (FIXTURES / "r-survey", FIXTURES / "r-survey-extra")
_CACHE: dict[Path, pd.DataFrame] = {}


def read(path: Path) -> pd.DataFrame:
    if path not in _CACHE:
        _CACHE[path] = pd.read_csv(path, keep_default_na=False, na_values=["NA", ""])
    return _CACHE[path].copy()


def model_cases(kind: str) -> list:
    """pytest params for every case of both fixture files whose estimate type is ``kind`` ("glm" or "olr")."""
    out = []
    for src in SOURCES:
        for case in json.loads((src / "cases.json").read_text())["cases"]:
            if case["estimate"]["type"] == kind:
                out.append(pytest.param(src, case, id=f"{src.name}:{case['id']}"))
    return out


def r_totals_to_margins(data: pd.DataFrame, formula: str, totals: dict) -> dict:
    """R's model-matrix calibration totals ((Intercept), stypeH, api99) as {var: {level: total} | total}."""
    out: dict = {}
    population = totals["(Intercept)"]
    for term in (t.strip() for t in formula.lstrip("~").split("+")):
        if pd.api.types.is_numeric_dtype(data[term]):
            out[term] = totals[term]
            continue
        levels = sorted(data[term].dropna().unique())
        given = {lv: totals[f"{term}{lv}"] for lv in levels[1:]}
        out[term] = {levels[0]: population - sum(given.values()), **given}
    return out


def build(src: Path, case: dict):
    """The case's design through the public API (replicates, calibration, domain as the case says)."""
    wr = importlib.import_module("careersurvey.weighting.replicate")

    df = read(src / "data" / case["data"])
    de = case["design"]
    d = cs.SurveyDesign(df, weights=de.get("weights"), strata=de.get("strata"), psu=de.get("psu"),
                        fpc=de.get("fpc"), lonely_psu=case.get("lonely_psu", "fail"), nest=bool(de.get("nest")))
    rep = case.get("replicate")
    if rep:
        if "columns" in rep:
            cols = [c for c in df.columns if c.startswith(rep["columns"]) and c[len(rep["columns"]):].isdigit()]
            rw = wr.from_columns(df[cols].to_numpy(float), d.w, rep["type"], scale=rep["scale"],
                                 rscales=np.asarray(rep["rscales"]), mse=bool(rep.get("mse", False)))
            d = d.evolve(replicates=rw)
        elif rep["type"] in ("BRR", "Fay"):  # R's Hadamard multipliers, exported beside the data
            name = {"BRR": "apistrat_brr_repw.csv", "Fay": "apistrat_fay_repw.csv"}[rep["type"]]
            mult = pd.read_csv(src / "data" / name).to_numpy(float)
            d = d.evolve(replicates=wr.from_columns(mult, d.w, rep["type"], rho=rep.get("fay_rho")))
        else:
            d = d.replicate(rep["type"])
    cal = case.get("calibration")
    if cal:
        if cal["method"] == "raking" and "margins" in cal:
            d = d.rake(cal["margins"])
        else:
            d = d.calibrate(r_totals_to_margins(d.data, cal["formula"], cal["totals"]), method=cal["method"],
                            bounds=cal.get("bounds"))
    if case.get("subset"):
        d = d.subset(case["subset"])
    return d


def r_name(name: str, data: pd.DataFrame) -> str:
    """R's coefficient name in formulaic's spelling: (Intercept) -> Intercept, stypeH -> stype[T.H]."""
    if name == "(Intercept)":
        return "Intercept"
    for col in data.columns:
        if name.startswith(col) and not pd.api.types.is_numeric_dtype(data[col]):
            level = name[len(col):]
            if level in set(map(str, data[col].dropna().unique())):
                return f"{col}[T.{level}]"
    return name.replace(" ", "")
