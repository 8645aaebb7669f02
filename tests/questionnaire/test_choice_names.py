"""Choice names (the XLSForm ``name`` a KoboToolbox/ODK export holds): optional, XML names, unique in a list."""

from __future__ import annotations

from pathlib import Path

import pytest

from careersurvey.questionnaire import ErrorCode, QuestionnaireError, load_questionnaire, parse_questionnaire
from careersurvey.questionnaire.model import Choice, _canonical

DATA = Path(__file__).parent / "data"
MINI = (DATA / "mini-1.0.0.yaml").read_text(encoding="utf-8")
ROLE_1 = '- {code: 1, ko: "학생", en: "Student"}'
ROLE_2 = '- {code: 2, ko: "연구원", en: "Researcher"}'


def with_names(*replacements: tuple[str, str]) -> str:
    text = MINI
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new, 1)
    return text


def problems(text: str) -> list[str]:
    with pytest.raises(QuestionnaireError) as info:
        parse_questionnaire(text, "names.yaml")
    return [str(p) for p in info.value.problems]


def test_names_are_optional_and_default_to_the_code() -> None:
    q = load_questionnaire(DATA / "mobility-1.0.0.yaml")
    assert dict(q.item("position").choices.names()) == {1: "student", 2: "postdoc", 3: "faculty", 4: "industry_rd"}
    assert dict(q.item("satisfied").choices.names()) == {1: "1", 2: "2", 3: "3", 4: "4", 5: "5"}
    assert q.item("position").choices.named and not q.item("satisfied").choices.named
    mini = parse_questionnaire(MINI)
    assert all(c.name is None for lst in mini.choice_lists.values() for c in lst.choices)


def test_a_name_is_part_of_the_content_but_no_name_leaves_the_hash_as_it_was() -> None:
    assert "name" not in _canonical(Choice(1, {"en": "Yes"}))
    assert _canonical(Choice(1, {"en": "Yes"}, "yes"))["name"] == "yes"
    named = parse_questionnaire(with_names((ROLE_1, '- {code: 1, name: student, ko: "학생", en: "Student"}')))
    assert named.content_hash() != parse_questionnaire(MINI).content_hash()


@pytest.mark.parametrize("name, detail, suggestion", [
    ("grad student", "contains a space (a select_multiple answer is a space-separated list of names)",
     "grad_student"),
    ("1st", "does not start with a letter or _", "q_1st"),
    ("학생", "contains non-ASCII characters", "choice_1"),
    ("a/b", "may contain only letters, digits, _ . and -", "a_b"),
    ("xmlthing", "starts with 'xml', which XML reserves", "xmlthing"),
])
def test_a_name_must_be_an_xml_name(name: str, detail: str, suggestion: str) -> None:
    found = problems(with_names((ROLE_1, f'- {{code: 1, name: "{name}", ko: "학생", en: "Student"}}')))
    assert found == [
        f"names.yaml:26: choice 1 of list 'role' has the name {name!r}, which {detail} — a choice name is an XML "
        f"name: a letter or _ first, then letters, digits, _ . or -, no spaces (e.g. {suggestion!r}); or drop "
        "name: to use the code."]


def test_a_name_is_unique_within_its_list_ignoring_case() -> None:
    found = problems(with_names((ROLE_1, '- {code: 1, name: grad, ko: "학생", en: "Student"}'),
                                (ROLE_2, '- {code: 2, name: Grad, ko: "연구원", en: "Researcher"}')))
    assert found == [
        "names.yaml:27: choice list 'role' has the name 'Grad' twice (first at line 26, as 'grad': names are "
        "matched ignoring case) — give every choice of the list its own name; exports are matched to choices by "
        "name."]
    text = with_names((ROLE_1, '- {code: 1, name: grad, ko: "학생", en: "Student"}'),
                      (ROLE_2, '- {code: 2, name: grad, ko: "연구원", en: "Researcher"}'))
    assert problems(text) == [
        "names.yaml:27: choice list 'role' has the name 'grad' twice (first at line 26) — give every choice of the "
        "list its own name; exports are matched to choices by name."]
    with pytest.raises(QuestionnaireError) as info:
        parse_questionnaire(text)
    assert info.value.codes == [ErrorCode.DUPLICATE_CHOICE_NAME]


def test_a_name_may_not_be_another_choices_label() -> None:
    found = problems(with_names((ROLE_1, '- {code: 1, name: researcher, ko: "학생", en: "Student"}')))
    assert found == [
        "names.yaml:26: choice 1 of list 'role' is named 'researcher', which is the label of choice 2 — an export "
        "cell 'researcher' could mean either choice; choose another name."]


def test_a_name_is_text() -> None:
    found = problems(with_names((ROLE_1, '- {code: 1, name: 7, ko: "학생", en: "Student"}')))
    assert found == ["names.yaml:26: name of choice 1 of choice list 'role': Input should be a valid string "
                     "(got 7) — see survey/FORMAT.md for the expected value of 'name'."]


def test_diff_lists_renamed_choices() -> None:
    from careersurvey.questionnaire.versions import diff

    old = parse_questionnaire(MINI)
    new = parse_questionnaire(with_names((ROLE_1, '- {code: 1, name: grad, ko: "학생", en: "Student"}')))
    assert [(c.name, c.detail) for c in diff(old, new).choice_lists] == [("role", "names changed: 1; used by role")]


@pytest.mark.parametrize("rule, detail, fix", [
    ("position + 1 >= 3", "it computes with 'position', whose choices have names",
     "compare it with choice codes (==, !=, <, <=, >, >=, in): the form stores the names, not numbers"),
    ("position == 1 + 1", "it compares 'position', whose choices have names, with 1 + 1",
     "compare it with a choice code: the form stores the names, and turns codes into names"),
    ("consent == position", "it compares 'consent', whose choices have names, with position",
     "compare it with a choice code: the form stores the names, and turns codes into names"),
])
def test_skip_logic_computing_with_a_named_item_is_refused_at_load(rule: str, detail: str, fix: str) -> None:
    text = (DATA / "mobility-1.0.0.yaml").read_text(encoding="utf-8")
    assert 'relevance: "position >= 2"' in text
    found = problems(text.replace('relevance: "position >= 2"', f'relevance: "{rule}"'))
    assert found == [f"names.yaml:62: [move_reasons] relevance of 'move_reasons': {detail} — {fix}."]
