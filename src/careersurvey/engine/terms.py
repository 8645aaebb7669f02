"""A model formula's design matrix as Ibis expressions, named as the in-memory formula engine names them.

formulaic parses the formula (the same parser as :mod:`careersurvey.estimation.models.formula`), so terms come in
its order and with its names: ``Intercept``, a numeric column as its name, ``I(meals / 10)``, a categorical
column with treatment contrasts against its first level in sorted order (``stype[T.H]``), levels absent from
the fit's rows left out (R's ``drop.unused.levels``). What the engine path supports:

- a response that is a numeric column or ``I(...)`` of one (a comparison ``I(sch_wide == 'Yes')`` gives 0/1),
  or R's ``cbind(successes, failures)`` (the share of successes, the trials as prior weights);
- terms that are columns (numeric, or text/boolean as categorical), ``I(...)`` of arithmetic and comparisons
  over columns, numbers and quoted text (the questionnaire's expression parser, else
  :mod:`careersurvey.engine.models_expr` for ``**`` and ``np.log`` etc.; never evaluated), and interactions of
  them with at most one categorical factor (treatment contrasts when the term without it is in the model, as
  formulaic codes them, else one column per level);
- ``offset(...)`` terms (and an ``offset=`` expression), split off as the in-memory path does
  (:func:`careersurvey.estimation.models.special.split_formula`);
- an intercept (``- 1``/``0 +`` only with numeric terms).

``C()`` and other functions are refused with a message naming the term. A row missing any variable the formula
reads leaves the fit (R's ``na.omit``), as in memory.
"""

from __future__ import annotations

import itertools
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
    #: the offset (sum of the offset expressions) and a cbind response's failures, Ibis expressions or None
    offset: Any = None
    failures: Any = None
    #: the formula without offsets (a cbind response as its successes), as formulaic parsed it
    core: str = ""


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

    from careersurvey.engine.models_expr import translate

    inner = text.strip()[2:-1]
    try:
        node = parse(inner)
    except ExprError:  # not a condition: arithmetic over columns and numbers
        try:
            node = parse_value(inner)
        except ExprError:  # Python's operators and numpy functions (** , np.log, ...)
            return translate(inner, design.table, formula)
    tr = _Translator(design.table, (), inner)
    if isinstance(node, (N.Compare, N.BoolOp, N.Not, N.In)):
        return tr.condition(node).cast("float64")
    if isinstance(node, (N.Num, N.Name, N.Neg, N.Arith)):
        return tr.value(node).number
    raise _refuse(formula, f"the expression {text!r}")


def _variables(design, formula: str, parsed, extras: list[str]) -> list[str]:
    from formulaic import Formula

    needed = {str(v) for v in parsed.required_variables}
    for e in extras:  # the offsets' and failures' columns: a row missing one leaves the fit too
        needed |= {str(v) for v in Formula(f"0 + I({e})").required_variables}
    names = sorted(v for v in needed if v not in ("np", "numpy"))
    missing = [v for v in names if v not in design.table.columns]
    if missing:
        raise ModelError(f"formula {formula!r} cannot be evaluated: variable(s) {', '.join(missing)} not in the "
                         "table. Check the spelling against the table's columns.")
    return names


def model_terms(design, formula: str, offset: str | None = None, ordered_response: bool = False) -> ModelTerms:
    """The response and the design-matrix columns of ``formula`` over the design's table (see the module);
    ``ordered_response``: a categorical response column is kept as it is (an ordinal model's levels)."""
    import ibis
    from formulaic import Formula
    from formulaic.errors import FormulaicError

    from careersurvey.engine.models_expr import translate
    from careersurvey.estimation.models.formula import formula_parts

    if not isinstance(formula, str) or "~" not in formula:
        raise ModelError(f"model formula {formula!r} needs a response and predictors, e.g. 'y ~ x1 + x2'")
    if offset is not None and not isinstance(offset, str):
        raise ModelError(f"offset={offset!r}: give an expression or a column name of the design's data, e.g. "
                         "offset='np.log(enroll)'")
    split, offsets, extras = formula_parts(formula, offset)
    try:
        parsed = Formula(split.core)
    except FormulaicError as exc:
        raise ModelError(f"formula {formula!r} cannot be parsed: {str(exc).splitlines()[0]}") from None
    variables = _variables(design, formula, parsed, extras)
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
    name = str(lhs[0].factors[0].expr)
    if ordered_response and name in t.columns and _is_categorical(t[name]):
        response, response_name = t[name], name
    else:
        response, response_name = _factor_numeric(design, lhs[0].factors[0], formula, "response")
    off = None
    for e in offsets:  # one or two expressions, not rows
        x = translate(e, t, formula)
        off = x if off is None else off + x
    failures = translate(split.failures, t, formula) if split.failures is not None else None

    columns, names, terms = _rhs_columns(design, list(parsed.rhs), member, formula)
    return ModelTerms(response, response_name, tuple(columns), tuple(names), tuple(terms), complete, off, failures,
                      split.core)


def _rhs_columns(design, rhs: list, member, formula: str) -> tuple[list, list[str], list]:
    """The columns, names and (term label, columns) of a formula's right-hand side over the ``member`` rows."""
    import ibis

    columns, names, terms = [], [], []
    present = {frozenset(str(f) for f in term.factors) for term in rhs}
    for term in rhs:  # over the formula's terms, not rows
        start = len(columns)
        if str(term) == "1":
            columns.append(ibis.literal(1.0, type="float64"))
            names.append("Intercept")
        else:
            parts = [_factor_columns(design, term, factor, present, member, formula) for factor in term.factors]
            if sum(len(p) > 1 or p[0][2] for p in parts) > 1:
                raise _refuse(formula, f"the interaction {str(term)!r} of two categorical variables")
            for combo in itertools.product(*parts):  # at most one factor has several columns
                col = combo[0][0]
                for c in combo[1:]:
                    col = col * c[0]
                columns.append(col)
                names.append(":".join(c[1] for c in combo))
        terms.append((term_label(term), tuple(range(start, len(columns)))))
    return columns, names, terms


def rhs_terms(design, text: str, member) -> tuple[list, list[str]]:
    """The model-matrix columns (and names) of a one-sided formula ``"~ ell + meals"`` over the ``member`` rows
    (categorical levels those rows hold), as formulaic builds them."""
    from formulaic import Formula
    from formulaic.errors import FormulaicError

    text = text.strip()
    try:
        parsed = Formula(text if text.startswith("~") else f"~ {text}")
    except FormulaicError as exc:
        raise ModelError(f"formula {text!r} cannot be parsed: {str(exc).splitlines()[0]}") from None
    rhs = parsed.rhs if hasattr(parsed, "rhs") else parsed
    _variables(design, text, rhs, [])
    columns, names, _ = _rhs_columns(design, list(rhs), member, text)
    return columns, names


def _factor_columns(design, term, factor, present: set, member, formula: str) -> list[tuple[Any, str, bool]]:
    """One factor of a term as (column, name, categorical) triples: a numeric factor one, a categorical one per
    level (treatment contrasts against the first level when the term without it is in the model)."""
    t = design.table
    expr = str(factor.expr)
    if not (expr in t.columns and _is_categorical(t[expr])):
        col, name = _factor_numeric(design, factor, formula, "term")
        return [(col, name, False)]
    rest = frozenset(str(f) for f in term.factors if f is not factor) or frozenset({"1"})
    reduced = rest in present
    if not reduced and len(term.factors) == 1:
        raise _refuse(formula, f"a categorical term ({expr!r}) without an intercept")
    q = t.filter(member)
    levels = design.execute(q.select(expr).distinct())[expr].dropna().tolist()
    levels = sorted(levels, key=lambda x: (str(type(x)), x))
    use = levels[1:] if reduced else levels
    label = "[T.{}]" if reduced else "[{}]"
    return [((t[expr] == lv).cast("float64"), expr + label.format(lv), True) for lv in use]


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
    if what == "term" and "(" in expr and not expr.startswith(("C(", "center(", "scale(", "poly(", "bs(")):
        from careersurvey.engine.models_expr import translate

        return translate(expr, t, formula), expr  # a function of columns: np.log(enroll)
    raise _refuse(formula, f"the {what} {expr!r}")
