"""Loading questionnaires: a valid file becomes the frozen model; each kind of mistake gets a precise error.

Broken files are made from tests/questionnaire/data/mini-1.0.0.yaml by replacing one snippet, so each test
shows exactly what is wrong, and asserts the error code, line and item (and for some, the whole message).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import careersurvey as cs
from careersurvey.expr import Compare, Name, Num, evaluate
from careersurvey.questionnaire.model import MISSING_CODES
from careersurvey.questionnaire import ErrorCode, QuestionnaireError, load_questionnaire, parse_questionnaire

DATA = Path(__file__).parent / "data"
MINI = DATA / "mini-1.0.0.yaml"
BASE = MINI.read_text(encoding="utf-8")


def broken(tmp_path: Path, *replacements: tuple[str, str]) -> QuestionnaireError:
    text = BASE
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new, 1)
    path = tmp_path / "broken.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(QuestionnaireError) as info:
        load_questionnaire(path)
    assert all(p.file == str(path) for p in info.value.problems)
    return info.value


# ------------------------------------------------------------------ the valid file
def test_mini_loads_into_the_model() -> None:
    q = load_questionnaire(MINI)
    assert (q.id, q.version, q.status, q.date, q.languages) == ("mini", "1.0.0", "released", "2026-01-15", ("ko", "en"))
    assert q.key == "mini@1.0.0"
    assert [m.id for m in q.modules] == ["m0_intro", "m1_work"]
    assert [i.name for i in q.items] == ["consent", "role", "reasons", "hours", "pay", "start_date", "fear_shame",
                                         "fear_future", "fear_calm", "overall", "comment"]
    assert q.columns()[2:5] == ("reasons_1", "reasons_2", "reasons_3", "hours")[:3]
    assert q.item("role").relevance == Compare("==", Name("consent"), Num(1))
    assert q.item("role").relevance_text == "consent == 1"
    assert q.item("role").label["en"] == "What is your position?"
    assert q.item("role").choices.codes() == (1, 2, 3)
    assert q.item("hours").range == cs.questionnaire.model.Range(0, 120)
    assert q.item("hours").missing == (-8,)
    assert q.item("pay").missing == (-7, -8) and q.item("pay").sensitive
    assert q.item("start_date").range == cs.questionnaire.model.Range("1960-01-01", "2026-12-31")
    assert q.item("consent").required and not q.item("role").required
    assert q.item("consent").line == 47  # the line of "- name: consent"


def test_grid_rows_share_stem_choices_and_relevance_and_join_scales() -> None:
    q = load_questionnaire(MINI)
    grid = q.modules[1].elements[5]
    assert grid.name == "fear" and [i.name for i in grid.items] == ["fear_shame", "fear_future", "fear_calm"]
    for row in grid.items:
        assert (row.type, row.grid, row.choices.name, row.relevance_text) == ("rating", "fear", "agree5", "consent == 1")
        assert row.scale == "fear_failure"
    assert [r.reverse for r in grid.items] == [False, False, True]
    scale = q.scales["fear_failure"]
    assert (scale.items, scale.reverse, scale.method, scale.min_answered, scale.points) == (
        ("fear_shame", "fear_future", "fear_calm"), ("fear_calm",), "mean", 2, (1, 5))
    assert scale.anchor == "PFAI (Conroy et al. 2002)" and scale.construct == "Fear of failure"
    assert q.glossary[0].term == "출연연" and q.glossary[0].definition["en"].startswith("Government")
    assert q.missing_labels[-7]["ko"] == "응답하고 싶지 않음"


def test_model_values_are_frozen() -> None:
    q = load_questionnaire(MINI)
    with pytest.raises(dataclasses.FrozenInstanceError):
        q.version = "2.0.0"  # type: ignore[misc]
    with pytest.raises(TypeError):
        q.item("role").label["en"] = "x"  # type: ignore[index]


def test_parse_is_pure_and_names_the_source() -> None:
    q = parse_questionnaire(BASE, "memory.yaml")
    assert q.source == "memory.yaml"
    assert q.content_hash() == load_questionnaire(MINI).content_hash()


# ------------------------------------------------------------------ one broken file per kind of error
CASES = [
    ('hint_missing_lang', '        choices: role\n',
     '        choices: role\n        hint: {ko: "여러 개면 하나만 고르십시오."}\n',
     [('MISSING_LANGUAGE', 60, 'role')]),
    ('module_title_lang', 'title: {ko: "일", en: "Work"}', 'title: {en: "Work"}',
     [('MISSING_LANGUAGE', 53, None)]),
    ('bad_languages', 'languages: [ko, en]', 'languages: [ko, ko]',
     [('BAD_LANGUAGES', 6, None)]),
    ('unknown_key', '        choices: yesno\n        required: true\n',
     '        choices: yesno\n        required: true\n        lable: {ko: "x", en: "y"}\n',
     [('UNKNOWN_KEY', 52, 'consent')]),
    ('unknown_top', 'status: released\n',
     'status: released\nauthor: me\n',
     [('UNKNOWN_KEY', 5, None)]),
    ('dup_name', '      - name: overall\n',
     '      - name: hours\n',
     [('DUPLICATE_NAME', 96, 'hours')]),
    ('non_ascii', '      - name: comment\n',
     '      - name: 의견\n',
     [('NON_ASCII_NAME', 101, '의견')]),
    ('reserved', '      - name: comment\n',
     '      - name: if\n',
     [('RESERVED_NAME', 101, 'if')]),
    ('reserved2', '      - name: comment\n',
     '      - name: selected\n',
     [('RESERVED_NAME', 101, 'selected')]),
    ('upper', '      - name: comment\n',
     '      - name: Comment\n',
     [('BAD_NAME', 101, 'Comment')]),
    ('clash', '      - name: comment\n',
     '      - name: reasons_2\n',
     [('COLUMN_CLASH', 101, 'reasons_2')]),
    ('dup_code', '    - {code: 3, ko: "교수", en: "Professor"}\n',
     '    - {code: 2, ko: "교수", en: "Professor"}\n',
     [('DUPLICATE_CODE', 28, None)]),
    ('missing_code_choice', '    - {code: 3, ko: "흥미", en: "Interest"}\n',
     '    - {code: -8, ko: "모름", en: "Don\'t know"}\n',
     [('MISSING_CODE_AS_CHOICE', 32, None)]),
    ('label_lang', 'label: {ko: "일주일에 몇 시간 일합니까?", en: "How many hours do you work per week?"}',
     'label: {ko: "일주일에 몇 시간 일합니까?"}',
     [('MISSING_LANGUAGE', 68, 'hours')]),
    ('choice_lang', '    - {code: 0, ko: "아니요", en: "No"}\n',
     '    - {code: 0, ko: "아니요"}\n',
     [('MISSING_LANGUAGE', 24, None)]),
    ('hint_lang', '        unit: {ko: "시간", en: "hours"}\n',
     '        unit: {ko: "시간", en: ""}\n',
     [('EMPTY_TEXT', 70, 'hours')]),
    ('glossary_lang', '    en: "Government-funded research institute."\n',
     '    fr: "Institut."\n',
     [('MISSING_LANGUAGE', 17, None), ('EXTRA_LANGUAGE', 19, None)]),
    ('title_lang', 'title: {ko: "작은 시험 설문", en: "A small test survey"}',
     'title: {ko: "작은 시험 설문"}',
     [('MISSING_LANGUAGE', 7, None)]),
    ('rel_unknown', 'relevance: "role != 1"',
     'relevance: "rol != 1"',
     [('RELEVANCE_UNKNOWN', 79, 'pay')]),
    ('rel_later', 'relevance: "role in [2, 3] and selected(reasons, 1)"',
     'relevance: "role in [2, 3] and pay > 1"',
     [('RELEVANCE_LATER', 72, 'hours')]),
    ('rel_parse', 'relevance: "role != 1"',
     'relevance: "role = 1"',
     [('RELEVANCE_SYNTAX', 79, 'pay')]),
    ('rel_kind', 'relevance: "role != 1"',
     'relevance: "reasons == 1"',
     [('RELEVANCE_KIND', 79, 'pay')]),
    ('rel_code', 'relevance: "role != 1"',
     'relevance: "role == 7"',
     [('RELEVANCE_KIND', 79, 'pay')]),
    ('rel_missing', 'relevance: "role != 1"',
     'relevance: "role == -7"',
     [('RELEVANCE_KIND', 79, 'pay')]),
    ('reverse_not_in_scale', '        choices: agree5\n        relevance: "consent == 1"\n      - name: comment',
     '        choices: agree5\n        reverse: true\n        relevance: "consent == 1"\n      - name: comment',
     [('REVERSE_NOT_IN_SCALE', 96, 'overall')]),
    ('scale_reverse', '    reverse: [fear_calm]\n',
     '    reverse: [fear_calm, overall]\n',
     [('SCALE_REVERSE_NOT_ITEM', 109, 'overall')]),
    ('scale_unknown', '    items: [fear_shame, fear_future, fear_calm]\n',
     '    items: [fear_shame, fear_futur, fear_calm]\n',
     [('SCALE_UNKNOWN_ITEM', 108, 'fear_futur')]),
    ('unknown_list', '        choices: role\n',
     '        choices: roles\n',
     [('UNKNOWN_CHOICE_LIST', 59, 'role')]),
    ('range', 'range: {min: 0, max: 120}',
     'range: {min: 120, max: 0}',
     [('RANGE_ORDER', 69, 'hours')]),
    ('version', 'version: 1.0.0\n',
     'version: "1.0"\n',
     [('BAD_VERSION', 3, None)]),
    ('yaml', '  yesno:\n',
     '  yesno\n',
     [('YAML_SYNTAX', 23, None)]),
    ('dupkey', '        required: true\n',
     '        required: true\n        required: false\n',
     [('DUPLICATE_KEY', 52, None)]),
    ('bad_type', '        type: decimal\n',
     '        type: float\n',
     [('BAD_VALUE', 74, 'pay')]),
    ('missing_label', '        label: {ko: "언제 일을 시작했습니까?", en: "When did you start?"}\n',
     '',
     [('MISSING_KEY', 80, 'start_date')]),
    ('bad_missing', '        missing: [-8]\n',
     '        missing: [-6, 99]\n',
     [('BAD_MISSING', 71, 'hours'), ('BAD_MISSING', 71, 'hours')]),
    ('choices_on_int', '        range: {min: 0, max: 120}\n',
     '        range: {min: 0, max: 120}\n        choices: yesno\n',
     [('NO_CHOICES_HERE', 70, 'hours')]),
    ('no_rows', '        choices: agree5\n        relevance: "consent == 1"\n        rows:\n',
     '        choices: agree5\n        relevance: "consent == 1"\n        rowz:\n',
     [('UNKNOWN_KEY', 90, 'fear'), ('SCALE_UNKNOWN_ITEM', 108, 'fear_shame'), ('SCALE_UNKNOWN_ITEM', 108, 'fear_future'), ('SCALE_UNKNOWN_ITEM', 108, 'fear_calm')]),
    ('self', 'relevance: "role != 1"',
     'relevance: "pay != 1"',
     [('RELEVANCE_SELF', 79, 'pay')]),
    ('mincount', 'min_answered: 2',
     'min_answered: 5',
     [('SCALE_MIN_ANSWERED', 110, None)]),
    ('conflict', '    reverse: [fear_calm]\n',
     '    reverse: []\n',
     [('SCALE_CONFLICT', 93, 'fear_calm')]),
    ('date_range', 'range: {min: "1960-01-01", max: 2026-12-31}',
     'range: {min: "1960-13-01", max: 2026-12-31}',
     [('RANGE_VALUE', 83, 'start_date')]),
]


@pytest.mark.parametrize("name, old, new, expected", CASES, ids=[c[0] for c in CASES])
def test_each_error_class(tmp_path: Path, name: str, old: str, new: str, expected: list) -> None:
    error = broken(tmp_path, (old, new))
    assert [(p.code.name, p.line, p.item) for p in error.problems] == expected


def test_brief_error_classes_are_all_covered() -> None:
    covered = {code for case in CASES for code, _, _ in case[3]}
    assert covered >= {
        "UNKNOWN_KEY", "DUPLICATE_NAME", "NON_ASCII_NAME", "RESERVED_NAME", "COLUMN_CLASH", "DUPLICATE_CODE",
        "MISSING_CODE_AS_CHOICE", "MISSING_LANGUAGE", "RELEVANCE_UNKNOWN", "RELEVANCE_LATER", "RELEVANCE_SYNTAX",
        "REVERSE_NOT_IN_SCALE", "SCALE_UNKNOWN_ITEM", "UNKNOWN_CHOICE_LIST", "RANGE_ORDER", "BAD_VERSION",
    }


@pytest.mark.parametrize(
    "old, new, message",
    [
        ("        choices: yesno\n        required: true\n",
         "        choices: yesno\n        required: true\n        lable: {ko: \"x\", en: \"y\"}\n",
         "{file}:52: [consent] unknown key 'lable' in item 'consent' of module 'm0_intro' — the keys allowed here "
         "are: name, type, label, hint, choices, required, missing, relevance, range, unit, constraint_message, "
         "sensitive, scale, reverse, exclusive, rows, disclosure."),
        ("      - name: overall\n", "      - name: hours\n",
         "{file}:96: [hours] name 'hours' is already used at line 66 — every item, grid, grid row and note needs "
         "its own name."),
        ("      - name: comment\n", "      - name: if\n",
         "{file}:101: [if] name 'if' is reserved in Stata — choose another name, e.g. 'if_q'."),
        ("    - {code: 3, ko: \"흥미\", en: \"Interest\"}\n", "    - {code: -8, ko: \"모름\", en: \"Don't know\"}\n",
         "{file}:32: choice list 'reasons' uses -8 as a choice code, but -6..-9 are the fixed missing codes — drop "
         "the choice and allow the missing code on the items instead: missing: [-8]."),
        ('label: {ko: "일주일에 몇 시간 일합니까?", en: "How many hours do you work per week?"}',
         'label: {ko: "일주일에 몇 시간 일합니까?"}',
         "{file}:68: [hours] the label of 'hours' has no 'en' text — write it in every language of the "
         "questionnaire: ko, en."),
        ('relevance: "role in [2, 3] and selected(reasons, 1)"', 'relevance: "role in [2, 3] and pay > 1"',
         "{file}:72: [hours] relevance of 'hours' refers to 'pay', which comes later (line 73) — skip logic can "
         "only use answers given before the item: move one of them."),
        ('relevance: "role != 1"', 'relevance: "role = 1"',
         "{file}:79: [pay] relevance of 'pay' does not parse: unexpected '=': write '==' to compare (at character "
         "6 of 'role = 1') — write a condition as in survey/FORMAT.md, e.g. role in [1, 2]."),
        ('relevance: "role != 1"', 'relevance: "rol != 1"',
         "{file}:79: [pay] relevance of 'pay' refers to 'rol', which is not an item of this questionnaire — check "
         "the spelling (did you mean 'role'?)."),
        ("        choices: role\n", "        choices: roles\n",
         "{file}:59: [role] item 'role' uses choice list 'roles', which is not defined — define it under "
         "choice_lists: (did you mean 'role'?)."),
    ],
)
def test_whole_messages(tmp_path: Path, old: str, new: str, message: str) -> None:
    error = broken(tmp_path, (old, new))
    assert [str(p) for p in error.problems] == [message.format(file=tmp_path / "broken.yaml")]


def test_all_problems_of_a_file_are_reported_at_once(tmp_path: Path) -> None:
    error = broken(
        tmp_path,
        ("version: 1.0.0\n", "version: one\n"),
        ("    - {code: 3, ko: \"교수\", en: \"Professor\"}\n", "    - {code: 2, ko: \"교수\"}\n"),
        ("      - name: overall\n", "      - name: hours\n"),
        ('relevance: "role != 1"', 'relevance: "role != 1 and later > 2"'),
        ("    items: [fear_shame, fear_future, fear_calm]\n", "    items: [fear_shame, fear_future, fear_calm, nope]\n"),
    )
    assert [(p.code, p.line) for p in error.problems] == [
        (ErrorCode.BAD_VERSION, 3), (ErrorCode.DUPLICATE_CODE, 28), (ErrorCode.MISSING_LANGUAGE, 28),
        (ErrorCode.RELEVANCE_UNKNOWN, 79), (ErrorCode.DUPLICATE_NAME, 96), (ErrorCode.SCALE_UNKNOWN_ITEM, 108),
    ]
    text = str(error)
    assert text.startswith(f"6 problems in {tmp_path / 'broken.yaml'}\n  ")
    assert isinstance(error, ValueError)


def test_not_a_mapping_and_empty_file() -> None:
    with pytest.raises(QuestionnaireError, match="must hold a mapping of keys .* not a list"):
        parse_questionnaire("- a\n- b\n")
    with pytest.raises(QuestionnaireError, match=r"^1 problem in <string>\n  <string>:1: the file must hold a "
                                                 r"mapping of keys .*not nothing .*survey/FORMAT.md"):
        parse_questionnaire("")


def test_file_name_must_match_id_and_version(tmp_path: Path) -> None:
    folder = tmp_path / "survey" / "mini"
    folder.mkdir(parents=True)
    (folder / "1.2.0.yaml").write_text(BASE, encoding="utf-8")
    with pytest.raises(QuestionnaireError) as info:
        load_questionnaire(folder / "1.2.0.yaml")
    assert [p.code for p in info.value.problems] == [ErrorCode.FILE_NAME]
    assert "the file is named 'mini/1.2.0.yaml' but declares 'mini@1.0.0'" in str(info.value)


# ------------------------------------------------------------------ module relevance and exclusive choices
MODULE_RULE = ('    intro: {ko: "일에 관한 질문입니다.", en: "Questions about work."}\n',
               '    intro: {ko: "일에 관한 질문입니다.", en: "Questions about work."}\n    relevance: "consent == 1"\n')


def test_module_relevance_is_folded_into_every_element(tmp_path: Path) -> None:
    path = tmp_path / "mini.yaml"
    path.write_text(BASE.replace(*MODULE_RULE, 1), encoding="utf-8")
    q = load_questionnaire(path)
    module = q.modules[1]
    assert module.relevance == Compare("==", Name("consent"), Num(1)) and module.relevance_text == "consent == 1"
    assert q.modules[0].relevance is None
    comment = q.item("comment")  # no rule of its own: the module's
    assert comment.relevance == module.relevance and comment.relevance_text == "consent == 1"
    pay = q.item("pay")  # its own rule after the module's
    assert pay.relevance_text == "consent == 1 and role != 1"
    assert cs.parse_expression(pay.relevance_text) == pay.relevance
    hours = q.item("hours")  # an and-chain of its own stays one unit after the module's
    assert hours.relevance_text == "consent == 1 and (role in [2, 3] and selected(reasons, 1))"
    assert cs.parse_expression(hours.relevance_text) == hours.relevance
    start = q.item("start_date")  # an or-rule keeps its parentheses
    assert start.relevance_text == "consent == 1 and (answered(pay) or hours * 52 > 2000)"
    assert q.item("fear_calm").relevance_text == "consent == 1"  # the grid's rule, the same as the module's
    assert q.item("fear_calm").relevance == module.relevance
    df = pd.DataFrame({"consent": [1, 0, 1, np.nan], "role": [2, 2, 1, 2]})
    assert evaluate(pay.relevance, df, missing_codes=MISSING_CODES).tolist() == [True, False, False, False]


@pytest.mark.parametrize("rule, code, item", [
    ('"role == 1"', "MODULE_RELEVANCE_LATER", "module m1_work"),   # role is in the module itself
    ('"consent =="', "RELEVANCE_SYNTAX", "module m1_work"),
    ('"consnt == 1"', "RELEVANCE_UNKNOWN", "module m1_work"),
])
def test_module_relevance_errors(tmp_path: Path, rule: str, code: str, item: str) -> None:
    error = broken(tmp_path, (MODULE_RULE[0], MODULE_RULE[1].replace('"consent == 1"', rule)))
    assert [(p.code.name, p.line, p.item) for p in error.problems] == [(code, 55, item)]
    if code == "MODULE_RELEVANCE_LATER":
        assert str(error.problems[0]).endswith(
            "[module m1_work] relevance of module m1_work refers to 'role', which is not asked before the module "
            "(line 57) — a module's rule can only use answers of earlier modules: put the condition on its "
            "elements, or move 'role' to an earlier module.")


def test_exclusive_choices_of_a_multiple_item(tmp_path: Path) -> None:
    path = tmp_path / "mini.yaml"
    path.write_text(BASE.replace("        choices: reasons\n", "        choices: reasons\n        exclusive: [3]\n"),
                    encoding="utf-8")
    q = load_questionnaire(path)
    assert q.item("reasons").exclusive == (3,) and q.item("role").exclusive == ()


@pytest.mark.parametrize("old, new, expected", [
    ("        choices: reasons\n", "        choices: reasons\n        exclusive: [9]\n",
     [("EXCLUSIVE_CODE", 65, "reasons")]),
    ("        choices: reasons\n", "        choices: reasons\n        exclusive: [2, 3]\n",
     [("EXCLUSIVE_ALL", 65, "reasons")]),
    ("        choices: role\n", "        choices: role\n        exclusive: [3]\n",
     [("KEY_NOT_FOR_TYPE", 60, "role")]),
])
def test_exclusive_errors(tmp_path: Path, old: str, new: str, expected: list) -> None:
    error = broken(tmp_path, (old, new))
    assert [(p.code.name, p.line, p.item) for p in error.problems] == expected
    if expected[0][0] == "EXCLUSIVE_CODE":
        assert str(error.problems[0]).endswith(
            "[reasons] item 'reasons' marks 9 exclusive, but choice list 'reasons' has no code 9 — list codes of "
            "its choices under exclusive: (its codes are 1, 2, 3).")
