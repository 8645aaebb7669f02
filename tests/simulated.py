"""A simulated stem-careers survey imported through the real path, for tests that need a realistic store."""

from __future__ import annotations

from pathlib import Path

import careersurvey as cs


def simulated_store(out: Path, *, seed: int = 2026, n_institutions: int = 150, version: str = "1.0.0"
                    ) -> tuple["cs.Questionnaire", Path, Path]:
    """(questionnaire, store, sample design file) of a simulated stem-careers survey written into ``out``."""
    from careersurvey.simulate import simulate_survey

    q = cs.load_questionnaire(f"stem-careers@{version}")
    template = cs.export_template(q, out / "template.xlsx", rows=1200)
    sim = simulate_survey(q, template, out / "fieldwork", seed=seed, n_institutions=n_institutions)
    store = out / "store.duckdb"
    cs.import_responses(list(sim.files), store, q)
    return q, store, Path(sim.sample_file)
