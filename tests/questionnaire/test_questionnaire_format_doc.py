"""survey/FORMAT.md stays exact: its tables and lists are compared with what the loader and parser accept."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from careersurvey.expr import parse
from careersurvey.questionnaire import load_questionnaire, parse_questionnaire
from careersurvey.questionnaire._elements import KEYS_FOR
from careersurvey.questionnaire.names import _RESERVED
from careersurvey.questionnaire.spec import ALLOWED_KEYS

REPO = Path(__file__).resolve().parents[2]
FORMAT = (REPO / "survey" / "FORMAT.md").read_text(encoding="utf-8")


def _type_table() -> dict[str, set[str]]:
    """type -> keys allowed, from the '| type | what it is | other keys allowed |' table."""
    out: dict[str, set[str]] = {}
    start = FORMAT.index("| type | what it is | other keys allowed |")
    for line in FORMAT[start:].splitlines()[2:]:
        if not line.startswith("|"):
            break
        types_cell, _, keys_cell = (c.strip() for c in line.strip("|").split("|"))
        keys = set(re.findall(r"`(\w+)`", keys_cell))
        if keys_cell.startswith("as `"):
            keys = set(out[re.match(r"as `(\w+)`", keys_cell).group(1)]) | (keys - {keys_cell[4:].split("`")[0]})
        for t in re.findall(r"`(\w+)`", types_cell):
            out[t] = keys
    return out


def test_the_type_table_is_what_the_loader_allows() -> None:
    assert _type_table() == {t: set(keys) for t, keys in KEYS_FOR.items()}


def test_every_element_key_is_documented() -> None:
    documented = set().union(*_type_table().values()) | {"name", "type", "label", "relevance"}
    assert documented == set(ALLOWED_KEYS["element"])
    row_block = FORMAT[FORMAT.index("        rows:                    # at least one"):FORMAT.index("      - name: consent_text")]
    assert set(re.findall(r"^\s+-? ?(\w+):", row_block, re.M)) - {"rows"} == set(ALLOWED_KEYS["row"])
    for kind in ("questionnaire", "module", "scale", "scoring", "range"):
        for key in ALLOWED_KEYS[kind]:
            assert re.search(rf"\b{key}\b", FORMAT), f"{kind} key {key!r} is not in FORMAT.md"


def test_reserved_words_are_listed_with_their_system() -> None:
    for system in sorted(set(_RESERVED.values())):
        m = re.search(rf"(?<![\w/]){re.escape(system)}(?: metadata)? \((`[^)]*)\)", FORMAT.replace("\n", " "))
        assert m, system
        listed = set(m.group(1).replace("`", "").split())
        assert listed == {w for w, s in _RESERVED.items() if s == system}, system


EXAMPLES = re.findall(r"`([^`]*(?:==|!=|>=|>|<|selected|answered|missing|\bin\b)[^`]*)`",
                      FORMAT[FORMAT.index("| form | example |"):FORMAT.index("Grammar,")])


def test_the_expression_table_is_found() -> None:
    """The parametrised test below would pass vacuously if the table moved: it holds every form's example."""
    assert len(EXAMPLES) >= 12 and "selected(motives, 3)" in EXAMPLES and "role not in [1, 2]" in EXAMPLES


@pytest.mark.parametrize("example", EXAMPLES)
def test_every_expression_example_parses(example: str) -> None:
    if example in ("== != < <= > >=", "+ - * / %"):
        return
    tree = parse(example)
    # the documented text is already canonical: the tree prints back as written, and it is a condition
    assert str(tree) == example and tree.is_condition


def test_example_module_rule_and_exclusive_load() -> None:
    """The documented module rule and exclusive key work on the real instrument's text."""
    text = (REPO / "survey" / "stem-careers" / "1.0.0.yaml").read_text(encoding="utf-8")
    title = '    title: {ko: "진로 선택", en: "Career choice"}\n'
    assert title in text
    text = text.replace(title, title + '    relevance: "elig_stem in [1, 2] and elig_korea == 1"\n')
    text = text.replace("        choices: ai_kind\n", "        choices: ai_kind\n        exclusive: [5]\n")
    q = parse_questionnaire(text, "edited.yaml")
    released = load_questionnaire("stem-careers@1.0.0")
    module = next(m for m in q.modules if m.relevance is not None)
    assert [i.relevance for i in module.items] == [
        released.item(i.name).relevance if released.item(i.name).relevance_text == module.relevance_text
        else parse(f"({module.relevance_text}) and ({released.item(i.name).relevance_text})")
        for i in module.items]
    assert q.item("ai_kind").exclusive == (5,)
