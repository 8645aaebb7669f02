"""Key estimates before and after each weighting step, so a reader sees what each step did to them:

1. **design weights**: the inverse inclusion probabilities of the respondents (the study's ``base`` design);
2. **nonresponse-adjusted**: each respondent's design weight times its stratum's factor, the design-weighted
   total of the stratum's sampled cases (all but the not eligible, 4.x) over that of its respondents (a
   weighting-class adjustment with the sampling strata as classes), from the sample file of every case;
3. **calibrated**: the nonresponse-adjusted weights raked to the study's targets inside their scope (the same
   margins and scope as the analyses' raking);
4. **trimmed**: the calibrated weights cut at ``trim`` times their median in the targets' population (R's
   ``trimWeights``: the excess spread over the other weights, totals kept).

Every estimate is a design-based mean (a share for a variable with ``levels``: the codes that count as yes)
over the study's analysed population, with its SE from the design at that step.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from careersurvey.report.i18n import text
from careersurvey.report.results import Table

__all__ = ["STEPS", "nonresponse_factors", "weighting_steps"]

STEPS = ("design weights", "nonresponse-adjusted", "calibrated", "trimmed")


def nonresponse_factors(sample: pd.DataFrame, *, stratum: str = "stratum", weights: str = "design_weight",
                        disposition: str = "disposition") -> pd.Series:
    """Per stratum: the design-weighted sum over the sampled cases that are not ineligible (4.x) over the sum
    over the respondents (1.1, 1.2)."""
    from careersurvey.fieldwork.dispositions import check_dispositions

    groups = check_dispositions(sample[disposition], column=disposition)
    d = pd.to_numeric(sample[weights], errors="coerce")
    h = sample[stratum].astype("str")
    eligible = d.where(groups != "NE", 0).groupby(h).sum()
    responded = d.where(groups.isin(["I", "P"]), 0).groupby(h).sum()
    return (eligible / responded).rename("factor")


def _key_columns(data: pd.DataFrame, keys: Sequence[tuple[str, tuple | None]],
                 lang: str = "en") -> tuple[pd.DataFrame, list]:
    """The key estimates as columns: a variable as it is, or 1/0 for answering one of ``levels`` (missing
    stays missing); with their names as the table shows them."""
    cols, names = {}, []
    for i, (variable, levels) in enumerate(keys):
        y = data[variable]
        cols[f"_key{i}"] = (y if levels is None else y.isin(levels).astype(float).where(y.notna())).to_numpy()
        names.append(variable if levels is None else
                     text("fw.in", lang, variable=variable, levels=", ".join(map(str, levels))))
    return pd.DataFrame(cols, index=data.index), names


def _base_with(base, extra: pd.DataFrame):
    """The study's design before weighting (no weighting steps) with more data columns: same strata, PSUs,
    fpc, weights and domain."""
    from careersurvey.estimation.design import SurveyDesign

    if base.adjustments:
        raise ValueError("the study's base design is already weighted; give the design before weighting")
    spec = base.spec
    whole = base if base.domain is None else base.evolve(domain=None)  # a domain's weights are 0 outside it
    data = pd.concat([base.data, extra], axis=1).assign(_w0=whole.weights.to_numpy(dtype=float))
    new = SurveyDesign(data, weights="_w0", strata=spec.strata_arg, psu=spec.psu_arg, fpc=spec.fpc_arg,
                       lonely_psu=base.lonely_psu)
    return new if base.domain is None else new.evolve(domain=base.domain)


def weighting_steps(study, sample: pd.DataFrame, keys: Sequence[tuple[str, tuple | None]], *,
                    id: str = "respondent_id", stratum: str = "stratum", weights: str = "design_weight",
                    disposition: str = "disposition", trim: float = 4.0, lang: str = "en") -> Table:
    """The table of the module doc: one row per key estimate and step (estimate, SE, change from the step
    before), for the study's respondents and ``sample`` (every sampled case with its final disposition); its
    title, caption, steps and headings in ``lang`` ("en", "ko")."""
    extra, names = _key_columns(study.base.data, keys, lang)
    base = _base_with(study.base, extra)
    inside = base.domain if base.domain is not None else np.ones(len(base.data), dtype=bool)
    factors = nonresponse_factors(sample, stratum=stratum, weights=weights, disposition=disposition)
    where = sample.set_index(sample[id].astype("str"))[stratum].astype("str")
    home = base.data[id].astype("str").map(where)
    if home.isna().any():
        missing = base.data.loc[home.isna(), id].astype("str").head(5).tolist()
        raise ValueError(f"respondents {', '.join(map(repr, missing))} are not in the sample file; the nonresponse "
                         "factors need every respondent's stratum")
    w0 = (base if base.domain is None else base.evolve(domain=None)).weights.to_numpy(dtype=float)
    w_nr = w0 * home.map(factors).to_numpy(dtype=float)
    full_nr = base.evolve(weights=pd.Series(w_nr, index=base.data.index), domain=None)
    steps = [("design weights", base), ("nonresponse-adjusted", full_nr.subset(inside))]
    if study.targets is not None:
        raked = full_nr.rake(study.targets.margins(), scope=inside)
        steps.append(("calibrated", raked.subset(inside)))
        w = raked.weights.to_numpy(dtype=float)
        cap = trim * float(np.median(w[inside]))
        steps.append(("trimmed", raked.trim(upper=cap).subset(inside)))
    rows = []
    for label, d in steps:
        for col, name in zip(extra.columns, names):  # each over its own answers (not complete cases)
            est = d.mean(col, na_rm=True).iloc[0]
            rows.append({"estimate_of": name, "step": label, "estimate": float(est["estimate"]),
                         "se": float(est["se"])})
    frame = pd.DataFrame(rows)
    frame["step"] = pd.Categorical(frame["step"], categories=list(STEPS), ordered=True)
    frame = frame.sort_values(["estimate_of", "step"], kind="stable")
    frame["step"] = frame["step"].astype(str).map(lambda step: text(f"fw.step.{step}", lang))
    frame["change"] = frame.groupby("estimate_of")["estimate"].diff()
    frame = frame.set_index(["estimate_of", "step"])
    labels = {} if lang == "en" else {k: text(f"fw.col.{k}", lang) for k in ("estimate_of", "step")}
    return Table("weighting_steps", text("fw.steps.title", lang), frame, text("fw.steps.caption", lang, trim=f"{trim:g}"),
                 4, labels=labels)
