"""RQ3: how strong is failure stigma, and does it predict risk-avoiding research and intent to leave?

Weighted means of fear of failure, institutional failure stigma, psychological safety and learning from
failure by sector; agreement with each stigma item; knowledge of honest-failure recognition; logistic model
of choosing safe research on stigma; proportional-odds model of the likelihood of leaving science;
reliability of the four failure scales.
"""

from __future__ import annotations

import sys

import careersurvey as cs
from stem_careers.common import (Study, by_table, coef_table, item_means, main, model_table, odds_text, prop_table,
                                 rows, tidy)
# the plug-in protocol (README, Plug-in analyses): the study these questions run on, the questionnaire they need
from stem_careers.common import QUESTIONNAIRE, load_study  # noqa: F401

KEY, TITLE = "RQ3", "Failure stigma, safe research and leaving"
QUESTION = ("How strong is failure stigma (a failed project recorded as failure, limiting future funding; safe "
            "goals on purpose), and does it predict risk-avoiding research and intent to leave?")
SCALES = ("fear_failure", "fail_stigma", "psych_safety", "learn_failure")
STIG = ("stig_record", "stig_sanction", "stig_funding", "stig_safe", "stig_tolerant", "stig_unknown", "stig_rarely")
CONTROLS = "female + C(age_group, Treatment('30-39')) + C(sector_name, Treatment('University'))"


def run(study: Study) -> "cs.AnalysisResult":
    """Failure stigma: levels, items, and what it predicts."""
    d, q = study.design, study.questionnaire
    data = d.data
    tables, figures, findings = [], [], []
    means = by_table(d, [f"s_{s}" for s in SCALES], "sector_name")
    means.index = list(SCALES)
    tables.append(cs.Table("scales_sector", "Failure scales by sector (mean, 1-5)", means))
    overall = tidy(d.mean([f"s_{s}" for s in SCALES], na_rm=True))
    overall.index = list(SCALES)
    tables.append(cs.Table("scales_overall", "Failure scales, researchers in Korea (mean, 1-5)", overall))
    st = prop_table(d, "s_fail_stigma", "sector_name")
    figures.append(cs.estimate_plot(st, "stigma_sector", "Institutional failure stigma by sector (mean, 1-5)",
                                    percent=False, xlabel="mean score"))
    items = item_means(d, q, STIG, top=True)
    tables.append(cs.Table("stigma_items", "Agreement with each failure-stigma statement", items,
                           "Weighted share agreeing or strongly agreeing; stig_tolerant is reverse-keyed."))
    keyed = items[~items["item"].isin(q.scales["fail_stigma"].reverse)]  # reverse-keyed: agreeing is no stigma
    top = keyed.iloc[0]
    findings.append(f"Most agreed stigma statement: '{keyed.index[0]}' ({top.estimate:.0%}, 95% CI "
                    f"{top.ci_low:.0%}-{top.ci_high:.0%}).")
    if rows(d)["honest_fail_level"].notna().sum() >= 10:
        aware = tidy(d.subset(data["honest_fail_level"].notna()).mean("honest_fail_level", na_rm=True, ci="logit"),
                     prefix="honest_fail_level")
        tables.append(cs.Table("honest_fail", "Knowledge of honest-failure (성실실패) recognition", aware,
                               "Weighted shares among researchers and graduate students."))
        findings.append(f"{aware['estimate'].iloc[0]:.0%} have never heard of honest-failure recognition.")
    fit = d.subset(data["safe_research"].notna() & data["s_fail_stigma"].notna()).glm(
        "safe_research ~ s_fail_stigma + s_fear_failure + s_psych_safety + " + CONTROLS, family="binomial")
    tab = coef_table(fit)
    tables.append(model_table(fit, "model_safe_research", "Logistic model: chose safe topics or targets on purpose",
                              "Design-based logistic regression among researchers and graduate students."))
    r = tab.loc["Failure stigma (1-5)"]
    findings.append(f"Each point of failure stigma multiplies the odds of choosing safe research by "
                    f"{odds_text(r)}.")
    figures.append(cs.forest_plot(tab, "model_safe_research", "Odds ratios: chose safe research"))
    olr = d.subset(data["ti_leave_science"].notna()).ordinal(
        "ti_leave_science ~ s_fail_stigma + s_fear_failure + s_psych_safety + s_learn_failure + " + CONTROLS)
    otab = coef_table(olr, drop_intercept=False)
    tables.append(model_table(olr, "model_leave_science", "Proportional-odds model: likelihood of leaving science "
                              "(1-5)", "Design-based ordinal logit (as R svyolr)."))
    r = otab.loc["Failure stigma (1-5)"]
    findings.append(f"Failure stigma and leaving science: odds ratio {odds_text(r)} per point with fear of "
                    "failure, safety and learning held constant.")
    rel = cs.reliability_table(rows(d), q, scales=list(SCALES))
    tables.append(cs.Table("reliability", "Reliability of the failure scales", rel,
                           "Cronbach's alpha with Feldt 95% CI, McDonald's omega total, one-factor fit."))
    facts = {"stigma_on_leave_science": float(r.estimate),
             "stigma_on_safe_research": float(tab.loc["Failure stigma (1-5)", "estimate"])}
    return cs.AnalysisResult(
        key=KEY, title=TITLE, question=QUESTION, tables=tuple(tables), figures=tuple(figures),
        findings=tuple(findings), facts=facts,
        methods=("Scale scores are item means (reverse-keyed items reversed) when enough items were answered. "
                 "Safe research = agreeing that topics or targets were chosen safe on purpose. Models use "
                 "the raked weights and the stratified cluster design."),
    )


if __name__ == "__main__":
    sys.exit(main(run))
