"""Figures speak the report's language, keep long labels whole and render Hangul with a real font."""

from __future__ import annotations

import warnings

import matplotlib
import pandas as pd
import pytest
from matplotlib import font_manager

from careersurvey.report import plots
from careersurvey.report.i18n import STRINGS

FONT = plots.hangul_font()
needs_font = pytest.mark.skipif(FONT is None, reason="no Hangul font installed (apt-get install fonts-nanum)")


def _frame(labels) -> pd.DataFrame:
    n = len(labels)
    return pd.DataFrame({"estimate": [0.3] * n, "ci_low": [0.2] * n, "ci_high": [0.4] * n}, index=labels)


def _captured(monkeypatch) -> list:
    figs = []
    real = plots.figure_png

    def keep(fig, dpi=110):
        figs.append((fig.axes[0].get_xlabel(), [t.get_text() for t in fig.axes[0].get_yticklabels()]))
        return real(fig, dpi)

    monkeypatch.setattr(plots, "figure_png", keep)
    return figs


@needs_font
def test_a_hangul_font_is_found_and_covers_every_korean_string() -> None:
    family, path = FONT
    assert family.startswith(("Nanum", "Noto", "UnDotum"))
    korean = "".join(v["ko"] for v in STRINGS.values()) + "대학 출연연 기업 성실실패 응답자"
    assert plots.missing_glyphs(korean, path) == ""
    # the check can fail: DejaVu Sans has no Hangul
    dejavu = font_manager.findfont("DejaVu Sans", fallback_to_default=False)
    assert plots.missing_glyphs("대학", dejavu) == "대학"


@needs_font
def test_korean_figures_render_every_glyph(monkeypatch) -> None:
    figs = _captured(monkeypatch)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # matplotlib warns "Glyph ... missing from font(s)" for each empty box
        plots.estimate_plot(_frame(["대학", "정부출연연구기관", "대기업"]), "x", "부문별 비율", lang="ko")
        plots.forest_plot(_frame(["실패 낙인(1-5)"]), "f", "오즈비", lang="ko")
        plots.weights_plot([1.0, 2.0, 3.0], lang="ko")
    assert [f[0] for f in figs] == ["백분율(%)", "오즈비(로그 척도)", "가중치(대표하는 인원)"]
    assert matplotlib.rcParams["font.family"][0] == FONT[0]


def test_long_labels_are_wrapped_not_cut(monkeypatch) -> None:
    figs = _captured(monkeypatch)
    long = "There is pressure to work on topics that pay off quickly rather than on important questions"
    plots.estimate_plot(_frame([long, "short"]), "x", "Agree")
    ticks = figs[0][1]
    assert "…" not in "".join(ticks) and " ".join(ticks[1].split()) == long and ticks[1].count("\n") >= 1
    assert figs[0][0] == "percent"


def test_without_a_hangul_font_the_figures_warn_naming_the_package(monkeypatch) -> None:
    monkeypatch.setattr(plots, "hangul_font", lambda: None)
    monkeypatch.setattr(plots, "_STYLED", False)
    with pytest.warns(RuntimeWarning, match=r"no Hangul font found .*apt-get install fonts-nanum"):
        plots.style()
    assert matplotlib.rcParams["font.family"] == ["DejaVu Sans"]
    monkeypatch.undo()  # the real font again for the figures of later tests
    plots._STYLED = False
    plots.style()
