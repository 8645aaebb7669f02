"""Pages looked at, not assumed: headless Chromium screenshots and the fonts a page's CSS names against the
characters it shows (tests/report/test_looked_at.py, tests/designfile/test_report_lang.py)."""

from __future__ import annotations

import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest

from careersurvey.report import plots

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FC_MATCH = shutil.which("fc-match")
needs_fc = pytest.mark.skipif(FC_MATCH is None, reason="fontconfig not installed (apt-get install fontconfig)")


def needs_chromium(test):
    """Mark a test that takes screenshots (skipped without Chromium)."""
    return pytest.mark.needs_chromium(
        pytest.mark.skipif(CHROMIUM is None, reason="Chromium not installed (apt-get install chromium)")(test))


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


def rendered(img: np.ndarray) -> None:
    """The screenshot is a page: large enough and not blank."""
    assert img.shape[0] >= 600 and img.shape[1] >= 800
    assert len(np.unique((img * 255).astype(np.uint8).reshape(-1, 3), axis=0)) > 50  # not blank
