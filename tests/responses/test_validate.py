"""Validation rules, one test each, asserting whole messages; Kobo exports validated end to end."""

from __future__ import annotations

import numpy as np
import pytest

from careersurvey.responses.readers import read_responses
from careersurvey.responses.validate import validate

from .conftest import DATA, GOOD_ROWS, mini, write_template

HEAD = ["respondent_id", "consent", "role", "age", "motives_1", "motives_2", "motives_3", "motives_4", "pay",
        "fof_shame", "start_date", "comment"]


def check(tmp_path, rows, q=None, **kw):
    q = q or mini()
    return validate(read_responses(write_template(tmp_path / "t.xlsx", q, rows)), q, **kw)


def row(**changes):
    base = dict(zip(HEAD, ["0100", 1, 2, 34, 1, 0, 0, 0, 5200, 4, "2019-03-01", None]))
    base.update(changes)
    return [base[h] for h in HEAD]


def only(v, rule):
    found = [p for p in v.problems if p.rule == rule]
    assert len(found) == 1, [str(p) for p in v.problems]
    return found[0]


def test_clean_rows_pass(tmp_path):
    v = check(tmp_path, GOOD_ROWS[:3])
    assert v.problems == () and v.n_accepted == 3 and v.rows_in == 3
    f = v.frame()
    assert f["respondent_id"].tolist() == ["0001", "0002", "0003"]
    assert f.loc[0, "start_date"] == "2019-03-01" and f.loc[1, "pay"] == 12000.5


def test_skipped_and_empty_becomes_not_applicable(tmp_path):
    v = check(tmp_path, [GOOD_ROWS[2]])  # consent = 0: role and age are skipped
    f = v.frame()
    assert f.loc[0, "role"] == -9 and f.loc[0, "age"] == -9
    assert np.isnan(f.loc[0, "pay"])  # not routed: plain item nonresponse stays empty


def test_routed_but_empty_optional_item_is_nonresponse_not_skipped(tmp_path):
    v = check(tmp_path, [row(age=None)])  # consent = 1: age is asked, optional, left blank
    assert v.problems == () and not v.quarantined.any()
    assert np.isnan(v.frame().loc[0, "age"])  # NA (item nonresponse), never -9 (routed past)


def test_multiple_choice_blanks_are_no_when_something_is_ticked(tmp_path):
    f = check(tmp_path, [GOOD_ROWS[1]]).frame()
    assert f.loc[0, ["motives_1", "motives_2", "motives_3", "motives_4"]].tolist() == [1, 0, 0, 1]


def test_not_a_number(tmp_path):
    p = only(check(tmp_path, [row(age="thirty")]), "not_a_number")
    assert (p.row, p.column, p.item, p.value, p.severity) == (3, "age", "age", "thirty", "quarantine")
    assert p.message == "age: 'thirty' is not a number; enter digits only (or a missing code)"


def test_not_an_integer(tmp_path):
    p = only(check(tmp_path, [row(age=34.5)]), "not_an_integer")
    assert p.message == "age: '34.5' is not a whole number; this item takes integers"


def test_not_a_choice(tmp_path):
    p = only(check(tmp_path, [row(role=7)]), "not_a_choice")
    assert p.message == "role: '7' is not one of the codes 1, 2, 3, 4 (nor a choice's name or label); correct the code"


def test_text_in_a_choice_item_lists_the_codes(tmp_path):
    p = only(check(tmp_path, [row(role="박사후")]), "not_a_choice")
    assert (p.row, p.column, p.value, p.severity) == (3, "role", "박사후", "quarantine")
    assert p.message == "role: '박사후' is not one of the codes 1, 2, 3, 4 (nor a choice's name or label); correct the code"


def test_choice_given_as_label(tmp_path):
    v = check(tmp_path, [row(role="Engineer"), row(respondent_id="0101", role="연구원")])
    assert v.problems == ()
    assert v.frame()["role"].tolist() == [3, 2]


def test_out_of_range(tmp_path):
    p = only(check(tmp_path, [row(age=17)]), "out_of_range")
    assert p.message == "age: '17' is outside the allowed range (18 to 80); correct the value"


def test_range_text():
    from careersurvey.responses.validate import range_text

    assert range_text(0.0, 120.5) == "0 to 120.5"
    assert range_text(None, "2026-12-31") == "at most 2026-12-31"
    assert range_text(18, None) == "at least 18"


def test_missing_code_not_allowed(tmp_path):
    p = only(check(tmp_path, [row(fof_shame=-8)]), "missing_code_not_allowed")
    assert p.message == ("fof_shame: missing code '-8' is not allowed for this item (allowed: -7); enter the answer "
                         "or an allowed code")


def test_allowed_missing_codes_are_kept(tmp_path):
    v = check(tmp_path, [row(pay=-8, fof_shame=-7, age=-7)])
    assert v.problems == ()
    assert v.frame().loc[0, ["pay", "fof_shame", "age"]].tolist() == [-8, -7, -7]


def test_not_a_0_1(tmp_path):
    p = only(check(tmp_path, [row(motives_2=2)]), "not_0_1")
    assert p.message == "motives_2: '2' must be 1 (chosen), 0 (not chosen) or a missing code"


def test_dates(tmp_path):
    v = check(tmp_path, [row(start_date="2023-02-30"), row(respondent_id="0101", start_date="1980-01-01"),
                         row(respondent_id="0102", start_date="2020.05.07")])
    bad = only(v, "not_a_date")
    assert bad.message == "start_date: '2023-02-30' is not a date; write it as YYYY-MM-DD"
    assert only(v, "out_of_range").row == 4
    assert v.frame(accepted_only=False).loc[2, "start_date"] == "2020-05-07"


def test_excel_date_cells(tmp_path):
    import datetime

    v = check(tmp_path, [row(start_date=datetime.date(2019, 3, 1))])
    assert v.problems == () and v.frame().loc[0, "start_date"] == "2019-03-01"


def test_required(tmp_path):
    p = only(check(tmp_path, [row(consent=None, role=None, age=None)]), "required")
    assert (p.item, p.message) == ("consent", "consent is required here but empty; enter the answer or a missing code")


def test_required_when_routed(tmp_path):
    p = only(check(tmp_path, [row(role=None)]), "required")
    assert p.item == "role"


def test_answered_but_skipped_is_a_warning(tmp_path):
    v = check(tmp_path, [row(consent=0, age=None)])
    p = only(v, "answered_but_skipped")
    assert p.severity == "warning" and v.n_accepted == 1
    assert p.message == ("role answered '2', but it is asked only when consent == 1; this row has consent = 0; "
                         "the answer is kept as given")


def _work_questionnaire():
    """A questionnaire of this test's own: employment, then a sector and hours asked only of the employed."""
    from careersurvey.expr import parse
    from careersurvey.questionnaire.model import Choice, ChoiceList, Item, Module, Questionnaire

    def choices(name, labels):
        return ChoiceList(name, tuple(Choice(code, {"en": label}) for code, label in labels))

    yesno = choices("yesno", [(1, "Yes"), (0, "No")])
    sector = choices("sector", [(1, "University"), (2, "Industry"), (3, "Government")])
    tools = choices("tools", [(1, "R"), (2, "Python"), (3, "SPSS")])
    rules = {"sector": "employed == 1", "hours": "employed == 1 and sector in [1, 2]", "note": "selected(tools, 2)"}
    items = (
        Item("employed", "single", {"en": "Are you employed?"}, "m", choices=yesno, missing=(-7,)),
        Item("sector", "single", {"en": "Sector"}, "m", choices=sector, relevance=parse(rules["sector"]),
             relevance_text=rules["sector"]),
        Item("hours", "integer", {"en": "Hours"}, "m", relevance=parse(rules["hours"]), relevance_text=rules["hours"]),
        Item("tools", "multiple", {"en": "Tools"}, "m", choices=tools),
        Item("note", "text", {"en": "Python note"}, "m", relevance=parse(rules["note"]), relevance_text=rules["note"]),
    )
    return Questionnaire(id="work", version="1.0.0", languages=("en",), title={"en": "Work"},
                         modules=(Module("m", {"en": "Work"}, items),), scales={},
                         choice_lists={c.name: c for c in (yesno, sector, tools)},
                         missing_labels={-7: {"en": "Prefer not to answer"}, -9: {"en": "Not applicable"}})


def test_answered_but_skipped_says_what_was_answered_when_it_is_asked_and_what_the_row_holds(tmp_path):
    q = _work_questionnaire()
    head = ["respondent_id", *q.columns()]
    rows = [["a", 0, 2, None, 0, 0, 0, None],    # sector answered by someone not employed
            ["b", 1, 3, 40, 0, 0, 0, None],      # hours answered in a sector that is not asked them
            ["c", -7, 1, None, 0, 0, 0, None],   # refused employment, yet a sector
            ["d", None, 1, None, 1, 0, 1, "x"],  # employment empty; a note without Python ticked
            ["e", 1, 1, 38, 0, 1, 0, "ok"]]      # all as routed
    v = validate(read_responses(write_template(tmp_path / "w.xlsx", q, rows, headers=head)), q)
    assert [(p.row, p.message) for p in v.problems if p.rule == "answered_but_skipped"] == [
        (3, "sector answered '2', but it is asked only when employed == 1; this row has employed = 0; "
            "the answer is kept as given"),
        (5, "sector answered '1', but it is asked only when employed == 1; this row has employed = -7 (Prefer not "
            "to answer); the answer is kept as given"),
        (6, "sector answered '1', but it is asked only when employed == 1; this row has employed empty; the answer "
            "is kept as given"),
        (4, "hours answered '40', but it is asked only when employed == 1 and sector in [1, 2]; this row has "
            "employed = 1, sector = 3; the answer is kept as given"),
        (6, "note answered 'x', but it is asked only when selected(tools, 2); this row has tools ticked 1, 3; the "
            "answer is kept as given"),
    ]
    assert v.n_accepted == 5


def test_an_invalid_routing_answer_gives_its_own_problem_only(tmp_path):
    """consent is not a valid code, so whether role and age were asked is unknown: no cascade of warnings."""
    v = check(tmp_path, [row(consent="yes please")])
    assert [p.rule for p in v.problems] == ["not_a_choice"]
    assert v.quarantined.tolist() == [True]
    numbers = v.frame(accepted_only=False).loc[0, ["role", "age"]].tolist()
    assert numbers == [2, 34]  # answers kept as given, never overwritten with -9


def test_missing_and_duplicate_ids(tmp_path):
    v = check(tmp_path, [row(respondent_id=None), row(), row(), row(respondent_id="0200")])
    assert only(v, "missing_id").row == 3
    dup = only(v, "duplicate_id")
    assert dup.row == 5 and dup.message == ("respondent_id '0100' occurs more than once in this file (first in row 4); "
                                        "correct the id or remove the repeated row")
    assert v.quarantined.tolist() == [True, False, True, False]


def test_duplicate_id_across_imports(tmp_path):
    v = check(tmp_path, [row()], known_ids={"0100"}, known_where={"0100": "wave1.xlsx row 7"})
    p = only(v, "duplicate_id_store")
    assert p.message == ("respondent_id '0100' was already imported (wave1.xlsx row 7); "
                         "remove the row or correct the id")


def test_unknown_and_missing_columns(tmp_path):
    q = mini()
    rows = [["0100", 1, 2, "x"]]
    path = write_template(tmp_path / "u.xlsx", q, rows, headers=["respondent_id", "consent", "role", "shoe_size"])
    v = validate(read_responses(path), q)
    assert only(v, "unknown_column").message == (
        "column 'shoe_size' is not an item of stem-mini@1.0.0; its values are kept as raw text only")
    missing = {p.item for p in v.problems if p.rule == "missing_column"}
    assert missing == {"age", "motives", "pay", "fof_shame", "start_date", "comment"}
    assert v.raw["@shoe_size"].tolist() == ["x"]


def test_version_mismatch_warns(tmp_path):
    q = mini()
    path = write_template(tmp_path / "v.xlsx", q, [row()], meta={"content_hash": "0" * 64})
    p = only(validate(read_responses(path), q), "version_mismatch")
    assert p.severity == "warning" and "000000000000" in p.message


def test_raw_kept_where_clean_differs(tmp_path):
    v = check(tmp_path, [row(age=" 34 ", role="Engineer", comment="좋습니다")])
    assert v.raw["age"].tolist() == [" 34 "] and v.raw["role"].tolist() == ["Engineer"]
    assert v.raw["consent"].tolist() == [None]  # a number cell equal to its clean value
    assert v.raw["comment"].tolist() == ["좋습니다"]


def test_quarantined_rows_keep_every_cell_raw(tmp_path):
    v = check(tmp_path, [row(role=9)])
    assert v.raw["consent"].tolist() == ["1"] and v.raw["role"].tolist() == ["9"]


@pytest.mark.parametrize("name", ["kobo_values.xlsx", "kobo_groups.xlsx", "kobo_labels_en.xlsx",
                                  "kobo_labels_ko.xlsx", "kobo_values.csv"])
def test_kobo_exports_validate_alike(name):
    """Names, group paths, label headers (en, ko) and CSV give the same clean values."""
    q = mini("1.1.0")
    table = read_responses(DATA / "kobo" / name)
    keep = np.asarray(table.form_version) == "vKoboB"
    from careersurvey.responses.importer import take

    v = validate(take(table, keep), q)
    f = v.frame(accepted_only=False)
    assert f["role"].tolist() == [2, 3]
    assert f["motives_1"].tolist() == [0, 1] and f["motives_4"].tolist() == [1, 0]
    assert f["hours"].tolist() == [52, 45]
    assert f["pay"].tolist() == [6100, 8800]
    assert f["start_date"].tolist() == ["2015-05-20", "2020-07-01"]
    assert v.quarantined.tolist() == [False, False]


def test_odk_central_csv_layout(tmp_path):
    """ODK Central CSV: '-' between group and question, SubmissionDate, meta-instanceID and KEY columns."""
    path = tmp_path / "odk.csv"
    path.write_text(
        "SubmissionDate,respondent_id,grp_status-consent,grp_status-role,grp_status-age,grp_career-motives,"
        "grp_career-pay,grp_career-fof_shame,grp_career-start_date,grp_career-comment,meta-instanceID,KEY\n"
        "2026-10-01T09:00:00.000Z,0042,1,2,30,1 4,5000,3,2020-01-02,,uuid:aaa,uuid:aaa\n",
        encoding="utf-8")
    table = read_responses(path)
    assert table.kind == "kobo" and table.id_column == "respondent_id"
    v = validate(table, mini())
    assert [p.rule for p in v.problems] == []
    f = v.frame()
    assert f.loc[0, ["role", "age", "motives_1", "motives_2", "motives_4", "pay"]].tolist() == [2, 30, 1, 0, 1, 5000]
    assert v.raw["@KEY"].tolist() == ["uuid:aaa"]


def test_exclusive_choice_ticked_with_others(tmp_path):
    import dataclasses

    from careersurvey.questionnaire.model import Module

    q = mini()
    module = q.modules[0]
    items = [dataclasses.replace(e, exclusive=(4,)) if e.name == "motives" else e for e in module.elements]
    q = dataclasses.replace(q, modules=(Module(module.id, module.title, tuple(items)),))
    v = validate(read_responses(write_template(tmp_path / "x.xlsx", q, [row(motives_4=1, motives_1=1),
                                                                        row(respondent_id="0101", motives_1=0,
                                                                            motives_4=1)])), q)
    p = only(v, "exclusive_choice")
    assert (p.row, p.column) == (3, "motives_4")
    assert p.message == "motives: choice 4 excludes every other choice, but 1 also ticked; keep one"
    assert v.quarantined.tolist() == [True, False]


def test_exclusive_choice_in_a_space_separated_export_column(tmp_path):
    """KoboToolbox writes a select_multiple as "1 4": an exclusive code with others is caught there too."""
    import dataclasses

    from careersurvey.questionnaire.model import Module

    q = mini()
    module = q.modules[0]
    items = [dataclasses.replace(e, exclusive=(4,)) if e.name == "motives" else e for e in module.elements]
    q = dataclasses.replace(q, modules=(Module(module.id, module.title, tuple(items)),))
    p = tmp_path / "kobo.csv"
    p.write_text("respondent_id;consent;role;motives;_uuid\n0001;1;2;1 4;u1\n0002;1;2;4;u2\n0003;1;2;1 2;u3\n",
                 encoding="utf-8")
    v = validate(read_responses(p), q)
    found = only(v, "exclusive_choice")
    assert (found.row, found.column, found.item) == (2, "motives", "motives")
    assert found.message == "motives: choice 4 excludes every other choice, but 1 also ticked; keep one"
    assert v.quarantined.tolist() == [True, False, False]
