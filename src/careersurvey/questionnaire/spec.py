"""Pydantic models of the raw questionnaire YAML (survey/FORMAT.md): the shape of the file, not its meaning.

These models check keys and value types (unknown keys are errors: ``extra="forbid"``) and give the published
JSON Schema (``schema.json``, ``careersurvey questionnaire schema``). Cross-references and meaning (names,
codes, languages, skip logic, scales) are checked afterwards by ``careersurvey.questionnaire.loader``, which
turns these raw values into the frozen model of ``careersurvey.questionnaire.model``.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Literal, Union

from pydantic import BaseModel, ConfigDict, Field, StrictInt

Text = dict[str, str]
"""Language code -> text, e.g. {"ko": "...", "en": "..."}."""

ElementType = Literal["single", "multiple", "integer", "decimal", "text", "date", "rating", "grid", "note"]
Bound = Union[int, float, dt.date, str, None]
Disclosure = Literal["direct", "key", "sensitive", "text"]
"""Disclosure role of an item for a public-use file (survey/FORMAT.md, Disclosure roles)."""
_DISCLOSURE_HELP = ("disclosure role for a public-use file: direct (identifies a person by itself: left out), key "
                    "(a quasi-identifier: risk is measured on the combinations of key items), sensitive (what a "
                    "re-identification would reveal), text (open text: left out); text items default to text")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RangeSpec(_Strict):
    """Inclusive bounds of a number or date answer; either may be left out."""

    min: Bound = None
    max: Bound = None


class ScoringSpec(_Strict):
    """How a scale score is computed from its (reversed where marked) items."""

    method: Literal["mean", "sum"] = "mean"
    min_answered: int = Field(1, ge=1, description="fewest answered items for a score; fewer gives a missing score")


class ChoiceSpec(BaseModel):
    """One answer option: a code, its label under each language key and optionally its XLSForm name
    (``{code: 1, name: faculty, ko: ..., en: ...}``)."""

    model_config = ConfigDict(extra="allow", frozen=True)
    __pydantic_extra__: dict[str, str] = Field(init=False)  # type: ignore[assignment]
    code: StrictInt  # strict: a YAML `true` must not become code 1
    name: str | None = Field(
        None, description="the choice's XLSForm name, stored by KoboToolbox/ODK (default: the code); a valid XML "
                          "name, unique within its list")


class GlossarySpec(BaseModel):
    """A term explained under each language key (``{term: 출연연, ko: ..., en: ...}``)."""

    model_config = ConfigDict(extra="allow", frozen=True)
    __pydantic_extra__: dict[str, str] = Field(init=False)  # type: ignore[assignment]
    term: str


class RowSpec(_Strict):
    """A row of a grid: a rating item sharing the grid's stem, choices and relevance."""

    name: str
    label: Text
    hint: Text | None = None
    required: bool | None = None
    missing: list[StrictInt] | None = None
    sensitive: bool | None = None
    scale: str | None = None
    reverse: bool | None = None
    disclosure: Disclosure | None = Field(None, description="replaces the grid's disclosure role for this row")


class ElementSpec(_Strict):
    """An item, grid or note of a module (which keys apply depends on ``type``)."""

    name: str
    type: ElementType
    label: Text
    hint: Text | None = None
    choices: str | None = Field(None, description="name of a choice list (choice types and grids)")
    required: bool = False
    missing: list[StrictInt] = Field(default_factory=list, description="allowed missing codes among -7, -8, -9")
    relevance: str | None = Field(None, description="skip logic: ask only when this condition holds")
    range: RangeSpec | None = None
    unit: Text | None = None
    constraint_message: Text | None = None
    sensitive: bool = False
    scale: str | None = None
    reverse: bool = False
    exclusive: list[StrictInt] | None = Field(
        None, description="multiple choice: codes that cannot be ticked with any other choice (e.g. 'none')")
    rows: list[RowSpec] | None = None
    disclosure: Disclosure | None = Field(None, description=_DISCLOSURE_HELP)


class ModuleSpec(_Strict):
    """An ordered section of the questionnaire."""

    id: str
    title: Text
    intro: Text | None = None
    relevance: str | None = Field(None, description="skip logic for the whole module, added to each element's")
    items: list[ElementSpec]


class ScaleSpec(_Strict):
    """A multi-item scale and how to score it."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    label: Text
    items: list[str] = Field(min_length=1)
    reverse: list[str] = Field(default_factory=list)
    scoring: ScoringSpec = Field(default_factory=ScoringSpec)
    # "construct" is also a (deprecated) BaseModel method, so the field is stored under another name
    construct_: str | None = Field(None, alias="construct", description="what the scale measures")
    anchor: str | None = Field(None, description="the published scale it is anchored on")


class HarmoniseSpec(_Strict):
    """How answers to an earlier version are read as this version's variables (``harmonise:``)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    from_: str = Field(alias="from", description="an earlier version of this questionnaire, e.g. 1.0.0")
    items: dict[str, str] = Field(
        default_factory=dict,
        description="this version's item -> the item of that version whose answers it takes (same codes); "
                    "items neither listed nor of the same name read as -6, not asked")


class QuestionnaireSpec(_Strict):
    """A questionnaire file: one version of one instrument."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, title="careersurvey questionnaire",
        json_schema_extra={"$comment": "Generated by `careersurvey questionnaire schema`; see survey/FORMAT.md."},
    )
    id: str
    version: str
    status: Literal["draft", "released"] = "draft"
    date: dt.date | None = None
    languages: list[str] = Field(min_length=1)
    title: Text
    description: Text | None = None
    missing_codes: dict[int, Text]
    glossary: list[GlossarySpec] = Field(default_factory=list)
    choice_lists: dict[str, list[ChoiceSpec]] = Field(default_factory=dict)
    modules: list[ModuleSpec] = Field(min_length=1)
    scales: dict[str, ScaleSpec] = Field(default_factory=dict)
    harmonise: list[HarmoniseSpec] = Field(default_factory=list)


#: Keys allowed in each part of the file (for "unknown key" hints).
ALLOWED_KEYS: dict[str, tuple[str, ...]] = {
    "questionnaire": tuple(QuestionnaireSpec.model_fields),
    "module": tuple(ModuleSpec.model_fields),
    "element": tuple(ElementSpec.model_fields),
    "row": tuple(RowSpec.model_fields),
    "scale": tuple(f.alias or k for k, f in ScaleSpec.model_fields.items()),
    "scoring": tuple(ScoringSpec.model_fields),
    "range": tuple(RangeSpec.model_fields),
    "harmonise": tuple(f.alias or k for k, f in HarmoniseSpec.model_fields.items()),
}


def json_schema() -> dict:
    """The JSON Schema of the questionnaire format."""
    schema = QuestionnaireSpec.model_json_schema()
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}


def json_schema_text() -> str:
    """The JSON Schema as the text committed in schema.json (sorted keys, UTF-8, trailing newline)."""
    return json.dumps(json_schema(), indent=2, ensure_ascii=False, sort_keys=True) + "\n"
