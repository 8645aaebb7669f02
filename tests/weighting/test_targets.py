"""Targets as data: the project's YAML loads, collapses item codes into margin levels, and rakes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import careersurvey as cs

ID = "kr-researchers-2023"


def test_project_targets_load() -> None:
    t = cs.load_targets(ID)
    assert t.id == ID and t.population_total == 603566
    assert "Verify" in t.note
    sector = t.margin("sector")
    assert sector.variable == "sector" and sector.year == 2023
    assert [lv.name for lv in sector.levels] == ["business", "university", "public_institute"]
    assert sector.levels[0].codes == (3, 4, 5, 6)
    totals = t.margins()
    for col, lv in totals.items():
        assert sum(lv.values()) == pytest.approx(603566, rel=1e-12), col
    assert totals["sector_margin"]["business"] == pytest.approx(0.727 * 603566)


def test_collapse_and_rake_to_targets() -> None:
    t = cs.load_targets(ID)
    rng = np.random.default_rng(5)
    n = 400
    df = pd.DataFrame({
        "sector": rng.choice([1, 2, 3, 4, 5, 6], n), "sex": rng.choice([1, 2], n, p=[0.6, 0.4]),
        "degree": rng.choice([1, 2, 3, 4, 5], n), "region": rng.choice(np.arange(1, 18), n),
        "w": rng.uniform(500, 3000, n)})
    df.loc[3, "sex"] = -7
    wide = t.add_margin_columns(df)
    assert list(wide.columns[-4:]) == ["sector_margin", "sex_margin", "degree_margin", "region_margin"]
    assert wide.loc[df["sector"].isin([3, 4, 5, 6]), "sector_margin"].eq("business").all()
    assert pd.isna(wide.loc[3, "sex_margin"])
    d = cs.SurveyDesign(wide.drop(index=3), weights="w")
    raked = d.rake(t.margins())
    achieved = raked.data.assign(w=raked.w).groupby("degree_margin", observed=True)["w"].sum()
    for level, total in t.margins()["degree_margin"].items():
        assert achieved[level] == pytest.approx(total, rel=1e-9)
    summary = raked.weight_summary()
    assert summary.margins["relative"].abs().max() < 1e-9
    assert len(summary.margins) == 3 + 2 + 4 + 3


def test_codes_outside_every_level_are_an_error() -> None:
    t = cs.load_targets(ID)
    df = pd.DataFrame({"sector": [1, 2, 7, 8], "sex": [1, 2, 1, 2], "degree": [1, 2, 3, 4], "region": [1, 2, 3, 4]})
    with pytest.raises(cs.WeightingError, match=r"margin 'sector': item 'sector' has codes \['7', '8'\] that no "
                                                r"level collapses \(2 rows: index 2, 3\)"):
        t.add_margin_columns(df)


@pytest.mark.parametrize("text,message", [
    ("id: x\npopulation_total: 10\nmargins:\n  s:\n    variable: s\n    levels:\n      a: {codes: [1], share: 0.5}\n",
     "margin 's': shares sum to 0.5000, not 1"),
    ("id: x\npopulation_total: 10\nmargins:\n  s:\n    variable: s\n    levels:\n      a: {codes: [1], share: 72.7}\n",
     "share 72.7 is not between 0 and 1"),
    ("id: x\npopulation_total: 10\nmargins:\n  s:\n    variable: s\n    levels:\n"
     "      a: {codes: [1], share: 0.5}\n      b: {codes: [1], share: 0.5}\n",
     "margin 's', level 'b': code 1 is already in level 'a'"),
    ("id: x\nmargins: {}\n", "top level: missing 'population_total'"),
    ("id: x\npopulation_total: 10\nmargin: {}\n", "top level: unknown keys ['margin']"),
    ("id: [x\n", "line 2: not valid YAML"),
    ("id: x\npopulation_total: 10\nscope: 'role =='\nmargins:\n  s:\n    variable: s\n    levels:\n"
     "      a: {codes: [1], share: 1}\n", "scope: not a condition in the questionnaire language"),
])
def test_bad_files_name_file_and_place(tmp_path, text: str, message: str) -> None:
    path = tmp_path / "t.yaml"
    path.write_text(text)
    with pytest.raises(cs.WeightingError) as info:
        cs.load_targets(path)
    assert str(info.value).startswith(f"{path}: ")
    assert message in str(info.value)


def test_unknown_id() -> None:
    with pytest.raises(cs.WeightingError, match="no targets 'nope': looked for"):
        cs.load_targets("nope")


def test_description_and_scope_keys(tmp_path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text("id: x\ndescription: Researchers in one region.\npopulation_total: 10\nscope: role in [2, 3]\n"
                    "margins:\n  s:\n    variable: s\n    levels:\n      a: {codes: [1], share: 1}\n")
    t = cs.load_targets(path)
    assert t.description == "Researchers in one region." and t.scope == "role in [2, 3]"
    assert t.describe().splitlines()[0] == "Researchers in one region."
    np.testing.assert_array_equal(t.in_scope(pd.DataFrame({"role": [1, 2, 3, -7]})), [False, True, True, False])


def test_names_in_a_targets_file_stay_as_written(tmp_path) -> None:
    """Issue 12: the id and the margin and level names are text: 0001 is not 1, 01 not 1, yes not True."""
    path = tmp_path / "0001.yaml"
    path.write_text("id: 0001\npopulation_total: 1000\nmargins:\n  07:\n    variable: role\n    levels:\n"
                    "      01: {codes: [1], share: 0.25}\n      yes: {codes: [2], share: 0.25}\n"
                    "      1234567890123456789: {codes: [3], share: 0.25}\n      학생-7: {codes: [4], share: 0.25}\n",
                    encoding="utf-8")
    t = cs.load_targets(path)
    assert t.id == "0001" and t.population_total == 1000
    assert [m.name for m in t.margins_] == ["07"]
    assert t.margins() == {"07_margin": {"01": 250, "yes": 250, "1234567890123456789": 250, "학생-7": 250}}
    wide = t.add_margin_columns(pd.DataFrame({"role": [1, 2, 3, 4]}))
    assert wide["07_margin"].astype(str).tolist() == ["01", "yes", "1234567890123456789", "학생-7"]
