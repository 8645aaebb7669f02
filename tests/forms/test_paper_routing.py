"""Where the paper form prints routing: module filters, runs of questions, notes; implication is conservative."""

from __future__ import annotations

import dataclasses

import lxml.html
import pytest

from careersurvey.expr import parse
from careersurvey.forms.paper import render_paper_html
from careersurvey.forms.paper_routing import Instruction, implies, instruction_text, plan
from careersurvey.questionnaire import load_questionnaire
from careersurvey.questionnaire.model import Item, Note

from .conftest import with_elements


def _routed(element, rule):
    return dataclasses.replace(element, relevance=parse(rule), relevance_text=rule)


def test_implies_follows_the_missing_answer_semantics(mini):
    target = parse("consent == 1")
    assert implies(mini, parse("consent == 1"), target)
    assert implies(mini, parse("role == 2"), target)  # role is asked only if consent == 1
    assert implies(mini, parse("selected(motives, 2)"), target)  # motives <- role <- consent
    assert implies(mini, parse("hours > 40 and sat == 1"), target)  # one side suffices for 'and'
    assert implies(mini, parse("role == 2 or hours > 3"), target)  # both sides needed for 'or'
    assert not implies(mini, parse("role == 2 or sat == 1"), target)  # sat is asked of everyone
    assert not implies(mini, parse("not role == 2"), target)  # true when role was skipped
    assert not implies(mini, parse("missing(hours)"), target)
    assert not implies(mini, None, target)
    assert implies(mini, parse("answered(hours)"), target)


def test_runs_of_one_rule_are_printed_once(mini):
    routing = plan(mini)
    assert routing.modules == {}  # m2 has an unrouted question (comment), so no module filter
    assert routing.elements["hours"] == Instruction(parse("consent == 1"), "Q4", "Q5")
    assert "pay" not in routing.elements  # covered by the run printed above hours
    assert routing.elements["role"].span == "" and routing.elements["motives"].first == "Q3"
    text = instruction_text(mini, routing.elements["hours"], "ko")
    assert text == "Q4~Q5: Q1에서 '예'를 선택한 경우에만 응답하십시오."
    assert instruction_text(mini, routing.elements["hours"], "en") == "Q4–Q5: Answer only if Q1 is 'Yes'."


def test_module_filter_is_printed_under_the_heading(mini):
    m2 = mini.modules[1]
    comment = _routed(m2.elements[-1], "consent == 1")
    q = with_elements(mini, 1, m2.elements[:-1] + (comment,))
    routing = plan(q)
    banner = routing.modules["m2_work"]
    assert (banner.tree, banner.first, banner.last) == (parse("consent == 1"), "Q2", "Q7")
    # questions whose rule is the filter print nothing; stricter rules keep their own line
    assert set(routing.elements) == {"motives", "start", "fof"}  # fof: module 3, its own rule
    page = lxml.html.fromstring(render_paper_html(q, "ko"))
    section = page.get_element_by_id("m-m2_work")
    filters = section.xpath(".//p[contains(@class, 'filter')]")
    assert [" ".join(f.text_content().split()) for f in filters] == [
        "Q2~Q7: Q1에서 '예'를 선택한 경우에만 응답하십시오."]
    assert not page.get_element_by_id("q-hours").xpath(".//p[contains(@class, 'routing')]")
    assert page.get_element_by_id("q-motives").xpath(".//p[contains(@class, 'routing')]")


def test_no_module_filter_when_one_element_escapes_it(mini):
    m2 = mini.modules[1]
    escape = _routed(m2.elements[-1], "not consent == 1")
    routing = plan(with_elements(mini, 1, m2.elements[:-1] + (escape,)))
    assert "m2_work" not in routing.modules and "comment" in routing.elements


def test_routed_note_reads_as_a_condition(mini):
    m1 = mini.modules[0]
    stop = Note("stop", {"ko": "설문을 마칩니다.", "en": "The survey ends here."}, m1.id,
                relevance=parse("consent == 0"), relevance_text="consent == 0")
    q = with_elements(mini, 0, m1.elements + (stop,))
    page = lxml.html.fromstring(render_paper_html(q, "en"))
    note = page.get_element_by_id("n-stop")
    assert note.xpath("p[contains(@class, 'condition')]")[0].text_content() == "If Q1 is 'No':"
    assert note.xpath("span")[0].text_content() == "The survey ends here."
    ko = lxml.html.fromstring(render_paper_html(q, "ko")).get_element_by_id("n-stop")
    assert ko.xpath("p[contains(@class, 'condition')]")[0].text_content() == "Q1에서 '아니요'를 선택한 경우:"
    assert "응답하십시오" not in ko.text_content()  # a note is read, not answered


def test_a_different_rule_breaks_a_run(mini):
    m2 = mini.modules[1]
    role, motives, hours, pay, start, comment = m2.elements
    extra = Item("extra", "integer", {"ko": "추가", "en": "Extra"}, m2.id, relevance=parse("consent == 1"),
                 relevance_text="consent == 1")
    routing = plan(with_elements(mini, 1, (role, motives, hours, start, pay, extra, comment)))
    assert routing.elements["hours"].span == ""  # start (another rule) follows it
    assert routing.elements["pay"] == Instruction(parse("consent == 1"), "Q6", "Q7")


@pytest.fixture(scope="module")
def stem():
    return load_questionnaire("stem-careers@1.0.0")


def test_real_instrument_states_eligibility_once_per_module(stem):
    eligible = parse("elig_stem in [1, 2] and elig_korea == 1")
    routing = plan(stem)
    assert routing.modules and all(b.first and b.last for b in routing.modules.values())
    module_of = {e.name: m.id for m in stem.modules for e in m.elements}
    for name, instruction in routing.elements.items():  # stated above a question only where no filter says it
        if instruction.tree == eligible and instruction.first:
            banner = routing.modules.get(module_of[name])
            assert banner is None or banner.tree != eligible, name
    assert sum(b.tree == eligible for b in routing.modules.values()) >= 5
    page = lxml.html.fromstring(render_paper_html(stem, "ko"))
    lines = page.xpath("//p[contains(@class, 'routing')]")
    numbered = page.xpath("//span[@class='qnum']")
    assert len(lines) < len(numbered) / 2  # before: one line above almost every question
