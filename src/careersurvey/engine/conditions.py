"""Domain conditions in the questionnaire language, translated to Ibis expressions (never evaluated as code).

The same meaning as :func:`careersurvey.expr.evaluate` over a DataFrame: a comparison that reads an empty cell
or a declared missing code is false; text columns compared with text literals compare as text, everything else
as numbers; ``selected(item, code)`` reads the 0/1 column ``item_code``; ``answered``/``missing`` test a cell.
A cell of a table of cells (post-stratification, raking, a domain of ``by=``) is :func:`cell_condition`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from careersurvey.engine.source import EngineError
from careersurvey.expr import nodes as N
from careersurvey.expr.parser import parse

__all__ = ["cell_condition", "to_ibis"]


@dataclass(frozen=True)
class _Value:
    number: Any
    text: Any | None
    missing: Any


def to_ibis(source: str, table, missing_codes: tuple[int, ...]):
    """The boolean Ibis expression of condition ``source`` over ``table``."""
    return _Translator(table, tuple(missing_codes), source).condition(parse(source))


def cell_condition(table, columns, values):
    """True on the rows of ``table`` whose ``columns`` equal ``values`` (one per column, or a row of a cells
    table that holds them by name); false where a column is NULL, so a row with a missing cell is in no cell."""
    import numpy as np

    if hasattr(values, "keys"):
        values = [values[c] for c in columns]
    cond = None
    for c, v in zip(columns, values, strict=True):
        part = table[c] == (v.item() if isinstance(v, np.generic) else v)
        cond = part if cond is None else cond & part
    return cond.fill_null(False)


class _Translator:
    def __init__(self, table, codes: tuple[int, ...], source: str) -> None:
        self.t, self.codes, self.source = table, codes, source

    def _fail(self, message: str) -> EngineError:
        return EngineError(f"condition {self.source!r}: {message}")

    def column(self, name: str):
        if name not in self.t.columns:
            raise self._fail(f"the table has no column {name!r}: check the item name")
        return self.t[name]

    def value(self, node) -> _Value:
        import ibis

        if isinstance(node, N.Num):
            return _Value(ibis.literal(float(node.value), type="float64"), None, ibis.literal(False))
        if isinstance(node, N.Str):
            try:
                number = ibis.literal(float(node.value), type="float64")
            except ValueError:
                number = ibis.null("float64")
            return _Value(number, ibis.literal(node.value, type="string"), ibis.literal(False))
        if isinstance(node, N.Name):
            col = self.column(node.name)
            if col.type().is_numeric() or col.type().is_boolean():
                number = col.cast("float64")
                missing = col.isnull()
                if col.type().is_floating():
                    missing = missing | col.isnan()
                text = None
            else:
                text = col.cast("string")
                number = text.try_cast("float64") if hasattr(text, "try_cast") else text.cast("float64")
                missing = col.isnull() | (text == "")
            if self.codes:
                missing = missing | number.isin([float(c) for c in self.codes]).fill_null(False)
            return _Value(number, text, missing.fill_null(True))
        if isinstance(node, N.Neg):
            v = self.value(node.operand)
            return _Value(-v.number, None, v.missing)
        if isinstance(node, N.Arith):
            a, b = self.value(node.left), self.value(node.right)
            ops = {"+": lambda x, y: x + y, "-": lambda x, y: x - y, "*": lambda x, y: x * y,
                   "/": lambda x, y: x / y, "%": lambda x, y: x % y}
            return _Value(ops[node.op](a.number, b.number), None, a.missing | b.missing)
        raise self._fail(f"expected a value, found {node}")

    def condition(self, node):
        import ibis

        if isinstance(node, N.BoolOp):
            a, b = self.condition(node.left), self.condition(node.right)
            return (a & b) if node.op == "and" else (a | b)
        if isinstance(node, N.Not):
            return ~self.condition(node.operand)
        if isinstance(node, N.Compare):
            return self.compare(node.op, self.value(node.left), self.value(node.right))
        if isinstance(node, N.In):
            subject = self.value(node.subject)
            hit = ibis.literal(False)
            for v in node.values:
                hit = hit | self.compare("==", subject, self.value(v))
            return (~hit & ~subject.missing) if node.negated else hit
        if isinstance(node, N.Selected):
            col = self.column(N.selected_column(node.item.name, node.code_text))
            return (col.cast("float64") == 1).fill_null(False)
        if isinstance(node, (N.Answered, N.Missing)):
            answered = ~self.value(node.item).missing
            return answered if isinstance(node, N.Answered) else ~answered
        raise self._fail(f"expected a condition, found {node}")

    @staticmethod
    def compare(op: str, a: _Value, b: _Value):
        if a.text is not None and b.text is not None and op in ("==", "!="):
            result = (a.text == b.text) if op == "==" else (a.text != b.text)
        else:
            x, y = a.number, b.number
            result = {"==": x == y, "!=": x != y, "<": x < y, "<=": x <= y, ">": x > y, ">=": x >= y}[op]
        return result.fill_null(False) & ~(a.missing | b.missing)
