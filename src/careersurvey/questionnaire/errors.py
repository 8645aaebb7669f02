"""The catalogue of questionnaire-loading problems: one place to read every message the loader can give.

Each ``ErrorCode`` holds a message template and a hint template (what to do about it), filled with the
context of the problem, as pyxform's ``ErrorCode`` does for XLSForms. The loader collects every problem of a
file and raises them together as one ``QuestionnaireError``, so a whole file can be fixed in one pass.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any, Sequence


class Catalogue(Enum):
    """A catalogue of problems: each member is (message template, hint template). The questionnaire's is
    :class:`ErrorCode`; the design file's (``careersurvey.designfile.errors``) is another."""

    @property
    def template(self) -> str:
        return self.value[0]

    @property
    def hint_template(self) -> str:
        return self.value[1]


class ErrorCode(Catalogue):
    """(message template, hint template) of each kind of problem."""

    YAML_SYNTAX = ("the file is not valid YAML: {detail}", "fix the YAML syntax near this line")
    NOT_A_MAPPING = ("the file must hold a mapping of keys (id, version, modules, ...), not {got}",
                     "start from the example in survey/FORMAT.md")
    DUPLICATE_KEY = ("the key {key!r} appears twice in one mapping (first at line {first})",
                     "keep one of them; YAML would silently drop the first")
    UNKNOWN_KEY = ("unknown key {key!r} in {where}", "the keys allowed here are: {allowed}")
    MISSING_KEY = ("{where} has no {key!r}", "add {key}: (see survey/FORMAT.md)")
    BAD_VALUE = ("{where}: {detail}", "see survey/FORMAT.md for the expected value of {key!r}")
    BAD_VERSION = ("version {version!r} is not a semantic version",
                   "write MAJOR.MINOR.PATCH, e.g. 1.0.0 or 1.1.0-rc.1")
    BAD_ID = ("questionnaire id {id!r} is not an ASCII slug", "use lowercase letters, digits and '-', e.g. stem-careers")
    FILE_NAME = ("the file is named {file_name!r} but declares {key!r}",
                 "name the file survey/{id}/{version}.yaml, or fix id/version")
    BAD_LANGUAGES = ("languages {languages} {detail}", "list each language code once, e.g. [ko, en]")
    MISSING_LANGUAGE = ("{what} has no {lang!r} text", "write it in every language of the questionnaire: {languages}")
    EMPTY_TEXT = ("{what} has an empty {lang!r} text", "write the text, or drop the key if it is optional")
    EXTRA_LANGUAGE = ("{what} has text in {lang!r}, which is not a language of the questionnaire",
                      "the languages are {languages}; add {lang!r} to languages: or remove the text")
    MISSING_LABELS = ("missing_codes {detail}", "give labels for exactly the fixed codes -6, -7, -8 and -9")
    NON_ASCII_NAME = ("name {name!r} contains non-ASCII characters",
                      "names are data column names: use a-z, 0-9 and _ only{suggestion}")
    BAD_NAME = ("name {name!r} {detail}",
                "start with a lowercase letter and use a-z, 0-9 and _ only, at most 32 characters")
    RESERVED_NAME = ("name {name!r} is reserved in {where}", "choose another name, e.g. {suggestion!r}")
    COLUMN_CLASH = ("name {name!r} clashes with column {column!r} of multiple-choice item {owner!r}",
                    "multiple-choice answers are stored as <item>_<code> columns; rename one of the two")
    DUPLICATE_NAME = ("name {name!r} is already used at line {first}",
                      "every item, grid, grid row and note needs its own name")
    DUPLICATE_MODULE = ("module id {name!r} is already used at line {first}", "give every module its own id")
    DUPLICATE_CODE = ("choice list {list!r} has code {code} twice (first at line {first})",
                      "give every choice its own code")
    BAD_CHOICE_NAME = ("choice {code} of list {list!r} has the name {name!r}, which {detail}",
                       "a choice name is an XML name: a letter or _ first, then letters, digits, _ . or -, no spaces "
                       "(e.g. {suggestion!r}); or drop name: to use the code")
    DUPLICATE_CHOICE_NAME = ("choice list {list!r} has the name {name!r} twice (first at line {first}{case})",
                             "give every choice of the list its own name; exports are matched to choices by name")
    CHOICE_NAME_IS_LABEL = ("choice {code} of list {list!r} is named {name!r}, which is the label of choice {other}",
                            "an export cell {name!r} could mean either choice; choose another name")
    MISSING_CODE_AS_CHOICE = ("choice list {list!r} uses {code} as a choice code, but -6..-9 are the fixed missing codes",
                              "drop the choice and allow the missing code on the items instead: missing: [{code}]")
    EMPTY_CHOICES = ("choice list {list!r} has no choices", "list at least two choices")
    UNKNOWN_CHOICE_LIST = ("item {item!r} uses choice list {list!r}, which is not defined",
                           "define it under choice_lists:{close}")
    NEEDS_CHOICES = ("{type} item {item!r} has no choices:", "name a choice list, e.g. choices: agree5")
    NO_CHOICES_HERE = ("{type} item {item!r} cannot have choices", "remove choices:, or make it single/multiple/rating")
    KEY_NOT_FOR_TYPE = ("{key!r} does not apply to {type} item {item!r}", "remove {key}: from this item")
    GRID_ROWS = ("grid {item!r} has no rows", "list its rows under rows:, each with a name and a label")
    BAD_MISSING = ("item {item!r} allows missing code {code}, which is not one of -7, -8, -9",
                   "-6 (not asked in this version) is set by the program; allow only -7, -8 or -9")
    RANGE_ORDER = ("range of {item!r} has min {min} greater than max {max}", "swap them, or fix the bound")
    RANGE_VALUE = ("range of {item!r}: {detail}", "numbers for integer/decimal items, ISO dates ('2020-01-31') for date items")
    RELEVANCE_SYNTAX = ("relevance of {item!r} does not parse: {detail}",
                        "write a condition as in survey/FORMAT.md, e.g. role in [1, 2]")
    RELEVANCE_UNKNOWN = ("relevance of {item!r} refers to {name!r}, which is not an item of this questionnaire",
                         "check the spelling{close}")
    RELEVANCE_LATER = ("relevance of {item!r} refers to {name!r}, which comes later (line {line})",
                       "skip logic can only use answers given before the item: move one of them")
    MODULE_RELEVANCE_LATER = ("relevance of {item} refers to {name!r}, which is not asked before the module "
                              "(line {line})",
                              "a module's rule can only use answers of earlier modules: put the condition on its "
                              "elements, or move {name!r} to an earlier module")
    RELEVANCE_SELF = ("relevance of {item!r} refers to the item itself",
                      "skip logic can only use answers given before the item")
    RELEVANCE_KIND = ("relevance of {item!r}: {detail}", "{fix}")
    EXCLUSIVE_CODE = ("item {item!r} marks {code} exclusive, but choice list {list!r} has no code {code}",
                      "list codes of its choices under exclusive: (its codes are {codes})")
    EXCLUSIVE_ALL = ("item {item!r} marks all or all but one of its {n} choices exclusive",
                     "make it a single-choice item, or mark only the 'none of these' kind of choice exclusive")
    REVERSE_NOT_IN_SCALE = ("item {item!r} is marked reverse but is in no scale",
                            "add it to a scale (scale: on the item or items: of the scale), or drop reverse:")
    SCALE_REVERSE_NOT_ITEM = ("scale {scale!r} lists {item!r} under reverse: but not under items:",
                              "reverse items must be a subset of the scale's items")
    SCALE_UNKNOWN_ITEM = ("scale {scale!r} lists {item!r}, which is not an item of this questionnaire",
                          "check the spelling{close}")
    SCALE_ITEM_TYPE = ("scale {scale!r} lists {item!r}, a {type} item", "scales score rating, single or integer items")
    SCALE_POINTS = ("scale {scale!r} mixes choice lists {lists}", "all items of a scale must share one response scale so that reversing is defined")
    SCALE_MIN_ANSWERED = ("scale {scale!r} needs {min_answered} answered items but has only {n}",
                          "lower scoring.min_answered")
    UNKNOWN_SCALE = ("item {item!r} names scale {scale!r}, which is not defined", "define it under scales:{close}")
    SCALE_CONFLICT = ("item {item!r} says {detail}", "make the item's scale:/reverse: agree with the scales: section")
    HARMONISE_VERSION = ("harmonise: from {version!r} {detail}",
                         "name an earlier version of this questionnaire, once, e.g. from: 1.0.0")
    HARMONISE_ITEM = ("harmonise from {version}: {item!r} {detail}", "{fix}")
    UNKNOWN_DISCLOSURE = ("item {item!r} has disclosure role {role!r}, which is not a role",
                          "write one of direct, key, sensitive, text (survey/FORMAT.md, Disclosure roles){close}, "
                          "or drop disclosure:")
    DISCLOSURE_FOR_TYPE = ("{type} item {item!r} cannot have disclosure role {role!r}", "{fix}")
    DUPLICATE_TERM = ("glossary term {term!r} is defined twice (first at line {first})", "keep one definition")


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong in a questionnaire (or design) file: where (file, line, item or field), what, and what
    to do."""

    file: str
    line: int | None
    item: str | None
    message: str
    hint: str
    code: Catalogue

    def __str__(self) -> str:
        where = self.file + (f":{self.line}" if self.line else "")
        item = f" [{self.item}]" if self.item else ""
        return f"{where}:{item} {self.message} — {self.hint}."


def problem(error: Catalogue, file: str, at: int | None, who: str | None = None, **context: Any) -> Problem:
    """The problem ``error`` about item ``who`` at line ``at`` of ``file``, its templates filled with ``context``."""
    return Problem(file, at, who, error.template.format(**context), error.hint_template.format(**context), error)


class QuestionnaireError(ValueError):
    """Every problem found in one questionnaire file, raised together."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        super().__init__(self.__str__())

    def __str__(self) -> str:
        n = len(self.problems)
        head = f"{n} problem{'s' if n != 1 else ''} in {self.problems[0].file}" if n else "no problems"
        return head + "".join(f"\n  {p}" for p in self.problems)

    @property
    def codes(self) -> list[ErrorCode]:
        return [p.code for p in self.problems]
