"""A tiny, independent XPath 1.0 evaluator for the subset ``to_xpath`` emits, used as a test oracle.

It shares no code with careersurvey: it evaluates one row at a time, with XPath 1.0's own rules for
comparing strings and numbers (``number('')`` is NaN, ``=`` between text values compares text, ``<``
always compares numbers, ``mod`` keeps the dividend's sign). ``${x}`` stands for the text of field x.
"""

from __future__ import annotations

import math
import re

_TOKENS = re.compile(
    r"\s*(?:(?P<num>\d+(?:\.\d*)?|\.\d+)|(?P<str>'[^']*'|\"[^\"]*\")|(?P<ref>\$\{[A-Za-z_][A-Za-z0-9_]*\})"
    r"|(?P<op>!=|<=|>=|=|<|>|\+|-|\*|\(|\)|,)|(?P<word>[a-z][a-z-]*))"
)
_NUMBER = re.compile(r"\s*-?(\d+(\.\d*)?|\.\d+)\s*")


def to_number(v: object) -> float:
    if isinstance(v, bool):
        return 1.0 if v else 0.0
    if isinstance(v, float):
        return v
    s = str(v)
    return float(s) if _NUMBER.fullmatch(s) else math.nan


def to_bool(v: object) -> bool:
    if isinstance(v, bool):
        return v
    if isinstance(v, float):
        return not (v == 0 or math.isnan(v))
    return len(str(v)) > 0


class XPathRow:
    """Evaluate XPath text against one row: ``fields`` maps names to their text ('' when empty)."""

    def __init__(self, text: str, fields: dict[str, str]) -> None:
        self.tokens: list[tuple[str, str]] = []
        pos = 0
        text = text.rstrip()
        while pos < len(text):
            m = _TOKENS.match(text, pos)
            if not m or m.end() == pos:
                raise SyntaxError(f"oracle cannot read {text[pos:]!r}")
            kind = m.lastgroup
            self.tokens.append((kind, m.group(kind)))
            pos = m.end()
        self.tokens.append(("end", ""))
        self.i = 0
        self.fields = fields

    def peek(self) -> tuple[str, str]:
        return self.tokens[self.i]

    def take(self, value: str | None = None) -> tuple[str, str]:
        tok = self.tokens[self.i]
        if value is not None and tok[1] != value:
            raise SyntaxError(f"expected {value!r}, got {tok!r}")
        self.i += 1
        return tok

    def run(self) -> bool:
        v = self.or_()
        if self.peek()[0] != "end":
            raise SyntaxError(f"trailing {self.peek()!r}")
        return to_bool(v)

    def or_(self):
        v = self.and_()
        while self.peek() == ("word", "or"):
            self.take()
            r = self.and_()
            v = to_bool(v) or to_bool(r)
        return v

    def and_(self):
        v = self.equality()
        while self.peek() == ("word", "and"):
            self.take()
            r = self.equality()
            v = to_bool(v) and to_bool(r)
        return v

    def equality(self):
        v = self.relational()
        while self.peek()[1] in ("=", "!="):
            op = self.take()[1]
            r = self.relational()
            if isinstance(v, bool) or isinstance(r, bool):
                a, b = to_bool(v), to_bool(r)
            elif isinstance(v, float) or isinstance(r, float):
                a, b = to_number(v), to_number(r)
            else:
                a, b = str(v), str(r)
            v = (a == b) if op == "=" else (a != b)
        return v

    def relational(self):
        v = self.additive()
        while self.peek()[1] in ("<", "<=", ">", ">="):
            op = self.take()[1]
            a, b = to_number(v), to_number(self.additive())
            v = {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op]
        return v

    def additive(self):
        v = self.multiplicative()
        while self.peek()[1] in ("+", "-"):
            op = self.take()[1]
            a, b = to_number(v), to_number(self.multiplicative())
            v = a + b if op == "+" else a - b
        return v

    def multiplicative(self):
        v = self.unary()
        while self.peek()[1] in ("*", "div", "mod"):
            op = self.take()[1]
            a, b = to_number(v), to_number(self.unary())
            if op == "*":
                v = a * b
            elif op == "div":
                v = _div(a, b)
            else:
                v = math.fmod(a, b) if b != 0 and not math.isinf(a) else math.nan
        return v

    def unary(self):
        if self.peek()[1] == "-":
            self.take()
            return -to_number(self.unary())
        return self.primary()

    def primary(self):
        kind, text = self.take()
        if kind == "num":
            return float(text)
        if kind == "str":
            return text[1:-1]
        if kind == "ref":
            return self.fields[text[2:-1]]
        if text == "(":
            v = self.or_()
            self.take(")")
            return v
        if kind == "word":
            self.take("(")
            if self.peek()[1] == ")":  # true(), false()
                self.take(")")
                if text in ("true", "false"):
                    return text == "true"
                raise SyntaxError(f"oracle does not know {text}()")
            args = [self.or_()]
            while self.peek()[1] == ",":
                self.take()
                args.append(self.or_())
            self.take(")")
            if text == "not":
                return not to_bool(args[0])
            if text == "selected":
                return str(args[1]) in str(args[0]).split()
            if text == "count-selected":
                return float(len(str(args[0]).split()))
            if text == "string-length":
                return float(len(str(args[0])))
        raise SyntaxError(f"oracle does not know {text!r}")


def _div(a: float, b: float) -> float:
    if b == 0:
        if a == 0 or math.isnan(a):
            return math.nan
        return math.copysign(math.inf, a) * math.copysign(1.0, b)
    return a / b


def xpath_eval(text: str, fields: dict[str, str]) -> bool:
    return XPathRow(text, fields).run()
