"""The stem-careers instrument (every released version) and its weighting targets meet INSTRUMENT.md and
survey/FORMAT.md; 1.1.0 makes each of the changes of issue 15 (tests at the end).

These tests read the YAML files directly (so they judge the data itself, whatever the loader does), evaluate
the routing with the skip-logic language of ``careersurvey.expr``, and also check that the questionnaire
loader and the targets loader accept the files and agree with the raw YAML.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any, Iterator

import numpy as np
import pandas as pd
import pytest
import yaml

import careersurvey as cs
from careersurvey.expr import evaluate, parse, to_words, to_xpath
from careersurvey.questionnaire.model import MISSING_CODES

ROOT = Path(__file__).resolve().parents[1]
INSTRUMENT = ROOT / "survey" / "stem-careers" / "1.0.0.yaml"
RELEASES = {v: ROOT / "survey" / "stem-careers" / f"{v}.yaml" for v in ("1.0.0", "1.1.0")}
#: The variables some tests need, by what they are, in each version (1.1.0 renamed them: issue 15).
NAMES = {
    "1.0.0": {"pay": "pay_exact", "band": "pay_band", "abroad_1y": "ti_leave_korea_1y",
              "abroad_5y": "ti_leave_korea_5y", "budget_cut": "env_budget_cut"},
    "1.1.0": {"pay": "pay_gross", "band": "pay_gross_band", "abroad_1y": "ti_abroad_1y",
              "abroad_5y": "ti_abroad_5y", "budget_cut": "env_budget_cut24"},
}
CHANGELOG = ROOT / "survey" / "stem-careers" / "CHANGELOG.md"
TARGETS = ROOT / "survey" / "targets" / "kr-researchers-2023.yaml"
DRAFT = ROOT / "tests" / "fixtures" / "questionnaires" / "stem-careers-1.1.0.yaml"

HANGUL = re.compile(r"[\uac00-\ud7a3]")
#: Formal polite (합니다체) sentence endings: declarative -니다, interrogative -니까, imperative -십시오.
FORMAL_END = re.compile(r"(니다|니까|십시오)[.?]?$")
NAME = re.compile(r"^[a-z][a-z0-9_]*$")
MISSING = {-6, -7, -8, -9}
#: Choice lists of attitude ratings: never offer "don't know" on these.
ATTITUDE_LISTS = {"agree5", "agree6", "sat5", "imp5", "likely5", "freq5", "help5", "access5"}

#: INSTRUMENT.md's table: scale -> (variable prefix, fewest items, most items, points of its rating scale).
CONSTRUCTS = {
    "fear_failure": ("fof_", 5, 10, 5),
    "fail_stigma": ("stig_", 4, 6, 5),
    "psych_safety": ("psafe_", 5, 7, 5),
    "learn_failure": ("lff_", 4, 4, 5),
    "pay_fair_dist": ("paydj_", 4, 4, 5),
    "pay_fair_proc": ("paypj_", 3, 3, 5),
    "rel_deprivation": ("rd_", 3, 3, 6),
    "turnover": ("ti_", 4, 6, 5),
    "autonomy": ("auto_", 5, 6, 5),
    "env_problems": ("env_", 8, 14, 5),  # the construct counts its numeric env_* items too
    "recognition": ("rec_", 3, 5, 5),
}

#: Analysis variables other parts rely on: name -> (type, choice list or None).
KEY_VARIABLES = {
    "lang": ("single", "lang"),
    "role": ("single", "role"),
    "field": ("single", "field"),
    "sector": ("single", "sector"),
    "degree": ("single", "degree"),
    "med_considered": ("single", "med_considered"),
    "abroad_1y": ("rating", "likely5"),
    "abroad_5y": ("rating", "likely5"),
    "ti_leave_science": ("rating", "likely5"),
    "pay": ("integer", None),
    "band": ("single", "pay_band"),
    "pay_system": ("single", "pay_system"),
    "contract": ("single", "contract"),
    "sex": ("single", "sex"),
    "age_band": ("single", "age_band"),
    "region": ("single", "region"),
}


# ---------------------------------------------------------------- helpers over the raw YAML

def _load(path: Path) -> dict[str, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module", params=sorted(RELEASES))
def raw(request) -> dict[str, Any]:
    return _load(RELEASES[request.param])


@pytest.fixture(scope="module")
def v100() -> dict[str, Any]:
    return _load(INSTRUMENT)


@pytest.fixture(scope="module")
def v110() -> dict[str, Any]:
    return _load(RELEASES["1.1.0"])


def named(doc: dict[str, Any], what: str) -> str:
    """The variable that holds ``what`` (a key of NAMES) in this version."""
    return NAMES[str(doc["version"])].get(what, what)


@pytest.fixture(scope="module")
def draft() -> dict[str, Any]:
    return _load(DRAFT)


def elements(doc: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(module id, element) for every item, grid and note in order."""
    for m in doc["modules"]:
        for e in m["items"]:
            yield m["id"], e


def variables(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """Every variable in order, grid rows expanded and carrying their grid's choices and relevance."""
    out = []
    for module, e in elements(doc):
        if e["type"] == "note":
            continue
        if e["type"] == "grid":
            for row in e["rows"]:
                out.append({"type": "rating", "choices": e["choices"], "relevance": e.get("relevance"),
                            "module": module, "grid": e["name"], **row})
        else:
            out.append({"module": module, **e})
    return out


def by_name(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {v["name"]: v for v in variables(doc)}


def texts(doc: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, str]]]:
    """(where, kind, {lang: text}) for every bilingual text in the file."""
    yield "title", "title", doc["title"]
    if "description" in doc:
        yield "description", "sentence", doc["description"]
    for code, t in doc["missing_codes"].items():
        yield f"missing code {code}", "choice", t
    for g in doc["glossary"]:
        yield f"glossary {g['term']}", "sentence", {"ko": g["ko"], "en": g["en"]}
    for name, choices in doc["choice_lists"].items():
        for c in choices:
            yield f"choice list {name} code {c['code']}", "choice", {"ko": c["ko"], "en": c["en"]}
    for m in doc["modules"]:
        yield f"module {m['id']} title", "title", m["title"]
        if "intro" in m:
            yield f"module {m['id']} intro", "sentence", m["intro"]
    for module, e in elements(doc):
        yield f"{e['name']} label", "label", e["label"]
        for key in ("hint", "constraint_message"):
            if key in e:
                yield f"{e['name']} {key}", "sentence", e[key]
        if "unit" in e:
            yield f"{e['name']} unit", "title", e["unit"]
        for row in e.get("rows", []):
            yield f"{row['name']} label", "label", row["label"]
    for name, s in doc["scales"].items():
        yield f"scale {name}", "title", s["label"]


def sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.?])\s+", text.strip()) if s]


# ---------------------------------------------------------------- metadata, modules, names

def test_metadata(raw):
    assert raw["id"] == "stem-careers"
    assert RELEASES[raw["version"]].stem == raw["version"]
    assert raw["status"] == "released"
    assert raw["languages"] == ["ko", "en"]
    assert set(raw["missing_codes"]) == MISSING


def test_modules_0_to_10_in_order(raw):
    numbers = [int(re.fullmatch(r"m(\d+)_[a-z_]+", m["id"]).group(1)) for m in raw["modules"]]
    assert numbers == list(range(11))


def test_variable_names_are_ascii_unique_and_in_range(raw):
    names = [v["name"] for v in variables(raw)]
    assert len(names) == len(set(names)), "duplicate variable names"
    assert 100 <= len(names) <= 160, f"{len(names)} variables; INSTRUMENT.md expects about 100-160"
    element_names = [e["name"] for _, e in elements(raw)]
    assert len(element_names) == len(set(element_names))
    for name in names + element_names:
        assert NAME.match(name) and len(name) <= 32, name
    for v in variables(raw):
        if v["type"] == "multiple":
            for c in raw["choice_lists"][v["choices"]]:
                assert len(f"{v['name']}_{c['code']}") <= 32


def test_every_reference_resolves_and_types_are_known(raw):
    lists = raw["choice_lists"]
    for v in variables(raw):
        assert v["type"] in {"single", "multiple", "integer", "decimal", "text", "date", "rating"}, v["name"]
        if v["type"] in {"single", "multiple", "rating"}:
            assert v["choices"] in lists, f"{v['name']}: unknown choice list {v['choices']!r}"
        else:
            assert "choices" not in v, v["name"]
        for code in v.get("missing", []):
            assert code in (-7, -8), f"{v['name']}: missing code {code} may not be listed"
        if v.get("scale"):
            assert v["scale"] in raw["scales"], v["name"]


def test_choice_codes_are_unique_integers_outside_the_missing_codes(raw):
    for name, choices in raw["choice_lists"].items():
        codes = [c["code"] for c in choices]
        assert all(isinstance(c, int) and not isinstance(c, bool) for c in codes), name
        assert len(codes) == len(set(codes)), name
        assert not MISSING & set(codes), name
    country = {c["code"]: c for c in raw["choice_lists"]["country"]}
    for c in raw["choice_lists"]["destination"]:  # destination = country without Korea, same codes
        assert country[c["code"]] == c
    assert 1 not in {c["code"] for c in raw["choice_lists"]["destination"]}


# ---------------------------------------------------------------- language

def test_every_text_is_bilingual_and_korean_is_hangul(raw):
    glossary_terms = sorted((g["term"] for g in raw["glossary"]), key=len, reverse=True)
    count = 0
    for where, _, text in texts(raw):
        assert set(text) == {"ko", "en"}, f"{where}: languages {sorted(text)}"
        ko, en = text["ko"], text["en"]
        assert isinstance(ko, str) and ko.strip(), f"{where}: empty Korean"
        assert isinstance(en, str) and en.strip(), f"{where}: empty English"
        assert HANGUL.search(ko), f"{where}: Korean text without Hangul: {ko!r}"
        rest = en
        for term in glossary_terms:  # English may cite a glossary term in Korean, nothing else
            rest = rest.replace(term, "")
        assert not HANGUL.search(rest), f"{where}: Hangul in the English text: {en!r}"
        count += 1
    assert count > 400


def test_korean_sentences_are_formal_hamnida_style(raw):
    for where, kind, text in texts(raw):
        ko, en = text["ko"].strip(), text["en"].strip()
        if kind in ("sentence", "label") and ko.endswith((".", "?")):
            for s in sentences(ko):
                assert FORMAL_END.search(s), f"{where}: not 합니다체: {s!r}"
        if kind == "choice" and ko.endswith("다") and " " in ko:  # a sentence, not a noun like 캐나다
            assert ko.endswith("니다"), f"{where}: not 합니다체: {ko!r}"
        if kind == "label":  # a question stays a question, a statement a statement
            assert ko.endswith("?") == en.endswith("?"), where
            assert (ko.endswith(".") or ko.endswith("다")) == en.endswith("."), where
    informal = re.compile(r"(해요|어요|아요|이다|한다|된다|있다|없다)[.?]?$")
    for where, _, text in texts(raw):
        for s in sentences(text["ko"]):
            assert not informal.search(s), f"{where}: informal ending: {s!r}"


def test_glossary_has_the_required_terms_and_each_is_used(raw):
    terms = {g["term"] for g in raw["glossary"]}
    assert {"출연연", "PBS", "호봉제", "성실실패", "N수", "정규직"} <= terms
    all_text = " ".join(t["ko"] + " " + t["en"] for w, _, t in texts(raw) if not w.startswith("glossary"))
    for term in terms:
        assert term in all_text, f"glossary term {term!r} is used nowhere"


# ---------------------------------------------------------------- rating scales and missing codes

def test_rating_lists_fully_labelled_with_midpoint(raw):
    used = {v["choices"] for v in variables(raw) if v["type"] == "rating"}
    assert used <= set(raw["choice_lists"])
    for name in used:
        codes = [c["code"] for c in raw["choice_lists"][name]]
        assert codes == list(range(1, len(codes) + 1)), f"{name}: codes {codes} are not 1..k in order"
        if len(codes) % 2 == 0:
            assert name == "agree6", f"{name}: no midpoint (only the 6-point PRDS anchor may lack one)"
        else:
            assert len(codes) == 5, name


def test_no_dont_know_on_attitudes_but_on_facts(raw):
    items = by_name(raw)
    attitudes = [v for v in items.values() if v.get("choices") in ATTITUDE_LISTS]
    assert len(attitudes) > 80
    for v in attitudes:
        assert -8 not in v.get("missing", []), f"{v['name']}: 'don't know' on an attitude item"
    for fact in ("pay", "band", "pay_system", "pbs_share", "hours_week", "env_admin_pct",
                 "env_funding_months", "budget_cut"):
        assert -8 in items[named(raw, fact)].get("missing", []), fact


def test_pay_is_exact_in_manwon_with_bands_fallback_and_sensitive(raw):
    items = by_name(raw)
    exact, band = items[named(raw, "pay")], items[named(raw, "band")]
    assert exact["type"] == "integer" and exact["unit"]["ko"] == "만원"
    assert exact["range"] == {"min": 0 if raw["version"] == "1.0.0" else 1, "max": 300000}
    assert exact["sensitive"] and band["sensitive"]
    assert set(exact["missing"]) == set(band["missing"]) == {-7, -8}
    bands = raw["choice_lists"]["pay_band"]
    assert [c["code"] for c in bands] == list(range(1, 9))
    assert bands[0]["en"] == "Under KRW 30 million" and bands[-1]["en"] == "KRW 600 million or more"
    modules = [m["id"] for m in raw["modules"]]
    assert modules.index(exact["module"]) >= 7  # sensitive items come late


# ---------------------------------------------------------------- constructs and scales

@pytest.mark.parametrize("scale", sorted(CONSTRUCTS))
def test_construct_present_with_table_item_counts(raw, scale):
    prefix, low, high, points = CONSTRUCTS[scale]
    s = raw["scales"][scale]
    items = by_name(raw)
    with_prefix = [n for n in items if n.startswith(prefix)]
    if raw["version"] == "1.0.0":  # 1.1.0 asks some facets as separate, routed items (issue 15, 5, 7 and 9)
        assert low <= len(with_prefix) <= high, f"{scale}: {len(with_prefix)} {prefix}* variables"
    assert all(i.startswith(prefix) for i in s["items"])
    assert low <= len(s["items"]) <= high, f"{scale}: {len(s['items'])} items in the scale"
    for i in s["items"]:
        assert items[i]["type"] == "rating", i
        assert len(raw["choice_lists"][items[i]["choices"]]) == points, i
    assert s.get("construct") and s.get("anchor")


def test_scales_declare_reverse_items_consistently(raw):
    items = by_name(raw)
    for name, s in raw["scales"].items():
        assert len(s["items"]) == len(set(s["items"])), name
        assert s["reverse"], f"{name}: no reverse-keyed item"
        assert set(s["reverse"]) < set(s["items"]), f"{name}: reverse items must be some of its items"
        scoring = s["scoring"]
        assert scoring["method"] == "mean"
        assert math.ceil(len(s["items"]) / 2) <= scoring["min_answered"] <= len(s["items"]), name
        for i in s["items"]:
            assert items[i].get("scale") == name, f"{i}: says scale {items[i].get('scale')!r}, not {name!r}"
            assert bool(items[i].get("reverse", False)) == (i in s["reverse"]), i
    in_scales = {i for s in raw["scales"].values() for i in s["items"]}
    flagged = {n for n, v in items.items() if v.get("scale") or v.get("reverse")}
    assert flagged == in_scales


def test_job_satisfaction_facets_with_importance(raw):
    items = by_name(raw)
    facets = ["salary", "benefits", "security", "location", "advance", "challenge", "resp", "indep", "society"]
    for f in facets:
        assert items[f"js_{f}"]["choices"] == "sat5"
        assert items[f"jsi_{f}"]["choices"] == "imp5"
        assert items[f"js_{f}"]["label"] == items[f"jsi_{f}"]["label"]


def test_key_analysis_variables(raw):
    items = by_name(raw)
    for name, (type_, choices) in KEY_VARIABLES.items():
        assert items[named(raw, name)]["type"] == type_, name
        assert items[named(raw, name)].get("choices") == choices, name
    codes = {n: [c["code"] for c in raw["choice_lists"][n]] for n in raw["choice_lists"]}
    assert codes["role"] == list(range(1, 8))
    assert codes["sector"] == list(range(1, 9))
    assert codes["degree"] == list(range(1, 6))
    assert codes["sex"] == [1, 2]
    assert codes["age_band"] == list(range(1, 9))
    assert codes["region"] == list(range(1, 19))
    assert {c // 100 for c in codes["field"]} == {1, 2, 3, 4, 5, 6}  # OECD major fields
    assert items["ai_kind"]["type"] == "multiple"


# ---------------------------------------------------------------- routing

def test_relevance_parses_and_refers_only_to_earlier_items(raw):
    seen: set[str] = set()
    multiple = {v["name"] for v in variables(raw) if v["type"] == "multiple"}
    for _, e in elements(raw):
        if e.get("relevance"):
            names = parse(e["relevance"]).names()
            assert names <= seen, f"{e['name']}: relevance uses {sorted(names - seen)}, not asked before"
            assert not names & multiple or "selected(" in e["relevance"], e["name"]
        seen.add(e["name"])
        seen.update(r["name"] for r in e.get("rows", []))
    everything_after_screen = [e for m, e in elements(raw) if m != "m0_consent"]
    assert all(e.get("relevance") for e in everything_after_screen), "every later element needs routing"


def test_routing_renders_for_forms_and_paper(raw):
    multiple = {v["name"] for v in variables(raw) if v["type"] == "multiple"}
    for _, e in elements(raw):
        if e.get("relevance"):
            tree = parse(e["relevance"])
            xpath = to_xpath(tree, multiple=multiple, missing_codes=MISSING_CODES)
            assert all("${" + n + "}" in xpath for n in tree.names()), e["name"]
            assert to_words(tree, "ko").endswith("경우") and to_words(tree, "en").startswith("if "), e["name"]


def _respondents() -> pd.DataFrame:
    """One eligible respondent per role (and role 7 working or not), one abroad, and three screened out."""
    rows = []
    for role in range(1, 8):
        for work in ((1, 0) if role == 7 else (np.nan,)):
            rows.append({"consent": 1, "elig_stem": 1, "elig_korea": 1, "role": role, "work_now": work,
                         "sector": 1 if role <= 3 else 2, "degree": 2 if role <= 2 else 4})
    rows.append({"consent": 1, "elig_stem": 1, "elig_korea": 1, "role": 5, "work_now": np.nan, "sector": 7,
                 "degree": 4})
    rows.append({"consent": 0, "elig_stem": -9, "elig_korea": -9, "role": -9, "work_now": -9, "sector": -9,
                 "degree": -9})
    rows.append({"consent": 1, "elig_stem": 3, "elig_korea": -9, "role": -9, "work_now": -9, "sector": -9,
                 "degree": -9})
    rows.append({"consent": 1, "elig_stem": 1, "elig_korea": 0, "role": -9, "work_now": -9, "sector": -9,
                 "degree": -9})
    df = pd.DataFrame(rows)
    eligible = df["role"] > 0
    for col, value in {"ai_work": 2, "nsu": 2, "pay_exact": -7, "pay_gross": -7, "abroad_hist": 2,
                       "ti_leave_korea_5y": 4, "ti_abroad_5y": 4, "offer_abroad": 2, "offer_domestic": 2,
                       "data_need": 3}.items():
        df[col] = np.where(eligible, value, -9)  # routed items of screened-out people hold -9
    return df


def _relevance_table(doc: dict[str, Any], df: pd.DataFrame) -> pd.DataFrame:
    out = {}
    for _, e in elements(doc):
        if e.get("relevance"):
            out[e["name"]] = evaluate(parse(e["relevance"]), df, missing_codes=MISSING_CODES)
        else:
            out[e["name"]] = np.ones(len(df), bool)
    return pd.DataFrame(out, index=df.index)


def test_students_skip_job_modules_and_workers_get_them(raw):
    df = _respondents()
    rel = _relevance_table(raw, df)
    job = [e["name"] for m, e in elements(raw) if m in ("m3_job", "m7_pay")] + ["js", "js_overall"]
    student = df["role"].isin([1, 2, 3]).to_numpy()
    employed = (df["role"].isin([4, 5, 6]) | (df["work_now"] == 1)).to_numpy()
    for name in job:
        assert not rel.loc[student, name].any(), f"{name} is asked of students"
    for name in ("contract", "hours_week", "js", "js_overall", named(raw, "pay"), "pay_system", "paydj", "rd"):
        assert rel.loc[employed, name].all(), f"{name} is not asked of every employed respondent"
        assert not rel.loc[~employed, name].any(), f"{name} is asked of someone not in paid work"
    assert rel.loc[student, "jsi"].all()  # job values are asked of everyone eligible


def test_screened_out_respondents_answer_nothing_after_the_screen(raw):
    df = _respondents()
    rel = _relevance_table(raw, df)
    eligible = ((df["elig_stem"].isin([1, 2])) & (df["elig_korea"] == 1)).to_numpy()
    later = [e["name"] for m, e in elements(raw) if m != "m0_consent"]
    assert not rel.loc[~eligible, later].to_numpy().any()
    assert rel.loc[~eligible, "screen_out"].all() and not rel.loc[eligible, "screen_out"].any()
    for name in ("role", "field", "degree", "sector", "fof", "ref", "rec", "sex", "age_band", "region"):
        assert rel.loc[eligible, name].all(), name


def test_pay_band_only_when_no_exact_pay_and_abroad_routing(raw):
    items = by_name(raw)
    pay, five = named(raw, "pay"), named(raw, "abroad_5y")
    df = pd.DataFrame({"role": [5, 5, 5, 5, 2], "work_now": [np.nan] * 5,
                       pay: [8500, -7, -8, np.nan, np.nan]})
    mask = evaluate(parse(items[named(raw, "band")]["relevance"]), df, missing_codes=MISSING_CODES)
    assert mask.tolist() == [False, True, True, True, False]
    df = pd.DataFrame({"sector": [1, 7, 3], five: [4, np.nan, 2]})
    assert evaluate(parse(items[five]["relevance"]), df, missing_codes=MISSING_CODES).tolist() == [True, False, True]
    assert evaluate(parse(items["back_intent"]["relevance"]), df, missing_codes=MISSING_CODES).tolist() == [False, True, False]
    assert evaluate(parse(items["dest_country"]["relevance"]), df, missing_codes=MISSING_CODES).tolist() == [True, False, False]
    # leaving a job or programme is asked of people who have one; searching of everyone eligible
    df = pd.DataFrame({"elig_stem": [1, 2, 2, 1], "elig_korea": [1, 1, 1, 1], "role": [2, 7, 7, 5],
                       "work_now": [np.nan, 1, 0, np.nan]})
    assert evaluate(parse(items["ti_think"]["relevance"]), df, missing_codes=MISSING_CODES).tolist() == [True, True, False, True]
    assert evaluate(parse(items["ti_stay"]["relevance"]), df, missing_codes=MISSING_CODES).tolist() == [True, True, False, True]
    searching = [True, True, True, True] if raw["version"] == "1.0.0" else [True, True, False, True]
    assert evaluate(parse(items["ti_search"]["relevance"]), df, missing_codes=MISSING_CODES).tolist() == searching


# ---------------------------------------------------------------- changelog and the draft version

def test_changelog_records_the_release(raw):
    text = CHANGELOG.read_text(encoding="utf-8")
    assert re.search(r"^## \[" + re.escape(str(raw["version"])) + r"\] - " + re.escape(str(raw["date"])) + r"$",
                     text, re.M)
    assert "### Added" in text


def test_draft_differs_from_release_exactly_as_documented(v100, draft):
    raw = v100
    old, new = by_name(raw), by_name(draft)
    assert draft["version"] == "1.1.0" and draft["status"] == "draft"
    assert set(new) - set(old) == {"offer_abroad_pay"}
    assert set(old) - set(new) == {"tenure_years"}
    reworded = {n for n in set(old) & set(new) if old[n]["label"] != new[n]["label"]}
    assert reworded == {"ti_think"}
    assert all(old[n]["label"][lang] != new["ti_think"]["label"][lang] for n in ["ti_think"] for lang in ("ko", "en"))
    changed_lists = {n for n in raw["choice_lists"] if raw["choice_lists"][n] != draft["choice_lists"].get(n)}
    assert changed_lists == {"ai_kind"}
    old_codes = {c["code"]: c for c in raw["choice_lists"]["ai_kind"]}
    new_codes = {c["code"]: c for c in draft["choice_lists"]["ai_kind"]}
    assert set(new_codes) - set(old_codes) == {6} and set(old_codes) <= set(new_codes)
    assert all(new_codes[c] == old_codes[c] for c in old_codes)  # no code reused with a new meaning
    assert raw["scales"] == draft["scales"]
    assert parse(new["offer_abroad_pay"]["relevance"]).names() == {"offer_abroad"}


# ---------------------------------------------------------------- weighting targets

@pytest.fixture(scope="module")
def targets() -> dict[str, Any]:
    return _load(TARGETS)


def test_targets_figures_and_provenance(targets):
    assert targets["id"] == TARGETS.stem
    assert targets["population_total"] == 603566
    assert targets["year"] == 2023 and "KISTEP" in targets["source"]
    assert "verify" in targets["note"].lower()
    shares = {m: {k: lv["share"] for k, lv in spec["levels"].items()} for m, spec in targets["margins"].items()}
    assert shares["sector"] == {"business": 0.727, "university": 0.198, "public_institute": 0.075}
    assert shares["sex"]["female"] == 0.237
    assert shares["region"]["capital_area"] == 0.670 and shares["region"]["daejeon"] == 0.066
    published = {"phd": 0.207, "master": 0.272, "bachelor": 0.470, "other": 0.052}
    for level, share in published.items():  # rescaled from the published, rounded shares
        assert shares["degree"][level] == pytest.approx(share / sum(published.values()), abs=1e-5)
    assert targets["margins"]["degree"]["year"] == 2022
    for name, spec in targets["margins"].items():
        assert spec["source"] and spec["year"] in (2022, 2023), name
        assert "verify" in spec["note"].lower(), name


def test_targets_shares_sum_to_one_and_codes_exist_in_the_instrument(targets, raw):  # every version
    items = by_name(raw)
    for name, spec in targets["margins"].items():
        total = sum(lv["share"] for lv in spec["levels"].values())
        assert abs(total - 1) <= 0.001, f"margin {name}: shares sum to {total}"
        item = items[spec["variable"]]
        valid = {c["code"] for c in raw["choice_lists"][item["choices"]]}
        codes = [c for lv in spec["levels"].values() for c in lv["codes"]]
        assert len(codes) == len(set(codes)), f"margin {name}: a code is in two levels"
        assert set(codes) <= valid, f"margin {name}: codes {sorted(set(codes) - valid)} not in {item['name']}"
    assert {c["code"] for c in raw["choice_lists"]["region"]} - {
        c for lv in targets["margins"]["region"]["levels"].values() for c in lv["codes"]} == {18}


def test_targets_load_and_collapse_codes():
    from careersurvey.targets import load_targets

    t = load_targets(TARGETS)
    df = pd.DataFrame({"sector": [1, 2, 3, 6], "sex": [1, 2, -7, 2], "degree": [4, 3, 2, 5],
                       "region": [9, 6, 12, 1]})
    out = t.add_margin_columns(df)
    assert out["sector_margin"].tolist() == ["university", "public_institute", "business", "business"]
    assert out["degree_margin"].tolist() == ["phd", "master", "bachelor", "other"]
    assert out["region_margin"].tolist() == ["capital_area", "daejeon", "rest", "capital_area"]
    assert pd.isna(out["sex_margin"][2])
    totals = t.margins()
    for column, levels in totals.items():
        assert sum(levels.values()) == pytest.approx(603566)
    assert totals["sex_margin"]["female"] == pytest.approx(0.237 * 603566)


# ---------------------------------------------------------------- the questionnaire loader and diff

@pytest.fixture(scope="module")
def loaded():
    return cs.load_questionnaire("stem-careers", version="1.0.0")


@pytest.mark.parametrize("path", [*RELEASES.values(), DRAFT], ids=[*RELEASES, "1.1.0-draft"])
def test_loader_accepts_the_files_and_agrees_with_the_yaml(path):
    doc = _load(path)
    q = cs.load_questionnaire(path)
    assert q.id == doc["id"] and q.version == str(doc["version"]) and q.status == doc["status"]
    assert [m.id for m in q.modules] == [m["id"] for m in doc["modules"]]
    assert [i.name for i in q.items] == [v["name"] for v in variables(doc)]
    for v in variables(doc):
        item = q.item(v["name"])
        assert dict(item.label) == v["label"]
        assert item.reverse == bool(v.get("reverse", False))
        assert item.sensitive == bool(v.get("sensitive", False))
        assert item.relevance_text == v.get("relevance")
    for name, s in doc["scales"].items():
        assert tuple(q.scales[name].items) == tuple(s["items"])
        assert set(q.scales[name].reverse) == set(s["reverse"])
        assert q.scales[name].min_answered == s["scoring"]["min_answered"]


def test_loaded_by_id_and_version(loaded):
    assert loaded.key == "stem-careers@1.0.0"
    assert loaded.scales["rel_deprivation"].points == (1, 6)
    assert loaded.scales["fear_failure"].points == (1, 5)
    assert "ai_kind_6" not in loaded.columns() and "ai_kind_5" in loaded.columns()


def test_loaded_routing_sends_students_past_job_items(loaded):
    df = _respondents()
    student = df["role"].isin([1, 2, 3]).to_numpy()
    employed = (df["role"].isin([4, 5, 6]) | (df["work_now"] == 1)).to_numpy()
    job = [i for i in loaded.items if i.module in ("m3_job", "m7_pay") or i.grid == "js" or i.name == "js_overall"]
    assert len(job) == 4 + 13 + 10  # module 3, module 7, satisfaction grid and overall
    for item in job:
        mask = evaluate(item.relevance, df, missing_codes=MISSING_CODES)
        assert not mask[student].any(), item.name
        if item.name not in ("pbs_share", "pay_band"):  # these two are routed further
            assert mask[employed].all(), item.name


def test_diff_of_the_draft_lists_exactly_its_changes(loaded):
    d = cs.diff(loaded, cs.load_questionnaire(DRAFT))
    assert [c.name for c in d.added] == ["offer_abroad_pay"]
    assert [c.name for c in d.removed] == ["tenure_years"]
    assert [c.name for c in d.reworded] == ["ti_think"]
    assert [c.name for c in d.recoded] == ["ai_kind"]
    assert not d.rerouted


# ---------------------------------------------------------------- 1.1.0: the changes of issue 15, one test each

def _mask(doc: dict[str, Any], name: str, df: pd.DataFrame) -> list[bool]:
    return evaluate(parse(by_name(doc)[name]["relevance"]), df, missing_codes=MISSING_CODES).tolist()


def _asked(doc: dict[str, Any], name: str, df: pd.DataFrame) -> list[bool]:
    """Whether element ``name`` (an item, grid or note) is asked of each row of ``df``."""
    element = next(e for _, e in elements(doc) if e["name"] == name)
    return evaluate(parse(element["relevance"]), df, missing_codes=MISSING_CODES).tolist()


def test_110_1_own_offers_and_expectations_in_manwon(v110):
    items = by_name(v110)
    for name in ("offer_abroad_pay", "offer_domestic_pay", "expect_abroad_pay"):
        v = items[name]
        assert v["type"] == "integer" and v["unit"]["ko"] == "만원" and v["sensitive"], name
        assert v["range"] == {"min": 1, "max": 300000} and set(v["missing"]) == {-7, -8}, name
    assert "주식보상" in items["offer_abroad_pay"]["label"]["ko"] and "stock" in items["offer_abroad_pay"]["label"]["en"]
    df = pd.DataFrame({"offer_abroad": [1, 2, 3, -7, np.nan], "offer_domestic": [2, 1, 3, np.nan, -7]})
    assert _mask(v110, "offer_abroad_pay", df) == [False, True, True, False, False]
    assert _mask(v110, "offer_domestic_pay", df) == [True, False, True, False, False]
    df = pd.DataFrame({"ti_abroad_5y": [3, 5, 2, 4, np.nan], "role": [2, 1, 5, 7, 5]})
    assert _mask(v110, "expect_abroad_pay", df) == [True, False, False, True, False]


def test_110_2_pay_defined_with_stock_apart_and_a_soft_check(v110):
    items = by_name(v110)
    hint = items["pay_gross"]["hint"]
    for word in ("기본급", "수당", "상여금", "성과급", "퇴직금", "주식보상", "1년", "1달러 1,400원"):
        assert word in hint["ko"], word
    for word in ("base pay", "allowances", "bonuses", "performance pay", "severance", "stock", "full year",
                 "USD 1 = KRW 1,400"):
        assert word in hint["en"], word
    assert "주된 일자리" in items["pay_gross"]["label"]["ko"] and "main job" in items["pay_gross"]["label"]["en"]
    assert items["pay_stock"]["range"]["min"] == 0 and items["pay_stock"]["sensitive"]
    df = pd.DataFrame({"role": [5, 5, 5, 5], "work_now": [np.nan] * 4, "pay_gross": [499, 500, -7, np.nan]})
    assert _asked(v110, "pay_low_check", df) == [True, False, False, False]


def test_110_3_who_is_abroad_and_nationality(v110):
    items = by_name(v110)
    df = pd.DataFrame({"sector": [7, 1, np.nan]})
    for name in ("abroad_country", "abroad_employer"):
        assert _mask(v110, name, df) == [True, False, False], name
    employer = {c["code"]: c["en"] for c in v110["choice_lists"]["abroad_employer"]}
    assert employer[1] == "A global big tech company" and "large company" in employer[2]
    assert items["abroad_country"]["choices"] == "destination"
    assert [c["code"] for c in v110["choice_lists"]["nationality"]] == [1, 2, 3]
    assert items["nationality"]["module"] == "m1_status"


def test_110_4_items_near_published_scales_are_replaced_in_our_words(v100, v110):
    old, new = by_name(v100), by_name(v110)
    gone = {"psafe_mistake", "psafe_raise", "psafe_risk", "psafe_help", "psafe_valued", "psafe_differ",
            "fof_judged", "paydj_effort", "paydj_contrib"}
    assert not gone & set(new)
    assert v110["scales"]["psych_safety"]["items"] == ["psafe_blame", "psafe_speakup", "psafe_quiet", "psafe_tryout",
                                                       "psafe_askhelp", "psafe_admit"]
    assert "fof_reputation" in v110["scales"]["fear_failure"]["items"]
    assert v110["scales"]["pay_fair_dist"]["items"][:2] == ["paydj_workload", "paydj_peers"]
    old_texts = {t for n in gone for t in old[n]["label"].values()}
    for scale in ("psych_safety", "fear_failure", "pay_fair_dist"):
        for name in v110["scales"][scale]["items"]:
            assert not set(new[name]["label"].values()) & old_texts, name
    assert not any("따돌림" in new[n]["label"]["ko"] for n in new)


def test_110_5_turnover_scale_on_one_path_and_leaving_as_separate_outcomes(v110):
    items = by_name(v110)
    assert v110["scales"]["turnover"]["items"] == ["ti_think", "ti_search", "ti_stay", "ti_plan"]
    assert {items[n]["relevance"] for n in v110["scales"]["turnover"]["items"]} == {
        "role in [1, 2, 3, 4, 5, 6] or work_now == 1"}
    for name in ("ti_abroad_1y", "ti_abroad_5y", "ti_leave_science"):
        assert not items[name].get("scale"), name
    for name in ("ti_abroad_1y", "ti_abroad_5y"):
        assert "1년 이상" in items[name]["label"]["ko"] and "a year or longer" in items[name]["label"]["en"]
    assert _mask(v110, "abroad_stay_kind", pd.DataFrame({"ti_abroad_5y": [2, 3, 5]})) == [False, True, True]
    assert "ti_leave_korea_5y" not in items


def test_110_every_scale_is_asked_on_one_path():
    q = cs.load_questionnaire(RELEASES["1.1.0"])
    for name, scale in q.scales.items():
        rules = {q.item(i).relevance_text for i in scale.items}
        assert len(rules) == 1, f"{name}: items asked under {sorted(map(str, rules))}"


def test_110_6_medicine_in_scope_and_high_school_rank_codes(v110):
    items = by_name(v110)
    med = {c["code"]: c for c in v110["choice_lists"]["med_considered"]}
    assert "의약계열에 진학했습니다" in med[5]["ko"] and "entered a medical programme" in med[5]["en"]
    stem = {c["code"]: c["en"] for c in v110["choice_lists"]["elig_stem"]}
    assert "medical" in stem[1]  # medicine is not screened out (CHANGELOG says why)
    rank = {c["code"]: c["en"] for c in v110["choice_lists"]["hs_rank"]}
    assert rank[6] == "I did not attend a Korean high school"
    assert set(items["hs_rank"]["missing"]) == {-7, -8}


def test_110_7_korea_specific_items_skip_those_abroad_and_offers_skip_undergraduates(v110):
    df = pd.DataFrame({"role": [5, 5, 3, 1], "sector": [1, 7, 1, 1]})
    for name in ("env_budget_cut24", "honest_fail_aware", "stig_honest"):
        assert _asked(v110, name, df) == [True, False, True, False], name
    df = pd.DataFrame({"role": [1, 2, 3, 4, 5, 6, 7]})
    for name in ("offer_abroad", "offer_domestic"):
        assert _mask(v110, name, df) == [False] + [True] * 6, name


def test_110_8_return_reasons_and_hypothetical_wording(v110):
    items = by_name(v110)
    reasons = {c["code"]: c["en"] for c in v110["choice_lists"]["back_reason"]}
    assert reasons[10] == "I do not intend to return"
    assert {11, 12, 13} <= set(reasons) and "team" in reasons[11] and "data" in reasons[12]
    old = {c["code"]: c for c in _load(INSTRUMENT)["choice_lists"]["back_reason"]}
    assert all(c in {x["code"]: x for x in v110["choice_lists"]["back_reason"]} for c in old)
    assert "돌아온다면" in items["back_main"]["label"]["ko"] and items["back_main"]["label"]["en"].startswith("If you")
    df = pd.DataFrame({"abroad_hist": [1, 2, 4, 3], "sector": [1, 1, 2, 7]})
    assert _mask(v110, "returned_reason", df) == [False, True, True, False]


def test_110_9_double_barrelled_items_split(v110):
    items = by_name(v110)
    for old, halves in {"env_seniority": ("env_hire_senior", "env_promo_senior"),
                        "env_bureau": ("env_budget_slow", "env_admin_burden"),
                        "stig_unused": ("stig_unknown", "stig_rarely"),
                        "env_data_access": ("env_data_public", "env_data_health"),
                        "mot_parents": ("mjr_parent_advice", "mjr_parent_push"),
                        "mot_interest": ("mjr_interest", "mjr_aptitude")}.items():
        assert old not in items and all(h in items for h in halves), old
    assert all("연차와 논문·과제 실적" in items[n]["label"]["ko"] for n in ("env_hire_senior", "env_promo_senior"))
    assert "드물게" in items["stig_rarely"]["label"]["ko"]
    df = pd.DataFrame({"data_need": [1, 2, 3, 4]})
    assert _mask(v110, "env_data_public", df) == [True, False, True, False]
    assert _mask(v110, "env_data_health", df) == [False, True, True, False]
    stem = next(e for _, e in elements(v110) if e["name"] == "mjr")["label"]
    assert "진로" not in stem["ko"] and "career" not in stem["en"]


def test_110_10_language_fixes(v110):
    items, lists = by_name(v110), v110["choice_lists"]
    assert lists["imp5"][4]["ko"] == "극히 중요합니다"
    sector = {c["code"]: c for c in lists["sector"]}
    nxt = {c["code"]: c for c in lists["next_sector"]}
    assert nxt[2] == sector[2] and "Graduate school" in nxt[12]["en"]
    assert lists["ai_kind"][0]["en"].startswith("Developing") and lists["ai_kind"][0]["ko"].endswith("개발")
    fof_stem = next(e for _, e in elements(v110) if e["name"] == "fof")["label"]
    assert "학업" in fof_stem["ko"] and "studies" in fof_stem["en"]
    ti_grid = next(e for _, e in elements(v110) if e["name"] == "ti_agree")
    assert ti_grid["label"]["en"].endswith("?") and [r["name"] for r in ti_grid["rows"]] == ["ti_stay", "ti_plan"]
    assert "2024" in items["env_budget_cut24"]["label"]["ko"] and "2024" in items["env_budget_cut24"]["label"]["en"]
    assert "medwhy_sci_equal" in items  # an explanation pointing the other way
    worth = items["fof_worth"]["label"]
    assert "않" not in worth["ko"] and " not " not in worth["en"]


def test_110_11_burden_stated_and_a_differently_keyed_block(v110):
    intro = next(e for _, e in elements(v110) if e["name"] == "intro_note")["label"]
    assert "10~15분" in intro["ko"] and "7분" in intro["ko"] and "12분" in intro["ko"]
    assert "10 to 15 minutes" in intro["en"] and "7 minutes" in intro["en"]
    rav = next(e for _, e in elements(v110) if e["name"] == "rav")
    assert rav["choices"] == "freq5"  # between the agree grids of stigma and the team
    order = [e["name"] for _, e in elements(v110)]
    assert order.index("stig") < order.index("rav") < order.index("psafe")


def test_110_changelog_has_an_entry_for_each_change():
    text = CHANGELOG.read_text(encoding="utf-8")
    entry = text.split("## [1.1.0]")[1].split("## [1.0.0]")[0]
    for k in range(1, 12):
        assert f"({k})" in entry, f"change {k} has no CHANGELOG entry"
    assert "Medicine in scope, decided" in entry and "Why:" in entry


def test_110_diff_shows_each_change():
    d = cs.diff(cs.load_questionnaire(INSTRUMENT), cs.load_questionnaire(RELEASES["1.1.0"]))
    added, removed = {c.name for c in d.added}, {c.name for c in d.removed}
    assert {"offer_abroad_pay", "offer_domestic_pay", "expect_abroad_pay", "pay_stock", "nationality",
            "abroad_country", "abroad_employer", "ti_plan", "returned_reason"} <= added
    assert {"pay_exact", "psafe_differ", "env_seniority", "ti_leave_korea_5y"} <= removed
    reworded = {c.name: c.details for c in d.reworded}
    assert any(x.startswith("stem (ko)") for x in reworded["fof_shame"])  # the grid's stem changed
    assert {"fof_worth", "back_main", "ti_stay"} <= set(reworded)
    recoded = {c.name for c in d.recoded}
    assert {"hs_rank", "med_considered", "next_sector", "ai_kind", "back_main", "jsi_salary"} <= recoded
    rerouted = {c.name for c in d.rerouted}
    assert {"honest_fail_aware", "offer_abroad", "offer_domestic", "ti_search"} <= rerouted
    assert [(n.name, n.kind) for n in d.notes] == [("pay_low_check", "added"), ("intro_note", "reworded")]
    assert "notes (2):" in d.as_text() and "intro_note reworded [m0_consent]" in d.as_text()


def _longest_agree_run(doc: dict[str, Any], respondent: dict[str, float]) -> int:
    """The longest run of agree-scale rows asked one after another of ``respondent``."""
    df = pd.DataFrame([respondent])
    run = longest = 0
    for v in variables(doc):
        if v.get("relevance") and not evaluate(parse(v["relevance"]), df, missing_codes=MISSING_CODES)[0]:
            continue
        run = run + 1 if v.get("choices") in ("agree5", "agree6") else 0
        longest = max(longest, run)
    return longest


def test_110_11_employed_researchers_meet_shorter_runs_of_agree_rows(v100, v110):
    researcher = {"consent": 1, "elig_stem": 1, "elig_korea": 1, "role": 5, "sector": 2, "work_now": np.nan,
                  "degree": 4, "ai_work": 1, "nsu": 1, "pay_exact": 8000, "pay_gross": 8000, "abroad_hist": 1,
                  "ti_leave_korea_5y": 2, "ti_abroad_5y": 2, "offer_abroad": 1, "offer_domestic": 1, "data_need": 4}
    before, after = _longest_agree_run(v100, researcher), _longest_agree_run(v110, researcher)
    assert before == 18 and after == 16, (before, after)  # 1.1.0: auto + env (6 + 10) is now the longest run
