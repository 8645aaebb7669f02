"""The Python expressions of model formulas (``np.log(enroll)``, ``I(ell**2)``, ``np.maximum(enroll - api_stu, 0)``)
as Ibis expressions: read by Python's parser into a tree and translated node by node, never evaluated.

What the in-memory formula engine evaluates with numpy, for the functions a survey model uses: arithmetic
(``+ - * / ** %``), comparisons (``sch_wide == 'Yes'``: 1/0), ``and``/``or``/``not``, numbers and quoted text,
columns, and ``np.log``, ``np.log10``, ``np.log2``, ``np.exp``, ``np.sqrt``, ``np.abs``, ``np.maximum``,
``np.minimum`` (also without ``np.``). Anything else is refused with a message naming it.
"""

from __future__ import annotations

import ast

from careersurvey.engine.source import EngineError

__all__ = ["translate"]

_UNARY = {"log": lambda x: x.ln(), "log10": lambda x: x.log10(), "log2": lambda x: x.log2(),
          "exp": lambda x: x.exp(), "sqrt": lambda x: x.sqrt(), "abs": lambda x: x.abs(),
          "absolute": lambda x: x.abs()}


def translate(text: str, table, formula: str):
    """``text`` (a Python expression over ``table``'s columns) as a float Ibis expression (comparisons 1/0)."""
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError:
        raise _refuse(formula, text, "it is not an expression") from None
    out = _Translate(table, formula, text).node(tree.body)
    return out.cast("float64") if out.type().is_boolean() else _float(out)


def _refuse(formula: str, text: str, why: str) -> EngineError:
    return EngineError(f"formula {formula!r}: the expression {text!r} is not supported on the engine path ({why}); "
                       "it translates arithmetic, comparisons and np.log/exp/sqrt/abs/maximum/minimum of columns. "
                       "Fit it in memory with cs.SurveyDesign.glm, or add the column to the table first")


def _float(x):
    if x.type().is_numeric():
        return x.cast("float64")
    return x


class _Translate:
    def __init__(self, table, formula: str, text: str) -> None:
        self.t, self.formula, self.text = table, formula, text

    def fail(self, why: str) -> EngineError:
        return _refuse(self.formula, self.text, why)

    def node(self, n):  # noqa: C901 - one branch per kind of node
        import ibis

        if isinstance(n, ast.Constant):
            if isinstance(n.value, bool):
                return ibis.literal(n.value)
            if isinstance(n.value, (int, float)):
                return ibis.literal(float(n.value), type="float64")
            if isinstance(n.value, str):
                return ibis.literal(n.value, type="string")
            raise self.fail(f"the constant {n.value!r}")
        if isinstance(n, ast.Name):
            if n.id not in self.t.columns:
                raise self.fail(f"the table has no column {n.id!r}")
            col = self.t[n.id]
            return col.cast("float64") if col.type().is_numeric() and not col.type().is_boolean() else col
        if isinstance(n, ast.BinOp):
            a, b = _float(self.node(n.left)), _float(self.node(n.right))
            ops = {ast.Add: lambda x, y: x + y, ast.Sub: lambda x, y: x - y, ast.Mult: lambda x, y: x * y,
                   ast.Div: lambda x, y: x / y, ast.Pow: lambda x, y: x ** y, ast.Mod: lambda x, y: x % y}
            if type(n.op) not in ops:
                raise self.fail(f"the operator {type(n.op).__name__}")
            return ops[type(n.op)](a, b)
        if isinstance(n, ast.UnaryOp):
            v = self.node(n.operand)
            if isinstance(n.op, ast.USub):
                return -_float(v)
            if isinstance(n.op, ast.UAdd):
                return _float(v)
            if isinstance(n.op, (ast.Not, ast.Invert)):
                return ~v
            raise self.fail(f"the operator {type(n.op).__name__}")
        if isinstance(n, ast.BoolOp):
            values = [self.node(v) for v in n.values]
            out = values[0]
            for v in values[1:]:
                out = (out & v) if isinstance(n.op, ast.And) else (out | v)
            return out
        if isinstance(n, ast.Compare):
            if len(n.ops) != 1:
                raise self.fail("a chained comparison")
            a, b = self.node(n.left), self.node(n.comparators[0])
            ops = {ast.Eq: lambda x, y: x == y, ast.NotEq: lambda x, y: x != y, ast.Lt: lambda x, y: x < y,
                   ast.LtE: lambda x, y: x <= y, ast.Gt: lambda x, y: x > y, ast.GtE: lambda x, y: x >= y}
            if type(n.ops[0]) not in ops:
                raise self.fail(f"the comparison {type(n.ops[0]).__name__}")
            return ops[type(n.ops[0])](a, b)
        if isinstance(n, ast.Call):
            return self.call(n)
        raise self.fail(f"{type(n).__name__} is not translated")

    def call(self, n: ast.Call):
        import ibis

        f = n.func
        if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) and f.value.id in ("np", "numpy"):
            name = f.attr
        elif isinstance(f, ast.Name):
            name = f.id
        else:
            raise self.fail("a call of something other than a numpy function")
        if n.keywords:
            raise self.fail(f"keyword arguments to {name}()")
        args = [_float(self.node(a)) for a in n.args]
        if name in _UNARY and len(args) == 1:
            return _UNARY[name](args[0])
        if name in ("maximum", "minimum") and len(args) == 2:
            # numpy's maximum of two numbers (no missing values reach a model's rows)
            a, b = args
            return ibis.ifelse(a >= b, a, b) if name == "maximum" else ibis.ifelse(a <= b, a, b)
        raise self.fail(f"the function {name}() with {len(args)} argument(s)")
