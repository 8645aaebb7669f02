"""load_responses / load_dataset / load_missing: labels, codes, missing codes as NA with their reasons beside
the frame (never in attrs), harmonisation across versions."""

from __future__ import annotations

import pandas as pd
import pytest

from careersurvey.responses.dataset import load_dataset, load_missing, load_responses
from careersurvey.responses.importer import import_responses
from careersurvey.responses.problems import ResponsesError

from .conftest import DATA, GOOD_ROWS, mini, write_template


@pytest.fixture
def two_versions(tmp_path):
    db = tmp_path / "s.duckdb"
    q10, q11 = mini("1.0.0"), mini("1.1.0")
    import_responses(write_template(tmp_path / "a.xlsx", q10, GOOD_ROWS[:3]), db, q10)
    rows11 = [["0101", 1, 3, 30, 0, 1, 1, 6000, 40, 5, "2020-01-01", None]]
    import_responses(write_template(tmp_path / "b.xlsx", q11, rows11), db, q11)
    return db


def test_labelled_frame(two_versions):
    df = load_responses(two_versions, mini("1.1.0"))
    assert df.columns[:4].tolist() == ["respondent_id", "wave", "import_id", "questionnaire_version"]
    assert df["respondent_id"].tolist() == ["0001", "0002", "0003", "0101"]
    assert df["import_id"].tolist() == [1, 1, 1, 2]
    assert df["role"].cat.categories.tolist() == ["학생", "연구원", "엔지니어", "의사"]
    assert df["role"].tolist()[:2] == ["연구원", "의사"] and pd.isna(df["role"][2])
    assert df["fof_shame"].cat.ordered and not df["role"].cat.ordered
    assert str(df["age"].dtype) == "Int64" and str(df["pay"].dtype) == "Float64"
    assert df["motives_1"].dtype == "boolean" and df["motives_4"].tolist()[:2] == [False, True]
    assert df["start_date"].iloc[0] == pd.Timestamp("2019-03-01")
    assert load_dataset(two_versions, mini("1.1.0")).variable_labels["motives_2"] == "동기: 자율성"
    assert df.attrs == {}  # nothing pandas would deep-copy on every column selection


def test_english_labels(two_versions):
    ds = load_dataset(two_versions, mini("1.1.0"), language="en")
    assert ds.data["role"].tolist()[:2] == ["Researcher", "Physician"]
    assert ds.missing_labels[-6] == "Not asked in this version"
    assert ds.value_labels["role"][-9] == ds.missing_labels[-9] and ds.language == "en"


@pytest.mark.parametrize("labels", [True, False])
def test_missing_codes_become_na_with_reasons(two_versions, labels):
    df = load_responses(two_versions, mini("1.1.0"), labels=labels)
    missing = load_missing(two_versions, mini("1.1.0"))
    assert missing.index.equals(df.index) and missing.columns.tolist() == df.columns[4:].tolist()
    assert load_dataset(two_versions, mini("1.1.0"), labels=labels).missing.equals(missing)
    assert pd.isna(df.loc[2, "age"]) and missing.loc[2, "age"] == -9  # consent = 0: skipped
    assert missing["hours"].isna().tolist() == [False, False, False, True]
    assert missing["hours"].iloc[:3].tolist() == [-6, -6, -6] and pd.isna(df.loc[0, "hours"])
    assert pd.isna(missing.loc[0, "role"])  # a real answer has no reason


def test_codes_frame_has_no_missing_codes(two_versions):
    """labels=False: numeric codes, and every missing code NA, so no estimate can average one."""
    df = load_responses(two_versions, mini("1.1.0"), labels=False)
    assert df["role"].tolist()[:2] == [2, 4] and pd.isna(df["role"][2])
    assert df["hours"].isna().tolist() == [True, True, True, False]  # not asked in 1.0.0
    assert df["hours"].iloc[3] == 40
    assert "motives_3" not in df.columns  # choice dropped in 1.1.0
    numeric = df.select_dtypes("number").drop(columns="import_id")
    assert not numeric.isin([-6, -7, -8, -9]).any().any()


def test_codes_puts_the_missing_codes_back(two_versions):
    ds = load_dataset(two_versions, mini("1.1.0"), labels=False)
    codes = ds.codes()
    assert codes["role"].tolist()[:3] == [2, 4, -9]
    assert codes["hours"].tolist() == [-6, -6, -6, 40]
    assert ds.data["hours"].isna().sum() == 3  # the dataset's own frame is unchanged
    with pytest.raises(ResponsesError, match="codes\\(\\) needs the numeric frame: load the dataset with labels=False"):
        load_dataset(two_versions, mini("1.1.0")).codes()


def test_harmonised_on_older_target_marks_new_choice_not_asked(two_versions):
    df = load_responses(two_versions, mini("1.0.0"), labels=False)
    assert pd.isna(df["motives_3"].iloc[-1])
    assert load_missing(two_versions, mini("1.0.0"))["motives_3"].iloc[-1] == -6
    assert "hours" not in df.columns


def test_versions_filter(two_versions):
    df = load_responses(two_versions, mini("1.1.0"), versions=["1.1.0"], labels=False)
    assert df["respondent_id"].tolist() == ["0101"]
    with pytest.raises(ResponsesError, match="no responses to stem-mini version"):
        load_responses(two_versions, mini("1.1.0"), versions=["2.0.0"])


def test_quarantined_rows_are_not_loaded(tmp_path, good_template, q10):
    db = tmp_path / "s.duckdb"
    import_responses(good_template, db, q10)
    df = load_responses(db, q10)
    assert "0004" not in df["respondent_id"].tolist() and len(df) == 3


def test_kobo_mixed_export_harmonised(tmp_path):
    db = tmp_path / "s.duckdb"
    import_responses(DATA / "kobo" / "kobo_groups.xlsx", db, [mini("1.0.0"), mini("1.1.0")],
                     form_versions={"vKoboA": "1.0.0", "vKoboB": "1.1.0"})
    df = load_dataset(db, mini("1.1.0"), labels=False).codes()
    assert df["respondent_id"].tolist() == ["0001", "0002", "0004", "0005", "0006"]
    assert df["hours"].tolist() == [-6, -6, -6, 52, 45]
    assert df["motives_4"].tolist() == [0, 1, 0, 1, 0]


def test_empty_store(tmp_path):
    with pytest.raises(ResponsesError, match="no response store here yet"):
        load_responses(tmp_path / "none.duckdb")


def test_duplicate_choice_labels_stay_apart(tmp_path):
    import dataclasses

    from careersurvey.questionnaire.model import Choice, ChoiceList, Module

    q = mini()
    module = q.modules[0]
    items = list(module.elements)
    same = ChoiceList("role", tuple(Choice(c, {"ko": "기타", "en": "Other"}) for c in (1, 2, 3, 4)))
    items[1] = dataclasses.replace(items[1], choices=same)
    q = dataclasses.replace(q, modules=(Module(module.id, module.title, tuple(items)),))
    db = tmp_path / "s.duckdb"
    import_responses(write_template(tmp_path / "a.xlsx", q, GOOD_ROWS[:2]), db, q)
    df = load_responses(db, q, language="en")
    assert df["role"].tolist() == ["Other (2)", "Other (4)"]


def test_a_design_on_the_codes_frame_never_averages_a_missing_code(tmp_path):
    """The README's path (load_responses(labels=False) -> SurveyDesign -> mean) on pay answered -7/-8:
    the mean is that of the real answers only."""
    import careersurvey as cs

    q = mini()
    rows = [[f"{i:04d}", 1, 2, 30, 1, 0, 0, 0, pay, 3, "2020-01-01", None]
            for i, pay in enumerate([5000, -7, 7000, -8, 9000, -7], start=1)]
    db = tmp_path / "s.duckdb"
    import_responses(write_template(tmp_path / "a.xlsx", q, rows), db, q)
    df = load_responses(db, q, labels=False)
    est = cs.SurveyDesign(df.assign(w=1.0), weights="w").mean("pay", na_rm=True)
    assert est.loc["pay", "estimate"] == pytest.approx(7000.0)
    assert load_missing(db, q)["pay"].fillna(0).tolist() == [0, -7, 0, -8, 0, -7]
