"""Where a paper form prints its routing, so that a long rule is stated once rather than on every question.

A web form evaluates routing silently; on paper every instruction is text the respondent must read.
The real instrument routes almost every question on the same eligibility rule, so printing each rule
above each question buries the few instructions that matter. Two rules keep the paper short and exact:

* **module filter** — when the first element of a module has rule E and every element of the module can
  only be asked when E holds (its rule is E, or provably implies E), E is printed once under the module
  heading ("Q13~Q19: …에만 응답하십시오.") and omitted on the questions whose rule is exactly E; a
  question whose rule is ``E and R`` (as the loader folds a module's own rule into its elements) gets R only;
* **runs** — consecutive questions of a module with the same (other) rule get it once, above the first,
  with the range of questions it covers ("Q29~Q31: …").

:func:`implies` is conservative: it answers True only when the skip-logic semantics (a comparison on a
missing answer is false) guarantee it, and False when unsure, which only means a rule is printed again.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Mapping

from careersurvey.expr import Answered, BoolOp, Compare, In, Node, Selected
from careersurvey.forms import common
from careersurvey.questionnaire.model import Module, Note, Questionnaire


@dataclass(frozen=True, slots=True)
class Instruction:
    """A routing rule printed once for the questions ``first`` to ``last`` (equal when it covers one)."""

    tree: Node
    first: str
    last: str

    @property
    def span(self) -> str:
        """``"Q29~Q31"`` style range, empty when the instruction covers a single question (or a note)."""
        return "" if not self.first or self.first == self.last else f"{self.first}~{self.last}"


@dataclass(frozen=True, slots=True)
class PaperRouting:
    """The instructions of a paper form: one per module at most, and those printed above elements."""

    modules: Mapping[str, Instruction]
    elements: Mapping[str, Instruction]


def implies(q: Questionnaire, tree: Node | None, target: Node, _cache: dict[str, bool] | None = None) -> bool:
    """True when rule ``tree`` can only hold where ``target`` holds (False when that cannot be shown).

    ``tree == target``; ``a and b`` when either side implies it; ``a or b`` when both do; a comparison,
    membership, ``selected`` or ``answered`` when one of the items it reads is itself asked only under
    ``target`` (it is then missing elsewhere, and conditions on a missing answer are false). ``not`` and
    ``missing()`` hold on skipped items, so they never imply anything.
    """
    cache = {} if _cache is None else _cache
    if tree is None:
        return False
    if tree == target:
        return True
    if isinstance(tree, BoolOp):
        left, right = implies(q, tree.left, target, cache), implies(q, tree.right, target, cache)
        return (left or right) if tree.op == "and" else (left and right)
    if isinstance(tree, (Compare, In, Selected, Answered)):
        return any(_asked_only_under(q, name, target, cache) for name in sorted(tree.names()))
    return False


def _asked_only_under(q: Questionnaire, name: str, target: Node, cache: dict[str, bool]) -> bool:
    """True when item ``name`` is asked only where ``target`` holds (memoised in ``cache``)."""
    if name not in cache:
        cache[name] = False  # a rule only reads earlier items; this guards against malformed cycles
        item = q.item(name) if name in q else None
        cache[name] = item is not None and implies(q, common.relevance_of(q, item), target, cache)
    return cache[name]


def _module_filter(q: Questionnaire, module: Module, numbers: Mapping[int, str | None]) -> Instruction | None:
    """The module's filter: its first element's rule when every element's rule implies it."""
    elements = module.elements
    if not elements:
        return None
    target = common.relevance_of(q, elements[0])
    if target is None:
        return None
    cache: dict[str, bool] = {}
    if not all(implies(q, common.relevance_of(q, e), target, cache) for e in elements):
        return None
    numbered = [numbers[id(e)] for e in elements if numbers[id(e)]]
    return Instruction(target, numbered[0] if numbered else "", numbered[-1] if numbered else "")


def plan(q: Questionnaire) -> PaperRouting:
    """Which routing instruction the paper form prints where (module filters and runs, see above)."""
    numbers = {id(entry.element): entry.number for entry in common.numbered(q)}
    modules: dict[str, Instruction] = {}
    elements: dict[str, Instruction] = {}
    for module in q.modules:
        banner = _module_filter(q, module, numbers)
        if banner is not None:
            modules[module.id] = banner
        shared = banner.tree if banner is not None else None
        run: list[str] = []  # element names of the current run of questions sharing one rule
        for element in module.elements:
            rule = common.rule_after(common.relevance_of(q, element), shared)[1]  # the filter is printed already
            if isinstance(element, Note):  # notes neither start nor break a run of questions
                if rule is not None and rule != shared:
                    elements[element.name] = Instruction(rule, "", "")
                continue
            number = numbers[id(element)] or ""
            if rule is None or rule == shared:
                run = []
                continue
            if run and elements[run[0]].tree == rule:
                first = elements[run[0]]
                elements[run[0]] = Instruction(rule, first.first, number)
            else:
                run = [element.name]
                elements[element.name] = Instruction(rule, number, number)
    return PaperRouting(MappingProxyType(modules), MappingProxyType(elements))


def instruction_text(q: Questionnaire, instruction: Instruction, lang: str, note: bool = False) -> str:
    """The printed instruction: ``Q29~Q31: Q5에서 … 경우에만 응답하십시오.`` / ``Q29–Q31: Answer only if …``.

    For a note (an on-screen message such as "the survey ends here") it reads as a condition:
    ``Q2에서 … 선택한 경우:`` / ``If Q2 is 'No':``.
    """
    if note:
        words = common.routing_words(q, instruction.tree, lang)
        if lang == "ko":
            return f"{words}:"
        return f"{words[:1].upper()}{words[1:]}:"
    body = common.answer_only_if(q, instruction.tree, lang)
    span = instruction.span
    if not span:
        return body
    return f"{span}: {body}" if lang == "ko" else f"{span.replace('~', '–')}: {body}"
