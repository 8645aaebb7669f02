"""RQ4: how do researchers rate their environment (evaluation horizon, top-down management, autonomy,
budget cuts, bureaucracy, duplication, conference support, fragmentation, data access, seniority-based
hiring, commercial pressure)?

Weighted agreement with each environment and autonomy statement with CIs, the same by sector, the impact
of R&D budget cuts, administrative time share and months from proposal to funding, and Rao-Scott tests.
"""

from __future__ import annotations

import sys

import careersurvey as cs
from stem_careers.common import Study, by_table, item_means, main, p_text
# the plug-in protocol (README, Plug-in analyses): the study these questions run on, the questionnaire they need
from stem_careers.common import QUESTIONNAIRE, load_study  # noqa: F401

KEY, TITLE = "RQ4", "The research environment"
QUESTION = ("How do researchers rate their environment: short-term evaluation, top-down management, autonomy, "
            "budget cuts, bureaucracy, duplication, support, fragmentation, data access, seniority-based hiring "
            "and pressure toward quickly profitable topics?")
ENV = ("env_short_eval", "env_topdown", "env_budget_slow", "env_admin_burden", "env_duplicate", "env_conf_support",
       "env_fragment", "env_hire_senior", "env_promo_senior", "env_commercial")
#: Access to data, asked only of those whose research needs such data (data_need), on its own 5-point scale.
DATA = ("env_data_public", "env_data_health")
AUTO = ("auto_topic", "auto_method", "auto_schedule", "auto_explore", "auto_judge", "auto_approval")


def run(study: Study) -> "cs.AnalysisResult":
    """The research environment: agreement with each statement, by sector, and the numbers."""
    d, q = study.design, study.questionnaire
    data = d.data
    tables, figures, findings = [], [], []
    env = item_means(d, q, ENV, top=True)
    tables.append(cs.Table("environment", "Agreement with statements about the research environment", env,
                           "Weighted share agreeing or strongly agreeing (researchers and graduate students)."))
    figures.append(cs.estimate_plot(env, "environment", "Agree: research environment",
                                    caption="Weighted percent agreeing, 95% CI."))
    for i in range(min(3, len(env))):
        r = env.iloc[i]
        findings.append(f"{r.estimate:.0%} (95% CI {r.ci_low:.0%}-{r.ci_high:.0%}) agree: {env.index[i]}")
    access = item_means(d, q, DATA, top=True)
    tables.append(cs.Table("data_access", "Can use the data they need (mostly or freely), among those who need it",
                           access, "Weighted share answering 'mostly' or 'freely'; asked only of those whose "
                           "research needs public-sector or health data."))
    auto = item_means(d, q, AUTO, top=True)
    tables.append(cs.Table("autonomy", "Agreement with statements about research autonomy", auto))
    figures.append(cs.estimate_plot(auto, "autonomy", "Agree: research autonomy"))
    by_sector = by_table(d, [f"top_{v}" for v in ENV + AUTO], "sector_name", q=q)
    tables.append(cs.Table("environment_sector", "Agreement by sector (% agreeing)", by_sector,
                           percent_columns=tuple(by_sector.columns)))
    figures.append(cs.heatmap(by_sector, "environment_sector", "Agree, by sector (percent)",
                              caption="Weighted percent agreeing or strongly agreeing with each statement."))
    nums = by_table(d, ["env_budget_cut24", "env_admin_pct", "env_funding_months", "s_autonomy", "s_env_problems"],
                    "sector_name")
    nums.index = ["R&D budget-cut impact (1-5)", "admin time (% of work)", "months from proposal to funding",
                  "autonomy score (1-5)", "environment-problem score (1-5)"]
    tables.append(cs.Table("numbers_sector", "Budget-cut impact (1-5), admin time (%), months to funding, "
                           "autonomy and environment-problem scores, by sector (weighted means)", nums, digits=2))
    admin = d.mean("env_admin_pct", na_rm=True).iloc[0]
    findings.append(f"Researchers spend on average {admin.estimate:.0f}% of their working time on "
                    f"administration (95% CI {admin.ci_low:.0f}-{admin.ci_high:.0f}).")
    months = d.mean("env_funding_months", na_rm=True).iloc[0]
    findings.append(f"From proposal to money takes {months.estimate:.1f} months on average.")
    sector = "sector_in_scope" if "sector_in_scope" in data else "sector_name"
    test = d.subset(data["top_env_short_eval"].notna() & data[sector].notna()).chisq("top_env_short_eval", sector)
    findings.append(f"Agreement that evaluation is short-term differs by sector: Rao-Scott F = "
                    f"{test.statistic:.2f}, {p_text(test.p_value)}.")
    return cs.AnalysisResult(
        key=KEY, title=TITLE, question=QUESTION, tables=tuple(tables), figures=tuple(figures),
        findings=tuple(findings),
        methods=("Asked of graduate students, postdocs, researchers and faculty. Shares count 'agree' and "
                 "'strongly agree'; weighted with the raked weights, CIs and Rao-Scott tests from the design."),
    )


if __name__ == "__main__":
    sys.exit(main(run))
