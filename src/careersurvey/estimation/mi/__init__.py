"""Multiple imputation with a survey design: completed data sets by a seeded hot deck (approximate Bayesian
bootstrap within imputation classes), a design over them, Rubin's rules with Barnard-Rubin df (R's
``mitools::MIcombine``) and the Rao-Scott chi-square combined over imputations (D2)."""

from careersurvey.estimation.mi.combine import MIChisqResult, mi_chisq, mi_combine
from careersurvey.estimation.mi.designs import ImputedDesigns
from careersurvey.estimation.mi.hotdeck import impute_hotdeck

__all__ = ["ImputedDesigns", "MIChisqResult", "impute_hotdeck", "mi_chisq", "mi_combine"]
