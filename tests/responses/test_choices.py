"""Cells and headers matched to choices: codes, XLSForm names, labels with spaces, missing codes as choices."""

from __future__ import annotations

import numpy as np
import pytest

from careersurvey.questionnaire.model import Choice, ChoiceList, Item
from careersurvey.responses.choices import choice_lookup, segment
from careersurvey.responses.columns import split_multiple
from careersurvey.responses.readers import read_responses
from careersurvey.responses.validate import validate

from .conftest import DATA, mini

MISSING = {-6: {"en": "Not asked in this version"}, -7: {"en": "Prefer not to answer"},
           -8: {"en": "Don't know"}, -9: {"en": "Not applicable"}}
REASONS = Item("reasons", "multiple", {"en": "Reasons"}, "m", missing=(-8,), choices=ChoiceList("reasons", (
    Choice(1, {"en": "Pay"}, "pay"), Choice(2, {"en": "Research autonomy"}, "autonomy"),
    Choice(3, {"en": "Science"}, "science"), Choice(4, {"en": "Autonomy at work"}, "work"))))


def test_lookup_holds_codes_names_labels_and_missing_codes():
    lookup = choice_lookup(REASONS, MISSING)
    assert lookup["2"] == lookup["autonomy"] == lookup["research autonomy"] == 2
    assert lookup["-8"] == lookup["don't know"] == -8
    assert "-8" not in choice_lookup(REASONS)


@pytest.mark.parametrize("cell, codes", [
    ("Pay Research autonomy", (1, 2)),
    ("research autonomy pay", (2, 1)),
    ("Science Pay", (3, 1)),
    ("science Autonomy at work", (3, 4)),
    ("Don't know", (-8,)),
    ("Pay Nonsense", None),
])
def test_segment_reads_labels_joined_by_spaces(cell, codes):
    assert segment(cell, choice_lookup(REASONS, MISSING)) == codes


def test_segment_refuses_a_cell_read_two_ways():
    lookup = {"a": 1, "b": 2, "a b": 3}
    assert segment("a b", lookup) is None
    assert segment("b a", lookup) == (2, 1)


def test_a_cell_that_reads_two_ways_is_reported_whole_not_guessed():
    item = Item("r", "multiple", {"en": "R"}, "m", choices=ChoiceList("r", (
        Choice(1, {"en": "Research autonomy"}, "autonomy"), Choice(2, {"en": "Research"}, "research"))))
    # "research autonomy" is choice 1 (its label) or choices 2 and 1 (their names)
    out = split_multiple(np.array(["Research autonomy", "research", "research xyz"], dtype=object), item)
    assert out["__ambiguous__"].tolist() == ["Research autonomy", None, None]
    assert out["__invalid__"].tolist() == [None, None, "xyz"]
    assert out["r_1"].tolist()[1:2] == [0] and out["r_2"].tolist()[1:2] == [1]


def test_an_ambiguous_cell_is_quarantined_with_what_to_do(tmp_path):
    from careersurvey.questionnaire import parse_questionnaire

    text = (DATA.parent.parent / "questionnaire" / "data" / "mobility-1.0.0.yaml").read_text(encoding="utf-8")
    q = parse_questionnaire(text.replace('en: "Job security"', 'en: "Pay family"'), "mobility.yaml")
    path = tmp_path / "kobo.csv"
    path.write_text("_uuid;consent;position;move_reasons;abroad;satisfied;years\n"
                    "u1;yes;faculty;Pay family;no;4;10\n"
                    "u2;yes;faculty;facutly;no;4;10\n", encoding="utf-8")
    v = validate(read_responses(path), q)
    assert [(p.row, p.message) for p in v.problems] == [
        (3, "move_reasons: 'facutly' is not one of the codes 1 (pay), 2 (autonomy), 3 (stability), 4 (family), "
            "9 (none_of_these) (nor a choice's name or label); correct the code"),
        (2, "move_reasons: 'Pay family' reads as more than one set of choices (names and labels joined by spaces); "
            "write the chosen codes or names, separated by spaces")]
    assert v.quarantined.tolist() == [True, True]


def test_split_multiple_reads_names_labels_and_missing_labels():
    cells = np.array(["pay autonomy", "Pay Research autonomy", "Don't know", "-8", "", "pay nonsense"], dtype=object)
    out = split_multiple(cells, REASONS, MISSING)
    got = np.column_stack([out[f"reasons_{c}"] for c in (1, 2, 3, 4)])
    np.testing.assert_array_equal(got[:4], [[1, 1, 0, 0], [1, 1, 0, 0], [-8] * 4, [-8] * 4])
    assert np.isnan(got[4]).all()
    assert out["__invalid__"].tolist() == [None] * 5 + ["nonsense"]


def test_a_ticked_missing_code_column_is_the_answer(tmp_path):
    """A Kobo export of our XLSForm has a split column for each missing code it offers (motives/-7): a tick
    there is the answer -7, not "nothing chosen"."""
    path = tmp_path / "kobo.csv"
    path.write_text(
        "_uuid;consent;role;age;motives/1;motives/2;motives/3;motives/4;motives/-7;pay;fof_shame;start_date;"
        "comment\n"
        "u1;1;2;30;0;0;0;0;1;5000;3;2020-01-02;\n"
        "u2;1;2;31;1;0;1;0;0;5000;3;2020-01-02;\n", encoding="utf-8")
    v = validate(read_responses(path), mini())
    assert [str(p) for p in v.problems] == []
    f = v.frame()
    assert f[["motives_1", "motives_2", "motives_3", "motives_4"]].to_numpy().tolist() == [[-7] * 4, [1, 0, 1, 0]]


def test_a_missing_code_column_not_allowed_is_reported(tmp_path):
    path = tmp_path / "kobo.csv"
    path.write_text(
        "_uuid;consent;role;age;motives/1;motives/2;motives/3;motives/4;motives/-8;pay;fof_shame;start_date;"
        "comment\n"
        "u1;1;2;30;0;0;0;0;1;5000;3;2020-01-02;\n", encoding="utf-8")
    v = validate(read_responses(path), mini())
    assert [(p.rule, p.column, p.value) for p in v.problems] == [("missing_code_not_allowed", "motives/-8", "-8")]
    assert v.quarantined.tolist() == [True]


def test_single_choice_cell_holding_a_missing_codes_label(tmp_path):
    path = tmp_path / "kobo.csv"
    path.write_text("_uuid;consent;role;age;motives;pay;fof_shame;start_date;comment\n"
                    "u1;Yes;Prefer not to answer;30;Prefer not to answer;5000;응답하고 싶지 않음;2020-01-02;\n",
                    encoding="utf-8")
    v = validate(read_responses(path), mini())
    assert [str(p) for p in v.problems] == []
    assert v.frame().loc[0, ["consent", "role", "motives_1", "fof_shame"]].tolist() == [1, -7, -7, -7]


def test_odk_central_split_columns_of_names_holding_the_separator(tmp_path):
    """ODK Central joins group, item and choice with '-': 'm1_work-move_reasons-full-time', '…--8'; a choice
    named like an item ('years') is the choice, not the item."""
    from careersurvey.questionnaire import parse_questionnaire

    text = (DATA.parent.parent / "questionnaire" / "data" / "mobility-1.0.0.yaml").read_text(encoding="utf-8")
    q = parse_questionnaire(text.replace("name: autonomy,", "name: full-time,").replace("name: family,",
                                                                                         "name: years,"))
    heads = ["m1_work-move_reasons-" + c for c in ("pay", "full-time", "stability", "years", "none_of_these", "-8")]
    path = tmp_path / "odk.csv"
    path.write_text("KEY,m0_consent-consent,m1_work-position," + ",".join(heads) +
                    ",m1_work-abroad,m1_work-satisfied,m1_work-years\n"
                    "uuid:1,yes,faculty,0,1,0,1,0,0,no,4,10\n"
                    "uuid:2,yes,faculty,0,0,0,0,0,1,no,4,10\n", encoding="utf-8")
    v = validate(read_responses(path), q)
    assert [str(p) for p in v.problems] == []
    f = v.frame()
    assert f[[f"move_reasons_{c}" for c in (1, 2, 3, 4, 9)]].to_numpy().tolist() == [[0, 1, 0, 1, 0], [-8] * 5]
    assert f["years"].tolist() == [10, 10]
