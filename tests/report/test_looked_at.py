"""The report, the paper form and the codebook looked at, not assumed: headless Chromium screenshots in Korean
and English (the page renders, its figures show), every character of the page covered by a font its CSS names
(fontTools against the fonts' cmaps, the fonts found by fontconfig as the browser finds them), and a printed
PDF (weasyprint) that never splits a table row across two pages."""

from __future__ import annotations

import base64
import io
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pages import needs_chromium, needs_fc, rendered, screenshot, uncovered

from careersurvey.report import plots
from careersurvey.report.html import Section, render_html
from careersurvey.report.results import Table

WORDS = {
    "en": {"title": "Alumni survey: report", "sec": "Careers after graduating", "by": "Employed, by field",
           "fields": ["Engineering", "Natural sciences", "Medicine and health"], "fig": "Employed by field"},
    "ko": {"title": "동문 조사 보고서", "sec": "졸업 후 진로", "by": "전공 계열별 취업 비율",
           "fields": ["공학", "자연과학", "의약학"], "fig": "전공 계열별 취업"},
}


def _page(lang: str, rows: int = 3) -> str:
    w = WORDS[lang]
    fields = (w["fields"] * (rows // 3 + 1))[:rows]
    est = pd.DataFrame({"n": np.arange(rows) * 7 + 40, "estimate": np.linspace(0.3, 0.7, rows),
                        "se": np.full(rows, 0.04), "ci_low": np.linspace(0.22, 0.62, rows),
                        "ci_high": np.linspace(0.38, 0.78, rows), "deff": np.full(rows, 1.4)},
                       index=[f"{f} {i + 1}" if rows > 3 else f for i, f in enumerate(fields)])
    fig = plots.estimate_plot(est.iloc[:3], "employed", w["fig"], lang=lang)
    table = Table("employed", w["by"], est, percent=True)
    section = Section("careers", w["sec"], figures=(fig,), tables=(table,), findings=(w["by"],))
    return render_html([section], title=w["title"], questionnaire="alumni@1.0.0", lang=lang,
                       generated="2026-12-03 12:00 UTC")


@needs_fc
@pytest.mark.parametrize("lang", ["en", "ko"])
def test_every_character_of_the_report_has_a_glyph(lang) -> None:
    html = _page(lang)
    assert uncovered(html) == ""
    # the check can fail: a page whose CSS names only DejaVu Sans has no Hangul
    dejavu = re.sub(r"font-family:[^;]+;", 'font-family: "DejaVu Sans", serif;', html)
    assert (uncovered(dejavu) != "") == (lang == "ko")


@needs_chromium
@pytest.mark.parametrize("lang", ["en", "ko"])
def test_report_renders_in_chromium_with_its_figures(tmp_path: Path, lang) -> None:
    html = _page(lang)
    page = tmp_path / f"report-{lang}.html"
    page.write_text(html, encoding="utf-8")
    shot = screenshot(page, tmp_path / f"report-{lang}.png")
    rendered(shot)
    assert shot[20, 20].mean() < 0.5  # the dark header band
    # each figure is a PNG that decodes, and Chromium draws it: the page without it looks different there
    from PIL import Image

    uris = re.findall(r'src="data:image/png;base64,([^"]+)"', html)
    assert len(uris) == 1 and Image.open(io.BytesIO(base64.b64decode(uris[0]))).size[0] > 300
    blank = tmp_path / f"nofig-{lang}.html"
    blank.write_text(re.sub(r'src="data:image/png;base64,[^"]+"', 'src=""', html), encoding="utf-8")
    without = screenshot(blank, tmp_path / f"nofig-{lang}.png")
    changed = np.abs(shot - without).sum(axis=2) > 0.1
    assert changed.sum() > 20_000  # the figure's pixels


@needs_chromium
@needs_fc
@pytest.mark.parametrize("kind", ["paper", "codebook"])
def test_paper_form_and_codebook_render_with_every_glyph(tmp_path: Path, kind) -> None:
    import careersurvey as cs

    q = cs.load_questionnaire(Path(__file__).parents[1] / "questionnaire" / "data" / "mini-1.0.0.yaml")
    page = (cs.export_paper if kind == "paper" else cs.export_codebook)(q, tmp_path / f"{kind}.html")
    html = page.read_text(encoding="utf-8")
    assert re.search(r"[\uac00-\ud7a3]", html), "the page holds Korean text"
    assert uncovered(html) == ""
    rendered(screenshot(page, tmp_path / f"{kind}.png"))


def test_printed_report_never_splits_a_table_row(tmp_path: Path) -> None:
    weasyprint = pytest.importorskip("weasyprint")
    html = _page("ko", rows=90)
    # long row labels wrap onto several lines: a row could break between them
    html = re.sub(r'<th scope="row">([^<]+)</th>',
                  lambda m: f'<th scope="row">{m.group(1)} — {"긴 설명이 붙은 범주 이름 " * 4}</th>', html)
    doc = weasyprint.HTML(string=html, base_url=str(tmp_path)).render()
    assert len(doc.pages) >= 3

    def rows(box, in_body=False):
        for child in getattr(box, "children", []):
            body = in_body or (type(child).__name__ == "TableRowGroupBox" and child.element_tag == "tbody")
            if body and type(child).__name__ == "TableRowBox":
                yield child.element
            else:
                yield from rows(child, body)

    pages = [list(rows(p._page_box)) for p in doc.pages]
    seen: dict[int, int] = {}
    for number, elements in enumerate(pages):
        for e in elements:
            assert id(e) not in seen, f"a table row is split over pages {seen[id(e)] + 1} and {number + 1}"
            seen[id(e)] = number
    assert len(seen) == 90 and sum(bool(p) for p in pages) >= 2  # every row printed, over several pages
