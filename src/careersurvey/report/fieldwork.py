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


def _usable_inputs(inputs: pd.DataFrame) -> tuple[pd.DataFrame, str]:
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
        said.append(f"p = 0.5 where the respondents all said the same or were not asked "
                    f"({', '.join(out.loc[flat, 'stratum'])})")
    if low.any():
        said.append(f"deff = 1 where the stratum's was below 1 or could not be computed "
                    f"({', '.join(out.loc[low, 'stratum'])})")
    return out, (" Taken: " + "; ".join(said) + ".") if said else ""


def _rates_table(rates) -> pd.DataFrame:
    from careersurvey.fieldwork.rates import RATES

    t = rates.table
    shown = t[list(RATES)].copy()
    shown.insert(0, "cases", t["n"].astype(int))
    shown["e"] = t["e"]
    return shown


def _curve(days: pd.DataFrame, final: float) -> Figure:
    from careersurvey.report import plots

    plots.style()
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 3.4))
    x = pd.to_datetime(days.index)
    ax.step(x, days["response_rate"] * 100, where="post", color=plots.BLUE, lw=2)
    ax.bar(x, days["returns"] / max(days["returns"].max(), 1) * max(final * 100, 1) * 0.35, color=plots.GREY,
           alpha=0.5, width=0.8, label="returns per day (scaled)")
    ax.axhline(final * 100, color=plots.ORANGE, lw=1, ls="--", label=f"RR2 at the close: {final:.1%}")
    ax.set_ylabel("cumulative response rate (%)")
    ax.set_ylim(0, max(final * 100 * 1.15, 1))
    ax.legend(loc="lower right", frameon=False, fontsize=8)
    fig.autofmt_xdate()
    return Figure("response_curve", "Response-rate curve", figure_png(fig),
                  "Usable questionnaires (complete or partial) by the day they came back, over every sampled case "
                  "but the not eligible; bars: returns per day.")


def _percent_points(table: pd.DataFrame) -> pd.DataFrame:
    out = table.copy()
    shares = out["level"] != "(mean)"
    for c in ("full_sample", "respondents", "difference"):
        out[c] = np.where(shares, out[c] * 100, out[c])
    return out.set_index(["variable", "level"])


def fieldwork_section(spec: FieldworkSpec, study):
    """The report :class:`~careersurvey.report.html.Section` of the sample file ``spec.sample``, with the
    planning table from ``study.full`` (every respondent's design)."""
    from careersurvey.fieldwork.dispositions import read_sample
    from careersurvey.report.html import Section

    text = [c for c in (spec.disposition, spec.stratum, spec.psu, spec.returned) if c]
    sample = read_sample(spec.sample, text=text + list(spec.frame_variables))
    res = fieldwork_result(sample, spec, design=study.full, source=str(spec.sample))
    if spec.key_estimates:
        from careersurvey.report.weighting_steps import weighting_steps

        steps = weighting_steps(study, sample, spec.key_estimates, stratum=spec.stratum, weights=spec.weights,
                                disposition=spec.disposition, trim=spec.trim)
        res = dataclasses.replace(res, tables=res.tables + (steps,))
    first = res.tables[1].frame.loc["all"]
    return Section(id="fieldwork", title=res.title, nav="Fieldwork", question=res.question,
                   kpis=(("sampled", f"{int(first['cases']):,}"), ("RR2", f"{first['RR2']:.1%}"),
                         ("COOP1", f"{first['COOP1']:.1%}"), ("CON1", f"{first['CON1']:.1%}")),
                   findings=res.findings, figures=res.figures, tables=res.tables, methods=res.methods)


def fieldwork_result(sample: pd.DataFrame, spec: FieldworkSpec = FieldworkSpec(), *, design=None,
                     source: str = "the sample") -> AnalysisResult:
    """The fieldwork section from ``sample`` (every sampled case with its final disposition). ``design``: the
    respondents' :class:`~careersurvey.SurveyDesign` with design weights (for the planning table's design
    effects of the 0/1 column ``spec.plan_variable`` by ``spec.stratum``); without them, no planning table."""
    import careersurvey as cs
    from careersurvey.fieldwork.codes import CODES, normalise
    from careersurvey.fieldwork.planning import plan_strata, planning_inputs
    from careersurvey.fieldwork.rindicator import responded_cases

    codes = sample[spec.disposition].map(normalise)
    groups = cs.response_rates(sample, disposition=spec.disposition).table
    counts = codes.value_counts().rename_axis("code").to_frame("cases").sort_index()
    counts.insert(0, "group", [CODES[c][0] for c in counts.index])
    counts.insert(1, "disposition", [CODES[c][1] for c in counts.index])
    counts["share"] = counts["cases"] / counts["cases"].sum()
    rates = cs.response_rates(sample, disposition=spec.disposition, by=spec.stratum)
    allrow = rates.table.loc["all"]
    from careersurvey.fieldwork.rates import RATES

    tables = [Table("dispositions", "Final dispositions of the sampled cases (AAPOR)", counts,
                    "AAPOR Standard Definitions (2023), web surveys of specifically named persons; completes "
                    "and partials from the response store, the other codes from the fieldwork record.",
                    1, percent_columns=("share",)),
              Table("response_rates", "AAPOR outcome rates by stratum", _rates_table(rates),
                    "cases: sampled; e: the share of the unknown-eligibility cases taken as eligible (CASRO, per "
                    "stratum). RR: response rates, COOP: cooperation, REF: refusal, CON: contact.", 3,
                    percent_columns=RATES)]
    findings = [f"{int(allrow['n']):,} sampled cases: {int(allrow['I']):,} complete and {int(allrow['P']):,} "
                f"partial; RR1 {allrow['RR1']:.1%}, RR2 {allrow['RR2']:.1%}, cooperation (COOP1) "
                f"{allrow['COOP1']:.1%}, contact (CON1) {allrow['CON1']:.1%}."]
    figures = []
    if spec.returned and spec.returned in sample.columns:
        days = returns_by_day(sample, disposition=spec.disposition, returned=spec.returned)
        if len(days):
            tables.append(Table("returns_by_day", "Usable returns by day", days,
                                "returns: questionnaires (complete or partial) that came back that day; "
                                "response_rate: cumulative, of the sampled cases but the not eligible.", 1))
            figures.append(_curve(days, float(allrow["RR2"])))
            half = days.index[np.argmax(days["cumulative"].to_numpy() >= days["cumulative"].iloc[-1] / 2)]
            findings.append(f"Returns over {len(days)} days; half of them were in by {half}.")
    frame_vars = [v for v in spec.frame_variables if v in sample.columns]
    methods = ("Dispositions follow AAPOR's Standard Definitions (10th edition, 2023) for web surveys of "
               "specifically named persons; e for RR3/RR4 is the CASRO estimate (the eligible share of the cases "
               "of known eligibility, per stratum). ")
    if frame_vars:
        comp = cs.nonresponse_comparison(sample, frame_vars, disposition=spec.disposition, weights=spec.weights,
                                         strata=spec.stratum, psu=spec.psu, source=source)
        tables.append(Table("nonresponse", "Respondents against the full sample on frame variables", 
                            _percent_points(comp),
                            "Shares in % (means as they are), weighted by the design weights; difference in "
                            "percentage points; test of response against the variable over the sample's design "
                            "(Rao-Scott F for categories, t test for numbers).", 2))
        model_vars = [v for v in (spec.model_variables or frame_vars) if v in sample.columns]
        cases = responded_cases(sample, disposition=spec.disposition, source=source)
        model = propensity_model(cases, model_vars, weights=spec.weights, strata=spec.stratum, psu=spec.psu)
        tables.append(Table("propensity", "Response propensity model (design-based logistic regression)", model,
                            "Odds of responding against the reference level of each frame variable, with 95% "
                            "confidence intervals over the sample's strata and institutions.", 3))
        r = cs.r_indicator(sample, model_vars, disposition=spec.disposition, weights=spec.weights,
                           strata=spec.stratum, replicates=spec.replicates, seed=spec.seed, source=source)
        tables.append(Table("r_indicator", "R-indicator of representativeness", r.table(),
                            f"R = 1 - 2 S(rho) on {', '.join(model_vars)}; SE from {r.replicates} bootstrap "
                            "replicates within strata; B max = (1 - R) / (2 mean propensity).", 4))
        worst = comp.loc[comp["difference"].abs().idxmax()]
        findings.append(f"R-indicator {r.r:.3f} (SE {r.se:.3f}) on {', '.join(model_vars)}; the largest gap "
                        f"between respondents and the full sample is {worst['variable']} = {worst['level']} "
                        f"({worst['difference'] * 100:+.1f} points).")
        methods += ("Nonresponse: respondents (complete or partial) against every eligible sampled case on frame "
                    "variables, weighted by the design weights, tested over the design (Rao-Scott); response "
                    "propensities from a design-based logistic model; the R-indicator of Schouten, Cobben and "
                    "Bethlehem (2009) with a bootstrap SE. ")
    plan_variable = spec.plan_variable
    if design is not None and plan_variable is not None and plan_variable in design.data.columns:
        if spec.plan_levels is not None:  # the share answering one of these codes (missing stays missing)
            y = design.data[plan_variable]
            plan_variable = f"{plan_variable} in {', '.join(map(str, spec.plan_levels))}"
            design = _with_column(design, plan_variable, y.isin(spec.plan_levels).astype(float).where(y.notna()))
        N = sample.groupby(sample[spec.stratum].astype("str"))[spec.weights].sum()
        with np.errstate(divide="ignore", invalid="ignore"):  # a stratum whose respondents were not asked
            inputs = planning_inputs(design, plan_variable, spec.stratum, N.to_dict(), rates)
        inputs, fixed = _usable_inputs(inputs)
        plan = plan_strata(inputs, moe=spec.moe).set_index("stratum")
        tables.append(Table("planning", f"Next wave: sample per stratum for a margin of error of "
                                        f"{spec.moe:.0%} on {plan_variable}", plan.drop(columns=["n_completes"]),
                            "N: persons in the stratum (sum of the design weights of the sample); p and deff of "
                            f"{plan_variable} from this wave's weights; response_rate: this wave's RR2; "
                            "completes with the finite population correction; sample: completes over the "
                            "response rate (all when the stratum is smaller)." + fixed, 3))
        findings.append(f"For a margin of error of {spec.moe:.0%} on {plan_variable} in every stratum, the next "
                        f"wave needs {int(plan['completes'].sum()):,} completes from "
                        f"{int(plan['sample'].sum()):,} sampled persons.")
        methods += ("Planning: completes per stratum for a proportion's margin of error at 95%, inflated by the "
                    "observed design effect and corrected for the stratum's size (PracTools' nPropMoe), then "
                    "divided by the stratum's RR2.")
    return AnalysisResult(key="fieldwork", title="Fieldwork: dispositions, response and nonresponse",
                          question="Who was sampled, who answered, and does the response look like the sample?",
                          tables=tuple(tables), figures=tuple(figures), findings=tuple(findings),
                          methods=methods.strip(), facts={"RR2": float(allrow["RR2"]), "groups": groups})
