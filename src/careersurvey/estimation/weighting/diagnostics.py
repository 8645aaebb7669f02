"""Weight diagnostics: spread, Kish's design effect of unequal weighting, and margins achieved vs targets.

A :class:`WeightSummary` is data (pandas frames) plus renderers, so the command line, notebooks and the
report show the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

import numpy as np
import pandas as pd

QUANTILES: tuple[float, ...] = (0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99)


#: The bases Kish's design effect is stated on: every respondent with positive weight, and those in scope.
ALL, IN_SCOPE = "all respondents", "in scope"
#: Columns of :attr:`WeightSummary.kish`, as the command line and the report print them, and their formats.
KISH_COLUMNS = ("respondents", "Kish deff", "effective n")
KISH_FORMATS = {"respondents": "{:,.0f}", "Kish deff": "{:.2f}", "effective n": "{:,.0f}"}


@dataclass(frozen=True, eq=False)
class WeightSummary:
    """Summary of one weight vector; ``margins`` compares weighted totals with targets when known.

    ``deff_kish`` = n * sum(w^2) / sum(w)^2 (1 for equal weights): variances of means grow by about this
    factor from unequal weights alone; ``n_effective`` = sum(w)^2 / sum(w^2) = n / deff_kish. Both depend on
    which respondents they are taken over, so :attr:`kish` states the base of each: ``all respondents`` (every
    row with positive weight; ``stats``, ``deff_kish`` and ``n_effective`` are on this base) and, when the
    last weighting step had a scope, ``in scope`` (the rows the targets describe). The command line and the
    report print this table and :meth:`kish_text`, so they say the same numbers in the same words.
    """

    stats: pd.Series
    margins: pd.DataFrame
    history: tuple[str, ...]
    kish: pd.DataFrame | None = None

    @property
    def deff_kish(self) -> float:
        """Kish's design effect of unequal weighting, n sum(w^2) / sum(w)^2."""
        return float(self.stats["deff_kish"])

    @property
    def n_effective(self) -> float:
        """Effective sample size, sum(w)^2 / sum(w^2)."""
        return float(self.stats["n_effective"])

    def kish_rows(self) -> list[tuple[str, ...]]:
        """:attr:`kish` as printed text, one tuple (base, respondents, Kish deff, effective n) per base."""
        table = self.kish if self.kish is not None else kish_table(np.array([]), {})
        return [(str(base), *(KISH_FORMATS[c].format(row[c]) for c in KISH_COLUMNS)) for base, row in table.iterrows()]

    def kish_text(self) -> str:
        """Kish's design effect and effective n on each base, in one sentence (as the report says it)."""
        return "; ".join(f"Kish deff {deff} and effective n {neff} over "
                         + (f"all {n} respondents" if base == ALL else f"the {n} respondents {base}")
                         for base, n, deff, neff in self.kish_rows())

    def to_frame(self) -> pd.DataFrame:
        """The statistics as a one-column frame (``value``)."""
        return self.stats.to_frame("value")

    def as_text(self) -> str:
        """Plain-text rendering: statistics, margins vs targets, weighting steps."""
        lines = ["Weights"]
        for k, v in self.stats.items():
            if k not in ("deff_kish", "n_effective"):  # said with their base below
                lines.append(f"  {k:<14} {_fmt(v)}")
        lines.append(self.kish_text())
        if len(self.margins):
            lines.append("Margins (weighted total vs target)")
            lines.append(self.margins.to_string(float_format=lambda x: f"{x:,.6g}"))
        if self.history:
            lines.append("Weighting steps: " + "; ".join(self.history))
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.as_text()

    def _repr_html_(self) -> str:
        """Notebook rendering: the statistics and margins tables."""
        html = self.to_frame().to_html(float_format=lambda x: f"{x:,.6g}")
        if len(self.margins):
            html += self.margins.to_html(float_format=lambda x: f"{x:,.6g}")
        return html


def step_words(step: Any) -> str:
    """A weighting step in plain words (its ``describe()``), e.g. ``raked on sector, sex (4 iterations)``."""
    words = getattr(step, "describe", None)
    return words() if callable(words) else "a weighting step without a description"


def _fmt(v: Any) -> str:
    """A statistic for text: integers with separators, floats to 6 significant digits."""
    if isinstance(v, (int, np.integer)):
        return f"{int(v):,}"
    if isinstance(v, (float, np.floating)):
        return f"{float(v):,.6g}"
    return str(v)


def kish_table(w: np.ndarray, bases: Mapping[str, np.ndarray | None]) -> pd.DataFrame:
    """Kish's deff and effective n of the positive weights in each base (name -> row mask, None = all rows)."""
    rows = {}
    for name, mask in bases.items():
        pos = w[(w > 0) if mask is None else (w > 0) & mask]
        s1, s2 = pos.sum(), (pos**2).sum()
        rows[name] = (len(pos), len(pos) * s2 / s1**2 if len(pos) else np.nan, s1**2 / s2 if len(pos) else 0.0)
    frame = pd.DataFrame.from_dict(rows, orient="index", columns=list(KISH_COLUMNS))
    frame.index.name = "base"
    return frame.astype({"respondents": int})


def weight_stats(w: np.ndarray) -> pd.Series:
    """min, max, quantiles, ratio max/min, cv, Kish deff and effective n over the positive weights."""
    w = np.asarray(w, dtype=float)
    pos = w[w > 0]
    n = len(pos)
    out: dict[str, Any] = {"n": int(len(w)), "n_positive": int(n), "sum": float(pos.sum())}
    if n == 0:
        return pd.Series(out, dtype=object)
    s1, s2 = pos.sum(), (pos**2).sum()
    out.update({"min": float(pos.min()), "mean": float(pos.mean()), "max": float(pos.max())})
    for q, v in zip(QUANTILES, np.quantile(pos, QUANTILES)):
        out[f"p{round(q * 100):02d}"] = float(v)
    out["ratio_max_min"] = float(pos.max() / pos.min())
    out["cv"] = float(pos.std(ddof=0) / pos.mean())
    out["deff_kish"] = float(n * s2 / s1**2)
    out["n_effective"] = float(s1**2 / s2)
    out["n_negative"] = int((w < 0).sum())
    return pd.Series(out, dtype=object)


def margin_table(data: pd.DataFrame, w: np.ndarray, targets: Mapping[Any, Any]) -> pd.DataFrame:
    """Weighted totals against targets: one row per (variable, level), numeric totals as one row each."""
    from careersurvey.estimation.weighting.margins import factorize, group_totals, level_key

    rows = []
    for var, tot in targets.items():
        if var == "(Intercept)":
            rows.append(("(total)", "", float(tot), float(w.sum())))
            continue
        key = tuple(var) if isinstance(var, list) else var
        name = key if isinstance(key, str) else " x ".join(key)
        if isinstance(tot, Mapping):
            codes, levels = factorize(data, key)
            sums = group_totals(codes, len(levels), w)
            achieved = {level_key(lv): s for lv, s in zip(levels, sums)}
            for lv, t in tot.items():
                rows.append((name, level_key(lv), float(t), float(achieved.get(level_key(lv), 0.0))))
        else:
            vals = pd.to_numeric(data[key], errors="coerce").to_numpy(dtype=float)
            rows.append((name, "", float(tot), float(np.nansum(vals * w))))
    frame = pd.DataFrame(rows, columns=["variable", "level", "target", "achieved"])
    frame["difference"] = frame["achieved"] - frame["target"]
    with np.errstate(divide="ignore", invalid="ignore"):
        frame["relative"] = frame["difference"] / frame["target"].abs()
    return frame.set_index(["variable", "level"])


def summarize(data: pd.DataFrame, w: np.ndarray, targets: Mapping[Any, Any] | None,
              history: tuple[str, ...] = (), scope: np.ndarray | None = None) -> WeightSummary:
    """The summary of weights ``w``; margins achieved by the rows in ``scope`` (all rows when None); Kish's
    deff and effective n over all respondents and, with a scope, over the rows in it."""
    if targets and scope is not None:
        margins = margin_table(data.loc[scope], w[scope], targets)
    elif targets:
        margins = margin_table(data, w, targets)
    else:
        margins = pd.DataFrame(columns=["target", "achieved", "difference", "relative"])
    bases = {ALL: None} if scope is None else {IN_SCOPE: scope, ALL: None}
    return WeightSummary(stats=weight_stats(w), margins=margins, history=history, kish=kish_table(w, bases))
