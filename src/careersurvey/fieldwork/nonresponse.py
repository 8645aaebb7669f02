"""``nonresponse_comparison``: respondents against the full sample on frame variables (AAPOR's and Westat
nrba's first look at nonresponse bias), with design-based tests from the estimation package.

For every frame variable known for all eligible sampled cases (see :func:`.rindicator.responded_cases` for who
counts as a respondent): a category's share, or a number's mean, over the full sample and over the
respondents, both weighted by the base weights, and their difference (respondents minus full sample). The
test is that of response against the variable over the full sample's design (strata and PSUs when given):
for a category, R's ``svychisq`` (second-order Rao-Scott F) of response by the variable; for a number, R's
``svyttest`` of the difference between respondents' and nonrespondents' means. A difference in the frame
variables is a warning sign, not a measure of bias in the survey's own variables.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from careersurvey.fieldwork.dispositions import _where
from careersurvey.fieldwork.errors import FieldworkError
from careersurvey.fieldwork.rindicator import responded_cases

COLUMNS = ("variable", "level", "full_sample", "respondents", "difference", "test", "statistic", "df", "ddf",
           "p_value")


def nonresponse_comparison(sample: pd.DataFrame, variables: Sequence[str], *, disposition: str = "disposition",
                           responded: str | None = None, weights: str | None = None, strata: str | None = None,
                           psu: str | None = None, source: str | None = None) -> pd.DataFrame:
    """One row per category (or per numeric variable): full-sample and respondent shares or means, their
    difference, and the test of response against the variable (see module doc)."""
    from careersurvey.estimation.design import SurveyDesign

    where = source or "the sample"
    variables = tuple(variables)
    need = [*variables, *(c for c in (responded or disposition, weights, strata, psu) if c)]
    missing = [c for c in need if c not in sample.columns]
    if missing:
        raise FieldworkError(f"no column {', '.join(map(repr, missing))}; the sample has "
                             f"{', '.join(map(repr, map(str, sample.columns)))}", file=where)
    data = responded_cases(sample, responded=responded, disposition=disposition, source=where)
    for v in variables:
        empty = np.flatnonzero(data[v].isna().to_numpy())
        if len(empty):
            raise FieldworkError(f"{v} is empty in {_where(data.index, empty)}; a frame variable must be known for "
                                 "every sampled case: fill it in or leave the variable out", file=where, column=v)
    d = np.ones(len(data)) if weights is None else pd.to_numeric(data[weights], errors="coerce").to_numpy(float)
    if not np.all(np.isfinite(d) & (d > 0)):
        bad = np.flatnonzero(~(np.isfinite(d) & (d > 0)))
        raise FieldworkError(f"{weights} must be a number > 0 for every case; {_where(data.index, bad)}",
                             file=where, column=weights)
    y = data["_y"].to_numpy() == 1
    if y.all() or not y.any():
        raise FieldworkError("the comparison needs both respondents and nonrespondents among the cases", file=where)
    frame = data.assign(_d=d, _responded=np.where(y, "respondent", "nonrespondent"), _r01=y.astype(float))
    numeric = {v for v in variables
               if pd.api.types.is_numeric_dtype(frame[v]) and not pd.api.types.is_bool_dtype(frame[v])}
    for v in set(variables) - numeric:  # categories as text, whatever the file stored
        frame[v] = frame[v].astype("str")
    design = SurveyDesign(frame.reset_index(drop=True), weights="_d", strata=strata, psu=psu)
    rows = []
    for v in variables:
        if v in numeric:
            x = frame[v].to_numpy(dtype=float)
            full, resp = np.sum(d * x) / d.sum(), np.sum(d[y] * x[y]) / d[y].sum()
            t = design.ttest(f"{v} ~ _r01")
            rows.append((v, "(mean)", full, resp, resp - full, "t test", float(t["t"].iloc[0]),
                         float(t["df"].iloc[0]), np.nan, float(t["p_value"].iloc[0])))
            continue
        text = frame[v]
        test = design.chisq("_responded", v)
        for level in sorted(text.unique()):
            at = (text == level).to_numpy()
            full, resp = d[at].sum() / d.sum(), d[at & y].sum() / d[y].sum()
            rows.append((v, level, full, resp, resp - full, "Rao-Scott F", test.statistic,
                         test.ndf, test.ddf, test.p_value))
    return pd.DataFrame(rows, columns=list(COLUMNS))


__all__ = ["COLUMNS", "nonresponse_comparison"]
