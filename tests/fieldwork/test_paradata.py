"""Quality flags: speeding from an online export's start and end (a KoboToolbox CSV as its exporter writes it,
times with milliseconds and the +09:00 offset), straight-lining and duplicate answers across ids from a store
of a questionnaire written here; each flag checked against a count made by hand."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from careersurvey.fieldwork import FieldworkError
from careersurvey.fieldwork.paradata import duplicate_content, export_durations, quality_flags, speeding
from careersurvey.questionnaire.model import Choice, ChoiceList, Grid, Item, Module, Questionnaire
from careersurvey.responses.importer import import_responses
import careersurvey as cs
from responses.conftest import write_template

HEADER = ('"start";"end";"respondent_id";"consent";"role";"age";"pay";"_id";"_uuid";"_submission_time";'
          '"__version__";"_index"\n')


def kobo_row(i: int, start: str, end: str) -> str:
    return (f'"{start}";"{end}";"{i:04d}";"1";"2";"34";"5200";"{1000 + i}";"5f0c6d2e-0000-4000-8000-{i:012d}";'
            f'"{end[:19]}";"vKoboA";"{i}"\n')


@pytest.fixture
def export(tmp_path):
    """Ten submissions of 20-29 minutes, one of 6 (speeding: under 40% of the median 24.5), one of 11 (not),
    one ending before it started and one without an end."""
    rows = [kobo_row(i, f"2026-10-11T09:{i:02d}:00.000+09:00", f"2026-10-11T09:{i + 20 + i % 10:02d}:30.512+09:00")
            for i in range(1, 11)]
    rows += [kobo_row(11, "2026-10-12T21:00:05.100+09:00", "2026-10-12T21:06:05.100+09:00"),
             kobo_row(12, "2026-10-12T22:00:00.000+09:00", "2026-10-12T22:11:00.000+09:00"),
             kobo_row(13, "2026-10-13T10:30:00.000+09:00", "2026-10-13T10:10:00.000+09:00"),
             kobo_row(14, "2026-10-13T11:00:00.000+09:00", "")]
    path = tmp_path / "kobo_export.csv"
    path.write_text(HEADER + "".join(rows), encoding="utf-8-sig")
    return path


def test_durations_from_a_kobo_export(export):
    d = export_durations(export)
    assert d["respondent_id"].tolist() == [f"{i:04d}" for i in range(1, 15)]
    assert d.loc[0, "minutes"] == pytest.approx(20 + 1 + 30.512 / 60)  # 09:01:00 -> 09:22:30.512
    assert d.loc[10, "minutes"] == pytest.approx(6.0) and d.loc[12, "minutes"] == pytest.approx(-20)
    assert pd.isna(d.loc[13, "minutes"]) and d["row"].tolist() == list(range(2, 16))


def test_speeding_under_a_share_of_the_median(export):
    d = export_durations(export)
    flags = speeding(d, source=str(export))
    usable = d["minutes"][d["minutes"] >= 0]
    median = usable.median()  # by hand: 10 durations of 21.5 ... 30.5 (median 26.0), 6 and 11
    assert median == pytest.approx(sorted(usable)[5] / 2 + sorted(usable)[6] / 2)
    fast = flags[flags["flag"] == "speeding"]
    assert fast["respondent_id"].tolist() == ["0011"]
    assert fast["detail"].iloc[0] == f"6.0 minutes, {6 / median:.0%} of the median {median:.1f} (row 12 in kobo_export.csv)"
    bad = flags[flags["flag"] == "bad_timestamps"]
    assert bad["respondent_id"].tolist() == ["0013", "0014"]
    assert bad["detail"].tolist() == [
        "start '2026-10-13T10:30:00.000+09:00', end '2026-10-13T10:10:00.000+09:00' (row 14 in kobo_export.csv): "
        "no usable duration",
        "start '2026-10-13T11:00:00.000+09:00', end (empty) (row 15 in kobo_export.csv): no usable duration"]
    assert speeding(d, ratio=0.5)["respondent_id"].tolist() == ["0013", "0014", "0011", "0012"]
    with pytest.raises(FieldworkError, match="ratio = 1.5: speeding is a share of the median duration"):
        speeding(d, ratio=1.5)


def test_an_export_without_timing_is_named(tmp_path):
    path = tmp_path / "no_times.csv"
    path.write_text(HEADER.replace('"start";"end";', "") + kobo_row(1, "x", "2026-10-11T09:00:00")
                    .split(";", 2)[2], encoding="utf-8")
    with pytest.raises(FieldworkError, match=r"no_times.csv: no 'start' or 'end' column: the export carries no form "
                                             "timing; turn on the start and end metadata"):
        export_durations(path)


def lines() -> Questionnaire:
    agree = ChoiceList("agree5", tuple(Choice(c, {"en": f"Agree {c}"}) for c in range(1, 6)))
    rows = tuple(Item(f"climate_{k}", "rating", {"en": f"Row {k}"}, "m", choices=agree, missing=(-7,),
                      grid="climate") for k in range(1, 7))
    age = Item("age", "integer", {"en": "Age"}, "m")
    return Questionnaire(id="lines", version="1.0.0", languages=("en",), title={"en": "Lines"},
                         modules=(Module("m", {"en": "Module"}, (Grid("climate", {"en": "Climate"}, rows, "m",
                                                                       choices=agree), age)),),
                         scales={}, choice_lists={"agree5": agree},
                         missing_labels={-7: {"en": "Prefer not to answer"}, -9: {"en": "Not applicable"}})


def test_straight_lining_and_duplicate_content_from_a_store(tmp_path, export):
    q = lines()
    rows = [["a1", 4, 4, 4, 4, 4, 4, 30],      # straight-lined
            ["a2", 4, 4, 2, 4, 4, 4, 41],
            ["a3", 4, 4, 2, 4, 4, 4, 41],      # a copy of a2 under another id
            ["a4", 4, 4, -7, 4, 4, 4, 41],     # a refusal differs from an answer, and is no straight line
            ["a5", 1, 1, 1, 1, 1, 1, 52],      # straight-lined at the other end
            ["a6", 3, None, None, None, None, None, None],
            ["a7", 3, None, None, None, None, None, None]]  # alike a6 but answered too little to compare
    db = tmp_path / "s.duckdb"
    import_responses(write_template(tmp_path / "lines.xlsx", q, rows), db, q)
    flags = quality_flags(db, q, min_answered=5)
    got = sorted(zip(flags["respondent_id"], flags["flag"]))
    assert got == [("a1", "straight_lining"), ("a2", "duplicate_content"), ("a3", "duplicate_content"),
                   ("a5", "straight_lining")]
    detail = dict(zip(flags["respondent_id"] + flags["flag"], flags["detail"]))
    assert detail["a1straight_lining"] == "climate: 4 in all 6 rows of the grid (climate_1 ... climate_6)"
    assert detail["a2duplicate_content"] == "same answers on all 7 items as 'a3'"
    # with an online export: its speeders join the store's flags, sorted by respondent id
    both = quality_flags(db, q, exports=[export], min_answered=5)
    assert set(both["flag"]) == {"straight_lining", "duplicate_content", "speeding", "bad_timestamps"}
    assert both["respondent_id"].tolist() == sorted(both["respondent_id"])


def test_duplicate_content_needs_two_ids_and_enough_answers():
    data = pd.DataFrame({"respondent_id": ["x", "y", "z", "w"], "q1": [1, 1, 1, None], "q2": [2, 2, 3, None],
                         "q3": ["a", "a", "a", None]})
    got = duplicate_content(data, ["q1", "q2", "q3"], min_answered=3)
    assert got["respondent_id"].tolist() == ["x", "y"] and set(got["flag"]) == {"duplicate_content"}
    assert duplicate_content(data, ["q1", "q2", "q3"], min_answered=4).empty


def test_flags_and_status_commands_list_the_flags(tmp_path, export, monkeypatch):
    from typer.testing import CliRunner

    from careersurvey.cli import app

    def run(*args):
        return CliRunner().invoke(app, [str(a) for a in args])

    r = run("fieldwork", "flags", "--export", export, "--out", tmp_path / "flags.csv")
    assert r.exit_code == 0, r.output
    assert "bad_timestamps: 2, speeding: 1" in r.output and "0011" in r.output
    back = pd.read_csv(tmp_path / "flags.csv", dtype=str)
    assert back["respondent_id"].tolist() == ["0011", "0013", "0014"]
    assert run("fieldwork", "flags").exit_code != 0
    # status with a store and the export: the flags printed and in the follow-up workbook beside the contacts
    # (the small test questionnaire, found as a user's survey folder would hold it)
    survey = tmp_path / "survey" / "mini"
    survey.mkdir(parents=True)
    src = Path(__file__).resolve().parents[1] / "questionnaire" / "data" / "mini-1.0.0.yaml"
    (survey / "1.0.0.yaml").write_text(src.read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.setenv("CAREERSURVEY_SURVEY_DIR", str(tmp_path / "survey"))
    q = cs.load_questionnaire("mini@1.0.0")
    db = tmp_path / "s.duckdb"
    # consent, role, reasons_1..3, hours, pay, start_date, fear_shame, fear_future, fear_calm, overall, comment
    row = [1, 2, 1, 0, 1, 45, 5200, "2019-03-01", 4, 4, 2, 4, "같은 답"]
    import_responses(write_template(tmp_path / "m.xlsx", q, [["0011", *row], ["0012", *row]]), db, q)
    sample = tmp_path / "sample.csv"
    sample.write_text("respondent_id,stratum,email,disposition\n0011,a,p11@example.org,\n0012,a,p12@example.org,\n"
                      "0013,b,p13@example.org,3.19\n0014,b,p14@example.org,\n", encoding="utf-8")
    r = run("fieldwork", "status", "--sample", sample, "--store", db, "--questionnaire", "mini@1.0.0",
            "--export", export, "--follow-up", tmp_path / "follow.xlsx")
    assert r.exit_code == 0, r.output
    assert "Quality flags" in r.output and "duplicate_content" in r.output and "(and 5 quality flags)" in r.output
    sheet = pd.read_excel(tmp_path / "follow.xlsx", sheet_name="quality flags", dtype=str, engine="openpyxl")
    rows = sorted(zip(sheet["respondent_id"], sheet["flag"], sheet["email"].fillna("")))
    assert rows == [("0011", "duplicate_content", "p11@example.org"), ("0011", "speeding", "p11@example.org"),
                    ("0012", "duplicate_content", "p12@example.org"), ("0013", "bad_timestamps", "p13@example.org"),
                    ("0014", "bad_timestamps", "p14@example.org")]
    r = run("fieldwork", "status", "--sample", sample, "--export", export)
    assert r.exit_code != 0 and "--export needs --store" in r.output
