"""Disclosure roles in the questionnaire: declared per item and grid row, defaults, errors, schema, codebook."""

from __future__ import annotations

from pathlib import Path

import pytest

from careersurvey.forms.codebook import build_codebook, variable_table
from careersurvey.questionnaire import parse_questionnaire
from careersurvey.questionnaire.errors import ErrorCode, QuestionnaireError
from careersurvey.questionnaire.spec import json_schema

DATA = Path(__file__).parent / "data"
MINI = (DATA / "mini-1.0.0.yaml").read_text(encoding="utf-8")


def edited(*replacements: tuple[str, str]) -> str:
    """MINI with each (old, new) replaced once, as a person would edit the file by hand."""
    text = MINI
    for old, new in replacements:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return text


ROLE_LINE = '        choices: role\n        relevance: "consent == 1"\n'
DECLARED = edited(
    (ROLE_LINE, ROLE_LINE + "        disclosure: key\n"),
    ("        sensitive: true\n", "        sensitive: true\n        disclosure: sensitive\n"),
    ('        relevance: "consent == 1"\n        rows:\n',
     '        relevance: "consent == 1"\n        disclosure: sensitive\n        rows:\n'),
    ("            reverse: true\n", "            reverse: true\n            disclosure: key\n"),
)


def test_roles_are_read_per_item_and_row_with_defaults() -> None:
    q = parse_questionnaire(DECLARED)
    roles = dict(q.disclosure_roles())
    assert roles == {"respondent_id": "direct", "role": "key", "pay": "sensitive", "fear_shame": "sensitive",
                     "fear_future": "sensitive", "fear_calm": "key", "comment": "text"}
    assert q.item("hours").role is None and q.item("comment").disclosure is None  # text by default, not declared


def test_undeclared_roles_leave_the_content_hash_as_it_was() -> None:
    plain = parse_questionnaire(MINI)
    assert plain.disclosure_roles() == {"respondent_id": "direct", "comment": "text"}
    assert parse_questionnaire(DECLARED).content_hash() != plain.content_hash()
    assert parse_questionnaire(MINI).content_hash() == plain.content_hash()


def test_an_unknown_role_names_line_item_and_the_roles() -> None:
    text = edited((ROLE_LINE, ROLE_LINE + "        disclosure: quasi\n"))
    with pytest.raises(QuestionnaireError) as err:
        parse_questionnaire(text, "mini.yaml")
    (p,) = err.value.problems
    line = text.splitlines().index("        disclosure: quasi") + 1
    assert (p.code, p.line, p.item) == (ErrorCode.UNKNOWN_DISCLOSURE, line, "role")
    assert str(p) == (f"mini.yaml:{line}: [role] item 'role' has disclosure role 'quasi', which is not a role — "
                      "write one of direct, key, sensitive, text (survey/FORMAT.md, Disclosure roles), or drop "
                      "disclosure:.")


def test_a_misspelt_role_of_a_grid_row_gets_a_suggestion() -> None:
    text = edited(("            reverse: true\n", "            reverse: true\n            disclosure: Sensitve\n"))
    with pytest.raises(QuestionnaireError) as err:
        parse_questionnaire(text)
    (p,) = err.value.problems
    assert p.item == "fear_calm" and "(did you mean 'sensitive'?)" in p.hint


@pytest.mark.parametrize("old, new, item, fix", [
    ('        label: {ko: "하고 싶은 말씀을 적어 주십시오.", en: "Anything else you would like to say?"}\n',
     '        label: {ko: "하고 싶은 말씀을 적어 주십시오.", en: "Anything else you would like to say?"}\n'
     '        disclosure: key\n', "comment", "declare it direct"),
    (ROLE_LINE, ROLE_LINE + "        disclosure: text\n", "role", "open-text items are the text role"),
])
def test_text_is_the_role_of_open_text_only(old: str, new: str, item: str, fix: str) -> None:
    with pytest.raises(QuestionnaireError) as err:
        parse_questionnaire(edited((old, new)))
    (p,) = err.value.problems
    assert p.code is ErrorCode.DISCLOSURE_FOR_TYPE and p.item == item and p.hint.startswith(fix)


def test_open_text_may_be_a_direct_identifier() -> None:
    q = parse_questionnaire(edited((
        '        label: {ko: "하고 싶은 말씀을 적어 주십시오.", en: "Anything else you would like to say?"}\n',
        '        label: {ko: "하고 싶은 말씀을 적어 주십시오.", en: "Anything else you would like to say?"}\n'
        '        disclosure: direct\n')))
    assert q.disclosure_roles()["comment"] == "direct"


def test_the_schema_lists_the_roles() -> None:
    schema = json_schema()
    element = schema["$defs"]["ElementSpec"]["properties"]["disclosure"]
    row = schema["$defs"]["RowSpec"]["properties"]["disclosure"]
    for prop in (element, row):
        roles = next(option["enum"] for option in prop["anyOf"] if "enum" in option)
        assert roles == ["direct", "key", "sensitive", "text"]


def test_the_codebook_shows_the_role() -> None:
    cb = build_codebook(parse_questionnaire(DECLARED), "en")
    header, rows = variable_table(cb)
    col = header.index("Disclosure")
    by_name = {row[0]: row[col] for row in rows}
    assert by_name["role"] == "key" and by_name["pay"] == "sensitive" and by_name["comment"] == "text"
    assert by_name["hours"] == "" and by_name["reasons_1"] == ""
