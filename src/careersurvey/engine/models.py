"""What an engine glm keeps for the tools that go beyond its coefficients: R's ``regTermTest(method = "LRT")`` and
``psrsq`` refit smaller models, ``svypredmeans``, average marginal effects and ``marginpred`` average predictions.

:class:`TableGlmProblem` is the engine's counterpart of the in-memory
:class:`careersurvey.estimation.models.glm.GlmProblem` (the ``problem`` of a :class:`ModelResults`): the same
``fam``, ``deviance(columns)`` and ``prior_total``, so the core's :func:`~careersurvey.estimation.models.terms.term_test`
and :func:`~careersurvey.estimation.models.glm.pseudo_r2` run unchanged on an engine fit; every refit is the
engine's IRLS (one aggregate query per iteration) on the same rows, weights, offset and trials. The margins are in
:mod:`careersurvey.engine.models_margins`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from careersurvey.engine.linear import _c
from careersurvey.estimation.models.formula import ModelError

__all__ = ["TableGlmProblem"]


@dataclass(frozen=True, eq=False)
class TableGlmProblem:
    """An engine glm's fit: ``pr`` the rows and family expressions (:class:`careersurvey.engine.glm._Problem`),
    ``prior`` the fit's prior weights (an expression), ``d`` the column equilibration, ``ybar`` the response's
    mean (R's starting values), ``norm`` R's weight scale, ``prior_total`` the sum of the prior weights,
    ``terms`` the model's :class:`~careersurvey.engine.terms.ModelTerms`, ``member`` the fit's rows."""

    pr: Any
    prior: Any
    d: np.ndarray
    ybar: float
    maxiter: int
    formula: str
    norm: float
    prior_total: float
    terms: Any
    member: Any
    #: deviances of the reduced models already refitted (psrsq's two methods, several tests of one model)
    _refits: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def fam(self):
        return self.pr.fam

    @property
    def offset(self):
        return self.pr.off

    def deviance(self, columns) -> float:
        """R's svyglm deviance of the model with only ``columns`` of X (same rows, weights, offset): the engine's
        IRLS from R's starting values, as the in-memory ``GlmProblem.deviance``."""
        columns = [int(j) for j in columns]
        key = tuple(columns)
        if key not in self._refits:
            self._refits[key] = self._deviance(columns)
        return self._refits[key]

    def _deviance(self, columns: list[int]) -> float:
        from careersurvey.engine.glm import _irls

        pr = self.pr.restricted(columns)
        prior = pr.w / self.norm if pr.trials is None else pr.w / self.norm * pr.trials  # as the fit's
        if not columns:  # no coefficient left: the deviance of the offset (or eta = 0) alone
            row = pr.run({_c("dev"): (prior * pr.unit_dev(pr.y, pr.inverse(pr.eta(np.zeros(0))))).sum()})
            return float(row[_c("dev")])
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            beta, dev, iterations, converged = _irls(pr, prior, self.d[columns], self.ybar, self.maxiter)
        if not converged or not np.all(np.isfinite(beta)):
            raise ModelError(f"formula {self.formula!r}: the reduced fit did not converge in {iterations} IRLS "
                             f"iterations (coefficients {np.round(beta, 6).tolist()}); the data may separate the "
                             "response, or a predictor needs rescaling")
        return float(dev)

    # the margins (R's svypredmeans, average marginal effects, marginpred), called by ModelResults' methods
    def predictive_margins(self, fit, variable: str, levels=None):
        from careersurvey.engine.models_margins import predictive_margins

        return predictive_margins(fit, self, variable, levels)

    def marginal_effect(self, fit, variable: str, step: float | None = None):
        from careersurvey.engine.models_margins import marginal_effect

        return marginal_effect(fit, self, variable, step)

    def marginal_predictions(self, fit, adjustfor: str, predictat, type: str = "link", **kwargs):
        from careersurvey.engine.models_margins import marginal_predictions

        return marginal_predictions(fit, self, adjustfor, predictat, type, **kwargs)
