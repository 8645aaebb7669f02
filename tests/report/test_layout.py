"""Tables as a statistics office publishes them: labels, percentages, intervals, n, flags and their rule,
the same in the page and in the tables workbook, in Korean and English."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import load_workbook

import careersurvey as cs
from careersurvey.estimation.ciprop import korn_graubard, nchs_flags
from careersurvey.report.results import Table, write_tables


def _shares() -> pd.DataFrame:
    # three groups of a small survey: one well measured, one from 20 answers, one with no one saying yes
    f = pd.DataFrame({"n": [1000, 20, 60], "estimate": [0.4, 0.3, 0.0], "se": [0.015, 0.1, 0.0],
                      "ci_low": [0.37, 0.13, 0.0], "ci_high": [0.43, 0.53, 0.0], "deff": [1.2, 1.05, np.nan]},
                     index=pd.Index(["Seoul", "Busan", "Jeju"], name="region_name"))
    f.attrs.update(statistic="proportion", interval="logit")
    return f


def _cells(html: str) -> list[list[str]]:
    return [re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", r) for r in re.findall(r"<tr>(.*?)</tr>", html, re.S)]


def test_shares_are_percentages_with_ci_n_and_labelled_columns() -> None:
    html = Table("region", "Share by region", _shares()).html()
    rows = _cells(html)
    assert html.count("<thead><tr>") == 1 and html.count("</tr></thead>") == 1  # one header row, no index row
    assert rows[0] == ["", "n (unweighted)", "%", "SE (% points)", "95% CI", "Design effect"]
    assert rows[1] == ["Seoul", "1,000", "40.0", "1.5", "37.0–43.0", "1.20"]
    assert not re.search(r"ci_low|ci_high|region_name|deff|>se<|>n<", html)


def test_shares_are_flagged_by_the_nchs_rule_on_the_korn_graubard_interval() -> None:
    f = _shares()
    html = Table("region", "Share by region", f).html()
    rows = _cells(html)
    marks = [re.findall(r'<sup class="flag">(.*?)</sup>', "".join(r)) for r in
             re.findall(r"<tr>(.*?)</tr>", html, re.S)[1:]]
    # the rule computed here from the estimation package's interval and standards
    n = f["n"].to_numpy(float)
    lo, hi = korn_graubard(f["estimate"].to_numpy(), f["se"].to_numpy() ** 2, n, n - 1)
    lo, hi = np.where(f["estimate"] <= 0, 0, lo), np.where(f["estimate"] >= 1, 1, hi)
    expected = []
    for j in range(3):
        fl = nchs_flags(f["estimate"].to_numpy()[j:j + 1], f["se"].to_numpy()[j:j + 1] ** 2,
                        (lo[j:j + 1], hi[j:j + 1]), n[j:j + 1], n[j] - 1)
        expected.append(("*" if fl["suppress"][0] else "") + ("†" if fl["review"][0] else ""))
    assert [m[0] if m else "" for m in marks] == expected == ["", "*", "†"]
    assert "Korn-Graubard" in html and "effective n below 30" in html and "0% or 100%" in html
    assert rows[2][2] == '30.0<sup class="flag">*</sup>'  # the mark sits on the estimate


def test_other_estimates_are_flagged_by_relative_se_and_effective_n() -> None:
    f = pd.DataFrame({"n": [500, 500, 40], "estimate": [3.2, 0.5, 2.0], "se": [0.1, 0.2, 0.1],
                      "deff": [1.5, 1.5, 2.0]}, index=["a", "b", "c"])
    html = Table("m", "Means", f).html()
    body = re.findall(r"<tr>(.*?)</tr>", html, re.S)[1:]
    flagged = ['<sup class="flag">*</sup>' in r for r in body]
    assert flagged == [False, True, True]  # RSE 40%; effective n 40 / 2 = 20
    assert "relative standard error above 30%" in html and "Estimate" in html and "%" not in _cells(html)[0]


def test_korean_headings_and_footnotes() -> None:
    html = Table("region", "지역별 비율", _shares()).html("ko")
    assert _cells(html)[0] == ["", "응답자 수(가중 전)", "%", "표준오차(%p)", "95% 신뢰구간", "설계효과"]
    assert "NCHS 비율 발표 기준" in html and "n (unweighted)" not in html


def test_labels_stub_p_values_and_text_alignment() -> None:
    f = pd.DataFrame({"estimate": [0.5, -0.2], "odds_ratio": [1.65, 0.82], "note": ["a", "b"],
                      "p_value": [0.0001, 0.2]}, index=pd.Index(["x", "y"], name="term_raw"))
    html = Table("m", "Model", f, labels={"note": "Remark"}, stub="Term").html()
    assert _cells(html)[0] == ["Term", "Estimate", "Odds ratio", "Remark", "p"]
    assert '<td class="text">a</td>' in html and '<td class="num">&lt;0.001</td>' in html
    assert '<td class="num">0.200</td>' in html and "flag" not in html  # models are not flagged


def test_row_numbers_have_no_thousands_separator() -> None:
    f = pd.DataFrame({"row": [1059, 12], "rule": ["not_a_choice", "out_of_range"]}, index=["a.xlsx", "b.csv"])
    assert _cells(Table("p", "Problems", f).html())[1] == ["a.xlsx", "1059", "not_a_choice"]


def test_response_rates_are_percentages() -> None:
    f = pd.DataFrame({"invited": [190, 400], "responded": [90, 100], "response rate": [90 / 190, 0.25]},
                     index=pd.Index(["abroad", "all"], name="sector"))
    rows = _cells(Table("fw", "Fieldwork", f).html())
    assert rows[0] == ["Sector", "Invited", "Responded", "Response rate (%)"]
    assert rows[1] == ["abroad", "190", "90", "47.4"]


def test_workbook_mirrors_the_page(tmp_path: Path) -> None:
    tables = [Table("region", "Share by region", _shares(), caption="Weighted."),
              Table("x/y", "Text", pd.DataFrame({"answer": ["=1+1", "ok"]}))]
    path = write_tables(tables, tmp_path / "t.xlsx", sections=["Regions", "Other"])
    wb = load_workbook(path)
    assert wb.sheetnames == ["Contents", "region", "x_y"]
    c = wb["Contents"]
    assert [c.cell(1, j).value for j in (1, 2, 3)] == ["Sheet", "Section", "Table"]
    assert [c.cell(2, j).value for j in (1, 2, 3)] == ["region", "Regions", "Share by region"]
    assert c.cell(2, 1).hyperlink.location == "'region'!A1"
    ws = wb["region"]
    assert ws["A1"].value == "Share by region" and ws["A2"].value == "Weighted."
    head = [ws.cell(4, j).value for j in range(1, 9)]
    assert head == ["", "n (unweighted)", "%", "SE (% points)", "95% CI lower", "95% CI upper", "Design effect",
                    "Note"] or head[0] is None and head[1:] == ["n (unweighted)", "%", "SE (% points)",
                                                                 "95% CI lower", "95% CI upper", "Design effect",
                                                                 "Note"]
    assert [ws.cell(5, j).value for j in range(1, 8)] == ["Seoul", 1000, 40.0, 1.5, 37.0, 43.0, 1.2]
    assert ws.cell(5, 3).number_format == "#,##0.0" and ws.cell(5, 2).number_format == "#,##0"
    assert ws.cell(5, 7).number_format == "#,##0.00"
    assert [ws.cell(r, 8).value for r in (5, 6, 7)] == [None, "*", "†"]
    notes = [ws.cell(r, 1).value for r in range(8, 12)]
    assert any("Korn-Graubard" in (n or "") for n in notes)
    assert wb["x_y"]["A5"].value == "=1+1" and wb["x_y"]["A5"].data_type == "s"


def test_workbook_in_korean(tmp_path: Path) -> None:
    wb = load_workbook(write_tables([Table("region", "지역별 비율", _shares())], tmp_path / "k.xlsx", lang="ko"))
    assert wb.sheetnames == ["목차", "region"]
    assert wb["region"].cell(4, 3).value == "%" and wb["region"].cell(4, 2).value == "응답자 수(가중 전)"


def test_a_proportion_frame_from_the_estimator_is_shown_as_percent() -> None:
    # a second questionnaire's data: 0/1 answers with missing codes declared on the design
    data = pd.DataFrame({"yes": [1, 0, 1, 1, -8, 0, 1, 0] * 10, "g": list("abababab") * 10, "w": [1.0] * 80})
    data["yes"] = data["yes"].mask(data["yes"] < 0)  # as cs.load_responses hands them over
    d = cs.SurveyDesign(data, weights="w", missing_codes=(-6, -7, -8, -9))
    est = d.mean("yes", by="g", na_rm=True, ci="logit")
    html = Table("y", "Yes by group", est).html()
    assert _cells(html)[0][1] == "%"
    wald = d.mean("yes", by="g", na_rm=True)
    assert _cells(Table("y", "Yes by group", wald).html())[0][1] == "Estimate"
    assert _cells(Table("y", "Yes by group", wald, percent=True).html())[0][1] == "%"


def test_the_estimators_own_nchs_flags_are_used_and_not_shown() -> None:
    # ciprop(method="beta", nchs=True) on a small survey of a second questionnaire: 0/1 answers by group
    rng = np.random.default_rng(3)
    data = pd.DataFrame({"yes": (rng.random(300) < 0.2).astype(float), "g": rng.choice(["a", "b", "c"], 300,
                                                                                          p=[.8, .15, .05]),
                         "psu": np.repeat(np.arange(30), 10), "w": rng.uniform(1, 3, 300)})
    est = cs.SurveyDesign(data, weights="w", psu="psu").ciprop("yes", by="g", method="beta", nchs=True)
    html = Table("y", "Yes by group", est).html()
    heads = _cells(html)[0]
    assert heads == ["", "%", "SE (% points)", "95% CI", "Design effect", "CV", "n (unweighted)"]
    body = re.findall(r"<tr>(.*?)</tr>", html, re.S)[1:]
    marks = ["".join(re.findall(r'<sup class="flag">(.*?)</sup>', r)) for r in body]
    expected = [("*" if s else "") + ("†" if r else "") for s, r in zip(est["suppress"], est["review"])]
    assert marks == expected and "*" in expected  # group c: about 15 answers


def test_a_population_n_is_not_headed_as_the_unweighted_n() -> None:
    """A column N (persons in the stratum, e.g. the planning table) is the population count, never "n (unweighted)"."""
    from careersurvey.report.layout import _label

    table = Table("planning", "Planning", pd.DataFrame({"n": [10], "N": [200]}))
    assert _label("n", table, "en", False) == "n (unweighted)"
    assert _label("N", table, "en", False) == "N (population)" and _label("N", table, "ko", False) == "모집단 크기(N)"
