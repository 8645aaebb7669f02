"""Tree nodes of the skip-logic language: small frozen values, printable back to source text.

A parsed expression is a tree of these nodes. Every backend (XPath text, paper-form wording, vectorised
evaluation) walks the same tree, so the three can never disagree about what an expression means.
``str(node)`` prints canonical source text with the fewest parentheses; ``parse(str(tree)) == tree``.
Source positions are kept for error messages but take no part in equality.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal, Union

import numpy as np

#: Binding strength of each kind of node, low to high; used to print the fewest parentheses.
PREC_OR, PREC_AND, PREC_NOT, PREC_COMPARE, PREC_ADD, PREC_MUL, PREC_UNARY, PREC_ATOM = range(1, 9)

CompareOp = Literal["==", "!=", "<", "<=", ">", ">="]
ArithOp = Literal["+", "-", "*", "/", "%"]
COMPARE_OPS: tuple[str, ...] = ("==", "!=", "<", "<=", ">", ">=")
ORDER_OPS: frozenset[str] = frozenset({"<", "<=", ">", ">="})
KEYWORDS: frozenset[str] = frozenset({"and", "or", "not", "in"})
FUNCTIONS: frozenset[str] = frozenset({"selected", "answered", "missing"})


def selected_column(item: str, code: int | str) -> str:
    """The 0/1 column that ``selected(item, code)`` reads: ``<item>_<code>`` (how split multiple-choice answers
    are stored; the questionnaire names its columns with this same function)."""
    return f"{item}_{code}"


def format_number(value: int | float) -> str:
    """Positional decimal text of a number (no exponent), valid both in our language and in XPath 1.0."""
    if isinstance(value, bool):
        raise TypeError("booleans are not numbers in expressions")
    if isinstance(value, int):
        return str(value)
    text = np.format_float_positional(value, trim="0")
    return text if "." in text else text + ".0"


def quote(text: str) -> str:
    """Quote a string literal with whichever quote it does not contain (the language has no escapes)."""
    if "'" not in text:
        return f"'{text}'"
    if '"' not in text:
        return f'"{text}"'
    raise ValueError(f"a text literal cannot contain both kinds of quote: {text!r}")


class Node:
    """Common behaviour of all nodes: referenced names, printing, condition or value."""

    __slots__ = ()
    is_condition: bool = False
    prec: int = PREC_ATOM

    def children(self) -> tuple[Node, ...]:
        return ()

    def names(self) -> frozenset[str]:
        """Every item name the expression refers to."""
        out: set[str] = set()
        for c in self.children():
            out |= c.names()
        return frozenset(out)

    def walk(self):
        """This node and all nodes below it, depth first."""
        yield self
        for c in self.children():
            yield from c.walk()

    def __str__(self) -> str:  # pragma: no cover - every subclass overrides
        raise NotImplementedError


def _wrap(node: Node, min_prec: int) -> str:
    """``str(node)``, in parentheses when it binds less tightly than ``min_prec``."""
    text = str(node)
    return f"({text})" if node.prec < min_prec else text


# ---------------------------------------------------------------- values


@dataclass(frozen=True, slots=True)
class Num(Node):
    """A number literal (int or float); negative literals are folded into the value."""

    value: int | float
    position: int = field(default=0, compare=False, repr=False)

    @property
    def prec(self) -> int:  # type: ignore[override]
        return PREC_UNARY if self.value < 0 else PREC_ATOM

    def __str__(self) -> str:
        return format_number(self.value)


@dataclass(frozen=True, slots=True)
class Str(Node):
    """A text literal."""

    value: str
    position: int = field(default=0, compare=False, repr=False)

    def __str__(self) -> str:
        return quote(self.value)


@dataclass(frozen=True, slots=True)
class Name(Node):
    """A reference to an item (a data column)."""

    name: str
    position: int = field(default=0, compare=False, repr=False)

    def names(self) -> frozenset[str]:
        return frozenset({self.name})

    def __str__(self) -> str:
        return self.name if _PLAIN_NAME.fullmatch(self.name) else f"`{self.name}`"


_PLAIN_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass(frozen=True, slots=True)
class Neg(Node):
    """Unary minus of a value that is not a literal."""

    operand: Node
    position: int = field(default=0, compare=False, repr=False)
    prec = PREC_UNARY

    def children(self) -> tuple[Node, ...]:
        return (self.operand,)

    def __str__(self) -> str:
        inner = str(self.operand)
        if self.operand.prec <= PREC_UNARY:
            inner = f"({inner})"
        return f"-{inner}"


@dataclass(frozen=True, slots=True)
class Arith(Node):
    """Arithmetic on numbers: ``+ - * / %`` (left-associative)."""

    op: ArithOp
    left: Node
    right: Node
    position: int = field(default=0, compare=False, repr=False)

    @property
    def prec(self) -> int:  # type: ignore[override]
        return PREC_ADD if self.op in ("+", "-") else PREC_MUL

    def children(self) -> tuple[Node, ...]:
        return (self.left, self.right)

    def __str__(self) -> str:
        p = self.prec
        return f"{_wrap(self.left, p)} {self.op} {_wrap(self.right, p + 1)}"


@dataclass(frozen=True, slots=True)
class MathCall(Node):
    """``exp(x)``, ``log(x)`` (natural) or ``sqrt(x)`` of a value: only in value expressions
    (:func:`careersurvey.expr.parse_value`, e.g. contrasts of estimates), never in skip logic."""

    fn: Literal["exp", "log", "sqrt"]
    operand: Node
    position: int = field(default=0, compare=False, repr=False)

    def children(self) -> tuple[Node, ...]:
        return (self.operand,)

    def __str__(self) -> str:
        return f"{self.fn}({self.operand})"


#: Functions of a value, allowed only in value expressions.
MATH_FUNCTIONS: frozenset[str] = frozenset({"exp", "log", "sqrt"})

Value = Union[Num, Str, Name, Neg, Arith, MathCall]
Literal_ = Union[Num, Str]

# ---------------------------------------------------------------- conditions


@dataclass(frozen=True, slots=True)
class Compare(Node):
    """A comparison of two values; false whenever an item it reads is missing."""

    op: CompareOp
    left: Node
    right: Node
    position: int = field(default=0, compare=False, repr=False)
    is_condition = True
    prec = PREC_COMPARE

    def children(self) -> tuple[Node, ...]:
        return (self.left, self.right)

    def __str__(self) -> str:
        return f"{_wrap(self.left, PREC_ADD)} {self.op} {_wrap(self.right, PREC_ADD)}"


@dataclass(frozen=True, slots=True)
class In(Node):
    """Membership in a list of literals, ``x in [1, 2]``; ``x not in [...]`` is false when x is missing."""

    subject: Node
    values: tuple[Num | Str, ...]
    negated: bool = False
    position: int = field(default=0, compare=False, repr=False)
    is_condition = True
    prec = PREC_COMPARE

    def children(self) -> tuple[Node, ...]:
        return (self.subject, *self.values)

    def __str__(self) -> str:
        op = "not in" if self.negated else "in"
        return f"{_wrap(self.subject, PREC_ADD)} {op} [{', '.join(str(v) for v in self.values)}]"


@dataclass(frozen=True, slots=True)
class BoolOp(Node):
    """``and`` / ``or`` of two conditions (left-associative)."""

    op: Literal["and", "or"]
    left: Node
    right: Node
    position: int = field(default=0, compare=False, repr=False)
    is_condition = True

    @property
    def prec(self) -> int:  # type: ignore[override]
        return PREC_AND if self.op == "and" else PREC_OR

    def children(self) -> tuple[Node, ...]:
        return (self.left, self.right)

    def __str__(self) -> str:
        p = self.prec
        return f"{_wrap(self.left, p)} {self.op} {_wrap(self.right, p + 1)}"


@dataclass(frozen=True, slots=True)
class Not(Node):
    """Negation of a condition: true where the condition is false (missing answers included)."""

    operand: Node
    position: int = field(default=0, compare=False, repr=False)
    is_condition = True
    prec = PREC_NOT

    def children(self) -> tuple[Node, ...]:
        return (self.operand,)

    def __str__(self) -> str:
        return f"not {_wrap(self.operand, PREC_NOT)}"


@dataclass(frozen=True, slots=True)
class Selected(Node):
    """``selected(item, code)``: the choice ``code`` was ticked in multiple-choice ``item``."""

    item: Name
    code: Num | Str
    position: int = field(default=0, compare=False, repr=False)
    is_condition = True

    def children(self) -> tuple[Node, ...]:
        return (self.item,)

    @property
    def code_text(self) -> str:
        """The code as text, the way XLSForm stores choice names and columns are suffixed."""
        return str(self.code.value)

    def __str__(self) -> str:
        return f"selected({self.item}, {self.code})"


@dataclass(frozen=True, slots=True)
class _ItemTest(Node):
    """A function of one item's answer, printed as ``<function>(item)``."""

    item: Name
    position: int = field(default=0, compare=False, repr=False)
    is_condition = True
    function = ""

    def children(self) -> tuple[Node, ...]:
        return (self.item,)

    def __str__(self) -> str:
        return f"{self.function}({self.item})"


@dataclass(frozen=True, slots=True)
class Answered(_ItemTest):
    """``answered(item)``: the item holds a real answer (not empty, not a missing code)."""

    function = "answered"


@dataclass(frozen=True, slots=True)
class Missing(_ItemTest):
    """``missing(item)``: the item is empty or holds a missing code; the opposite of ``answered``."""

    function = "missing"


Condition = Union[Compare, In, BoolOp, Not, Selected, Answered, Missing]
