"""Build the survey report of any questionnaire from a response store: generic sections and plug-in analyses.

The generic sections come from the questionnaire and the declared design alone (fieldwork and import,
weighting, scale reliability, methods); a program's research questions are plug-ins (``report.plugins``:
modules named on the command line, in the design file or registered as entry points), each run on its study
and rendered as one section. Everything goes into one self-contained ``report.html`` plus one
``report_tables.xlsx``. A failing plug-in does not sink the report: its section is marked as failed and names
the file and line in the plug-in's code where it failed.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
import pandas as pd

from careersurvey.report import plots
from careersurvey.report.html import Section, render_html, section_from_result, write_html
from careersurvey.report.plugins import Plugin, PluginFailure, failure, find_plugins
from careersurvey.report.results import AnalysisResult, Table, write_tables

__all__ = ["ReportFiles", "ReportError", "PluginRun", "build_report", "run_plugins", "targets_path"]


class ReportError(RuntimeError):
    """The report cannot be built (empty store); the message says what to do."""


@dataclass(frozen=True)
class ReportFiles:
    """What ``build_report`` wrote, the plug-ins' results by key (for checks and the command line) and the
    failed plug-ins' messages by key (file and line of the failure included)."""

    html: Path
    tables: Path
    results: dict[str, AnalysisResult]
    errors: dict[str, str]


def targets_path(name: str | None) -> str | None:
    """A targets id or file as a file path (``careersurvey.targets.find_targets``), None for no targets."""
    if name is None:
        return None
    from careersurvey.targets import find_targets

    return str(find_targets(name))


@dataclass(frozen=True)
class PluginRun:
    """What running the plug-ins gave: results and failures by key, those left out (written for another
    questionnaire) and the contents table that lists every one."""

    results: dict[str, AnalysisResult]
    failures: dict[str, PluginFailure]
    left_out: tuple[Plugin, ...]
    contents: Table | None


def run_plugins(plugins: Sequence[Plugin], failed: Sequence[PluginFailure], store, design, holds: str,
                generic: Callable[[], object], say: Callable[[str], object] = lambda s: None) -> PluginRun:
    """Run each plug-in written for ``holds`` (the store's questionnaire) on its study: ``load_study(store,
    design)`` when it has one, else ``generic()`` (each built once). A failure in a study or in ``run`` is kept
    as a :class:`PluginFailure` naming the plug-in's file and line, and the next plug-in runs."""
    results: dict[str, AnalysisResult] = {}
    failures = {f.key: f for f in failed}
    studies: dict[Callable | None, object] = {}
    rows = [{"key": f.key, "analysis": f.module, "module": f.module, "status": f"failed: {f.message}"}
            for f in failed]
    left = tuple(p for p in plugins if not p.applies_to(holds))
    for p in plugins:
        row = {"key": p.key, "analysis": p.title, "module": p.module}
        if p in left:
            rows.append({**row, "status": f"left out: written for {p.questionnaire}"})
            continue
        say(f"analysis {p.key}")
        try:
            if p.load_study not in studies:
                studies[p.load_study] = generic() if p.load_study is None else p.load_study(store, design)
            study = studies[p.load_study]
            res = p.run(study)
            if not isinstance(res, AnalysisResult):
                raise TypeError(f"run() returned a {type(res).__name__}, not a careersurvey.AnalysisResult")
        except Exception as exc:  # one failing plug-in must not lose the rest of the report
            failures[p.key] = failure(p.key, p.module, exc, p.file)
            rows.append({**row, "status": f"failed: {failures[p.key].message}"})
            continue
        results[p.key] = res
        rows.append({**row, "status": "ran"})
    contents = None
    if rows:
        frame = pd.DataFrame(rows).set_index("key")
        contents = Table("plugins", "Plug-in analyses in this report", frame,
                         "Each plug-in is a module named on the command line (--plugin), in the design file "
                         "(plugins:) or registered by an installed package (entry points careersurvey.analyses).",
                         0)
    return PluginRun(results, failures, left, contents)


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
    return Section(
        id="weighting", title="Weighting", nav="Weighting",
        kpis=(("population", f"{w.sum():,.0f}"), (f"Kish deff ({first})", deff), (f"effective n ({first})", neff)),
        text=tuple(study.notes) + tuple(f"Weighting: {step}." for step in summary.history),
        figures=tuple(figs), tables=tuple(tables),
        methods=("Design weights (inverse selection probabilities, as the design file declares them)"
                 + (" were raked (iterative proportional fitting) to the margins of the targets file"
                    if study.targets is not None else " were used as they are (no targets)")
                 + "; variances use Taylor linearisation over the declared strata and PSUs"
                 + (", accounting for the raking." if study.targets is not None else ".")),
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
    tg = study.targets
    if tg is not None:
        paras.append(f"Weighting: design weights raked to {tg.id} ({tg.source}, {tg.year}): "
                     + "; ".join(f"{m.name} from item {m.variable}" for m in tg.margins_)
                     + f". Only respondents inside the targets' population ({tg.scope or 'everyone'}) were raked; "
                       "the others keep their design weights, and estimates of that population are domain "
                       "estimates of the one design (variance over every PSU, as R survey's subset).")
    paras.append("Tests of association are Rao-Scott second-order corrected F tests; scale scores are item means "
                 "with reverse-keyed items reversed, computed when the scale's minimum number of items was "
                 "answered; reliability as Cronbach's alpha with Feldt interval and McDonald's omega total.")
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




def _failed_section(f: PluginFailure, title: str) -> Section:
    """The section of a plug-in that failed: marked as failed, with the file and line where it failed."""
    return Section(id=f.key.lower(), title=f"{f.key}. {title} (analysis failed)", nav=f.key,
                   text=(f"The analysis could not run: {f.message}. The other sections do not depend on it.",))


def build_report(
    store: str | os.PathLike[str], out: str | os.PathLike[str], *, design=None, plugins: Sequence[str] = (),
    entry_points: bool = True, progress: Callable[[str], None] | None = None, title: str | None = None,
) -> ReportFiles:
    """Write ``report.html`` (self-contained) and ``report_tables.xlsx`` into ``out``; also each plug-in's own
    workbook and figures under ``out/analysis``.

    ``design``: a design file (path or :class:`~careersurvey.DesignFile`) declaring the sample file, design
    columns and targets; without one the estimates are unweighted and the report says so and why.
    ``plugins``: module names of plug-in analyses (``report.plugins``); without them, the design file's
    ``plugins:``, else the plug-ins installed packages register (``entry_points``). A plug-in written for
    another questionnaire than the store holds is listed as left out, with the reason."""
    from careersurvey.designfile import DesignFile, load_design_file
    from careersurvey.report.study import generic_study, store_questionnaire

    say = progress or (lambda msg: None)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    dfile = design if design is None or isinstance(design, DesignFile) else load_design_file(design)
    found, failed = find_plugins(plugins, dfile, entry_points=entry_points)
    holds = store_questionnaire(store, dfile)
    say("loading the store and weighting")
    study = generic_study(store, dfile)
    sections = [_import_section(store), _weighting_section(study) if study.weighted else _unweighted_section(study),
                _reliability_section(study)]
    ran = run_plugins(found, failed, store, dfile, holds, lambda: study, say)
    titles = {p.key: p.title for p in found}
    for key, f in ran.failures.items():
        if key not in ran.results:
            sections.append(_failed_section(f, titles.get(key, f.module)))
    for key, res in ran.results.items():
        res.write(out / "analysis")
        sections.append(section_from_result(res))
    left_out = None
    if ran.left_out:
        left_out = (f"The plug-in analyses {', '.join(p.key for p in ran.left_out)} are written for "
                    f"{ran.left_out[0].questionnaire}; this store holds {holds}, so they are left out.")
    if not found and not failed:
        left_out = ("No plug-in analyses were named (--plugin, the design file's plugins:) or registered by an "
                    "installed package; the sections come from the questionnaire and the design alone.")
    order = [p.key for p in found]  # the plug-ins' sections in the order they were named
    head, tail = sections[:3], sorted(sections[3:], key=lambda s: order.index(s.nav) if s.nav in order else -1)
    n = len(study.data)
    about = (f"This report describes the answers to questionnaire {holds} with design-based estimates"
             + (" weighted to the declared design." if study.weighted else "."),
             *((study.notes[0],) if not study.weighted else ()), *((left_out,) if left_out else ()))
    contents = (ran.contents,) if ran.contents is not None else ()
    overview = Section(
        id="overview", title="Overview", nav="Overview",
        kpis=(("respondents", f"{len(study.full.data):,}"),
              ("in the targets' population" if study.targets is not None else "analysed", f"{n:,}"),
              ("questionnaire", study.questionnaire.key),
              ("plug-in analyses", f"{len(ran.results)} of {len(found) - len(ran.left_out) + len(failed)}")),
        text=about, tables=contents,
        findings=tuple(f"{k}: {r.findings[0]}" for k, r in ran.results.items() if r.findings),
    )
    sections = [overview, *head, *tail, _generic_methods(study, dfile)]
    say("writing report.html")
    if title is None:
        title = f"{study.questionnaire.title.get('en', next(iter(study.questionnaire.title.values())))}: survey report"
    html = render_html(sections, title=title, subtitle="Design-based estimates with 95% confidence intervals",
                       questionnaire=study.questionnaire.key,
                       warnings=[f.message for f in ran.failures.values()])
    page = write_html(out / "report.html", html)
    tables = [t for s in sections for t in s.tables]
    xlsx = write_tables(tables, out / "report_tables.xlsx", sections=[s.title for s in sections for _ in s.tables])
    return ReportFiles(html=page, tables=xlsx, results=ran.results,
                       errors={k: f.message for k, f in ran.failures.items()})
