"""RQ2: who intends to leave Korea or science, and how much do pay gaps, pay by seniority and relative
deprivation explain it (with failure stigma, psychological safety and autonomy alongside).

The pay gap is each respondent's own: the log of the gross annual pay of the best offer received from abroad
(stock included) over own gross pay; for those without an offer who consider moving abroad, the pay they expect
there. Weighted shares with 95% CIs by role and sector; Rao-Scott tests of intention by sector; the offers and
gaps by sector; a design-based logistic regression of moving abroad on the own gap among people in work who
received an offer from abroad (whose gap is observed whatever their intention), one of leaving science among
everyone in work (a foreign offer is not what leaving science is weighed against), and a proportional-odds
model of the five-point likelihood of moving abroad within five years.
"""

from __future__ import annotations

import sys

import numpy as np

import careersurvey as cs
from stem_careers.common import (EMPLOYED, Study, by_table, coef_table, main, model_table, odds_text, p_text,
                                 prop_table, rows)
# the plug-in protocol (README, Plug-in analyses): the study these questions run on, the questionnaire they need
from stem_careers.common import QUESTIONNAIRE, load_study  # noqa: F401

KEY, TITLE = "RQ2", "Intentions to leave Korea and science"
QUESTION = ("Who intends to leave Korea, or science, and how much do compensation gaps, pay by seniority rather "
            "than performance and relative deprivation explain it?")
ATTITUDES = ("C(pay_system_name, Treatment('Seniority')) + s_rel_deprivation + s_fail_stigma + s_psych_safety"
             " + s_autonomy")
PREDICTORS = "pay_gap + " + ATTITUDES
CONTROLS = "female + C(age_group, Treatment('30-39')) + C(sector_name, Treatment('University')) + ai"
GAP = "Own pay gap abroad (log ratio)"


def _offers(d: "cs.SurveyDesign") -> "cs.Table":
    """Own pay, the best offers and the gaps of people in work, by sector (weighted means, 만원 and logs)."""
    work = d.subset(EMPLOYED)
    tab = by_table(work, ["pay_manwon", "offer_abroad_pay", "expect_abroad_pay", "offer_domestic_pay", "gap_offer",
                          "gap_expect", "gap_domestic", "offer_abroad_any"], "sector_name")
    tab.index = ["own gross pay (만원)", "best offer from abroad (만원)", "pay expected abroad (만원)",
                 "best offer in Korea (만원)", "gap to own offer abroad (log ratio)",
                 "gap to expected pay abroad (log ratio)", "gap to own offer in Korea (log ratio)",
                 "received an offer from abroad (share)"]
    return cs.Table("own_offers_sector", "Own pay, offers received and expected, and the gaps, by sector "
                    "(people in work)", tab, "Weighted means; offers among those who received one, expectations "
                    "among those who consider moving abroad within five years; gaps are log(offer / own pay), "
                    "so 1.0 is 2.7 times own pay.", digits=2)


def run(study: Study) -> "cs.AnalysisResult":
    """Intentions to leave Korea and science: shares, own offers, tests and design-based models."""
    d = study.design
    data = rows(d)
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
    tables.append(_offers(d))
    offered = d.subset(d.data["gap_offer"].notna())
    n_offer = int(data["gap_offer"].notna().sum())
    pay = offered.quantile("pay_manwon", [0.5]).iloc[0]
    offer = offered.quantile("offer_abroad_pay", [0.5]).iloc[0]
    gap = offered.mean("gap_offer").iloc[0]
    findings.append(f"{n_offer} respondents in work named the pay of their best offer from abroad: median "
                    f"{offer.estimate:,.0f}만원 against own pay of {pay.estimate:,.0f}만원; on average the offer is "
                    f"{np.exp(gap.estimate):.1f} times own pay (95% CI {np.exp(gap.ci_low):.1f}-"
                    f"{np.exp(gap.ci_high):.1f}).")
    expecting = d.subset(d.data["gap_expect"].notna())
    if int(data["gap_expect"].notna().sum()) >= 10:
        e = expecting.mean("gap_expect").iloc[0]
        findings.append(f"Those who consider moving abroad expect {np.exp(e.estimate):.1f} times their own pay "
                        f"there (95% CI {np.exp(e.ci_low):.1f}-{np.exp(e.ci_high):.1f}).")
    # the models: people in work with an offer from abroad, whose own gap is known whatever they intend (the
    # expected pay is asked only of those who consider leaving, so it cannot explain that consideration)
    work = d.subset(d.data["gap_offer"].notna() & d.data["employed"].eq(1))
    everyone = d.subset(EMPLOYED)
    models = {}
    for outcome, what, dom, predictors, who in (
            ("leave_korea", "moving abroad", work, PREDICTORS, "people in work with an offer from abroad"),
            ("leave_science", "leaving science", everyone, ATTITUDES, "people in work")):
        fit = dom.glm(f"{outcome} ~ {predictors} + {CONTROLS}", family="binomial")
        tab = coef_table(fit)
        models[outcome] = tab
        tables.append(model_table(fit, f"model_{outcome}", f"Logistic model: likely {what} ({who})",
                                  "Design-based logistic regression (linearised SEs); odds ratios per unit"
                                  + ("; the pay gap is log(own best offer from abroad / own pay)." if dom is work
                                     else ".")))
        figures.append(cs.forest_plot(tab, f"model_{outcome}", f"Odds ratios: likely {what}",
                                      caption="95% CIs; orange raises, blue lowers the odds."))
        for term in ("Failure stigma (1-5)", "Relative deprivation (1-6)", GAP, "Research autonomy (1-5)",
                     "Psychological safety (1-5)"):
            if term in tab.index:
                findings.append(f"{what.capitalize()}: {term} odds ratio {odds_text(tab.loc[term])}.")
    olr = work.ordinal(f"ti_abroad_5y ~ {PREDICTORS} + {CONTROLS}")
    tables.append(model_table(olr, "ordinal_ti_abroad_5y", "Proportional-odds model: likelihood of moving abroad "
                              "for a year or more within 5 years (1-5)", "Design-based ordinal logit (as R svyolr), "
                              "people in work with an offer from abroad."))
    facts = {f"{o}:{t}": float(models[o].loc[t, "estimate"]) for o in models for t in models[o].index}
    facts["n_offer_abroad"] = float(n_offer)
    return cs.AnalysisResult(
        key=KEY, title=TITLE, question=QUESTION, tables=tuple(tables), figures=tuple(figures),
        findings=tuple(findings), facts=facts,
        methods=("Shares are weighted with the raked weights; confidence intervals and tests use the "
                 "stratified cluster design (Taylor linearisation). Intentions count 'likely' or 'very likely'; "
                 "moving abroad means a stay of a year or more. The pay gap is each respondent's own: the log of "
                 "the gross annual pay of the best offer received from abroad (stock compensation included) over "
                 "own gross pay (exact, or the band midpoint). The models of moving abroad are fitted among people in "
                 "work who received an offer from abroad in the past three years, a domain of the full design; "
                 "the pay expected abroad, asked only of those who consider going, is described but not "
                 "modelled. Leaving science is modelled among everyone in work, without the foreign gap."),
    )


if __name__ == "__main__":
    sys.exit(main(run))
