"""Tokenizer and recursive-descent parser of the skip-logic language (survey/FORMAT.md). No eval.

Grammar, loosest binding first::

    condition  := or
    or         := and ("or" and)*
    and        := not ("and" not)*
    not        := "not" not | comparison
    comparison := sum (("==" | "!=" | "<" | "<=" | ">" | ">=") sum | ["not"] "in" list)?
    sum        := product (("+" | "-") product)*
    product    := unary (("*" | "/" | "%") unary)*
    unary      := "-" unary | primary
    primary    := number | string | name | call | "(" or ")"
    call       := "selected" "(" name "," literal ")" | ("answered" | "missing") "(" name ")"
    list       := "[" literal ("," literal)* [","] "]"

:func:`parse_value` reads a value expression instead (a ``sum``, for contrasts of estimates): there a name may
be written in backquotes (`` `E:api00` ``, any text but a backquote) and ``exp``, ``log`` and ``sqrt`` of a value
are allowed; text, conditions and the skip-logic functions are not.

Besides the grammar the parser checks kinds: ``and``/``or``/``not`` join conditions, comparisons and
arithmetic take values, text is never used in arithmetic or in ``<``-style comparisons, and comparisons do not
chain. Mistakes common to people who know other languages (``=``, ``&&``, ``${x}``) get a hint.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from careersurvey.expr.nodes import (
    COMPARE_OPS,
    FUNCTIONS,
    KEYWORDS,
    MATH_FUNCTIONS,
    ORDER_OPS,
    Answered,
    Arith,
    BoolOp,
    Compare,
    In,
    MathCall,
    Missing,
    Name,
    Neg,
    Node,
    Not,
    Num,
    Selected,
    Str,
)


class ExprError(ValueError):
    """A skip-logic expression that cannot be parsed or evaluated.

    ``message`` says what is wrong (and what to write instead), ``text`` is the whole expression and
    ``position`` the 0-based character offset where the problem is.
    """

    def __init__(self, message: str, text: str, position: int) -> None:
        super().__init__(message, text, position)
        self.message = message
        self.text = text
        self.position = position

    def __str__(self) -> str:
        caret = " " * self.position + "^"
        return f"{self.message} (at character {self.position + 1})\n  {self.text}\n  {caret}"


@dataclass(frozen=True, slots=True)
class Token:
    kind: str  # "num" | "str" | "name" | "op" | "end"
    text: str
    position: int


_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<bad>\$\{|&&|\|\||<>)
  | (?P<num>\d+\.\d*|\.\d+|\d+)
  | (?P<str>'[^']*'|"[^"]*")
  | (?P<bq>`[^`]+`)
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op>==|!=|<=|>=|<|>|\+|-|\*|/|%|\(|\)|\[|\]|,)
  | (?P<bad1>=|!|'|"|.)
    """,
    re.VERBOSE,
)

_BAD_HINTS = {
    "${": "write the item name alone, e.g. role == 1 (the ${role} form is produced for XLSForm)",
    "&&": "write 'and'",
    "||": "write 'or'",
    "<>": "write '!=' for 'not equal'",
    "=": "write '==' to compare",
    "!": "write 'not' to negate, or '!=' for 'not equal'",
    "'": "close the text with a matching '",
    '"': 'close the text with a matching "',
}


def tokenize(text: str) -> list[Token]:
    """Split ``text`` into tokens; raise ExprError at the first character that starts no token."""
    tokens: list[Token] = []
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup
        assert kind is not None
        if kind == "ws":
            continue
        if kind.startswith("bad"):
            bad = m.group()
            hint = _BAD_HINTS.get(bad, "only names, numbers, quoted text, ( ) [ ] , and operators are allowed")
            what = "unterminated text" if bad in ("'", '"') else f"unexpected {bad!r}"
            raise ExprError(f"{what}: {hint}", text, m.start())
        tokens.append(Token(kind, m.group(), m.start()))
    tokens.append(Token("end", "", len(text)))
    return tokens


class _Parser:
    def __init__(self, text: str, values: bool = False) -> None:
        self.text = text
        self.tokens = tokenize(text)
        self.i = 0
        self.values = values  # a value expression (parse_value): math functions and backquoted names

    # -- helpers
    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def peek(self, k: int = 1) -> Token:
        return self.tokens[min(self.i + k, len(self.tokens) - 1)]

    def advance(self) -> Token:
        t = self.tokens[self.i]
        self.i += 1
        return t

    def at(self, *texts: str) -> bool:
        t = self.tok
        return t.kind in ("op", "name") and t.text in texts

    def error(self, message: str, position: int | None = None) -> ExprError:
        return ExprError(message, self.text, self.tok.position if position is None else position)

    def expect(self, text: str, context: str) -> Token:
        if not self.at(text):
            raise self.error(f"expected {text!r} {context}, found {self.describe(self.tok)}")
        return self.advance()

    @staticmethod
    def describe(t: Token) -> str:
        return "the end of the expression" if t.kind == "end" else repr(t.text)

    def need_condition(self, node: Node, role: str) -> Node:
        if not node.is_condition:
            raise self.error(
                f"{role} must be a condition such as 'x == 1', not the value {str(node)!r}", node.position
            )
        return node

    def need_value(self, node: Node, role: str) -> Node:
        if node.is_condition:
            raise self.error(f"{role} must be a value, not the condition {str(node)!r}", node.position)
        return node

    def need_number(self, node: Node, role: str) -> Node:
        self.need_value(node, role)
        if isinstance(node, Str):
            raise self.error(f"{role} must be a number, not the text {str(node)}", node.position)
        return node

    # -- grammar
    def parse(self) -> Node:
        if self.tok.kind == "end":
            raise self.error("empty expression: write a condition such as 'consent == 1'")
        node = self.parse_or()
        if self.tok.kind != "end":
            t = self.tok
            hint = ""
            if t.kind == "name" and t.text.lower() in KEYWORDS:
                hint = f": write {t.text.lower()!r} in lower case"
            elif t.kind in ("name", "num", "str"):
                hint = ": join conditions with 'and' or 'or'"
            raise self.error(f"unexpected {t.text!r} after a complete expression{hint}")
        return self.need_condition(node, "the expression")

    def parse_or(self) -> Node:
        node = self.parse_and()
        while self.at("or"):
            t = self.advance()
            right = self.parse_and()
            node = BoolOp("or", self.need_condition(node, "the left side of 'or'"),
                          self.need_condition(right, "the right side of 'or'"), t.position)
        return node

    def parse_and(self) -> Node:
        node = self.parse_not()
        while self.at("and"):
            t = self.advance()
            right = self.parse_not()
            node = BoolOp("and", self.need_condition(node, "the left side of 'and'"),
                          self.need_condition(right, "the right side of 'and'"), t.position)
        return node

    def parse_not(self) -> Node:
        if self.at("not") and self.tok.kind == "name":
            t = self.advance()
            return Not(self.need_condition(self.parse_not(), "the operand of 'not'"), t.position)
        return self.parse_comparison()

    def parse_comparison(self) -> Node:
        left = self.parse_sum()
        if self.at(*COMPARE_OPS) and self.tok.kind == "op":
            t = self.advance()
            right = self.parse_sum()
            for side, node in (("left", left), ("right", right)):
                self.need_value(node, f"the {side} side of {t.text!r}")
                if t.text in ORDER_OPS and isinstance(node, Str):
                    raise self.error(
                        f"{t.text!r} compares numbers, but its {side} side is the text {node}; "
                        "text can only be compared with '==', '!=' or 'in'", node.position)
            if self.at(*COMPARE_OPS) or self.at("in"):
                raise self.error("comparisons cannot be chained: write 'a < b and b < c'")
            return Compare(t.text, left, right, t.position)  # type: ignore[arg-type]
        negated = False
        if self.at("not") and self.peek().kind == "name" and self.peek().text == "in":
            self.advance()
            negated = True
        if self.at("in"):
            t = self.advance()
            self.need_value(left, "the left side of 'in'")
            values = self.parse_list()
            return In(left, values, negated, t.position)
        if negated:  # pragma: no cover - guarded by the peek above
            raise self.error("expected 'in' after 'not'")
        return left

    def parse_list(self) -> tuple[Num | Str, ...]:
        self.expect("[", "to start the list after 'in'")
        values: list[Num | Str] = []
        while True:
            if self.at("]"):
                if not values:
                    raise self.error("empty list after 'in': list at least one value, e.g. [1, 2]")
                self.advance()
                return tuple(values)
            values.append(self.parse_literal("a list after 'in'"))
            if self.at(","):
                self.advance()
            elif not self.at("]"):
                raise self.error(f"expected ',' or ']' in the list, found {self.describe(self.tok)}")

    def parse_literal(self, where: str) -> Num | Str:
        t = self.tok
        sign = 1
        if self.at("-") and t.kind == "op":
            self.advance()
            sign = -1
        t2 = self.tok
        if t2.kind == "num":
            self.advance()
            return Num(sign * _number(t2.text), t.position)
        if t2.kind == "str" and sign == 1:
            self.advance()
            return Str(t2.text[1:-1], t.position)
        raise self.error(f"{where} holds only numbers and quoted text, found {self.describe(t2)}", t2.position)

    def parse_sum(self) -> Node:
        node = self.parse_product()
        while self.at("+", "-") and self.tok.kind == "op":
            t = self.advance()
            right = self.parse_product()
            node = Arith(t.text, self.need_number(node, f"the left side of {t.text!r}"),  # type: ignore[arg-type]
                         self.need_number(right, f"the right side of {t.text!r}"), t.position)
        return node

    def parse_product(self) -> Node:
        node = self.parse_unary()
        while self.at("*", "/", "%") and self.tok.kind == "op":
            t = self.advance()
            right = self.parse_unary()
            node = Arith(t.text, self.need_number(node, f"the left side of {t.text!r}"),  # type: ignore[arg-type]
                         self.need_number(right, f"the right side of {t.text!r}"), t.position)
        return node

    def parse_unary(self) -> Node:
        if self.at("-") and self.tok.kind == "op":
            t = self.advance()
            operand = self.need_number(self.parse_unary(), "the operand of '-'")
            if isinstance(operand, Num):
                return Num(-operand.value, t.position)
            return Neg(operand, t.position)
        return self.parse_primary()

    def parse_primary(self) -> Node:
        t = self.tok
        if t.kind == "num":
            self.advance()
            return Num(_number(t.text), t.position)
        if t.kind == "str":
            if self.values:
                raise self.error(f"a value expression holds numbers and names, not the text {t.text}")
            self.advance()
            return Str(t.text[1:-1], t.position)
        if t.kind == "bq":
            if not self.values:
                raise self.error("backquoted names are for value expressions (contrasts); write the item name alone")
            self.advance()
            return Name(t.text[1:-1], t.position)
        if t.kind == "name":
            if t.text in KEYWORDS:
                raise self.error(f"expected a value or a condition, found the keyword {t.text!r}")
            if self.peek().kind == "op" and self.peek().text == "(":
                return self.parse_call()
            self.advance()
            return Name(t.text, t.position)
        if self.at("("):
            self.advance()
            node = self.parse_or()
            self.expect(")", "to close the '(' opened at character " + str(t.position + 1))
            return node
        raise self.error(f"expected a value or a condition, found {self.describe(t)}")

    def parse_call(self) -> Node:
        t = self.advance()
        if self.values:
            if t.text not in MATH_FUNCTIONS:
                raise self.error(f"unknown function {t.text!r}: a value expression knows exp(x), log(x) and sqrt(x)",
                                 t.position)
            self.expect("(", f"after {t.text}")
            operand = self.need_number(self.parse_sum(), f"the argument of {t.text}()")
            self.expect(")", f"to close {t.text}(: it takes one value")
            return MathCall(t.text, operand, t.position)  # type: ignore[arg-type]
        if t.text not in FUNCTIONS:
            raise self.error(
                f"unknown function {t.text!r}: the functions are answered(item), missing(item) "
                "and selected(item, code)", t.position)
        self.expect("(", f"after {t.text}")
        if self.tok.kind != "name" or self.tok.text in KEYWORDS:
            raise self.error(f"{t.text}() takes an item name first, found {self.describe(self.tok)}")
        nt = self.advance()
        item = Name(nt.text, nt.position)
        if t.text == "selected":
            self.expect(",", "between the item and the code in selected(item, code)")
            code = self.parse_literal("the code of selected()")
            self.expect(")", "to close selected(")
            return Selected(item, code, t.position)
        self.expect(")", f"to close {t.text}(: it takes one item name")
        return (Answered if t.text == "answered" else Missing)(item, t.position)


def _number(text: str) -> int | float:
    return float(text) if "." in text else int(text)


def parse_value(text: str) -> Node:
    """Parse an arithmetic expression over names (``+ - * /``, ``exp log sqrt``, backquoted names), e.g. a
    contrast of estimates ``log(E) - log(H)``; raise ExprError on any mistake (conditions, text, ``%``)."""
    if not isinstance(text, str):
        raise ExprError(f"an expression must be text, not {type(text).__name__}", str(text), 0)
    parser = _Parser(text, values=True)
    if parser.tok.kind == "end":
        raise parser.error("empty expression: write a value such as 'E - H'")
    node = parser.parse_sum()
    if parser.tok.kind != "end":
        raise parser.error(f"unexpected {parser.tok.text!r} after a complete value expression (only + - * / and "
                           "exp(), log(), sqrt() of names and numbers)")
    for sub in node.walk():
        if isinstance(sub, Arith) and sub.op == "%":
            raise ExprError("'%' (remainder) has no derivative: a value expression uses + - * /", text, sub.position)
    return node


def parse(text: str) -> Node:
    """Parse a skip-logic condition into a tree of frozen nodes; raise ExprError on any mistake."""
    if not isinstance(text, str):
        raise ExprError(f"an expression must be text, not {type(text).__name__}", str(text), 0)
    return _Parser(text).parse()
