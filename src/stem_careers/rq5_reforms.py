"""RQ5: which reforms would keep researchers in Korea and in science, and what would bring back those abroad?

Weighted mean help rating (1-5) and share saying a reform would help a lot, for each reform, ranked with
CIs and by role; for respondents abroad (outside the raking population, design weights) the likelihood of
coming back and the condition that matters most.
"""

from __future__ import annotations

import sys

import careersurvey as cs
from stem_careers.common import Study, by_table, item_means, main, tidy
# the plug-in protocol (README, Plug-in analyses): the study these questions run on, the questionnaire they need
from stem_careers.common import QUESTIONNAIRE, load_study  # noqa: F401

KEY, TITLE = "RQ5", "Reforms that would keep or bring back researchers"
QUESTION = ("Which reforms would keep or bring them back (pay, long-term funding, failure-tolerant evaluation, "
            "autonomy, start-ups, team projects, faster budgeting, data access), and what would bring back "
            "those abroad?")
REFORMS = ("ref_pay", "ref_perfpay", "ref_longfund", "ref_failtol", "ref_autonomy", "ref_startup", "ref_team",
           "ref_fastbudget", "ref_data")


def run(study: Study) -> "cs.AnalysisResult":
    """Reforms: ranked help ratings, by role, and what would bring people back."""
    d, q = study.design, study.questionnaire
    tables, figures, findings = [], [], []
    means = item_means(d, q, REFORMS)
    tables.append(cs.Table("reforms_mean", "How much each reform would help (mean, 1-5)", means))
    figures.append(cs.estimate_plot(means, "reforms", "How much each reform would help",
                                    percent=False, xlabel="mean rating (1 = not at all, 5 = a great deal)"))
    share = item_means(d, q, REFORMS, top=True)
    tables.append(cs.Table("reforms_share", "Would help a lot or a great deal (share)", share))
    findings.append(f"Highest-rated reform: {means.index[0]} (mean {means.estimate.iloc[0]:.2f}, 95% CI "
                    f"{means.ci_low.iloc[0]:.2f}-{means.ci_high.iloc[0]:.2f}); lowest: {means.index[-1]} "
                    f"({means.estimate.iloc[-1]:.2f}).")
    by_role = by_table(d, [f"top_{r}" for r in REFORMS], "role_group", q=q)
    tables.append(cs.Table("reforms_role", "Would help a lot or a great deal, by role (%)", by_role,
                           percent_columns=tuple(by_role.columns)))
    full = study.full
    abroad = full.data["sector"] == 7
    n_abroad = int(abroad.sum())
    if n_abroad >= 10:
        dom = full.subset(abroad & full.data["back_intent"].notna())
        back = tidy(dom.mean("top_back_intent", na_rm=True, ci="logit"))
        back.index = ["likely or very likely to come back"]
        tables.append(cs.Table("back_intent", "Abroad: likely to come back to Korea within five years", back,
                               "Respondents working abroad, design weights."))
        named = full.subset(abroad & full.data["back_main_label"].notna())
        why = tidy(named.mean("back_main_label", na_rm=True, ci="logit"), prefix="back_main_label")
        why = why.sort_values("estimate", ascending=False)
        tables.append(cs.Table("back_main", "Abroad: the condition that would matter most for coming back", why))
        figures.append(cs.estimate_plot(why, "back_main", "Abroad: what would bring them back",
                                        caption="Share naming each condition first; design weights, 95% CI."))
        findings.append(f"Of respondents abroad (n = {n_abroad}), {back.estimate.iloc[0]:.0%} are likely to "
                        f"come back within five years; the condition named most often: {why.index[0]} "
                        f"({why.estimate.iloc[0]:.0%}).")
    else:
        findings.append(f"Only {n_abroad} respondents work abroad in this dataset: too few to estimate what "
                        "would bring them back.")
    return cs.AnalysisResult(
        key=KEY, title=TITLE, question=QUESTION, tables=tuple(tables), figures=tuple(figures),
        findings=tuple(findings),
        methods=("Help ratings on a five-point scale; shares count 'would help a lot' and 'a great deal'. "
                 "Respondents abroad are outside the raking targets (researchers in Korea) and are described "
                 "with their design weights only."),
    )


if __name__ == "__main__":
    sys.exit(main(run))
