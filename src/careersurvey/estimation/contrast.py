"""Contrasts of estimates, as R survey's ``svycontrast``: linear combinations and nonlinear functions of the
rows of any result frame (means, totals, ratios, by-domain results with ``covmat=True``) or of a model's
coefficients (``d.glm(...)``; names as the formula engine spells them, in backquotes when they are not plain
identifiers: `` `stype[T.H]` ``), with their design-based covariance.

A linear contrast is a set of weights by estimate name (or a list aligned with the rows); a nonlinear one is
an arithmetic expression over the estimate names, ``"log(E) - log(H)"`` or ``"`E:api00` / `E:api99`"``
(names that are not identifiers in backquotes), parsed by :func:`careersurvey.expr.parse_value` and
differentiated symbolically here for the delta method; no text is ever evaluated as code. When the frame
carries replicate estimates (``by=..., covmat=True`` on a replicate design), ``replicates=True`` computes a
nonlinear contrast under every replicate and takes their variance by the replicate rule, as R does with the
replicates of ``svyby(return.replicates=TRUE)`` (R's default, as ours, is the delta method).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from careersurvey.estimation.estimators import EstimateError
from careersurvey.estimation.frames import result_frame
from careersurvey.expr import Arith, ExprError, MathCall, Name, Neg, Node, Num, parse_value

__all__ = ["contrast", "derivative", "value"]


def contrast(result: pd.DataFrame, contrasts, level: float | None = None, df: float | None = None,
             replicates: bool = False) -> pd.DataFrame:
    """The contrasts of ``result``'s estimates: ``contrasts`` a dict {name: weights or expression} (or one of
    them, named "contrast"); weights a dict {estimate name: weight} (names left out weigh 0) or a sequence in
    row order; an expression a string. Nonlinear contrasts use the delta method, as R's ``svycontrast``;
    ``replicates=True`` (on by-domain results of a replicate design with ``covmat=True``) computes them under
    every replicate instead, as R does for ``svyby(return.replicates=TRUE)``. Returns a result frame
    (estimate, se, ci, df) with ``attrs["vcov"]``."""
    if not isinstance(result, pd.DataFrame) and isinstance(getattr(result, "table", None), pd.DataFrame):
        result = result.table  # a model's coefficients (glm, ordinal) with their covariance
    vcov = result.attrs.get("vcov")
    names = estimate_names(result)
    if vcov is None or np.shape(vcov) != (len(names), len(names)):
        hint = (" For estimates by domain, ask for their covariance: by=..., covmat=True."
                if result.attrs.get("by") else "")
        raise EstimateError("contrast() needs the covariance of the estimates (frame.attrs['vcov']), which this "
                            f"frame does not carry.{hint}")
    theta = result["estimate"].to_numpy(dtype=float)
    if isinstance(contrasts, (str, Mapping)) and not _is_weights(contrasts, names):
        specs = {"contrast": contrasts} if isinstance(contrasts, str) else dict(contrasts)
    else:
        specs = {"contrast": contrasts}
    functions = {label: _function(label, spec, names) for label, spec in specs.items()}
    env = dict(zip(names, theta))
    values = np.array([f.value(env) for f in functions.values()])
    jac = np.array([f.gradient(env, names) for f in functions.values()])
    cov = jac @ np.asarray(vcov, dtype=float) @ jac.T
    reps = result.attrs.get("replicates")
    if replicates and reps is None:
        raise EstimateError("contrast(replicates=True) needs the replicate estimates: estimate by domain on a "
                            "replicate design with covmat=True.")
    if replicates and any(not f.linear for f in functions.values()):
        rep_values = np.array([[f.value(dict(zip(names, col))) for f in functions.values()] for col in reps.T])
        cov = result.attrs["replicate_weights"].covariance(rep_values, values)
    if df is None:
        df = result.attrs.get("design_df", float(result["df"].max()) if "df" in result else float("inf"))
    if level is None:
        level = result.attrs.get("level", 0.95)
    frame = result_frame(list(functions), values, cov, df, level=level, statistic="contrast")
    frame.attrs["contrasts"] = {label: str(f) for label, f in functions.items()}
    return frame


def estimate_names(result: pd.DataFrame) -> list[str]:
    """The names contrasts use: the row labels, ``level:name`` for by-domain rows of several estimates (R's)."""
    if isinstance(result.index, pd.MultiIndex):
        return [":".join(map(str, key)) for key in result.index]
    return [str(key) for key in result.index]


def _is_weights(spec, names: list[str]) -> bool:
    """A dict whose keys are all estimate names and values numbers is one set of weights, not several contrasts."""
    return isinstance(spec, Mapping) and bool(spec) and all(
        isinstance(k, str) and k in names and isinstance(v, (int, float, np.number)) and not isinstance(v, bool)
        for k, v in spec.items())


class _Contrast:
    """One contrast: a linear weight vector or a parsed expression, with its value and gradient."""

    def __init__(self, label: str, weights: np.ndarray | None = None, tree: Node | None = None,
                 names: list[str] | None = None) -> None:
        self.label, self.weights, self.tree = label, weights, tree
        self.linear = tree is None
        self.derivatives = {} if tree is None else {n: derivative(tree, n) for n in sorted(tree.names())}
        self._names = names or []

    def value(self, env: dict[str, float]) -> float:
        if self.linear:
            return float(self.weights @ np.array([env[n] for n in self._names]))
        return value(self.tree, env)

    def gradient(self, env: dict[str, float], names: list[str]) -> np.ndarray:
        if self.linear:
            return self.weights
        return np.array([value(self.derivatives[n], env) if n in self.derivatives else 0.0 for n in names])

    def __str__(self) -> str:
        if self.linear:
            terms = [f"{w:+g} {n}" for w, n in zip(self.weights, self._names) if w != 0]
            return " ".join(terms).lstrip("+")
        return str(self.tree)


def _function(label: str, spec, names: list[str]) -> _Contrast:
    if isinstance(spec, str):
        try:
            tree = parse_value(spec)
        except ExprError as exc:
            raise EstimateError(f"contrast {label!r}: {exc}") from None
        unknown = sorted(tree.names() - set(names))
        if unknown:
            raise EstimateError(f"contrast {label!r} names {', '.join(map(repr, unknown))}, which is not an "
                                f"estimate here; the estimates are {', '.join(names)} (write a name that is not "
                                "a plain identifier in backquotes, e.g. `E:api00`).")
        return _Contrast(label, tree=tree)
    if isinstance(spec, Mapping):
        unknown = [k for k in spec if k not in names]
        if unknown:
            raise EstimateError(f"contrast {label!r} weighs {', '.join(map(repr, unknown))}, which is not an "
                                f"estimate here; the estimates are {', '.join(names)}.")
        return _Contrast(label, np.array([float(spec.get(n, 0.0)) for n in names]), names=names)
    weights = np.asarray(spec, dtype=float).reshape(-1)
    if len(weights) != len(names):
        raise EstimateError(f"contrast {label!r} has {len(weights)} weights for {len(names)} estimates "
                            f"({', '.join(names)}); give one per estimate, or a dict by name.")
    return _Contrast(label, weights, names=names)


# -- symbolic derivatives and numeric values of value expressions -----------------------------------------------
def derivative(node: Node, name: str) -> Node:
    """d node / d name, as a tree (simplified where a term is 0 or 1)."""
    if isinstance(node, Num):
        return Num(0)
    if isinstance(node, Name):
        return Num(1 if node.name == name else 0)
    if isinstance(node, Neg):
        return _neg(derivative(node.operand, name))
    if isinstance(node, MathCall):
        inner = derivative(node.operand, name)
        outer = {"exp": node, "log": _div(Num(1), node.operand),
                 "sqrt": _div(Num(1), _mul(Num(2), node))}[node.fn]
        return _mul(outer, inner)
    if isinstance(node, Arith):
        a, b = node.left, node.right
        da, db = derivative(a, name), derivative(b, name)
        if node.op == "+":
            return _add(da, db)
        if node.op == "-":
            return _sub(da, db)
        if node.op == "*":
            return _add(_mul(da, b), _mul(a, db))
        if node.op == "/":
            return _sub(_div(da, b), _div(_mul(a, db), _mul(b, b)))
    raise EstimateError(f"cannot differentiate {node} (only + - * /, exp, log and sqrt)")


def value(node: Node, env: dict[str, float]) -> float:
    """The number a value expression stands for, given the estimates' values (arithmetic on our own tree)."""
    if isinstance(node, Num):
        return float(node.value)
    if isinstance(node, Name):
        return float(env[node.name])
    if isinstance(node, Neg):
        return -value(node.operand, env)
    if isinstance(node, MathCall):
        x = value(node.operand, env)
        with np.errstate(all="ignore"):
            return float({"exp": np.exp, "log": np.log, "sqrt": np.sqrt}[node.fn](x))
    if isinstance(node, Arith):
        a, b = value(node.left, env), value(node.right, env)
        if node.op == "+":
            return a + b
        if node.op == "-":
            return a - b
        if node.op == "*":
            return a * b
        if node.op == "/":
            return a / b if b != 0 else (math.copysign(math.inf, a) if a else math.nan)
    raise EstimateError(f"cannot compute {node}")


def _zero(n: Node) -> bool:
    return isinstance(n, Num) and n.value == 0


def _one(n: Node) -> bool:
    return isinstance(n, Num) and n.value == 1


def _neg(a: Node) -> Node:
    return Num(-a.value) if isinstance(a, Num) else Neg(a)


def _add(a: Node, b: Node) -> Node:
    return b if _zero(a) else a if _zero(b) else Arith("+", a, b)


def _sub(a: Node, b: Node) -> Node:
    return _neg(b) if _zero(a) else a if _zero(b) else Arith("-", a, b)


def _mul(a: Node, b: Node) -> Node:
    if _zero(a) or _zero(b):
        return Num(0)
    return b if _one(a) else a if _one(b) else Arith("*", a, b)


def _div(a: Node, b: Node) -> Node:
    return Num(0) if _zero(a) else a if _one(b) else Arith("/", a, b)
