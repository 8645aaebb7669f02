"""Questionnaires: the frozen model, loading YAML with precise errors, skip logic, versions and their diff.

    from careersurvey.questionnaire import load_questionnaire, QuestionnaireError
    q = load_questionnaire("stem-careers", version="1.0.0")     # or a path, or "stem-careers@1.0.0"
    q.items, q.scales, q.modules                               # immutable values (model.py)

Names are imported on first use, so that ``careersurvey.questionnaire.model`` (which the skip-logic package
reads for the missing codes) can be imported without the loader, which itself needs the skip-logic package.
"""

from __future__ import annotations

from careersurvey._lazy import lazy_exports

_EXPORTS: dict[str, str] = {
    "ChoiceListChange": "careersurvey.questionnaire.versions",
    "ItemChange": "careersurvey.questionnaire.versions",
    "QuestionnaireDiff": "careersurvey.questionnaire.versions",
    "diff": "careersurvey.questionnaire.versions",
    "ErrorCode": "careersurvey.questionnaire.errors",
    "Problem": "careersurvey.questionnaire.errors",
    "QuestionnaireError": "careersurvey.questionnaire.errors",
    "parse_questionnaire": "careersurvey.questionnaire.loader",
    "available": "careersurvey.questionnaire.locate",
    "find_questionnaire": "careersurvey.questionnaire.locate",
    "load_questionnaire": "careersurvey.questionnaire.locate",
    "parse_key": "careersurvey.questionnaire.locate",
    "survey_dir": "careersurvey.questionnaire.locate",
}

__all__ = sorted(_EXPORTS)


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, __all__)
