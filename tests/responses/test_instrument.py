"""End to end on the real instrument: the forms engineer's entry template and the simulated fieldwork
(careersurvey.simulate) with its planted errors go through import, and the stored answers are the
simulated ones, value for value."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from careersurvey.responses.dataset import load_dataset, load_responses
from careersurvey.responses.importer import import_responses
from careersurvey.responses.store import ResponseStore

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "questionnaires"


@pytest.fixture(scope="module")
def fieldwork(tmp_path_factory):
    from careersurvey.forms.template import export_template
    from careersurvey.questionnaire import load_questionnaire
    from careersurvey.simulate import simulate_survey

    q = load_questionnaire("stem-careers@1.0.0")
    tmp = tmp_path_factory.mktemp("fieldwork")
    template = export_template(q, tmp / "template.xlsx", rows=5)
    sim = simulate_survey(q, template, tmp / "sim", n_institutions=12, take=8, seed=11)
    db = tmp / "s.duckdb"
    results = [import_responses(f, db, None if "entry" in f.name else q)[0] for f in sim.files]
    return q, sim, db, results


def test_planted_errors_are_caught(fieldwork):
    q, sim, db, (entry, kobo) = fieldwork
    assert entry.kind == "template" and entry.version == q.version  # version read from the template's _meta
    assert kobo.kind == "kobo" and kobo.quarantined == 0 and kobo.warnings == 0
    problems = ResponseStore(db).problems()
    found = {(p.rule, p.item if isinstance(p.item, str) else p.column) for p in problems.itertuples()}
    expected = {"invalid_code": "not_a_choice", "out_of_range": "out_of_range", "not_a_number": "not_a_number",
                "answered_when_skipped": "answered_but_skipped", "duplicate_id": "duplicate_id"}
    for planted in sim.planted:
        rule = expected[planted.kind]
        item = "respondent_id" if rule == "duplicate_id" else planted.item
        assert (rule, item) in found, planted
    assert entry.rows_in == entry.accepted + entry.quarantined
    assert entry.quarantined == sum(p.kind != "answered_when_skipped" for p in sim.planted)


def test_stored_answers_equal_the_simulated_ones(fieldwork):
    q, sim, db, _ = fieldwork
    df = load_dataset(db, q, labels=False).codes().set_index("respondent_id")
    quarantined = set(ResponseStore(db).problems().query("severity == 'quarantine'")["value"].dropna())
    planted_ids = {p.respondent_id for p in sim.planted if p.kind != "answered_when_skipped"}
    expected = sim.answers.drop(index=[i for i in planted_ids | quarantined if i in sim.answers.index])
    expected = expected.loc[[i for i in expected.index if i in df.index]].copy()
    for p in sim.planted:  # answered although routing skips it: a warning, the answer kept as given
        if p.kind == "answered_when_skipped" and p.respondent_id in expected.index:
            expected.loc[p.respondent_id, p.item] = p.value
    assert len(expected) >= len(sim.answers) - 6
    got = df.loc[expected.index, list(q.columns())]
    for col in q.columns():
        a, b = got[col], expected[col]
        if q.item(col.rsplit("_", 1)[0] if col not in q else col).type in ("text", "date"):
            assert (a.astype(object).where(a.notna(), None).astype(str).tolist()
                    == b.astype(object).where(b.notna(), None).astype(str).tolist()), col
        else:
            x = a.astype("Float64").to_numpy(dtype=float, na_value=np.nan)
            y = pd.to_numeric(b, errors="coerce").to_numpy(dtype=float)
            same = (x == y) | (np.isnan(x) & np.isnan(y))
            assert same.all(), (col, a[~same].head(), b[~same].head())


def test_questionnaire_found_from_the_store(fieldwork):
    """Without a questionnaire, load_responses loads the store's newest version through the loader."""
    q, _, db, (entry, kobo) = fieldwork
    ds = load_dataset(db, language="en")
    df = ds.data
    assert ds.questionnaire.key == q.key and len(df) == entry.accepted + kobo.accepted
    assert df["consent"].cat.categories.tolist() == [c.label["en"] for c in q.item("consent").choices.choices]


def test_two_versions_harmonised_on_the_newest(fieldwork, tmp_path):
    """1.1.0 (fixture) adds item offer_abroad_pay and choice ai_kind_6, drops tenure_years."""
    from careersurvey.forms.template import export_template
    from careersurvey.questionnaire import load_questionnaire
    from careersurvey.simulate.fieldwork import fill_template

    q10, sim, db10, (entry, kobo) = fieldwork
    db = tmp_path / "s.duckdb"
    db.write_bytes(db10.read_bytes())
    q11 = load_questionnaire(str(FIXTURES / "stem-careers-1.1.0.yaml"))
    answers = sim.answers.iloc[:5].drop(columns=["tenure_years"]).copy()
    answers.index = [f"N{i}" for i in range(5)]
    skipped = answers["ai_kind_1"] == -9
    answers["ai_kind_6"] = np.where(skipped, -9, 0)
    answers["offer_abroad_pay"] = np.where(answers["offer_abroad"].isin([2, 3]), 5000, -9)
    answers = answers[list(q11.columns())]
    book = fill_template(export_template(q11, tmp_path / "t11.xlsx", rows=5), answers, tmp_path / "entry11.xlsx")
    (r,) = import_responses(book, db, [q10, q11])
    assert (r.version, r.accepted) == ("1.1.0", 5)
    df = load_dataset(db, q11, labels=False).codes().set_index("respondent_id")
    old = df.loc[df["questionnaire_version"] == "1.0.0"]
    new = df.loc[[f"N{i}" for i in range(5)]]
    assert "tenure_years" not in df.columns
    assert (old["offer_abroad_pay"] == -6).all() and (old["ai_kind_6"] == -6).all()
    assert new["offer_abroad_pay"].tolist() == answers["offer_abroad_pay"].tolist()
    assert new["ai_kind_6"].tolist() == answers["ai_kind_6"].tolist()
    back = load_dataset(db, q10, labels=False).codes().set_index("respondent_id")
    assert (back.loc[new.index, "tenure_years"] == -6).all()
    labelled = load_responses(db, q11)
    missing = load_dataset(db, q11).missing
    assert labelled.loc[labelled["questionnaire_version"] == "1.0.0", "offer_abroad_pay"].isna().all()
    assert (missing.loc[labelled["questionnaire_version"] == "1.0.0", "offer_abroad_pay"] == -6).all()
