"""Pandas backend: evaluate an expression tree on a whole DataFrame at once, giving a boolean mask.

Used to check routing of imported responses (was an item answered that should have been skipped?) and by
``SurveyDesign.subset`` for domains. Semantics, shared with the XPath backend:

- a value is *missing* when it is NaN/None, an empty string, or (numerically) one of ``missing_codes``;
- every comparison (``== != < <= > >=``, ``in``, ``not in``) that reads a missing value is False, while
  ``not`` simply negates; so ``x != 1`` and ``not x == 1`` differ exactly on missing answers;
- text compares as text (``stype == 'E'``), numbers as numbers; a text cell compared with a number is read
  as a number (``'3'`` equals 3, ``'abc'`` equals nothing), as XPath does;
- ``selected(x, c)`` reads the 0/1 column ``x_c``; ``answered(x)`` of a multiple-choice item is true when
  a real choice and no missing-code choice is ticked;
- ``%`` is the remainder with the sign of the dividend, as XPath's ``mod``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable

import numpy as np
import pandas as pd

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
    selected_column,
)
from careersurvey.expr.parser import ExprError, parse


@dataclass(frozen=True, slots=True)
class _Value:
    """A column (or broadcast literal) seen both as numbers and as text, with its missing mask."""

    number: np.ndarray  # float64, NaN where not a number
    text: np.ndarray | None  # object array of str, or None for pure numbers
    missing: np.ndarray  # bool
    is_text_literal: bool = False


def evaluate(
    tree: Node | str,
    df: pd.DataFrame,
    *,
    missing_codes: Iterable[int],
) -> np.ndarray:
    """Boolean mask, one entry per row of ``df``, of where the condition holds.

    ``tree`` is a parsed expression (or its text); columns are looked up by item name. Raises ExprError
    naming the item when a column is absent.
    """
    source = tree if isinstance(tree, str) else str(tree)
    node = parse(tree) if isinstance(tree, str) else tree
    return _Evaluator(df, tuple(missing_codes), source).condition(node)


class _Evaluator:
    def __init__(self, df: pd.DataFrame, codes: tuple[int, ...], source: str) -> None:
        self.df = df
        self.n = len(df)
        self.codes = codes
        self.source = source
        self.cache: dict[str, _Value] = {}

    # -- columns
    def name_value(self, node: Name) -> _Value:
        """A column as numbers and (for non-numeric columns) text; text is parsed once per distinct value."""
        s = self.column(node)
        if pd.api.types.is_numeric_dtype(s.dtype) or pd.api.types.is_bool_dtype(s.dtype):  # bool reads as 0/1
            number = s.to_numpy(dtype=float, na_value=np.nan)
            return _Value(number, None, self.missing_mask(s, number))
        codes, uniques = pd.factorize(s.astype(object), use_na_sentinel=True)
        unique_text = pd.Series(uniques, dtype=object).astype("string").fillna("").to_numpy(dtype=object)
        unique_number = pd.to_numeric(pd.Series(unique_text, dtype=object), errors="coerce").to_numpy(
            dtype=float, na_value=np.nan)
        present = codes >= 0
        safe = np.where(present, codes, 0)
        text = np.where(present, unique_text[safe] if len(uniques) else "", "").astype(object)
        number = np.where(present, unique_number[safe] if len(uniques) else np.nan, np.nan)
        missing = ~present | (text == "")
        if self.codes:
            missing |= np.isin(number, np.asarray(self.codes, dtype=float))
        return _Value(number, text, missing)

    def column(self, name: Name) -> pd.Series:
        if name.name in self.df.columns:
            return self.df[name.name]
        if self.multiple_columns(name.name):
            raise ExprError(
                f"{name.name!r} is a multiple-choice item (columns {name.name}_<code>): test it with "
                f"selected({name.name}, code) or answered({name.name})", self.source, name.position)
        raise ExprError(f"the data have no column {name.name!r}: check the item name", self.source, name.position)

    def multiple_columns(self, name: str) -> dict[str, str]:
        """code text -> column name of the 0/1 columns of multiple-choice item ``name``."""
        pattern = re.compile(re.escape(name) + r"_(-?\d+)")
        out: dict[str, str] = {}
        for col in map(str, self.df.columns):
            m = pattern.fullmatch(col)
            if m:
                out[m.group(1)] = col
        return out

    def missing_mask(self, s: pd.Series, number: np.ndarray) -> np.ndarray:
        """Missing cells of a numeric column: NaN/NA, or one of the missing codes."""
        mask = s.isna().to_numpy(dtype=bool, copy=True)
        if self.codes:
            mask |= np.isin(number, np.asarray(self.codes, dtype=float))
        return mask

    def value(self, node: Node) -> _Value:
        if isinstance(node, Num):
            return _Value(np.full(self.n, float(node.value)), None, np.zeros(self.n, bool))
        if isinstance(node, Str):
            try:
                number = float(node.value)
            except ValueError:
                number = np.nan
            return _Value(np.full(self.n, number), np.full(self.n, node.value, dtype=object),
                          np.zeros(self.n, bool), is_text_literal=True)
        if isinstance(node, Name):
            if node.name not in self.cache:
                self.cache[node.name] = self.name_value(node)
            return self.cache[node.name]
        if isinstance(node, Neg):
            v = self.value(node.operand)
            return _Value(-v.number, None, v.missing)
        if isinstance(node, Arith):
            a, b = self.value(node.left), self.value(node.right)
            with np.errstate(all="ignore"):
                if node.op == "+":
                    r = a.number + b.number
                elif node.op == "-":
                    r = a.number - b.number
                elif node.op == "*":
                    r = a.number * b.number
                elif node.op == "/":
                    r = a.number / b.number
                else:
                    r = np.fmod(a.number, b.number)
            return _Value(r, None, a.missing | b.missing)
        raise ExprError(f"expected a value, found the condition {node}", self.source, node.position)

    # -- conditions
    def condition(self, node: Node) -> np.ndarray:
        if isinstance(node, BoolOp):
            a, b = self.condition(node.left), self.condition(node.right)
            return (a & b) if node.op == "and" else (a | b)
        if isinstance(node, Not):
            return ~self.condition(node.operand)
        if isinstance(node, Compare):
            return self.compare(node.op, self.value(node.left), self.value(node.right))
        if isinstance(node, In):
            subject = self.value(node.subject)
            hit = np.zeros(self.n, bool)
            for v in node.values:
                hit |= self.compare("==", subject, self.value(v))
            return (~hit & ~subject.missing) if node.negated else hit
        if isinstance(node, Selected):
            col = selected_column(node.item.name, node.code_text)  # type: ignore[arg-type]
            if col not in self.df.columns:
                raise ExprError(
                    f"the data have no column {col!r} for selected({node.item.name}, {node.code}): "
                    "check the item name and the choice code", self.source, node.position)
            return pd.to_numeric(self.df[col], errors="coerce").to_numpy(dtype=float, na_value=np.nan) == 1
        if isinstance(node, Answered):
            return self.answered(node.item)
        if isinstance(node, Missing):
            return ~self.answered(node.item)
        raise ExprError(f"expected a condition, found the value {node}", self.source, node.position)

    def answered(self, name: Name) -> np.ndarray:
        if name.name not in self.df.columns:
            cols = self.multiple_columns(name.name)
            if cols:
                def ticked(c: str) -> np.ndarray:
                    return pd.to_numeric(self.df[c], errors="coerce").to_numpy(dtype=float, na_value=np.nan) == 1
                real = np.zeros(self.n, bool)
                coded = np.zeros(self.n, bool)
                for code, col in cols.items():
                    if int(code) in self.codes:
                        coded |= ticked(col)
                    else:
                        real |= ticked(col)
                return real & ~coded
        return ~self.value(name).missing

    def compare(self, op: str, a: _Value, b: _Value) -> np.ndarray:
        both_missing = a.missing | b.missing
        # text literals against text columns, and two text columns, compare as text; the rest as numbers
        as_text = a.text is not None and b.text is not None and op in ("==", "!=")
        if as_text:  # both sides have text here
            result = (a.text == b.text) if op == "==" else (a.text != b.text)
        else:
            with np.errstate(invalid="ignore"):
                result = {
                    "==": np.equal, "!=": np.not_equal, "<": np.less, "<=": np.less_equal,
                    ">": np.greater, ">=": np.greater_equal,
                }[op](a.number, b.number)
        return np.asarray(result, dtype=bool) & ~both_missing

