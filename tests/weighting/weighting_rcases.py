"""Run an R survey reference case (tests/fixtures/r-survey*/cases.json) through careersurvey's public API.

Shared by the weighting tests: builds the design, applies replicate weights, calibration, trimming and the
domain the case names, and returns the design with the estimate the case asks for.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
WEIGHTING_KEYS = ("calibration", "trim", "replicate")


@lru_cache(maxsize=None)
def load_cases(folder: str) -> tuple[dict, ...]:
    path = FIXTURES / folder / "cases.json"
    if not path.exists():
        return ()
    return tuple(json.loads(path.read_text())["cases"])


@lru_cache(maxsize=None)
def load_data(folder: str, name: str) -> pd.DataFrame:
    return pd.read_csv(FIXTURES / folder / "data" / name)


def r_totals(data: pd.DataFrame, formula: str, totals: dict) -> dict:
    """R's model-matrix totals for ``~a + x`` ((Intercept), aB, aC, x) as {a: {A: .., B: ..}, x: total}."""
    out: dict = {}
    n = totals["(Intercept)"]
    for term in (t.strip() for t in formula.strip().lstrip("~").split("+")):
        if pd.api.types.is_numeric_dtype(data[term]):
            out[term] = totals[term]
        else:
            levels = sorted(data[term].dropna().unique())
            lv = {level: totals.get(f"{term}{level}", 0.0) for level in levels[1:]}
            out[term] = {levels[0]: n - sum(lv.values()), **lv}
    return out


def build(case: dict, folder: str):
    """The weighted (and possibly replicate) design of one case."""
    import careersurvey as cs

    data = load_data(folder, case["data"])
    if case.get("rows"):
        col, val = case["rows"]["column"], case["rows"]["equals"]
        data = data[data[col] == val].reset_index(drop=True)
    de = case["design"]
    rp = case.get("replicate")
    if rp and rp.get("columns"):
        d = cs.SurveyDesign.from_replicates(data, weights=de["weights"], replicate_weights=f"^{rp['columns']}[0-9]+$",
                                           method=rp["type"], scale=rp.get("scale"), rscales=rp.get("rscales"),
                                           mse=bool(rp.get("mse")))
    else:
        d = cs.SurveyDesign(data, weights=de.get("weights"), strata=de.get("strata"), psu=de.get("psu"),
                            fpc=de.get("fpc"), lonely_psu=case.get("lonely_psu", "fail"), nest=bool(de.get("nest")))
        if rp:
            d = d.replicate(rp["type"], rho=rp.get("fay_rho"), replicates=rp.get("replicates", 50))
    cal = case.get("calibration")
    if cal:
        if cal["method"] == "poststratify":
            cells = cal["cells"]
            if isinstance(cells, str):
                d = d.poststratify(cells, cal["totals"])
            else:
                d = d.poststratify(cells, pd.DataFrame(cal["totals"]))
        elif cal["method"] == "raking" and "margins" in cal:
            d = d.rake(cal["margins"])
        else:
            d = d.calibrate(r_totals(data, cal["formula"], cal["totals"]), method=cal["method"],
                            bounds=cal.get("bounds"), max_iter=500, tol=1e-13)
    if case.get("trim"):
        d = d.trim(lower=case["trim"]["lower"], upper=case["trim"]["upper"])
    if case.get("subset"):
        d = d.subset(case["subset"])
    return d


def relevant(folder: str, types: tuple[str, ...] | None = None) -> list[dict]:
    """Cases with a weighting step or replicate weights (optionally only some estimate types)."""
    out = []
    for c in load_cases(folder):
        if not any(k in c for k in WEIGHTING_KEYS):
            continue
        if types is not None and c["estimate"]["type"] not in types:
            continue
        out.append(c)
    return out


def close(a, b, rtol=1e-6, atol=1e-9) -> bool:
    return bool(np.allclose(np.asarray(a, dtype=float), np.asarray(b, dtype=float), rtol=rtol, atol=atol))
