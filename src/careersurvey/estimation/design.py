"""SurveyDesign: an immutable description of how a sample was drawn, and the door to every estimator.

Built as R survey's ``svydesign(ids, strata, fpc, weights, nest)``: strata/PSU codes are factorised once
(:mod:`careersurvey.estimation.variance`), inputs are validated with messages that name the column, the stratum or PSU
and what to do. Transformations (``subset``, and weighting's ``calibrate``/``rake``/``trim`` through
:meth:`SurveyDesign.evolve`) return new designs; a domain keeps every row with zero weight outside it, so
variances still run over the full design. Estimators live in :mod:`careersurvey.estimation.estimators` and
:mod:`careersurvey.estimation.chisq`; they all reach the variance through :meth:`SurveyDesign.variance` (or the
replicate path in :func:`careersurvey.estimation.estimators.estimate`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from careersurvey.estimation import chisq as _chisq
from careersurvey.estimation import ciprop as _ciprop
from careersurvey.estimation import estimators as _est
from careersurvey.estimation import quantiles as _quantiles
from careersurvey.estimation import spread as _spread
from careersurvey.estimation import tables as _tables
from careersurvey.estimation import tests_stats as _tests
from careersurvey.estimation import variance as _var
from careersurvey.estimation import weighting as _weighting
from careersurvey.estimation.codes import MissingCodeError, as_codes, refuse_missing_codes
from careersurvey.estimation.pps import check_probs
from careersurvey.estimation.pps import describe as describe_pps
from careersurvey.estimation.rows import labelled, rows_text
from careersurvey.estimation.spec import DesignError, DesignSpec, build_spec
from careersurvey.estimation.stages import LONELY_PSU_OPTIONS, LonelyPSUError, Stage, check_lonely, design_df
from careersurvey.estimation.weighting.diagnostics import step_words
from careersurvey.estimation.weighting.replicate import from_columns, qr_rank, replicate_columns

__all__ = ["SurveyDesign", "DesignError", "LonelyPSUError", "MissingCodeError"]

_EVOLVABLE = ("weights", "strata", "psu", "fpc", "lonely_psu", "nest", "adjustments", "replicates", "domain",
              "missing_codes", "ids", "pps", "pps_variance", "adjust_domain_lonely", "ultimate_cluster",
              "with_replacement")
_STRUCTURAL = ("strata", "psu", "fpc", "nest", "pps", "pps_variance", "ultimate_cluster", "with_replacement")


class SurveyDesign:
    """A complex sample design over a DataFrame: weights, strata, (multistage) PSUs and fpc.

    ``psu``/``fpc`` take a column name or a list of names, one per stage; ``psu=None`` makes each row its
    own PSU; ``fpc`` holds population sizes (> 1) or sampling fractions (<= 1); ``weights=None`` gives
    weights N/n from the fpc, or 1 without one. ``lonely_psu`` is R survey's option, kept on the design.
    ``missing_codes`` (e.g. ``(-6, -7, -8, -9)``) are values that mean "no answer": every estimator and
    weighting step refuses a column that still holds one (see :mod:`careersurvey.estimation.codes`), and
    ``subset`` conditions treat them as missing answers. ``ids`` names the column of respondent ids that
    messages name rows by (``respondent_id '0001'``); without it they name the data's index labels. The
    design keeps the data's index either way.
    """

    __slots__ = ("_data", "_spec", "_lonely_psu", "_adjustments", "_replicates", "_domain", "_weights",
                 "_wname", "_wsource", "_missing_codes", "_ids", "_domain_degf", "_adjust_domain_lonely")

    def __init__(
        self,
        data: pd.DataFrame,
        weights: str | Sequence[float] | pd.Series | None = None,
        strata: str | Sequence[str] | None = None,
        psu: str | Sequence[str] | None = None,
        fpc: str | Sequence[str] | None = None,
        lonely_psu: str = "fail",
        nest: bool = False,
        *,
        adjustments: tuple = (),
        replicates: Any = None,
        domain: np.ndarray | pd.Series | None = None,
        missing_codes: Sequence[int] = (),
        ids: str | None = None,
        probs: str | Sequence[str] | None = None,
        pps: Any = None,
        pps_variance: str = "HT",
        adjust_domain_lonely: bool = False,
        ultimate_cluster: bool = False,
        with_replacement: bool = False,
        _spec: DesignSpec | None = None,
    ) -> None:
        if not isinstance(data, pd.DataFrame):
            raise DesignError(f"data must be a pandas DataFrame (got {type(data).__name__})")
        if lonely_psu not in LONELY_PSU_OPTIONS:
            raise DesignError(
                f"lonely_psu={lonely_psu!r} is not an option; use one of {', '.join(LONELY_PSU_OPTIONS)}"
            )
        try:
            codes = as_codes(missing_codes)
        except ValueError as exc:
            raise DesignError(str(exc)) from None
        if ids is not None and ids not in data.columns:
            raise DesignError(f"ids column {ids!r} is not in the data; name the column that holds the respondent "
                              "ids, or leave ids out to name rows by the data's index")
        named = labelled(data, ids)  # messages name rows by id (or index label), never by position
        spec = _spec if _spec is not None else build_spec(
            named, strata=strata, psu=psu, fpc=fpc, nest=nest, pps=pps, pps_variance=pps_variance,
            ultimate_cluster=ultimate_cluster, with_replacement=with_replacement)
        dom = None
        if domain is not None:
            dom = np.asarray(domain, dtype=bool).reshape(-1)
            if len(dom) != len(data):
                raise DesignError(f"domain mask has {len(dom)} entries but the data have {len(data)} rows")
        if probs is not None:
            weights = _weights_from_probs(data, weights, probs)
        w = _resolve_weights(data, weights, spec, dom, named.index)
        check_lonely(spec.variance_stages, lonely_psu, spec.strata_name)
        w.flags.writeable = False  # d.w hands out this array: nobody may change the design's weights through it
        set_ = object.__setattr__
        # a shallow copy: with pandas' copy-on-write, later edits of the caller's frame do not reach the design
        set_(self, "_data", data if _spec is not None else data.copy(deep=False))
        set_(self, "_spec", spec)
        set_(self, "_lonely_psu", lonely_psu)
        set_(self, "_adjust_domain_lonely", bool(adjust_domain_lonely))
        set_(self, "_adjustments", tuple(adjustments))
        set_(self, "_replicates", replicates)
        set_(self, "_domain", dom)
        set_(self, "_weights", w)
        wname = weights if isinstance(weights, str) else getattr(weights, "name", None)
        set_(self, "_wname", wname if isinstance(wname, str) else "weight")
        set_(self, "_wsource", _weights_source(weights, spec))
        set_(self, "_missing_codes", codes)
        set_(self, "_domain_degf", None)  # a cache: the df of a domain of a replicate design, once computed
        set_(self, "_ids", ids)

    # -- immutability -------------------------------------------------------------------------------------
    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"SurveyDesign is immutable; use d.evolve({name}=...) to get a changed copy")

    def __delattr__(self, name: str) -> None:
        raise AttributeError("SurveyDesign is immutable")

    def evolve(self, **changes: Any) -> SurveyDesign:
        """A new design with some settings changed (weights, adjustments, replicates, domain, ...), re-validated.

        The strata/PSU factorisation is reused when strata, psu, fpc and nest are unchanged.
        """
        unknown = set(changes) - set(_EVOLVABLE)
        if unknown:
            raise TypeError(f"evolve() got unknown setting(s) {sorted(unknown)}; allowed: {', '.join(_EVOLVABLE)}")
        structural = {k: changes.pop(k) for k in _STRUCTURAL if k in changes}
        spec = self._spec
        kwargs: dict[str, Any] = {
            "weights": changes.pop("weights", self._base_weights_series()),
            "lonely_psu": changes.pop("lonely_psu", self._lonely_psu),
            "adjust_domain_lonely": changes.pop("adjust_domain_lonely", self._adjust_domain_lonely),
            "adjustments": changes.pop("adjustments", self._adjustments),
            "replicates": changes.pop("replicates", self._replicates),
            "domain": changes.pop("domain", self._domain),
            "missing_codes": changes.pop("missing_codes", self._missing_codes),
            "ids": changes.pop("ids", self._ids),
        }
        if structural:
            args = {"strata": spec.strata_arg, "psu": spec.psu_arg, "fpc": spec.fpc_arg, "nest": spec.nest,
                    "pps": spec.pps, "pps_variance": spec.pps_variance, "ultimate_cluster": spec.ultimate_cluster,
                    "with_replacement": spec.with_replacement}
            args.update(structural)
            new = SurveyDesign(self._data, **args, **kwargs)
        else:
            new = SurveyDesign(self._data, _spec=spec, **kwargs)
        if len(new._adjustments) > len(self._adjustments):  # weighted: say where the weights started
            source = self._wsource if self._adjustments else f"{self._wsource}, then the weighting below"
            object.__setattr__(new, "_wsource", source)
        return new

    def _base_weights_series(self) -> pd.Series:
        return pd.Series(self._weights, index=self._data.index, name=self._wname)

    # -- attributes others use ----------------------------------------------------------------------------
    @property
    def data(self) -> pd.DataFrame:
        """The DataFrame, all rows (a domain keeps every row); a shallow copy, so that editing it (copy-on-write)
        leaves the design as it was built."""
        return self._data.copy(deep=False)

    @property
    def column_names(self) -> pd.Index:
        """The data's column names (an immutable Index), without copying the frame as ``data`` does."""
        return self._data.columns

    def is_numeric(self, name: str) -> bool:
        """Whether column ``name`` holds numbers (not a categorical, text or logical column)."""
        col = self._data[name]
        return pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col)

    def refuse_codes(self, names: Sequence[str], what: str = "variable") -> None:
        """MissingCodeError for the first of ``names`` holding a declared missing code in the rows of non-zero
        weight, as every estimate refuses it (without estimating); nothing when no codes are declared."""
        refuse_missing_codes(self, names, what)

    def units_per(self, column: str, limit: int = 5) -> tuple[int, list]:
        """How many values of ``column`` (a panel id) have rows in more than one first-stage unit, and up to
        ``limit`` of them (in order of first appearance)."""
        unit = pd.Series(self.stages[0].unit, index=self._data.index)
        spread = unit.groupby(self._data[column].to_numpy(), sort=False).nunique()
        bad = spread[spread > 1]
        return len(bad), list(bad.index[:limit])

    def columns(self, names: Sequence[str]) -> pd.DataFrame:
        """The columns of ``names`` the data has (each once, in that order), without a shallow copy of every
        column as ``data`` makes: the estimators read a few columns of a frame of hundreds many times over (the
        report: ~850 copies of a 330-column frame, a third of its CPU time). Copy-on-write keeps edits of the
        result away from the design."""
        have = self._data.columns
        return self._data[[n for n in dict.fromkeys(names) if n in have]]

    @property
    def weights(self) -> pd.Series:
        """Current weights aligned with ``data.index``; zero outside a domain."""
        w = self._weights if self._domain is None else np.where(self._domain, self._weights, 0.0)
        return pd.Series(w, index=self._data.index, name=self._wname)

    @property
    def w(self) -> np.ndarray:
        """Current weights as a float array (zero outside a domain)."""
        return self._weights if self._domain is None else np.where(self._domain, self._weights, 0.0)

    @property
    def domain(self) -> np.ndarray | None:
        """Boolean mask of the subpopulation, or None for the whole sample."""
        return self._domain

    @property
    def missing_codes(self) -> tuple[int, ...]:
        """The values declared missing (``()`` when none were): no estimate reads a column holding one."""
        return self._missing_codes

    @property
    def ids(self) -> str | None:
        """The column of respondent ids that messages name rows by (None: the data's index labels)."""
        return self._ids

    @property
    def named_data(self) -> pd.DataFrame:
        """The data indexed by the respondent ids (when the design has ``ids``), for messages that name rows."""
        return labelled(self._data, self._ids)

    @property
    def lonely_psu(self) -> str:
        return self._lonely_psu

    @property
    def adjust_domain_lonely(self) -> bool:
        """R's ``survey.adjust.domain.lonely``: a domain holding one of a stratum's PSUs meets the lonely rule."""
        return self._adjust_domain_lonely

    @property
    def adjustments(self) -> tuple:
        """Recorded weighting steps (calibration, post-stratification); each has ``.residualize(z)``."""
        return self._adjustments

    @property
    def replicates(self) -> Any:
        """Replicate weights (``.weights`` (n, R), ``.scale``, ``.rscales``, ``.mse``) or None."""
        return self._replicates

    @property
    def stages(self) -> tuple[Stage, ...]:
        """The factorised sampling stages (see :class:`careersurvey.estimation.variance.Stage`)."""
        return self._spec.stages

    @property
    def spec(self) -> DesignSpec:
        return self._spec

    @property
    def active(self) -> np.ndarray | None:
        """Rows R would still hold: a domain of an uncalibrated design drops the others (None = all rows)."""
        if self._domain is None or self._adjustments:
            return None
        return self._domain

    @property
    def design_df(self) -> int:
        """R's ``degf()``: PSUs minus strata, counting only those with rows of non-zero weight; for a
        replicate design the rank of the replicate weights minus one."""
        if self._replicates is None:
            return design_df(self._spec.stages, self.w != 0)
        if self._domain is None:
            return self._replicates.degf  # computed once per set of replicate weights
        if self._domain_degf is None:  # R's subset() of a replicate design: the rows kept, once per design
            W = np.asarray(self._replicates.weights, dtype=float)[self._domain]
            object.__setattr__(self, "_domain_degf", qr_rank(W) - 1)
        return self._domain_degf

    def __len__(self) -> int:
        return len(self._data)

    # -- the variance engine ------------------------------------------------------------------------------
    def variance(self, z: np.ndarray) -> np.ndarray:
        """Covariance (k, k) of the column totals of weighted influence values ``z`` (n,) or (n, k).

        Applies every recorded adjustment's ``residualize`` in order, then R's multistage recursion with
        fpc per stage and the design's lonely-PSU rule; a calibration to estimated totals adds the targets'
        own variance (its ``extra_variance``).
        """
        if isinstance(z, _var.FactoredInfluence):
            if not self._adjustments:
                return _var.linearized_variance(z, self._spec.variance_stages, self._lonely_psu, self.active,
                                                self._spec.pps_form, self._adjust_domain_lonely)
            z = z.dense()
        z = np.asarray(z, dtype=float)
        if z.ndim == 1:
            z = z[:, None]
        if z.shape[0] != len(self._data):
            raise ValueError(f"influence values have {z.shape[0]} rows but the design has {len(self._data)}")
        extra = 0.0
        for adj in self._adjustments:
            # calibration to estimated totals: the targets' own variance (B' V_T B) on z as it enters the step
            term = getattr(adj, "extra_variance", None)
            if term is not None:
                extra = extra + term(z)
            z = np.asarray(adj.residualize(z), dtype=float)
            if z.ndim == 1:
                z = z[:, None]
        return _var.linearized_variance(z, self._spec.variance_stages, self._lonely_psu, self.active,
                                        self._spec.pps_form, self._adjust_domain_lonely) + extra

    # -- domains ------------------------------------------------------------------------------------------
    def subset(self, condition: str | np.ndarray | pd.Series) -> SurveyDesign:
        """A domain: rows outside ``condition`` get zero weight, the variance still runs over the full design.

        ``condition`` is an expression in the questionnaire language (``"stype == 'E'"``; parsed, never
        evaluated as Python) or a boolean mask/Series aligned with the data. Missing values count as False:
        in an expression, every comparison that reads an empty cell or one of the design's ``missing_codes``
        is false (survey/FORMAT.md), so ``subset("salary < 0")`` never selects a refusal coded -7.
        """
        if isinstance(condition, str):
            from careersurvey.expr import evaluate, parse

            mask = np.asarray(evaluate(parse(condition), self._data, missing_codes=self._missing_codes), dtype=bool)
        elif isinstance(condition, pd.Series):
            if not condition.index.equals(self._data.index):
                condition = condition.reindex(self._data.index)
            mask = condition.fillna(False).to_numpy(dtype=bool)
        else:
            mask = np.asarray(condition)
            if mask.dtype != bool:
                raise DesignError(f"subset() needs a boolean mask or an expression string (got dtype {mask.dtype})")
        if len(mask) != len(self._data):
            raise DesignError(f"subset mask has {len(mask)} entries but the data have {len(self._data)} rows")
        if self._domain is not None:
            mask = mask & self._domain
        return self.evolve(domain=mask)

    # -- estimators (implemented in careersurvey.estimation.estimators / careersurvey.estimation.chisq) ---------------------------
    def mean(self, variables: str | Sequence[str], na_rm: bool = False, by: str | Sequence[str] | None = None,
             level: float = 0.95, ci: str = "wald", covmat: bool = False, deff: str = "replace") -> pd.DataFrame:
        """Weighted means (categorical variables: one row per level, named as R does, e.g. ``awardsNo``); with
        ``by`` and ``covmat=True`` the covariance of all domain means is in ``attrs["vcov"]`` (for contrasts).
        The ``deff`` column's base: ``"replace"`` (SRS with replacement, R's ``deff="replace"``) or ``"srswor"``
        (SRS without replacement from N = the sum of the weights, R's ``deff=TRUE``)."""
        return _est.mean(self, variables, na_rm=na_rm, by=by, level=level, ci=ci, covmat=covmat, deff=deff)

    def proportion(self, variables: str | Sequence[str], na_rm: bool = False,
                   by: str | Sequence[str] | None = None, level: float = 0.95, method: str = "logit") -> pd.DataFrame:
        """Shares of each level with R's ``svyciprop`` intervals (logit by default); see :meth:`ciprop`."""
        return self.ciprop(variables, method=method, na_rm=na_rm, by=by, level=level)

    def ciprop(self, variables: str | Sequence[str], method: str = "logit", na_rm: bool = False,
               by: str | Sequence[str] | None = None, level: float = 0.95, df: float | None = None,
               nchs: bool = False) -> pd.DataFrame:
        """Shares with R's ``svyciprop`` intervals: ``method`` "logit", "likelihood", "asin", "beta" (Korn-Graubard),
        "mean" or "xlogit"; ``nchs=True`` (with "beta") adds the NCHS presentation flags."""
        return _ciprop.ciprop(self, variables, method=method, na_rm=na_rm, by=by, level=level, df=df, nchs=nchs)

    def total(self, variables: str | Sequence[str], na_rm: bool = False, by: str | Sequence[str] | None = None,
              level: float = 0.95, covmat: bool = False, deff: str = "replace") -> pd.DataFrame:
        """Weighted population totals (categorical variables: one row per level); ``covmat``, ``deff`` as
        :meth:`mean`."""
        return _est.total(self, variables, na_rm=na_rm, by=by, level=level, covmat=covmat, deff=deff)

    def ratio(self, numerator: str | Sequence[str], denominator: str | Sequence[str], na_rm: bool = False,
              by: str | Sequence[str] | None = None, level: float = 0.95, covmat: bool = False,
              deff: str = "replace") -> pd.DataFrame:
        """Ratio of totals, as R's ``svyratio``: rows named ``numerator/denominator``; ``covmat``, ``deff`` as
        :meth:`mean`."""
        return _est.ratio(self, numerator, denominator, na_rm=na_rm, by=by, level=level, covmat=covmat,
                          deff=deff)

    def quantile(self, variables: str | Sequence[str], quantiles: float | Sequence[float] = 0.5,
                 na_rm: bool = False, by: str | Sequence[str] | None = None, level: float = 0.95,
                 qrule: str = "math", interval_type: str = "mean", df: float | None = None) -> pd.DataFrame:
        """Quantiles as R's ``svyquantile``: ``qrule`` "math" (default), "school", "shahvaish", "hf1".."hf9";
        ``interval_type`` "mean" (Woodruff, default), "beta", "xlogit", "asin", "score" or, on replicate
        designs, "quantile"; SE = interval width / (2 t), as R reports it."""
        return _quantiles.quantile(self, variables, quantiles, na_rm=na_rm, by=by, level=level, qrule=qrule,
                                   interval_type=interval_type, df=df)

    def var(self, variables: str | Sequence[str], na_rm: bool = False, by: str | Sequence[str] | None = None,
            level: float = 0.95) -> pd.DataFrame:
        """Variances or the covariance matrix with design-based SEs, as R's ``svyvar``."""
        return _spread.var(self, variables, na_rm=na_rm, by=by, level=level)

    def ttest(self, formula: str, na_rm: bool = False, by: str | Sequence[str] | None = None,
              level: float = 0.95) -> pd.DataFrame:
        """Design-based t-test, as R's ``svyttest``: ``"y ~ 1"`` (mean 0) or ``"y ~ g"`` (two groups)."""
        return _tests.ttest(self, formula, na_rm=na_rm, by=by, level=level)

    def table(self, variables: str | Sequence[str], Ntotal: Any = None, round: bool = False) -> pd.DataFrame:
        """Weighted counts (R's ``svytable``), scaled to ``Ntotal`` (a number, or a size per stratum)."""
        return _tables.table(self, variables, Ntotal=Ntotal, round=round)

    def chisq(self, row: str, col: str, statistic: str = "F"):
        """Test of independence as R's ``svychisq``: ``"F"`` (second-order Rao-Scott, R's default), ``"Chisq"``
        (first-order), ``"Wald"``, ``"adjWald"``, ``"lincom"`` (exact) or ``"saddlepoint"``."""
        return _chisq.svychisq(self, row, col, statistic=statistic)

    # -- models and weighting: thin doors to careersurvey.estimation.models / careersurvey.estimation.weighting -----------------
    def glm(self, formula: str, family: str = "gaussian", **kwargs: Any):
        """Design-based GLM (R's ``svyglm``); implemented by ``careersurvey.estimation.models.glm(design, ...)``."""
        from careersurvey.estimation.models import glm  # statsmodels loads on the first model, not with the design

        return glm(self, formula, family=family, **kwargs)

    def ordinal(self, formula: str, **kwargs: Any):
        """Proportional-odds model (R's ``svyolr``); implemented by ``careersurvey.estimation.models.ordinal``."""
        from careersurvey.estimation.models import ordinal

        return ordinal(self, formula, **kwargs)

    def rake(self, margins: Any, **kwargs: Any) -> SurveyDesign:
        """Raking to population margins; ``careersurvey.estimation.weighting.rake(design, margins, ...)``."""
        return _weighting.rake(self, margins, **kwargs)

    def poststratify(self, cells: Any, totals: Any, **kwargs: Any) -> SurveyDesign:
        """Post-stratification; ``careersurvey.estimation.weighting.poststratify(design, cells, totals, ...)``."""
        return _weighting.poststratify(self, cells, totals, **kwargs)

    def calibrate(self, totals: Any, method: str = "linear", bounds: Any = None, **kwargs: Any) -> SurveyDesign:
        """Calibration (linear, raking, logit); ``careersurvey.estimation.weighting.calibrate(design, totals, ...)``."""
        return _weighting.calibrate(self, totals, method=method, bounds=bounds,
                                                               **kwargs)

    def trim(self, lower: float | None = None, upper: float | None = None, **kwargs: Any) -> SurveyDesign:
        """Weight trimming (R's ``trimWeights``); ``careersurvey.estimation.weighting.trim(design, lower, upper, ...)``."""
        return _weighting.trim(self, lower=lower, upper=upper, **kwargs)

    def replicate(self, method: str = "auto", **kwargs: Any) -> SurveyDesign:
        """Replicate-weight version of this design; ``careersurvey.estimation.weighting.replicate(design, method, ...)``."""
        return _weighting.replicate(self, method, **kwargs)

    def adjust_nonresponse(self, responded: Any, *args: Any, **kwargs: Any) -> SurveyDesign:
        """Nonresponse weighting; ``careersurvey.estimation.weighting.adjust_nonresponse(design, responded, ...)``."""
        return _weighting.adjust_nonresponse(self, responded, *args, **kwargs)

    def weight_summary(self, *args: Any, **kwargs: Any):
        """Weight diagnostics; ``careersurvey.estimation.weighting.weight_summary(design, ...)``."""
        return _weighting.weight_summary(self, *args, **kwargs)

    @classmethod
    def from_replicates(cls, data: pd.DataFrame, weights: str | Sequence[float],
                        replicate_weights: str | Sequence[str], method: str = "other", combined: bool = False,
                        scale: float | None = None, rscales: Sequence[float] | None = None,
                        rho: float | None = None, mse: bool = False,
                        missing_codes: Sequence[int] = (), ids: str | None = None) -> SurveyDesign:
        """A design from replicate weight columns shipped with a data set (R's ``svrepdesign``).

        ``replicate_weights`` a list of columns or a regular expression matching them (``"^repw[0-9]+$"``);
        ``combined`` says whether they already include the sampling weights (R's ``combined.weights``).
        """
        mult = replicate_columns(data, replicate_weights)
        d = cls(data, weights=weights, missing_codes=missing_codes, ids=ids)
        reps = from_columns(mult, d.w, method, combined=combined, scale=scale,
                            rscales=None if rscales is None else np.asarray(rscales, dtype=float), rho=rho, mse=mse)
        return d.evolve(replicates=reps)

    # -- printing -----------------------------------------------------------------------------------------
    def summary(self) -> str:
        """What a survey statistician reads first, as R's ``summary(svydesign)``: the kind of design and its
        arguments, sizes per stage, sampling probabilities, stratum sizes, population, df, domain."""
        spec = self._spec
        n = len(self._data)
        kind = "Stratified " if spec.strata_name is not None else ""
        if spec.psu_arg is None:
            kind += "independent sampling design"
        else:
            kind += f"{len(spec.stages)}-stage cluster sampling design"
        kind += " (with replacement)" if not spec.variance_stages[0].has_fpc else ""
        kind += ", variance from stage 1 alone (ultimate cluster)" if spec.ultimate_cluster else ""
        if spec.pps is not None:
            kind += f", PPS without replacement ({describe_pps(spec.pps)}, {spec.pps_variance})"
        args = {"weights": self._wsource, "strata": spec.strata_arg, "psu": spec.psu_arg, "fpc": spec.fpc_arg}
        shown = ", ".join(f"{k} = {', '.join(v) if isinstance(v, tuple) else v}" for k, v in args.items() if v)
        lines = [kind, f"  design: {shown}" + (", nest = True" if spec.nest else ""),
                 f"  observations: {n:,}"]
        if spec.strata_name is not None:
            lines.append(f"  strata: {spec.stages[0].n_strata:,} ({spec.strata_name})")
        for s, stage in enumerate(spec.stages, start=1):
            name = spec.psu_names[s - 1] if spec.psu_names else "rows"
            lines.append(f"  stage {s} units: {stage.n_units_total:,} ({name})")
        if spec.stages[0].popsize is not None:
            lines.append(f"  population PSUs (stage 1): {spec.stages[0].popsize.sum():,.0f}")
        w = self.w
        prob = 1 / w[w > 0]
        lines.append(f"  sampling probabilities (1/weight): min {prob.min():.4g}, median {np.median(prob):.4g}, "
                     f"max {prob.max():.4g}")
        lines.append(f"  estimated population size (sum of weights): {w.sum():,.1f}")
        lines.append(f"  design df: {self.design_df}")
        lines.append(f"  lonely PSUs: {self._lonely_psu}"
                     + (", also a domain's one PSU of a stratum" if self._adjust_domain_lonely else ""))
        if self._missing_codes:
            lines.append(f"  missing codes: {', '.join(map(str, self._missing_codes))} (refused by every estimate)")
        if spec.strata_name is not None:
            lines += _stratum_table(spec.stages[0], spec.strata_name)
        if self._adjustments:
            lines.append("  weighting:")
            lines += [f"    {step_words(a)}" for a in self._adjustments]
        if self._replicates is not None:
            method = getattr(self._replicates, "method", "replicate")
            lines.append(f"  replicate weights: {np.shape(self._replicates.weights)[1]} ({method})")
        if self._domain is not None:
            lines.append(f"  subpopulation: {int(self._domain.sum()):,} of {n:,} rows "
                         "(variance over the full design)")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return self.summary()


def _weights_from_probs(data: pd.DataFrame, weights: Any, probs: str | Sequence[str]) -> pd.Series:
    """R's ``probs=``: weights 1 / the product of the probability columns (one per stage)."""
    cols = [probs] if isinstance(probs, str) else list(probs)
    check_probs(weights, cols, data.columns, DesignError)
    p = np.prod([pd.to_numeric(data[c], errors="coerce").to_numpy(dtype=float) for c in cols], axis=0)
    with np.errstate(divide="ignore"):
        return pd.Series(1 / p, index=data.index, name=f"1/{'*'.join(cols)}")


def _weights_source(weights: Any, spec: DesignSpec) -> str:
    """How the weights were given, for printing: a column name, N/n from the fpc, 1, or given values."""
    if isinstance(weights, str):
        return weights
    if weights is None:
        if spec.fpc_arg is None:
            return "1 (unweighted)"
        return "1/pi from the fpc (inclusion probabilities)" if spec.pps is not None else "N/n from the fpc"
    name = getattr(weights, "name", None)
    return f"{name} (given values)" if isinstance(name, str) else "given values"


def _stratum_table(stage: Stage, name: str, limit: int = 8) -> list[str]:
    """R's "Stratum Sizes": rows, PSUs (and population PSUs) per stratum, the first ``limit`` strata."""
    rows = {"obs": np.bincount(stage.unit_stratum[stage.unit], minlength=stage.n_strata), "PSUs": stage.n_units}
    if stage.popsize is not None:
        rows["population PSUs"] = stage.popsize
    table = pd.DataFrame(rows, index=[str(x) for x in stage.stratum_labels]).T.iloc[:, :limit]
    more = f" (first {limit} of {stage.n_strata:,})" if stage.n_strata > limit else ""
    text = table.to_string(float_format=lambda v: f"{v:.0f}")
    return [f"  stratum sizes ({name}){more}:"] + ["    " + line for line in text.splitlines()]


def _resolve_weights(data: pd.DataFrame, weights: Any, spec: DesignSpec, domain: np.ndarray | None,
                     names: pd.Index) -> np.ndarray:
    """Sampling weights as floats: a column, an aligned Series/array, or N/n from the fpc, or 1."""
    if weights is None:
        if spec.fpc_arg is None:
            return np.ones(len(data))
        w = np.ones(len(data))
        for stage in spec.stages:
            if stage.unit_prob is not None:  # PPS: 1 / pi of the row's unit at each stage
                w = w / stage.unit_prob[stage.unit]
            else:
                w = w * (stage.popsize / stage.n_units)[stage.unit_stratum[stage.unit]]
        return w
    if isinstance(weights, str):
        if weights not in data.columns:
            raise DesignError(f"weights column {weights!r} is not in the data; columns are "
                              f"{', '.join(map(str, data.columns[:20]))}{' ...' if data.shape[1] > 20 else ''}")
        values, label = pd.to_numeric(data[weights], errors="coerce"), f"weights column {weights!r}"
    elif isinstance(weights, pd.Series):
        values, label = pd.to_numeric(weights.reindex(data.index), errors="coerce"), "weights"
    else:
        values = pd.Series(np.asarray(weights, dtype=float).reshape(-1))
        label = "weights"
        if len(values) != len(data):
            raise DesignError(f"weights have {len(values)} entries but the data have {len(data)} rows")
        values.index = data.index
    w = values.to_numpy(dtype=float)
    inside = np.ones(len(w), dtype=bool) if domain is None else domain
    bad = (~np.isfinite(w) | (w <= 0)) & inside
    if bad.any():
        raise DesignError(f"{label} must be positive and not missing; {int(bad.sum())} row(s) are not "
                          f"({rows_text(names, bad)}, e.g. value {float(w[bad][0]):g}). Fix or drop these rows "
                          "before building the design.")
    return np.where(inside, w, np.where(np.isfinite(w), w, 0.0))
