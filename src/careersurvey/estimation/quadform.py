"""Sums of weighted chi-squares and root finding as R survey computes them (R's ``pFsum``, ``saddle`` and
``uniroot``), for the Rao-Scott tests whose reference distribution is a linear combination of chi-squares
(``svychisq(statistic = "lincom" / "saddlepoint")``) and for the score interval of quantiles.

``pfsum_saddlepoint`` is R's saddlepoint approximation step for step (its root found by R's Brent ``zeroin``).
``pfsum_exact`` is the exact distribution by numerical inversion of the characteristic function (Imhof 1961),
which is what R's "integration" method computes with CompQuadForm's Davies algorithm (accuracy 1e-7).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from scipy import integrate, stats


def zeroin(f: Callable[[float], float], ax: float, bx: float, tol: float, maxit: int = 1000) -> float:
    """R's ``uniroot`` (Brent's zeroin, R_zeroin2), step for step: the same iterates give the same root."""
    eps = float(np.finfo(float).eps)
    fa, fb = f(ax), f(bx)
    if fa * fb > 0:
        raise ValueError("f() values at end points not of opposite sign")
    a, b = ax, bx
    c, fc = a, fa
    if fa == 0:
        return a
    if fb == 0:
        return b
    for _ in range(maxit + 1):
        prev_step = b - a
        if abs(fc) < abs(fb):
            a, b, c = b, c, b
            fa, fb, fc = fb, fc, fb
        tol_act = 2 * eps * abs(b) + tol / 2
        new_step = (c - b) / 2
        if abs(new_step) <= tol_act or fb == 0:
            return b
        if abs(prev_step) >= tol_act and abs(fa) > abs(fb):
            cb = c - b
            if a == c:
                t1 = fb / fa
                p = cb * t1
                q = 1.0 - t1
            else:
                q, t1, t2 = fa / fc, fb / fc, fb / fa
                p = t2 * (cb * q * (q - t1) - (b - a) * (t1 - 1.0))
                q = (q - 1.0) * (t1 - 1.0) * (t2 - 1.0)
            if p > 0:
                q = -q
            else:
                p = -p
            if p < (0.75 * cb * q - abs(tol_act * q) / 2) and p < abs(prev_step * q / 2):
                new_step = p / q
        if abs(new_step) < tol_act:
            new_step = tol_act if new_step > 0 else -tol_act
        a, fa = b, fb
        b += new_step
        fb = f(b)
        if (fb > 0 and fc > 0) or (fb < 0 and fc < 0):
            c, fc = a, fa
    return b


def saddle(x: float, lam: np.ndarray) -> float:
    """R survey's ``saddle``: Lugannani-Rice tail probability P(sum lam_i chi2_1 > x); NaN (R's NA) when the
    saddlepoint is within 1e-4 of zero."""
    lam = np.asarray(lam, dtype=float)
    d = lam.max()
    lam = lam / d
    x = x / d

    def k0(z: float) -> float:
        return float(-np.log(1 - 2 * z * lam).sum() / 2)

    def k1(z: float) -> float:
        return float((lam / (1 - 2 * z * lam)).sum())

    def k2(z: float) -> float:
        return float(2 * (lam**2 / (1 - 2 * z * lam) ** 2).sum())

    if (lam < 0).any():
        lmin = float((1 / (2 * lam[lam < 0])).max()) * 0.99999
    elif x > lam.sum():
        lmin = -0.01
    else:
        lmin = -len(lam) / (2 * x)
    lmax = float((1 / (2 * lam[lam > 0])).min()) * 0.99999
    z = zeroin(lambda zz: k1(zz) - x, lmin, lmax, 1e-8)
    w = math.copysign(math.sqrt(2 * (z * x - k0(z))), z)
    v = z * math.sqrt(k2(z))
    if abs(z) < 1e-4:
        return float("nan")
    return float(stats.norm.sf(w + math.log(v / w) / w))


def pfsum_saddlepoint(x: float, a: np.ndarray, ddf: float) -> float:
    """R's upper tail P(sum a_i chi2_1 / (chi2_ddf / ddf) > x) by saddlepoint: ``pFsum(method="saddlepoint")``
    for finite ``ddf`` (as R's ``rep()``, the denominator's chi-square enters as int(ddf) unit terms), and
    ``pchisqsum(method="saddlepoint")`` (no denominator) for infinite ``ddf``, as svychisq on replicate designs;
    the Satterthwaite approximation where the saddlepoint is undefined (R's NA)."""
    a = np.asarray(a, dtype=float)
    tr = a.mean()
    tr2 = (a**2).mean() / tr**2
    if not np.isfinite(ddf):
        s = saddle(x, a)
        return float(stats.chi2.sf(x / (tr * tr2), len(a) / tr2)) if math.isnan(s) else s
    value = float(stats.f.sf(x / (len(a) / tr2) / (tr * tr2), len(a) / tr2, ddf))
    s = saddle(0.0, np.concatenate([a, np.full(int(ddf), -x / ddf)]))
    return value if math.isnan(s) else s


def pfsum_exact(x: float, a: np.ndarray, ddf: float) -> float:
    """The exact upper tail P(sum a_i chi2_1 / (chi2_ddf / ddf) > x) (R's "integration" method): Imhof's
    inversion formula for P(sum a_i chi2_1 - (x / ddf) chi2_ddf > 0), real ddf; for infinite ddf,
    P(sum a_i chi2_1 > x)."""
    a = np.asarray(a, dtype=float)
    if (a > 0).all():
        value = ruben(a, x, ddf)
        if value is not None:
            return value
    if not np.isfinite(ddf):
        return imhof(a, np.ones(len(a)), x)
    return imhof(np.append(a, -x / ddf), np.append(np.ones(len(a)), ddf), 0.0)


def imhof(lam: np.ndarray, h: np.ndarray, x: float) -> float:
    """P(sum lam_j chi2_{h_j} > x), Imhof (1961): 1/2 + 1/pi int_0^inf sin(theta(u)) / (u rho(u)) du."""
    def integrand(u: float) -> float:
        if u == 0:
            return float((h * lam).sum() - x) / 2  # the limit of sin(theta)/(u rho) as u -> 0
        theta = 0.5 * float((h * np.arctan(lam * u)).sum()) - 0.5 * x * u
        log_rho = float((h / 4 * np.log1p((lam * u) ** 2)).sum())
        return math.sin(theta) * math.exp(-log_rho) / u

    value, _ = integrate.quad(integrand, 0, np.inf, limit=1000, epsabs=1e-11, epsrel=1e-10)
    return float(0.5 + value / math.pi)


def ruben(a: np.ndarray, x: float, ddf: float = float("inf"), tol: float = 1e-14,
          max_terms: int = 3000) -> float | None:
    """P(sum a_i chi2_1 / (chi2_ddf / ddf) > x) for positive a, by Ruben's (1962) mixture: sum a_i chi2_1 is
    sum_j c_j beta chi2_{k+2j} (beta just below min(a), so the c_j are positive and add up to 1), so the tail
    is sum_j c_j P(F_{k+2j, ddf} > x / (beta (k+2j))) (chi-squares for infinite ddf); exact in far tails, where
    numerical inversion loses its absolute accuracy. Stopped when the c_j add up to 1 - tol and the last term
    is below tol of the tail; None when that takes more than ``max_terms`` (eigenvalues far apart)."""
    a = np.asarray(a, dtype=float)
    k = len(a)
    beta = 0.90625 * a.min()  # Farebrother's choice: fast convergence, all c_j > 0
    ratio = 1 - beta / a

    def sf(m: int) -> float:
        if np.isfinite(ddf):
            return float(stats.f.sf(x / (beta * m), m, ddf))
        return float(stats.chi2.sf(x / beta, m))

    c = np.zeros(max_terms + 1)
    g = np.zeros(max_terms + 1)
    c[0] = float(np.prod(np.sqrt(beta / a)))
    total, tail = float(c[0]), float(c[0]) * sf(k)
    j = 0
    while j < max_terms:
        j += 1
        g[j] = float((ratio**j).sum())
        cj = float(np.dot(g[j:0:-1], c[:j])) / (2 * j)  # sum_r g_{j-r} c_r
        c[j] = cj
        total += cj
        term = cj * sf(k + 2 * j)
        tail += term
        # the terms left weigh 1 - total at most; in a far tail each term counts, so stop only when the next
        # ones cannot move the tail either
        if 1 - total < tol and term <= tol * tail:
            return tail
    return None
