"""Exclusive choices ("none of these") and module rules on every form.

The questionnaire is tests/forms/data/exclusive.yaml, read by the real loader (which folds the module rule
into each element's rule). The XLSForm is converted by pyxform with ODK Validate, and then filled in by
JavaRosa, the form engine of ODK Collect (tests/forms/data/AnswerCheck.java, compiled against the
ODK_Validate.jar that pyxform ships), so the constraint and the routing are checked in the real engine.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import itertools
import shutil
import subprocess
from pathlib import Path

import lxml.html
import openpyxl
import pytest
from lxml import etree
from pyxform.xls2xform import convert

from careersurvey.expr import parse, to_xpath
from careersurvey.questionnaire.model import MISSING_CODES
from careersurvey.forms import common
from careersurvey.forms.codebook import build_codebook, export_codebook, render_codebook_html
from careersurvey.forms.ddi import DDI_NS, VAR_CHILD_ORDER, XML_LANG, build_ddi, ddi_bytes
from careersurvey.forms.paper import build_paper, render_paper_html
from careersurvey.forms.template import build_template, export_template
from careersurvey.forms.xlsform import build_xlsform, export_xlsform, split_module_rule
from careersurvey.questionnaire import load_questionnaire

from .conftest import NEEDS_JAVA

DATA = Path(__file__).parent / "data"
CONSTRAINT = ("not(selected(., '9') and count-selected(.) > 1) and "
              "not(selected(., '-7') and count-selected(.) > 1)")


def _oracle():
    """tests/expr/xpath_oracle.py, an XPath 1.0 evaluator that shares no code with careersurvey."""
    spec = importlib.util.spec_from_file_location("xpath_oracle", Path(__file__).parents[1] / "expr" / "xpath_oracle.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.xpath_eval


@pytest.fixture(scope="module")
def q():
    return load_questionnaire(DATA / "exclusive.yaml")


@pytest.fixture(scope="module")
def rows(q):
    return {r["name"]: r for r in build_xlsform(q, "both").survey if r["type"] != "end_group"}


# ------------------------------------------------------------------ XLSForm


def test_constraint_and_messages(rows):
    tool = rows["ai_tool"]
    assert tool["type"] == "select_multiple ai_tool__m7"
    assert tool["constraint"] == CONSTRAINT
    assert tool["constraint_message::Korean (ko)"] == (
        "'사용하는 도구가 없음' 보기는 다른 보기와 함께 선택할 수 없습니다. "
        "'응답하고 싶지 않음' 보기는 다른 보기와 함께 선택할 수 없습니다.")
    assert tool["constraint_message::English (en)"] == (
        "'None of these' cannot be combined with other answers. "
        "'Prefer not to answer' cannot be combined with other answers.")


def test_constraint_without_missing_codes_and_in_one_language(q):
    tool = dataclasses.replace(q.item("ai_tool"), missing=())
    modules = tuple(dataclasses.replace(m, elements=tuple(tool if e.name == "ai_tool" else e for e in m.elements))
                    for m in q.modules)
    row = next(r for r in build_xlsform(dataclasses.replace(q, modules=modules), "en").survey
               if r.get("name") == "ai_tool")
    assert row["type"] == "select_multiple ai_tool"
    assert row["constraint"] == "not(selected(., '9') and count-selected(.) > 1)"
    assert row["constraint_message::English (en)"] == "'None of these' cannot be combined with other answers."
    assert not any(k.endswith("(ko)") for k in row)


@pytest.mark.parametrize(("answer", "accepted"), [
    ("9", True), ("1", True), ("1 2 3", True), ("-7", True),
    ("9 1", False), ("2 9", False), ("1 -7", False), ("9 -7", False),
])
def test_constraint_rejects_combined_answers_in_an_xpath_oracle(answer, accepted):
    """The constraint read by an independent XPath 1.0 evaluator (``.`` stands for the answer)."""
    xpath = CONSTRAINT.replace("(.)", "(${a})").replace("(., ", "(${a}, ")
    assert _oracle()(xpath, {"a": answer}) is accepted


def test_module_rule_is_the_group_rule(q, rows):
    assert rows["m2_tools"]["relevant"] == "${consent} = 1"
    # the intro note, the note and the item whose rule is the module's need nothing of their own
    for name in ("m2_tools_intro", "tool_note", "ai_tool", "trust_output", "trust_speed"):
        assert "relevant" not in rows[name], name
    assert rows["ai_why_none"]["relevant"] == "selected(${ai_tool}, '9')"
    assert rows["trust"]["relevant"] == "selected(${ai_tool}, '1') or selected(${ai_tool}, '2')"
    assert "${consent}" not in rows["ai_hours"]["relevant"]
    assert "relevant" not in rows["m1_consent"] and "relevant" not in rows["m3_end"]


def test_group_and_element_rules_mean_the_whole_rule(q):
    """For every element and every answer pattern, group rule and element rule hold exactly when the rule
    of the model (module rule folded in) holds; evaluated by the independent XPath oracle."""
    xpath_eval = _oracle()
    multiple = common.multiple_items(q)
    module = q.modules[1]
    group, rules = split_module_rule(module)
    assert group is module.relevance
    elements = [*module.elements, *module.elements[-1].items]
    answers = [dict(consent=c, ai_tool=t) for c, t in itertools.product(
        ["", "1", "0"], ["", "1", "9", "1 2", "2 3", "-7", "9 1"])]
    checked = 0
    for element in elements:
        whole = to_xpath(element.relevance, multiple=multiple, missing_codes=MISSING_CODES)
        own = rules.get(element.name)
        for fields in answers:
            split = xpath_eval(to_xpath(group, multiple=multiple, missing_codes=MISSING_CODES), fields) and (
                own is None or xpath_eval(to_xpath(own, multiple=multiple, missing_codes=MISSING_CODES), fields))
            assert split == xpath_eval(whole, fields), (element.name, fields)
            checked += 1
    assert checked == len(elements) * len(answers) == 7 * 21


def test_a_module_rule_not_folded_into_every_element_stays_on_the_elements(mini):
    """A hand-built model whose elements do not start with the module rule: the group gets no rule and no
    element loses any of its own (lifting it would change who is asked)."""
    m2 = dataclasses.replace(mini.modules[1], relevance=parse("consent == 1"), relevance_text="consent == 1")
    q = dataclasses.replace(mini, modules=(mini.modules[0], m2, mini.modules[2]))
    group, rules = split_module_rule(m2)
    assert group is None and rules == {e.name: e.relevance for e in m2.elements}
    by_name = {r["name"]: r for r in build_xlsform(q, "en").survey if r["type"] != "end_group"}
    assert "relevant" not in by_name["m2_work"] and "relevant" not in by_name["comment"]
    assert by_name["motives"]["relevant"] == "${role} = 1 or ${role} = 2"


@NEEDS_JAVA
@pytest.mark.parametrize("lang", ["ko", "en", "both"])
def test_converts_and_passes_odk_validate(q, tmp_path, lang):
    warnings: list[str] = []
    result = convert(str(export_xlsform(q, tmp_path / f"x_{lang}.xlsx", lang)), warnings=warnings, validate=True)
    assert warnings == [] and result.warnings == [], warnings + result.warnings
    xform = etree.fromstring(result.xform.encode())
    binds = {b.get("nodeset"): b for b in xform.iter("{http://www.w3.org/2002/xforms}bind")}
    assert binds["/data/m2_tools/ai_tool"].get("constraint") == CONSTRAINT
    assert binds["/data/m2_tools"].get("relevant") == " /data/m1_consent/consent  = 1"


@pytest.fixture(scope="module")
def fill(q, tmp_path_factory):
    """fill(*answers) -> JavaRosa's verdict per answer ("name OK" / "CONSTRAINT" / "SKIPPED")."""
    import pyxform

    javac = shutil.which("javac")
    if shutil.which("java") is None or javac is None:
        pytest.skip("needs java and javac (apt-get install -y default-jdk-headless) to run JavaRosa")
    jar = Path(pyxform.__file__).parent / "validators" / "odk_validate" / "bin" / "ODK_Validate.jar"
    work = tmp_path_factory.mktemp("javarosa")
    subprocess.run([javac, "-cp", str(jar), "-d", str(work), str(DATA / "AnswerCheck.java")], check=True)
    form = work / "form.xml"
    form.write_text(convert(str(export_xlsform(q, work / "form.xlsx")), validate=False).xform, encoding="utf-8")

    def run(*answers: str) -> list[str]:
        out = subprocess.run(["java", "-cp", f"{jar}:{work}", "AnswerCheck", str(form), *answers],
                             check=True, capture_output=True, text=True, timeout=60)
        return out.stdout.split("\n")[:-1]

    return run


def test_javarosa_rejects_an_exclusive_choice_combined_with_others(fill):
    assert fill("consent=1", "ai_tool=9 1", "ai_tool=3 9", "ai_tool=-7 2", "ai_tool=9",
                "ai_hours=3", "ai_why_none=x", "trust_output=1", "comment=c") == [
        "consent OK", "ai_tool CONSTRAINT", "ai_tool CONSTRAINT", "ai_tool CONSTRAINT", "ai_tool OK",
        "ai_hours SKIPPED", "ai_why_none OK", "trust_output SKIPPED", "comment OK"]
    assert fill("consent=1", "ai_tool=1 2 3", "ai_hours=90", "ai_hours=5", "ai_why_none=x", "trust_output=3") == [
        "consent OK", "ai_tool OK", "ai_hours CONSTRAINT", "ai_hours OK", "ai_why_none SKIPPED", "trust_output OK"]


def test_javarosa_skips_the_whole_module_by_its_group_rule(fill):
    assert fill("consent=0", "ai_tool=1", "tool_note=", "comment=hi") == [
        "consent OK", "ai_tool SKIPPED", "tool_note SKIPPED", "comment OK"]


# ------------------------------------------------------------------ paper form


def test_paper_marks_the_exclusive_option(q):
    block = next(b for s in build_paper(q, "both").sections for b in s.blocks if b.name == "ai_tool")
    notes = {o.code: o.note for o in block.options}
    assert notes[9] == (("ko", "(다른 항목과 함께 선택하지 마십시오)"), ("en", "(do not combine with other answers)"))
    assert all(notes[c] == () for c in (1, 2, 3, -7))
    doc = lxml.html.fromstring(render_paper_html(q, "both"))
    items = doc.xpath("//div[@id='q-ai_tool']//li")
    texts = [" ".join(li.text_content().split()) for li in items]
    assert texts[3] == ("9 사용하는 도구가 없음 (다른 항목과 함께 선택하지 마십시오) "
                        "None of these (do not combine with other answers)")
    assert texts[0] == "1 생성형 대화 도구 Generative chat tools"
    assert [e.get("lang") for e in items[3].xpath(".//em[@class='exclusive']/..")] == ["ko", "en"]
    english = lxml.html.fromstring(render_paper_html(q, "en"))
    assert [" ".join(li.text_content().split()) for li in english.xpath("//div[@id='q-ai_tool']//li")][3] == (
        "9 None of these (do not combine with other answers)")


def test_paper_states_the_module_rule_once(q):
    """The module filter is printed under the heading; a question routed further shows only the rest."""
    sections = build_paper(q, "both").sections
    assert sections[1].routing == (("ko", "Q2~Q5: Q1에서 '예'를 선택한 경우에만 응답하십시오."),
                                   ("en", "Q2–Q5: Answer only if Q1 is 'Yes'."))
    routing = {b.name: b.routing for b in sections[1].blocks}
    assert routing["ai_tool"] == routing["tool_note"] == ()
    assert routing["ai_why_none"] == (("ko", "Q2에서 '사용하는 도구가 없음'을 선택한 경우에만 응답하십시오."),
                                      ("en", "Answer only if Q2 includes 'None of these'."))
    assert "Q1" not in routing["ai_hours"][0][1] and "Q1" not in routing["trust"][1][1]


# ------------------------------------------------------------------ entry template


def test_template_messages_and_guidance(q, tmp_path):
    columns = {c.name: c for c in build_template(q, "ko").columns}
    assert "단독 선택 보기입니다: 1이면 이 문항의 다른 열은 모두 0이어야 합니다" in columns["ai_tool_9"].message
    assert "ai_tool_9 열이 1이면 이 열은 0이어야 합니다." in columns["ai_tool_1"].message
    assert "단독" not in columns["consent"].message
    english = {c.name: c for c in build_template(q, "en").columns}
    assert "Exclusive choice: if 1, every other column of this question must be 0" in english["ai_tool_9"].message
    assert "Must be 0 when ai_tool_9 is 1." in english["ai_tool_2"].message
    wb = openpyxl.load_workbook(export_template(q, tmp_path / "t.xlsx", "ko", rows=10))
    header = [c.value for c in wb["Responses"][1]]
    prompts = {}
    for dv in wb["Responses"].data_validations.dataValidation:
        for rng in dv.sqref.ranges:
            prompts[header[rng.min_col - 1]] = dv.prompt
    assert "다른 항목과 함께 선택하지 마십시오" in prompts["ai_tool_9"] and len(prompts["ai_tool_9"]) <= 255
    guidance = [tuple(r) for r in wb["Guidance"].values]
    at = guidance.index(("함께 선택할 수 없는 보기", None))
    assert guidance[at + 1][0] == "Q2 ai_tool_9"
    assert guidance[at + 1][1].startswith("업무에 쓰는 도구를 모두 고르십시오. — 사용하는 도구가 없음: 다른 항목과 함께")


def test_template_keeps_the_rule_when_the_question_is_long(q):
    long_label = {"ko": "가" * 400, "en": "x" * 400}
    tool = dataclasses.replace(q.item("ai_tool"), label=long_label)
    modules = tuple(dataclasses.replace(m, elements=tuple(tool if e.name == "ai_tool" else e for e in m.elements))
                    for m in q.modules)
    message = {c.name: c for c in build_template(dataclasses.replace(q, modules=modules), "en").columns}[
        "ai_tool_9"].message
    assert len(message) <= 255 and message.endswith("(do not combine with other answers).")


# ------------------------------------------------------------------ codebook and DDI


def test_codebook_marks_the_exclusive_column(q, tmp_path):
    cb = build_codebook(q)
    assert [v.name for v in cb.variables if v.exclusive] == ["ai_tool_9"]
    wb = openpyxl.load_workbook(export_codebook(q, tmp_path / "cb.xlsx"))
    table = list(wb["Variables"].values)
    col = table[0].index("단독 선택 (다른 보기와 함께 선택 불가)")
    assert {r[0]: r[col] for r in table[1:] if r[col]} == {"ai_tool_9": "예"}
    doc = lxml.html.fromstring(render_codebook_html(cb))
    flags = doc.xpath("//span[contains(@class, 'exclusive')]")
    assert [f.getparent().getparent().get("id") for f in flags] == ["var-ai_tool_9"]
    assert flags[0].text == "단독 선택" and flags[0].get("title") == "다른 항목과 함께 선택하지 마십시오"


def test_ddi_notes_the_exclusive_choice(q):
    doc = etree.fromstring(ddi_bytes(build_ddi(q, "both")))
    ns = {"d": DDI_NS}
    notes = doc.findall("d:dataDscr/d:var[@name='ai_tool_9']/d:notes", ns)
    assert [(n.get("type"), n.get(XML_LANG)) for n in notes] == [("exclusive", "ko"), ("exclusive", "en")]
    assert notes[1].text.startswith("Exclusive choice: a respondent who ticks it cannot tick any other choice of ai_tool")
    assert not doc.findall("d:dataDscr/d:var[@name='ai_tool_1']/d:notes", ns)
    assert doc.find("d:dataDscr/d:varGrp[@ID='G-ai_tool']/d:notes", ns).text == "exclusive=ai_tool_9"
    for var in doc.findall("d:dataDscr/d:var", ns):
        order = [VAR_CHILD_ORDER.index(etree.QName(c).localname) for c in var]
        assert order == sorted(order), var.get("name")
