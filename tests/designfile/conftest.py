"""A second, small questionnaire (an alumni survey, not stem-careers), a store of its answers with missing
codes, a sample file whose ids look like numbers (0001) and whose strata and PSUs are codes (01), targets of
its own, and a design file that names them: what a new program brings to ``careersurvey report --design``."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import careersurvey as cs

YAML = """\
id: alumni
version: 1.0.0
languages: [en]
title: {en: "Alumni careers"}
missing_codes:
  -6: {en: "Not asked in this version"}
  -7: {en: "Prefer not to answer"}
  -8: {en: "Don't know"}
  -9: {en: "Not applicable"}
choice_lists:
  sex: [{code: 1, en: "Man"}, {code: 2, en: "Woman"}]
  job: [{code: 1, en: "Academia"}, {code: 2, en: "Industry"}, {code: 3, en: "Government"}]
  agree5: [{code: 1, en: "1"}, {code: 2, en: "2"}, {code: 3, en: "3"}, {code: 4, en: "4"}, {code: 5, en: "5"}]
modules:
  - id: m1
    title: {en: "All"}
    items:
      - {name: sex, type: single, label: {en: "Sex"}, choices: sex, missing: [-7]}
      - {name: job, type: single, label: {en: "Where do you work?"}, choices: job, missing: [-7]}
      - {name: year, type: integer, label: {en: "Year of graduation"}, range: {min: 1960, max: 2026}}
      - {name: pay, type: decimal, label: {en: "Pay"}, missing: [-7, -8]}
      - {name: happy1, type: rating, label: {en: "I like my work"}, choices: agree5, scale: happy, missing: [-8]}
      - {name: happy2, type: rating, label: {en: "I would choose it again"}, choices: agree5, scale: happy}
      - {name: happy3, type: rating, label: {en: "My work is meaningful"}, choices: agree5, scale: happy}
scales:
  happy:
    label: {en: "Job satisfaction"}
    items: [happy1, happy2, happy3]
"""

TARGETS = """\
id: alumni-2025
description: Alumni by sex.
population_total: 5000
source: "the alumni office's register"
year: 2025
scope: "job != 3"
margins:
  sex:
    variable: sex
    source: "register"
    year: 2025
    levels:
      man: {codes: [1], share: 0.6}
      woman: {codes: [2], share: 0.4}
"""

DESIGN = """\
# how the alumni were sampled: classes (strata) of graduation years, alumni drawn within
questionnaire: alumni@1.0.0
sample:
  file: sample.csv
  key: respondent_id
weights: w
strata: cls
psu: [unit]
fpc: [n_cls]
lonely_psu: adjust
targets:
  file: alumni-2025.yaml
"""


def write_alumni(folder: Path, n: int = 240, seed: int = 7, questionnaire: str = YAML) -> dict[str, Path]:
    """The questionnaire file (``questionnaire``: its YAML text), a store of ``n`` answers, sample.csv,
    alumni-2025.yaml and design.yaml."""
    qfile = folder / "alumni" / "1.0.0.yaml"
    qfile.parent.mkdir(parents=True)
    qfile.write_text(questionnaire, encoding="utf-8")
    q = cs.load_questionnaire(qfile)
    rng = np.random.default_rng(seed)
    ids = [f"{i:04d}" for i in range(1, n + 1)]
    cls = rng.integers(0, 4, n)
    happy = rng.integers(1, 6, n)
    rows = pd.DataFrame({
        "respondent_id": ids,
        "sex": np.where(rng.random(n) < 0.04, -7, rng.integers(1, 3, n)),
        "job": rng.choice([1, 2, 3], n, p=[.3, .5, .2]),
        "year": 1990 + 8 * cls + rng.integers(0, 8, n),
        "pay": np.where(rng.random(n) < 0.1, rng.choice([-7, -8], n), np.round(rng.lognormal(8, .4, n))),
        "happy1": np.where(rng.random(n) < 0.05, -8, happy),
        "happy2": np.clip(happy + rng.integers(-1, 2, n), 1, 5),
        "happy3": np.clip(happy + rng.integers(-1, 2, n), 1, 5),
    })
    answers = folder / "answers.csv"
    rows.to_csv(answers, index=False)
    store = folder / "store.duckdb"
    cs.import_responses(answers, store, q)
    sample = pd.DataFrame({"respondent_id": ids, "cls": [f"0{c}" for c in cls], "unit": ids,
                           "n_cls": [400 + 100 * c for c in cls], "w": [(400 + 100 * c) / 60 for c in cls]})
    sample.to_csv(folder / "sample.csv", index=False)
    (folder / "alumni-2025.yaml").write_text(TARGETS, encoding="utf-8")
    (folder / "design.yaml").write_text(DESIGN, encoding="utf-8")
    return {"questionnaire": qfile, "store": store, "sample": folder / "sample.csv",
            "design": folder / "design.yaml", "targets": folder / "alumni-2025.yaml"}


@pytest.fixture(scope="module")
def alumni(tmp_path_factory) -> dict[str, Path]:
    return write_alumni(tmp_path_factory.mktemp("alumni"))


@pytest.fixture()
def alumni_survey(alumni, monkeypatch) -> dict[str, Path]:
    """The alumni files, with its questionnaire folder as the program's survey/ (as a user's own project)."""
    monkeypatch.setenv("CAREERSURVEY_SURVEY_DIR", str(alumni["questionnaire"].parent.parent))
    return alumni
