"""RQ1: why do top science students prefer medical school ("success is guaranteed") to science and
engineering?

Weighted shares who would choose medicine today, by role, by high-school grade band (top students, 내신
1등급, against the others) and by sector; the importance of career motives; agreement with reasons for the
medical-school preference; a proportional-odds model of the likelihood of choosing medicine today on
standing, motives and recognition; Rao-Scott tests by role and by standing.
"""

from __future__ import annotations

import sys

import careersurvey as cs
from stem_careers.common import (TERMS, Study, by_table, coef_table, item_means, label, main, model_table, odds_text,
                                 p_text, prop_table)
# the plug-in protocol (README, Plug-in analyses): the study these questions run on, the questionnaire they need
from stem_careers.common import QUESTIONNAIRE, load_study  # noqa: F401

KEY, TITLE = "RQ1", "Medical school versus science and engineering"
QUESTION = ("Why do top science students prefer medical school (\"success is guaranteed\") to science and "
            "engineering?")
MOTIVES = ("mjr_success", "mjr_income", "mjr_stability", "mjr_parent_advice", "mjr_parent_push", "mjr_interest",
           "mjr_aptitude", "mjr_prestige")
MEDWHY = ("medwhy_guarantee", "medwhy_sci_risky", "medwhy_license", "medwhy_sci_equal")
TOP = TERMS["top_student"]


def run(study: Study) -> "cs.AnalysisResult":
    """Medicine versus science: shares, motives, reasons and an ordinal model."""
    # everyone: researchers in Korea raked, undergraduates and those abroad (outside the targets) design-weighted
    d, q = study.full, study.questionnaire
    data = d.data
    tables, figures, findings = [], [], []
    would = prop_table(d, "top_med_would", "role_group")
    tables.append(cs.Table("med_would_role", "Would likely choose medicine if choosing again, by role", would,
                           "Weighted share answering likely or very likely, 95% CI."))
    figures.append(cs.estimate_plot(would, "med_would_role", "Would choose medicine today, by role",
                                    caption="Weighted percent, 95% CI."))
    overall = d.mean("top_med_would", na_rm=True, ci="logit").iloc[0]
    findings.append(f"{overall.estimate:.1%} (95% CI {overall.ci_low:.1%}-{overall.ci_high:.1%}) would likely "
                    "choose a medical programme if they chose again today.")
    standing = prop_table(d, "top_med_would", "standing")
    tables.append(cs.Table("med_would_standing", "Would likely choose medicine today, by high-school grade band",
                           standing, "Grade band among science-track students at high school (내신); weighted "
                           "share answering likely or very likely, 95% CI."))
    figures.append(cs.estimate_plot(standing, "med_would_standing", "Would choose medicine today, by grade band",
                                    caption="Weighted percent, 95% CI; top students are grade 1 (top 4%)."))
    known = data["top_med_would"].notna() & data["top_student"].notna()
    top = d.subset(known & (data["top_student"] == 1)).mean("top_med_would", na_rm=True, ci="logit").iloc[0]
    rest = d.subset(known & (data["top_student"] == 0)).mean("top_med_would", na_rm=True, ci="logit").iloc[0]
    test = d.subset(known).chisq("top_med_would", "top_student")
    findings.append(f"Top students (top 4% at high school) would choose medicine more often: {top.estimate:.1%} "
                    f"(95% CI {top.ci_low:.1%}-{top.ci_high:.1%}) against {rest.estimate:.1%} "
                    f"({rest.ci_low:.1%}-{rest.ci_high:.1%}) of the others; Rao-Scott F = {test.statistic:.2f}, "
                    f"{p_text(test.p_value)}.")
    data_cons = data["med_considered"].map({1: "not considered", 2: "briefly", 3: "seriously", 4: "applied/admitted",
                                          5: "entered medicine"})
    if data_cons.notna().any():
        test = d.subset(data["med_considered"].notna() & data["role_group"].notna()).chisq("med_considered",
                                                                                           "role_group")
        findings.append(f"Having considered medicine differs by role: Rao-Scott F = {test.statistic:.2f}, "
                        f"{p_text(test.p_value)}.")
    mot = item_means(d, q, MOTIVES)
    tables.append(cs.Table("motives", "Importance of motives when choosing a university subject (1 = not at all, "
                           "5 = extremely)", mot))
    figures.append(cs.estimate_plot(mot, "motives", "Importance of motives (mean, 1-5)",
                                    percent=False, xlabel="mean importance"))
    why = item_means(d, q, MEDWHY, top=True)
    tables.append(cs.Table("medwhy", "Agreement with reasons why top students choose medicine", why,
                           "Weighted share agreeing or strongly agreeing."))
    findings.append(f"Most agreed reason: '{why.index[0]}' ({why.estimate.iloc[0]:.0%} agree).")
    by_sector = by_table(d, ["top_med_would"], "sector_name")
    by_sector.index = ["would likely choose medicine (share)"]
    tables.append(cs.Table("med_would_sector", "Would choose medicine today, by sector (%)", by_sector,
                           "Weighted share answering likely or very likely.", percent_columns=tuple(by_sector.columns)))
    formula = ("med_would ~ top_student + " + " + ".join(MOTIVES) + " + s_recognition + female + "
               "C(age_group, Treatment('30-39'))")
    olr = d.ordinal(formula)
    tab = coef_table(olr, drop_intercept=False)
    facts = {t: float(tab.loc[t, "estimate"]) for t in tab.index}  # by term name, for checks
    motives = {t: f"motive: {label(q, t)}" for t in tab.index if t.startswith("mjr_")}
    tab.index = [motives.get(t, t) for t in tab.index]
    tables.append(model_table(olr, "model_med_would", "Proportional-odds model: likelihood of choosing medicine "
                              "today (1-5)", "Design-based ordinal logit; cut-points first (as R svyolr); odds "
                              "ratios per point of importance (1-5), top students against the others.", motives))
    shown = tab.loc[[t for t in tab.index if t.startswith("motive: ") or t in (TOP, "Social recognition (1-5)")]]
    figures.append(cs.forest_plot(shown, "model_med_would", "Odds ratios: would choose medicine today",
                                  caption="Top students against the others; motives per point of importance "
                                          "(1-5); 95% CIs."))
    r = tab.loc[TOP]
    findings.append(f"With motives held constant, being a top student multiplies the odds of preferring medicine "
                    f"by {odds_text(r)}.")
    r = tab.loc[motives["mjr_success"]]
    findings.append(f"Each point of importance given to guaranteed success multiplies the odds of preferring "
                    f"medicine by {odds_text(r)}.")
    return cs.AnalysisResult(
        key=KEY, title=TITLE, question=QUESTION, tables=tuple(tables), figures=tuple(figures),
        findings=tuple(findings), facts=facts,
        methods=("All respondents including undergraduates and those abroad: researchers in Korea with the "
                 "raked weights, the others (outside the raking targets) with their design weights; CIs, "
                 "Rao-Scott tests and the "
                 "proportional-odds model use the stratified cluster design. Top students are those who "
                 "report grade 1 (top 4%) of the high-school record among science-track students (hs_rank; "
                 "self-reported, recalled); 'prefer not to say' is left out of the comparisons."),
    )


if __name__ == "__main__":
    sys.exit(main(run))
