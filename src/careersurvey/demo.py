"""``careersurvey demo``: the main job end to end on synthetic data, in under a minute.

Export the forms of stem-careers (XLSForm, entry template, codebook as .xlsx and .html, paper form) -> simulate the fieldwork and fill the entry template (plus an online
export) -> simulate the earlier wave those respondents were a panel of (stem-careers 1.0.0, an online export;
:mod:`careersurvey.simulate.waves`) -> import the waves (2025, then 2026) through the real validation into one
response store -> rake to the published targets
-> run the RQ1-RQ5 analyses -> write the HTML report -> write a public-use file, 3-anonymous on the declared key
variables, with its disclosure report (``release/``). Every step is a public function; this module only
strings them together and reports progress, so the demo shows exactly what a user would run.
"""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

__all__ = ["DemoResult", "run_demo"]


@dataclass(frozen=True)
class DemoResult:
    """Where the demo put things, and the numbers a user wants to see at the end."""

    out: Path
    report: Path
    tables: Path
    store: Path
    release: Path
    forms: tuple[Path, ...]
    fieldwork: tuple[Path, ...]
    respondents: int
    rows_in: int
    accepted: int
    quarantined: int
    seconds: float
    results: dict
    errors: dict
    earlier: Path | None = None
    earlier_respondents: int = 0
    panel_members: int = 0


#: The demo's waves: the earlier one (stem-careers 1.0.0), then the one the report and the design file describe.
DEMO_WAVES = ("2025", "2026")
#: The earlier wave's sample design file, beside the store.
EARLIER_SAMPLE_FILE = "sample_design_2025.csv"


#: The demo's design file: the simulated sample's columns, declared (README, The design file).
DEMO_DESIGN = """\
# The demo's sample design, written by `careersurvey demo`: institutions (PSUs) drawn from the institution
# frame by simple random sampling within strata of sector by region, persons from the person frame within
# institutions (careersurvey.draw_two_stage; every sampled person, with pi1, pi2 and pi, is in sample.csv);
# design weights are the inverse of both stages' inclusion probabilities, raked to the researcher population
# of kr-researchers-2023.
questionnaire: {questionnaire}
sample:
  file: {sample}
  key: respondent_id
weights: design_weight
strata: stratum
psu: [psu]
fpc: [fpc1]
lonely_psu: adjust
targets:
  file: kr-researchers-2023
wave: "2026"      # the store holds the earlier wave 2025 too: this design samples the 2026 respondents
waves:            # the other waves' sample files: the report's waves section weights each wave by its own
  "2025": sample_design_2025.csv
# followed by wave in the report: intentions to move abroad and to leave science (shares agreeing), fear of failure
trend: [ti_abroad_5y, ti_leave_science, fear_failure]
longitudinal:     # the panel's weights for the within-person change: response to 2026 within classes of the
  classes: [ti_abroad_5y]   # 2025 intention to move abroad (attrition depends on it), calibrated to 2025's sectors
  margins: [sector]
# the research questions RQ1-RQ5: the stem-careers program's plug-in analyses (README, Plug-in analyses)
plugins: [stem_careers]
"""


def write_demo_design(path: Path, questionnaire: str, sample: str) -> Path:
    """Write the demo's design file beside its sample file and return its path."""
    path.write_text(DEMO_DESIGN.format(questionnaire=questionnaire, sample=sample), encoding="utf-8")
    return path


#: Who the demo questionnaire screens out (stem-careers' routing: not in science, or no tie to Korea).
DEMO_SCREENED_OUT = "elig_stem == 3 or elig_korea == 0"
#: Frame variables of the demo's sample file, known for every sampled person (the nonresponse analysis).
DEMO_FRAME_VARIABLES = ("inst_sector", "inst_region", "person_group")
#: Key estimates the report shows before and after each weighting step: likely (4-5) to move abroad within five
#: years, and to leave science.
DEMO_KEY_ESTIMATES = (("ti_abroad_5y", (4, 5)), ("ti_leave_science", (4, 5)))


def assign_demo_dispositions(sample_file: Path, store: Path, questionnaire, wave=None) -> tuple[str, ...]:
    """Give every case of the demo's sample file its final AAPOR disposition and write the file back:
    completes and partials (and consent refusals, screen-outs) from the store, the simulation's codes for
    the rest. A questionnaire that came back but sits in quarantine (planted errors) has no stored answers:
    it is coded 2.12 (too incomplete to process) until it is fixed and imported; a note says which."""
    import careersurvey as cs
    from careersurvey.responses.files import create_private

    sample = cs.read_sample(sample_file, text=("disposition", "stratum", "psu", "returned"))
    filled = cs.assign_dispositions(sample, store, questionnaire, source=str(sample_file), pending=True,
                                    screened_out=DEMO_SCREENED_OUT, waves=wave)
    frame = filled.sample
    open_ = frame["disposition"].isna()
    notes = list(filled.notes)
    if open_.any():
        frame.loc[open_, "disposition"] = "2.12"
        frame.loc[open_, "disposition_source"] = "quarantine"
        notes.append(f"{int(open_.sum())} returned questionnaires are in quarantine "
                     f"({', '.join(frame.loc[open_, 'respondent_id'])}): coded 2.12 until fixed and imported")
    create_private(sample_file)
    frame.to_csv(sample_file, index=False)
    return tuple(notes)


def demo_fieldwork_spec(out: str | Path, seed: int = 2026):
    """The fieldwork section of the demo's report (:class:`~careersurvey.report.fieldwork.FieldworkSpec`) over the
    full sample file in ``out``."""
    from careersurvey.report.fieldwork import FieldworkSpec
    from careersurvey.simulate import FULL_SAMPLE_FILE

    return FieldworkSpec(sample=Path(out) / FULL_SAMPLE_FILE, frame_variables=DEMO_FRAME_VARIABLES,
                         model_variables=("stratum", "person_group"), plan_variable="ti_abroad_5y",
                         plan_levels=(4, 5), replicates=100, key_estimates=DEMO_KEY_ESTIMATES, seed=seed)


def run_demo(
    out: str | Path, *, questionnaire: str = "stem-careers@1.1.0", seed: int = 2026, n_institutions: int = 300,
    step: Callable[[str], None] | None = None, lang: str = "en",
) -> DemoResult:
    """Run the demo into ``out`` (created; an existing store there is replaced). ``step`` is told the name
    of each step as it starts (the command line shows it as progress); ``lang`` is the report's language (en or
    ko). The questionnaire is pinned to the version the simulation's answer plan was written for
    (``simulate.stem_careers``)."""
    import careersurvey as cs
    from careersurvey.report.build import build_report
    from careersurvey.simulate import FIELDWORK_FILE, FULL_SAMPLE_FILE, SAMPLE_FILE, simulate_survey

    say = step or (lambda s: None)
    t0 = time.perf_counter()
    out = Path(out)
    (out / "forms").mkdir(parents=True, exist_ok=True)
    say("Exporting forms")
    q = cs.load_questionnaire(questionnaire)
    forms = (
        cs.export_xlsform(q, out / "forms" / f"{q.id}-{q.version}-xlsform.xlsx"),
        cs.export_template(q, out / "forms" / f"{q.id}-{q.version}-entry.xlsx"),
        cs.export_codebook(q, out / "forms" / f"{q.id}-{q.version}-codebook.xlsx"),
        cs.export_codebook(q, out / "forms" / f"{q.id}-{q.version}-codebook.html"),
        cs.export_paper(q, out / "forms" / f"{q.id}-{q.version}-paper.html"),
    )
    say("Simulating fieldwork")
    sim = simulate_survey(q, forms[1], out / "fieldwork", seed=seed, n_institutions=n_institutions)
    say("Simulating the earlier wave")
    from careersurvey.simulate.waves import simulate_earlier_wave

    earlier = simulate_earlier_wave(cs.load_questionnaire(f"{q.id}@1.0.0"), sim, out / "fieldwork-2025", seed=seed)
    say("Importing responses")
    store = out / "store.duckdb"
    for stale in (store, out / "store.duckdb.wal"):
        if stale.exists():
            stale.unlink()
    shutil.copyfile(sim.sample_file, out / SAMPLE_FILE)  # the sample files live beside the store
    shutil.copyfile(sim.sample_file.with_name(FIELDWORK_FILE), out / FIELDWORK_FILE)
    shutil.copyfile(earlier.sample_file, out / EARLIER_SAMPLE_FILE)
    cs.import_responses([earlier.file], store, f"{q.id}@1.0.0", wave=DEMO_WAVES[0])
    results = cs.import_responses(list(sim.files), store, q, wave=DEMO_WAVES[1])
    shutil.copyfile(sim.full_sample_file, out / FULL_SAMPLE_FILE)
    assign_demo_dispositions(out / FULL_SAMPLE_FILE, store, q, wave=DEMO_WAVES[1])
    say("Weighting, analyses and report")
    design = write_demo_design(out / "design.yaml", q.key, SAMPLE_FILE)
    rep = build_report(store, out, progress=say, design=design, lang=lang,
                       fieldwork=demo_fieldwork_spec(out, seed))
    say("Public-use file")
    puf = cs.public_use_file(store, out / "release", k=3, questionnaire=q, seed=seed, waves=DEMO_WAVES[1])
    return DemoResult(
        out=out, report=rep.html, tables=rep.tables, store=store, release=puf.folder, forms=forms,
        fieldwork=sim.files,
        respondents=len(sim.answers), rows_in=sum(r.rows_in for r in results),
        accepted=sum(r.accepted for r in results),
        quarantined=sum(r.quarantined for r in results), seconds=time.perf_counter() - t0,
        results=rep.results, errors=rep.errors, earlier=earlier.file,
        earlier_respondents=len(earlier.persons), panel_members=int(earlier.persons["panel"].sum()),
    )
