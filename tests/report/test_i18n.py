"""The report's catalogue: every string in both languages, with the same fields to fill."""

from __future__ import annotations

import re
import string

import pytest

from careersurvey.report.i18n import LANGS, STRINGS, check_lang, label_in, term, text, translated


def _fields(s: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(s) if f}


def test_every_key_has_both_languages_with_the_same_fields() -> None:
    missing = [(k, lang) for k, v in STRINGS.items() for lang in LANGS if not (v.get(lang) or "").strip()]
    assert missing == []
    extra = [(k, set(v) - set(LANGS)) for k, v in STRINGS.items() if set(v) - set(LANGS)]
    assert extra == []
    differ = [k for k, v in STRINGS.items() if _fields(v["en"]) != _fields(v["ko"])]
    assert differ == []


def test_korean_strings_are_korean() -> None:
    # a Korean text that is the English one copied over is a missing translation (symbols such as "%" aside)
    same = [k for k, v in STRINGS.items() if v["en"] == v["ko"] and any(c.isalpha() for c in v["en"])
            and not k.startswith("p.")]
    assert same == []


def test_text_fills_fields_and_names_unknown_keys_and_languages() -> None:
    assert text("col.ci_of", "ko", what="알파") == "알파의 95% 신뢰구간"
    assert text("col.ci_of", "en", what="alpha") == "95% CI of alpha"
    with pytest.raises(KeyError, match="no string 'col.nope'; add it in both languages"):
        text("col.nope", "en")
    with pytest.raises(ValueError, match="written in en or ko, not 'fr'; pass --lang en or --lang ko"):
        check_lang("fr")


def test_label_in_falls_back_to_the_other_language() -> None:
    assert label_in({"ko": "부문", "en": "Sector"}, "ko") == "부문"
    assert label_in({"ko": "부문"}, "en") == "부문"
    assert label_in(None, "en", "x") == "x"


_ENGLISH = re.compile(r"(?<![\w.])[A-Za-z][a-z'\-]+(?:[ ,;:()]+[A-Za-z][a-z'\-]+(?![\w.])){3,}")


def _messages() -> list[str]:
    """Sentences as the other parts write them: validation messages from the rule catalogue with the extras the
    validator gives, a sample-design note, a targets file's notes, weighting steps (the small questionnaire's
    items, not stem-careers')."""
    import numpy as np
    import pandas as pd

    from careersurvey.responses.problems import RULES
    from careersurvey.responses.sample_design import attach_sample_design
    from careersurvey.responses.validate import range_text
    from careersurvey.targets import load_targets

    def rule(name: str, **values: object) -> str:
        return RULES[name].template.format(**{"item": "pay", "column": "pay", "value": "x", "extra": "", **values})

    out = [rule("not_a_number", value="about 40"), rule("not_an_integer", value="2.5"),
           rule("not_a_choice", value="9", extra="1, 2, 3"), rule("out_of_range", value="-4", extra=range_text(0, 90)),
           rule("out_of_range", value="-4", extra=range_text(0, None)),
           rule("out_of_range", value="99", extra=range_text(None, 90)), rule("required"),
           rule("answered_but_skipped", value="2", extra="age >= 18; this row has age = 12"),
           rule("answered_but_skipped", value="2", extra="age >= 18"),
           rule("straight_lining", item="sat", value="3", extra="5 rows of the grid (sat_a ... sat_e)"),
           rule("duplicate_id", value="P7", extra="first in row 12"), rule("missing_id"), rule("not_a_date", value="May")]
    notes: list[str] = []
    data = pd.DataFrame({"respondent_id": ["a", "b"], "pay": [1.0, 2.0]})
    for ids in (["a", "b", "c"], ["a", "b", "c", "d"]):
        attach_sample_design(data, pd.DataFrame({"respondent_id": ids, "w": 1.0}), note=notes.append,
                             source="design.csv")
    out += notes
    tg = load_targets("kr-researchers-2023")
    frame = pd.DataFrame({"role": [2, 1, -9], "sector": [1, 1, 1], "region": [1, 1, 1]})
    out += [tg.scope_note(frame, np.array([True, False, False])), tg.scope_note(frame, np.ones(3, bool))]
    out += ["The store holds 2 waves (1.0, 2.0); without a design file the report reads the newest, 2.0 (a design "
            "file's wave: names another).",
            "The store holds 3 waves (a, b, c); without a design file these analyses read the newest, c."]
    alumni = pd.DataFrame({"sex": ["f", "m", "m", "f"], "w": [1.0, 2.0, 1.0, 3.0]})
    import careersurvey as cs

    d = cs.SurveyDesign(alumni, weights="w")
    for scope in (None, np.array([True, True, True, False])):
        raked = d.rake({"sex": {"f": 0.5, "m": 0.5}}, scope=scope) if scope is not None else \
            d.rake({"sex": {"f": 0.5, "m": 0.5}})
        out += list(raked.weight_summary().history)
    return out


def test_sentences_other_parts_write_come_out_in_korean() -> None:
    """Validation messages, sample-design and targets notes and weighting steps, as those parts write them: in
    Korean through the catalogue's msg.* forms (their values kept), and as written in English."""
    messages = _messages()
    assert len(messages) == 21, messages
    for m in messages:
        ko = translated(m, "ko")
        assert re.search(r"[가-힣]{2}", ko) and not _ENGLISH.search(ko), (m, ko)
        assert translated(m, "en") == m
    assert translated("straight from a person's hand, no form matches this", "ko").startswith("straight")
    said = translated("pay: 'about 40' is not a number; enter digits only (or a missing code)", "ko")
    assert said == "pay: 'about 40'은(는) 숫자가 아닙니다. 숫자만(또는 결측 코드를) 입력해 주십시오."
    assert translated("raked to t-1 (sector, sex, hobby; population 1,000)", "ko") == \
        "t-1에 맞추어 레이킹했습니다(주변 분포 부문, 성별, hobby; 모집단 1,000)."


def test_margin_and_sector_words() -> None:
    assert term("public_institute", "ko") == "공공연구기관" and term("large_firm", "en") == "large firm"
    assert term("some_other", "ko") == "some other"
