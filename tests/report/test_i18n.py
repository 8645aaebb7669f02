"""The report's catalogue: every string in both languages, with the same fields to fill."""

from __future__ import annotations

import string

import pytest

from careersurvey.report.i18n import LANGS, STRINGS, check_lang, label_in, text


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
