"""A table as a statistics office publishes it: labelled columns, percentages, intervals, flags, footnotes.

:func:`layout` turns a :class:`~careersurvey.report.results.Table` (a data frame in the project's estimate
shape: ``n, estimate, se, ci_low, ci_high, deff, df, p_value, odds_ratio`` ...) into a :class:`Layout` that the
HTML page and the tables workbook both render, so the two always agree:

- columns named in the report's language (``report/i18n.py``; a table's own ``labels`` first), never a frame's
  column name such as ``ci_low``; the row labels in one header row (no pandas index-name row);
- a wide table's cells (one column per group, as ``<group>``, ``<group>_n``, ``<group>_ci_low``,
  ``<group>_ci_high``) with the n and the interval of each cell, headed by the group's name;
- shares as percentages with stated decimals (``Table.percent``, or a frame from a proportion estimator), the
  interval as one "lower–upper" column (two numeric columns in the workbook);
- every share or estimate with its unweighted n and standard error flagged by a stated rule: for shares the
  NCHS Data Presentation Standards for Proportions on the Korn-Graubard interval (the estimation package's
  ``korn_graubard`` and ``nchs_flags``), for other estimates a relative SE above 30% or an effective n
  (n / design effect) below 30; the footnote says which rule and what the marks mean.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from careersurvey.report.i18n import STRINGS, text

__all__ = ["Column", "Layout", "layout", "is_share_table", "p_text"]

#: Columns that are a model's or a test's, not an estimate with a reliability to flag.
_MODEL_COLUMNS = ("odds_ratio", "p_value", "statistic")
#: What ``ciprop(method="beta", nchs=True)`` adds: the NCHS outcome of each share and its workings, used as the
#: table's flags and not shown as columns.
_NCHS_COLUMNS = ("n_eff", "ci_width", "rel_width", "suppress", "review", "reason")
#: Columns of the report's generic tables that always hold shares (catalogue keys): shown as percentages.
SHARE_COLUMNS = frozenset({"response_rate", "target", "unweighted", "design_weights", "weighted"})
#: Whole numbers that are positions or codes, shown without thousands separators (row 1059, year 2026).
_PLAIN_INTEGERS = frozenset({"row", "line", "year", "code"})
#: Estimate columns shown in the estimate's unit (percent for shares).
_SAME_UNIT = ("estimate", "se", "ci_low", "ci_high")


@dataclass(frozen=True)
class Column:
    """One displayed column: its label, ``kind`` (text, int, num, pct, p, ci) and the values (for ``ci``
    pairs of lower and upper bound), with ``digits`` decimals; ``key`` is the frame's column it came from."""

    key: str
    label: str
    kind: str
    values: tuple
    digits: int = 3

    def cell(self, i: int) -> str:
        """The text of row ``i`` as the page shows it."""
        v = self.values[i]
        if self.kind == "ci":
            lo, hi = v
            if pd.isna(lo) or pd.isna(hi):
                return "–"
            k = 100 if self.digits < 0 else 1  # see layout(): negative digits mark percent intervals
            d = abs(self.digits) if self.digits < 0 else self.digits
            return f"{lo * k:,.{d}f}–{hi * k:,.{d}f}"
        return fmt(v, self.kind, self.digits)


@dataclass(frozen=True)
class Layout:
    """A table ready to render: stub headings and row labels, columns, a mark per row and footnotes."""

    stub: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    columns: tuple[Column, ...]
    marks: tuple[str, ...]
    notes: tuple[str, ...]
    mark_column: str = ""


def fmt(v, kind: str, digits: int) -> str:
    """One cell's text: thousands separators, ``digits`` decimals, percent as 0-100, "–" for missing."""
    if v is None or (not isinstance(v, str) and pd.isna(v)):
        return "–"
    if kind == "text" or isinstance(v, str):
        return str(v)
    if kind == "int":
        return f"{int(round(float(v))):,}"
    if kind == "plain":
        return f"{int(round(float(v)))}"
    if kind == "pct":
        return f"{float(v) * 100:,.{digits}f}"
    if kind == "p":
        return "<0.001" if v < 0.001 else f"{v:.3f}"
    return f"{float(v):,.{digits}f}"


def p_text(p: float, lang: str = "en") -> str:
    """A p-value in words: "p < 0.001", else three decimals."""
    return text("p.less", lang) if p < 0.001 else text("p.equal", lang, p=f"{p:.3f}")


def is_share_table(table) -> bool:
    """Whether the table's estimates are shares: as the table says, else as the estimator said (a proportion's
    interval), else no."""
    if table.percent is not None:
        return bool(table.percent)
    attrs = table.frame.attrs
    return attrs.get("statistic") == "proportion" or str(attrs.get("interval", "")).startswith("ciprop")


def _label(key: str, table, lang: str, share: bool) -> str:
    """A column's heading: the table's own label, the catalogue's, or the column's name as given."""
    if key in table.labels:
        return table.labels[key]
    if key == "estimate":
        return text("col.percent" if share else "col.estimate", lang)
    if key == "se" and share:
        return text("col.se_pct", lang)
    if f"col.{_key(key)}" in STRINGS:
        return text(f"col.{_key(key)}", lang)
    return str(key)


def _key(name) -> str:
    """A column name as a catalogue key: "response rate" -> "response_rate"; a one-letter name keeps its case
    (N, a population count, is not n, the unweighted sample count)."""
    text_ = str(name).strip()
    if len(text_) == 1:
        return text_
    return text_.lower().replace(" ", "_").replace("-", "_")


def _flags(frame: pd.DataFrame, share: bool, digits_df) -> tuple[np.ndarray, np.ndarray, str] | None:
    """Per row: unreliable, to review, and the rule's footnote key; None when the table has no estimates
    with standard errors (models and tests are not flagged)."""
    if not {"estimate", "se"} <= set(frame.columns) or any(c in frame.columns for c in _MODEL_COLUMNS):
        return None
    if {"suppress", "review"} <= set(frame.columns):  # the estimator's own NCHS outcome (exact design df)
        return (frame["suppress"].fillna(False).to_numpy(bool), frame["review"].fillna(False).to_numpy(bool),
                "flag.rule_proportion")
    est = pd.to_numeric(frame["estimate"], errors="coerce").to_numpy(float)
    se = pd.to_numeric(frame["se"], errors="coerce").to_numpy(float)
    n = pd.to_numeric(frame["n"], errors="coerce").to_numpy(float) if "n" in frame else None
    if share and n is not None:  # NCHS on the Korn-Graubard interval; a share without n gets the RSE rule
        from careersurvey.estimation.ciprop import korn_graubard, nchs_flags

        df = digits_df if digits_df is not None else np.maximum(n - 1, 1)
        df = np.broadcast_to(np.asarray(df, float), est.shape)
        unreliable = np.zeros(len(est), bool)
        review = np.zeros(len(est), bool)
        ok = np.isfinite(est) & np.isfinite(se) & np.isfinite(n)
        for dfv in np.unique(df[ok]):  # one call per distinct df (most tables have one)
            sel = ok & (df == dfv)
            p, var, nn = est[sel], se[sel] ** 2, n[sel]
            with np.errstate(divide="ignore", invalid="ignore"):
                lo, hi = korn_graubard(p, var, np.maximum(nn, 2), float(dfv))
            lo = np.where(p <= 0, 0.0, lo)
            hi = np.where(p >= 1, 1.0, hi)
            flags = nchs_flags(p, var, (lo, hi), nn, float(dfv))
            unreliable[sel] = flags["suppress"]
            review[sel] = flags["review"]
        return unreliable, review, "flag.rule_proportion"
    with np.errstate(divide="ignore", invalid="ignore"):
        unreliable = se / np.abs(est) > 0.30
        if n is not None and "deff" in frame:
            deff = pd.to_numeric(frame["deff"], errors="coerce").to_numpy(float)
            unreliable |= n / np.where(deff > 1, deff, 1.0) < 30
        elif n is not None:
            unreliable |= n < 30
    return unreliable, np.zeros(len(est), bool), "flag.rule_estimate"


def _kind(series: pd.Series, key: str, table, share: bool) -> str:
    if key == "p_value":
        return "p"
    if _key(key) in _PLAIN_INTEGERS and pd.api.types.is_numeric_dtype(series):
        return "plain"
    if key in table.percent_columns or _key(key) in SHARE_COLUMNS or (share and key in _SAME_UNIT + ("cv",)):
        return "pct"
    if key in ("n", "k", "rows", "respondents") or pd.api.types.is_integer_dtype(series):
        return "int"
    if pd.api.types.is_numeric_dtype(series):
        return "num"
    return "text"


def layout(table, lang: str = "en") -> Layout:
    """The publication layout of ``table`` in ``lang`` (see the module doc)."""
    frame = table.frame
    if isinstance(frame.columns, pd.MultiIndex):
        frame = frame.set_axis([" / ".join(map(str, c)) for c in frame.columns], axis=1)
    share = is_share_table(table)
    # row labels: none for a plain 0..n-1 index, one stub column per index level otherwise
    plain = isinstance(frame.index, pd.RangeIndex) and frame.index.name is None
    levels = [] if plain else list(range(frame.index.nlevels))
    names = list(frame.index.names)
    stub = tuple(table.stub if (table.stub and j == 0) else
                 (_label(names[j], table, lang, share) if names[j] is not None and
                  (names[j] in table.labels or f"col.{_key(names[j])}" in STRINGS) else "")
                 for j in levels)
    idx = frame.index.to_frame(index=False) if levels else pd.DataFrame(index=range(len(frame)))
    rows = tuple(tuple("–" if pd.isna(v) else str(v) for v in r) for r in idx.itertuples(index=False, name=None))
    df_col = pd.to_numeric(frame["df"], errors="coerce").to_numpy(float) if "df" in frame else frame.attrs.get("df")
    flags = None if not table.flag else _flags(frame, share, df_col)
    columns: list[Column] = []
    pct_digits = table.pct_digits
    cols = list(frame.columns)
    skip = {"df"} if "df" in frame and flags is not None and not table.show_df else set()
    if flags is not None:
        skip |= set(_NCHS_COLUMNS)
    for key in cols:
        if key in skip:
            continue
        s = frame[key]
        base = key[: -len("_ci_low")] if str(key).endswith("_ci_low") else None
        if key == "ci_low" and "ci_high" in frame or (base and f"{base}_ci_high" in frame):
            hi_key = "ci_high" if key == "ci_low" else f"{base}_ci_high"
            label = (table.labels.get(key) or (text("col.ci", lang) if base is None else
                     text("col.ci_of", lang, what=_label(base, table, lang, share))))
            pct = _kind(s, key, table, share) == "pct"
            values = tuple(zip(pd.to_numeric(s, errors="coerce"), pd.to_numeric(frame[hi_key], errors="coerce")))
            columns.append(Column(f"{key}|{hi_key}", label, "ci", values, -pct_digits if pct else table.digits))
            continue
        if key == "ci_high" or (str(key).endswith("_ci_high") and f"{key[:-len('_ci_high')]}_ci_low" in frame):
            continue
        kind = _kind(s, key, table, share)
        base_n = str(key)[: -len("_n")] if str(key).endswith("_n") else None
        if base_n and base_n in map(str, frame.columns) and key not in table.labels:  # a cell's n: "<column>_n"
            columns.append(Column(str(key), text("col.n_of", lang, what=_label(base_n, table, lang, share)), "int",
                                  tuple(s.tolist()), 0))
            continue
        digits = pct_digits if kind == "pct" else (2 if key in ("deff", "odds_ratio") else table.digits)
        columns.append(Column(str(key), _label(key, table, lang, share), kind, tuple(s.tolist()), digits))
    notes: list[str] = list(table.notes)
    marks = ("",) * len(frame)
    if flags is not None:
        unreliable, review, rule = flags
        star, dagger = text("flag.unreliable", lang), text("flag.review", lang)
        marks = tuple(np.where(unreliable, star, "").astype(object) + np.where(review, dagger, "").astype(object))
        notes.append(text(rule, lang))
    if share:
        notes.append(text("note.percent", lang, digits=pct_digits))
    if "n" in frame and "estimate" in frame:
        notes.append(text("note.weighted_n", lang))
    return Layout(stub=stub, rows=rows, columns=tuple(columns), marks=marks, notes=tuple(notes),
                  mark_column=text("col.flag", lang))
