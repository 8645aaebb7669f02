"""TableDesign: a survey design over a table that stays in its engine (DuckDB, Spark, ... through Ibis).

The engine path's counterpart of :class:`careersurvey.estimation.SurveyDesign`, with the same arguments and the
same estimator methods and result frames; the rows never come into Python, only aggregates (one row per domain,
per stratum, or per (stratum, domain)) do. Immutable: ``subset`` returns a new design.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from types import MappingProxyType
from typing import Any

import pandas as pd

from careersurvey.engine.pps import DesignOptions, check_options, read_pps
from careersurvey.engine.source import EngineError, open_table
from careersurvey.engine.stages import StageTable, check_lonely, read_stages, stage_keys, variance_stages
from careersurvey.estimation.codes import as_codes
from careersurvey.estimation.stages import LONELY_PSU_OPTIONS

__all__ = ["TableDesign", "from_table"]


def _names(arg: str | Sequence[str] | None, what: str) -> tuple[str, ...]:
    if arg is None:
        return ()
    if isinstance(arg, str):
        return (arg,)
    items = tuple(arg)
    if not all(isinstance(a, str) for a in items):
        raise EngineError(f"{what} must be a column name or a list of column names (got {arg!r})")
    return items


class TableDesign:
    """A complex sample design (weights, strata, multistage PSUs, fpc) over a table in an engine.

    Arguments as :class:`careersurvey.SurveyDesign` (``weights=None``: N/n from the fpc, 1/pi with ``pps``, or 1;
    ``probs``, ``pps``, ``pps_variance``, ``adjust_domain_lonely``, ``ultimate_cluster``, ``with_replacement``
    with its meanings); ``table`` names the table inside a DuckDB file. ``missing_codes`` are refused in any
    column an estimate reads.
    """

    __slots__ = ("_table", "_weights", "_strata", "_psu", "_fpc", "_nest", "_lonely_psu", "_domain",
                 "_missing_codes", "_stages", "_weight_expr", "_replicates", "_adjustments", "_levels",
                 "_options")

    def __init__(self, source: Any, weights: str | None = None, strata: str | Sequence[str] | None = None,
                 psu: str | Sequence[str] | None = None, fpc: str | Sequence[str] | None = None,
                 lonely_psu: str = "fail", nest: bool = False, *, table: str | None = None,
                 missing_codes: Sequence[int] = (), replicates: Any = None, levels: Mapping | None = None,
                 probs: str | Sequence[str] | None = None, pps: Any = None, pps_variance: str = "HT",
                 adjust_domain_lonely: bool = False, ultimate_cluster: bool = False, with_replacement: bool = False,
                 _domain: Any = None, _stages: Any = None, _weight_expr: Any = None, _adjustments: tuple = (),
                 _options: DesignOptions | None = None) -> None:
        if lonely_psu not in LONELY_PSU_OPTIONS:
            raise EngineError(f"lonely_psu={lonely_psu!r} is not an option; use one of {', '.join(LONELY_PSU_OPTIONS)}")
        t = open_table(source, table)
        strata_t, psu_t, fpc_t = _names(strata, "strata"), _names(psu, "psu"), _names(fpc, "fpc")
        if weights is not None and not isinstance(weights, str):
            raise EngineError("weights must name a column of the table")
        columns = set(t.columns)
        for what, names in (("weights", (weights,) if weights else ()), ("strata", strata_t), ("psu", psu_t),
                            ("fpc", fpc_t)):
            for name in names:
                if name not in columns:
                    raise EngineError(f"{what} column {name!r} is not in the table; columns are "
                                      f"{', '.join(list(t.columns)[:20])}{' ...' if len(columns) > 20 else ''}")
        set_ = object.__setattr__
        set_(self, "_table", t)
        set_(self, "_weights", weights)
        set_(self, "_strata", strata_t)
        set_(self, "_psu", psu_t)
        set_(self, "_fpc", fpc_t)
        set_(self, "_nest", bool(nest))
        set_(self, "_lonely_psu", lonely_psu)
        set_(self, "_domain", _domain)
        try:
            set_(self, "_missing_codes", as_codes(missing_codes))
        except ValueError as exc:
            raise EngineError(str(exc)) from None
        if _stages is None:
            probs_t = _names(probs, "probs")
            check_options(pps, pps_variance, max(len(psu_t), 1), fpc_t, weights, probs_t, with_replacement, columns)
            _check_design_columns(self, probs_t)
            _stages = read_stages(t, stage_keys(strata_t, psu_t, fpc_t, bool(nest)), self.execute, pps is not None)
            _options = DesignOptions(pps, pps_variance, bool(adjust_domain_lonely), bool(ultimate_cluster),
                                     bool(with_replacement), probs_t)
            if pps is not None and pps != "brewer":
                _options = replace(_options, table_pps=read_pps(t, _stages[0], pps, pps_variance, psu_t, self.execute))
            check_lonely(variance_stages(_stages, _options.ultimate_cluster, _options.with_replacement), lonely_psu,
                         strata_t, psu_t)
        set_(self, "_stages", _stages)
        set_(self, "_options", _options if _options is not None else DesignOptions())
        set_(self, "_weight_expr", _weight_expr if _weight_expr is not None else _weights(self))
        if isinstance(replicates, dict):  # from_table's replicate arguments, read once
            from careersurvey.engine.replicates import read_replicates

            replicates = read_replicates(t, self._weight_expr, execute=self.execute, **replicates)
        set_(self, "_replicates", replicates)
        set_(self, "_adjustments", tuple(_adjustments))
        set_(self, "_levels", _check_levels(levels, columns))

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("TableDesign is immutable; subset() returns a new design")

    # -- what it is ---------------------------------------------------------------------------------------
    @property
    def table(self):
        """The Ibis table expression the design reads; called, ``d.table(variables, Ntotal=None, round=False)``
        gives R's ``svytable`` as ``SurveyDesign.table`` does (:func:`careersurvey.engine.stats.table`)."""
        from careersurvey.engine.stats import design_table

        return design_table(self)

    @property
    def stages(self) -> tuple[StageTable, ...]:
        return self._stages

    @property
    def options(self) -> DesignOptions:
        """pps, pps_variance, adjust_domain_lonely, ultimate_cluster, with_replacement, probs (as SurveyDesign)."""
        return self._options

    @property
    def lonely_psu(self) -> str:
        return self._lonely_psu

    @property
    def missing_codes(self) -> tuple[int, ...]:
        return self._missing_codes

    @property
    def column_names(self) -> pd.Index:
        """The table's column names."""
        return pd.Index(self._table.columns)

    def is_numeric(self, name: str) -> bool:
        """Whether column ``name`` holds numbers (not text or logical values)."""
        dtype = self._table[name].type()
        return dtype.is_numeric() and not dtype.is_boolean()

    def refuse_codes(self, names: Sequence[str], what: str = "variable") -> None:
        """MissingCodeError for the first of ``names`` holding a declared missing code in the domain, as
        ``SurveyDesign.refuse_codes`` (one grouped count per numeric column, no estimate)."""
        from careersurvey.engine.estimators import _refuse_codes

        _refuse_codes(self, list(names), what)

    def units_per(self, column: str, limit: int = 5) -> tuple[int, list]:
        """How many values of ``column`` (a panel id) have rows in more than one first-stage unit, and up to
        ``limit`` of them: two aggregates (a count, and ``limit`` example values)."""
        keys = self._stages[0].keys
        t = self._table
        unit = list(dict.fromkeys(keys.stratum + keys.unit)) if keys.unit else None
        if unit is None:  # each row its own unit: a person with two rows lies in two units
            per = t.group_by(column).aggregate(_cs_k=t.count())
        else:
            pairs = t.select(*dict.fromkeys([column, *unit])).distinct()
            per = pairs.group_by(column).aggregate(_cs_k=pairs.count())
        bad = per.filter(per["_cs_k"] > 1)
        n = int(self.execute(bad.aggregate(n=bad.count()))["n"].iat[0])
        shown = self.execute(bad.select(column).order_by(column).limit(limit))[column].tolist() if n else []
        return n, shown

    @property
    def levels(self) -> Mapping[str, tuple]:
        """The order of the levels of categorical columns given to ``from_table(levels=)`` (column -> levels)."""
        return self._levels

    @property
    def domain(self):
        """The domain's condition (an Ibis boolean expression) or None for the whole sample."""
        return self._domain

    @property
    def adjustments(self) -> tuple:
        """The weighting steps applied (post-stratification), in order."""
        return self._adjustments

    def _evolved(self, **changes: Any) -> "TableDesign":
        """A copy with some of (domain, weight_expr, adjustments, replicates, table) changed; everything read once
        is kept (a new ``table`` must be a projection of this one adding columns: expressions over the old resolve)."""
        return TableDesign(changes.get("table", self._table), self._weights, self._strata, self._psu, self._fpc,
                           self._lonely_psu, self._nest, missing_codes=self._missing_codes,
                           replicates=changes.get("replicates", self._replicates), levels=self._levels,
                           _domain=changes.get("domain", self._domain), _stages=self._stages,
                           _weight_expr=changes.get("weight_expr", self._weight_expr),
                           _adjustments=changes.get("adjustments", self._adjustments), _options=self._options)

    def rake(self, margins, max_iter: int = 100, tol: float = 1e-10) -> "TableDesign":
        """R's ``rake()`` in the engine: one GROUP BY of the margins' joint cells, the passes over the margins on
        those cells, the new weight an expression; estimates carry R's raking residuals (``SurveyDesign.rake``)."""
        from careersurvey.engine.raking import rake

        return rake(self, margins, max_iter=max_iter, tol=tol)

    def poststratify(self, variables, totals, partial: bool = False) -> "TableDesign":
        """R's ``postStratify`` in the engine: cell sums by one GROUP BY, the new weight an expression; estimates
        on the result carry R's post-stratification residuals (``SurveyDesign.poststratify``)."""
        from careersurvey.engine.weighting import poststratify

        return poststratify(self, variables, totals, partial=partial)

    def calibrate(self, totals, method: str = "linear", bounds=None, **kwargs) -> "TableDesign":
        """R's ``calibrate`` in the engine (linear, raking, logit; bounds, aggregate_stage, variance, trim), each
        Newton iteration one aggregate; estimates carry the calibration residuals (``SurveyDesign.calibrate``)."""
        from careersurvey.engine.calibration import calibrate

        return calibrate(self, totals, method=method, bounds=bounds, **kwargs)

    def trim(self, lower: float | None = None, upper: float | None = None, strict: bool = True) -> "TableDesign":
        """R's ``trimWeights`` in the engine (``SurveyDesign.trim``): each round of redistribution one aggregate."""
        from careersurvey.engine.trim import trim

        return trim(self, lower, upper, strict=strict)

    def adjust_nonresponse(self, responded: str, classes=None, propensity=None, n_classes: int = 5,
                           variance: str = "estimated") -> "TableDesign":
        """``SurveyDesign.adjust_nonresponse`` in the engine: weighting classes or response-propensity classes,
        nonrespondents leave as a domain (:mod:`careersurvey.engine.nonresponse`); calibrate may follow."""
        from careersurvey.engine.nonresponse import adjust_nonresponse

        return adjust_nonresponse(self, responded, classes=classes, propensity=propensity, n_classes=n_classes,
                                  variance=variance)

    def margin_sums(self, variable: str) -> tuple[int, Any]:
        """(rows missing ``variable``, its weighted total or {level: weighted count}): one aggregate, for
        ``cs.longitudinal_weights``'s margins (:func:`careersurvey.engine.nonresponse.margin_sums`)."""
        from careersurvey.engine.nonresponse import margin_sums

        return margin_sums(self, variable)

    def weighted_table(self, name: str = "weight"):
        """The design's table with its final weight as column ``name`` (0 outside the domain): an Ibis table that
        stays in the engine (write it out with ``.to_parquet(path)``)."""
        from careersurvey.engine.trim import weighted_table

        return weighted_table(self, name)

    @property
    def replicates(self):
        """The replicate weight columns and R's constants (:class:`.replicates.TableReplicates`), or None."""
        return self._replicates

    @property
    def weight_expr(self):
        """The sampling weight of each row as an Ibis expression."""
        return self._weight_expr

    def execute(self, expr) -> pd.DataFrame:
        """Run an Ibis expression on the design's engine; the result is an aggregate (a small frame)."""
        out = expr.execute()
        return out if isinstance(out, pd.DataFrame) else pd.DataFrame(out)

    def __repr__(self) -> str:
        parts = [f"weights={self._weights!r}" if self._weights else "weights=N/n", f"strata={list(self._strata)}",
                 f"psu={list(self._psu) or 'rows'}", f"fpc={list(self._fpc)}", f"lonely_psu={self._lonely_psu!r}"]
        return f"TableDesign({', '.join(parts)}{', a domain' if self._domain is not None else ''})"

    # -- domains ------------------------------------------------------------------------------------------
    def subset(self, condition: Any) -> TableDesign:
        """A domain: an Ibis boolean expression over the table, or an expression in the questionnaire language
        (``"stype == 'E'"``: parsed, never evaluated; a missing value or a declared missing code makes a
        comparison false). Rows outside keep counting as units of the design, as in R."""
        from careersurvey.engine.conditions import to_ibis

        cond = to_ibis(condition, self._table, self._missing_codes) if isinstance(condition, str) else condition
        cond = cond.fill_null(False)
        if self._domain is not None:
            cond = self._domain & cond
        return self._evolved(domain=cond)

    # -- estimators ---------------------------------------------------------------------------------------
    def mean(self, variables, na_rm: bool = False, by=None, level: float = 0.95,
             covmat: bool = False, deff: str = "replace") -> pd.DataFrame:
        """Weighted means (categorical variables: one row per level), as ``SurveyDesign.mean`` (``deff``'s base
        "replace" or "srswor")."""
        from careersurvey.engine.estimators import estimate

        return estimate(self, "mean", variables, None, na_rm=na_rm, by=by, level=level, covmat=covmat, deff=deff)

    def total(self, variables, na_rm: bool = False, by=None, level: float = 0.95,
              covmat: bool = False, deff: str = "replace") -> pd.DataFrame:
        """Weighted totals, as ``SurveyDesign.total``."""
        from careersurvey.engine.estimators import estimate

        return estimate(self, "total", variables, None, na_rm=na_rm, by=by, level=level, covmat=covmat, deff=deff)

    def ratio(self, numerator, denominator, na_rm: bool = False, by=None, level: float = 0.95,
              covmat: bool = False, deff: str = "replace") -> pd.DataFrame:
        """Ratios of totals (every numerator over every denominator), as ``SurveyDesign.ratio``."""
        from careersurvey.engine.estimators import estimate

        return estimate(self, "ratio", numerator, denominator, na_rm=na_rm, by=by, level=level, covmat=covmat,
                        deff=deff)

    def proportion(self, variables, na_rm: bool = False, by=None, level: float = 0.95,
                   covmat: bool = False) -> pd.DataFrame:
        """Shares of each level with logit intervals (R's svyciprop), as ``SurveyDesign.proportion``."""
        from careersurvey.engine.estimators import estimate

        return estimate(self, "mean", variables, None, na_rm=na_rm, by=by, level=level, ci="logit", covmat=covmat)

    def quantile(self, variables, quantiles=0.5, na_rm: bool = False, by=None, level: float = 0.95,
                 qrule: str = "math", interval_type: str = "mean", order_by: str | None = None) -> pd.DataFrame:
        """Quantiles with R's ``svyquantile`` rules and intervals, as ``SurveyDesign.quantile``; the weighted
        CDF from aggregates (:mod:`careersurvey.engine.quantiles`). ``order_by``: a column numbering the rows
        (R's data order), read by rules hf4-hf9 and shahvaish among tied values of unequal weight."""
        from careersurvey.engine.quantiles import quantile

        return quantile(self, variables, quantiles, na_rm=na_rm, by=by, level=level, qrule=qrule,
                        interval_type=interval_type, order_by=order_by)

    def glm(self, formula: str, family="gaussian", *, link: str | None = None, offset: str | None = None,
            level: float = 0.95, maxiter: int = 100):
        """R's ``svyglm`` fitted inside the engine (IRLS, one aggregate per iteration), as ``SurveyDesign.glm``;
        see :mod:`careersurvey.engine.glm` for the formulas and links supported."""
        from careersurvey.engine.glm import glm

        return glm(self, formula, family, link=link, offset=offset, level=level, maxiter=maxiter)

    def ordinal(self, formula: str, *, link: str = "logit", level: float = 0.95, hessian: str = "exact"):
        """R's ``svyolr`` fitted inside the engine (Newton, one aggregate per iteration; replicate designs refit
        every replicate in the same queries), as ``SurveyDesign.ordinal``; see :mod:`careersurvey.engine.ordinal`."""
        from careersurvey.engine.ordinal import ordinal

        return ordinal(self, formula, link=link, level=level, hessian=hessian)

    def chisq(self, row: str, col: str, statistic: str = "F"):
        """Test of independence as R's ``svychisq`` (every statistic of ``SurveyDesign.chisq``), from the cells'
        aggregates (:mod:`careersurvey.engine.stats`)."""
        from careersurvey.engine.stats import chisq

        return chisq(self, row, col, statistic=statistic)

    def var(self, variables, na_rm: bool = False, by=None, level: float = 0.95) -> pd.DataFrame:
        """Variances or the covariance matrix with design-based SEs, as R's ``svyvar`` (``SurveyDesign.var``)."""
        from careersurvey.engine.stats_spread import var

        return var(self, variables, na_rm=na_rm, by=by, level=level)

    def ttest(self, formula: str, na_rm: bool = False, by=None, level: float = 0.95) -> pd.DataFrame:
        """Design-based t-test, as R's ``svyttest``: ``"y ~ 1"`` (mean 0) or ``"y ~ g"`` (two groups)."""
        from careersurvey.engine.stats_spread import ttest

        return ttest(self, formula, na_rm=na_rm, by=by, level=level)

    def ciprop(self, variables, method: str = "logit", na_rm: bool = False, by=None, level: float = 0.95,
               df: float | None = None, nchs: bool = False) -> pd.DataFrame:
        """Shares with R's ``svyciprop`` intervals, every method of ``SurveyDesign.ciprop``."""
        from careersurvey.engine.stats_ciprop import ciprop

        return ciprop(self, variables, method=method, na_rm=na_rm, by=by, level=level, df=df, nchs=nchs)

    @property
    def design_df(self) -> int:
        """R's ``degf()``: PSUs minus strata among rows of the domain."""
        from careersurvey.engine.estimators import degf

        return degf(self)


def from_table(source: Any, weights: str | None = None, strata=None, psu=None, fpc=None, lonely_psu: str = "fail",
               nest: bool = False, *, table: str | None = None, missing_codes: Sequence[int] = (),
               replicate_weights: str | Sequence[str] | None = None, method: str = "other", combined: bool = False,
               scale: float | None = None, rscales: Sequence[float] | None = None, rho: float | None = None,
               mse: bool = False, levels: Mapping | None = None, probs=None, pps: Any = None,
               pps_variance: str = "HT", adjust_domain_lonely: bool = False, ultimate_cluster: bool = False,
               with_replacement: bool = False) -> TableDesign:
    """A design over a table in an engine: a parquet file/folder/glob, a DuckDB file with ``table=``, a Spark or
    pandas DataFrame, or an Ibis table. Same arguments and estimates as :class:`careersurvey.SurveyDesign`;
    ``replicate_weights`` (columns or a regular expression) and the arguments after it as
    ``SurveyDesign.from_replicates`` (R's ``svrepdesign``): the variance then comes from the replicates.
    ``levels`` ({column: [level, ...]}) orders a categorical column's levels as a pandas categorical's (or R
    factor's) are ordered in memory; without it, levels are in sorted order. ``probs``, ``pps``,
    ``pps_variance``, ``adjust_domain_lonely``, ``ultimate_cluster``, ``with_replacement`` as ``SurveyDesign``'s
    (R's ``svydesign(probs=, pps=, variance=)`` and survey options)."""
    reps = None
    if replicate_weights is not None:
        reps = dict(replicate_weights=replicate_weights, method=method, combined=combined, scale=scale,
                    rscales=rscales, rho=rho, mse=mse)
    return TableDesign(source, weights, strata, psu, fpc, lonely_psu, nest, table=table, missing_codes=missing_codes,
                       replicates=reps, levels=levels, probs=probs, pps=pps, pps_variance=pps_variance,
                       adjust_domain_lonely=adjust_domain_lonely, ultimate_cluster=ultimate_cluster,
                       with_replacement=with_replacement)


def _weights(design: TableDesign):
    """The weight column, or N/n per stage from the fpc (R's svydesign without weights), or 1."""
    import ibis

    t = design._table
    if design._weights is not None:
        return t[design._weights].cast("float64")
    probs = design._options.probs or (design._fpc if design._options.pps is not None else ())
    if probs:  # R's probs=, or 1/pi from a PPS design's fpc: 1 over the product of the stages' probabilities
        p = ibis.literal(1.0, type="float64")
        for c in probs:
            p = p * t[c].cast("float64")
        return 1.0 / p
    if not design._fpc:
        return ibis.literal(1.0, type="float64")
    w = ibis.literal(1.0, type="float64")
    for stage in design._stages:
        st = stage.strata
        keys = list(stage.keys.stratum)
        ratio = (st["N"] / st["n"]).to_numpy(dtype=float)
        if not keys:
            w = w * float(ratio[0])
            continue
        # a CASE over the strata: a stage has as many strata as the design has earlier units, all small
        if len(keys) == 1:
            mapping = dict(zip(st[keys[0]].tolist(), ratio.tolist()))
            w = w * t[keys[0]].cases(*mapping.items(), else_=None).cast("float64")
        else:
            raise EngineError("weights=None with an fpc over several stages and strata within units is not supported "
                              "by the engine path; add a weights column (N/n per stage, multiplied)")
    return w


def _check_design_columns(design: TableDesign, probs: tuple[str, ...] = ()) -> None:
    """Design columns with no missing values; PSUs nested in strata unless nest=True (R's svydesign)."""
    t = design._table
    cols = [*design._strata, *design._psu, *design._fpc, *probs] + ([design._weights] if design._weights else [])
    if not cols:
        return
    aggs = {f"na_{i}": t[c].isnull().cast("int64").sum() for i, c in enumerate(cols)}
    if design._weights:
        w = t[design._weights]
        aggs["bad_w"] = ((w <= 0) | w.isnull()).cast("int64").sum()
    counts = design.execute(t.aggregate(**aggs)).iloc[0]
    for i, c in enumerate(cols):
        if counts[f"na_{i}"]:
            raise EngineError(f"column {c!r} has {int(counts[f'na_{i}'])} missing value(s); every row needs a "
                              "value in a design column: fill them in or filter those rows out first")
    if design._weights and counts["bad_w"]:
        raise EngineError(f"weights column {design._weights!r} must be positive and not missing; "
                          f"{int(counts['bad_w'])} row(s) are not. Fix or filter out these rows first.")
    if design._strata and design._psu and not design._nest:
        s, p = design._strata[0], design._psu[0]
        clash = design.execute(t.group_by(p).aggregate(k=t[s].nunique()).filter(lambda x: x.k > 1).limit(1))
        if len(clash):
            raise EngineError(f"PSU {p}={clash[p].iat[0]!r} appears in more than one stratum of {s}. If PSU codes are "
                              "only unique within strata, pass nest=True; otherwise fix the codes.")


def _check_levels(levels: Mapping | None, columns: set) -> Mapping[str, tuple]:
    """``levels`` as an immutable mapping column -> tuple of distinct levels, each column in the table."""
    if levels is None:
        return MappingProxyType({})
    if isinstance(levels, MappingProxyType):
        return levels
    if not isinstance(levels, Mapping):
        raise EngineError("levels must be a mapping {column: [level, ...]} giving the order of a column's levels")
    out = {}
    for name, order in levels.items():
        if name not in columns:
            raise EngineError(f"levels: {name!r} is not a column of the table")
        if isinstance(order, str) or not isinstance(order, Sequence) or len(set(order)) != len(order):
            raise EngineError(f"levels[{name!r}] must be a list of distinct levels (got {order!r})")
        out[name] = tuple(order)
    return MappingProxyType(out)
