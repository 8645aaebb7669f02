"""The design file: a YAML file that declares how a store's respondents were sampled and weighted (weights,
strata, PSUs and fpc per stage, the lonely-PSU rule, the sample file and its key, targets and their scope).
``load_design_file(path).build(dataset)`` gives the declared :class:`~careersurvey.SurveyDesign`; the README
(The design file) documents the format and ``schema.json`` is its JSON Schema."""

from careersurvey.designfile.errors import DesignFileError, DesignProblem
from careersurvey.designfile.load import DesignFile, load_design_file

__all__ = ["DesignFile", "DesignFileError", "DesignProblem", "load_design_file"]
