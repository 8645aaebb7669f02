"""Build the survey report from a response store: fieldwork and import, weighting, reliability, RQ1-RQ5.

The research-question analyses are the scripts in the repository's ``analysis/`` folder (they use only the
public API, so anyone can read and rerun them); this module loads them by file, runs each on one shared
study (the raked design) and renders every section into one self-contained ``report.html`` plus one
``report_tables.xlsx``. A failing analysis does not sink the report: its section says what went wrong.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Callable, Sequence

import numpy as np
import pandas as pd

from careersurvey.report import plots
from careersurvey.report.html import Section, render_html, section_from_result, write_html
from careersurvey.report.results import AnalysisResult, Table, write_tables

__all__ = ["ReportFiles", "analysis_dir", "load_analysis", "run_analysis", "build_report", "targets_path", "ANALYSES"]

#: Research question -> script in analysis/.
ANALYSES: dict[str, str] = {"RQ1": "rq1_medicine.py", "RQ2": "rq2_leaving.py", "RQ3": "rq3_failure.py",
                            "RQ4": "rq4_environment.py", "RQ5": "rq5_reforms.py"}


#: Headline variables of the stem-careers study whose design effects the weighting section shows.
KEY_ESTIMATES = {"leave_korea": "likely to move abroad (5 years)", "leave_science": "likely to leave science",
                 "s_fail_stigma": "failure stigma score"}


class ReportError(RuntimeError):
    """The report cannot be built (no analysis scripts, empty store); the message says what to do."""


@dataclass(frozen=True)
class ReportFiles:
    """What ``build_report`` wrote, and the analyses' results (for checks and the command line)."""

    html: Path
    tables: Path
    results: dict[str, AnalysisResult]
    errors: dict[str, str]


#: The analysis scripts shipped with the package: ``report/scripts`` is a symlink to the repository's
#: analysis/ (one source of truth in git), copied into the wheel as package data (pyproject.toml).
PACKAGED_SCRIPTS = Path(__file__).resolve().parent / "scripts"


def analysis_dir(path: str | os.PathLike[str] | None = None) -> Path:
    """The folder of the analysis scripts: ``path``, $CAREERSURVEY_ANALYSIS_DIR, ./analysis (a user's own
    copy), or the scripts shipped with the package (the checkout's analysis/ in an editable install)."""
    candidates = [Path(path)] if path else []
    if os.environ.get("CAREERSURVEY_ANALYSIS_DIR"):
        candidates.append(Path(os.environ["CAREERSURVEY_ANALYSIS_DIR"]))
    candidates += [Path.cwd() / "analysis", PACKAGED_SCRIPTS]
    for c in candidates:
        if (c / "_common.py").exists():
            return c
    raise ReportError(
        "no analysis scripts found (looked in " + ", ".join(str(c) for c in candidates) + "); reinstall "
        "careersurvey (the package ships them), or pass --analysis-dir / set CAREERSURVEY_ANALYSIS_DIR to a "
        "folder holding _common.py and rq1_medicine.py ... rq5_reforms.py")


def targets_path(name: str | None) -> str | None:
    """A targets id or file as a file path (``careersurvey.targets.find_targets``), None for no targets."""
    if name is None:
        return None
    from careersurvey.targets import find_targets

    return str(find_targets(name))


def load_analysis(name: str, folder: str | os.PathLike[str] | None = None) -> ModuleType:
    """Import one analysis script (``RQ2`` or a file name) or ``_common`` from the analysis folder."""
    d = analysis_dir(folder)
    file = ANALYSES.get(name.upper(), name if name.endswith(".py") else f"{name}.py")
    path = d / file
    if not path.exists():
        raise ReportError(f"no analysis {name!r}: {path} does not exist; choose one of {', '.join(ANALYSES)}")
    if str(d) not in sys.path:
        sys.path.insert(0, str(d))
    mod_name = "_common" if file == "_common.py" else f"careersurvey_analysis_{path.stem}"
    if mod_name in sys.modules and getattr(sys.modules[mod_name], "__file__", None) == str(path):
        return sys.modules[mod_name]
    spec = importlib.util.spec_from_file_location(mod_name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[mod_name] = module
    spec.loader.exec_module(module)
    return module


def run_analysis(name: str, study, folder: str | os.PathLike[str] | None = None) -> AnalysisResult:
    """Run one research question's script on a study (from ``_common.load_study``)."""
    return load_analysis(name, folder).run(study)


# ------------------------------------------------------------------------------------------- sections


def _fieldwork_table(store) -> Table | None:
    """Response rates by sector from ``fieldwork_summary.csv`` beside the store, when the fieldwork left one."""
    path = Path(store).with_name("fieldwork_summary.csv")
    if not path.exists():
        return None
    from careersurvey.responses.tables import read_table

    f = read_table(path, text=("sector",), what="fieldwork summary")  # sector codes as written (e.g. 01)
    by = f.groupby("sector")[["institutions", "invited", "responded"]].sum()
    by.index = by.index.astype(str).str.replace("_", " ")
    by.loc["all"] = by.sum()
    by["response rate"] = by["responded"] / by["invited"]
    return Table("fieldwork", "Fieldwork: institutions, persons invited and responding, by sector", by,
                 f"From {path.name}; the response rate is unweighted (respondents / invited).", 3)


def _import_section(store) -> Section:
    """Fieldwork and import: files and ledger counts, problems by rule and the first problem rows."""
    from careersurvey.responses.store import ResponseStore

    st = store if isinstance(store, ResponseStore) else ResponseStore(store)
    ledger = st.ledger()
    problems = st.problems()
    cols = ["file_name", "kind", "questionnaire_version", "rows_in", "accepted", "quarantined", "warnings"]
    led = ledger[[c for c in cols if c in ledger.columns]].set_index("file_name")
    by_rule = (problems.groupby(["severity", "rule"]).size().rename("rows").to_frame()
               if len(problems) else pd.DataFrame({"rows": []}))
    shown = problems[["file", "row", "item", "value", "rule", "message"]].head(50).copy() if len(problems) else None
    if shown is not None:
        shown["file"] = shown["file"].map(lambda f: Path(str(f)).name)
    tot = led[["rows_in", "accepted", "quarantined"]].sum()
    fieldwork = _fieldwork_table(store)
    tables = [Table("import_files", "Files imported", led, "One transaction per file, with its ledger counts.", 0),
              Table("import_problems", "Problems by rule", by_rule,
                    "'quarantine' rows are kept out of the analysis with their reasons; warnings are kept.", 0)]
    if shown is not None:
        tables.append(Table("problem_rows", "Problems found (first 50)", shown.set_index("file"), digits=0))
    if fieldwork is not None:
        tables.insert(0, fieldwork)
    return Section(
        id="import", title="Fieldwork and import", nav="Import",
        kpis=(("rows received", f"{int(tot.rows_in):,}"), ("accepted", f"{int(tot.accepted):,}"),
              ("quarantined", f"{int(tot.quarantined):,}"), ("files", f"{len(led)}")),
        text=(f"{int(tot.rows_in):,} rows arrived in {len(led)} files; {int(tot.accepted):,} were accepted and "
              f"{int(tot.quarantined):,} quarantined with their reasons (nothing is dropped silently).",),
        tables=tuple(tables),
        methods=("Each file is validated against the questionnaire (codes, ranges, routing, identifiers) and "
                 "stored in one transaction with a ledger entry (file hash, questionnaire version, counts)."),
    )


def _weighting_section(study) -> Section:
    """Weighting diagnostics of the raked population: targets vs achieved, weight spread, design effects."""
    d, base = study.design, study.base
    inside = np.ones(len(d.data), dtype=bool) if d.domain is None else d.domain  # the raked population
    w, w0 = d.weights.to_numpy(float)[inside], base.weights.to_numpy(float)[inside]
    rows = []
    if study.targets is not None:
        for m in study.targets.margins_:
            col = d.data[m.column].to_numpy()[inside]
            for level, share in m.shares().items():
                hit = col == level
                rows.append({"margin": f"{m.name}: {level}", "target": share, "unweighted": hit.mean(),
                             "design weights": w0[hit].sum() / w0.sum(), "weighted": w[hit].sum() / w.sum()})
    margins = pd.DataFrame(rows).set_index("margin") if rows else pd.DataFrame()
    n = len(w)
    stats = pd.Series({"respondents": n, "sum of weights": w.sum(), "min": w.min(), "median": np.median(w),
                       "max": w.max(), "max/min": w.max() / w.min()}).to_frame("value")
    # Kish's deff and effective n with the respondents they are taken over (in the targets' scope, and all),
    # from the same WeightSummary as `careersurvey weights` prints: the same numbers in the same words
    summary = study.full.weight_summary()
    kish_rows = summary.kish_rows()
    kish = pd.DataFrame([r[1:] for r in kish_rows], index=pd.Index([r[0] for r in kish_rows], name="base"),
                        columns=["respondents", "Kish deff", "effective n"])
    first, _, deff, neff = kish_rows[0]
    key = None
    if set(KEY_ESTIMATES) <= set(d.data.columns):  # the study's headline variables (stem-careers)
        key = d.mean(list(KEY_ESTIMATES), na_rm=True)[["estimate", "se", "deff"]]
        key.index = list(KEY_ESTIMATES.values())
    figs = [plots.weights_plot(w, caption="Raked weights: persons each respondent represents.")]
    if len(margins):
        figs.insert(0, plots.margins_plot(margins, caption="Target shares (published statistics), the "
                                                          "respondents unweighted, and after raking."))
    tables = [Table("weights", "Weight distribution", stats, digits=2),
              Table("kish", "Kish design effect of the weights", kish, summary.kish_text() + ".", 0)]
    if len(margins):
        tables.insert(0, Table("margins", "Targets and achieved shares", margins,
                               "Raking matches every target margin exactly; the unweighted column shows "
                               "how far the respondents were from the population.", 3))
    if key is not None:
        tables.append(Table("deff", "Design effects of key estimates", key,
                            "deff: variance under the design over the variance of a simple random sample.", 3))
    return Section(
        id="weighting", title="Weighting", nav="Weighting",
        kpis=(("population", f"{w.sum():,.0f}"), (f"Kish deff ({first})", deff), (f"effective n ({first})", neff)),
        text=tuple(study.notes) + tuple(f"Weighting: {step}." for step in summary.history),
        figures=tuple(figs), tables=tuple(tables),
        methods=("Design weights (inverse selection probabilities of institutions and of persons within them) "
                 "were raked (iterative proportional fitting) to the published margins of the targets file; "
                 "variances use Taylor linearisation over strata and institutions, accounting for the raking."),
    )


def _reliability_section(study) -> Section:
    """Reliability of every scale on every respondent (unweighted), with alpha by answering language."""
    import careersurvey.scales as sc

    q = study.questionnaire
    tab = sc.reliability_table(study.full.data, q)  # every respondent: reliability is not a weighted estimate
    if "alpha" in tab:
        tab = tab.sort_values("alpha", ascending=False)
        ok = tab.dropna(subset=["alpha"])
        plot_frame = pd.DataFrame({"estimate": ok["alpha"], "ci_low": ok["alpha_ci_low"],
                                   "ci_high": ok["alpha_ci_high"]})
        figs = (plots.estimate_plot(plot_frame, "alpha", "Cronbach's alpha with 95% CI", percent=False,
                                    xlabel="alpha", caption="Feldt confidence intervals."),)
        weakest = ok["alpha"].idxmin() if len(ok) else None
        text = (f"{len(ok)} scales assessed; alpha ranges from {ok['alpha'].min():.2f} ({weakest}) to "
                f"{ok['alpha'].max():.2f}.",) if len(ok) else ()
    else:
        figs, text = (), ("No scale had enough complete answers to assess.",)
    tables = [Table("reliability", "Reliability of every scale", tab,
                    "Unweighted, complete answers; omega total from a one-factor minimum-residual fit "
                    "(as R psych::omega); rmsr: root mean square residual correlation of that fit.")]
    by_lang = _alpha_by_language(study)
    if by_lang is not None:
        tables.append(Table("alpha_language", "Cronbach's alpha by the language answered", by_lang,
                            "A scale that holds in one language but not the other points to a translation "
                            "problem; scales with fewer than 30 complete answers in a language are left blank."))
    return Section(
        id="reliability", title="Scale reliability", nav="Scales", text=text, figures=figs,
        tables=tuple(tables),
        methods=("Scores are item means with reverse-keyed items reversed, computed when at least the "
                 "questionnaire's minimum number of items was answered; missing codes never enter a score."),
    )


def _methods_section(study) -> Section:
    """The methods in words, from what the study actually did (design, weights, variance, models)."""
    q = study.questionnaire
    tg = study.targets
    paras = [
        f"Questionnaire {q.key}, bilingual ({', '.join(q.languages)}); every variable, code, routing rule and "
        "scale comes from its YAML definition. Returned workbooks and online exports were validated against "
        "it; rows failing a rule were quarantined with their reasons and are not analysed.",
        "Sample design: institutions (universities, government-funded institutes, firms) are the primary "
        "sampling units, selected by simple random sampling within strata of sector by region; persons are "
        "selected within institutions. Design weights are the inverse of both stages' selection probabilities; "
        "the first-stage finite population correction is used. A stratum in which only one institution "
        "responded is handled as R survey's lonely.psu = 'adjust'.",
        (f"Weighting: design weights of researchers in Korea were raked to {tg.id} ({tg.source}, {tg.year}): "
         + "; ".join(f"{m.name} from item {m.variable}" for m in tg.margins_)
         + f". Only respondents inside the targets' population ({tg.scope or 'everyone'}) were raked; "
           "undergraduates and researchers abroad are outside these figures and keep their design weights. "
           "Estimates for researchers in Korea are domain estimates of the one design of every respondent "
           "(zero weight outside the domain, variance over every institution, as R survey's subset); RQ1 "
           "and the questions to those abroad use every respondent with these weights.")
        if tg is not None else "Weighting: design weights only (no population targets were given).",
        "Variance: Taylor linearisation with the stratified cluster design; after raking, variances are "
        "computed from the calibration residuals (as R survey's calibrate). Confidence intervals use the "
        "design degrees of freedom (PSUs minus strata). Tests of association are Rao-Scott second-order "
        "corrected F tests.",
        "Models: design-based logistic regressions (as R svyglm) and proportional-odds models "
        "(as R svyolr); odds ratios per unit of the predictor with 95% confidence intervals.",
        "Scales: mean of the items with reverse-keyed items reversed, when the scale's minimum number of "
        "items was answered; reliability as Cronbach's alpha with Feldt interval and McDonald's omega total "
        "from a one-factor minimum-residual model (tested against R psych).",
    ]
    return Section(id="methods", title="Methods", nav="Methods", text=tuple(paras + list(study.notes)))


def _unweighted_section(study) -> Section:
    """The weighting section of a report without a design file: it says the estimates are unweighted, and why."""
    return Section(id="weighting", title="Weighting", nav="Weighting", text=tuple(study.notes),
                   kpis=(("weights", "none (unweighted)"),))


def _generic_methods(study, dfile) -> Section:
    """The methods of a report of any questionnaire, from its design file (or its absence)."""
    q = study.questionnaire
    paras = [f"Questionnaire {q.key}; every variable, code, routing rule and scale comes from its YAML definition. "
             "Returned files were validated against it; rows failing a rule were quarantined with their reasons "
             "and are not analysed. Missing codes (-6 to -9) never enter an estimate."]
    if dfile is None:
        paras.append("Design: none declared; estimates are unweighted, with simple-random-sampling variances.")
    else:
        paras.append(f"Design declared in {dfile.path.name}: weights {dfile.weights or '1 for everyone'}"
                     + (f"; strata {', '.join(dfile.strata)}" if dfile.strata else "")
                     + (f"; PSUs by stage {', '.join(dfile.psu)}" if dfile.psu else "")
                     + (f"; fpc {', '.join(dfile.fpc)}" if dfile.fpc else "")
                     + f"; a stratum with one PSU handled as R survey's lonely.psu = '{dfile.lonely_psu}'. "
                     "Variances by Taylor linearisation over the declared stages"
                     + (", accounting for the raking." if study.targets is not None else "."))
    return Section(id="methods", title="Methods", nav="Methods", text=tuple(paras + list(study.notes)))


def _alpha_by_language(study) -> pd.DataFrame | None:
    """Alpha of every scale within each answering language (the questionnaire's ``lang`` item)."""
    import careersurvey.scales as sc

    q, data = study.questionnaire, study.full.data
    if "lang" not in data.columns or "lang" not in q:
        return None
    item = q.item("lang")
    out = {}
    for choice in item.choices.choices:
        part = data[data["lang"] == choice.code]
        col = {}
        for name in q.scales:
            try:
                col[name] = sc.reliability(part, name, q).alpha if len(part) >= 30 else np.nan
            except sc.ScaleError:
                col[name] = np.nan
        out[f"{choice.label.get('en', choice.code)} (n = {len(part)})"] = col
    return pd.DataFrame(out)


def _error_section(key: str, message: str) -> Section:
    """The section of an analysis that failed: its name and the error, so the rest of the report stands."""
    return Section(id=key.lower(), title=f"{key}. (analysis failed)", nav=key,
                   text=(f"The analysis could not run: {message}",))


def build_report(
    store: str | os.PathLike[str], out: str | os.PathLike[str], *, sample: str | None = None,
    targets: str | None = "kr-researchers-2023", analyses: Sequence[str] = tuple(ANALYSES),
    analysis_folder: str | None = None, progress: Callable[[str], None] | None = None,
    title: str | None = None, design=None,
) -> ReportFiles:
    """Write ``report.html`` (self-contained) and ``report_tables.xlsx`` into ``out``; also each
    analysis's own workbook and figures under ``out/analysis``.

    ``design``: a design file (path or :class:`~careersurvey.DesignFile`) declaring the sample file, design
    columns and targets (``sample`` and ``targets`` are then not used). The research-question analyses run
    when the store holds the questionnaire they are written for (``_common.QUESTIONNAIRE``); for any other
    questionnaire the report has the generic sections and says why the analyses are left out. Without a
    design file such a report's estimates are unweighted, and it says so."""
    from careersurvey.designfile import DesignFile, load_design_file
    from careersurvey.report.study import generic_study, store_questionnaire

    say = progress or (lambda msg: None)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    dfile = design if design is None or isinstance(design, DesignFile) else load_design_file(design)
    common = load_analysis("_common", analysis_folder)
    written_for = str(getattr(common, "QUESTIONNAIRE", ""))
    holds = store_questionnaire(store, dfile)
    say("loading the store and weighting")
    if holds.split("@")[0] == written_for.split("@")[0]:
        study = (common.load_study(store, design=dfile) if dfile is not None
                 else common.load_study(store, sample, targets_path(targets)))
        left_out = None
    else:
        study = generic_study(store, dfile)
        left_out = (f"The research-question analyses ({', '.join(analyses)}) in {analysis_dir(analysis_folder)} "
                    f"are written for {written_for}; this store holds {holds}, so they are left out. The "
                    "sections above come from the questionnaire and the design alone.")
        analyses = ()
    weighted = getattr(study, "weighted", True)
    sections = [_import_section(store), _weighting_section(study) if weighted else _unweighted_section(study),
                _reliability_section(study)]
    results: dict[str, AnalysisResult] = {}
    errors: dict[str, str] = {}
    if left_out is not None:
        sections.append(Section(id="analyses", title="Research questions", nav="Questions", text=(left_out,)))
    for key in analyses:
        say(f"analysis {key}")
        try:
            res = run_analysis(key, study, analysis_folder)
        except Exception as exc:  # one failing analysis must not lose the rest of the report
            errors[key] = f"{type(exc).__name__}: {exc}"
            traceback.print_exc()
            sections.append(_error_section(key, errors[key]))
            continue
        results[key] = res
        res.write(out / "analysis")
        sections.append(section_from_result(res))
    n = len(study.data)
    if left_out is None:
        about = ("This report answers the five research questions of the STEM careers survey with design-based "
                 "estimates: every percentage, mean and model is weighted to the population of researchers, and "
                 "its confidence interval reflects the stratified cluster sample and the raking.",)
    else:
        about = (f"This report describes the answers to questionnaire {holds}.",
                 *((study.notes[0],) if not weighted else ()), left_out)
    overview = Section(
        id="overview", title="Overview", nav="Overview",
        kpis=(("respondents", f"{len(study.full.data):,}"),
              ("in the raked population" if study.targets is not None else "analysed", f"{n:,}"),
              ("questionnaire", study.questionnaire.key),
              ("research questions", f"{len(results)} of {len(analyses)}")),
        text=about,
        findings=tuple(f"{k}: {r.findings[0]}" for k, r in results.items() if r.findings),
    )
    sections.insert(0, overview)
    sections.append(_methods_section(study) if left_out is None else _generic_methods(study, dfile))
    say("writing report.html")
    if title is None:
        title = ("Why Korea's science and engineering talent leaves: survey report" if left_out is None
                 else f"{study.questionnaire.title.get('en', next(iter(study.questionnaire.title.values())))}: "
                      "survey report")
    html = render_html(sections, title=title, subtitle="Design-based estimates with 95% confidence intervals",
                       questionnaire=study.questionnaire.key,
                       warnings=[f"{k} failed: {m}" for k, m in errors.items()])
    page = write_html(out / "report.html", html)
    tables = [t for s in sections for t in s.tables]
    xlsx = write_tables(tables, out / "report_tables.xlsx", sections=[s.title for s in sections for _ in s.tables])
    return ReportFiles(html=page, tables=xlsx, results=results, errors=errors)
