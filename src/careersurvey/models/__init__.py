"""Design-based regression: generalised linear models (R's svyglm) and proportional-odds models (R's svyolr).

``glm(design, formula, family)`` and ``ordinal(design, formula)`` are also ``SurveyDesign.glm`` and
``SurveyDesign.ordinal``. Both return :class:`ModelResults`; their variance comes from the design's one
variance engine (linearised scores) or from refits under its replicate weights.
"""

from careersurvey.models.formula import ModelError, ModelWarning
from careersurvey.models.glm import glm
from careersurvey.models.ordinal import ordinal
from careersurvey.models.results import ModelResults

__all__ = ["ModelError", "ModelResults", "ModelWarning", "glm", "ordinal"]
