"""Straight-lining (the same answer to every row of a long agree grid) is a warning, on a questionnaire of its own."""

from __future__ import annotations

from careersurvey.questionnaire.model import Choice, ChoiceList, Grid, Item, Module, Questionnaire
from careersurvey.responses.readers import read_responses
from careersurvey.responses.straightline import MIN_ROWS, long_grids
from careersurvey.responses.validate import validate

from .conftest import write_template


def _questionnaire() -> Questionnaire:
    agree = ChoiceList("agree5", tuple(Choice(c, {"en": f"Agree {c}"}) for c in range(1, 6)))
    yesno = ChoiceList("yesno", (Choice(1, {"en": "Yes"}), Choice(0, {"en": "No"})))

    def grid(name: str, n: int, choices: ChoiceList) -> Grid:
        rows = tuple(Item(f"{name}_{k}", "rating", {"en": f"Row {k}"}, "m", choices=choices, missing=(-7,),
                          grid=name) for k in range(1, n + 1))
        return Grid(name, {"en": f"Stem {name}"}, rows, "m", choices=choices)

    elements = (grid("climate", 6, agree), grid("short", 3, agree), grid("checks", 6, yesno))
    return Questionnaire(id="lines", version="1.0.0", languages=("en",), title={"en": "Lines"},
                         modules=(Module("m", {"en": "Module"}, elements),), scales={},
                         choice_lists={"agree5": agree, "yesno": yesno},
                         missing_labels={-7: {"en": "Prefer not to answer"}, -9: {"en": "Not applicable"}})


def _validated(tmp_path, rows):
    q = _questionnaire()
    return validate(read_responses(write_template(tmp_path / "lines.xlsx", q, rows)), q)


def test_only_long_grids_of_a_rating_scale_are_checked():
    assert MIN_ROWS == 6
    assert [g.name for g in long_grids(_questionnaire())] == ["climate"]


def test_the_same_answer_to_every_row_of_a_long_grid_is_a_warning(tmp_path):
    short, yes = [2, 2, 2], [1] * 6
    rows = [["a", 4, 4, 4, 4, 4, 4, *short, *yes],     # straight-lined: warned
            ["b", 4, 4, 2, 4, 4, 4, *short, *yes],     # one row differs
            ["c", 4, 4, 4, 4, -7, 4, *short, *yes],    # a refusal is not an answer
            ["d", 4, 4, 4, 4, None, 4, *short, *yes],  # an empty row is not an answer
            ["e", 1, 1, 1, 1, 1, 1, *short, *yes]]     # straight-lined at the other end
    v = _validated(tmp_path, rows)
    found = [(p.row, p.item, p.severity, p.message) for p in v.problems if p.rule == "straight_lining"]
    assert found == [
        (3, "climate", "warning", "climate: the same answer '4' to all 6 rows of the grid (climate_1 ... climate_6); "
                                  "check that the rows were read (the answers are kept as given)"),
        (7, "climate", "warning", "climate: the same answer '1' to all 6 rows of the grid (climate_1 ... climate_6); "
                                  "check that the rows were read (the answers are kept as given)"),
    ]
    assert v.n_accepted == 5 and not v.quarantined.any()
