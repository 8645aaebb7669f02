"""Descriptive estimators: mean, total, ratio, the weighted CDF of quantiles and their domain (``by=``) versions, as R survey.

Each estimator is a point function of a weight vector (or an (n, R) weight matrix, so replicate variances
are one matrix product) plus its influence function; :func:`estimate` hands the influence values to the
design's one variance engine (or, for replicate designs, recomputes under every replicate weight).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from careersurvey.estimation.codes import MissingCodeError, refuse_missing_codes
from careersurvey.estimation.frames import EstimateFrame, logit_interval, result_frame, srs_fraction
from careersurvey.estimation.variance import WeightedDeviations, one_blas_thread

PointFn = Callable[[np.ndarray], np.ndarray]
InfluenceFn = Callable[[np.ndarray, np.ndarray], np.ndarray]


class EstimateError(ValueError):
    """An estimate cannot be computed from the requested variables."""


def estimate(design, point: PointFn, influence: InfluenceFn) -> tuple[np.ndarray, np.ndarray]:
    """Point estimate (k,) and its covariance (k, k): linearised, or from replicate weights.

    ``point(w)`` takes (n,) weights and returns (k,), or takes (n, R) and returns (k, R);
    ``influence(w, theta)`` returns the weighted influence values (n, k) that R's ``svyrecvar`` receives.
    Replicate estimates are combined by the design's replicate weights (``ReplicateWeights.covariance``,
    R's ``svrVar``), the one place that rule lives.
    """
    w = design.w
    theta = np.asarray(point(w), dtype=float).reshape(-1)
    reps = design.replicates
    if reps is None:
        return theta, design.variance(influence(w, theta))
    W = np.asarray(reps.weights, dtype=float)
    if design.domain is not None:
        W = W * design.domain[:, None]
    thetas = np.asarray(point(W), dtype=float).reshape(len(theta), -1)
    return theta, reps.covariance(thetas.T, theta)


def design_df(design) -> float:
    return float(design.design_df)


# -- variables --------------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class Variables:
    """Analysis variables as separate float columns (n,), as R's ``model.matrix(~0 + v)`` names them.

    Numeric columns are views of the DataFrame's own arrays and a categorical variable gives one 0/1 column
    per level, so estimating 20 means never copies the data into an (n, 20) matrix (peak memory on 1M rows).
    ``missing`` marks rows with a missing value in any variable.
    """

    columns: tuple[np.ndarray, ...]
    names: tuple[str, ...]
    missing: np.ndarray

    def tdot(self, W: np.ndarray) -> np.ndarray:
        """X'W: (k,) for weights (n,), (k, R) for replicate weights (n, R); one column at a time."""
        return np.stack([col @ W for col in self.columns])

    def dense(self) -> np.ndarray:
        """The (n, k) matrix, for estimators whose influence mixes columns (ratios)."""
        return np.column_stack(self.columns)

    def zero_outside(self, outside: np.ndarray) -> Variables:
        """Zero a column's values outside the domain when any is not finite (0 weight times NaN is NaN)."""
        cols = tuple(np.where(outside, 0.0, c) if not np.isfinite(c[outside]).all() else c for c in self.columns)
        return Variables(cols, self.names, self.missing)


def require_columns(data: pd.DataFrame, names: Sequence[str], what: str) -> None:
    """Raise :class:`EstimateError` naming the first of ``names`` that is not a column, and the columns there are."""
    for v in names:
        if v not in data.columns:
            shown = ", ".join(map(str, list(data.columns)[:15])) + (" ..." if data.shape[1] > 15 else "")
            raise EstimateError(f"{what} {v!r} is not in the design's data; check the name (columns: {shown}).")


def _as_names(variables: str | Sequence[str]) -> list[str]:
    return [variables] if isinstance(variables, str) else list(variables)


def _is_categorical(col: pd.Series) -> bool:
    return not pd.api.types.is_numeric_dtype(col) or pd.api.types.is_bool_dtype(col)


def _levels(col: pd.Series) -> list:
    if isinstance(col.dtype, pd.CategoricalDtype):
        return list(col.cat.categories)
    if pd.api.types.is_bool_dtype(col) or set(col.dropna().unique()) <= {True, False} and col.dtype == object:
        return [False, True]
    return sorted(col.dropna().unique(), key=lambda v: (str(type(v)), v))


def _level_name(level) -> str:
    return {True: "TRUE", False: "FALSE"}.get(level, str(level)) if isinstance(level, (bool, np.bool_)) else str(level)


def analysis_variables(data: pd.DataFrame, variables: Sequence[str]) -> Variables:
    """The columns for ``variables``: numbers as they are, categorical variables one 0/1 column per level
    named ``variable + level`` (``awardsNo``), NaN in every level's column where the variable is missing."""
    columns: list[np.ndarray] = []
    names: list[str] = []
    missing = np.zeros(len(data), dtype=bool)
    require_columns(data, variables, "variable")
    for v in variables:
        col = data[v]
        if not _is_categorical(col):
            x = col.to_numpy(dtype=float, na_value=np.nan)  # a view for float64 columns
            missing |= np.isnan(x)
            columns.append(x)
            names.append(v)
            continue
        levels = _levels(col)
        codes = pd.Categorical(col, categories=levels).codes
        na = codes < 0
        missing |= na
        for i, lv in enumerate(levels):
            columns.append(np.where(na, np.nan, (codes == i).astype(float)))
            names.append(f"{v}{_level_name(lv)}")
    return Variables(tuple(columns), tuple(names), missing)


def _columns_of(design, names: Sequence[str]) -> pd.DataFrame:
    """The columns ``names`` of the design's data, or all the data when one is missing (the error then lists
    the columns there are)."""
    have = design.column_names
    return design.columns(names) if all(n in have for n in names) else design.data


def _prepare(design, variables: Sequence[str], na_rm: bool):
    """(design restricted to complete rows when na_rm, the variables with rows outside the domain made
    harmless)."""
    V = analysis_variables(_columns_of(design, variables), variables)
    refuse_missing_codes(design, variables)
    if na_rm and V.missing.any():
        design = design.subset(~V.missing)
    outside = design.w == 0
    if outside.any():
        V = V.zero_outside(outside)
    return design, V


def _srs_variance(design, columns) -> np.ndarray:
    """R's ``svyvar`` per column: weighted variance times n/(n-1), n = rows with non-zero weight.
    Centred exactly like R, one column at a time (no (n, k) temporary)."""
    w = design.w
    nobs = int(np.count_nonzero(w))
    sw = w.sum()
    if nobs < 2:
        return np.full(len(columns), np.nan)
    buf = np.empty(len(w))  # one reused buffer: fresh 8 MB temporaries per column cost page faults
    ss = np.empty(len(columns))
    for j, col in enumerate(columns):  # over the k variables, not over rows
        np.subtract(col, (col @ w) / sw, out=buf)
        np.multiply(buf, buf, out=buf)
        ss[j] = w @ buf
    return ss / sw * nobs / (nobs - 1)


DEFF_BASES = ("replace", "srswor")


def check_deff(deff: str) -> None:
    if deff not in DEFF_BASES:
        raise EstimateError(f"deff={deff!r} is not a base; use 'replace' (SRS with replacement, R's "
                            "deff='replace') or 'srswor' (SRS without replacement from N = the sum of the weights, "
                            "R's deff=TRUE)")


def mean_parts(V: Variables) -> tuple[PointFn, InfluenceFn]:
    """The mean's point function and weighted influence values (what :func:`estimate` takes)."""
    return (lambda W: V.tdot(W) / W.sum(axis=0),
            lambda w, theta: WeightedDeviations(V.columns, theta, w / w.sum()))


def total_parts(V: Variables) -> tuple[PointFn, InfluenceFn]:
    """The total's point function and weighted influence values."""
    return V.tdot, lambda w, theta: WeightedDeviations(V.columns, np.zeros(len(theta)), w)


def mean_estimate(design, V: Variables) -> tuple[np.ndarray, np.ndarray]:
    """Weighted means of the columns and their covariance: the one mean estimator (also for the Woodruff
    interval of quantiles and the cell proportions of ``chisq``)."""
    return estimate(design, *mean_parts(V))


def _not_a_proportion(name: str, other: np.ndarray) -> str:
    """Why a proportion cannot be taken of a column holding values other than 0 and 1, and what to do.

    Negative whole numbers are most often missing codes (-7 refused, -9 not applicable): a Wald mean of
    them would be another wrong number, so the message never sends the user there first."""
    values, counts = np.unique(other, return_counts=True)
    order = np.argsort(-counts)[:5]
    shown = ", ".join(f"{values[i]:g} ({counts[i]:,} row{'s' if counts[i] != 1 else ''})" for i in order)
    coded = bool(((values < 0) & (values == np.round(values))).any())
    head = (f"proportion() (logit intervals) needs a 0/1 or categorical variable; {name!r} also holds {shown}. ")
    codes = ("If these are missing codes, they are not answers: load the data with cs.load_responses (missing "
             "codes become NA), or replace them by NA (df[col].mask(df[col].isin([...]))), and pass na_rm=True; "
             "declare them on the design (SurveyDesign(..., missing_codes=(-6, -7, -8, -9))) so that every "
             "estimate refuses them. ")
    rest = ("For the share of each value, make the column categorical (df[col].astype('category')); "
            "for the mean of a measured variable use mean(), whose intervals are Wald.")
    return head + (codes + rest if coded else rest)


# -- estimators -------------------------------------------------------------------------------------------
@one_blas_thread
def mean(design, variables, na_rm=False, by=None, level=0.95, ci="wald", covmat=False,
         deff="replace") -> pd.DataFrame:
    """Weighted means with linearised (or replicate) SEs and R's deff (``deff="replace"``, or ``"srswor"`` for
    R's ``deff=TRUE``); with ``by`` and ``covmat``, the covariance of all domain means in ``attrs["vcov"]``
    (R's ``svyby(covmat=TRUE)``)."""
    if ci not in ("wald", "logit"):
        raise EstimateError(f"ci={ci!r}: use 'wald' or 'logit' (logit intervals are for proportions)")
    check_deff(deff)
    if by is not None:
        fast = _by_grouped(design, by, "mean", _as_names(variables), na_rm=na_rm, level=level, ci=ci, covmat=covmat,
                           deff=deff)
        return fast if fast is not None else by_domains(
            design, by, lambda d: mean(d, variables, na_rm=na_rm, level=level, ci=ci, deff=deff),
            _parts_of(mean_parts, variables, na_rm) if covmat else None)
    d, V = _prepare(design, _as_names(variables), na_rm)
    theta, vcov = mean_estimate(d, V)
    nobs = np.count_nonzero(d.w)
    with np.errstate(divide="ignore", invalid="ignore"):
        deff = np.diag(vcov) / (_srs_variance(d, V.columns) / nobs * srs_fraction(deff, d.w.sum(), nobs, "mean"))
    df = design_df(d)
    interval = None
    if ci == "logit":
        _refuse_not_proportions(V, d.w)
        if d.replicates is not None:  # R's svyciprop refits the logit under every replicate weight
            from careersurvey.estimation.ciprop import _replicate_logit  # ciprop imports this module

            interval = _replicate_logit(d, V, theta, df, level)
        else:
            interval = logit_interval(theta, np.sqrt(np.diag(vcov)), df, level)
    return result_frame(V.names, theta, vcov, df, deff=deff, level=level, ci=interval,
                        statistic="proportion" if ci == "logit" else "mean", interval=ci)


@one_blas_thread
def total(design, variables, na_rm=False, by=None, level=0.95, covmat=False, deff="replace") -> pd.DataFrame:
    """Weighted totals with linearised (or replicate) SEs and R's deff (``deff="replace"`` or ``"srswor"``);
    ``covmat`` as :func:`mean`."""
    check_deff(deff)
    if by is not None:
        fast = _by_grouped(design, by, "total", _as_names(variables), na_rm=na_rm, level=level, covmat=covmat,
                           deff=deff)
        return fast if fast is not None else by_domains(
            design, by, lambda d: total(d, variables, na_rm=na_rm, level=level, deff=deff),
            _parts_of(total_parts, variables, na_rm) if covmat else None)
    d, V = _prepare(design, _as_names(variables), na_rm)
    theta, vcov = estimate(d, *total_parts(V))
    w = d.w
    n, N = np.count_nonzero(w), w.sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        deff = np.diag(vcov) / (_srs_variance(d, V.columns) * N ** 2 / n * srs_fraction(deff, N, n, "total"))
    return result_frame(V.names, theta, vcov, design_df(d), deff=deff, level=level, statistic="total")


@one_blas_thread
def ratio(design, numerator, denominator, na_rm=False, by=None, level=0.95, covmat=False,
          deff="replace") -> pd.DataFrame:
    """Ratios of totals (R's ``svyratio``), every numerator over every denominator, named ``num/den``;
    ``covmat`` and ``deff`` as :func:`mean` (the deff of the total of the ratio's residual, as R)."""
    nums, dens = _as_names(numerator), _as_names(denominator)
    check_deff(deff)
    if by is not None:
        fast = _by_grouped(design, by, "ratio", nums + dens, n_num=len(nums), na_rm=na_rm, level=level,
                           covmat=covmat, deff=deff)
        return fast if fast is not None else by_domains(
            design, by, lambda d: ratio(d, numerator, denominator, na_rm=na_rm, level=level, deff=deff),
            _parts_of(lambda V: _ratio_parts(V, len(nums))[:2], nums + dens, na_rm) if covmat else None)
    d, V = _prepare(design, nums + dens, na_rm)
    _refuse_categorical_ratio(design, nums + dens)
    point, influence, residual, (ii, jj) = _ratio_parts(V, len(nums))
    labels = [f"{nums[i]}/{dens[j]}" for i, j in zip(ii, jj)]
    theta, vcov = estimate(d, point, influence)
    w = d.w
    r = residual(w, theta)
    n, N = np.count_nonzero(w), w.sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        deff = np.diag(vcov) / (_srs_variance(d, list(r.T)) * N ** 2 / n * srs_fraction(deff, N, n, "ratio"))
    return result_frame(labels, theta, vcov, design_df(d), deff=deff, level=level, statistic="ratio")


def _refuse_categorical_ratio(design, variables: Sequence[str]) -> None:
    for v in variables:
        if _is_categorical(design.data[v]):
            raise EstimateError(f"ratio() needs numeric variables; {v!r} is categorical. For the share of a "
                                "level use mean() or proportion(); for a ratio, make a 0/1 column of the level.")


def _refuse_not_proportions(V: Variables, w: np.ndarray, code: np.ndarray | None = None, method: str = "logit") -> None:
    """Proportions need 0/1 columns: name the values of the first column (in the first domain) holding others."""
    for name, col in zip(V.names, V.columns):
        other = ~((col == 0) | (col == 1) | np.isnan(col)) & (w != 0)
        if code is not None:
            other &= code >= 0
            if other.any():
                other &= code == code[other].min()
        if other.any():
            raise EstimateError(_not_a_proportion(name, col[other]).replace("(logit intervals)",
                                                                             f"({method} intervals)"))


def _by_grouped(design, by, kind: str, variables: list[str], n_num: int = 0, na_rm: bool = False,
                level: float = 0.95, ci: str = "wald", covmat: bool = False,
                deff: str = "replace") -> pd.DataFrame | None:
    """``by=`` of mean, total or ratio in one grouped pass (:mod:`.domains`); None where the per-domain path
    must run."""
    from careersurvey.estimation.domains import grouped

    by_cols = _as_names(by)
    require_columns(_columns_of(design, by_cols), by_cols, "by variable")
    refuse_missing_codes(design, by_cols, "by variable")
    V = analysis_variables(_columns_of(design, variables), variables)
    try:
        refuse_missing_codes(design, variables)
    except MissingCodeError:
        return None  # the per-domain path names the codes in the first domain that holds them
    names = V.names
    if kind == "ratio":
        _refuse_categorical_ratio(design, variables)
        dens = variables[n_num:]
        names = [f"{variables[i]}/{dens[j]}" for i in range(n_num) for j in range(len(dens))]
    out = grouped(design, by_cols, kind, V, n_num=n_num, na_rm=na_rm, level=level, ci=ci, covmat=covmat,
                  names=names, deff=deff, check=_refuse_not_proportions if ci == "logit" else None)
    if out is None:
        return None
    dom, frame, attrs = out
    if frame is None:
        assemble_domains([], [], by_cols, by)  # raises: no domain
    name = by_cols[0] if len(by_cols) == 1 else None
    if len(names) == 1:
        index = pd.Index(dom.labels, name=name)
    else:  # the MultiIndex pd.concat(frames, keys=labels) gives, as by_domains builds it
        one = pd.Series(0.0, index=pd.Index(list(names)))
        index = pd.concat([one] * dom.n, keys=dom.labels, names=[name or "by", None]).index
    result = EstimateFrame(pd.DataFrame(frame).set_axis(index))
    result.attrs = {**{k: frame.attrs[k] for k in ("statistic", "level", "interval")}, "by": by_cols}
    if covmat:
        result.attrs.update(attrs, design_df=design_df(design))
    return result


def _ratio_parts(V: Variables, n_num: int):
    """Every numerator over every denominator: (point, influence, residual, (numerator, denominator index))."""
    X = V.dense()
    Y, D = X[:, :n_num], X[:, n_num:]
    ii = np.repeat(np.arange(n_num), D.shape[1])
    jj = np.tile(np.arange(D.shape[1]), n_num)

    def point(W):
        return (Y.T @ W)[ii] / (D.T @ W)[jj]

    def residual(w, theta):
        return (Y[:, ii] - theta * D[:, jj]) / (w @ D)[jj]

    def influence(w, theta):
        return residual(w, theta) * w[:, None]

    return point, influence, residual, (ii, jj)


def _parts_of(parts: Callable, variables, na_rm: bool) -> Callable:
    """For ``covmat``: a domain design -> (its design after na_rm, point, influence) of one estimator."""
    def setup(d):
        d2, V = _prepare(d, _as_names(variables), na_rm)
        return (d2, *parts(V))

    return setup


# -- quantiles --------------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class WeightedCDF:
    """The weighted distribution of one variable over the rows with non-zero weight, sorted once, so that the
    quantile and both ends of its Woodruff interval (for every requested p) share one sort.

    Sums are R's: ``cumsum`` and ``sum`` accumulate in C's long double (x87 80-bit on x86-64) and round the
    result to a double, and :meth:`step` compares p with them in double arithmetic as R's ``qs`` does. Whether p
    sits exactly on a step decides between two data values, and that decision is made at the last bit: with
    14 equal weights a plain double cumulative sum misses half the total by an ulp (cumw/total =
    0.49999999999999994, so the median was the next value, 661 where R gives 608). An exact rational test does
    not help either: with 100 equal weights of 44.21, R's sums put p = 0.1 exactly on the 10th step (the
    double 0.1 is not 1/10, but the rounded quotient is) and p = 0.9 just above the 90th, and a tolerance that
    catches the first also catches the second. Only the same sums in the same precision give R's answer for
    every p. (numpy's longdouble is the platform C compiler's long double, as R's; where that is a plain
    double, as with MSVC, the sums are doubles.)
    """

    xs: np.ndarray
    cumw: np.ndarray
    total: float

    @classmethod
    def of(cls, x: np.ndarray, w: np.ndarray) -> WeightedCDF:
        keep = w != 0
        x, w = x[keep], w[keep]
        order = np.argsort(x, kind="stable")
        wide = w.astype(np.longdouble)
        total = float(np.cumsum(wide)[-1]) if len(w) else 0.0  # R's sum(): sequential, in data order
        return cls(x[order], np.cumsum(wide[order]).astype(float), total)

    def step(self, p: float) -> tuple[int, int, bool]:
        """R's ``qs``: (the last position whose cumulative weight is <= p * total, the position after it,
        whether p - cumw/total is 0 there). As R's ``last()``, position 0 stands in when no cumulative weight
        is <= p * total (that is then no tie)."""
        pos = int(np.searchsorted(self.cumw, p * self.total, side="right")) - 1
        tie = pos >= 0 and p - self.cumw[pos] / self.total == 0
        pos = max(pos, 0)
        return pos, min(pos + 1, len(self.xs) - 1), bool(tie)

    def qrule_math(self, p: float) -> float:
        """R's ``qrule_math``: the lower value at an exact step of the weighted CDF, else the next one (so,
        as R, the second smallest value when p is below the first step)."""
        low, up, tie = self.step(p)
        return float(self.xs[low if tie else up])


# -- domains ----------------------------------------------------------------------------------------------
def by_domains(design, by, estimator: Callable, parts: Callable | None = None, sliced: bool = False) -> pd.DataFrame:
    """One estimate per level of ``by`` (R's ``svyby``): each a domain over the full design.

    Levels are those with rows of non-zero weight (R drops empty groups), in sorted order. With a single
    row per level the index is the level; otherwise a MultiIndex (level, estimate name). ``parts`` (a domain
    design -> (design, point, influence)) asks for the covariance of all the domains' estimates, R's
    ``svyby(covmat=TRUE)``: their influence values side by side through the design's variance (or their
    replicate estimates through the replicate rule), in ``attrs["vcov"]`` in the order of the rows.
    ``sliced`` (an estimator that reads only the rows of non-zero weight, on a replicate design): each domain is
    a design over its own rows and their replicate weights (:func:`.domains.domain_slices`: the rows sorted by
    domain once, then slices), not the full design with an (n, R) copy of the replicate weights per domain.
    """
    by_cols = _as_names(by)
    require_columns(design.data, by_cols, "by variable")
    refuse_missing_codes(design, by_cols, "by variable")
    from careersurvey.estimation.domains import find_domains  # domains imports this module's neighbours only

    dom = find_domains(design, by_cols)
    if sliced and parts is None and design.replicates is not None:
        from careersurvey.estimation.domains import domain_slices

        return assemble_domains([estimator(d) for d in domain_slices(design, dom)], dom.labels, by_cols, by)
    masks = [dom.code == g for g in range(dom.n)]
    frames = [estimator(design.subset(mask)) for mask in masks]
    out = assemble_domains(frames, dom.labels, by_cols, by)
    if parts is not None:
        out.attrs.update(_joint_covariance(design, masks, parts), design_df=design_df(design))
    return out


def assemble_domains(frames: list[pd.DataFrame], labels: list, by_cols: list[str], by) -> pd.DataFrame:
    """The frames of the domains (in order, labelled by their level or tuple of levels) as one result frame."""
    if not frames:
        raise EstimateError(f"by={by!r}: no row with non-zero weight has a value of {', '.join(by_cols)}; "
                            "check that the domain is not empty and the by variable is filled in.")
    attrs = frames[0].attrs
    frames = [pd.DataFrame(f) for f in frames]
    for f in frames:  # each domain's vcov stays behind: pandas compares attrs when concatenating
        f.attrs = {}
    if all(len(f) == 1 for f in frames):
        out = pd.concat(frames)
        out.index = pd.Index(labels, name=by_cols[0] if len(by_cols) == 1 else None)
    elif isinstance(labels[0], tuple) and frames[0].index.nlevels > 1:
        # several by variables and a frame indexed by several levels (var's (variable, with)): pandas makes one
        # level per by variable, so every level is named (a shorter list of names is refused here)
        out = pd.concat(frames, keys=labels, names=[*by_cols, *frames[0].index.names])
    else:
        out = pd.concat(frames, keys=labels,
                        names=[by_cols[0] if len(by_cols) == 1 else "by", *frames[0].index.names])
    out = EstimateFrame(out)
    out.attrs = {**{k: attrs[k] for k in ("statistic", "level", "interval") if k in attrs}, "by": by_cols}
    return out


def _joint_covariance(design, masks: list[np.ndarray], parts: Callable) -> dict:
    """The covariance of the estimates of every domain (stacked in domain order), as R's svyby(covmat=TRUE):
    linearised, svyrecvar of the domains' influence values side by side over the whole design; replicate,
    svrVar of their replicate estimates (kept in ``replicates`` for nonlinear contrasts, as R keeps them)."""
    thetas, pieces = [], []
    reps = design.replicates
    for mask in masks:
        d, point, influence = parts(design.subset(mask))
        theta = np.asarray(point(d.w), dtype=float).reshape(-1)
        thetas.append(theta)
        if reps is None:
            z = influence(d.w, theta)
            pieces.append(z.dense() if isinstance(z, WeightedDeviations) else np.asarray(z, dtype=float))
        else:
            W = np.asarray(reps.weights, dtype=float) * d.domain[:, None]
            pieces.append(np.asarray(point(W), dtype=float).reshape(len(theta), -1))
    theta = np.concatenate(thetas)
    if reps is None:
        return {"vcov": design.variance(np.hstack([p.reshape(len(p), -1) for p in pieces]))}
    replicates = np.vstack(pieces)
    return {"vcov": reps.covariance(replicates.T, theta), "replicates": replicates, "replicate_weights": reps}
