"""XLSForm backend: print an expression tree as the XPath text ODK/KoboToolbox evaluate (``${q5} = 1``).

XPath 1.0 and our language disagree on missing answers: in XPath an empty answer compared with ``!=``, or a
missing code such as -7 compared with ``< 3``, is *true*, while in our language every comparison that reads a
missing answer is false. So a comparison gets an explicit guard (``${x} != '' and not(${x} = -6 or ...)``)
for each item it reads, except the common ``${x} = literal`` form, which XPath already makes false on empty and
missing-coded answers. The result evaluates exactly like ``careersurvey.expr.evaluate`` (property-tested).
"""

from __future__ import annotations

import operator
from typing import Iterable, Mapping

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
    quote,
)
from careersurvey.expr.parser import ExprError

_OR, _AND, _CMP, _ADD, _MUL, _UNARY, _ATOM = 1, 2, 3, 4, 5, 6, 7
_XPATH_OPS = {"==": "=", "!=": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">="}
_ARITH_OPS = {"+": "+", "-": "-", "*": "*", "/": "div", "%": "mod"}
_COMPARE = {"==": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le, ">": operator.gt,
            ">=": operator.ge}
_FLIPPED = {"==": "==", "!=": "!=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}


def to_xpath(
    tree: Node,
    multiple: Iterable[str] = frozenset(),
    *,
    missing_codes: Iterable[int],
    choice_names: Mapping[str, Mapping[int, str]] | None = None,
) -> str:
    """XPath text of ``tree`` for an XLSForm ``relevant`` column.

    ``multiple`` names the multiple-choice items (their answer is a space-separated list of codes, so
    ``answered`` becomes ``count-selected`` and they cannot be compared with ``==``); ``missing_codes`` are
    the codes that count as missing answers, as in ``evaluate``. ``choice_names`` maps a choice item whose
    form stores choice *names* (not codes) to its code -> name table: a comparison of such an item with a
    number becomes the test of the names whose codes satisfy it (``role in [2, 3]`` ->
    ``${role} = 'faculty' or ${role} = 'staff'``; ``agree >= 4`` likewise), and ``selected(x, 2)`` tests
    the name. Those tests are false on empty and missing-coded answers, as in ``evaluate``.
    """
    named = {k: dict(v) for k, v in (choice_names or {}).items()}
    return _XPath(frozenset(multiple), tuple(missing_codes), str(tree), named).emit(tree)[0]


class _XPath:
    def __init__(self, multiple: frozenset[str], codes: tuple[int, ...], source: str,
                 named: dict[str, dict[int, str]]) -> None:
        self.multiple = multiple
        self.codes = codes
        self.source = source
        self.named = named

    def emit(self, node: Node) -> tuple[str, int]:
        """(text, binding strength) of ``node``."""
        if isinstance(node, Num):
            return format_number(node.value), (_UNARY if node.value < 0 else _ATOM)
        if isinstance(node, Str):
            return quote(node.value), _ATOM
        if isinstance(node, Name):
            if node.name in self.multiple:
                raise ExprError(
                    f"{node.name!r} is a multiple-choice item: test it with selected({node.name}, code) "
                    f"or answered({node.name}), not as a value", self.source, node.position)
            if node.name in self.named:
                raise ExprError(
                    f"{node.name!r} stores choice names in the form, so it can only be compared with a choice code "
                    f"(==, !=, <, <=, >, >=, in), not used as a number or compared with another item",
                    self.source, node.position)
            return f"${{{node.name}}}", _ATOM
        if isinstance(node, Neg):
            return f"-{self.wrap(node.operand, _UNARY + 1)}", _UNARY
        if isinstance(node, Arith):
            p = _ADD if node.op in "+-" else _MUL
            return f"{self.wrap(node.left, p)} {_ARITH_OPS[node.op]} {self.wrap(node.right, p + 1)}", p
        if isinstance(node, Compare):
            return self.compare(node)
        if isinstance(node, In):
            return self.membership(node)
        if isinstance(node, BoolOp):
            p = _AND if node.op == "and" else _OR
            return f"{self.wrap(node.left, p)} {node.op} {self.wrap(node.right, p + 1)}", p
        if isinstance(node, Not):
            return f"not({self.emit(node.operand)[0]})", _ATOM
        if isinstance(node, Selected):
            return f"selected(${{{node.item.name}}}, {quote(self.choice_value(node.item.name, node.code_text))})", _ATOM
        if isinstance(node, Answered):
            return self.answered(node.item.name)
        if isinstance(node, Missing):
            return f"not({self.answered(node.item.name)[0]})", _ATOM
        raise TypeError(f"not an expression node: {node!r}")  # pragma: no cover

    def wrap(self, node: Node, min_prec: int) -> str:
        text, prec = self.emit(node)
        return f"({text})" if prec < min_prec else text

    # -- missing answers
    def answered(self, name: str) -> tuple[str, int]:
        ref = f"${{{name}}}"
        if name in self.multiple:
            parts = [f"count-selected({ref}) > 0"]
            if self.codes:
                parts.append("not(" + " or ".join(f"selected({ref}, '{c}')" for c in self.codes) + ")")
        else:
            parts = [f"{ref} != ''"]
            if self.codes:
                parts.append("not(" + " or ".join(f"{ref} = {c}" for c in self.codes) + ")")
        return " and ".join(parts), (_AND if len(parts) > 1 else _CMP)

    def safe_literal(self, node: Node) -> bool:
        """A literal that neither an empty nor a missing-coded answer can equal in XPath."""
        if isinstance(node, Num):
            return node.value not in self.codes
        if isinstance(node, Str):
            try:
                number = float(node.value)
            except ValueError:
                return node.value.strip() != ""
            return number not in self.codes
        return False

    def guarded(self, node: Node, text: str, prec: int) -> tuple[str, int]:
        guards = [self.answered(n)[0] for n in sorted(node.names())]
        if not guards:
            return text, prec
        body = f"({text})" if prec < _AND + 1 else text
        return "(" + " and ".join([*guards, body]) + ")", _ATOM

    def choice_value(self, item: str, code_text: str) -> str:
        """The value a form stores for choice ``code_text`` of ``item``: its name where the item has names."""
        names = self.named.get(item)
        if names is None:
            return code_text
        try:
            return names.get(int(float(code_text)), code_text)
        except ValueError:
            return code_text

    def named_test(self, name: str, keep: list[int]) -> tuple[str, int]:
        """``${x} = 'a' or ${x} = 'b'`` for the names of the codes in ``keep`` (``false()`` when none)."""
        names = self.named[name]
        tests = [f"${{{name}}} = {quote(names[c])}" for c in keep]
        if not tests:
            return "false()", _ATOM
        return (tests[0], _CMP) if len(tests) == 1 else (" or ".join(tests), _OR)

    def named_side(self, node: Compare | In) -> tuple[str, str, list[float]] | None:
        """(item name, operator as seen from the item, literal numbers) when ``node`` compares an item with
        named choices against numbers only; None otherwise."""
        if isinstance(node, In):
            if isinstance(node.subject, Name) and node.subject.name in self.named and all(
                    isinstance(v, Num) for v in node.values):
                return node.subject.name, "!=" if node.negated else "==", [v.value for v in node.values]
            return None
        if isinstance(node.left, Name) and node.left.name in self.named and isinstance(node.right, Num):
            return node.left.name, node.op, [node.right.value]
        if isinstance(node.right, Name) and node.right.name in self.named and isinstance(node.left, Num):
            return node.right.name, _FLIPPED[node.op], [node.left.value]
        return None

    def named_compare(self, node: Compare | In) -> tuple[str, int] | None:
        """The comparison of an item with named choices as a test of names (see :func:`to_xpath`)."""
        side = self.named_side(node)
        if side is None:
            return None
        name, op, values = side
        codes = list(self.named[name])
        if isinstance(node, In):
            keep = [c for c in codes if (c in values) != node.negated]
        else:
            keep = [c for c in codes if _COMPARE[op](c, values[0])]
        return self.named_test(name, keep)

    def compare(self, node: Compare) -> tuple[str, int]:
        named = self.named_compare(node)
        if named is not None:
            return named
        text = f"{self.wrap(node.left, _ADD)} {_XPATH_OPS[node.op]} {self.wrap(node.right, _ADD)}"
        simple = node.op == "==" and (
            (isinstance(node.left, Name) and self.safe_literal(node.right))
            or (isinstance(node.right, Name) and self.safe_literal(node.left))
        )
        return (text, _CMP) if simple else self.guarded(node, text, _CMP)

    def membership(self, node: In) -> tuple[str, int]:
        named = self.named_compare(node)
        if named is not None:
            return named
        subject = self.wrap(node.subject, _ADD)
        tests = [f"{subject} = {self.emit(v)[0]}" for v in node.values]
        text, prec = (tests[0], _CMP) if len(tests) == 1 else (" or ".join(tests), _OR)
        if node.negated:
            return self.guarded(node, f"not({text})", _ATOM)
        simple = isinstance(node.subject, Name) and all(self.safe_literal(v) for v in node.values)
        return (text, prec) if simple else self.guarded(node, text, prec)
