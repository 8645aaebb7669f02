"""The report, the paper form and the codebook looked at, not assumed: headless Chromium screenshots in Korean
and English (the page renders, its figures show), every character of the page covered by a font its CSS names
(fontTools against the fonts' cmaps, the fonts found by fontconfig as the browser finds them), and a printed
PDF (weasyprint) that never splits a table row across two pages."""

from __future__ import annotations

import base64
import io
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from careersurvey.report import plots
from careersurvey.report.html import Section, render_html
from careersurvey.report.results import Table

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FC_MATCH = shutil.which("fc-match")
def needs_chromium(test):
    return pytest.mark.needs_chromium(
        pytest.mark.skipif(CHROMIUM is None, reason="Chromium not installed (apt-get install chromium)")(test))



needs_fc = pytest.mark.skipif(FC_MATCH is None, reason="fontconfig not installed (apt-get install fontconfig)")

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


class _Text(HTMLParser):
    """The characters a page shows (text outside <style> and <script>) and its font-family lists."""

    def __init__(self) -> None:
        super().__init__()
        self.chars: set[str] = set()
        self.families: list[list[str]] = []
        self._skip = False
        self._style = False

    def handle_starttag(self, tag, attrs):
        self._skip = tag in ("style", "script")
        self._style = tag == "style"

    def handle_endtag(self, tag):
        self._skip = self._style = False

    def handle_data(self, data):
        if self._style:
            for m in re.finditer(r"font-family:\s*([^;}]+)", data):
                self.families.append([f.strip().strip('"\'') for f in m.group(1).split(",")])
        elif not self._skip:
            self.chars |= {c for c in data if not c.isspace()}


def _installed(family: str) -> str | None:
    """The font file fontconfig gives for ``family`` when that family is installed (not a fallback); for a
    generic family (sans-serif) the font the system maps it to."""
    out = subprocess.run([FC_MATCH, "-f", "%{family}\n%{file}", family], capture_output=True, text=True,
                         check=True).stdout.split("\n")
    names = {n.strip().lower().replace(" ", "") for n in out[0].split(",")}
    generic = family in ("sans-serif", "serif", "monospace")
    return out[1] if generic or family.lower().replace(" ", "") in names else None


def uncovered(html: str) -> str:
    """The characters of the page that no installed font of its CSS font-family lists has a glyph for."""
    page = _Text()
    page.feed(html)
    files = {f for fams in page.families for fam in fams for f in [_installed(fam)] if f}
    assert files, "none of the page's fonts is installed"
    missing = "".join(sorted(page.chars))
    for f in files:
        missing = plots.missing_glyphs(missing, f)
    return missing


def screenshot(page: Path, out: Path, height: int = 1400) -> np.ndarray:
    """A headless Chromium screenshot of a local page (fresh profile, no network) as an RGB array."""
    from matplotlib.image import imread

    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
           "--disable-component-update", "--disable-sync", "--no-first-run",
           f"--user-data-dir={out.parent / ('profile-' + out.stem)}", "--hide-scrollbars",
           f"--window-size=1200,{height}", f"--screenshot={out}", page.as_uri()]
    subprocess.run(cmd, check=True, capture_output=True, timeout=120)
    assert out.exists(), f"Chromium wrote no screenshot of {page}"
    return imread(out)[..., :3]


def _rendered(img: np.ndarray) -> None:
    assert img.shape[0] >= 600 and img.shape[1] >= 800
    assert len(np.unique((img * 255).astype(np.uint8).reshape(-1, 3), axis=0)) > 50  # not blank


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
    _rendered(shot)
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
    _rendered(screenshot(page, tmp_path / f"{kind}.png"))


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
