"""Weighting: post-stratification, raking, calibration (linear, raking, logit; bounded), trimming,
nonresponse adjustment, replicate weights, weight diagnostics and population targets as data.

Each step is a method of :class:`careersurvey.SurveyDesign` (``d.rake(...)``, ``d.calibrate(...)``, ...)
that returns a new design recording the step, so later variances account for it (see :mod:`.ops`).
Modules: :mod:`.margins` (targets matched to data), :mod:`.calibrate` (g-weight solver), :mod:`.rake`
(IPF, post-stratification), :mod:`.trim`, :mod:`.nonresponse`, :mod:`.replicate`, :mod:`.estimated`
(targets with standard errors), :mod:`.diagnostics`,
:mod:`.targets`.
"""

from __future__ import annotations

from careersurvey.weighting.calibrate import Bounds, CalibrationStep
from careersurvey.weighting.diagnostics import WeightSummary
from careersurvey.weighting.errors import WeightingError
from careersurvey.weighting.nonresponse import NonresponseStep
from careersurvey.weighting.ops import (adjust_nonresponse, calibrate, from_replicates, poststratify, rake,
                                        replicate, trim, weight_summary)
from careersurvey.weighting.rake import PostStratStep
from careersurvey.weighting.replicate import ReplicateWeights
from careersurvey.weighting.targets import Targets, TargetLevel, TargetMargin, load_targets
from careersurvey.weighting.trim import TrimStep

__all__ = [
    "Bounds", "CalibrationStep", "NonresponseStep", "PostStratStep", "ReplicateWeights", "TargetLevel",
    "TargetMargin", "Targets", "TrimStep", "WeightSummary", "WeightingError", "adjust_nonresponse", "calibrate",
    "from_replicates", "load_targets", "poststratify", "rake", "replicate", "trim", "weight_summary",
]

