"""``harmonise:`` (a newer version declares which renamed items take an earlier version's answers), and the diff
of grid stems and notes; on the mini questionnaire written for the loader's tests."""

from __future__ import annotations

from pathlib import Path

import pytest

import careersurvey as cs
from careersurvey.questionnaire import ItemChange, QuestionnaireError, load_questionnaire

DATA = Path(__file__).parent / "data"
NEW = (DATA / "mini-1.1.0.yaml").read_text(encoding="utf-8")
BLOCK = """
harmonise:
  - from: 1.0.0
    items:
      leave_plan: quit_plan
      hours: hours_week
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "mini" / "1.1.0.yaml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _problems(tmp_path: Path, block: str) -> list[str]:
    path = _write(tmp_path, NEW + block)
    with pytest.raises(QuestionnaireError) as info:
        load_questionnaire(path)
    return [str(p).replace(str(path), "FILE") for p in info.value.problems]


def test_the_mapping_is_read_into_the_model(tmp_path):
    q = load_questionnaire(_write(tmp_path, NEW + BLOCK))
    assert {v: dict(m) for v, m in q.harmonise.items()} == {"1.0.0": {"leave_plan": "quit_plan", "hours": "hours_week"}}
    with pytest.raises(TypeError):
        q.harmonise["1.0.0"]["pay"] = "salary"  # type: ignore[index]
    assert load_questionnaire(DATA / "mini-1.1.0.yaml").harmonise == {}
    assert q.content_hash() != load_questionnaire(DATA / "mini-1.1.0.yaml").content_hash()



@pytest.mark.parametrize("block, message", [
    ("\nharmonise:\n  - from: 1.1.0\n    items: {hours: hours_week}\n",
     "FILE:120: harmonise: from '1.1.0' is not earlier than this version 1.1.0 — name an earlier version of this "
     "questionnaire, once, e.g. from: 1.0.0."),
    ("\nharmonise:\n  - from: one\n    items: {hours: hours_week}\n",
     "FILE:120: harmonise: from 'one' is not a semantic version — name an earlier version of this questionnaire, "
     "once, e.g. from: 1.0.0."),
    ("\nharmonise:\n  - from: 1.0.0\n    items: {hours: hours_week}\n  - from: 1.0.0\n    items: {}\n",
     "FILE:122: harmonise: from '1.0.0' is listed twice — name an earlier version of this questionnaire, once, "
     "e.g. from: 1.0.0."),
    ("\nharmonise:\n  - from: 1.0.0\n    items: {hour: hours_week}\n",
     "FILE:121: [hour] harmonise from 1.0.0: 'hour' is not an item of this questionnaire — list this version's items on "
     "the left (did you mean 'hours'?)."),
    ("\nharmonise:\n  - from: 1.0.0\n    items: {reasons: motives}\n",
     "FILE:121: [reasons] harmonise from 1.0.0: 'reasons' is a multiple-choice item — map single, rating or number "
     "items only."),
    ("\nharmonise:\n  - from: 1.0.0\n    items: {hours: hours}\n",
     "FILE:121: [hours] harmonise from 1.0.0: 'hours' is mapped to itself — drop it: an item of the same name is "
     "carried over without a mapping."),
    ("\nharmonise:\n  - from: 1.0.0\n    items: {hours: Hours Week}\n",
     "FILE:121: [hours] harmonise from 1.0.0: 'hours' is mapped to 'Hours Week', which is not an item name — name "
     "the item of version 1.0.0 whose answers it takes."),
    ("\nharmonise:\n  - from: 1.0.0\n    item: {hours: hours_week}\n",
     "FILE:121: unknown key 'item' in harmonise entry 1 — the keys allowed here are: from, items."),
])
def test_each_problem_is_named_with_its_line_and_fix(tmp_path, block, message):
    assert _problems(tmp_path, block) == [message]


def test_diff_shows_a_changed_grid_stem_on_each_row_and_notes(tmp_path):
    text = NEW.replace('label: {ko: "다음에 얼마나 동의하십니까?", en: "How far do you agree?"}',
                       'label: {ko: "다음 설명에 얼마나 동의하십니까?", en: "How far do you agree with each?"}')
    text = text.replace('label: {ko: "참여해 주셔서 감사합니다.", en: "Thank you for taking part."}',
                        'label: {ko: "참여해 주셔서 고맙습니다.", en: "Thank you for taking part."}')
    text = text.replace("      - name: leave_plan\n", "      - name: bye\n        type: note\n"
                        "        label: {ko: \"끝입니다.\", en: \"The end.\"}\n      - name: leave_plan\n")
    new = load_questionnaire(_write(tmp_path, text))
    d = cs.diff(load_questionnaire(DATA / "mini-1.1.0.yaml"), new)
    stem = ("stem (en): 'How far do you agree?' -> 'How far do you agree with each?'",
            "stem (ko): '다음에 얼마나 동의하십니까?' -> '다음 설명에 얼마나 동의하십니까?'")
    assert d.reworded == tuple(ItemChange(n, "reworded", "m1_work", stem)
                               for n in ("fear_shame", "fear_future", "fear_calm"))
    assert d.notes == (ItemChange("bye", "added", "m1_work", ("끝입니다.",)),
                       ItemChange("welcome", "reworded", "m0_intro",
                                  ("label (ko): '참여해 주셔서 감사합니다.' -> '참여해 주셔서 고맙습니다.'",)))
    assert d.as_text().splitlines()[-3:] == [
        "notes (2):", "  bye added [m1_work]: 끝입니다.",
        "  welcome reworded [m0_intro]: label (ko): '참여해 주셔서 감사합니다.' -> '참여해 주셔서 고맙습니다.'"]
    assert {"kind": "note added", "item": "bye", "module": "m1_work", "details": "끝입니다."} in d.rows()
    assert bool(cs.diff(load_questionnaire(DATA / "mini-1.1.0.yaml"),
                        load_questionnaire(_write(tmp_path, NEW.replace("감사합니다.", "고맙습니다.", 1)))))
