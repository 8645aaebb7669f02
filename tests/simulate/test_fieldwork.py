"""The simulated fieldwork goes through the real import path: every planted error is caught, the rest
accepted, and the simulation is reproducible."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

pytest.importorskip("careersurvey.responses.importer")
from careersurvey.forms.template import export_template  # noqa: E402
from careersurvey.questionnaire import load_questionnaire  # noqa: E402
from careersurvey.responses.importer import import_responses  # noqa: E402
from careersurvey.responses.store import ResponseStore  # noqa: E402
from careersurvey.simulate import Margins, simulate_survey  # noqa: E402
from careersurvey.simulate.population import DEFAULT_MARGINS  # noqa: E402

SMALL = Margins(size=60_000, shares=DEFAULT_MARGINS.shares)


@pytest.fixture(scope="module")
def fieldwork(tmp_path_factory):
    out = tmp_path_factory.mktemp("fieldwork")
    q = load_questionnaire("stem-careers@1.0.0")
    template = export_template(q, out / "template.xlsx", rows=600)
    sim = simulate_survey(q, template, out, seed=5, n_institutions=80, take=8, margins=SMALL)
    results = import_responses(list(sim.files), out / "store.duckdb", q)
    return q, template, sim, results, ResponseStore(out / "store.duckdb")


def test_planted_errors_are_quarantined_or_flagged(fieldwork) -> None:
    q, _, sim, results, store = fieldwork
    entry, kobo = results
    kinds = {p.kind for p in sim.planted}
    assert kinds == {"invalid_code", "out_of_range", "not_a_number", "answered_when_skipped", "duplicate_id"}
    problems = store.problems()
    for p in sim.planted:
        rule = {"invalid_code": "not_a_choice", "out_of_range": "out_of_range", "not_a_number": "not_a_number",
                "answered_when_skipped": "answered_but_skipped", "duplicate_id": "duplicate_id"}[p.kind]
        hit = problems[(problems["rule"] == rule) & (problems["value"].astype(str) == str(p.value))]
        assert len(hit) >= 1, (p, rule)
    n_paper = entry.rows_in - 1  # one row entered twice
    assert entry.quarantined == 4 and entry.accepted == n_paper + 1 - 4
    assert kobo.quarantined == 0 and kobo.accepted == kobo.rows_in
    # nothing but the planted errors: every other code, range, routing and missing code is valid
    assert entry.warnings == 1 and kobo.warnings == 0
    assert len(problems) == len(sim.planted)
    assert n_paper + kobo.rows_in == len(sim.answers)


def test_sample_file_covers_every_respondent(fieldwork) -> None:
    _, _, sim, _, _ = fieldwork
    sample = pd.read_csv(sim.sample_file, dtype={"respondent_id": str})
    assert sample["respondent_id"].is_unique and len(sample) == len(sim.answers)
    assert (sample["design_weight"] > 0).all() and (sample["fpc1"] >= 1).all()
    assert (sample.groupby("psu")["stratum"].nunique() == 1).all()  # PSUs nest in strata
    assert (sample["design_weight"] >= 1).all()  # inverse probabilities: nobody represents less than one
    assert (sample["fpc2"] >= 1).all()


def test_simulation_is_reproducible(fieldwork, tmp_path: Path) -> None:
    q, template, sim, _, _ = fieldwork
    again = simulate_survey(q, template, tmp_path, seed=5, n_institutions=80, take=8, margins=SMALL)
    pd.testing.assert_frame_equal(sim.answers, again.answers)
    assert again.planted == sim.planted


def test_answers_come_back_unchanged_through_both_files(fieldwork) -> None:
    import careersurvey as cs

    q, _, sim, _, store = fieldwork
    loaded = cs.load_responses(store, labels=False)
    loaded = loaded.set_index("respondent_id")
    planted = {p.respondent_id for p in sim.planted}
    ids = [i for i in sim.answers.index if i in loaded.index and i not in planted]
    # every respondent without a planted error reaches the store (the planted ones are tested above)
    assert len(ids) == len(set(sim.answers.index) - planted) > 0.95 * len(sim.answers)
    numeric = [c for c in sim.answers.columns if c not in ("comment",)]
    want = sim.answers.loc[ids, numeric].apply(pd.to_numeric, errors="coerce")
    got = loaded.loc[ids, numeric].apply(pd.to_numeric, errors="coerce").astype(float)
    real = want >= 0  # real answers must be identical; skipped/refused are checked as missing codes by import
    diff = (got.where(real) != want.where(real)) & real
    assert not diff.any().any(), diff.sum()[diff.sum() > 0]
