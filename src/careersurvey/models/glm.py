"""Design-based generalised linear models, as R survey's ``svyglm``.

Point estimates are the weighted maximum-likelihood fit with the design weights (statsmodels GLM with
``var_weights``: the same estimating equations as R's glm with prior weights); the quasi families give the
same coefficients. Standard errors are the sandwich R computes: inverse expected information times the
design variance of the score (``svy.varcoef``), through the design's one variance engine, so calibration,
fpc and lonely-PSU rules apply. Replicate designs refit the model under every replicate weight column and
combine the coefficients as R's ``svrVar``. Tests use t on ``degf + 1 - p`` degrees of freedom, as R.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import statsmodels.api as sm
from statsmodels.genmod import families

from careersurvey.models.formula import ModelData, ModelError, model_data
from careersurvey.models.results import ModelResults, replicate_degf

if TYPE_CHECKING:  # pragma: no cover
    from careersurvey.design import SurveyDesign

#: family name -> (statsmodels family factory, R's name for it in svyglm); quasi families fit the same way
FAMILIES: dict[str, tuple[Any, str]] = {
    "gaussian": (families.Gaussian, "gaussian"),
    "binomial": (families.Binomial, "quasibinomial"),
    "quasibinomial": (families.Binomial, "quasibinomial"),
    "poisson": (families.Poisson, "quasipoisson"),
    "quasipoisson": (families.Poisson, "quasipoisson"),
}


def _family(family: str | families.Family) -> tuple[families.Family, str]:
    if isinstance(family, families.Family):
        return family, type(family).__name__.lower()
    if not isinstance(family, str) or family.lower() not in FAMILIES:
        raise ModelError(f"family={family!r} is not supported; use one of {', '.join(FAMILIES)} "
                         "or a statsmodels family object (e.g. sm.families.Binomial(sm.families.links.Probit()))")
    factory, label = FAMILIES[family.lower()]
    return factory(), label


def _response(md: ModelData, fam: families.Family) -> tuple[np.ndarray, str]:
    """The response as floats; a two-level categorical counts its second level as the event (as R's glm)."""
    lhs = md.lhs
    if lhs.shape[1] == 1:
        y = lhs.iloc[:, 0].to_numpy(dtype=float)
        name = str(lhs.columns[0])
    elif lhs.shape[1] == 2 and isinstance(fam, families.Binomial):
        y = lhs.iloc[:, 1].to_numpy(dtype=float)
        name = str(lhs.columns[1])
    else:
        raise ModelError(f"formula {md.formula!r}: the response must be one numeric column (or, for binomial, "
                         f"a two-level variable); it gives columns {', '.join(map(str, lhs.columns))}")
    if isinstance(fam, families.Binomial) and ((y < 0) | (y > 1)).any():
        bad = np.flatnonzero((y < 0) | (y > 1))
        raise ModelError(f"formula {md.formula!r}: a binomial response must lie in [0, 1] (0/1, True/False or a "
                         f"proportion); {len(bad)} row(s) do not, e.g. value {y[bad[0]]!r}. Use I(x == 'level').")
    if isinstance(fam, families.Poisson) and (y < 0).any():
        raise ModelError(f"formula {md.formula!r}: a poisson response must be non-negative")
    return y, name


def _fit(y: np.ndarray, X: np.ndarray, w: np.ndarray, fam: families.Family, start: np.ndarray | None,
         maxiter: int, formula: str, what: str) -> Any:
    """Weighted IRLS to a tight tolerance on the coefficients (R's svyglm fixtures use epsilon 1e-14)."""
    keep = w > 0
    model = sm.GLM(y[keep], X[keep], family=fam, var_weights=w[keep] / w[keep].mean())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # statsmodels warns on non-integer binomial weights: those are ours
        res = model.fit(start_params=start, maxiter=maxiter, tol=1e-13, rtol=1e-11, tol_criterion="params")
    if not res.converged or not np.all(np.isfinite(res.params)):
        raise ModelError(f"formula {formula!r}: the {what} fit did not converge in {maxiter} IRLS iterations "
                         f"(coefficients {np.round(res.params, 6).tolist()}); the data may separate the "
                         "response, or a predictor needs rescaling")
    return res


def score_and_bread(y: np.ndarray, X: np.ndarray, w: np.ndarray, beta: np.ndarray,
                    fam: families.Family) -> tuple[np.ndarray, np.ndarray]:
    """Weighted score contributions (m, p) and the inverse expected information (p, p), as R's svy.varcoef."""
    eta = X @ beta
    mu = fam.link.inverse(eta)
    mu_eta = fam.link.inverse_deriv(eta)
    var = fam.variance(mu)
    score = X * (w * (y - mu) * mu_eta / var)[:, None]
    info = (X * (w * mu_eta**2 / var)[:, None]).T @ X
    return score, np.linalg.inv(info)


def glm(design: SurveyDesign, formula: str, family: str | families.Family = "gaussian", *,
        level: float = 0.95, maxiter: int = 100) -> ModelResults:
    """Fit ``formula`` by design-weighted likelihood; SEs from the design (linearised or replicate)."""
    fam, label = _family(family)
    md = model_data(design, formula)
    y, yname = _response(md, fam)
    X, w = md.X, md.weights
    full = _fit(y, X, w, fam, None, maxiter, formula, "full-sample")
    beta = np.asarray(full.params, dtype=float)
    reps = design.replicates
    if reps is None:
        score, bread = score_and_bread(y, X, w, beta, fam)
        infl = np.zeros((len(md.rows), len(beta)))
        infl[md.rows] = score @ bread
        cov = md.fit_design.variance(infl)
        degf = md.fit_design.design_df
        method = "linearisation"
    else:
        rep_w = np.asarray(reps.weights, dtype=float)[md.rows]
        thetas = np.vstack([
            _fit(y, X, rep_w[:, r], fam, beta, maxiter, formula, f"replicate {r + 1}").params
            for r in range(rep_w.shape[1])
        ])
        cov = reps.covariance(thetas, beta)
        degf = replicate_degf(design)
        method = f"replicate weights ({getattr(reps, 'method', 'replicate')}, {rep_w.shape[1]})"
    names = pd.Index(md.names)
    return ModelResults(
        kind="glm", formula=formula, family=label, link=type(fam.link).__name__.lower(), response=yname,
        coefficients=pd.Series(beta, index=names, name="params"),
        cov_params=pd.DataFrame(cov, index=names, columns=names),
        df_resid=float(degf + 1 - len(beta)), nobs=md.nobs, population=float(w.sum()),
        variance_method=method, level=level,
        extra={"deviance": float(full.deviance), "iterations": int(full.fit_history["iteration"])},
    )
