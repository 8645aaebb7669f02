"""A model formula's design matrix as Ibis expressions, named as the in-memory formula engine names them.

formulaic parses the formula (the same parser as :mod:`careersurvey.estimation.models.formula`), so terms come in
its order and with its names: ``Intercept``, a numeric column as its name, ``I(meals / 10)``, a categorical
column with treatment contrasts against its first level in sorted order (``stype[T.H]``), levels absent from
the fit's rows left out (R's ``drop.unused.levels``). What the engine path supports:

- a response that is a numeric column or ``I(...)`` of one (a comparison ``I(sch_wide == 'Yes')`` gives 0/1);
- terms that are columns (numeric, or text/boolean as categorical) or ``I(...)`` of arithmetic and comparisons
  over columns, numbers and quoted text, read by the questionnaire's expression parser (never evaluated);
- an intercept (``- 1``/``0 +`` only with numeric terms).

Interactions, ``C()``, functions (``np.log``), ``offset()`` and ``cbind()`` are refused with a message naming
the term. A row missing any variable the formula reads leaves the fit (R's ``na.omit``), as in memory.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from careersurvey.engine.source import EngineError
from careersurvey.estimation.models.formula import ModelError, term_label
from careersurvey.expr import nodes as N
from careersurvey.expr.parser import ExprError, parse, parse_value

__all__ = ["ModelTerms", "model_terms"]


@dataclass(frozen=True, eq=False)
class ModelTerms:
    """``columns`` (Ibis float expressions, one per coefficient) named ``names``; ``terms`` as
    :class:`~careersurvey.estimation.models.fit.ModelResults` lists them; ``complete`` the rows the fit may use."""

    response: Any
    response_name: str
    columns: tuple
    names: tuple[str, ...]
    terms: tuple[tuple[str, tuple[int, ...]], ...]
    complete: Any


def _refuse(formula: str, what: str) -> EngineError:
    return EngineError(f"formula {formula!r}: {what} is not supported on the engine path (it fits numeric and "
                       "categorical columns, I(...) of arithmetic and comparisons, and an intercept); fit it in "
                       "memory with cs.SurveyDesign.glm, or add the column to the table first")


def _is_categorical(col) -> bool:
    return not col.type().is_numeric() or col.type().is_boolean()


def _number(col):
    import ibis

    x = col.cast("float64")
    return ibis.ifelse(col.isnan(), ibis.null("float64"), x) if col.type().is_floating() else x


def _expression(design, text: str, formula: str):
    """``I(inner)``: the inner expression as a float Ibis expression (comparisons 1/0)."""
    from careersurvey.engine.conditions import _Translator

    inner = text.strip()[2:-1]
    try:
        node = parse(inner)
    except ExprError:  # not a condition: arithmetic over columns and numbers
        try:
            node = parse_value(inner)
        except ExprError as exc:
            raise _refuse(formula, f"the expression {text!r} ({str(exc).splitlines()[0]})") from None
    tr = _Translator(design.table, (), inner)
    if isinstance(node, (N.Compare, N.BoolOp, N.Not, N.In)):
        return tr.condition(node).cast("float64")
    if isinstance(node, (N.Num, N.Name, N.Neg, N.Arith)):
        return tr.value(node).number
    raise _refuse(formula, f"the expression {text!r}")


def _variables(design, formula: str, parsed) -> list[str]:
    names = sorted(str(v) for v in parsed.required_variables)
    missing = [v for v in names if v not in design.table.columns]
    if missing:
        raise ModelError(f"formula {formula!r} cannot be evaluated: variable(s) {', '.join(missing)} not in the "
                         "table. Check the spelling against the table's columns.")
    return names


def model_terms(design, formula: str) -> ModelTerms:
    """The response and the design-matrix columns of ``formula`` over the design's table (see the module)."""
    import ibis
    from formulaic import Formula
    from formulaic.errors import FormulaicError

    if not isinstance(formula, str) or "~" not in formula:
        raise ModelError(f"model formula {formula!r} needs a response and predictors, e.g. 'y ~ x1 + x2'")
    for word in ("offset(", "cbind("):
        if word in formula.replace(" ", ""):
            raise _refuse(formula, f"{word[:-1]}()")
    try:
        parsed = Formula(formula)
    except FormulaicError as exc:
        raise ModelError(f"formula {formula!r} cannot be parsed: {str(exc).splitlines()[0]}") from None
    variables = _variables(design, formula, parsed)
    from careersurvey.engine.estimators import _refuse_codes

    _refuse_codes(design, variables, "model variable")
    t = design.table
    complete = ibis.literal(True)
    for v in variables:  # R's na.omit over every variable the formula reads
        col = t[v]
        complete = complete & col.notnull()
        if col.type().is_floating():
            complete = complete & ~col.isnan()
    member = complete if design.domain is None else design.domain & complete

    lhs = list(parsed.lhs)
    if len(lhs) != 1 or len(lhs[0].factors) != 1:
        raise _refuse(formula, "a response other than one column or I(...)")
    response, response_name = _factor_numeric(design, lhs[0].factors[0], formula, "response")

    columns, names, terms = [], [], []
    rhs = list(parsed.rhs)
    has_intercept = any(str(term) == "1" for term in rhs)
    for term in rhs:  # over the formula's terms, not rows
        start = len(columns)
        if str(term) == "1":
            columns.append(ibis.literal(1.0, type="float64"))
            names.append("Intercept")
        elif len(term.factors) != 1:
            raise _refuse(formula, f"the interaction {str(term)!r}")
        else:
            factor = term.factors[0]
            expr = str(factor.expr)
            if expr in t.columns and _is_categorical(t[expr]):
                if not has_intercept:
                    raise _refuse(formula, f"a categorical term ({expr!r}) without an intercept")
                q = t.filter(member)
                levels = design.execute(q.select(expr).distinct())[expr].dropna().tolist()
                levels = sorted(levels, key=lambda x: (str(type(x)), x))
                for lv in levels[1:]:
                    columns.append((t[expr] == lv).cast("float64"))
                    names.append(f"{expr}[T.{lv}]")
            else:
                col, name = _factor_numeric(design, factor, formula, "term")
                columns.append(col)
                names.append(name)
        terms.append((term_label(term), tuple(range(start, len(columns)))))
    return ModelTerms(response, response_name, tuple(columns), tuple(names), tuple(terms), complete)


def _factor_numeric(design, factor, formula: str, what: str):
    """A numeric column or ``I(...)`` as a float expression, with its name."""
    t = design.table
    expr = str(factor.expr)
    if expr in t.columns:
        col = t[expr]
        if _is_categorical(col):
            raise _refuse(formula, f"a categorical {what} ({expr!r}); use I({expr} == 'level')")
        return _number(col), expr
    if expr.startswith("I(") and expr.endswith(")"):
        return _expression(design, expr, formula), expr
    raise _refuse(formula, f"the {what} {expr!r}")
