"""The report's generic sections in the report's language: fieldwork and import, weighting (or the statement
that there is none), scale reliability, methods, a failed plug-in, and the overview.

Every word the report says by itself comes from the catalogue (``report/i18n.py``, ``text(key, lang)``);
scale and category labels come from the questionnaire in ``lang``. Sentences other parts of the package write in
English (a design file's notes, the weighting steps, validation messages) are given in ``lang`` by the catalogue's
``msg.*`` forms (``i18n.translated``), margin, level and sector names by its ``term.*`` words.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from careersurvey.report import plots
from careersurvey.report.html import Section
from careersurvey.report.i18n import label_in, term, text, translated
from careersurvey.report.results import Table

__all__ = ["import_section", "weighting_section", "unweighted_section", "reliability_section", "methods_section",
           "failed_section", "overview_section", "plugin_status"]

#: The first rows of problems the import section lists.
PROBLEM_ROWS = 50


def _fieldwork_table(store, lang: str) -> Table | None:
    """Response rates by sector from ``fieldwork_summary.csv`` beside the store, when the fieldwork left one."""
    path = Path(store).with_name("fieldwork_summary.csv")
    if not path.exists():
        return None
    from careersurvey.responses.tables import read_table

    f = read_table(path, text=("sector",), what="fieldwork summary")  # sector codes as written (e.g. 01)
    by = f.groupby("sector")[["institutions", "invited", "responded"]].sum()
    by.index = pd.Index([term(v, lang) for v in by.index.astype(str)], name=by.index.name)
    by.loc[text("fieldwork.all", lang)] = by.sum()
    by["response rate"] = by["responded"] / by["invited"]
    return Table("fieldwork", text("fieldwork.title", lang), by, text("fieldwork.caption", lang, file=path.name), 0)


def import_section(store, lang: str = "en") -> Section:
    """Fieldwork and import: files and ledger counts, problems by rule and the first problem rows."""
    from careersurvey.responses.store import ResponseStore

    st = store if isinstance(store, ResponseStore) else ResponseStore(store)
    ledger = st.ledger()
    problems = st.problems()
    cols = ["file_name", "kind", "questionnaire_version", "rows_in", "accepted", "quarantined", "warnings"]
    led = ledger[[c for c in cols if c in ledger.columns]].set_index("file_name")
    by_rule = (problems.groupby(["severity", "rule"]).size().rename("rows").to_frame()
               if len(problems) else pd.DataFrame({"rows": []}))
    shown = (problems[["file", "row", "item", "value", "rule", "message"]].head(PROBLEM_ROWS).copy()
             if len(problems) else None)
    if shown is not None:
        shown["file"] = shown["file"].map(lambda f: Path(str(f)).name)
        shown["message"] = shown["message"].map(lambda m: translated(str(m), lang))
    tot = led[["rows_in", "accepted", "quarantined"]].sum()
    tables = [Table("import_files", text("import.files_title", lang), led, text("import.files_caption", lang), 0),
              Table("import_problems", text("import.rules_title", lang), by_rule, text("import.rules_caption", lang),
                    0)]
    if shown is not None:
        tables.append(Table("problem_rows", text("import.rows_title", lang, n=PROBLEM_ROWS), shown.set_index("file"),
                            digits=0))
    fieldwork = _fieldwork_table(store, lang)
    if fieldwork is not None:
        tables.insert(0, fieldwork)
    counts = dict(rows=f"{int(tot.rows_in):,}", files=f"{len(led)}", accepted=f"{int(tot.accepted):,}",
                  quarantined=f"{int(tot.quarantined):,}")
    return Section(
        id="import", title=text("import.title", lang), nav=text("import.nav", lang),
        kpis=((text("kpi.rows_received", lang), counts["rows"]), (text("kpi.accepted", lang), counts["accepted"]),
              (text("kpi.quarantined", lang), counts["quarantined"]), (text("kpi.files", lang), counts["files"])),
        text=(text("import.text", lang, **counts),), tables=tuple(tables), methods=text("import.methods", lang),
    )


def _kish(summary, lang: str) -> tuple[pd.DataFrame, str]:
    """Kish's design effect and effective n on each base (numbers), and the sentence saying them."""
    from careersurvey.estimation.weighting.diagnostics import ALL, IN_SCOPE

    names = {ALL: text("w.base_all", lang), IN_SCOPE: text("w.base_scope", lang)}
    kish = summary.kish.copy()
    kish[["respondents", "effective n"]] = kish[["respondents", "effective n"]].round().astype(int)
    kish.index = pd.Index([names.get(b, str(b)) for b in kish.index], name="base")
    said = "; ".join(text("w.kish_sentence", lang, base=names.get(b, str(b)), n=f"{r['respondents']:,.0f}",
                          deff=f"{r['Kish deff']:.2f}", neff=f"{r['effective n']:,.0f}")
                     for b, r in summary.kish.iterrows())
    return kish, said


def weighting_section(study, lang: str = "en") -> Section:
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
                rows.append({"margin": f"{term(m.name, lang)}: {term(level, lang)}", "target": share, "unweighted": hit.mean(),
                             "design weights": w0[hit].sum() / w0.sum(), "weighted": w[hit].sum() / w.sum()})
    margins = pd.DataFrame(rows).set_index("margin") if rows else pd.DataFrame()
    stats = pd.DataFrame([[w.sum(), w.min(), np.median(w), w.max(), w.max() / w.min()]],
                         columns=[text(f"w.{k}", lang) for k in ("sum", "min", "median", "max", "ratio")])
    stats.insert(0, text("w.respondents", lang), len(w))  # a count: no decimals
    summary = study.full.weight_summary()
    kish, said = _kish(summary, lang)
    first = kish.iloc[0]
    figs = [plots.weights_plot(w, caption=text("w.fig_weights_caption", lang), lang=lang)]
    if len(margins):
        figs.insert(0, plots.margins_plot(margins, caption=text("w.fig_margins_caption", lang), lang=lang))
    tables = [Table("weights", text("w.dist_title", lang), stats, digits=2, flag=False),
              Table("kish", text("w.kish_title", lang), kish, said + ".", 2, flag=False)]
    if len(margins):
        tables.insert(0, Table("margins", text("w.margins_title", lang), margins, text("w.margins_caption", lang),
                               pct_digits=1, flag=False))
    raked = study.targets is not None
    return Section(
        id="weighting", title=text("w.title", lang), nav=text("w.title", lang),
        kpis=((text("kpi.population", lang), f"{w.sum():,.0f}"),
              (text("kpi.kish_deff", lang, base=kish.index[0]), f"{first['Kish deff']:.2f}"),
              (text("kpi.effective_n", lang, base=kish.index[0]), f"{first['effective n']:,.0f}")),
        text=tuple(translated(n, lang) for n in study.notes) + tuple(text("w.step", lang, step=translated(step, lang))
                                                                   for step in summary.history),
        figures=tuple(figs), tables=tuple(tables),
        methods=text("w.methods_raked" if raked else "w.methods_plain", lang),
    )


def unweighted_section(study, lang: str = "en") -> Section:
    """The weighting section of a report without a design file: it says the estimates are unweighted, and why."""
    return Section(id="weighting", title=text("w.title", lang), nav=text("w.title", lang),
                   text=(text("study.unweighted", lang), *(translated(n, lang) for n in study.notes[1:])),
                   kpis=((text("kpi.weights", lang), text("kpi.unweighted", lang)),))


def _alpha_by_language(study, lang: str) -> pd.DataFrame | None:
    """Alpha of every scale within each answering language (the questionnaire's ``lang`` item)."""
    import careersurvey.scales as sc

    q, data = study.questionnaire, study.full.data
    if "lang" not in data.columns or "lang" not in q:
        return None
    out = {}
    for choice in q.item("lang").choices.choices:
        part = data[data["lang"] == choice.code]
        col = {}
        for name in q.scales:
            try:
                col[label_in(q.scales[name].label, lang, name)] = (sc.reliability(part, name, q).alpha
                                                                    if len(part) >= 30 else np.nan)
            except sc.ScaleError:
                col[label_in(q.scales[name].label, lang, name)] = np.nan
        out[f"{label_in(choice.label, lang, str(choice.code))} (n = {len(part):,})"] = col
    return pd.DataFrame(out)


def reliability_section(study, lang: str = "en") -> Section:
    """Every scale's weighted score and its reliability on every respondent: alpha (Feldt CI) beside the weighted
    alpha (``generic.weighted_alphas``), omega, one-factor fit; alpha by answering language."""
    import careersurvey.scales as sc
    from careersurvey.report.generic import scale_scores_table, weighted_alphas

    q = study.questionnaire
    tab = sc.reliability_table(study.full.data, q)  # every respondent with all items answered
    if "alpha" in tab:
        tab.insert(tab.columns.get_loc("alpha_ci_high") + 1, "weighted_alpha", weighted_alphas(study).reindex(tab.index))
    tab.index = pd.Index([label_in(q.scales[s].label, lang, s) if s in q.scales else s for s in tab.index],
                         name="scale")
    if "alpha" in tab:
        tab = tab.sort_values("alpha", ascending=False)
        ok = tab.dropna(subset=["alpha"])
        plot_frame = pd.DataFrame({"estimate": ok["alpha"], "ci_low": ok["alpha_ci_low"],
                                   "ci_high": ok["alpha_ci_high"]})
        figs = (plots.estimate_plot(plot_frame, "alpha", text("rel.fig_title", lang), percent=False,
                                    xlabel=text("col.alpha", lang), caption=text("rel.fig_caption", lang),
                                    lang=lang),)
        said = (text("rel.text", lang, n=len(ok), low=f"{ok['alpha'].min():.2f}", weakest=ok["alpha"].idxmin(),
                     high=f"{ok['alpha'].max():.2f}"),) if len(ok) else ()
    else:
        figs, said = (), (text("rel.none", lang),)
    scores = scale_scores_table(study, lang)
    tables = [*((scores,) if scores is not None else ()),
              Table("reliability", text("rel.title", lang), tab, text("rel.caption", lang), flag=False)]
    by_lang = _alpha_by_language(study, lang)
    if by_lang is not None:
        tables.append(Table("alpha_language", text("rel.lang_title", lang), by_lang, text("rel.lang_caption", lang),
                            flag=False))
    return Section(id="reliability", title=text("rel.section", lang), nav=text("rel.nav", lang), text=said,
                   figures=figs, tables=tuple(tables), methods=text("rel.methods", lang))


def methods_section(study, dfile, lang: str = "en") -> Section:
    """The methods of a report of any questionnaire, from its design file (or its absence)."""
    q = study.questionnaire
    paras = [text("m.questionnaire", lang, questionnaire=q.key)]
    if dfile is None:
        paras.append(text("m.no_design", lang))
    else:
        parts = [text("m.design", lang, file=dfile.path.name, weights=dfile.weights or text("m.weight_one", lang))]
        for key, values in (("m.strata", dfile.strata), ("m.psu", dfile.psu), ("m.fpc", dfile.fpc)):
            if values:
                parts.append(text(key, lang, names=", ".join(values)))
        parts.append(text("m.lonely", lang, rule=dfile.lonely_psu))
        parts.append(text("m.variance_raked" if study.targets is not None else "m.variance", lang))
        paras.append("; ".join(parts[:-2]) + "; " + parts[-2] + " " + parts[-1])
    tg = study.targets
    if tg is not None:
        paras.append(text("m.weighting", lang, targets=tg.id, source=tg.source, year=tg.year,
                          margins="; ".join(text("m.margin", lang, name=term(m.name, lang), item=m.variable) for m in tg.margins_),
                          scope=tg.scope or text("m.everyone", lang)))
    paras.append(text("m.tests", lang))
    return Section(id="methods", title=text("m.title", lang), nav=text("m.title", lang),
                   text=tuple(paras + [translated(n, lang) for n in study.notes]))


def failed_section(f, title: str, lang: str = "en") -> Section:
    """The section of a plug-in that failed: marked as failed, with the file and line where it failed."""
    return Section(id=f.key.lower(), title=text("fail.title", lang, key=f.key, title=title), nav=f.key,
                   text=(text("fail.text", lang, message=f.message),))


def plugin_status(kind: str, lang: str = "en", **values) -> str:
    """A plug-in's status in the contents table: ``ran``, ``left_out`` (written=...) or ``failed`` (message=...)."""
    return text(f"plugins.{kind}", lang, **values)


def overview_section(study, holds: str, ran, found, failed, left_out: str | None, lang: str = "en") -> Section:
    """The first section: who answered, what was analysed, the plug-ins and their first findings."""
    about = (text("ov.about_weighted" if study.weighted else "ov.about", lang, holds=holds),
             *((text("study.unweighted", lang),) if not study.weighted else ()), *((left_out,) if left_out else ()))
    contents = (ran.contents,) if ran.contents is not None else ()
    total = len(found) - len(ran.left_out) + len(failed)
    return Section(
        id="overview", title=text("ov.title", lang), nav=text("ov.title", lang),
        kpis=((text("kpi.respondents", lang), f"{len(study.full.data):,}"),
              (text("kpi.in_population" if study.targets is not None else "kpi.analysed", lang),
               f"{len(study.data):,}"),
              (text("kpi.questionnaire", lang), study.questionnaire.key),
              (text("kpi.plugins", lang), text("kpi.of", lang, k=len(ran.results), n=total))),
        text=about, tables=contents,
        findings=tuple(f"{k}: {r.findings[0]}" for k, r in ran.results.items() if r.findings),
    )
