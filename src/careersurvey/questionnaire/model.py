"""Immutable values that describe a questionnaire: items, choices, grids, modules, scales.

Everything downstream (forms, import validation, value labels, scale scoring, harmonisation across
versions) reads these objects; nothing restates the questionnaire by hand. Values are frozen
dataclasses: change one with ``dataclasses.replace`` so that invariants are checked again.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Iterator, Literal, Mapping

from careersurvey.expr.nodes import selected_column

#: The fixed missing codes of the survey program (INSTRUMENT.md). They never collide with choice codes.
NOT_ASKED = -6
REFUSED = -7
DONT_KNOW = -8
NOT_APPLICABLE = -9
MISSING_CODES: tuple[int, ...] = (NOT_ASKED, REFUSED, DONT_KNOW, NOT_APPLICABLE)

#: Disclosure roles of items for a public-use file (survey/FORMAT.md, Disclosure roles).
DISCLOSURE_ROLES: tuple[str, ...] = ("direct", "key", "sensitive", "text")
#: Columns of every dataset that identify a respondent directly, whatever the questionnaire says.
DIRECT_COLUMNS: tuple[str, ...] = ("respondent_id",)

ItemType = Literal["single", "multiple", "integer", "decimal", "text", "date", "rating"]
ITEM_TYPES: tuple[str, ...] = ("single", "multiple", "integer", "decimal", "text", "date", "rating")
#: Types whose answers are codes from a choice list.
CHOICE_TYPES: frozenset[str] = frozenset({"single", "multiple", "rating"})
NUMERIC_TYPES: frozenset[str] = frozenset({"integer", "decimal"})

Text = Mapping[str, str]
"""A bilingual text: language code -> text, e.g. {"ko": "...", "en": "..."}."""


def _freeze_text(text: Mapping[str, str] | None) -> Mapping[str, str]:
    return MappingProxyType(dict(text or {}))


@dataclass(frozen=True, slots=True)
class Choice:
    """One answer option: an integer code, its label in each language and, optionally, its XLSForm name.

    ``name`` is the value KoboToolbox/ODK store for the choice (the ``name`` column of an XLSForm's choices
    sheet, e.g. ``faculty``); None means the code itself is the name (``"2"``). See :attr:`xml_name`.
    """

    code: int
    label: Text
    name: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "label", _freeze_text(self.label))

    @property
    def xml_name(self) -> str:
        """The choice's name in forms and in Kobo/ODK exports: its own ``name``, or its code as text."""
        return self.name if self.name is not None else str(self.code)


@dataclass(frozen=True, slots=True)
class ChoiceList:
    """A named list of choices, defined once and reused by many items."""

    name: str
    choices: tuple[Choice, ...]

    def codes(self) -> tuple[int, ...]:
        return tuple(c.code for c in self.choices)

    def label(self, code: int, lang: str) -> str:
        for c in self.choices:
            if c.code == code:
                return c.label[lang]
        raise KeyError(f"choice list {self.name!r} has no code {code}")

    def names(self) -> Mapping[int, str]:
        """Code -> XLSForm name of every choice (the code as text where no name is given)."""
        return MappingProxyType({c.code: c.xml_name for c in self.choices})

    @property
    def named(self) -> bool:
        """True when some choice has a name of its own (not its code)."""
        return any(c.name is not None for c in self.choices)


@dataclass(frozen=True, slots=True)
class Range:
    """Inclusive bounds for a numeric or date item; either end may be open (None)."""

    min: float | str | None = None
    max: float | str | None = None


@dataclass(frozen=True, slots=True)
class Item:
    """One variable of the dataset (a grid row is an item too).

    ``relevance`` is the parsed skip-logic expression (an ``careersurvey.expr`` tree) and
    ``relevance_text`` the source text it came from; both are None when the item is always asked.
    ``missing`` lists the fixed missing codes this item allows (-9 is implied where relevance exists).
    A module's relevance is already folded in: ``relevance`` is the whole rule under which the item is
    asked. ``exclusive`` lists the choice codes of a multiple-choice item that cannot be ticked together
    with any other choice (e.g. "none of these").
    """

    name: str
    type: ItemType
    label: Text
    module: str
    hint: Text = field(default_factory=dict)
    choices: ChoiceList | None = None
    required: bool = False
    missing: tuple[int, ...] = ()
    range: Range | None = None
    relevance: Any = None
    relevance_text: str | None = None
    reverse: bool = False
    scale: str | None = None
    sensitive: bool = False
    grid: str | None = None
    unit: Text = field(default_factory=dict)
    constraint_message: Text = field(default_factory=dict)
    line: int | None = None
    exclusive: tuple[int, ...] = ()
    disclosure: str | None = None

    def __post_init__(self) -> None:
        if self.disclosure is not None and self.disclosure not in DISCLOSURE_ROLES:
            raise ValueError(f"item {self.name!r}: disclosure role {self.disclosure!r} is not one of "
                             f"{', '.join(DISCLOSURE_ROLES)}")
        for name in ("label", "hint", "unit", "constraint_message"):
            object.__setattr__(self, name, _freeze_text(getattr(self, name)))
        object.__setattr__(self, "missing", tuple(self.missing))
        object.__setattr__(self, "exclusive", tuple(self.exclusive))

    @property
    def is_choice(self) -> bool:
        return self.type in CHOICE_TYPES

    @property
    def role(self) -> str | None:
        """The disclosure role: as declared (``disclosure``), else ``text`` for an open-text item, else None."""
        if self.disclosure is not None:
            return self.disclosure
        return "text" if self.type == "text" else None

    @property
    def is_numeric(self) -> bool:
        return self.type in NUMERIC_TYPES

    def columns(self) -> tuple[str, ...]:
        """Data columns of this item: one, or one 0/1 column ``name_code`` per choice for multiple choice."""
        if self.type == "multiple":
            assert self.choices is not None
            return tuple(multiple_column(self.name, c.code) for c in self.choices.choices)
        return (self.name,)


def multiple_column(item: str, code: int) -> str:
    """The 0/1 column that holds whether ``code`` was selected in multiple-choice ``item`` (the column the
    condition language's ``selected(item, code)`` reads)."""
    return selected_column(item, code)


@dataclass(frozen=True, slots=True)
class Grid:
    """Several rating items that share one stem, one choice list and one routing rule."""

    name: str
    label: Text
    items: tuple[Item, ...]
    module: str
    hint: Text = field(default_factory=dict)
    choices: ChoiceList | None = None
    relevance: Any = None
    relevance_text: str | None = None
    line: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "label", _freeze_text(self.label))
        object.__setattr__(self, "hint", _freeze_text(self.hint))


@dataclass(frozen=True, slots=True)
class Note:
    """Text shown to the respondent that collects no answer (consent text, section introductions)."""

    name: str
    label: Text
    module: str
    relevance: Any = None
    relevance_text: str | None = None
    line: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "label", _freeze_text(self.label))


Element = Item | Grid | Note


@dataclass(frozen=True, slots=True)
class Module:
    """An ordered section of the questionnaire.

    ``relevance`` (parsed) and ``relevance_text`` are the module's own skip rule, e.g. the eligibility screen
    that ends the survey for those who fail it; the loader also folds it into every element's relevance.
    """

    id: str
    title: Text
    elements: tuple[Element, ...]
    intro: Text = field(default_factory=dict)
    relevance: Any = None
    relevance_text: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "title", _freeze_text(self.title))
        object.__setattr__(self, "intro", _freeze_text(self.intro))

    @property
    def items(self) -> tuple[Item, ...]:
        out: list[Item] = []
        for e in self.elements:
            if isinstance(e, Item):
                out.append(e)
            elif isinstance(e, Grid):
                out.extend(e.items)
        return tuple(out)


@dataclass(frozen=True, slots=True)
class Scale:
    """A multi-item scale: its items, which are reverse-keyed, and how to score it.

    The score is the mean of the (reversed where marked) item answers, computed only when at least
    ``min_answered`` items were answered; missing codes never enter the score.
    """

    name: str
    label: Text
    items: tuple[str, ...]
    reverse: tuple[str, ...] = ()
    method: Literal["mean", "sum"] = "mean"
    min_answered: int = 1
    points: tuple[int, int] | None = None
    construct: str | None = None
    anchor: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "label", _freeze_text(self.label))


@dataclass(frozen=True, slots=True)
class GlossaryEntry:
    """A term that translates badly, explained in each language."""

    term: str
    definition: Text

    def __post_init__(self) -> None:
        object.__setattr__(self, "definition", _freeze_text(self.definition))


@dataclass(frozen=True, slots=True)
class Questionnaire:
    """A versioned, bilingual questionnaire: the single source of truth of the survey program."""

    id: str
    version: str
    languages: tuple[str, ...]
    title: Text
    modules: tuple[Module, ...]
    scales: Mapping[str, Scale]
    choice_lists: Mapping[str, ChoiceList]
    missing_labels: Mapping[int, Text]
    glossary: tuple[GlossaryEntry, ...] = ()
    status: Literal["draft", "released"] = "draft"
    date: str | None = None
    description: Text = field(default_factory=dict)
    source: str | None = None
    #: earlier version -> {this version's item: that version's item whose answers it takes} (``harmonise:``)
    harmonise: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "harmonise", MappingProxyType(
            {str(v): MappingProxyType(dict(m)) for v, m in self.harmonise.items()}))
        object.__setattr__(self, "title", _freeze_text(self.title))
        object.__setattr__(self, "description", _freeze_text(self.description))
        object.__setattr__(self, "scales", MappingProxyType(dict(self.scales)))
        object.__setattr__(self, "choice_lists", MappingProxyType(dict(self.choice_lists)))
        object.__setattr__(
            self, "missing_labels", MappingProxyType({k: _freeze_text(v) for k, v in self.missing_labels.items()})
        )

    @property
    def items(self) -> tuple[Item, ...]:
        """Every variable in questionnaire order (grid rows expanded)."""
        return tuple(i for m in self.modules for i in m.items)

    @property
    def default_language(self) -> str:
        return self.languages[0]

    def item(self, name: str) -> Item:
        for i in self.items:
            if i.name == name:
                return i
        raise KeyError(f"questionnaire {self.id}@{self.version} has no item {name!r}")

    def __contains__(self, name: object) -> bool:
        return any(i.name == name for i in self.items)

    def __iter__(self) -> Iterator[Item]:
        return iter(self.items)

    def disclosure_roles(self) -> Mapping[str, str]:
        """Data column -> disclosure role: ``respondent_id`` is always direct, then every column of an item with a
        role (declared, or ``text`` for open text); columns of items without one are not listed."""
        roles = {col: "direct" for col in DIRECT_COLUMNS}
        for item in self.items:
            if item.role is not None:
                roles.update({col: item.role for col in item.columns()})
        return MappingProxyType(roles)

    def columns(self) -> tuple[str, ...]:
        """Every data column in order (multiple choice expanded to 0/1 columns)."""
        return tuple(c for i in self.items for c in i.columns())

    @property
    def key(self) -> str:
        """``id@version``, the way a questionnaire is named on the command line and in the store."""
        return f"{self.id}@{self.version}"

    def content_hash(self) -> str:
        """SHA-256 of a canonical rendering of the content, so a form knows exactly what made it."""
        return hashlib.sha256(json.dumps(_canonical(self), sort_keys=True, ensure_ascii=False).encode()).hexdigest()


#: Fields added after questionnaires were released: left out of the canonical rendering while unset, so the
#: content hash (and the form version made from it) of a questionnaire that does not use them is unchanged.
_OPTIONAL_FIELDS = frozenset({"name", "disclosure"})


def _canonical(obj: Any) -> Any:
    """A JSON-able rendering of a model value, ignoring source line numbers and parsed trees."""
    if isinstance(obj, Mapping):
        return {str(k): _canonical(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_canonical(v) for v in obj]
    if hasattr(obj, "__dataclass_fields__"):
        return {
            k: _canonical(getattr(obj, k))
            for k in obj.__dataclass_fields__
            if k not in ("line", "relevance", "source") and not (k in _OPTIONAL_FIELDS and getattr(obj, k) is None)
            and not (k == "harmonise" and not getattr(obj, k))  # files without one hash as before it existed
        } | {"_kind": type(obj).__name__}
    return obj
