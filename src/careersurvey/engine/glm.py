"""Design-based GLMs inside the engine (R's ``svyglm``): IRLS whose every iteration is one aggregate query.

The same fit as the in-memory :func:`careersurvey.estimation.models.glm.glm`: weighted Fisher scoring from R's
starting values, the same step rule and convergence test, the sandwich variance ``bread' V(score totals) bread``
and t tests on ``degf + 1 - p``. What runs in the engine:

- the design matrix as Ibis expressions (:mod:`careersurvey.engine.terms`);
- per iteration one aggregate: the score ``X'r(y - mu)``, the expected information ``X' diag(r mu_eta) X`` and
  the deviance (p + p(p+1)/2 + 1 sums, whatever the number of rows);
- the variance: the per-row scores as influence values, summed per (stratum, PSU) and centred per stratum by the
  linear path's stage aggregates (:func:`careersurvey.engine.linear.design_vcov`), so every lonely-PSU rule, fpc
  and multistage design is treated as for a mean.

Families gaussian, binomial (quasibinomial) and poisson (quasipoisson) with links identity, log, logit,
cloglog and probit (the normal CDF as arithmetic: :mod:`careersurvey.engine.models_normal`); ``offset(...)`` terms and ``offset=``
in the linear predictor, a ``cbind(successes, failures)`` response with the trials as prior weights, as in
memory. The fit keeps its problem (:class:`careersurvey.engine.models.TableGlmProblem`) for the refits of
``term_test(method="LRT")`` and ``pseudo_r2``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from statsmodels.genmod import families
from statsmodels.genmod.families import links

from careersurvey.engine.linear import _c, design_vcov
from careersurvey.engine.source import EngineError
from careersurvey.engine.terms import model_terms
from careersurvey.estimation.models.fit import ModelResults
from careersurvey.estimation.models.formula import ModelError, gram_full_rank
from careersurvey.estimation.models.glm import _family, fisher_scoring

__all__ = ["glm"]

_FLOAT_EPS = np.finfo(float).eps


def _link_fns(fam: families.Family, formula: str):
    """(inverse link, d mu/d eta from eta and mu, link) as Ibis-expression functions."""
    import ibis

    kind = type(fam.link)
    if kind is links.Identity:
        return (lambda e: e), (lambda e, m: ibis.literal(1.0, type="float64")), (lambda m: m)
    if kind is links.Log:
        return (lambda e: e.exp()), (lambda e, m: m), (lambda m: m.ln())
    if kind is links.Logit:
        return (lambda e: 1.0 / (1.0 + (-e).exp())), (lambda e, m: m * (1.0 - m)), (lambda m: (m / (1.0 - m)).ln())
    if kind is links.CLogLog:
        return ((lambda e: 1.0 - (-(e.exp())).exp()), (lambda e, m: (e - e.exp()).exp()),
                (lambda m: (-((1.0 - m).ln())).ln()))
    if kind is links.Probit:  # the normal CDF as arithmetic (engine.models_normal)
        from careersurvey.engine.models_normal import normal_cdf, normal_pdf, normal_quantile_central

        return normal_cdf, (lambda e, m: normal_pdf(e)), normal_quantile_central
    raise EngineError(f"formula {formula!r}: the {kind.__name__.lower()} link is not available on the engine path "
                      "(identity, log, logit, probit and cloglog are); fit it in memory with cs.SurveyDesign.glm")


def _variance_fn(fam: families.Family):
    import ibis

    if isinstance(fam, families.Binomial):
        return lambda m: m * (1.0 - m)
    if isinstance(fam, families.Poisson):
        return lambda m: m
    return lambda m: ibis.literal(1.0, type="float64")


def _deviance_fn(fam: families.Family):
    """statsmodels' unit deviance (times the prior weight outside), with its clipping of ratios at FLOAT_EPS."""
    import ibis

    def clean(x):
        return ibis.greatest(x, ibis.literal(_FLOAT_EPS, type="float64"))

    if isinstance(fam, families.Binomial):
        return lambda y, m: 2.0 * (y * clean(y / m).ln() + (1.0 - y) * clean((1.0 - y) / (1.0 - m)).ln())
    if isinstance(fam, families.Poisson):
        return lambda y, m: 2.0 * (y * clean(y / m).ln() - (y - m))
    return lambda y, m: (y - m) * (y - m)


class _Problem:
    """The fit's rows in the engine (x0.., y, w as columns) and the family's expressions over them."""

    def __init__(self, design, rows, p: int, fam: families.Family, formula: str, offset: bool = False,
                 trials: bool = False) -> None:
        self.design, self.rows, self.p, self.fam, self.formula = design, rows, p, fam, formula
        self.x = [rows[_c(f"x{j}")] for j in range(p)]
        self.y, self.w = rows[_c("y")], rows[_c("w")]
        self.off = rows[_c("off")] if offset else None
        self.trials = rows[_c("tr")] if trials else None
        #: the working weights' prior part (R: design weight x trials)
        self.wt = self.w if self.trials is None else self.w * self.trials
        self.inverse, self.mu_eta, self.link = _link_fns(fam, formula)
        self.probit = type(fam.link) is links.Probit
        self.variance = _variance_fn(fam)
        self.unit_dev = _deviance_fn(fam)

    def restricted(self, columns: list[int]) -> "_Problem":
        """The same rows and family with only ``columns`` of X, renumbered x0.. (a reduced model's refit)."""
        rows = self.rows.mutate(**{_c(f"x{k}"): self.rows[_c(f"x{j}")] for k, j in enumerate(columns)})
        return _Problem(self.design, rows, len(columns), self.fam, self.formula, self.off is not None,
                        self.trials is not None)

    def eta(self, beta: np.ndarray):
        import ibis

        out = ibis.literal(0.0, type="float64") if self.off is None else self.off
        for j in range(self.p):  # over the p coefficients: one expression
            out = out + self.x[j] * float(beta[j])
        return out

    def run(self, aggs: dict, rel=None) -> pd.Series:
        try:
            return self.design.execute((self.rows if rel is None else rel).aggregate(**aggs)).iloc[0]
        except Exception as exc:  # noqa: BLE001 - an engine's overflow (exp of a huge eta) ends the step
            if "range" in str(exc).lower() or "overflow" in str(exc).lower():
                return None
            raise

    def cross(self, weight, rhs, tag: str = "") -> dict:
        """Aggregates of X' diag(weight) X and X' rhs (names only; read with :meth:`unpack`)."""
        aggs = {}
        for i in range(self.p):
            aggs[_c(f"{tag}s{i}")] = (self.x[i] * rhs).sum()
            for j in range(i, self.p):
                aggs[_c(f"{tag}i{i}_{j}")] = (self.x[i] * self.x[j] * weight).sum()
        return aggs

    def unpack(self, row: pd.Series, tag: str = "") -> tuple[np.ndarray, np.ndarray]:
        p = self.p
        s = np.array([float(row[_c(f"{tag}s{i}")]) for i in range(p)])
        info = np.zeros((p, p))
        for i in range(p):
            for j in range(i, p):
                info[i, j] = info[j, i] = float(row[_c(f"{tag}i{i}_{j}")])
        return s, info

    def columns(self) -> list[str]:
        """The fit's own columns of :attr:`rows` (x0.., y, w; an offset and trials when the fit has them)."""
        extra = [n for n in (_c("off"), _c("tr")) if n in self.rows.columns]
        return [_c(f"x{j}") for j in range(self.p)] + [_c("y"), _c("w")] + extra

    def points(self, at: dict) -> tuple:
        """The relation and aggregates of score, information and deviance at several points in one query: ``at``
        maps a tag to (beta, prior weights (an expression), the rows the fit holds (None: all))."""
        rel = self.rows.select(*self.columns(), **{_c(f"{g}eta"): self.eta(b) for g, (b, _, _) in at.items()},
                               **{_c(f"{g}pw"): prior for g, (_, prior, _) in at.items()},
                               **{_c(f"{g}kp"): kept for g, (_, _, kept) in at.items() if kept is not None})
        return self.sums(rel, {g: kept is not None for g, (_, _, kept) in at.items()})

    def with_mu(self, rel, tags):
        """``rel`` with each tag g's mean {g}mu from its column {g}eta. A probit's normal CDF reads its two parts
        (:func:`careersurvey.engine.special.ndtr_parts`) from columns of a projection before: inlined, the SQL
        repeats eta ~450 times (200 KB a query, seconds to plan in DuckDB, minutes in Spark)."""
        if not self.probit:
            return rel.mutate(**{_c(f"{g}mu"): self.inverse(rel[_c(f"{g}eta")]) for g in tags})
        from careersurvey.engine.models_normal import _double
        from careersurvey.engine.special import ndtr, ndtr_parts

        parts = {g: ndtr_parts(_double(rel[_c(f"{g}eta")])) for g in tags}
        rel = rel.mutate(**{_c(f"{g}px"): x for g, (x, _) in parts.items()},
                         **{_c(f"{g}ps"): s for g, (_, s) in parts.items()})
        return rel.mutate(**{_c(f"{g}mu"): ndtr(_double(rel[_c(f"{g}eta")]), (rel[_c(f"{g}px")], rel[_c(f"{g}ps")]))
                             for g in tags})

    def sums(self, rel, tags: dict) -> tuple:
        """(relation, aggregates) of score, information and deviance from ``rel``'s columns x0.., y and, per tag
        g, {g}eta, {g}pw (prior weights) and {g}kp (the rows the fit holds, when ``tags[g]``). Each point's mu and
        working weights are columns of successive projections, so the SQL names them once (inlined, mu would
        repeat in every sum: a query ~50 times larger)."""
        rel = self.with_mu(rel, tags)
        rel = rel.mutate(**{_c(f"{g}me"): self.mu_eta(rel[_c(f"{g}eta")], rel[_c(f"{g}mu")]) for g in tags})
        cols = {}
        for g, has_kept in tags.items():
            mu, me, prior = rel[_c(f"{g}mu")], rel[_c(f"{g}me")], rel[_c(f"{g}pw")]
            r = prior * me / self.variance(mu)
            cols[_c(f"{g}rw")] = r * me
            cols[_c(f"{g}rr")] = r * (rel[_c("y")] - mu)
            cols[_c(f"{g}ud")] = prior * self.unit_dev(rel[_c("y")], mu)
            bad = mu.isnull() | mu.isnan() | mu.isinf()
            cols[_c(f"{g}bd")] = (rel[_c(f"{g}kp")] & bad if has_kept else bad).cast("int64")
        rel = rel.mutate(**cols)
        x = [rel[_c(f"x{j}")] for j in range(self.p)]
        aggs = {}
        for g in tags:
            rw, rr = rel[_c(f"{g}rw")], rel[_c(f"{g}rr")]
            for i in range(self.p):
                aggs[_c(f"{g}s{i}")] = (x[i] * rr).sum()
                for j in range(i, self.p):
                    aggs[_c(f"{g}i{i}_{j}")] = (x[i] * x[j] * rw).sum()
            aggs[_c(f"{g}dev")] = rel[_c(f"{g}ud")].sum()
            aggs[_c(f"{g}bad")] = rel[_c(f"{g}bd")].sum()
        return rel, aggs

    def read(self, row, tag: str = ""):
        """(score, information, deviance) from a :meth:`point` query's row (None: the engine overflowed)."""
        if row is None or row[_c(f"{tag}bad")] or not np.isfinite(float(row[_c(f"{tag}dev")])):
            return np.zeros(self.p), np.zeros((self.p, self.p)), np.inf
        score, info = self.unpack(row, tag)
        return score, info, float(row[_c(f"{tag}dev")])

    def evaluate(self, beta: np.ndarray, prior, extra=None):
        """Score, information and deviance at ``beta`` under prior weights ``prior`` (an expression); ``extra(mu)``
        more aggregates at the point."""
        rel, aggs = self.points({"": (beta, prior, None)})
        if extra:
            aggs.update(extra(rel[_c("mu")]))
        row = self.run(aggs, rel)
        return (*self.read(row), row)


def _irls(pr: _Problem, prior, d: np.ndarray, ybar: float, maxiter: int):
    """As :func:`careersurvey.estimation.models.glm.irls`, each pass one query: (beta, dev, iterations, ok)."""
    import ibis

    def solve(info, rhs):
        return d * np.linalg.solve(info * d[:, None] * d[None, :], rhs * d)

    fam = pr.fam
    mu0 = (pr.y + 0.5) / 2.0 if isinstance(fam, families.Binomial) else (pr.y + ibis.literal(ybar)) / 2.0
    # mu, eta and d mu/d eta at the start as columns of successive projections (inlined, a probit's quantile
    # would repeat in every sum)
    rel = pr.rows.mutate(**{_c("m0"): mu0})
    rel = rel.mutate(**{_c("e0"): pr.link(rel[_c("m0")])})
    rel = rel.mutate(**{_c("d0"): pr.mu_eta(rel[_c("e0")], rel[_c("m0")])})
    mu0, eta0, me0 = rel[_c("m0")], rel[_c("e0")], rel[_c("d0")]
    W = prior * me0 * me0 / pr.variance(mu0)
    z = eta0 + (pr.y - mu0) / me0 if pr.off is None else eta0 - pr.off + (pr.y - mu0) / me0
    xwz, xwx = pr.unpack(pr.run(pr.cross(W, W * z), rel))
    beta = solve(xwx, xwz)
    return fisher_scoring(beta, lambda b: pr.evaluate(b, prior)[:3], solve, maxiter)


def glm(design, formula: str, family="gaussian", *, link: str | None = None, offset: str | None = None,
        level: float = 0.95, maxiter: int = 100) -> ModelResults:
    """R's ``svyglm`` on a :class:`~careersurvey.engine.TableDesign`; the same :class:`ModelResults` (names,
    coefficients, design covariance, df, deff, deviance, naive covariance, dispersion) as the in-memory fit."""
    import ibis

    fam, label = _family(family, link)
    if not isinstance(fam, (families.Gaussian, families.Binomial, families.Poisson)):
        raise EngineError(f"family {family!r}: the engine path fits gaussian, binomial and poisson models")
    terms = model_terms(design, formula, offset)
    if terms.failures is not None and not isinstance(fam, families.Binomial):
        raise ModelError(f"formula {formula!r}: a cbind(successes, failures) response needs family "
                         "'binomial' or 'quasibinomial'")
    p = len(terms.columns)
    t = design.table
    held = design.domain
    member = terms.complete if held is None else held & terms.complete
    cols = {_c(f"x{j}"): x for j, x in enumerate(terms.columns)}
    cols.update({_c("y"): terms.response, _c("w"): design.weight_expr})
    if terms.offset is not None:
        cols[_c("off")] = terms.offset
    if terms.failures is not None:  # R's cbind: the share of successes, the trials as prior weights
        cols[_c("s")], cols[_c("f")] = terms.response, terms.failures
        cols[_c("tr")] = terms.response + terms.failures
        cols[_c("y")] = terms.response / (terms.response + terms.failures)
    rows = t.filter(member).mutate(**cols)
    pr = _Problem(design, rows, p, fam, formula, terms.offset is not None, terms.failures is not None)
    y, w = pr.y, pr.w

    # one query: rows, weights, the response's range, the column norms and the Gram matrix (rank)
    first = pr.cross(ibis.literal(1.0, type="float64"), y)
    first.update({_c("n"): rows.count(), _c("sw"): w.sum(), _c("ymin"): y.min(), _c("ymax"): y.max(),
                  _c("ysum"): y.sum()})
    if pr.off is not None:
        first[_c("offbad")] = (pr.off.isnull() | pr.off.isnan() | pr.off.isinf()).cast("int64").sum()
    if pr.trials is not None:
        s_, f_ = rows[_c("s")], rows[_c("f")]
        first[_c("negative")] = ((s_ < 0) | (f_ < 0)).cast("int64").sum()
        first[_c("notrials")] = (pr.trials == 0).cast("int64").sum()
        first[_c("swt")] = pr.wt.sum()
    row = pr.run(first)
    n = int(row[_c("n")])
    if n == 0:
        raise ModelError(f"formula {formula!r}: no row of the design (domain) has all the model's variables")
    _check_extras(row, formula)
    _check_response(fam, float(row[_c("ymin")]), float(row[_c("ymax")]), formula)
    _, gram = pr.unpack(row)
    _check_rank(gram, n, terms.names, formula)
    # R's svyglm divides the weights by their mean over the rows its design holds (the domain's, or all)
    # (a domain of a weighted design holds every row, weight 0 outside, as R's calibrated designs do)
    weighted = bool(design.adjustments) and design.replicates is None
    scope = t.filter(held) if held is not None and not weighted else t
    scope = scope.mutate(**{_c("w"): design.weight_expr})
    w_held = scope[_c("w")] if held is None or not weighted else ibis.ifelse(held, scope[_c("w")], 0.0)
    norm_row = design.execute(scope.aggregate(s=w_held.sum(), n=scope.count())).iloc[0]
    norm = float(norm_row["s"]) / float(norm_row["n"])
    d = np.sqrt(np.diag(gram))
    d = 1.0 / np.where(d == 0, 1.0, d)
    prior = w / norm if pr.trials is None else w / norm * pr.trials
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        beta, dev, iterations, converged = _irls(pr, prior, d, float(row[_c("ysum")]) / n, maxiter)
    if isinstance(fam, families.Binomial) and dev < 1e-10 * n and (float(row[_c("ymin")]) in (0.0, 1.0)
                                                                   or float(row[_c("ymax")]) in (0.0, 1.0)):
        raise ModelError(f"formula {formula!r}: the full-sample fit did not converge: after {iterations} IRLS "
                         f"iterations every fitted probability is 0 or 1 (deviance {dev:.2g}), so no finite estimate "
                         "exists; the predictors may separate the response completely. Drop or merge the "
                         "separating predictor.")
    if not converged or not np.all(np.isfinite(beta)):
        raise ModelError(f"formula {formula!r}: the full-sample fit did not converge in {iterations} IRLS iterations "
                         f"(coefficients {np.round(beta, 6).tolist()}); the data may separate the response, or "
                         "a predictor needs rescaling")

    # at the estimate: information under the raw weights, the model-based dispersion, R's summary dispersion
    def extra(mu):
        resid = (y - mu) / pr.variance(mu).sqrt()
        if pr.trials is not None:
            resid = resid * pr.trials.sqrt()
        return {_c("pw2"): (w * resid * resid).sum(), _c("pw1"): (w * resid).sum()}

    _, info, _, final = pr.evaluate(beta, pr.wt, extra)
    bread = np.linalg.inv(info)
    sw = float(row[_c("sw")])
    if design.replicates is not None:  # every replicate refitted, R's svrVar over their coefficients
        from careersurvey.engine.replicates_glm import replicate_refits

        cov, method = replicate_refits(pr, design, beta, maxiter, formula, n)
        degf, deff, dispersion = design.design_df, None, None  # R: degf() of the design before NA rows leave
    else:
        cov, degf, deff, dispersion = _linearised(pr, design, beta, bread, member, terms, final, n, sw, norm,
                                                  float(norm_row["n"]) if weighted else n)
        method = "linearisation"
    names = pd.Index(terms.names)
    from careersurvey.engine.models import TableGlmProblem

    total = float(row[_c("swt")]) if pr.trials is not None else sw
    problem = TableGlmProblem(pr, prior, d, float(row[_c("ysum")]) / n, maxiter, formula, norm, total / norm,
                              terms, member)
    return ModelResults(
        kind="glm", formula=formula, family=label, link=type(fam.link).__name__.lower(), response=terms.response_name,
        coefficients=pd.Series(beta, index=names, name="params"),
        cov_params=pd.DataFrame(cov, index=names, columns=names),
        df_resid=float(degf + 1 - p), nobs=n, population=sw, variance_method=method, level=level,
        deff=None if deff is None else pd.Series(deff, index=names, name="deff"),
        extra={"deviance": dev, "iterations": iterations, "naive_cov": bread * norm, "dispersion": dispersion,
               "engine": True},
        terms=terms.terms, problem=problem,
    )


def _linearised(pr: _Problem, design, beta, bread, member, terms, final, n: int, sw: float, norm: float,
                held: float):
    """The sandwich covariance, degf, deff and R's summary dispersion of a fit on a linearised design (``held``:
    the rows R's design of the fit holds, all of them on a weighted design)."""
    p = pr.p
    cov = bread.T @ _score_variance(pr, design, beta, terms, member) @ bread
    degf = design.subset(member).design_df
    model_cov = float(final[_c("pw2")]) / (n - p) * bread
    deff = np.diag(cov) / np.diag(model_cov)
    # R's summary.svyglm: svyvar of (y - mu) sqrt(design_norm / norm) / sqrt(V); design_norm the fit rows' mean
    # weight when rows left for missing values, else ``norm``
    design_norm = sw / held if _drops_rows(design, terms) else norm
    ratio = design_norm / norm
    s1, s2 = float(final[_c("pw1")]) * np.sqrt(ratio), float(final[_c("pw2")]) * ratio
    dispersion = (s2 - s1 * s1 / sw) / sw * n / (n - 1)
    return cov, degf, deff, dispersion


def _drops_rows(design, terms) -> bool:
    """Whether a row of the design (domain) leaves the fit for a missing value."""
    t = design.table
    q = t.filter(design.domain) if design.domain is not None else t
    out = design.execute(q.aggregate(n=(~terms.complete).cast("int64").sum()))
    return bool(out["n"].iat[0] or 0)


def _score_variance(pr: _Problem, design, beta: np.ndarray, terms, member) -> np.ndarray:
    """The design covariance of the score totals sum_i x_i r_i (y_i - mu_i): the scores are influence values
    summed per unit and centred per stratum by the linear path's stage aggregates. On a weighted design
    (post-stratified, raked, calibrated) the scores are totals of the linear path, which takes their weighting
    residuals on every row of the design (R's svyglm: svyrecvar of the scores with the design's postStrata)."""
    import ibis

    from careersurvey.engine.weighting import variance_step

    if variance_step(design) is not None:
        from careersurvey.engine.linear import Linear, linear_estimates

        eta = ibis.literal(0.0, type="float64") if terms.offset is None else terms.offset
        for x, b in zip(terms.columns, beta):  # over the p coefficients: one expression
            eta = eta + x * float(b)
        mu = pr.inverse(eta)
        y, trials = terms.response, 1.0
        if terms.failures is not None:  # cbind: the share of successes, the trials as prior weights
            trials = terms.response + terms.failures
            y = terms.response / trials
        r = trials * pr.mu_eta(eta, mu) / pr.variance(mu) * (y - mu)
        est = Linear("total", tuple(x * r for x in terms.columns), tuple(range(pr.p)), (None,) * pr.p)
        return linear_estimates(design, est, member, (), full_cov=True).vcov[0]

    # eta, mu and d mu/d eta as columns of successive projections, as in _Problem.sums (inlined, a probit's mu
    # would repeat its eta ~60 times in every use: a query of megabytes that DuckDB took ~13 s to plan)
    rel = pr.with_mu(pr.rows.mutate(**{_c("eta"): pr.eta(beta)}), ("",))
    rel = rel.mutate(**{_c("me"): pr.mu_eta(rel[_c("eta")], rel[_c("mu")])})
    mu, wt = rel[_c("mu")], rel[_c("w")] if pr.trials is None else rel[_c("w")] * rel[_c("tr")]
    resid = wt * rel[_c("me")] / pr.variance(mu) * (rel[_c("y")] - mu)
    joined = rel.mutate(**{_c("g"): ibis.literal(0, type="int64"), _c("r"): resid})
    rel = joined.mutate(**{_c(f"z{j}"): joined[_c(f"x{j}")] * joined[_c("r")] for j in range(pr.p)})
    return influence_variance(design, rel, pr.p)


def influence_variance(design, rel, k: int) -> np.ndarray:
    """The design covariance (k, k) of the totals of influence values ``rel._cs_z0..`` (one domain, ``_cs_g`` 0;
    rows outside ``rel`` count 0): the linear path's variance (per stage its stratum aggregates and R's constants,
    or a PPS design's form). Not on a post-stratified, raked or calibrated design, whose residuals it does not take
    (the glm's scores go through the linear path there)."""
    from careersurvey.engine.weighting import variance_step

    if variance_step(design) is not None:
        raise EngineError(f"this estimate on a design {variance_step(design).describe()} is not on the engine path yet "
                          "(its variance needs the weighting residuals); compute it in memory")
    return design_vcov(design, rel, k, 1, True)[0][0]


def _check_extras(row: pd.Series, formula: str) -> None:
    """As the in-memory checks of an offset and of a cbind response's counts (model_data, _cbind)."""
    bad = int(row.get(_c("offbad"), 0) or 0)
    if bad:
        raise ModelError(f"formula {formula!r}: the offset is not finite on {bad} row(s); e.g. the log of 0. Leave "
                         "those rows out of the design (subset) or correct the offset")
    if int(row.get(_c("negative"), 0) or 0):
        raise ModelError(f"formula {formula!r}: successes and failures must be counts of 0 or more; "
                         f"{int(row[_c('negative')])} row(s) are not")
    if int(row.get(_c("notrials"), 0) or 0):
        raise ModelError(f"formula {formula!r}: {int(row[_c('notrials')])} row(s) have no trials (successes + "
                         "failures = 0); R gives them weight 0: leave them out of the design (subset) first")


def _check_response(fam: families.Family, ymin: float, ymax: float, formula: str) -> None:
    if isinstance(fam, families.Binomial) and (ymin < 0 or ymax > 1):
        raise ModelError(f"formula {formula!r}: a binomial response must lie in [0, 1] (0/1, True/False or a "
                         f"proportion); values run from {ymin:g} to {ymax:g}. Use I(x == 'level').")
    if isinstance(fam, families.Poisson) and ymin < 0:
        raise ModelError(f"formula {formula!r}: a poisson response must be non-negative (minimum {ymin:g})")


def _check_rank(gram: np.ndarray, n: int, names: tuple[str, ...], formula: str) -> None:
    """As the in-memory check, from X'X alone: aliased columns named by a pivoted Cholesky of the Gram."""
    p = gram.shape[0]
    if n < p:
        raise ModelError(f"formula {formula!r}: {p} coefficients but only {n} usable rows")
    if gram_full_rank(gram):
        return
    import scipy.linalg

    _, r, piv = scipy.linalg.qr(gram, mode="economic", pivoting=True)
    diag = np.abs(np.diag(r))
    rank = int((diag > diag[0] * 1e-10).sum()) if diag.size and diag[0] > 0 else 0
    aliased = [names[i] for i in sorted(piv[max(rank, 0):])] or list(names[-1:])
    raise ModelError(f"formula {formula!r}: term(s) {', '.join(aliased)} are linear combinations of the "
                     "others on the rows used (a level absent in the domain, or a duplicated term); "
                     "remove them from the formula")
