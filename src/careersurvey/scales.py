"""Scale scores and reliability, derived from the questionnaire's scale definitions.

Scoring follows ``Scale`` exactly (reverse keying as ``(min + max) - x`` over the item's own choice codes,
the missing codes -6..-9 never enter a score, a score only when ``min_answered`` items were answered), so
nothing about a scale is restated by hand. Reliability reports what a psychometrician checks before using a
score: Cronbach's alpha with Feldt's confidence interval (pingouin), McDonald's omega total from a one-factor
minimum-residual fit (as R psych's ``omega``), corrected item-total correlations, alpha if an item is
deleted, and how well one factor describes the items. Numbers are tested against pingouin and R psych.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Mapping

import numpy as np
import pandas as pd
import pingouin as pg
from scipy import optimize

from careersurvey.questionnaire.model import MISSING_CODES, Questionnaire, Scale

__all__ = [
    "ScaleError",
    "OneFactor",
    "Reliability",
    "scale_items",
    "score_scale",
    "score_scales",
    "one_factor",
    "reliability",
    "reliability_table",
    "weighted_alpha",
]


class ScaleError(ValueError):
    """A scale cannot be scored or analysed as asked; the message names the scale, item and what to do."""


# --------------------------------------------------------------------------------------------- scoring


def _scale(scale: Scale | str, questionnaire: Questionnaire | None) -> Scale:
    """The Scale object for a Scale or a scale name of the questionnaire (an error lists its scales)."""
    if isinstance(scale, Scale):
        return scale
    if questionnaire is None:
        raise ScaleError(f"scale {scale!r}: pass the Scale itself or the questionnaire that defines it")
    try:
        return questionnaire.scales[scale]
    except KeyError:
        known = ", ".join(sorted(questionnaire.scales)) or "none"
        raise ScaleError(
            f"questionnaire {questionnaire.key} has no scale {scale!r} (its scales: {known})"
        ) from None


def _item_codes(scale: Scale, item: str, questionnaire: Questionnaire | None) -> tuple[int, ...] | None:
    """The valid answer codes of ``item``: its choice list, else the scale's ``points`` range, else None."""
    if questionnaire is not None and item in questionnaire:
        it = questionnaire.item(item)
        if it.choices is not None:
            return it.choices.codes()
    if scale.points is not None:
        lo, hi = scale.points
        return tuple(range(int(lo), int(hi) + 1))
    return None


def _numeric(col: pd.Series, scale: str) -> pd.Series:
    """Item answers as float codes; labelled (categorical) columns must come with codes, not labels."""
    if isinstance(col.dtype, pd.CategoricalDtype):
        cats = pd.Series(col.cat.categories)
        if not pd.api.types.is_numeric_dtype(cats):
            raise ScaleError(
                f"scale {scale!r}, item {col.name!r}: the column holds labels ({cats.iloc[0]!r}, ...), "
                "not codes; load the responses with labels=False to score scales"
            )
        col = col.astype(cats.dtype)
    out = pd.to_numeric(col, errors="coerce").astype(float)
    bad = col.notna() & out.isna()
    if bad.any():
        row = bad.idxmax()
        raise ScaleError(
            f"scale {scale!r}, item {col.name!r}, row {_label(row)}: {col[row]!r} is not a numeric code; "
            "fix the value or load the responses with labels=False"
        )
    return out


def _label(row: object) -> str:
    """A row label as a person reads it (numpy scalars print as plain numbers)."""
    return repr(row.item()) if isinstance(row, np.generic) else repr(row)


def scale_items(
    data: pd.DataFrame, scale: Scale | str, questionnaire: Questionnaire | None = None
) -> pd.DataFrame:
    """The scale's item answers ready to combine: missing codes as NaN, reverse-keyed items reversed.

    Raises ScaleError when an item column is absent or holds a value that is neither a valid code of the
    item nor one of the missing codes, naming the item and the first offending row.
    """
    sc = _scale(scale, questionnaire)
    missing = [i for i in sc.items if i not in data.columns]
    if missing:
        raise ScaleError(
            f"scale {sc.name!r}: the data has no column(s) {', '.join(missing)}; "
            "score the scale on a dataset that includes every item of the scale"
        )
    cols = {}
    for item in sc.items:
        x = _numeric(data[item], sc.name)
        x = x.mask(x.isin(MISSING_CODES))
        codes = _item_codes(sc, item, questionnaire)
        if codes is not None:
            invalid = x.notna() & ~x.isin(codes)
            if invalid.any():
                row = invalid.idxmax()
                raise ScaleError(
                    f"scale {sc.name!r}, item {item!r}, row {_label(row)}: {x[row]:g} is not one of the codes "
                    f"{list(codes)} nor a missing code {list(MISSING_CODES)}; validate the responses first"
                )
            if item in sc.reverse:
                x = (min(codes) + max(codes)) - x
        elif item in sc.reverse:
            raise ScaleError(
                f"scale {sc.name!r}, item {item!r} is reverse-keyed but its codes are unknown; pass the "
                "questionnaire or give the scale its points (min, max)"
            )
        cols[item] = x
    return pd.DataFrame(cols, index=data.index)


def score_scale(
    data: pd.DataFrame, scale: Scale | str, questionnaire: Questionnaire | None = None
) -> pd.Series:
    """One score per respondent: the mean (or sum) of the answered items, NaN below ``min_answered``.

    ``method="sum"`` is the prorated sum (mean of the answered items times the number of items), so that
    a respondent who skipped one item is not scored as if that item were the lowest answer.
    """
    sc = _scale(scale, questionnaire)
    x = scale_items(data, sc, questionnaire)
    answered = x.notna().sum(axis=1)
    score = x.mean(axis=1, skipna=True)
    if sc.method == "sum":
        score = score * len(sc.items)
    score = score.where(answered >= max(1, sc.min_answered))
    return score.rename(sc.name)


def score_scales(
    data: pd.DataFrame, questionnaire: Questionnaire, scales: Iterable[str] | None = None
) -> pd.DataFrame:
    """Scores of several (by default all) scales of the questionnaire, one column per scale."""
    names = list(questionnaire.scales) if scales is None else list(scales)
    return pd.concat([score_scale(data, n, questionnaire) for n in names], axis=1)


# ------------------------------------------------------------------------------------- factor model


@dataclass(frozen=True)
class OneFactor:
    """A one-factor minimum-residual fit of the item correlations (R psych ``fa(fm="minres")``).

    ``loadings`` and ``uniquenesses`` are per item; ``variance_explained`` is the share of the total item
    variance the factor accounts for (sum of squared loadings / k); ``rmsr`` is the root mean square of the
    off-diagonal residual correlations, small (< .08) when one factor describes the items well.
    """

    loadings: pd.Series
    uniquenesses: pd.Series
    variance_explained: float
    rmsr: float
    converged: bool


def _minres_objective(psi: np.ndarray, r: np.ndarray) -> float:
    """Sum of squared off-diagonal residuals of one factor at uniquenesses ``psi`` (psych's minres fit)."""
    s = r.copy()
    np.fill_diagonal(s, 1.0 - psi)
    vals, vecs = np.linalg.eigh(s)
    lam = vecs[:, -1] * np.sqrt(max(vals[-1], 100 * np.finfo(float).eps))
    resid = s - np.outer(lam, lam)
    np.fill_diagonal(resid, 0.0)
    return float(np.sum(resid**2))


def _minres_loadings(psi: np.ndarray, r: np.ndarray) -> np.ndarray:
    """Loadings of one factor at uniquenesses ``psi``, signed so that they mostly point up."""
    s = r.copy()
    np.fill_diagonal(s, 1.0 - psi)
    vals, vecs = np.linalg.eigh(s)
    lam = vecs[:, -1] * np.sqrt(max(vals[-1], 0.0))
    return lam if lam.sum() >= 0 else -lam


def one_factor(corr: pd.DataFrame) -> OneFactor:
    """Fit one common factor to a correlation matrix by minimum residuals, as R psych's default ``fa``.

    Uniquenesses start at 1 - squared multiple correlation and are bounded to [0.005, 1] (psych's
    bounds); the loadings are the first eigenvector of the reduced correlation matrix.
    """
    r = np.asarray(corr, dtype=float)
    k = r.shape[0]
    if k < 3:
        raise ScaleError(f"a one-factor model needs at least 3 items, got {k}")
    try:
        smc = 1.0 - 1.0 / np.diag(np.linalg.inv(r))
    except np.linalg.LinAlgError:
        smc = np.full(k, 0.5)
    start = np.clip(1.0 - smc, 0.005, 1.0)
    res = optimize.minimize(
        _minres_objective, start, args=(r,), method="L-BFGS-B", bounds=[(0.005, 1.0)] * k,
        options={"ftol": 1e-14, "gtol": 1e-10, "maxiter": 2000},
    )
    lam = _minres_loadings(res.x, r)
    resid = r - np.outer(lam, lam)
    off = resid[~np.eye(k, dtype=bool)]
    names = list(corr.columns) if isinstance(corr, pd.DataFrame) else list(range(k))
    return OneFactor(
        loadings=pd.Series(lam, index=names, name="loading"),
        uniquenesses=pd.Series(1.0 - lam**2, index=names, name="uniqueness"),
        variance_explained=float(np.sum(lam**2) / k),
        rmsr=float(np.sqrt(np.mean(off**2))),
        converged=bool(res.success),
    )


# -------------------------------------------------------------------------------------- reliability


@dataclass(frozen=True)
class Reliability:
    """Reliability of one scale on one dataset; ``items`` holds the per-item table.

    ``items`` columns: n, mean, sd, r_drop (item vs. the sum of the other items), alpha_if_deleted,
    loading (one-factor). ``n`` is the number of complete respondents used (listwise deletion).
    """

    scale: str
    k: int
    n: int
    alpha: float
    alpha_ci: tuple[float, float]
    std_alpha: float
    omega_total: float
    omega_h: float
    one_factor: OneFactor
    items: pd.DataFrame

    def summary(self) -> dict[str, float | int | str]:
        """One row for a table of several scales."""
        return {
            "scale": self.scale, "k": self.k, "n": self.n, "alpha": self.alpha,
            "alpha_ci_low": self.alpha_ci[0], "alpha_ci_high": self.alpha_ci[1],
            "std_alpha": self.std_alpha, "omega_total": self.omega_total,
            "variance_explained": self.one_factor.variance_explained, "rmsr": self.one_factor.rmsr,
            "min_r_drop": float(self.items["r_drop"].min()),
        }


def _alpha(cov: np.ndarray) -> float:
    """Cronbach's alpha from an item covariance matrix (for alpha if an item is deleted)."""
    k = cov.shape[0]
    return float(k / (k - 1) * (1.0 - np.trace(cov) / cov.sum()))


def reliability(
    data: pd.DataFrame,
    scale: Scale | str,
    questionnaire: Questionnaire | None = None,
    ci: float = 0.95,
) -> Reliability:
    """Alpha (with Feldt CI), omega total, item statistics and a one-factor check for one scale.

    Items are reverse-keyed first and respondents with any item missing are left out (listwise), the
    convention of published reliability tables, so every number refers to the same respondents.
    """
    sc = _scale(scale, questionnaire)
    x = scale_items(data, sc, questionnaire).dropna()
    k, n = x.shape[1], x.shape[0]
    if k < 2:
        raise ScaleError(f"scale {sc.name!r}: reliability needs at least 2 items, it has {k}")
    if n < max(10, k + 1):
        raise ScaleError(
            f"scale {sc.name!r}: only {n} respondents answered every item; reliability needs at least "
            f"{max(10, k + 1)}"
        )
    if (x.std() == 0).any():
        const = ", ".join(x.columns[(x.std() == 0).to_numpy()])
        raise ScaleError(f"scale {sc.name!r}: item(s) {const} have no variance among complete respondents")
    alpha, alpha_ci = pg.cronbach_alpha(data=x, nan_policy="listwise", ci=ci)
    cov = x.cov().to_numpy()
    corr = x.corr()
    r = corr.to_numpy()
    total = x.sum(axis=1)
    rest = total.to_numpy()[:, None] - x.to_numpy()
    xc = x.to_numpy() - x.to_numpy().mean(axis=0)
    rc = rest - rest.mean(axis=0)
    r_drop = (xc * rc).sum(axis=0) / np.sqrt((xc**2).sum(axis=0) * (rc**2).sum(axis=0))
    keep = ~np.eye(k, dtype=bool)
    alpha_drop = [_alpha(cov[np.ix_(keep[i], keep[i])]) if k > 2 else np.nan for i in range(k)]
    fac = one_factor(corr) if k >= 3 else None
    if fac is not None:
        vt = r.sum()
        omega_t = float(1.0 - fac.uniquenesses.sum() / vt)
        omega_h = float(fac.loadings.sum() ** 2 / vt)
        loading = fac.loadings.to_numpy()
    else:
        omega_t = omega_h = float("nan")
        loading = np.full(k, np.nan)
        fac = OneFactor(pd.Series(loading, index=x.columns), pd.Series(loading, index=x.columns),
                        float("nan"), float("nan"), False)
    mean_r = r[keep].mean()
    items = pd.DataFrame(
        {
            "n": n, "mean": x.mean(), "sd": x.std(), "reversed": [c in sc.reverse for c in x.columns],
            "r_drop": r_drop, "alpha_if_deleted": alpha_drop, "loading": loading,
        },
        index=pd.Index(x.columns, name="item"),
    )
    return Reliability(
        scale=sc.name, k=k, n=n, alpha=float(alpha), alpha_ci=(float(alpha_ci[0]), float(alpha_ci[1])),
        std_alpha=float(k * mean_r / (1 + (k - 1) * mean_r)), omega_total=omega_t, omega_h=omega_h,
        one_factor=fac, items=items,
    )


def weighted_alpha(
    data: pd.DataFrame, scale: Scale | str, weights: pd.Series | np.ndarray,
    questionnaire: Questionnaire | None = None,
) -> tuple[float, int]:
    """Cronbach's alpha from the weighted item covariance matrix, and the number of complete respondents.

    The same respondents as :func:`reliability` (every item answered, reverse-keyed items reversed) with
    positive weight; ``k / (k - 1) * (1 - trace(C) / sum(C))`` with ``C`` the weighted covariance (R's
    ``cov.wt``; the divisor cancels in the ratio), so integer weights give the alpha of the rows repeated that
    many times. A sampling weight makes it an estimate of the population's alpha rather than the respondents'.
    """
    sc = _scale(scale, questionnaire)
    x = scale_items(data, sc, questionnaire)
    w = pd.Series(np.asarray(weights, dtype=float), index=data.index)
    keep = x.notna().all(axis=1).to_numpy() & (w.to_numpy() > 0)
    k, n = x.shape[1], int(keep.sum())
    if k < 2 or n < max(10, k + 1):
        raise ScaleError(f"scale {sc.name!r}: weighted alpha needs at least 2 items and {max(10, k + 1)} complete "
                         f"respondents with a positive weight (has {k} items, {n} respondents)")
    m, wk = x.to_numpy()[keep], w.to_numpy()[keep]
    centred = m - (wk @ m) / wk.sum()
    cov = (centred * wk[:, None]).T @ centred / wk.sum()
    return _alpha(cov), n


def reliability_table(
    data: pd.DataFrame, questionnaire: Questionnaire, scales: Iterable[str] | None = None
) -> pd.DataFrame:
    """One summary row per scale (alpha, CI, omega, one-factor fit); scales that cannot be assessed on
    this dataset (too few complete answers) are reported with the reason instead of being dropped."""
    names = list(questionnaire.scales) if scales is None else list(scales)
    rows: list[Mapping[str, object]] = []
    for name in names:
        try:
            rows.append(reliability(data, name, questionnaire).summary())
        except ScaleError as exc:
            rows.append({"scale": name, "note": str(exc)})
    return pd.DataFrame(rows).set_index("scale")
