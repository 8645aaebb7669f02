"""Design-based regression: generalised linear models (R's svyglm) and proportional-odds models (R's svyolr).

``glm(design, formula, family)`` and ``ordinal(design, formula)`` are also ``SurveyDesign.glm`` and
``SurveyDesign.ordinal``. Both return :class:`ModelResults`; their variance comes from the design's one
variance engine (linearised scores) or from refits under its replicate weights.
"""

from careersurvey.estimation.models.formula import ModelError, ModelWarning
from careersurvey.estimation.models.glm import glm
from careersurvey.estimation.models.ordinal import ordinal
from careersurvey.estimation.models.fit import ModelResults
from careersurvey.estimation.models.terms import TermTest, term_test

__all__ = ["ModelError", "ModelResults", "ModelWarning", "TermTest", "glm", "ordinal", "term_test"]
