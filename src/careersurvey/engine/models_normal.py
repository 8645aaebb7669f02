"""The standard normal distribution as Ibis arithmetic, for the probit link of the engine's glm (portable SQL has
no erf): the distribution function is the engine's :func:`careersurvey.engine.special.ndtr`; the density
exp(-x^2/2)/sqrt(2 pi); the quantile the central branch of Wichura's AS 241 (R's ``qnorm``), which serves the
probit's starting values: R's mu = (y + 1/2) / 2 lies in [1/4, 3/4], inside that branch (|p - 1/2| <= 0.425).
Arguments are cast to DOUBLE: DuckDB reads a literal such as the intercept's ``1.0`` as a DECIMAL.
"""

from __future__ import annotations

import math

__all__ = ["normal_cdf", "normal_pdf", "normal_quantile_central"]

#: AS 241's central branch: numerator and denominator in r = 0.180625 - q^2, highest power first
_QA = (2509.0809287301226727, 33430.575583588128105, 67265.770927008700853, 45921.953931549871457,
       13731.693765509461125, 1971.5909503065514427, 133.14166789178437745, 3.3871328727963666080)
_QB = (5226.4952788528545610, 28729.085735721942674, 39307.895800092710610, 21213.794301586595867,
       5394.1960214247511077, 687.18700749205790830, 42.313330701600911252, 1.0)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


def _double(x):
    """``x`` cast to DOUBLE in the SQL even where Ibis already types it float64: DuckDB reads a literal such as
    the intercept's ``1.0`` as a DECIMAL, whose products overflow in a polynomial (Ibis drops a same-type cast)."""
    import ibis.expr.datatypes as dt
    import ibis.expr.operations as ops

    return ops.Cast(x, to=dt.float64).to_expr()


def normal_cdf(x):
    """P(Z <= x) for an Ibis float expression ``x``: the engine's one normal distribution function
    (:func:`careersurvey.engine.special.ndtr`, also the ordinal models'), of ``x`` as a DOUBLE."""
    from careersurvey.engine.special import ndtr

    return ndtr(_double(x))


def normal_pdf(x):
    x = _double(x)
    return (-(x * x) * 0.5).exp() * _INV_SQRT_2PI


def normal_quantile_central(p):
    """The z with P(Z <= z) = p for 0.075 <= p <= 0.925 (AS 241's central rational function)."""
    q = _double(p) - 0.5
    r = 0.180625 - q * q
    num, den = r * _QA[0] + _QA[1], r * _QB[0] + _QB[1]
    for i in range(2, 8):
        num, den = num * r + _QA[i], den * r + _QB[i]
    return q * num / den
