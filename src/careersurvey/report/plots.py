"""The few plot kinds the report uses, drawn the same way everywhere (matplotlib, Agg backend).

Estimates with confidence intervals, regression coefficients as a forest plot, a weight histogram and
target-versus-achieved shares. Korean text needs a Hangul font: a Nanum or Noto CJK font is used when the
system has one (Debian: fonts-nanum), otherwise labels fall back to DejaVu Sans.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import matplotlib.ticker  # noqa: E402
from matplotlib import font_manager  # noqa: E402

from careersurvey.report.results import Figure, figure_png  # noqa: E402

__all__ = ["style", "estimate_plot", "forest_plot", "weights_plot", "margins_plot", "heatmap"]

_FONT_DIRS = ("/usr/share/fonts/truetype/nanum", "/usr/share/fonts/opentype/noto", "/usr/share/fonts/truetype/noto")
_HANGUL = ("NanumGothic", "NanumBarunGothic", "Noto Sans CJK KR", "Noto Sans KR")
_STYLED = False
BLUE, ORANGE, GREY = "#2a6f97", "#e07a1f", "#8a96a3"
_ODDS_TICKS = (0.1, 0.2, 0.25, 0.33, 0.5, 0.67, 0.8, 1, 1.25, 1.5, 2, 3, 4, 5, 10)


def _short(labels, width: int = 46) -> list[str]:
    """Tick labels cut to ``width`` characters so that long item wordings do not squeeze the plot."""
    return [s if len(s) <= width else s[: width - 1] + "…" for s in map(str, labels)]


def style() -> None:
    """Register a Hangul font if the system has one and set a plain house style (once per process)."""
    global _STYLED
    if _STYLED:
        return
    for d in _FONT_DIRS:
        for f in sorted(Path(d).glob("*.tt[fc]")) + sorted(Path(d).glob("*.otf")) if Path(d).is_dir() else []:
            if any(h.replace(" ", "") in f.stem for h in ("NanumGothic", "NanumBarunGothic", "NotoSansCJK")):
                try:
                    font_manager.fontManager.addfont(str(f))
                except (OSError, RuntimeError):
                    continue
    names = {f.name for f in font_manager.fontManager.ttflist}
    matplotlib.rcParams["font.family"] = [h for h in _HANGUL if h in names] + ["DejaVu Sans"]
    matplotlib.rcParams.update({"axes.spines.top": False, "axes.spines.right": False, "axes.grid": True,
                                "grid.alpha": 0.3, "figure.dpi": 100, "font.size": 9,
                                "axes.unicode_minus": False})  # Hangul fonts lack U+2212
    _STYLED = True


def estimate_plot(frame: pd.DataFrame, name: str, title: str, xlabel: str = "", caption: str = "",
                  percent: bool = True) -> Figure:
    """Horizontal points with CI bars; ``frame`` has columns estimate, ci_low, ci_high, index = labels."""
    style()
    f = frame.iloc[::-1]
    k = 100 if percent else 1
    fig, ax = plt.subplots(figsize=(6.4, 0.35 * len(f) + 1.2))
    y = np.arange(len(f))
    est = f["estimate"].to_numpy() * k
    ax.errorbar(est, y, xerr=[est - f["ci_low"].to_numpy() * k, f["ci_high"].to_numpy() * k - est],
                fmt="o", color=BLUE, ecolor=GREY, capsize=3)
    ax.set_yticks(y, _short(f.index))
    ax.set_xlabel(xlabel or ("percent" if percent else ""))
    ax.set_title(title)
    return Figure(name, title, figure_png(fig), caption)


def forest_plot(coef: pd.DataFrame, name: str, title: str, caption: str = "", exp: bool = True) -> Figure:
    """Coefficients (odds ratios when ``exp``) with CIs; ``coef`` has estimate, ci_low, ci_high by term."""
    style()
    f = coef.iloc[::-1]
    tr = np.exp if exp else (lambda x: x)
    fig, ax = plt.subplots(figsize=(6.4, 0.32 * len(f) + 1.2))
    y = np.arange(len(f))
    est = tr(f["estimate"].to_numpy())
    lo, hi = tr(f["ci_low"].to_numpy()), tr(f["ci_high"].to_numpy())
    colors = np.where(lo > (1 if exp else 0), ORANGE, np.where(hi < (1 if exp else 0), BLUE, GREY))
    ax.hlines(y, lo, hi, color=colors)
    ax.scatter(est, y, color=colors, zorder=3)
    ax.axvline(1 if exp else 0, color="black", lw=0.8)
    if exp:
        ax.set_xscale("log")
        span = (np.nanmin(lo), np.nanmax(hi))
        grid = _ODDS_TICKS if span[1] / span[0] < 6 else (0.05, 0.1, 0.2, 0.3, 0.5, 1, 2, 3, 5, 10, 20, 50)
        ticks = [t for t in grid if span[0] / 1.05 <= t <= span[1] * 1.05] or [1]
        ax.xaxis.set_major_locator(matplotlib.ticker.FixedLocator(ticks))
        # plain numbers, no mathtext: Hangul fonts lack its minus sign
        ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:g}"))
        ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    ax.set_yticks(y, _short(f.index))
    ax.set_xlabel("odds ratio (log scale)" if exp else "coefficient")
    ax.set_title(title)
    return Figure(name, title, figure_png(fig), caption)


def weights_plot(weights: Sequence[float], name: str = "weights", title: str = "Distribution of final weights",
                 caption: str = "") -> Figure:
    """Histogram of the final weights (how many persons each respondent represents)."""
    style()
    fig, ax = plt.subplots(figsize=(6.4, 3))
    ax.hist(np.asarray(weights, float), bins=40, color=BLUE)
    ax.set_xlabel("weight (persons represented)")
    ax.set_ylabel("respondents")
    ax.set_title(title)
    return Figure(name, title, figure_png(fig), caption)


def margins_plot(frame: pd.DataFrame, name: str = "margins", title: str = "Weighting targets and sample shares",
                 caption: str = "") -> Figure:
    """Grouped bars of target, unweighted and weighted shares; index = "margin: level"."""
    style()
    fig, ax = plt.subplots(figsize=(6.4, 0.3 * len(frame) + 1.5))
    y = np.arange(len(frame))[::-1]
    h = 0.27
    for j, (col, color) in enumerate((("target", "black"), ("unweighted", GREY), ("weighted", BLUE))):
        ax.barh(y + (1 - j) * h, frame[col].to_numpy() * 100, height=h, color=color, label=col)
    ax.set_yticks(y, _short(frame.index))
    ax.set_xlabel("percent")
    ax.legend(loc="lower right", frameon=False)
    ax.set_title(title)
    return Figure(name, title, figure_png(fig), caption)


def heatmap(frame: pd.DataFrame, name: str, title: str, caption: str = "", percent: bool = True) -> Figure:
    """A table of shares (rows: statements, columns: groups) as a shaded grid with the values written in."""
    style()
    k = 100 if percent else 1
    values = frame.to_numpy(dtype=float) * k
    fig, ax = plt.subplots(figsize=(1.1 * frame.shape[1] + 4.2, 0.36 * frame.shape[0] + 1.4))
    im = ax.imshow(values, cmap="Blues", aspect="auto", vmin=np.nanmin(values), vmax=np.nanmax(values))
    ax.set_xticks(np.arange(frame.shape[1]), _short(frame.columns, 16), rotation=30, ha="right")
    ax.set_yticks(np.arange(frame.shape[0]), _short(frame.index, 52))
    ax.grid(False)
    mid = np.nanmean(values)
    for (i, j), v in np.ndenumerate(values):
        if np.isfinite(v):
            ax.text(j, i, f"{v:.0f}" if percent else f"{v:.2f}", ha="center", va="center", fontsize=8,
                    color="white" if v > mid else "black")
    fig.colorbar(im, ax=ax, fraction=0.03, pad=0.02, label="percent" if percent else "")
    ax.set_title(title)
    return Figure(name, title, figure_png(fig), caption)
