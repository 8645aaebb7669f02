"""Paper-form backend: say an expression in plain Korean or English ("Q5에서 '예'를 선택한 경우", "if Q5 is 'Yes'").

The paper form and the codebook print routing in words, built from the same tree as the XLSForm. Items are
named by ``ref`` (e.g. their question numbers) and choice codes by ``choice_label`` (their labels), so the
reader sees "Q5" and "'예'" rather than ``role`` and ``1``. Korean is written in the formal register with
particles (을/를, 이/가) chosen from the last sound of the word before them; conditions join with
"-고" (and) and "-거나" (or) and end in "... 경우"; a group nested inside another reads "... 경우에 해당하고".

The words mean what the other backends compute (survey/FORMAT.md): a comparison that reads a missing answer is
false, so ``x != 1`` ("if Q5 is not 'Yes'") holds only for an answer, while ``not x == 1`` also holds when Q5
was not answered and says so ("if Q5 is not 'Yes' or Q5 is not answered").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from careersurvey.expr.nodes import (
    Answered,
    Arith,
    BoolOp,
    Compare,
    In,
    Missing,
    Name,
    Neg,
    Node,
    Not,
    Num,
    Selected,
    Str,
    format_number,
)

RefFn = Callable[[str], str]
LabelFn = Callable[[str, int], "str | None"]

_FLIP = {"==": "==", "!=": "!=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}
_NEGATE = {"==": "!=", "!=": "==", "<": ">=", "<=": ">", ">": "<=", ">=": "<"}
_KO_ORDER = {"<": "미만", "<=": "이하", ">": "초과", ">=": "이상"}
_EN_ORDER = {"<": "is less than", "<=": "is at most", ">": "is more than", ">=": "is at least"}
_SYMBOL = {"+": "+", "-": "-", "*": "×", "/": "÷", "%": "mod"}
# Korean readings of digits and Latin letters that end in a consonant (받침): 영 일 삼 육 칠 팔; 엘 엠 엔 알
_BATCHIM_CHARS = set("013678lmnrLMNR")


def has_batchim(word: str) -> bool | None:
    """Whether the last sound of ``word`` ends in a consonant (None when it cannot be told)."""
    stripped = word.rstrip(" '\"’”)]")
    if not stripped:
        return None
    ch = stripped[-1]
    if "가" <= ch <= "힣":
        return (ord(ch) - 0xAC00) % 28 != 0
    if ch.isdigit() or ch.isascii() and ch.isalpha():
        return ch in _BATCHIM_CHARS
    return None


def josa(word: str, with_batchim: str, without: str) -> str:
    """``word`` followed by the right form of a particle pair, e.g. josa("학생", "을", "를") -> "학생을"."""
    b = has_batchim(word)
    if b is None:
        return f"{word}{with_batchim}({without})"
    return word + (with_batchim if b else without)


@dataclass(frozen=True, slots=True)
class _Pred:
    """A Korean predicate in its three forms: joined by 'and', joined by 'or', and before 경우."""

    and_form: str
    or_form: str
    adn: str


def _verb(stem: str) -> _Pred:
    """A 하다 verb such as 선택하다 from its stem before 하 ('…선택')."""
    return _Pred(f"{stem}하고", f"{stem}하거나", f"{stem}한")


def _verb_not(stem: str) -> _Pred:
    return _Pred(f"{stem}하지 않고", f"{stem}하지 않거나", f"{stem}하지 않은")


def _copula(noun: str) -> _Pred:
    return _Pred(f"{noun}이고", f"{noun}이거나", f"{noun}인")


def _not_noun(noun: str) -> _Pred:
    subject = josa(noun, "이", "가")
    return _Pred(f"{subject} 아니고", f"{subject} 아니거나", f"{subject} 아닌")


def to_words(
    tree: Node,
    lang: str = "ko",
    ref: RefFn | None = None,
    choice_label: LabelFn | None = None,
) -> str:
    """The condition in words: Korean "... 경우" or English "if ..."; ``lang`` is "ko" or "en"."""
    if lang not in ("ko", "en"):
        raise ValueError(f"to_words speaks 'ko' and 'en', not {lang!r}")
    w = _Words(ref or (lambda name: name), choice_label)
    if lang == "ko":
        return w.ko(tree, False).adn + " 경우"
    return "if " + w.en(tree, False)


class _Words:
    def __init__(self, ref: RefFn, choice_label: LabelFn | None) -> None:
        self.ref = ref
        self.choice_label = choice_label

    def label(self, item: str, lit: Node) -> str | None:
        """The label of choice ``lit`` of ``item`` (a code written 3 or '3'), or None."""
        if self.choice_label is None:
            return None
        if isinstance(lit, Str) and lit.value.lstrip("-").isdigit():
            code = int(lit.value)
        elif isinstance(lit, Num) and isinstance(lit.value, int):
            code = lit.value
        else:
            return None
        try:
            return self.choice_label(item, code)
        except (KeyError, LookupError):
            return None

    def value(self, node: Node) -> str:
        if isinstance(node, Name):
            return self.ref(node.name)
        if isinstance(node, Num):
            return format_number(node.value)
        if isinstance(node, Str):
            return f"'{node.value}'"
        if isinstance(node, Neg):
            inner = self.value(node.operand)
            return f"-({inner})" if isinstance(node.operand, Arith) else f"-{inner}"
        if isinstance(node, Arith):
            left, right = self.value(node.left), self.value(node.right)
            if isinstance(node.left, Arith) and node.left.prec < node.prec:
                left = f"({left})"
            if isinstance(node.right, Arith) and node.right.prec <= node.prec:
                right = f"({right})"
            return f"{left} {_SYMBOL[node.op]} {right}"
        raise TypeError(f"not a value: {node}")  # pragma: no cover

    @staticmethod
    def normalise(node: Compare) -> tuple[str, Node, Node]:
        """(op, item side, other side) with a lone item name on the left where there is one."""
        if not isinstance(node.left, Name) and isinstance(node.right, Name):
            return _FLIP[node.op], node.right, node.left
        return node.op, node.left, node.right

    # ---------------------------------------------------------------- Korean
    def ko(self, node: Node, negate: bool) -> _Pred:
        if isinstance(node, Not):
            return self.ko(node.operand, not negate)
        if isinstance(node, Compare):
            op, left, right = self.normalise(node)
            pred = self.ko_compare(_NEGATE[op] if negate else op, left, right)
            return self.ko_or_unanswered(pred, node) if negate else pred
        if isinstance(node, In):
            pred = self.ko_in(node, node.negated != negate)
            return self.ko_or_unanswered(pred, node) if negate else pred
        if isinstance(node, Selected):
            lab = self.label(node.item.name, node.code) or str(node.code.value)
            head = f"{self.ref(node.item.name)}에서 " + josa(f"'{lab}'", "을", "를")
            return _verb_not(head + " 선택") if negate else _verb(head + " 선택")
        if isinstance(node, (Answered, Missing)):
            answered = isinstance(node, Answered) != negate
            head = f"{self.ref(node.item.name)}에 응답"
            return _verb(head) if answered else _verb_not(head)
        if isinstance(node, BoolOp):
            parts = [self.ko_part(p, node.op) for p in _chain(node)]
            if negate:
                return self.ko_group(self.ko_join(parts, node.op).adn, True)
            return self.ko_join(parts, node.op)
        raise TypeError(f"not a condition: {node}")  # pragma: no cover

    def ko_or_unanswered(self, pred: _Pred, node: Node) -> _Pred:
        """A negated comparison also holds when an item it reads was not answered: say so."""
        unanswered = [_verb_not(f"{self.ref(n)}에 응답") for n in sorted(node.names())]
        return self.ko_join([pred, *unanswered], "or") if unanswered else pred

    def ko_part(self, node: Node, op: str) -> _Pred:
        if isinstance(node, BoolOp) and node.op != op or op == "and" and _negated_test(node):
            return self.ko_group(self.ko(node, False).adn, False)
        return self.ko(node, False)

    @staticmethod
    def ko_group(adn: str, negate: bool) -> _Pred:
        head = f"{adn} 경우에 해당"
        if negate:
            return _Pred(f"{head}하지 않고", f"{head}하지 않거나", f"{head}하지 않는")
        return _Pred(f"{head}하고", f"{head}하거나", f"{head}하는")

    @staticmethod
    def ko_join(parts: list[_Pred], op: str) -> _Pred:
        joined = " ".join((p.and_form if op == "and" else p.or_form) for p in parts[:-1])
        last = parts[-1]
        return _Pred(f"{joined} {last.and_form}", f"{joined} {last.or_form}", f"{joined} {last.adn}")

    def ko_compare(self, op: str, left: Node, right: Node) -> _Pred:
        lab = self.label(left.name, right) if isinstance(left, Name) else None
        if lab is not None and op in ("==", "!="):
            head = f"{self.ref(left.name)}에서 " + josa(f"'{lab}'", "을", "를") + " 선택"  # type: ignore[union-attr]
            return _verb(head) if op == "==" else _verb_not(head)
        subject = f"{self.ref(left.name)} 응답" if isinstance(left, Name) else f"{self.value(left)}의 값"
        subject = josa(subject, "이", "가")
        value = self.value(right) if lab is None else f"{self.value(right)}('{lab}')"
        if op == "==":
            return _copula(f"{subject} {value}")
        if op == "!=":
            p = _not_noun(value)
            return _Pred(f"{subject} {p.and_form}", f"{subject} {p.or_form}", f"{subject} {p.adn}")
        return _copula(f"{subject} {value} {_KO_ORDER[op]}")

    def ko_in(self, node: In, negated: bool) -> _Pred:
        subject = node.subject
        labels = [self.label(subject.name, v) for v in node.values] if isinstance(subject, Name) else []
        if labels and all(lab is not None for lab in labels):
            listed = ", ".join(f"'{lab}'" for lab in labels)
            if negated:
                return _verb_not(f"{self.ref(subject.name)}에서 {listed} 중 어느 것도 선택")  # type: ignore[union-attr]
            return _verb(f"{self.ref(subject.name)}에서 {listed} 중 하나를 선택")  # type: ignore[union-attr]
        who = f"{self.ref(subject.name)} 응답" if isinstance(subject, Name) else f"{self.value(subject)}의 값"
        listed = ", ".join(self.value(v) for v in node.values)
        head = josa(who, "이", "가") + f" {listed} 중"
        if negated:
            return _Pred(f"{head} 어느 것도 아니고", f"{head} 어느 것도 아니거나", f"{head} 어느 것도 아닌")
        return _copula(f"{head} 하나")

    # ---------------------------------------------------------------- English
    def en(self, node: Node, negate: bool) -> str:
        if isinstance(node, Not):
            return self.en(node.operand, not negate)
        if isinstance(node, Compare):
            op, left, right = self.normalise(node)
            text = self.en_compare(_NEGATE[op] if negate else op, left, right)
            return self.en_or_unanswered(text, node) if negate else text
        if isinstance(node, In):
            text = self.en_in(node, node.negated != negate)
            return self.en_or_unanswered(text, node) if negate else text
        if isinstance(node, Selected):
            lab = self.label(node.item.name, node.code) or str(node.code.value)
            verb = "does not include" if negate else "includes"
            return f"{self.ref(node.item.name)} {verb} '{lab}'"
        if isinstance(node, (Answered, Missing)):
            answered = isinstance(node, Answered) != negate
            return f"{self.ref(node.item.name)} is {'answered' if answered else 'not answered'}"
        if isinstance(node, BoolOp):
            parts = []
            for p in _chain(node):
                text = self.en(p, False)
                grouped = isinstance(p, BoolOp) and p.op != node.op or node.op == "and" and _negated_test(p)
                parts.append(f"({text})" if grouped else text)
            joined = f" {node.op} ".join(parts)
            return f"not ({joined})" if negate else joined
        raise TypeError(f"not a condition: {node}")  # pragma: no cover

    def en_or_unanswered(self, text: str, node: Node) -> str:
        """A negated comparison also holds when an item it reads was not answered: say so."""
        return " or ".join([text, *(f"{self.ref(n)} is not answered" for n in sorted(node.names()))])

    def en_compare(self, op: str, left: Node, right: Node) -> str:
        lab = self.label(left.name, right) if isinstance(left, Name) else None
        subject = self.value(left)
        value = self.value(right) if lab is None else f"'{lab}'"
        if op in ("==", "!="):
            return f"{subject} {'is' if op == '==' else 'is not'} {value}"
        if lab is not None:
            value = f"{self.value(right)} ('{lab}')"
        return f"{subject} {_EN_ORDER[op]} {value}"

    def en_in(self, node: In, negated: bool) -> str:
        subject = node.subject
        labels = [self.label(subject.name, v) for v in node.values] if isinstance(subject, Name) else []
        if labels and all(lab is not None for lab in labels):
            values = [f"'{lab}'" for lab in labels]
        else:
            values = [self.value(v) for v in node.values]
        who = self.value(subject)
        if len(values) == 1:
            return f"{who} {'is not' if negated else 'is'} {values[0]}"
        if negated:
            if len(values) == 2:
                return f"{who} is neither {values[0]} nor {values[1]}"
            return f"{who} is none of {', '.join(values)}"
        if len(values) == 2:
            return f"{who} is either {values[0]} or {values[1]}"
        return f"{who} is one of {', '.join(values)}"


def _negated_test(node: Node) -> bool:
    """Whether ``node`` is a comparison (or ``in``) under an odd number of ``not``s that reads an item: its
    words join "or ... is not answered", so inside an "and" it needs its own group."""
    flips = 0
    while isinstance(node, Not):
        node, flips = node.operand, flips + 1
    return flips % 2 == 1 and isinstance(node, (Compare, In)) and bool(node.names())


def _chain(node: BoolOp) -> list[Node]:
    """Operands of a run of the same boolean operator, flattened left to right."""
    out: list[Node] = []
    for side in (node.left, node.right):
        if isinstance(side, BoolOp) and side.op == node.op:
            out.extend(_chain(side))
        else:
            out.append(side)
    return out
