"""RQ2: who intends to leave Korea or science, and how much do pay gaps, pay by seniority and relative
deprivation explain it (with failure stigma, psychological safety and autonomy alongside).

Weighted shares with 95% CIs by role and sector; Rao-Scott tests of intention by sector; design-based
logistic regressions of the two intentions among people in work, and a proportional-odds model of the
five-point likelihood of moving abroad within five years.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


import careersurvey as cs  # noqa: E402
from _common import EMPLOYED, Study, coef_table, main, odds_text, p_text, prop_table  # noqa: E402

KEY, TITLE = "RQ2", "Intentions to leave Korea and science"
QUESTION = ("Who intends to leave Korea, or science, and how much do compensation gaps, pay by seniority rather "
            "than performance and relative deprivation explain it?")
PREDICTORS = ("pay_gap + C(pay_system_name, Treatment('Seniority')) + s_rel_deprivation + s_fail_stigma"
              " + s_psych_safety + s_autonomy")
CONTROLS = "female + C(age_group, Treatment('30-39')) + C(sector_name, Treatment('University')) + ai"
def run(study: Study) -> "cs.AnalysisResult":
    """Intentions to leave Korea and science: shares, tests and design-based models."""
    d = study.design
    tables, figures, findings = [], [], []
    for outcome, what in (("leave_korea", "moving abroad within 5 years"), ("leave_science", "leaving science")):
        by_role = prop_table(d, outcome, "role_group")
        by_sector = prop_table(d, outcome, "sector_name")
        tables += [cs.Table(f"{outcome}_role", f"Likely {what}, by role", by_role,
                            "Weighted share answering likely or very likely, with 95% CI."),
                   cs.Table(f"{outcome}_sector", f"Likely {what}, by sector", by_sector)]
        figures.append(cs.estimate_plot(by_sector, f"{outcome}_sector", f"Likely {what}, by sector",
                                        caption="Weighted percent with 95% confidence interval."))
        sector = "sector_in_scope" if "sector_in_scope" in d.data else "sector_name"
        test = d.subset(d.data[outcome].notna() & d.data[sector].notna()).chisq(outcome, sector)
        findings.append(f"Intention of {what} differs by sector: Rao-Scott F = {test.statistic:.2f} "
                        f"(df {test.ndf:.2f}, {test.ddf:.1f}), {p_text(test.p_value)}.")
    work = d.subset(EMPLOYED)
    models = {}
    for outcome, what in (("leave_korea", "moving abroad"), ("leave_science", "leaving science")):
        fit = work.glm(f"{outcome} ~ {PREDICTORS} + {CONTROLS}", family="binomial")
        tab = coef_table(fit)
        models[outcome] = tab
        tables.append(cs.Table(f"model_{outcome}", f"Logistic model: likely {what} (people in work)", tab,
                               "Design-based logistic regression (linearised SEs); odds ratios per unit."))
        figures.append(cs.forest_plot(tab, f"model_{outcome}", f"Odds ratios: likely {what}",
                                      caption="95% CIs; orange raises, blue lowers the odds."))
        for term in ("Failure stigma (1-5)", "Relative deprivation (1-6)", "Pay gap to big tech (log ratio)",
                     "Research autonomy (1-5)", "Psychological safety (1-5)"):
            r = tab.loc[term]
            findings.append(f"{what.capitalize()}: {term} odds ratio {odds_text(r)}.")
    olr = work.ordinal(f"ti_leave_korea_5y ~ {PREDICTORS} + {CONTROLS}")
    otab = coef_table(olr, drop_intercept=False)
    tables.append(cs.Table("ordinal_leave_korea_5y", "Proportional-odds model: likelihood of moving abroad "
                           "within 5 years (1-5)", otab, "Design-based ordinal logit (as R svyolr)."))
    facts = {f"{o}:{t}": float(models[o].loc[t, "estimate"]) for o in models for t in models[o].index}
    return cs.AnalysisResult(
        key=KEY, title=TITLE, question=QUESTION, tables=tuple(tables), figures=tuple(figures),
        findings=tuple(findings), facts=facts,
        methods=("Shares are weighted with the raked weights; confidence intervals and tests use the "
                 "stratified cluster design (Taylor linearisation). Intentions count 'likely' or 'very likely'. "
                 "Models are fitted among people in work, who were asked about pay; the pay gap is the log of a "
                 "KRW 550 million big-tech offer over own gross pay (exact, or the band midpoint)."),
    )


if __name__ == "__main__":
    sys.exit(main(run))
