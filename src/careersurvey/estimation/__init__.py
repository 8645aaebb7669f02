"""Design-based estimation: data frames and aggregates in, results out — no questionnaire, no file IO, no screen.

The house of R survey's numbers. It never imports the questionnaire, responses, forms, report, CLI or simulation
packages (a test reads every import and holds this); conditions are parsed by :mod:`careersurvey.expr`, the leaf
every part may use. The walk from ``SurveyDesign(data)`` to a standard error goes one way down:

    design.py        SurveyDesign: immutable; settings, domains, the doors to every estimator and weighting step
      spec.py        the design's columns read and checked once: strata, PSUs per stage, fpc -> DesignSpec
        stages.py    sampling stages factorised once (Stage), lonely-PSU rules, R's degrees of freedom
      variance.py    the one linearised-variance engine (R's svyrecvar), over the stages
      estimators.py  mean, total, ratio, quantile, by-domains: point estimates and influence values
      domains.py     mean, total, ratio, proportions of every domain of by= in one grouped pass (one variance call)
      chisq.py       Rao-Scott tests of independence
      change.py      trends and change across waves: one stacked design (svyby covmat + svycontrast), paired change
      frames.py      estimate tables (estimate, se, CI, deff, df) and their printing
      codes.py       declared missing codes: no estimator or weighting step reads a column holding one
      weighting/     post-stratification, raking, calibration, trimming, nonresponse, replicate weights
      models/        design-based GLM (svyglm) and proportional-odds models (svyolr); fit.py holds their results
"""

from careersurvey.estimation.chisq import ChisqResult
from careersurvey.estimation.codes import MissingCodeError
from careersurvey.estimation.design import DesignError, LonelyPSUError, SurveyDesign
from careersurvey.estimation.estimators import EstimateError

__all__ = ["ChisqResult", "DesignError", "EstimateError", "LonelyPSUError", "MissingCodeError", "SurveyDesign"]
