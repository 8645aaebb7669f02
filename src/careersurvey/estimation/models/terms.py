"""Tests of model terms, as R survey's ``regTermTest``: Wald tests (F on the design's residual df, or
chi-square) and the Rao-Scott working likelihood-ratio test (``method = "LRT"``) with its null distribution, a
linear combination of chi-squares (F-like with the design df), by R's saddlepoint or Satterthwaite
approximation or exactly.

``term_test(fit, "~ ell + meals")`` tests that every coefficient of those terms is zero; ``whole_model_test``
tests all terms but the intercept (what a model's summary prints under it). Terms are matched as R matches
them: an interaction's factors in any order (``meals:stype`` is ``stype:meals``).

- Wald: X² = b'V⁻¹b with V the design covariance; F = X²/k on (k, df) (R's default df: the model's residual
  df), or X² on k df when ``df=inf``.
- WorkingWald: X² = b'V0⁻¹b with V0 the model-based (naive) covariance; null distribution as LRT.
- LRT: the working deviance difference between the model without the terms and the model (refitted on the same
  rows; R's ``update`` refits on the design's rows, which differ only when the dropped terms had missing
  values), referred to sum λ_i χ²_1 (divided by χ²_df/df), λ the eigenvalues of V0⁻¹V (the design effects of
  the tested coefficients; Rao & Scott 1984; Lumley & Scott 2013).
  ``approximation``: "saddlepoint" (R's default), "satterthwaite" (one scaled F or chi-square), or
  "integration": the exact distribution (R asks CompQuadForm's Davies algorithm; without it R falls back to the
  saddlepoint, with a warning).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

from careersurvey.estimation.models.fit import ModelResults
from careersurvey.estimation.models.formula import ModelError
from careersurvey.estimation.models.special import top_level
from careersurvey.estimation.quadform import pfsum_exact, pfsum_saddlepoint

METHODS = ("Wald", "WorkingWald", "LRT")
APPROXIMATIONS = ("saddlepoint", "satterthwaite", "integration")


@dataclass(frozen=True)
class TermTest:
    """A test of model terms. ``statistic`` is F (Wald with finite ``ddf``) or the chi-square (``chisq``: the
    Wald X², or the working 2 log LR for LRT); ``ndf`` the number of coefficients tested; ``ddf`` the
    denominator df (inf: chi-square); ``lambdas`` the eigenvalues of V0⁻¹V (WorkingWald/LRT)."""

    terms: tuple[str, ...]
    method: str
    statistic: float
    chisq: float
    ndf: int
    ddf: float
    p_value: float
    lambdas: tuple[float, ...] = ()
    approximation: str | None = None
    formula: str = ""

    def __str__(self) -> str:
        terms = " ".join(self.terms)
        if self.method == "Wald":
            head = f"Wald test for {terms}\n in {self.formula}\n"
            if math.isfinite(self.ddf):
                return head + (f"F = {self.statistic:.6g} on {self.ndf} and {self.ddf:g} df: "
                               f"p = {self.p_value:.5g}")
            return head + f"Chisq = {self.chisq:.6g} on {self.ndf} df: p = {self.p_value:.5g}"
        kind = "LRT" if self.method == "LRT" else "Wald"
        what = "2logLR" if self.method == "LRT" else "Wald"
        mean = float(np.mean(self.lambdas))  # printed as R prints it: the statistic over the mean scale factor
        scale = " ".join(f"{v / mean:.2g}" for v in self.lambdas)
        denominator = (f"denominator df = {self.ddf:g}" if math.isfinite(self.ddf)
                       else "chi-square (no denominator)")
        return (f"Working (Rao-Scott) {kind} for {terms}\n in {self.formula}\n"
                f"Working {what} = {self.chisq / mean:.6g} p = {self.p_value:.5g}\n"
                f"(scale factors: {scale}); {denominator}; {self.approximation}")

    __repr__ = __str__


def _requested(fit: ModelResults, terms) -> tuple[list[str], bool]:
    """The term labels asked for (sorted factor names) and whether the intercept was written explicitly."""
    from formulaic import Formula

    from careersurvey.estimation.models.formula import term_label

    if isinstance(terms, str):
        text = terms.strip()
        text = text[1:] if text.startswith("~") else text
        written = [t.strip() for t in top_level(text, "+")]
        explicit1 = "1" in written
        rest = [t for t in written if t and t != "1"]
        labels: list[str] = []
        for t in rest:  # a few written terms, each parsed by the formula engine (a*b gives a, b, a:b)
            try:
                parsed = Formula(t)
            except Exception as exc:  # noqa: BLE001 - the formula engine's many error types
                raise ModelError(f"terms {terms!r}: {t!r} is not a term ({exc})") from None
            rhs = parsed.rhs if hasattr(parsed, "rhs") else parsed
            labels += [lab for lab in (term_label(x) for x in rhs) if lab != "1" and lab not in labels]
        return labels, explicit1
    if isinstance(terms, (list, tuple)):
        return _requested(fit, " + ".join(str(t) for t in terms))
    raise ModelError(f"terms={terms!r}: give a formula of terms ('~ ell + meals') or a list of term names")


def _index(fit: ModelResults, terms) -> tuple[list[int], list[str]]:
    if not fit.terms:
        raise ModelError("this model does not record its terms; refit it with this version of careersurvey")
    labels, explicit1 = _requested(fit, terms)
    known = {label: idx for label, idx in fit.terms}
    unknown = [t for t in labels if t not in known]
    if unknown:
        raise ModelError(f"term(s) {', '.join(unknown)} are not in the model {fit.formula!r}; its terms are "
                         f"{', '.join(t for t in known if t != '1')}")
    if not labels and not explicit1:
        raise ModelError(f"terms={terms!r} names no term to test")
    index = sorted({i for t in labels for i in known[t]})
    if explicit1:
        if "1" not in known:
            raise ModelError(f"the model {fit.formula!r} has no intercept to test")
        index = sorted(set(index) | set(known["1"]))
    return index, labels + (["1"] if explicit1 else [])


def _pfsum(x: float, lam: np.ndarray, ddf: float, approximation: str) -> float:
    """Upper tail of sum lam_i chi2_1 (over chi2_ddf / ddf when ddf is finite): R's pchisqsum / pFsum."""
    if approximation == "saddlepoint":
        return pfsum_saddlepoint(x, lam, ddf)
    if approximation == "integration":
        return pfsum_exact(x, lam, ddf)
    tr = lam.mean()
    tr2 = (lam**2).mean() / tr**2
    scale, ndf = tr * tr2, len(lam) / tr2
    if math.isfinite(ddf):
        return float(stats.f.sf(x / ndf / scale, ndf, ddf))
    return float(stats.chi2.sf(x / scale, ndf))


def term_test(fit: ModelResults, terms, *, method: str = "Wald", df: float | None = None,
              null=None, approximation: str = "saddlepoint") -> TermTest:
    """R's ``regTermTest(fit, terms, method=, df=, null=, lrt.approximation=)``; see the module doc."""
    if method not in METHODS:
        raise ModelError(f"method={method!r}: use one of {', '.join(METHODS)}")
    if approximation not in APPROXIMATIONS:
        raise ModelError(f"approximation={approximation!r}: use one of {', '.join(APPROXIMATIONS)}")
    index, labels = _index(fit, terms)
    beta = fit.coefficients.to_numpy()[index]
    if null is not None:
        beta = beta - np.broadcast_to(np.asarray(null, dtype=float), beta.shape)
    V = fit.cov_params.to_numpy()[np.ix_(index, index)]
    ddf = float(fit.df_resid if df is None else df)
    k = len(index)
    if method == "Wald":
        chisq = float(beta @ np.linalg.solve(V, beta))
        if math.isfinite(ddf):
            F = chisq / k
            return TermTest(tuple(labels), method, F, chisq, k, ddf, float(stats.f.sf(F, k, ddf)),
                            formula=fit.formula)
        return TermTest(tuple(labels), method, chisq, chisq, k, ddf, float(stats.chi2.sf(chisq, k)),
                        formula=fit.formula)
    if "naive_cov" not in fit.extra or fit.problem is None:
        raise ModelError(f"method={method!r} needs the model's model-based covariance and its refit; this "
                         f"{fit.kind} model has none: use method='Wald'")
    V0 = np.asarray(fit.extra["naive_cov"])[np.ix_(index, index)]
    if method == "LRT":
        keep = [i for i in range(len(fit.params)) if i not in set(index)]  # ordinal: cut-points stay
        chisq = float(fit.problem.deviance(keep) - fit.extra["deviance"])
    else:
        chisq = float(beta @ np.linalg.solve(V0, beta))
    lam = np.sort(np.linalg.eigvals(np.linalg.solve(V0, V)).real)[::-1]
    p = _pfsum(chisq, lam, ddf, approximation)
    return TermTest(tuple(labels), method, chisq, chisq, k, ddf, p, tuple(float(v) for v in lam),
                    approximation, fit.formula)


def whole_model_test(fit: ModelResults, **kwargs) -> TermTest:
    """The test of every term but the intercept (R: ``regTermTest(fit, ~ all terms)``)."""
    labels = [t for t, _ in fit.terms if t != "1"]
    if not labels:
        raise ModelError(f"the model {fit.formula!r} has no term besides the intercept to test")
    return term_test(fit, labels, **kwargs)
