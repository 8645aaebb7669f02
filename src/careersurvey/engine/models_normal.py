"""The standard normal distribution as Ibis arithmetic, for the probit link on the engine path (portable SQL has
no erf): W. J. Cody's rational Chebyshev approximations for the CDF (ACM TOMS 715, the algorithm of R's
``pnorm``; relative error near double precision in both tails) and the central branch of Wichura's AS 241 for
the quantile (R's ``qnorm``), which serves the probit's starting values: R's mu = (y + 1/2) / 2 lies in
[1/4, 3/4], inside that branch (|p - 1/2| <= 0.425).
"""

from __future__ import annotations

import math

__all__ = ["normal_cdf", "normal_pdf", "normal_quantile_central"]

_A = (2.2352520354606839287, 161.02823106855587881, 1067.6894854603709582, 18154.981253343561249,
      0.065682337918207449113)
_B = (47.20258190468824187, 976.09855173777669322, 10260.932208618978205, 45507.789335026729956)
_C = (0.39894151208813466764, 8.8831497943883759412, 93.506656132177855979, 597.27027639480026226,
      2494.5375852903726711, 6848.1904505362823326, 11602.651437647350124, 9842.7148383839780218,
      1.0765576773720192317e-8)
_D = (22.266688044328115691, 235.38790178262499861, 1519.377599407554805, 6485.558298266760755,
      18615.571640885098091, 34900.952721145977266, 38912.003286093271411, 19685.429676859990727)
_P = (0.21589853405795699, 0.1274011611602473639, 0.022235277870649807, 0.001421619193227893466,
      2.9112874951168792e-5, 0.02307344176494017303)
_Q = (1.28426009614491121, 0.468238212480865118, 0.0659881378689285515, 0.00378239633202758244,
      7.29751555083966205e-5)
#: AS 241's central branch: numerator and denominator in r = 0.180625 - q^2, highest power first
_QA = (2509.0809287301226727, 33430.575583588128105, 67265.770927008700853, 45921.953931549871457,
       13731.693765509461125, 1971.5909503065514427, 133.14166789178437745, 3.3871328727963666080)
_QB = (5226.4952788528545610, 28729.085735721942674, 39307.895800092710610, 21213.794301586595867,
       5394.1960214247511077, 687.18700749205790830, 42.313330701600911252, 1.0)
_SQRT_32 = math.sqrt(32.0)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


def _double(x):
    """``x`` cast to DOUBLE in the SQL even where Ibis already types it float64: DuckDB reads a literal such as
    the intercept's ``1.0`` as a DECIMAL, whose products overflow in a polynomial (Ibis drops a same-type cast)."""
    import ibis.expr.datatypes as dt
    import ibis.expr.operations as ops

    return ops.Cast(x, to=dt.float64).to_expr()


def _tail(y, temp):
    """exp(-y^2 / 2) temp, the square split at y rounded down to 1/16 (Cody's do_del: exact products)."""
    ysq = _double((y * 16.0).floor()) / 16.0  # floor gives an integer: as DECIMAL, Spark rounds its products
    delta = (y - ysq) * (y + ysq)
    return (-(ysq * ysq) * 0.5).exp() * (-delta * 0.5).exp() * temp


def normal_cdf(x):
    """P(Z <= x) for an Ibis float expression ``x`` (the three ranges of Cody's algorithm)."""
    import ibis

    x = _double(x)
    y = x.abs()
    xsq = y * y
    num, den = xsq * _A[4], xsq
    for i in range(3):  # the rational functions' few coefficients, not rows
        num, den = (num + _A[i]) * xsq, (den + _B[i]) * xsq
    central = 0.5 + x * (num + _A[3]) / (den + _B[3])
    num, den = y * _C[8], y
    for i in range(7):
        num, den = (num + _C[i]) * y, (den + _D[i]) * y
    middle = _tail(y, (num + _C[7]) / (den + _D[7]))  # the lower tail at -|x|
    inv = 1.0 / xsq
    num, den = inv * _P[5], inv
    for i in range(4):
        num, den = (num + _P[i]) * inv, (den + _Q[i]) * inv
    far = _tail(y, (_INV_SQRT_2PI - inv * (num + _P[4]) / (den + _Q[4])) / y)
    lower = ibis.ifelse(y <= _SQRT_32, middle, far)
    return ibis.ifelse(y <= 0.67448975, central, ibis.ifelse(x > 0, 1.0 - lower, lower))


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
