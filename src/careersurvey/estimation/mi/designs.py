"""A survey design over M completed data sets (R: ``svydesign(data = imputationList(...))``): the same design
declared on each, every analysis run on each (R's ``with``), results combined by Rubin's rules."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from careersurvey.estimation.design import SurveyDesign
from careersurvey.estimation.estimators import EstimateError
from careersurvey.estimation.mi.combine import MIChisqResult, mi_chisq, mi_combine


@dataclass(frozen=True, eq=False)
class ImputedDesigns:
    """One :class:`SurveyDesign` per completed data set. ``df_complete`` of the combining methods is the
    complete-data df for Barnard & Rubin's small-sample df (None: R's MIcombine default, infinite)."""

    designs: tuple[SurveyDesign, ...]

    @classmethod
    def from_datasets(cls, datasets: Sequence[pd.DataFrame], **design: Any) -> ImputedDesigns:
        """The design ``SurveyDesign(df, **design)`` on each completed data set (all of the same rows)."""
        datasets = list(datasets)
        if len(datasets) < 2:
            raise EstimateError(f"multiple imputation needs 2 or more completed data sets; got {len(datasets)}")
        n = {len(d) for d in datasets}
        if len(n) > 1:
            raise EstimateError(f"the completed data sets differ in their number of rows ({sorted(n)}); each must "
                                "hold every respondent once")
        return cls(tuple(SurveyDesign(d, **design) for d in datasets))

    def __len__(self) -> int:
        return len(self.designs)

    def subset(self, condition: Any) -> ImputedDesigns:
        """The same domain on every imputation (a condition text is evaluated on each completed data set)."""
        return ImputedDesigns(tuple(d.subset(condition) for d in self.designs))

    def replicate(self, *args: Any, **kwargs: Any) -> ImputedDesigns:
        """Replicate weights on every imputation (R's ``as.svrepdesign`` of an imputation list). They depend on
        the design only, so every imputation gets the same ones, as in R; for a bootstrap a seed is required
        for that (the same seed gives each imputation the same draws)."""
        method = args[0] if args else kwargs.get("method", "auto")
        if method == "bootstrap" and kwargs.get("seed") is None:
            raise EstimateError("replicate('bootstrap') over imputations needs seed=: every imputation must get "
                                "the same bootstrap weights (as R's as.svrepdesign of an imputation list)")
        return ImputedDesigns(tuple(d.replicate(*args, **kwargs) for d in self.designs))

    def apply(self, analysis: Callable[[SurveyDesign], Any]) -> list:
        """R's ``with(designs, ...)``: the analysis run on each design, one result per imputation."""
        return [analysis(d) for d in self.designs]

    def mean(self, variables: Any, *, df_complete: float | None = None, **kwargs: Any) -> pd.DataFrame:
        return mi_combine(self.apply(lambda d: d.mean(variables, **kwargs)), df_complete=df_complete)

    def total(self, variables: Any, *, df_complete: float | None = None, **kwargs: Any) -> pd.DataFrame:
        return mi_combine(self.apply(lambda d: d.total(variables, **kwargs)), df_complete=df_complete)

    def glm(self, formula: str, family: str = "gaussian", *, df_complete: float | None = None,
            **kwargs: Any) -> pd.DataFrame:
        return mi_combine(self.apply(lambda d: d.glm(formula, family=family, **kwargs)), df_complete=df_complete)

    def chisq(self, row: str, col: str) -> MIChisqResult:
        """The first-order Rao-Scott test on each imputation, combined by D2 (:func:`mi_chisq`)."""
        return mi_chisq(self.apply(lambda d: d.chisq(row, col, statistic="Chisq")))
