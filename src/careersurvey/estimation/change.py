"""Trends and change across waves: estimates by wave, and the change between waves with its standard error.

Two ways in, one rule for the variance (the design's one engine, through R's ``svyby(covmat=TRUE)`` and
``svycontrast``):

- **Stacked waves** (:func:`trend`, :func:`change`): one design over a long file that holds every wave's rows
  and a ``wave`` column. The estimates of all waves come from one ``by=wave`` pass with their full covariance,
  so a PSU (institution) that appears in several waves keeps the covariance of its totals across them and a
  stratum is one stratum over all waves; the change is the contrast ``later - earlier``. What the design must
  say: PSU labels shared across waves for the same institution (overlapping samples); distinct labels for a
  fresh sample (then the waves' estimates are independent but for shared strata); and for a panel, in which
  the same person answers in several waves, the person must lie inside one PSU: ``psu="inst"`` (persons
  nested in institutions; R ``ids = ~inst + pid``) or, when the sample has no clusters, ``psu="pid"`` (the
  person is the PSU; R ``ids = ~pid``), never each row its own PSU. ``person=`` checks this.
- **Paired change on the wide panel file** (:func:`paired_change`): one row per person, wave-suffixed
  columns (``y_2024``, ``y_2026``); the mean of ``y_2026 - y_2024`` over those who answered both. It equals
  the stacked change over the same persons with the same weight in both waves and the person inside a PSU.

Both return one tidy row per variable (level) and pair of waves: ``variable, level, from, to,
estimate_from, estimate_to, change, se, ci_low, ci_high, df, t, p_value`` (t on the design df), with the
covariance of the changes in ``attrs["vcov"]``. ``by=`` compares waves within domains (``svyby(~y, ~wave +
sector)``), a column per by variable first. Replicate designs work the same way (their by-wave covariance
comes from the replicates, as R's ``svyby(covmat=TRUE)`` on an ``svyrep.design``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from careersurvey.estimation.contrast import contrast
from careersurvey.estimation.estimators import EstimateError

__all__ = ["change", "paired_change", "trend"]

STATISTICS = ("mean", "proportion", "total")
CHANGE_COLUMNS = ("variable", "level", "from", "to", "estimate_from", "estimate_to", "change", "se", "ci_low",
                  "ci_high", "df", "t", "p_value")


def trend(design, variables: str | Sequence[str], over: str = "wave", statistic: str = "mean",
          by: str | Sequence[str] | None = None, na_rm: bool = False, level: float = 0.95) -> pd.DataFrame:
    """Estimates by wave from one stacked design: one tidy row per wave (and level of ``by``) and variable
    (level), with columns ``<over>, <by...>, variable, level, estimate, se, ci_low, ci_high, df``; their
    covariance (all waves, as R's ``svyby(covmat=TRUE)``) in ``attrs["vcov"]``. ``statistic``: "mean",
    "proportion" (the share of each level of a categorical column, R's ``svymean`` of a factor) or "total"."""
    by_cols = _as_list(by) if by is not None else []
    by_wave = _by_wave(design, variables, over, by_cols, statistic, na_rm, level)
    waves, groups, names = _parts(by_wave, variables, len(by_cols))
    variable, lvl = _split_names(names, _as_list(variables))
    out = pd.DataFrame({over: waves, **{b: [g[i] for g in groups] for i, b in enumerate(by_cols)},
                        "variable": variable, "level": lvl})
    for col in ("estimate", "se", "ci_low", "ci_high", "df"):
        out[col] = by_wave[col].to_numpy()
    out.attrs.update(vcov=by_wave.attrs["vcov"], design_df=by_wave.attrs.get("design_df"), level=level,
                     statistic=statistic)
    return out


def change(design, variables: str | Sequence[str], over: str = "wave", statistic: str = "mean",
           pairs: str | Sequence[tuple] = "consecutive", by: str | Sequence[str] | None = None,
           na_rm: bool = False, level: float = 0.95, person: str | None = None,
           waves: Sequence | None = None) -> pd.DataFrame:
    """The change of each estimate between waves, from one stacked design (R: ``svyby(~y, ~wave, design,
    svymean, covmat=TRUE)`` then ``svycontrast``), as a tidy frame (see the module's doc); with ``by``, within
    each of its domains (R: ``svyby(~y, ~wave + sector, ...)``), a column per by variable first.

    ``pairs``: "consecutive" (each wave against the one before), "first" (each wave against the first), or a
    list of ``(from, to)`` waves; a domain without rows in one of a pair's waves has no row for that pair.
    The waves' order is the wave column's (sorted, or a categorical's categories); ``waves=[...]`` gives it
    (the order of fieldwork, e.g. ``["w9", "w10"]``) and keeps only those waves for "consecutive" and "first".
    ``person``: the column of panel ids; when given, every person's rows must lie in one PSU, or the change's
    SE would ignore that the person answered twice (an error says what to set).
    """
    if person is not None:
        check_person_in_psu(design, person)
    by_cols = _as_list(by) if by is not None else []
    by_wave = _by_wave(design, variables, over, by_cols, statistic, na_rm, level)
    row_waves, groups, names = _parts(by_wave, variables, len(by_cols))
    present = list(dict.fromkeys(row_waves))
    if len(present) < 2:
        raise EstimateError(f"change needs at least two waves in {over!r} with answers and positive weight; found "
                            f"{', '.join(present)} (an item not asked in a wave is missing there: -6)")
    wanted = _pairs(pairs, _order(present, waves, over), over)
    position = {(w, g, n): i for i, (w, g, n) in enumerate(zip(row_waves, groups, names))}
    theta = by_wave["estimate"].to_numpy()
    specs, rows = {}, []
    for a, b in wanted:
        for g in dict.fromkeys(groups):
            for n in dict.fromkeys(names):
                i, j = position.get((a, g, n)), position.get((b, g, n))
                if i is None or j is None:
                    continue
                weights = np.zeros(len(theta))
                weights[j], weights[i] = 1.0, -1.0
                specs[":".join([*map(str, g), n, f"{a}->{b}"])] = weights
                rows.append((n, a, b, theta[i], theta[j], g))
    result = contrast(by_wave, specs, level=level)
    variable, lvl = _split_names([r[0] for r in rows], _as_list(variables))
    return _tidy(result, variable, lvl, rows, by_cols)


def paired_change(design, variables: str | Sequence[str], waves: Sequence, sep: str = "_",
                  level: float = 0.95) -> pd.DataFrame:
    """Within-person change on the wide panel file: for each variable ``v`` the mean of ``v{sep}{to} -
    v{sep}{from}`` over the persons who answered both (``waves = (from, to)``, e.g. ``("2024", "2026")``), with
    its SE over the design of the wide file (R: ``svymean(~I(y_2026 - y_2024), design, na.rm = TRUE)``); for a
    categorical item, the change of the share of each level among them (R: ``svymean(~v_2024 + v_2026)`` over
    them, then ``svycontrast``). A person missing either answer leaves the estimate as a domain (the design
    keeps every PSU)."""
    if len(waves) != 2:
        raise EstimateError(f"paired_change: waves={list(waves)!r}; give two waves, (from, to), e.g. "
                            "('2024', '2026')")
    a, b = (str(w) for w in waves)
    frames = []
    for v in _as_list(variables):
        cols = [f"{v}{sep}{a}", f"{v}{sep}{b}"]
        missing = [c for c in cols if c not in design.column_names]
        if missing:
            raise EstimateError(f"paired_change: the wide file has no column {', '.join(map(repr, missing))} for "
                                f"{v!r} in waves {a} and {b}; wide panel files name a wave's answer "
                                f"<item>{sep}<wave> (give sep= if yours differ)")
        design.refuse_codes(cols)  # a declared code among the answers is refused (MissingCodeError), not paired
        # the same condition in memory and in an engine: both answers there
        means = design.subset(f"answered({cols[0]}) and answered({cols[1]})").mean(cols)
        if not np.isfinite(means["estimate"].to_numpy(dtype=float)).any():
            raise EstimateError(f"paired_change: nobody with a positive weight answered {cols[0]!r} and "
                                f"{cols[1]!r}: there is no pair to compare")
        theta = dict(zip(map(str, means.index), means["estimate"].to_numpy()))
        # a number: one row per column; a categorical item: R's <column><level> rows, one change per level
        levels = [None] if cols[0] in theta else [n[len(cols[0]):] for n in theta if n.startswith(cols[0])]
        specs, meta = {}, []
        for lv in levels:
            key_a, key_b = cols[0] + (lv or ""), cols[1] + (lv or "")
            if key_b not in theta:
                continue  # a level not in the later wave's categories
            specs[f"{v}{lv or ''}:{a}->{b}"] = {key_b: 1.0, key_a: -1.0}
            meta.append((v, a, b, theta[key_a], theta[key_b], (), lv))
        frames.append((contrast(means, specs, level=level), meta))
    result = pd.concat([f[0] for f in frames])
    result.attrs["vcov"] = _block_diagonal([f[0].attrs["vcov"] for f in frames])  # no covariance across items
    rows = [r for f in frames for r in f[1]]
    return _tidy(result, [r[0] for r in rows], [r[6] for r in rows], rows, [])


def check_person_in_psu(design, person: str) -> None:
    """A person's rows in the stacked file must share one first-stage unit, or their covariance is lost."""
    if person not in design.column_names:
        raise EstimateError(f"person={person!r} is not a column of the design's data; name the panel id column")
    if design.replicates is not None:
        return  # replicate weights carry the clustering in their columns
    n_bad, examples = design.units_per(person)
    if n_bad:
        shown = ", ".join(map(str, examples))
        raise EstimateError(
            f"the design puts the rows of {n_bad} panel member(s) ({shown}) in different PSUs, so the change's "
            f"SE would treat their answers in different waves as independent. Make the person lie inside one PSU: "
            f"psu='<institution column>' when persons are nested in institutions, or psu={person!r} when the "
            "sample has no clusters")


# -- helpers ------------------------------------------------------------------------------------------------
def _as_list(variables) -> list[str]:
    return [variables] if isinstance(variables, str) else list(variables)


def _by_wave(design, variables, over, by_cols, statistic, na_rm, level) -> pd.DataFrame:
    if statistic not in STATISTICS:
        raise EstimateError(f"statistic={statistic!r}: use one of {', '.join(STATISTICS)}")
    if over not in design.column_names:
        raise EstimateError(f"over={over!r} is not a column of the design's data; stack the waves in one long "
                            "file with a column naming each row's wave (e.g. cs.load_responses(store, waves=[...]))")
    if statistic == "proportion":
        _refuse_not_categorical(design, _as_list(variables))
    unknown = [b for b in by_cols if b not in design.column_names or b == over]
    if unknown:
        raise EstimateError(f"by={unknown[0]!r} is not a column of the design's data (or is the wave column "
                            f"{over!r} itself); name the domains to compare waves within, e.g. by='sector'")
    fn = design.total if statistic == "total" else design.mean
    with np.errstate(divide="ignore", invalid="ignore"):  # a wave without answers: 0/0, dropped below
        result = fn(variables, na_rm=na_rm, by=[over, *by_cols], level=level, covmat=True)
    answered = np.isfinite(result["estimate"].to_numpy())
    if answered.all():
        return result
    # a wave (or domain) in which nobody answered (an item not asked then, or every answer missing) has no
    # estimate: it leaves the trend, and a change to it has no row
    kept = result[answered].copy()
    kept.attrs = {**result.attrs, "vcov": np.asarray(result.attrs["vcov"])[np.ix_(answered, answered)]}
    return kept


def _refuse_not_categorical(design, variables: list[str]) -> None:
    for v in variables:
        if v in design.column_names and design.is_numeric(v):
            raise EstimateError(f"statistic='proportion' needs a categorical column, and {v!r} is numeric: make it "
                                f"categorical (df[{v!r}].astype('category')) for the share of each value, or use "
                                "statistic='mean' for the mean of a 0/1 indicator")


def _parts(result: pd.DataFrame, variables, n_by: int) -> tuple[list[str], list[tuple], list[str]]:
    """Each row's wave (as text), its by-domain (a tuple of levels) and its estimate name (the variable, or
    R's variable+level)."""
    keys = list(result.index) if isinstance(result.index, pd.MultiIndex) else [(k,) for k in result.index]
    several = len(keys[0]) == n_by + 2
    return ([str(k[0]) for k in keys], [tuple(k[1:1 + n_by]) for k in keys],
            [str(k[-1]) if several else _as_list(variables)[0] for k in keys])


def _split_names(names: list[str], variables: list[str]) -> tuple[list[str], list]:
    """R's ``intentleave`` into (intent, leave); a numeric variable has no level."""
    var, lvl = [], []
    for n in names:
        match = next((v for v in sorted(variables, key=len, reverse=True) if n.startswith(v)), n)
        var.append(match)
        rest = n[len(match):]
        lvl.append(rest if rest else None)
    return var, lvl


def _block_diagonal(blocks: list[np.ndarray]) -> np.ndarray:
    n = sum(len(b) for b in blocks)
    out = np.zeros((n, n))
    at = 0
    for b in blocks:
        out[at:at + len(b), at:at + len(b)] = b
        at += len(b)
    return out


def _order(labels: list[str], waves: Sequence | None, over: str) -> list[str]:
    """The waves in the order given (each must have rows), or as the estimates came."""
    if waves is None:
        return labels
    order = [str(w) for w in waves]
    unknown = [w for w in order if w not in labels]
    if unknown or len(set(order)) != len(order) or len(order) < 2:
        what = (f"wave {unknown[0]!r} has no rows with answers and positive weight in {over!r}" if unknown
                else "give at least two waves, each once")
        raise EstimateError(f"waves={order!r}: {what}; the waves are {', '.join(labels)}")
    return order


def _pairs(pairs, labels: list[str], over: str) -> list[tuple[str, str]]:
    if pairs == "consecutive":
        return list(zip(labels[:-1], labels[1:]))
    if pairs == "first":
        return [(labels[0], b) for b in labels[1:]]
    if isinstance(pairs, str):
        raise EstimateError(f"pairs={pairs!r}: use 'consecutive', 'first' or a list of (from, to) waves")
    out = []
    for pair in pairs:
        if len(pair) != 2:
            raise EstimateError(f"pairs: {pair!r} is not a (from, to) pair of waves")
        a, b = str(pair[0]), str(pair[1])
        unknown = [w for w in (a, b) if w not in labels]
        if unknown:
            raise EstimateError(f"pairs: wave {unknown[0]!r} has no rows with answers and positive weight in "
                                f"{over!r}; the waves are {', '.join(labels)}")
        out.append((a, b))
    return out


def _tidy(result: pd.DataFrame, variable: list[str], lvl: list, rows: list[tuple],
          by_cols: list[str]) -> pd.DataFrame:
    """The tidy frame; ``rows`` hold (name, from, to, estimate_from, estimate_to, by-domain, ...)."""
    est = result["estimate"].to_numpy()
    se = result["se"].to_numpy()
    df = result["df"].to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        t = est / se
    p = 2 * np.where(np.isinf(df), stats.norm.sf(np.abs(t)), stats.t.sf(np.abs(t), np.where(np.isinf(df), 1, df)))
    out = pd.DataFrame({
        **{b: [r[5][i] for r in rows] for i, b in enumerate(by_cols)}, "variable": variable, "level": lvl,
        "from": [r[1] for r in rows], "to": [r[2] for r in rows],
        "estimate_from": [r[3] for r in rows], "estimate_to": [r[4] for r in rows], "change": est, "se": se,
        "ci_low": result["ci_low"].to_numpy(), "ci_high": result["ci_high"].to_numpy(), "df": df, "t": t,
        "p_value": p}, columns=[*by_cols, *CHANGE_COLUMNS])
    out.attrs.update(vcov=result.attrs.get("vcov"), level=result.attrs.get("level"))
    return out
