"""Design-based ordinal models inside the engine (R's ``svyolr``): Newton's method whose every step is one
aggregate query.

The same fit as the in-memory :func:`careersurvey.estimation.models.ordinal.ordinal`, from its pieces: the link
functions (``LINKS``, given engine arithmetic by :mod:`careersurvey.engine.special`, which adds the normal
distribution function portable SQL lacks), the Hessian's local terms, R's starting values, the Newton rule with
step halving (``newton_start``/``newton_advance``), R's finite-difference Hessian and the result object. What
runs in the engine:

- the model's columns as Ibis expressions (:mod:`careersurvey.engine.terms`, shared with the glm) and the
  response's level as a code 0..K-1;
- per Newton step one aggregate grouped by the level (K rows back): the log-likelihood, the slopes' gradient
  and Hessian, and the cut-points' sums of the level (numpy places them: a row of level j has the upper
  cut-point j and the lower j - 1). The link's values are columns of a projection, so each is computed once
  per row;
- on a replicate design every replicate's refit (from the full-sample estimate, as in memory) advances in the
  same queries, at most 1,000 aggregates per query (:func:`careersurvey.engine.replicates.aggregate_blocks`);
- the linearised variance: the per-row scores are the base of a total (:class:`careersurvey.engine.linear.Linear`)
  whose covariance the linear path computes, so stages, lonely PSUs, domains and post-stratification or raking
  residuals are treated as for any estimate; the sandwich is applied in numpy.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import numpy as np

from careersurvey.engine.estimators import given_levels
from careersurvey.engine.linear import Linear, _c, linear_estimates
from careersurvey.engine.replicates import aggregate_blocks
from careersurvey.engine.special import IBIS, clean, ndtr, ndtr_parts
from careersurvey.engine.terms import model_terms
from careersurvey.estimation.models.fit import ModelResults
from careersurvey.estimation.models.formula import ModelError
from careersurvey.estimation.models.ordinal import (BOUND, LINKS, Newton, check_levels, check_ordinal_args,
                                                    hessian_terms, newton_advance, newton_start,
                                                    numeric_level_labels, ordinal_results, r_hessian,
                                                    replicate_method, start_values)

__all__ = ["ordinal"]


def _link_columns(rel, zs: dict, link: str):
    """``rel`` with the link's (F, f, f') at each named z column as columns ``<name>_cdf``, ``_pdf``, ``_dpdf``
    (NaN -> 0, as the core's nan_to_num; names differ in more than case: SQL folds case); probit's inputs are
    staged in a projection before, so its SQL stays small."""
    m = IBIS
    if link == "probit":
        parts = {}
        for name in zs:  # over the z columns (two per fit), not rows
            x, s = ndtr_parts(rel[name])
            parts[f"{name}_x"], parts[f"{name}_s"] = x, s
        rel = rel.mutate(**parts)
        m = SimpleNamespace(**{**vars(IBIS), "ndtr": lambda z: ndtr(z, (rel[f"{z.get_name()}_x"],
                                                                         rel[f"{z.get_name()}_s"]))})
    cols = {}
    for name in zs:
        F, f, g = LINKS[link](rel[name], m)
        cols.update({f"{name}_cdf": clean(F), f"{name}_pdf": clean(f), f"{name}_dpdf": clean(g)})
    return rel.mutate(**cols)


def _cut_points(code, zeta: np.ndarray):
    """(zeta of the row's level, zeta of the level below) as expressions; R's +-100 outside."""
    q = len(zeta)
    upper = code.cases(*[(j, float(zeta[j])) for j in range(q)], else_=BOUND)
    lower = code.cases(*[(j + 1, float(zeta[j])) for j in range(q)], else_=-BOUND)
    return upper, lower


class _Fits:
    """The fit's rows in the engine (slopes _cs_x0.., the level code _cs_k, the weight _cs_w) and one
    query per evaluation of any number of (coefficients, weight) points."""

    def __init__(self, design, rows, p: int, q: int, link: str) -> None:
        self.design, self.rows, self.p, self.q, self.link = design, rows, p, q, link
        self.x = [rows[_c(f"x{j}")] for j in range(p)]

    def eta(self, beta: np.ndarray):
        import ibis

        out = ibis.literal(0.0, type="float64")
        for j in range(self.p):  # over the p slopes: one expression
            out = out + self.x[j] * float(beta[j])
        return out

    def evaluate(self, points: list, hessian: bool = True) -> list[tuple[float, np.ndarray, np.ndarray]]:
        """(log-likelihood, gradient, Hessian) at each (theta, weight expression over the rows) of ``points``;
        the log-likelihood is -inf where a row's probability is not positive (its gradient then unused)."""
        import ibis

        p, rows = self.p, self.rows
        stage = {}
        for i, (theta, w) in enumerate(points):  # over the points (fits), not rows
            eta = self.eta(theta[:p])
            upper, lower = _cut_points(rows[_c("k")], theta[p:])
            stage.update({_c(f"u{i}"): upper - eta, _c(f"l{i}"): lower - eta, _c(f"w{i}"): w})
        rel = _link_columns(rows.mutate(**stage), [n for n in stage if not n.startswith(_c("w"))], self.link)
        per_row = {}
        for i in range(len(points)):  # each row's terms as columns: the aggregates below are plain sums
            Fu, fu, gu = (rel[f"{_c(f'u{i}')}_{s}"] for s in ("cdf", "pdf", "dpdf"))
            Fl, fl, gl = (rel[f"{_c(f'l{i}')}_{s}"] for s in ("cdf", "pdf", "dpdf"))
            w = rel[_c(f"w{i}")]
            pr = Fu - Fl
            prs = ibis.ifelse(pr > 0, pr, ibis.null("float64"))  # no division by 0 (Spark's ANSI mode refuses it)
            per_row.update({_c(f"bad{i}"): (pr <= 0).cast("int64"), _c(f"v{i}"): w * prs.ln(),
                            _c(f"s{i}"): w * (-(fu - fl) / prs), _c(f"gu{i}"): w * fu / prs,
                            _c(f"gl{i}"): w * fl / prs})
            if hessian:
                terms = hessian_terms(prs, fu, fl, gu, gl, w)
                per_row.update({_c(f"{n}{i}"): a for n, a in zip(("ee", "eu", "el", "uu", "ll", "ul"), terms)})
        rel = rel.mutate(**per_row)
        x = [rel[_c(f"x{j}")] for j in range(p)]
        aggs = {}
        for i in range(len(points)):
            r = {n: rel[_c(f"{n}{i}")] for n in ("bad", "v", "s", "gu", "gl")}
            aggs.update({_c(f"{n}{i}"): col.sum() for n, col in r.items() if n != "s"})
            aggs.update({_c(f"b{i}_{j}"): (x[j] * r["s"]).sum() for j in range(p)})
            if hessian:
                h = {n: rel[_c(f"{n}{i}")] for n in ("ee", "eu", "el", "uu", "ll", "ul")}
                aggs.update({_c(f"h{i}_{a}_{b}"): (x[a] * x[b] * h["ee"]).sum() for a in range(p) for b in range(a, p)})
                aggs.update({_c(f"eu{i}_{a}"): (x[a] * h["eu"]).sum() for a in range(p)})
                aggs.update({_c(f"el{i}_{a}"): (x[a] * h["el"]).sum() for a in range(p)})
                aggs.update({_c(f"{n}{i}"): h[n].sum() for n in ("uu", "ll", "ul")})
        out = aggregate_blocks(rel, aggs, [_c("k")], self.design.execute)
        out = out.sort_values(_c("k")).reset_index(drop=True)
        return [self._assemble(out, i, hessian) for i in range(len(points))]

    def _assemble(self, out, i: int, hessian: bool):
        """The gradient and Hessian from the level sums: level j's rows have cut-point j above (j < q) and
        j - 1 below (j > 0)."""
        p, q = self.p, self.q
        level = out[_c("k")].to_numpy(dtype=np.int64)
        col = lambda name: np.nan_to_num(out[_c(name)].to_numpy(dtype=float))  # noqa: E731
        value = -np.inf if col(f"bad{i}").sum() else float(col(f"v{i}").sum())
        grad = np.zeros(p + q)
        grad[:p] = [col(f"b{i}_{j}").sum() for j in range(p)]
        up, lo = level < q, level > 0
        np.add.at(grad, p + level[up], col(f"gu{i}")[up])
        np.add.at(grad, p + level[lo] - 1, -col(f"gl{i}")[lo])
        if not hessian:
            return value, grad, None
        H = np.zeros((p + q, p + q))
        for a in range(p):
            for b in range(a, p):
                H[a, b] = H[b, a] = col(f"h{i}_{a}_{b}").sum()
            np.add.at(H[a], p + level[up], col(f"eu{i}_{a}")[up])
            np.add.at(H[a], p + level[lo] - 1, col(f"el{i}_{a}")[lo])
        H[p:, :p] = H[:p, p:].T
        Z = np.zeros((q, q))
        np.add.at(Z, (level[up], level[up]), col(f"uu{i}")[up])
        np.add.at(Z, (level[lo] - 1, level[lo] - 1), col(f"ll{i}")[lo])
        both = up & lo
        UL = np.zeros((q, q))
        np.add.at(UL, (level[both], level[both] - 1), col(f"ul{i}")[both])
        H[p:, p:] = Z + UL + UL.T
        return value, grad, H


def _newton(fits: _Fits, starts: list, weights: list, scales: list, what: list, formula: str) -> list:
    """Every fit by the core's Newton rule at once, one query per round: each round evaluates every unfinished
    fit at its trial point. Per fit (coefficients, log-likelihood, Hessian) at the estimate, on the weights over
    ``scales`` (the core's fit divides them by their mean)."""
    def run(keys: list, thetas: list):
        evals = fits.evaluate([(th, weights[i]) for i, th in zip(keys, thetas)])
        return {i: (v / scales[i], g / scales[i], H / scales[i]) for i, (v, g, H) in zip(keys, evals)}

    first = run(list(range(len(starts))), starts)
    states = {i: newton_start(starts[i], *first[i]) for i in first}
    done = {}
    while states:
        keys = list(states)
        evals = run(keys, [states[i].trial() for i in keys])
        for i in keys:  # over the fits (replicates), not rows
            value, grad, H = evals[i]
            nxt = newton_advance(states[i], value, lambda g=grad, h=H: (g, h), formula, what[i])
            if isinstance(nxt, Newton):
                states[i] = nxt
            else:
                done[i] = (nxt, value, H)
                del states[i]
    return [done[i] for i in range(len(starts))]


def ordinal(design, formula: str, *, link: str = "logit", level: float = 0.95,
            hessian: str = "exact") -> ModelResults:
    """R's ``svyolr`` on a :class:`~careersurvey.engine.TableDesign`: the same :class:`ModelResults` (slopes then
    cut-points, design covariance, df, deviance, naive covariance) as ``SurveyDesign.ordinal``."""
    from careersurvey.engine.glm import _check_rank

    link = check_ordinal_args(link, hessian)
    terms = model_terms(design, formula, ordered_response=True)
    slopes = [i for i, n in enumerate(terms.names) if n != "Intercept"]
    p = len(slopes)
    member = terms.complete if design.domain is None else design.domain & terms.complete
    cols = {_c(f"g{i}"): c for i, c in enumerate(terms.columns)}
    cols.update({_c("y"): terms.response, _c("w"): design.weight_expr})
    base = design.table.filter(member).mutate(**cols)
    reps = design.replicates
    first = _first_query(design, base, len(terms.columns), reps)
    if first.empty:
        raise ModelError(f"formula {formula!r}: no row of the design (domain) has all the model's variables")
    values = first[_c("y")].tolist()
    numeric = terms.response.type().is_numeric()
    if not numeric and terms.response_name in design.levels:  # a categorical's order in memory: present levels
        order = given_levels(design, terms.response_name, values)
        first = first.set_index(_c("y")).loc[[v for v in order if v in values]].reset_index()
        values = first[_c("y")].tolist()
    labels = numeric_level_labels(np.asarray(values, dtype=float)) if numeric else [str(v) for v in values]
    check_levels(labels, formula)
    q = len(labels) - 1
    n = int(first[_c("n")].sum())
    P = len(terms.columns)
    gram = np.array([[first[_c(f"G{min(a, b)}_{max(a, b)}")].sum() for b in range(P)] for a in range(P)], float)
    _check_rank(gram, n, terms.names, formula)
    level_totals = first[_c("sw")].to_numpy(dtype=float)
    sw = float(level_totals.sum())
    code = base[_c("y")].cases(*[(v, j) for j, v in enumerate(values)], else_=None)
    keep = {_c("k"): code, _c("w"): base[_c("w")], **{_c(f"x{j}"): base[_c(f"g{i}")] for j, i in enumerate(slopes)}}
    if reps is not None:
        keep.update({_c(f"rw{r}"): wr for r, wr in enumerate(reps.weights(base, base[_c("w")]))})
    rows = base.select(**keep)  # only what the fit reads: every query's projections stay narrow
    fits = _Fits(design, rows, p, q, link)
    scale = float(first[_c("swpos")].sum()) / float(first[_c("npos")].sum())
    [(theta, value, H)] = _newton(fits, [start_values(level_totals, sw, p, link)], [rows[_c("w")]], [scale],
                                  ["full-sample"], formula)
    information = -H * scale
    if reps is None:
        if hessian == "r":
            information = r_hessian(theta, p, lambda points: np.vstack(
                [g for _, g, _ in fits.evaluate([(c, rows[_c("w")]) for c in points], hessian=False)]))
        bread = np.linalg.inv(information)
        V, degf = _score_variance(design, terms, slopes, values, theta, link, member)
        cov = bread.T @ V @ bread
        method = "linearisation"
    else:
        W = [rows[_c(f"rw{r}")] for r in range(len(reps.columns))]
        scales = [float(first[_c(f"rs{r}")].sum()) / float(first[_c(f"rn{r}")].sum()) for r in range(len(W))]
        refits = _newton(fits, [theta] * len(W), W, scales, [f"replicate {r + 1}" for r in range(len(W))], formula)
        cov = reps.covariance(np.vstack([th for th, _, _ in refits]), theta)
        degf = design.design_df  # R: degf() of the replicate design before rows with NA leave
        method = replicate_method(getattr(reps, "method", "replicate"), len(W))
    # R's mean weight (r_weight_scale): over every row of a weighted design, else over the fit's rows
    held = _count(design, design.table) if design.adjustments and reps is None else n
    return ordinal_results(
        formula=formula, link=link, response=formula.split("~")[0].strip(), names=[terms.names[i] for i in slopes],
        labels=labels, theta=theta, cov=cov, loglik=value * scale, information=-H * scale, norm=sw / held,
        df_resid=float(degf - p), nobs=n, population=sw, method=method, level=level,
        terms=tuple((t, tuple(i - 1 for i in idx)) for t, idx in terms.terms if t != "1"),
        problem=TableOrdinalProblem(design, rows, q, link, level_totals, scale, sw / held, formula))


@dataclass(frozen=True, eq=False)
class TableOrdinalProblem:
    """What an engine ordinal model was fitted on, for refits of smaller models (R's working LRT of terms, as
    the in-memory :class:`~careersurvey.estimation.models.ordinal.OrdinalProblem`): the fit's rows (slopes
    _cs_x0.., level _cs_k, weight _cs_w), the link, the levels' weighted counts, the weights' scale and R's
    mean weight ``norm``."""

    design: Any
    rows: Any
    q: int
    link: str
    level_totals: np.ndarray
    scale: float
    norm: float
    formula: str

    def deviance(self, columns) -> float:
        """R's svyolr deviance of the model with only ``columns`` of the slopes (the cut-points always stay)."""
        cols = [int(j) for j in columns]
        rows = self.rows.select(_c("k"), _c("w"), **{_c(f"x{n}"): self.rows[_c(f"x{j}")] for n, j in enumerate(cols)})
        start = start_values(self.level_totals, float(self.level_totals.sum()), len(cols), self.link)
        [(_, value, _)] = _newton(_Fits(self.design, rows, len(cols), self.q, self.link), [start], [rows[_c("w")]],
                                  [self.scale], ["reduced"], self.formula)
        return -2 * value * self.scale / self.norm


def _first_query(design, base, P: int, reps):
    """Per response value: rows, weights (all, positive), the model columns' crossproducts (rank), and each
    replicate's positive weights (its fit's scale). Sorted by value: the levels in order."""
    import ibis

    w = base[_c("w")]
    g = [base[_c(f"g{i}")] for i in range(P)]
    aggs = {_c("n"): base.count(), _c("sw"): w.sum(), _c("swpos"): ibis.ifelse(w > 0, w, 0.0).sum(),
            _c("npos"): (w > 0).cast("int64").sum()}
    aggs.update({_c(f"G{a}_{b}"): (g[a] * g[b]).sum() for a in range(P) for b in range(a, P)})
    if reps is not None:
        for r, wr in enumerate(reps.weights(base, w)):  # over replicates: two sums each
            aggs[_c(f"rs{r}")] = ibis.ifelse(wr > 0, wr, 0.0).sum()
            aggs[_c(f"rn{r}")] = (wr > 0).cast("int64").sum()
    out = aggregate_blocks(base, aggs, [_c("y")], design.execute)
    return out.dropna(subset=[_c("y")]).sort_values(_c("y"), kind="stable").reset_index(drop=True)


def _count(design, table) -> int:
    return int(design.execute(table.aggregate(n=table.count()))["n"].iat[0])


def _score_variance(design, terms, slopes: list[int], values: list, theta: np.ndarray, link: str, member):
    """The design covariance of the score totals and R's degf of the fit's rows: each row's unweighted score
    (slopes x_j s_eta, cut-point j fu/pr on level j minus fl/pr on level j + 1) staged as columns of the design's
    table (named apart from the linear path's own), then the covariance of their weighted totals over the fit's
    rows by the linear path (every stage, domain and weighting residual)."""
    import ibis

    t = design.table
    p = len(slopes)
    code = terms.response.cases(*[(v, j) for j, v in enumerate(values)], else_=None)
    eta = ibis.literal(0.0, type="float64")
    for j, i in enumerate(slopes):  # over the slopes: one expression
        eta = eta + terms.columns[i] * float(theta[j])
    upper, lower = _cut_points(code, theta[p:])
    rel = _link_columns(t.mutate(**{_c("olr_k"): code, _c("olr_u"): upper - eta, _c("olr_l"): lower - eta}),
                        [_c("olr_u"), _c("olr_l")], link)
    fu, fl = rel[f"{_c('olr_u')}_pdf"], rel[f"{_c('olr_l')}_pdf"]
    pr = rel[f"{_c('olr_u')}_cdf"] - rel[f"{_c('olr_l')}_cdf"]
    prs = ibis.ifelse(pr > 0, pr, ibis.null("float64"))
    s_eta = -(fu - fl) / prs
    k = rel[_c("olr_k")]
    scores = {_c(f"olr_s{j}"): terms.columns[i] * s_eta for j, i in enumerate(slopes)}
    for j in range(len(theta) - p):  # over the cut-points
        scores[_c(f"olr_s{p + j}")] = (ibis.ifelse(k == j, fu / prs, 0.0).fill_null(0.0)
                                    - ibis.ifelse(k == j + 1, fl / prs, 0.0).fill_null(0.0))
    staged = design._evolved(table=rel.mutate(**scores))
    m = len(theta)
    est = Linear("total", tuple(staged.table[_c(f"olr_s{j}")] for j in range(m)), tuple(range(m)), (None,) * m)
    res = linear_estimates(staged, est, member, (), True)
    return res.vcov[0], float(res.df[0])  # and R's degf of the fit's rows (units minus strata)
