"""The HTML report is self-contained and escapes text (test_looked_at.py renders it in Chromium)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from careersurvey.report.plots import style  # noqa: E402
import pandas as pd  # noqa: E402
from openpyxl import load_workbook  # noqa: E402

from careersurvey.report.html import Section, render_html, section_from_result  # noqa: E402
from careersurvey.report.results import AnalysisResult, Figure, Table, figure_png, write_tables  # noqa: E402

def _result() -> AnalysisResult:
    style()  # Hangul labels need the Nanum font where the system has one
    fig, ax = plt.subplots(figsize=(5, 3))
    ax.bar(["대학", "출연연", "기업"], [0.31, 0.42, 0.22], color="#2a6f97")
    ax.set_title("Intend to leave Korea")
    tab = pd.DataFrame({"estimate": [0.31, 0.42], "se": [0.02, 0.03]}, index=["university", "<script>x</script>"])
    return AnalysisResult(
        key="RQ2", title="Who intends to leave", question="Who intends to leave Korea?",
        tables=(Table("by_sector", "Intent by sector", tab, caption="weighted"),),
        figures=(Figure("bars", "Intent by sector", figure_png(fig), "95% CIs"),),
        findings=("Failure stigma raises intent to leave & <b>not bold</b>",), methods="Design-based logit.",
    )


def test_report_is_self_contained_and_escaped(tmp_path: Path) -> None:
    res = _result()
    html = render_html([Section("intro", "Overview", kpis=(("respondents", "1,234"),)), section_from_result(res)],
                       title="Test report", questionnaire="stem-careers@1.0.0", generated="2026-11-23")
    assert "data:image/png;base64," in html
    assert "<script>x</script>" not in html and "&lt;script&gt;" in html
    assert "&lt;b&gt;not bold&lt;/b&gt;" in html
    assert "http://" not in html and "https://" not in html  # nothing fetched from outside
    assert 'id="rq2"' in html and "1,234" in html


def test_tables_workbook_has_one_sheet_per_table_and_no_formulas(tmp_path: Path) -> None:
    t1 = Table("a/b:c", "First", pd.DataFrame({"x": ["=1+1", "ok"]}))
    t2 = Table("a/b:c", "Second", pd.DataFrame({"y": [1.5, 2.5]}))
    path = write_tables([t1, t2], tmp_path / "t.xlsx")
    wb = load_workbook(path)
    assert wb.sheetnames == ["Contents", "a_b_c", "a_b_c_2"]
    assert wb["a_b_c"]["A1"].value == "First"
    assert wb["a_b_c"]["A5"].value == "=1+1" and wb["a_b_c"]["A5"].data_type == "s"
    paths = _result().write(tmp_path / "out")
    assert sorted(p.name for p in paths) == ["RQ2.xlsx", "RQ2_bars.png"]


def test_text_columns_are_left_aligned_and_p_values_readable() -> None:
    t = Table("m", "Model", pd.DataFrame({"estimate": [0.5, -0.2], "note": ["a", "b"], "p_value": [0.0001, 0.2]},
                                         index=["x", "y"]))
    html = t.html()
    assert '<td class="text">a</td>' in html and '<td class="num">-0.200</td>' in html
    assert '<td class="num">&lt;0.001</td>' in html and '<td class="num">0.200</td>' in html
    assert html.count('id="t-m-') == 1
