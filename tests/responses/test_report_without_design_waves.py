"""Without a design file, a report of a store of several waves reads the newest wave and says so: stacked waves
would count a person who answered twice as two respondents (two waves of the small questionnaire, 40 people
in both)."""

from __future__ import annotations

from careersurvey.report.study import generic_study

from .test_engine_view import registered_mini, store  # noqa: F401 (fixtures)


def test_newest_wave_only_with_a_note(store):  # noqa: F811
    db, rows, _sample, _path = store
    study = generic_study(db)
    data = study.full.data
    assert set(data["wave"]) == {"2026"} and len(data) == len(rows["2026"]) == 80
    assert any("holds 2 waves (2025, 2026)" in n and "reads the newest, 2026" in n for n in study.notes)
