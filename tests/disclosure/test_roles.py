"""Roles of columns for a release: the questionnaire's own and a declaration file beside a frozen version."""

from __future__ import annotations

from pathlib import Path

import pytest

from careersurvey.disclosure.roles import RolesError, column_roles, parse_roles
from careersurvey.questionnaire import load_questionnaire, parse_questionnaire

MINI = (Path(__file__).parents[1] / "questionnaire" / "data" / "mini-1.0.0.yaml").read_text(encoding="utf-8")


def test_stem_careers_roles_come_from_its_declaration_file() -> None:
    q = load_questionnaire("stem-careers@1.0.0")
    roles = column_roles(q)
    keys = sorted(c for c, r in roles.items() if r == "key")
    assert keys == ["age_band", "degree", "field", "region", "role", "sector", "sex"]
    assert roles["respondent_id"] == "direct" and roles["comment"] == "text" and roles["pay_exact"] == "sensitive"


def test_each_version_has_its_declaration() -> None:
    q = load_questionnaire("stem-careers@1.1.0")
    roles = column_roles(q)
    assert sorted(c for c, r in roles.items() if r == "key") == [
        "age_band", "degree", "field", "nationality", "region", "role", "sector", "sex"]
    assert roles["pay_gross"] == "sensitive" and "pay_exact" not in roles
    with pytest.raises(RolesError, match=r"disclosure-1.0.0.yaml:\d+: the roles are for version 1.0.0, not 1.1.0"):
        column_roles(q, Path(q.source).parent / "disclosure-1.0.0.yaml")


def test_a_version_less_declaration_serves_every_version(tmp_path) -> None:
    folder = tmp_path / "mini"
    folder.mkdir()
    (folder / "1.0.0.yaml").write_text(MINI, encoding="utf-8")
    (folder / "disclosure.yaml").write_text("questionnaire: mini\nroles:\n  role: key\n", encoding="utf-8")
    assert column_roles(load_questionnaire(folder / "1.0.0.yaml"))["role"] == "key"


def test_roles_given_as_a_mapping_cover_every_column_of_an_item() -> None:
    roles = column_roles(parse_questionnaire(MINI), {"role": "key", "reasons": "sensitive"})
    assert {c: r for c, r in roles.items() if c.startswith("reasons")} == {
        "reasons_1": "sensitive", "reasons_2": "sensitive", "reasons_3": "sensitive"}
    assert roles["role"] == "key" and roles["comment"] == "text"


@pytest.mark.parametrize("body, message", [
    ("roles:\n  rol: key\n", "roles.yaml:2: 'rol' is not an item of mini@1.0.0 (did you mean 'role'?); name an item"),
    ("roles:\n  role: quasi\n", "roles.yaml:2: [role] 'quasi' is not a disclosure role; write one of direct, key, "
                                "sensitive, text"),
    ("questionnaire: other\nroles:\n  role: key\n", "roles.yaml:1: the roles are for questionnaire 'other', not 'mini'"),
    ("roles:\n  hours: key\n  comment: key\n", "roles.yaml:3: [comment] a text item cannot have role 'key'"),
    ("roles: [role]\n", "roles.yaml: expected a mapping with 'questionnaire: <id>' and 'roles:'"),
])
def test_a_hand_edited_declaration_is_refused_precisely(body: str, message: str) -> None:
    with pytest.raises(RolesError) as err:
        parse_roles(body, parse_questionnaire(MINI), "roles.yaml")
    assert str(err.value).startswith(message)


def test_a_role_conflicting_with_the_questionnaire_is_refused(tmp_path: Path) -> None:
    q = parse_questionnaire(MINI.replace("        sensitive: true\n", "        sensitive: true\n        disclosure: sensitive\n"))
    path = tmp_path / "disclosure.yaml"
    path.write_text("questionnaire: mini\nroles:\n  pay: key\n", encoding="utf-8")
    with pytest.raises(RolesError, match=r"disclosure.yaml:3: \[pay\] declared key here but sensitive in the questionnaire"):
        column_roles(q, path)
