"""The report's fieldwork section: what happened to every sampled case, and what it means for the estimates
and for the next wave, as an :class:`~careersurvey.report.results.AnalysisResult` (tables, one figure,
findings in words) that the report renders like any other section.

From the sample file with every sampled case's final AAPOR disposition (:mod:`careersurvey.fieldwork`):

* the dispositions, code by code;
* the outcome rates RR1-RR6, COOP1-COOP4, REF1-REF3, CON1-CON3 by stratum, in per cent
  (:func:`careersurvey.response_rates`);
* returns by day and the response-rate curve: the cumulative usable returns (complete or partial, by the day
  the questionnaire came back) over the RR2 denominator at the close, so the curve ends at RR2;
* the nonresponse analysis on frame variables known for every case: respondents against the full sample
  with design-based tests (:func:`careersurvey.nonresponse_comparison`), a design-based logistic model of
  response (odds ratios, R survey's svyglm), and the R-indicator with its bootstrap SE
  (:func:`careersurvey.r_indicator`);
* key estimates before and after each weighting step (:mod:`careersurvey.report.weighting_steps`);
* the planning table: the completes and cases per stratum the next wave needs for a proportion's margin of
  error, from this wave's design effects and response rates (:func:`careersurvey.plan_strata`).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd

from careersurvey.report.i18n import STRINGS, term, text
from careersurvey.report.results import AnalysisResult, Figure, Table, figure_png

__all__ = ["FieldworkSpec", "fieldwork_result", "fieldwork_section", "returns_by_day", "propensity_model"]


@dataclass(frozen=True)
class FieldworkSpec:
    """Where the sample file is (``sample``: every sampled case with its final disposition), the columns the
    section reads, the frame variables of the nonresponse comparison and of the propensity model and
    R-indicator (``model_variables``, default the same: name variables that are not linear combinations of
    each other, e.g. the stratum rather than its sector and region), and the planning target: the share of
    ``plan_variable`` (a 0/1 column, or any column with ``plan_levels``, the codes that count as yes);
    ``key_estimates``: (variable, codes or None) whose estimates are shown before and after each weighting
    step (:mod:`careersurvey.report.weighting_steps`, trimming at ``trim`` times the median weight) (a 0/1 variable
    of the respondents' data and the margin of error wanted per stratum)."""

    sample: str | Path | None = None
    disposition: str = "disposition"
    stratum: str = "stratum"
    weights: str = "design_weight"
    psu: str | None = "psu"
    returned: str | None = "returned"
    frame_variables: tuple[str, ...] = ()
    model_variables: tuple[str, ...] | None = None
    plan_variable: str | None = None
    plan_levels: tuple | None = None
    key_estimates: tuple[tuple[str, tuple | None], ...] = ()
    trim: float = 4.0
    moe: float = 0.10
    replicates: int = 200
    seed: int = 1


def returns_by_day(sample: pd.DataFrame, *, disposition: str = "disposition",
                   returned: str = "returned") -> pd.DataFrame:
    """Per day a usable questionnaire (1.1 or 1.2) came back: ``returns``, ``cumulative`` and ``response_rate``
    (cumulative over the RR2 denominator at the close: every case but the not eligible, so the last day's
    value is RR2 when every usable case has its date). Days without returns between the first and the last
    are kept (0 returns)."""
    from careersurvey.fieldwork.dispositions import check_dispositions

    groups = check_dispositions(sample[disposition], column=disposition)
    usable = groups.isin(["I", "P"]).to_numpy()
    denominator = int((groups != "NE").sum())
    days = pd.to_datetime(sample[returned], errors="coerce")
    day = days[usable].dropna().dt.normalize()
    counts = day.value_counts().sort_index()
    if len(counts):
        counts = counts.reindex(pd.date_range(counts.index.min(), counts.index.max(), freq="D"), fill_value=0)
    table = pd.DataFrame({"returns": counts.to_numpy(dtype=int)},
                         index=pd.Index(counts.index.strftime("%Y-%m-%d"), name="day"))
    table["cumulative"] = table["returns"].cumsum()
    table["response_rate"] = table["cumulative"] / denominator if denominator else np.nan
    return table


def propensity_model(cases: pd.DataFrame, variables: Sequence[str], *, weights: str, strata: str | None,
                     psu: str | None) -> pd.DataFrame:
    """A design-based logistic regression of response (``_y``) on the frame variables (as categories):
    odds ratios with 95% confidence intervals and p-values, one row per term."""
    from scipy import stats

    from careersurvey.estimation.design import SurveyDesign

    frame = cases.reset_index(drop=True).copy()
    for v in variables:
        frame[v] = frame[v].astype("str")
    formula = "_y ~ " + " + ".join(f"C({v})" for v in variables)
    fit = SurveyDesign(frame, weights=weights, strata=strata, psu=psu).glm(formula, family="binomial")
    b, se = fit.params, fit.bse
    df = getattr(fit, "df_resid", None) or np.inf
    t = stats.t.ppf(0.975, df)
    p = 2 * stats.t.sf(np.abs(b / se), df)
    return pd.DataFrame({"odds_ratio": np.exp(b), "ci_low": np.exp(b - t * se), "ci_high": np.exp(b + t * se),
                         "p_value": p}, index=pd.Index(b.index, name="term"))


def _with_column(design, name: str, values: pd.Series):
    """The design over the same strata, PSUs and fpc with its final weights taken as given, its data holding one
    more column (a derived yes/no for the planning table's p and deff)."""
    from careersurvey.estimation.design import SurveyDesign

    spec = design.spec
    data = design.data.assign(**{name: values.to_numpy(), "_weight": design.weights.to_numpy()})
    return SurveyDesign(data, weights="_weight", strata=spec.strata_arg, psu=spec.psu_arg, fpc=spec.fpc_arg,
                        lonely_psu=design.lonely_psu)


def _usable_inputs(inputs: pd.DataFrame, lang: str = "en") -> tuple[pd.DataFrame, str]:
    """Planning inputs a stratum's few respondents cannot give: p of 0 or 1, or none (nobody asked), becomes
    0.5 (the most cautious); a deff below 1 or none (a stratum of few institutions: noise, not a design that
    beats simple random sampling) is taken as 1. The caption says where."""
    out = inputs.copy()
    flat = ~((out["p"] > 0) & (out["p"] < 1))
    low = ~(out["deff"] >= 1)
    out.loc[flat, "p"] = 0.5
    out.loc[low, "deff"] = 1.0
    said = []
    if flat.any():
        said.append(text("fw.taken.p", lang, strata=", ".join(_named(h, lang) for h in out.loc[flat, "stratum"])))
    if low.any():
        said.append(text("fw.taken.deff", lang, strata=", ".join(_named(h, lang) for h in out.loc[low, "stratum"])))
    return out, text("fw.taken", lang, said="; ".join(said)) if said else ""


def _named(value: object, lang: str) -> str:
    """A frame variable's level or a stratum (parts joined by "/") in ``lang``: each part's ``term.*`` word in
    Korean, as written in English."""
    return str(value) if lang == "en" else "/".join(term(part, lang) for part in str(value).split("/"))


def _labels(frame: pd.DataFrame, lang: str) -> dict[str, str]:
    """Korean headings of the section's columns and row labels without a ``col.*`` entry (``fw.col.*``); none in
    English, where the page shows the names as they are."""
    if lang == "en":
        return {}
    names = [*map(str, frame.columns), *(str(n) for n in frame.index.names if n is not None)]
    return {c: text(f"fw.col.{c}", lang) for c in names if f"fw.col.{c}" in STRINGS}


def _rows_in(frame: pd.DataFrame, prefix: str, lang: str, level: int | None = None) -> pd.DataFrame:
    """``frame`` with its row labels (of index ``level``) in ``lang``: the catalogue's ``<prefix><label>``, others
    as they are."""
    if lang == "en":
        return frame
    say = lambda v: text(f"{prefix}{v}", lang) if f"{prefix}{v}" in STRINGS else v  # noqa: E731
    if level is None:
        return frame.set_axis(pd.Index([say(v) for v in frame.index], name=frame.index.name), axis=0)
    return frame.rename(index=say, level=level)


def _rates_table(rates, lang: str = "en") -> pd.DataFrame:
    from careersurvey.fieldwork.rates import RATES

    t = rates.table
    shown = t[list(RATES)].copy()
    shown.insert(0, "cases", t["n"].astype(int))
    shown["e"] = t["e"]
    return shown.set_axis(pd.Index([text("fw.all", lang) if h == "all" else _named(h, lang) for h in shown.index],
                                   name=shown.index.name), axis=0)


def _curve(days: pd.DataFrame, final: float, lang: str = "en") -> Figure:
    from careersurvey.report import plots

    plots.style()
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 3.4))
    x = pd.to_datetime(days.index)
    ax.step(x, days["response_rate"] * 100, where="post", color=plots.BLUE, lw=2)
    ax.bar(x, days["returns"] / max(days["returns"].max(), 1) * max(final * 100, 1) * 0.35, color=plots.GREY,
           alpha=0.5, width=0.8, label=text("fw.curve.bars", lang))
    ax.axhline(final * 100, color=plots.ORANGE, lw=1, ls="--", label=text("fw.curve.final", lang, rr2=f"{final:.1%}"))
    ax.set_ylabel(text("fw.curve.ylabel", lang))
    ax.set_ylim(0, max(final * 100 * 1.15, 1))
    ax.legend(loc="lower right", frameon=False, fontsize=8)
    fig.autofmt_xdate()
    return Figure("response_curve", text("fw.curve.title", lang), figure_png(fig), text("fw.curve.caption", lang))


def _percent_points(table: pd.DataFrame, lang: str = "en") -> pd.DataFrame:
    out = table.copy()
    shares = out["level"] != "(mean)"
    for c in ("full_sample", "respondents", "difference"):
        out[c] = np.where(shares, out[c] * 100, out[c])
    if lang != "en":
        out["level"] = out["level"].map(lambda v: _named(v, lang)).where(shares, text("fw.mean", lang))
        out["test"] = out["test"].replace({"t test": text("fw.t_test", lang)})
    return out.set_index(["variable", "level"])


def fieldwork_section(spec: FieldworkSpec, study, lang: str = "en"):
    """The report :class:`~careersurvey.report.html.Section` of the sample file ``spec.sample``, with the
    planning table from ``study.full`` (every respondent's design), in ``lang`` ("en" or "ko")."""
    from careersurvey.fieldwork.dispositions import read_sample
    from careersurvey.report.html import Section

    as_text = [c for c in (spec.disposition, spec.stratum, spec.psu, spec.returned) if c]
    sample = read_sample(spec.sample, text=as_text + list(spec.frame_variables))
    res = fieldwork_result(sample, spec, design=study.full, source=str(spec.sample), lang=lang)
    if spec.key_estimates:
        from careersurvey.report.weighting_steps import weighting_steps

        steps = weighting_steps(study, sample, spec.key_estimates, stratum=spec.stratum, weights=spec.weights,
                                disposition=spec.disposition, trim=spec.trim, lang=lang)
        res = dataclasses.replace(res, tables=res.tables + (steps,))
    first = res.tables[1].frame.loc[text("fw.all", lang)]
    return Section(id="fieldwork", title=res.title, nav=text("fw.nav", lang), question=res.question,
                   kpis=((text("fw.kpi.sampled", lang), f"{int(first['cases']):,}"), ("RR2", f"{first['RR2']:.1%}"),
                         ("COOP1", f"{first['COOP1']:.1%}"), ("CON1", f"{first['CON1']:.1%}")),
                   findings=res.findings, figures=res.figures, tables=res.tables, methods=res.methods)


def fieldwork_result(sample: pd.DataFrame, spec: FieldworkSpec = FieldworkSpec(), *, design=None,
                     source: str | None = None, lang: str = "en") -> AnalysisResult:
    """The fieldwork section from ``sample`` (every sampled case with its final disposition). ``design``: the
    respondents' :class:`~careersurvey.SurveyDesign` with design weights (for the planning table's design
    effects of the 0/1 column ``spec.plan_variable`` by ``spec.stratum``); without them, no planning table.
    ``lang``: the language of its titles, captions, findings, headings, disposition names and figure ("en", "ko";
    ``report/i18n_fieldwork.py``)."""
    import careersurvey as cs
    from careersurvey.fieldwork.codes import CODES, normalise
    from careersurvey.fieldwork.planning import plan_strata, planning_inputs
    from careersurvey.fieldwork.rindicator import responded_cases

    t = lambda key, **values: text(key, lang, **values)  # noqa: E731
    source = t("fw.source") if source is None else source
    codes = sample[spec.disposition].map(normalise)
    groups = cs.response_rates(sample, disposition=spec.disposition).table
    counts = codes.value_counts().rename_axis("code").to_frame("cases").sort_index()
    counts.insert(0, "group", [CODES[c][0] for c in counts.index])
    counts.insert(1, "disposition", [t(f"fw.code.{c}") for c in counts.index])
    counts["share"] = counts["cases"] / counts["cases"].sum()
    rates = cs.response_rates(sample, disposition=spec.disposition, by=spec.stratum)
    allrow = rates.table.loc["all"]
    from careersurvey.fieldwork.rates import RATES

    shown_rates = _rates_table(rates, lang)
    tables = [Table("dispositions", t("fw.dispositions.title"), counts, t("fw.dispositions.caption"), 1,
                    percent_columns=("share",), labels=_labels(counts, lang)),
              Table("response_rates", t("fw.rates.title"), shown_rates, t("fw.rates.caption"), 3,
                    percent_columns=RATES, labels=_labels(shown_rates, lang))]
    findings = [t("fw.finding.counts", n=f"{int(allrow['n']):,}", complete=f"{int(allrow['I']):,}",
                  partial=f"{int(allrow['P']):,}", rr1=f"{allrow['RR1']:.1%}", rr2=f"{allrow['RR2']:.1%}",
                  coop1=f"{allrow['COOP1']:.1%}", con1=f"{allrow['CON1']:.1%}")]
    figures = []
    if spec.returned and spec.returned in sample.columns:
        days = returns_by_day(sample, disposition=spec.disposition, returned=spec.returned)
        if len(days):
            tables.append(Table("returns_by_day", t("fw.returns.title"), days, t("fw.returns.caption"), 1,
                                labels=_labels(days, lang)))
            figures.append(_curve(days, float(allrow["RR2"]), lang))
            half = days.index[np.argmax(days["cumulative"].to_numpy() >= days["cumulative"].iloc[-1] / 2)]
            findings.append(t("fw.finding.half", days=len(days), half=half))
    frame_vars = [v for v in spec.frame_variables if v in sample.columns]
    methods = t("fw.methods.base")
    if frame_vars:
        comp = cs.nonresponse_comparison(sample, frame_vars, disposition=spec.disposition, weights=spec.weights,
                                         strata=spec.stratum, psu=spec.psu, source=source)
        compared = _percent_points(comp, lang)
        tables.append(Table("nonresponse", t("fw.nonresponse.title"), compared, t("fw.nonresponse.caption"), 2,
                            labels=_labels(compared, lang)))
        model_vars = [v for v in (spec.model_variables or frame_vars) if v in sample.columns]
        cases = responded_cases(sample, disposition=spec.disposition, source=source)
        model = propensity_model(cases, model_vars, weights=spec.weights, strata=spec.stratum, psu=spec.psu)
        tables.append(Table("propensity", t("fw.propensity.title"), _rows_in(model, "fw.term.", lang),
                            t("fw.propensity.caption"), 3))
        r = cs.r_indicator(sample, model_vars, disposition=spec.disposition, weights=spec.weights,
                           strata=spec.stratum, replicates=spec.replicates, seed=spec.seed, source=source)
        tables.append(Table("r_indicator", t("fw.r.title"), _rows_in(r.table(), "fw.r.", lang),
                            t("fw.r.caption", variables=", ".join(model_vars), replicates=r.replicates), 4))
        worst = comp.loc[comp["difference"].abs().idxmax()]
        findings.append(t("fw.finding.r", r=f"{r.r:.3f}", se=f"{r.se:.3f}", variables=", ".join(model_vars),
                          variable=worst["variable"], level=_named(worst["level"], lang),
                          points=f"{worst['difference'] * 100:+.1f}"))
        methods += t("fw.methods.nonresponse")
    plan_variable = spec.plan_variable
    if design is not None and plan_variable is not None and plan_variable in design.data.columns:
        if spec.plan_levels is not None:  # the share answering one of these codes (missing stays missing)
            y = design.data[plan_variable]
            shown = t("fw.in", variable=plan_variable, levels=", ".join(map(str, spec.plan_levels)))
            plan_variable = f"{plan_variable} in {', '.join(map(str, spec.plan_levels))}"
            design = _with_column(design, plan_variable, y.isin(spec.plan_levels).astype(float).where(y.notna()))
        else:
            shown = plan_variable
        N = sample.groupby(sample[spec.stratum].astype("str"))[spec.weights].sum()
        with np.errstate(divide="ignore", invalid="ignore"):  # a stratum whose respondents were not asked
            inputs = planning_inputs(design, plan_variable, spec.stratum, N.to_dict(), rates)
        inputs, fixed = _usable_inputs(inputs, lang)
        plan = plan_strata(inputs, moe=spec.moe).set_index("stratum")
        planned = plan.drop(columns=["n_completes"])
        planned = planned.set_axis(pd.Index([_named(h, lang) for h in planned.index], name="stratum"), axis=0)
        tables.append(Table("planning", t("fw.plan.title", moe=f"{spec.moe:.0%}", variable=shown), planned,
                            t("fw.plan.caption", variable=shown, fixed=fixed), 3, labels=_labels(planned, lang)))
        findings.append(t("fw.finding.plan", moe=f"{spec.moe:.0%}", variable=shown,
                          completes=f"{int(plan['completes'].sum()):,}", sample=f"{int(plan['sample'].sum()):,}"))
        methods += t("fw.methods.planning")
    return AnalysisResult(key="fieldwork", title=t("fw.title"), question=t("fw.question"),
                          tables=tuple(tables), figures=tuple(figures), findings=tuple(findings),
                          methods=methods.strip(), facts={"RR2": float(allrow["RR2"]), "groups": groups})
