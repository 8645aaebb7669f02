"""Results of design-based models: coefficients, their design covariance, t tests on design df, summaries.

One value class serves glm and ordinal fits. Tests and intervals use Student's t on ``df_resid`` (R's
``degf + 1 - p`` for svyglm, ``degf - p`` for svyolr), the same rule as the estimates' result frames
(:func:`careersurvey.estimation.frames.result_frame`). ``summary()`` returns a statsmodels ``Summary`` (data plus
text/HTML renderers), so printed output, notebooks and the report use the same tables.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy import stats

from careersurvey.estimation.frames import result_frame, t_quantile

if TYPE_CHECKING:  # pragma: no cover
    from statsmodels.iolib.summary2 import Summary


@dataclass(frozen=True, eq=False)
class ModelResults:
    """A fitted design-based model (``kind`` "glm" or "ordinal").

    ``coefficients``/``cov_params`` hold every estimated parameter (for ordinal: slopes, then thresholds in
    order, as R's ``SE(svyolr)``); ``params`` are the slopes (glm: all coefficients); ``thresholds`` the
    ordinal cut-points. ``bse``, ``tvalues``, ``pvalues`` and ``conf_int()`` cover all coefficients.
    ``deff`` (linearised glm only) is R's ``svyglm(deff = TRUE)``: design variance over the model-based one.
    """

    kind: str
    formula: str
    family: str
    link: str
    response: str
    coefficients: pd.Series
    cov_params: pd.DataFrame
    df_resid: float
    nobs: int
    population: float
    variance_method: str
    level: float = 0.95
    n_thresholds: int = 0
    deff: pd.Series | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)
    #: the formula's terms (sorted factor names, as R matches them) and the columns of each in ``coefficients``
    terms: tuple[tuple[str, tuple[int, ...]], ...] = ()
    #: what the model was fitted on (glm: :class:`careersurvey.estimation.models.glm.GlmProblem`), for refits
    problem: Any = field(default=None, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "extra", MappingProxyType(dict(self.extra)))  # read-only, like the rest

    # -- coefficients -------------------------------------------------------------------------------------
    @property
    def params(self) -> pd.Series:
        """Coefficients by term name (ordinal: the slopes only)."""
        k = len(self.coefficients) - self.n_thresholds
        return self.coefficients.iloc[:k]

    @property
    def thresholds(self) -> pd.Series:
        """Ordinal cut-points in order, named like R (``"1|2"``); empty for a glm."""
        k = len(self.coefficients) - self.n_thresholds
        return self.coefficients.iloc[k:]

    @property
    def bse(self) -> pd.Series:
        """Design-based standard errors of all coefficients."""
        return pd.Series(np.sqrt(np.clip(np.diag(self.cov_params.to_numpy()), 0, None)),
                         index=self.coefficients.index, name="bse")

    @property
    def tvalues(self) -> pd.Series:
        return (self.coefficients / self.bse).rename("t")

    @property
    def pvalues(self) -> pd.Series:
        """Two-sided p-values from Student's t on ``df_resid`` (NaN when df_resid <= 0, as R)."""
        t = self.tvalues.to_numpy()
        if self.df_resid <= 0:
            p = np.full(len(t), np.nan)
        else:
            p = 2 * stats.t.sf(np.abs(t), self.df_resid)
        return pd.Series(p, index=self.coefficients.index, name="p")

    def conf_int(self, alpha: float | None = None) -> pd.DataFrame:
        """Wald intervals with t on ``df_resid`` (R's ``confint.svyglm``); columns ``lower``, ``upper``."""
        level = self.level if alpha is None else 1 - alpha
        q = t_quantile(self.df_resid, level) if self.df_resid > 0 else np.nan
        se = self.bse
        return pd.DataFrame({"lower": self.coefficients - q * se, "upper": self.coefficients + q * se})

    @property
    def table(self) -> pd.DataFrame:
        """The project's standard result frame (estimate, se, ci_low, ci_high, deff, df, cv)."""
        return result_frame(self.coefficients.index, self.coefficients.to_numpy(), self.cov_params.to_numpy(),
                            self.df_resid, level=self.level, statistic=self.kind,
                            deff=None if self.deff is None else self.deff.to_numpy())

    # -- tests of terms -----------------------------------------------------------------------------------
    def term_test(self, terms, **kwargs: Any):
        """R's ``regTermTest``: Wald, WorkingWald or Rao-Scott LRT of ``terms`` (see
        :func:`careersurvey.estimation.models.terms.term_test`)."""
        from careersurvey.estimation.models.terms import term_test

        return term_test(self, terms, **kwargs)

    def whole_model_test(self, **kwargs: Any):
        """The test of all terms but the intercept (R: ``regTermTest(fit, ~ all terms)``)."""
        from careersurvey.estimation.models.terms import whole_model_test

        return whole_model_test(self, **kwargs)

    def pseudo_r2(self, method: str = "Nagelkerke") -> float:
        """R's ``psrsq``: "Nagelkerke" or "Cox-Snell" pseudo-R² of a binomial or poisson glm."""
        from careersurvey.estimation.models.glm import pseudo_r2

        return pseudo_r2(self, method)

    def predictive_margins(self, variable: str, levels=None) -> pd.DataFrame:
        """R's ``svypredmeans``: the mean predicted response with ``variable`` set to each level, with design SEs
        and their covariance (``cs.contrast`` of it: average marginal effects)."""
        if hasattr(self.problem, "predictive_margins"):  # a fit over a table in an engine computes its own
            return self.problem.predictive_margins(self, variable, levels)
        from careersurvey.estimation.models.margins import predictive_margins

        return predictive_margins(self, variable, levels)

    def marginal_effect(self, variable: str, step: float | None = None) -> pd.DataFrame:
        """The average marginal effect (mean derivative of the predicted response) of a numeric variable."""
        if hasattr(self.problem, "marginal_effect"):  # a fit over a table in an engine computes its own
            return self.problem.marginal_effect(self, variable, step)
        from careersurvey.estimation.models.margins import marginal_effect

        return marginal_effect(self, variable, step)

    def marginal_predictions(self, adjustfor: str, predictat: pd.DataFrame, type: str = "link",
                             **kwargs: Any) -> pd.DataFrame:
        """R's ``marginpred``: predictions at ``predictat`` after reweighting the design so that the ``adjustfor``
        variables are uncorrelated with the model's predictors (direct standardisation when saturated)."""
        if hasattr(self.problem, "marginal_predictions"):  # a fit over a table in an engine computes its own
            return self.problem.marginal_predictions(self, adjustfor, predictat, type, **kwargs)
        from careersurvey.estimation.models.margins import marginal_predictions

        return marginal_predictions(self, adjustfor, predictat, type, **kwargs)

    # -- printing -----------------------------------------------------------------------------------------
    def summary(self) -> Summary:
        """A statsmodels ``Summary``: ``.as_text()``, ``.as_html()``, and rich display in notebooks."""
        from statsmodels.iolib.summary2 import Summary

        title = ("Survey-weighted generalised linear model" if self.kind == "glm"
                 else f"Survey-weighted cumulative-link ordinal model ({self.link})")
        s = Summary()
        s.add_title(title)
        info = {
            "Response:": self.response,
            "Family / link:": f"{self.family} / {self.link}",
            "Observations:": f"{self.nobs:,}",
            "Population (sum of weights):": f"{self.population:,.1f}",
            "Variance:": self.variance_method,
            "Residual df (design):": f"{self.df_resid:g}",
        }
        if self.extra.get("dispersion") is not None:  # R's summary.svyglm: svyvar of the Pearson residuals
            info["Dispersion:"] = f"{self.extra['dispersion']:.6g}"
        s.add_dict(info, ncols=2, align="l")
        ci = self.conf_int()
        lo, hi = (1 - self.level) / 2, 1 - (1 - self.level) / 2
        coef = pd.DataFrame({
            "coef": self.coefficients, "std err": self.bse, "t": self.tvalues, "P>|t|": self.pvalues,
            f"[{lo:.3f}": ci["lower"], f"{hi:.3f}]": ci["upper"],
        })
        if self.deff is not None:
            coef["deff"] = self.deff
        s.add_df(coef, float_format="%.4f")
        s.add_text(f"Formula: {self.formula}")
        test = None
        if any(t != "1" for t, _ in self.terms) and self.df_resid > 0:
            try:
                test = self.whole_model_test()
            except np.linalg.LinAlgError:  # a singular design covariance (more coefficients than PSUs): no test
                test = None
        if test is not None:
            s.add_text(f"Wald test of all terms ({', '.join(test.terms)}): F = {test.statistic:.4f} on {test.ndf} "
                       f"and {test.ddf:g} df, p = {test.p_value:.4g} (R: regTermTest)")
        s.add_text("Standard errors are design-based (as R survey's svyglm/svyolr); t tests on the design's "
                   "residual degrees of freedom.")
        return s

    def __repr__(self) -> str:
        return self.summary().as_text()

    def _repr_html_(self) -> str:
        return self.summary().as_html()
