"""Weighting: post-stratification, raking, calibration (linear, raking, logit; bounded), trimming,
nonresponse adjustment, replicate weights and weight diagnostics. Margins arrive as plain mappings
(``{column: {level: total}}``); reading target files is the data side's job (:mod:`careersurvey.targets`).

Each step is a method of :class:`careersurvey.SurveyDesign` (``d.rake(...)``, ``d.calibrate(...)``, ...)
that returns a new design recording the step, so later variances account for it (see :mod:`.ops`).
Modules: :mod:`.margins` (targets matched to data), :mod:`.calibrate` (g-weight solver), :mod:`.rake`
(IPF, post-stratification), :mod:`.trim`, :mod:`.nonresponse`, :mod:`.replicate`, :mod:`.estimated`
(targets with standard errors), :mod:`.diagnostics`, :mod:`.longitudinal` (panel weights from these steps).
"""

from __future__ import annotations

from careersurvey.estimation.weighting.calibrate import Bounds, CalibrationStep
from careersurvey.estimation.weighting.diagnostics import WeightSummary
from careersurvey.estimation.weighting.errors import WeightingError
from careersurvey.estimation.weighting.nonresponse import NonresponseStep
from careersurvey.estimation.weighting.ops import (adjust_nonresponse, calibrate, poststratify, rake, replicate,
                                                   trim, weight_summary)
from careersurvey.estimation.weighting.rake import PostStratStep
from careersurvey.estimation.weighting.replicate import ReplicateWeights
from careersurvey.estimation.weighting.trim import TrimStep

__all__ = [
    "Bounds", "CalibrationStep", "NonresponseStep", "PostStratStep", "ReplicateWeights", "TrimStep", "WeightSummary",
    "WeightingError", "adjust_nonresponse", "calibrate", "poststratify", "rake", "replicate", "trim", "weight_summary",
]

