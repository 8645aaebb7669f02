"""XLSForm (KoboToolbox / ODK Collect / Enketo) built from the questionnaire.

:func:`build_xlsform` is pure: it returns an :class:`XLSForm` value (the survey, choices and settings
sheets as rows) that pyxform can convert directly; :func:`export_xlsform` writes it as .xlsx.

Mapping (XLSForm spec, https://xlsform.org):

* each module is a ``begin_group``/``end_group`` named by the module id with its intro as a note;
  a grid is a ``field-list`` group whose rows are ``select_one`` questions sharing one list;
* single and rating -> ``select_one`` (rating with the ``likert`` appearance); multiple -> ``select_multiple``;
  integer, decimal, text, date as is (date and text items offer no missing codes: left unanswered);
* choice values (the ``name`` column of the choices sheet) are the choices' names where the questionnaire
  gives them (``faculty``), else the integer codes; skip logic on such items tests the names
  (``${role} = 'faculty'``, see :func:`careersurvey.expr.to_xpath`); missing codes keep their codes as
  names (``-7``); an item that allows "prefer not to answer" (-7) or "don't know"
  (-8) gets a list with those codes appended (``agree5__m7_8``); in a multiple-choice item a choice
  marked ``exclusive`` ("none of these") and a missing code cannot be combined with other answers:
  ``not(selected(., '9') and count-selected(.) > 1)`` per such code, with a message naming the choice;
* number items that allow missing codes accept them as typed values (``. = -7``), said in the hint;
* a module's own rule (``Module.relevance``) is the ``relevant`` of its group, so the module's intro
  note is hidden with it and each element carries only the rest of its rule (the loader folds the
  module rule in front: ``module and own``, which is exactly group-and-element in ODK); a module whose
  elements do not all start with its rule keeps every element's whole rule and no group rule;
* ``relevant`` is the skip-logic XPath from :func:`careersurvey.expr.to_xpath`; ``constraint`` comes
  from the range, with messages in every language; ``required`` and its message likewise;
* every translatable column is language-tagged (``label::Korean (ko)``), also in a one-language form;
* settings: ``form_id`` (questionnaire id), ``form_title``, ``default_language`` and a ``version``
  (:func:`careersurvey.forms.common.form_version`) that grows with every release.

KoboToolbox exports the data with group paths (``m1_status/role``); the response readers strip them.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Mapping

from careersurvey.forms import common
from careersurvey.forms.common import FormError, LangOption, label_with_unit, language_tag, number_text, text
from careersurvey.forms.safety import safe_workbook, write_text
from careersurvey.questionnaire.model import MISSING_CODES, ChoiceList, Grid, Item, Module, Note, Questionnaire
from careersurvey.questionnaire.names import XML_NAME_RE


_REQUIRED_MESSAGE = {"ko": "이 문항에 응답해 주십시오.", "en": "Please answer this question."}
_MISSING_HINT = {
    "ko": "응답할 수 없으면 다음 중 하나를 입력하십시오: {codes}.",
    "en": "If you cannot answer, enter one of: {codes}.",
}
_EXCLUSIVE_MESSAGE = {
    "ko": "'{label}' 보기는 다른 보기와 함께 선택할 수 없습니다.",
    "en": "'{label}' cannot be combined with other answers.",
}

SURVEY_COLUMNS_BASE = ("type", "name")


@dataclass(frozen=True, slots=True)
class XLSForm:
    """An XLSForm as three sheets of rows (each row a column-name -> value mapping)."""

    survey: tuple[Mapping[str, str], ...]
    choices: tuple[Mapping[str, str], ...]
    settings: Mapping[str, str]
    languages: tuple[str, ...]

    def columns(self, sheet: str) -> tuple[str, ...]:
        """Column headers of ``survey`` or ``choices`` in a stable order (first appearance)."""
        rows = self.survey if sheet == "survey" else self.choices
        seen: dict[str, None] = {}
        for row in rows:
            for key in row:
                seen.setdefault(key, None)
        return tuple(seen)

    def sheets(self) -> dict[str, list[list[str]]]:
        """Sheet name -> rows including the header row, ready to write or to hand to pyxform."""
        out: dict[str, list[list[str]]] = {}
        for name in ("survey", "choices"):
            cols = self.columns(name)
            rows = self.survey if name == "survey" else self.choices
            out[name] = [list(cols)] + [[row.get(c, "") for c in cols] for row in rows]
        out["settings"] = [list(self.settings), list(self.settings.values())]
        return out


def _labelled(prefix: str, value: Mapping[str, str], langs: tuple[str, ...]) -> dict[str, str]:
    """``{"label::Korean (ko)": ..., ...}``: every translatable column carries its language tag, also in a
    one-language form, so that KoboToolbox/ODK name the language and later translations slot in."""
    if not value or not any(text(value, lang) for lang in langs):
        return {}
    return {f"{prefix}::{language_tag(lang)}": text(value, lang) for lang in langs}


def _range_constraint(item: Item) -> tuple[str, dict[str, str]]:
    """XPath constraint and generated messages (language -> text) for a number or date range."""
    rng = item.range
    if rng is None or (rng.min is None and rng.max is None):
        return "", {}
    if item.type == "date":
        lo = f"date('{rng.min}')" if rng.min is not None else None
        hi = f"date('{rng.max}')" if rng.max is not None else None
    else:
        lo = number_text(rng.min) if rng.min is not None else None
        hi = number_text(rng.max) if rng.max is not None else None
    parts = [p for p in (f". >= {lo}" if lo else "", f". <= {hi}" if hi else "") if p]
    lo_t, hi_t = rng.min, rng.max
    if lo is not None and hi is not None:
        msgs = {"ko": f"{number_text(lo_t)}에서 {number_text(hi_t)} 사이의 값을 입력하십시오.",
                "en": f"Enter a value from {number_text(lo_t)} to {number_text(hi_t)}."}
    elif lo is not None:
        msgs = {"ko": f"{number_text(lo_t)} 이상의 값을 입력하십시오.", "en": f"Enter {number_text(lo_t)} or more."}
    else:
        msgs = {"ko": f"{number_text(hi_t)} 이하의 값을 입력하십시오.", "en": f"Enter {number_text(hi_t)} or less."}
    return " and ".join(parts), msgs


def _lone_choice(item: Item, missing: tuple[int, ...], langs: tuple[str, ...],
                 q: Questionnaire) -> tuple[str, dict[str, str]]:
    """Constraint and messages that keep each exclusive choice and each missing code of a multiple-choice
    item alone: ``not(selected(., 'c') and count-selected(.) > 1)`` for every such code, and-ed."""
    assert item.choices is not None
    labels = {c: {lg: item.choices.label(c, lg) for lg in langs} for c in common.exclusive_codes(item)}
    labels.update({c: {lg: text(q.missing_labels[c], lg) for lg in langs} for c in missing})
    if not labels:
        return "", {}
    names = item.choices.names()
    constraint = " and ".join(f"not(selected(., '{names.get(c, c)}') and count-selected(.) > 1)" for c in labels)
    messages = {
        lg: " ".join(_EXCLUSIVE_MESSAGE.get(lg, _EXCLUSIVE_MESSAGE["en"]).format(label=labels[c][lg]) for c in labels)
        for lg in langs
    }
    return constraint, messages


def split_module_rule(module: Module) -> tuple[object | None, dict[str, object | None]]:
    """The rule to put on the module's group and what is left of each element's (and grid row's) rule.

    Lifted only when every element's rule starts with the module's (as the loader builds them); otherwise
    the group gets no rule and every element keeps its whole rule, which is always correct.
    """
    rows = [r for e in module.elements if isinstance(e, Grid) for r in e.items if r.relevance is not None]
    whole = {e.name: e.relevance for e in (*module.elements, *rows)}
    if module.relevance is None:
        return None, whole
    split = {name: common.rule_after(tree, module.relevance) for name, tree in whole.items()}
    if not all(found for found, _ in split.values()):
        return None, whole
    return module.relevance, {name: rest for name, (_, rest) in split.items()}


def _list_name(choices: ChoiceList, missing: tuple[int, ...]) -> str:
    """The choices-sheet list of a choice list plus missing codes: ``agree5__m7_8``."""
    if not missing:
        return choices.name
    return f"{choices.name}__m" + "_".join(str(-c) for c in missing)


def _check_name(q: Questionnaire, name: str, what: str, seen: set[str]) -> None:
    """Fail with a precise message when ``name`` is not XML-safe or already used."""
    if not XML_NAME_RE.fullmatch(name):
        raise FormError(
            f"{q.source or q.key}: {what} {name!r} is not a valid XLSForm name (letters, digits, _ . -, "
            "not starting with a digit); rename it in the questionnaire"
        )
    if name in seen:
        raise FormError(
            f"{q.source or q.key}: the name {name!r} is used twice ({what}); XLSForm needs every module, "
            "grid and item name to be unique — rename one of them"
        )
    seen.add(name)


def _register_list(
    q: Questionnaire,
    lists: dict[str, tuple[ChoiceList, tuple[int, ...]]],
    list_name: str,
    choices: ChoiceList,
    missing: tuple[int, ...],
) -> None:
    """Record the choices sheet list ``list_name``; its name must be XML-safe, its codes unique, and it
    must not collide with a different list (``agree5__m7`` written by hand next to a generated one)."""
    where = q.source or q.key
    if not XML_NAME_RE.fullmatch(list_name):
        raise FormError(
            f"{where}: choice list {choices.name!r} gives the XLSForm list name {list_name!r}, which is not "
            "XML-safe (letters, digits, _ . -, not starting with a digit); rename the choice list"
        )
    counts = Counter([c.code for c in choices.choices] + list(missing))
    repeated = sorted(code for code, n in counts.items() if n > 1)
    if repeated:
        raise FormError(
            f"{where}: choice list {choices.name!r} has the code(s) {', '.join(map(str, repeated))} more than "
            "once; XLSForm choice names must be unique within a list — give each choice its own code"
        )
    known = lists.get(list_name)
    if known is not None and known != (choices, missing):
        raise FormError(
            f"{where}: the XLSForm list name {list_name!r} would stand for two different lists (choice list "
            f"{known[0].name!r} with missing codes {list(known[1])} and {choices.name!r} with {list(missing)}); "
            "rename the choice list so that it does not end in '__m<codes>'"
        )
    lists[list_name] = (choices, missing)


def build_xlsform(q: Questionnaire, lang: LangOption = "both") -> XLSForm:
    """The XLSForm of ``q`` in one language (``"ko"``, ``"en"``) or all of them (``"both"``)."""
    from careersurvey.expr import ExprError, to_xpath

    langs = common.languages(q, lang)
    multiple = common.multiple_items(q)
    choice_names = {i.name: i.choices.names() for i in q.items if i.choices is not None and i.choices.named}
    survey: list[dict[str, str]] = []
    lists: dict[str, tuple[ChoiceList, tuple[int, ...]]] = {}
    seen: set[str] = set()

    def labels(prefix: str, value: Mapping[str, str]) -> dict[str, str]:
        """Language-tagged columns of a text (``label::Korean (ko)`` …)."""
        return _labelled(prefix, value, langs)

    def relevant(tree: object | None, owner: str) -> dict[str, str]:
        """The ``relevant`` column of a routing tree (XPath), none when always asked."""
        if tree is None:
            return {}
        try:
            xpath = to_xpath(tree, multiple=multiple, missing_codes=MISSING_CODES, choice_names=choice_names)
        except ExprError as exc:
            raise FormError(f"{q.source or q.key}: the relevance of {owner!r} cannot be written as XLSForm skip "
                            f"logic: {exc}") from None
        return {"relevant": xpath}

    def question(item: Item, rule: object | None, inherited: object | None = None) -> dict[str, str]:
        """The survey row of one item: type, list, labels, hint, constraint, required, relevance."""
        _check_name(q, item.name, f"item (line {item.line})" if item.line else "item", seen)
        row: dict[str, str] = {}
        hint = dict(item.hint)
        missing = common.form_missing(item)
        constraint, generated = "", {}
        if item.is_choice:
            assert item.choices is not None
            list_name = _list_name(item.choices, missing)
            _register_list(q, lists, list_name, item.choices, missing)
            kind = "select_multiple" if item.type == "multiple" else "select_one"
            row["type"] = f"{kind} {list_name}"
            if item.type == "rating":
                row["appearance"] = "likert"
            if item.type == "multiple":
                constraint, generated = _lone_choice(item, missing, langs, q)
        else:
            row["type"] = item.type
            constraint, generated = _range_constraint(item)
            if item.is_numeric and missing:
                allowed = " or ".join(f". = {c}" for c in missing)
                constraint = f"({constraint}) or {allowed}" if constraint else ""
                hint = {
                    lg: " ".join(
                        t
                        for t in (
                            text(item.hint, lg),
                            _MISSING_HINT[lg if lg in _MISSING_HINT else "en"].format(
                                codes=", ".join(f"{c} ({text(q.missing_labels[c], lg)})" for c in missing)
                            ),
                        )
                        if t
                    )
                    for lg in langs
                }
        row["name"] = item.name
        label = dict(item.label)
        if item.unit:
            label = {lg: label_with_unit(text(item.label, lg), text(item.unit, lg)) for lg in langs}
        row.update(labels("label", label))
        row.update(labels("hint", hint))
        if item.required:
            row["required"] = "yes"
            row.update(labels("required_message", _REQUIRED_MESSAGE))
        if constraint:
            row["constraint"] = constraint
            message = dict(item.constraint_message) or generated
            row.update(labels("constraint_message", message))
        if rule is not None and rule != inherited:  # a grid row repeats its grid's rule
            row.update(relevant(rule, item.name))
        return row

    for module in q.modules:
        _check_name(q, module.id, "module", seen)
        group_rule, rules = split_module_rule(module)
        survey.append({"type": "begin_group", "name": module.id, **labels("label", module.title),
                       **relevant(group_rule, module.id)})
        if module.intro and any(text(module.intro, lg) for lg in langs):
            name = f"{module.id}_intro"
            _check_name(q, name, "module introduction note", seen)
            survey.append({"type": "note", "name": name, **labels("label", module.intro)})
        for element in module.elements:
            if isinstance(element, Note):
                _check_name(q, element.name, "note", seen)
                survey.append(
                    {"type": "note", "name": element.name, **labels("label", element.label),
                     **relevant(rules[element.name], element.name)}
                )
            elif isinstance(element, Grid):
                _check_name(q, element.name, "grid", seen)
                survey.append(
                    {
                        "type": "begin_group",
                        "name": element.name,
                        **labels("label", element.label),
                        **labels("hint", element.hint),
                        "appearance": "field-list",
                        **relevant(rules[element.name], element.name),
                    }
                )
                for row in element.items:
                    survey.append(question(row, rules.get(row.name), inherited=rules[element.name]))
                survey.append({"type": "end_group", "name": element.name})
            else:
                survey.append(question(element, rules[element.name]))
        survey.append({"type": "end_group", "name": module.id})

    choices: list[dict[str, str]] = []
    for list_name, (choice_list, missing) in lists.items():
        for choice in choice_list.choices:
            choices.append({"list_name": list_name, "name": choice.xml_name, **labels("label", choice.label)})
        for code in missing:
            choices.append({"list_name": list_name, "name": str(code), **labels("label", q.missing_labels[code])})

    settings = {
        "form_title": common.joined(q.title, langs),
        "form_id": q.id,
        "version": common.form_version(q),
    }
    settings["default_language"] = language_tag(langs[0])
    return XLSForm(tuple(survey), tuple(choices), MappingProxyType(settings), langs)


def write_xlsform(form: XLSForm, path: str | Path) -> Path:
    """Write an :class:`XLSForm` as an .xlsx workbook (strings stay strings, never formulas)."""
    path = Path(path)
    workbook = safe_workbook(path)
    try:
        bold = workbook.add_format({"bold": True})
        quoted = workbook.add_format({"quote_prefix": True})
        for sheet, rows in form.sheets().items():
            ws = workbook.add_worksheet(sheet)
            for r, values in enumerate(rows):
                for c, value in enumerate(values):
                    if value != "":
                        write_text(ws, r, c, value, bold if r == 0 else None, quoted)
            ws.freeze_panes(1, 0)
            widths = [max((len(str(v)) for v in col), default=8) for col in zip(*rows)]
            for c, width in enumerate(widths):
                ws.set_column(c, c, min(max(width, 8), 60))
    finally:
        workbook.close()
    return path


def export_xlsform(questionnaire: Questionnaire | str | Path, path: str | Path, lang: LangOption = "both") -> Path:
    """Build the XLSForm of ``questionnaire`` (a model, YAML path or ``id@version``) and write it to
    ``path`` (.xlsx); returns the path."""
    q = common.resolve_questionnaire(questionnaire)
    return write_xlsform(build_xlsform(q, lang), path)
