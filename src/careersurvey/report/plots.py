"""The few plot kinds the report uses, drawn the same way everywhere (matplotlib, Agg backend).

Estimates with confidence intervals, regression coefficients as a forest plot, a weight histogram and
target-versus-achieved shares. Axis words come from the report's catalogue in ``lang`` (``report/i18n.py``);
long labels are wrapped onto more lines, never cut. Korean text needs a Hangul font: :func:`hangul_font` looks
for a Nanum (Debian/Ubuntu: ``apt-get install fonts-nanum``) or Noto CJK KR font through matplotlib's font
manager, including the system's font folders; without one, Hangul would print as empty boxes, so
:func:`style` warns once, naming the package to install, and the figures fall back to DejaVu Sans.
"""

from __future__ import annotations

import textwrap
import warnings
from functools import lru_cache
from typing import Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import matplotlib.ticker  # noqa: E402
from matplotlib import font_manager  # noqa: E402

from careersurvey.report.i18n import text  # noqa: E402
from careersurvey.report.results import Figure, figure_png  # noqa: E402

__all__ = ["style", "hangul_font", "missing_glyphs", "estimate_plot", "forest_plot", "weights_plot",
           "margins_plot", "heatmap", "NO_HANGUL_FONT"]

#: Hangul fonts, in the order they are preferred (family names as the font manager knows them).
_HANGUL = ("NanumGothic", "NanumBarunGothic", "NanumSquare", "Noto Sans CJK KR", "Noto Sans KR", "UnDotum")
#: What the figures say when no Hangul font is installed.
NO_HANGUL_FONT = ("no Hangul font found (looked for {fonts} through matplotlib's font manager): Korean text in "
                  "figures will show as empty boxes; install one, e.g. `apt-get install fonts-nanum` (Debian, "
                  "Ubuntu) or `dnf install naver-nanum-gothic-fonts` (Fedora), then rerun")
_STYLED = False
BLUE, ORANGE, GREY = "#2a6f97", "#e07a1f", "#8a96a3"
_ODDS_TICKS = (0.1, 0.2, 0.25, 0.33, 0.5, 0.67, 0.8, 1, 1.25, 1.5, 2, 3, 4, 5, 10)


def _wrap(labels, width: int = 40) -> list[str]:
    """Tick labels wrapped at ``width`` characters onto more lines, so long wordings stay whole."""
    return ["\n".join(textwrap.wrap(s, width, break_long_words=False)) or s for s in map(str, labels)]


@lru_cache(maxsize=1)
def hangul_font() -> tuple[str, str] | None:
    """(family, file) of the first Hangul font matplotlib can use, registering the system's font files with
    the font manager when it does not know them yet; None when the system has none."""
    def known():
        return {f.name: f.fname for f in font_manager.fontManager.ttflist}

    names = known()
    if not any(h in names for h in _HANGUL):
        wanted = ("nanum", "notosanscjk", "notosanskr", "undotum")
        for path in font_manager.findSystemFonts():
            if any(w in path.lower().replace("-", "").replace("_", "") for w in wanted):
                try:
                    font_manager.fontManager.addfont(path)
                except (OSError, RuntimeError, ValueError):
                    continue
        names = known()
    for h in _HANGUL:
        if h in names:
            return h, names[h]
    return None


def missing_glyphs(chars: str, font_file: str) -> str:
    """The characters of ``chars`` (spaces aside) that the font file has no glyph for (its cmap, by fontTools)."""
    from fontTools.ttLib import TTFont

    kw = {"fontNumber": 0} if font_file.lower().endswith((".ttc", ".otc")) else {}
    with TTFont(font_file, lazy=True, **kw) as font:
        cmap = font.getBestCmap() or {}
    return "".join(sorted({c for c in chars if not c.isspace() and ord(c) not in cmap}))


def style() -> None:
    """Use a Hangul font if the system has one (else warn, naming the package) and a plain house style (once
    per process)."""
    global _STYLED
    if _STYLED:
        return
    found = hangul_font()
    if found is None:
        warnings.warn(NO_HANGUL_FONT.format(fonts=", ".join(_HANGUL)), RuntimeWarning, stacklevel=2)
    matplotlib.rcParams["font.family"] = ([found[0]] if found else []) + ["DejaVu Sans"]
    matplotlib.rcParams.update({"axes.spines.top": False, "axes.spines.right": False, "axes.grid": True,
                                "grid.alpha": 0.3, "figure.dpi": 100, "font.size": 9,
                                "axes.unicode_minus": False})  # Hangul fonts lack U+2212
    _STYLED = True


def _height(labels, per_line: float) -> float:
    """Figure height for wrapped tick labels: ``per_line`` inches per text line."""
    return per_line * sum(max(1, s.count("\n") + 1) for s in labels) + 1.2


def estimate_plot(frame: pd.DataFrame, name: str, title: str, xlabel: str = "", caption: str = "",
                  percent: bool = True, lang: str = "en") -> Figure:
    """Horizontal points with CI bars; ``frame`` has columns estimate, ci_low, ci_high, index = labels."""
    style()
    f = frame.iloc[::-1]
    k = 100 if percent else 1
    labels = _wrap(f.index)
    fig, ax = plt.subplots(figsize=(6.4, _height(labels, 0.3)))
    y = np.arange(len(f))
    est = f["estimate"].to_numpy() * k
    ax.errorbar(est, y, xerr=[est - f["ci_low"].to_numpy() * k, f["ci_high"].to_numpy() * k - est],
                fmt="o", color=BLUE, ecolor=GREY, capsize=3)
    ax.set_yticks(y, labels)
    ax.set_xlabel(xlabel or (text("fig.percent", lang) if percent else ""))
    ax.set_title(title)
    return Figure(name, title, figure_png(fig), caption)


def forest_plot(coef: pd.DataFrame, name: str, title: str, caption: str = "", exp: bool = True,
                lang: str = "en") -> Figure:
    """Coefficients (odds ratios when ``exp``) with CIs; ``coef`` has estimate, ci_low, ci_high by term."""
    style()
    f = coef.iloc[::-1]
    tr = np.exp if exp else (lambda x: x)
    labels = _wrap(f.index)
    fig, ax = plt.subplots(figsize=(6.4, _height(labels, 0.28)))
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
    ax.set_yticks(y, labels)
    ax.set_xlabel(text("fig.odds_ratio" if exp else "fig.coefficient", lang))
    ax.set_title(title)
    return Figure(name, title, figure_png(fig), caption)


def weights_plot(weights: Sequence[float], name: str = "weights", title: str | None = None,
                 caption: str = "", lang: str = "en") -> Figure:
    """Histogram of the final weights (how many persons each respondent represents)."""
    style()
    title = title or text("fig.weights_title", lang)
    fig, ax = plt.subplots(figsize=(6.4, 3))
    ax.hist(np.asarray(weights, float), bins=40, color=BLUE)
    ax.set_xlabel(text("fig.weight", lang))
    ax.set_ylabel(text("fig.respondents", lang))
    ax.set_title(title)
    return Figure(name, title, figure_png(fig), caption)


def margins_plot(frame: pd.DataFrame, name: str = "margins", title: str | None = None,
                 caption: str = "", lang: str = "en") -> Figure:
    """Grouped bars of target, unweighted and weighted shares; index = "margin: level"."""
    style()
    title = title or text("fig.margins_title", lang)
    labels = _wrap(frame.index)
    fig, ax = plt.subplots(figsize=(6.4, _height(labels, 0.3) + 0.3))
    y = np.arange(len(frame))[::-1]
    h = 0.27
    for j, (col, color) in enumerate((("target", "black"), ("unweighted", GREY), ("weighted", BLUE))):
        ax.barh(y + (1 - j) * h, frame[col].to_numpy() * 100, height=h, color=color, label=text(f"fig.{col}", lang))
    ax.set_yticks(y, labels)
    ax.set_xlabel(text("fig.percent", lang))
    ax.legend(loc="lower right", frameon=False)
    ax.set_title(title)
    return Figure(name, title, figure_png(fig), caption)


def heatmap(frame: pd.DataFrame, name: str, title: str, caption: str = "", percent: bool = True,
            lang: str = "en") -> Figure:
    """A table of shares (rows: statements, columns: groups) as a shaded grid with the values written in."""
    style()
    k = 100 if percent else 1
    values = frame.to_numpy(dtype=float) * k
    rows = _wrap(frame.index, 48)
    fig, ax = plt.subplots(figsize=(1.1 * frame.shape[1] + 4.2, _height(rows, 0.3) + 0.2))
    im = ax.imshow(values, cmap="Blues", aspect="auto", vmin=np.nanmin(values), vmax=np.nanmax(values))
    ax.set_xticks(np.arange(frame.shape[1]), _wrap(frame.columns, 16), rotation=30, ha="right")
    ax.set_yticks(np.arange(frame.shape[0]), rows)
    ax.grid(False)
    mid = np.nanmean(values)
    for (i, j), v in np.ndenumerate(values):
        if np.isfinite(v):
            ax.text(j, i, f"{v:.0f}" if percent else f"{v:.2f}", ha="center", va="center", fontsize=8,
                    color="white" if v > mid else "black")
    fig.colorbar(im, ax=ax, fraction=0.03, pad=0.02, label=text("fig.percent", lang) if percent else "")
    ax.set_title(title)
    return Figure(name, title, figure_png(fig), caption)
