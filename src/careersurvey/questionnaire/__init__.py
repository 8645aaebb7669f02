"""Questionnaires: the frozen model, loading YAML with precise errors, skip logic, versions and their diff.

    from careersurvey.questionnaire import load_questionnaire, QuestionnaireError
    q = load_questionnaire("stem-careers", version="1.0.0")     # or a path, or "stem-careers@1.0.0"
    q.items, q.scales, q.modules                               # immutable values (model.py)

The skip-logic language (:mod:`careersurvey.expr`) is a leaf below this package: it knows nothing of
questionnaires, and what it needs (the missing codes, the multiple-choice items) is passed in.
"""

from __future__ import annotations

from careersurvey.questionnaire.errors import ErrorCode, Problem, QuestionnaireError
from careersurvey.questionnaire.loader import parse_questionnaire
from careersurvey.questionnaire.locate import (
    available,
    find_questionnaire,
    load_questionnaire,
    load_registered,
    parse_key,
    survey_dir,
)
from careersurvey.questionnaire.versions import ChoiceListChange, ItemChange, QuestionnaireDiff, diff

__all__ = [
    "ChoiceListChange", "ErrorCode", "ItemChange", "Problem", "QuestionnaireDiff", "QuestionnaireError",
    "available", "diff", "find_questionnaire", "load_questionnaire", "load_registered", "parse_key", "parse_questionnaire",
    "survey_dir",
]
