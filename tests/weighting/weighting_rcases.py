"""Run an R survey reference case (tests/fixtures/r-survey*/cases.json) through careersurvey's public API.

Shared by the weighting tests: builds the design, applies replicate weights, calibration, trimming and the
domain the case names, and returns the design with the estimate the case asks for.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from rcases import case, dclus1, load_cases, load_data, r_totals  # noqa: F401 (also used as rc.* by the tests)

WEIGHTING_KEYS = ("calibration", "trim", "replicate")


def build(spec: dict, folder: str):
    """The weighted (and possibly replicate) design of one case (a cases.json entry)."""
    import careersurvey as cs

    data = load_data(folder, spec["data"])
    if spec.get("rows"):
        col, val = spec["rows"]["column"], spec["rows"]["equals"]
        data = data[data[col] == val].reset_index(drop=True)
    de = spec["design"]
    rp = spec.get("replicate")
    if rp and rp.get("columns"):
        d = cs.SurveyDesign.from_replicates(data, weights=de["weights"], replicate_weights=f"^{rp['columns']}[0-9]+$",
                                           method=rp["type"], scale=rp.get("scale"), rscales=rp.get("rscales"),
                                           mse=bool(rp.get("mse")))
    else:
        d = cs.SurveyDesign(data, weights=de.get("weights"), strata=de.get("strata"), psu=de.get("psu"),
                            fpc=de.get("fpc"), lonely_psu=spec.get("lonely_psu", "fail"), nest=bool(de.get("nest")))
        if rp:
            d = d.replicate(rp["type"], rho=rp.get("fay_rho"), replicates=rp.get("replicates", 50))
    cal = spec.get("calibration")
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
    if spec.get("trim"):
        d = d.trim(lower=spec["trim"]["lower"], upper=spec["trim"]["upper"])
    if spec.get("subset"):
        d = d.subset(spec["subset"])
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
