"""Paper form: numbered questions, boxes, grids as tables, routing in words, modules, consent; rendered."""

from __future__ import annotations

import shutil
import subprocess

import lxml.html
import pytest

from careersurvey.forms.common import FormError
from careersurvey.forms.paper import build_paper, export_paper, render_paper_html


@pytest.fixture(scope="module")
def page_ko(mini):
    return lxml.html.fromstring(render_paper_html(mini, "ko"))


def css(el, selector):
    """Elements under ``el`` matching ``tag.class`` / ``.class`` / ``tag.class .class`` (no cssselect needed)."""
    path = "."
    for part in selector.split():
        tag, _, cls = part.partition(".")
        cond = f"[contains(concat(' ', normalize-space(@class), ' '), ' {cls} ')]" if cls else ""
        path += f"//{tag or '*'}{cond}"
    return el.xpath(path)


def _text(el):
    return " ".join(el.text_content().split())


def test_numbered_questions_and_modules(page_ko, mini):
    headings = [_text(h) for h in css(page_ko, "h2.module")]
    assert headings == ["1. 참여 동의", "2. 현재 일", "3. 실패에 대한 생각"]
    numbers = [_text(n) for n in css(page_ko, ".qnum")]
    assert numbers == [f"Q{k}." for k in range(1, 10)]
    for item in mini.items:  # every variable is on paper
        assert page_ko.get_element_by_id(f"q-{item.name}") is not None


def test_consent_text_comes_first(page_ko):
    note = page_ko.get_element_by_id("n-consent_text")
    assert "통계 목적으로만 사용됩니다" in _text(note)
    body = lxml.html.tostring(page_ko, encoding="unicode")
    assert body.index("n-consent_text") < body.index("q-consent")


def test_routing_in_words(page_ko):
    routing = {q.get("id"): _text(css(q, ".routing")[0]) for q in css(page_ko, ".q") if css(q, ".routing")}
    assert routing["q-role"] == "Q1에서 '예'를 선택한 경우에만 응답하십시오."
    assert routing["q-fof"] == "Q3에서 '고용 안정'을 선택한 경우에만 응답하십시오."
    assert routing["q-start"].startswith("Q4")
    assert "q-consent" not in routing and "q-comment" not in routing


def test_boxes_grids_and_missing_options(page_ko):
    role = page_ko.get_element_by_id("q-role")
    assert len(css(role, ".box")) == 5
    assert "=SUM(A1) 대학 교원" in _text(role)  # formula-like text printed as is (escaped HTML)
    motives = page_ko.get_element_by_id("q-motives")
    assert "해당하는 것을 모두 고르십시오." in _text(motives)
    assert [_text(li) for li in css(motives, "li.missing")] == ["-7 응답하고 싶지 않음"]
    grid = page_ko.get_element_by_id("q-fof")
    table = css(grid, "table.grid")[0]
    assert [_text(th) for th in css(table, "th.row")] == ["Q8-1. 실패하면 부끄럽다", "Q8-2. 실패해도 담담하다", "Q8-3. 실패할까 걱정된다"]
    assert len(css(table, "tbody td .box")) == 3 * 6  # 5 points + prefer not to answer
    hours = page_ko.get_element_by_id("q-hours")
    assert len(css(hours, ".digit")) == 3 and "0~100 사이의 숫자" in _text(hours) and "시간" in _text(hours)
    start = page_ko.get_element_by_id("q-start")
    assert len(css(start, ".digit")) == 8 and "년" in _text(start)
    assert len(css(page_ko.get_element_by_id("q-sat"), "table.scale .box")) == 6


def test_languages(mini):
    en = lxml.html.fromstring(render_paper_html(mini, "en"))
    assert _text(css(en.get_element_by_id("q-role"), ".routing")[0]) == "Answer only if Q1 is 'Yes'."
    assert "실패" not in _text(en)
    both = lxml.html.fromstring(render_paper_html(mini, "both"))
    qtext = _text(css(both.get_element_by_id("q-consent"), ".qtext")[0])
    assert qtext == "Q1. 조사 참여에 동의하십니까? Do you agree to take part?"
    form = build_paper(mini, "both")
    assert form.langs == ("ko", "en") and [s.id for s in form.sections] == ["m1_consent", "m2_work", "m3_failure"]


def test_html_escapes_text(mini):
    import dataclasses

    m = mini.modules[0]
    note = dataclasses.replace(m.elements[0], label={"ko": "<script>alert(1)</script>", "en": "x"})
    q = dataclasses.replace(mini, modules=(dataclasses.replace(m, elements=(note,) + m.elements[1:]),) + mini.modules[1:])
    html = render_paper_html(q, "ko")
    assert "<script>alert" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_export_formats(mini, tmp_path):
    assert export_paper(mini, tmp_path / "p.html", "ko").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    with pytest.raises(FormError, match=r"p\.docx: a paper form is written as \.html or \.pdf"):
        export_paper(mini, tmp_path / "p.docx", "ko")


def test_pdf(mini, tmp_path):
    pytest.importorskip("weasyprint", reason="WeasyPrint not installed: PDF output unavailable")
    path = export_paper(mini, tmp_path / "p.pdf", "both")
    assert path.read_bytes().startswith(b"%PDF")
    from weasyprint import HTML

    assert len(HTML(string=render_paper_html(mini, "both")).render().pages) >= 2


def test_pdf_without_weasyprint_names_the_extra(mini, tmp_path, monkeypatch):
    """WeasyPrint is the optional ``pdf`` extra: without it a PDF asks for that extra, and HTML still works."""
    import builtins

    real_import = builtins.__import__

    def no_weasyprint(name, *args, **kwargs):
        if name == "weasyprint" or name.startswith("weasyprint."):
            raise ImportError("No module named 'weasyprint'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_weasyprint)
    path = tmp_path / "p.pdf"
    with pytest.raises(FormError) as exc:
        export_paper(mini, path, "ko")
    assert str(exc.value) == (
        f"{path}: PDF output needs WeasyPrint and the Pango library (No module named 'weasyprint'); run "
        '`pip install "careersurvey[pdf]"` (and `apt-get install libpango-1.0-0 fonts-nanum`), or export .html and '
        "print it from a browser")
    assert not path.exists()
    assert export_paper(mini, tmp_path / "p.html", "ko").is_file()


@pytest.mark.needs_chromium
@pytest.mark.skipif(shutil.which("chromium") is None, reason="chromium not installed (apt-get install -y chromium)")
def test_renders_in_headless_chromium(mini, tmp_path):
    html = export_paper(mini, tmp_path / "paper.html", "ko")
    png = tmp_path / "paper.png"
    subprocess.run(
        ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={tmp_path / 'profile'}",
         "--hide-scrollbars", "--window-size=1240,3000", f"--screenshot={png}", html.as_uri()],
        check=True, capture_output=True, timeout=90,
    )
    data = png.read_bytes()
    assert data.startswith(b"\x89PNG") and len(data) > 30_000
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")  # IHDR
    assert (width, height) == (1240, 3000)
