"""Functions of the in-memory links that portable SQL lacks, as engine expressions.

:data:`IBIS` holds what the core's link functions (:data:`careersurvey.estimation.models.ordinal.LINKS`) call,
for Ibis expressions: ``exp``, ``expit``, ``arctan`` and the normal distribution function ``ndtr``, which no
engine has. ``ndtr`` writes Phi(-|z|) = exp(-x^2) erfcx(x) / 2 with x = |z| / sqrt(2), and erfcx (smooth,
positive, no cancellation) on [0, inf) as four polynomials of degree 14 in t = (x - 2) / (x + 2), interpolating
scipy's ``erfcx`` times (x + 2) / 2 at Chebyshev points of each quarter of [-1, 1] (computed once per process);
Phi(|z|) = 1 - Phi(-|z|). Both tails agree with scipy's ``ndtr`` to ~1e-14 relative up to |z| = 8 and to 2e-13 in
the far tail, where scipy is as far from the exact values (exp(-x^2) rounds the same), so the engine's probit
fits equal the in-memory ones to 1e-14. Horner form keeps it to a few dozen operations per value.
"""

from __future__ import annotations

from functools import lru_cache
from types import SimpleNamespace

import numpy as np

__all__ = ["IBIS", "ndtr", "ndtr_parts", "clean"]

#: the map t = (x - L) / (x + L) of [0, inf) onto [-1, 1), its pieces and the polynomials' degree
_L, _CUTS, _DEGREE = 2.0, (-1.0, -0.5, 0.0, 0.5, 1.0), 14


@lru_cache(maxsize=None)
def _pieces() -> tuple[tuple[float, float, np.ndarray], ...]:
    """(centre, half-width, monomial coefficients in s = (t - centre) / half-width) of each piece."""
    from numpy.polynomial import chebyshev
    from scipy.special import erfcx

    nodes = np.cos(np.pi * (np.arange(_DEGREE + 1) + 0.5) / (_DEGREE + 1))
    out = []
    for a, b in zip(_CUTS[:-1], _CUTS[1:]):  # four pieces
        centre, half = (a + b) / 2, (b - a) / 2
        t = centre + half * nodes
        x = _L * (1 + t) / (1 - t)
        values = erfcx(x) * (x + _L) / _L
        out.append((centre, half, chebyshev.cheb2poly(chebyshev.chebfit(nodes, values, _DEGREE))))
    return tuple(out)


def ndtr_parts(z) -> tuple:
    """(x, s): x = |z| / sqrt(2) and the local variable s of its piece, what :func:`ndtr` reads ~60 times.
    Stored as columns of a projection before (``ndtr(z, (rel[a], rel[b]))``) they are computed once per row
    and the SQL of a value stays ~2 KB."""
    import ibis

    x = z.abs() / float(np.sqrt(2.0))
    t = (x - _L) / (x + _L)
    pieces = _pieces()
    centre = ibis.cases(*[(t < upper, c) for (c, _, _), upper in zip(pieces[:-1], _CUTS[1:])],
                        else_=pieces[-1][0])
    return x, (t - centre) / pieces[0][1]


def ndtr(z, parts: tuple | None = None):
    """The standard normal distribution function at the float expression ``z`` (``parts``: its
    :func:`ndtr_parts`, if columns hold them)."""
    import ibis

    x, s = ndtr_parts(z) if parts is None else parts
    t = (x - _L) / (x + _L)
    branches = []
    for (_, _, coefficients), upper in zip(_pieces(), _CUTS[1:]):
        value = ibis.literal(float(coefficients[-1]), type="float64")
        for c in coefficients[-2::-1]:  # Horner over the 15 coefficients, not rows
            value = value * s + float(c)
        branches.append((t < upper, value))
    g = ibis.cases(*branches[:-1], else_=branches[-1][1])
    lower = 0.5 * (-(x * x)).exp() * g * _L / (x + _L)
    below = z < 0  # lower, or 1 - lower, exactly, with one copy of it in the SQL
    return ibis.ifelse(below, 0.0, 1.0) + ibis.ifelse(below, 1.0, -1.0) * lower


def clean(x):
    """numpy's ``nan_to_num`` for the link values the core cleans (0 * inf in a far tail): NaN -> 0."""
    import ibis

    return ibis.ifelse(x.isnan(), 0.0, x)


#: the link functions' arithmetic for engine expressions (the core passes numpy's)
IBIS = SimpleNamespace(exp=lambda z: z.exp(), expit=lambda z: 1.0 / (1.0 + (-z).exp()), ndtr=ndtr,
                       arctan=lambda z: z.atan())
