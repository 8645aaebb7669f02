"""Shared set-up of the research-question plug-ins: load a store, build the declared design, derive variables.

Uses only the public API (``import careersurvey as cs``). A *study* is the accepted responses of a store
(numeric codes), the sampling design a design file declares (sample file, weights, strata, PSUs, fpc, targets
and their scope; without one, unweighted and saying so), and the derived analysis variables every question
shares (scale scores, binary intentions, each respondent's own pay gap, readable groups). Written for stem-careers 1.1.0, whose items
ask for the pay of offers received and expected; a store of 1.0.0 answers is read as 1.1.0
(``cs.load_dataset(store, "stem-careers@1.1.0")``: renamed items carried, the rest not asked). Each
plug-in defines ``run(study) -> cs.AnalysisResult`` (the plug-in protocol: README, "Plug-in analyses") and calls
``main(run)`` so it also runs on its own: ``python -m stem_careers.rq2_leaving --store S --design D --out DIR``.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
import pandas as pd

import careersurvey as cs

#: Missing codes of the program (-6 not asked, -7 refused, -8 don't know, -9 not applicable); declared on every
#: design, so that no estimate can read a column that still holds one.
MISSING = cs.MISSING_CODES
#: The questionnaire version the scripts are written for (older stores are harmonised to it).
QUESTIONNAIRE = "stem-careers@1.1.0"
#: Midpoints of the pay bands (10,000 KRW), used when only the band was given; the open top band at 800M.
PAY_BAND_MID = {1: 2_000, 2: 4_000, 3: 6_000, 4: 8_500, 5: 12_500, 6: 22_500, 7: 45_000, 8: 80_000}
ROLE_GROUP = {1: "Undergraduate", 2: "Graduate student", 3: "Graduate student", 4: "Postdoc",
              5: "Researcher", 6: "Faculty", 7: "Other"}
SECTOR = {1: "University", 2: "Public institute", 3: "Large firm", 4: "SME", 5: "Start-up",
          6: "Foreign firm", 7: "Abroad", 8: "Other"}
PAY_SYSTEM = {1: "Seniority", 2: "Performance", 3: "Mixed", 4: "Other"}
AGE_GROUP = {1: "under 30", 2: "under 30", 3: "30-39", 4: "30-39", 5: "40-49", 6: "40-49", 7: "50+", 8: "50+"}
EMPLOYED = "role in [4, 5, 6] or work_now == 1"
#: High-school grade band (hs_rank) as a reader names it; "top students" are band 1 (내신 1등급, top 4%).
STANDING = {1: "Top 4% (grade 1)", 2: "Top 4-11% (grade 2)", 3: "Top 11-23% (grade 3)", 4: "Top 23-40% (grade 4)",
            5: "Below top 40%"}


@dataclass(frozen=True)
class Study:
    """Everything an analysis needs: the raked design (its data holds the derived variables), the design
    before raking (``base``, same rows), the design of every respondent (``full``, with those outside the
    targets' population), the questionnaire, the targets and notes on how the weights were made."""

    design: "cs.SurveyDesign"
    base: "cs.SurveyDesign"
    full: "cs.SurveyDesign"
    questionnaire: "cs.Questionnaire"
    targets: "cs.Targets | None"
    notes: tuple[str, ...]
    weighted: bool = True

    @property
    def data(self) -> pd.DataFrame:
        """The rows of the analysed population (the domain of ``design``)."""
        return rows(self.design)


def rows(d: "cs.SurveyDesign") -> pd.DataFrame:
    """The data rows inside a design's domain (all rows when it has none): what counts of answers count."""
    return d.data if d.domain is None else d.data[d.domain]


def numeric(frame: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """Codes as floats with missing answers as NaN (for models and means); a missing code left in a frame
    that did not come from ``cs.load_responses`` becomes NaN too."""
    out = frame[list(columns)].apply(pd.to_numeric, errors="coerce").astype(float)
    return out.mask(out.isin(MISSING))


def derive(data: pd.DataFrame, q: "cs.Questionnaire") -> pd.DataFrame:
    """Analysis variables shared by the scripts: item codes as numbers (missing answers as NaN; which
    missing code each was is ``cs.load_missing(store)``), top-box indicators, scale scores, intentions,
    pay gap and readable groups."""
    items = [i.name for i in q.items if i.type in ("single", "rating", "integer", "decimal")]
    x = numeric(data, [c for c in items if c in data.columns])
    new: dict[str, pd.Series] = {}
    for item in q.items:  # top-box indicators: agrees / likely / satisfied / important (above the midpoint)
        if item.type == "rating" and item.choices is not None and item.name in x.columns:
            codes = item.choices.codes()
            new[f"top_{item.name}"] = (x[item.name] > (min(codes) + max(codes)) / 2).astype(float).where(
                x[item.name].notna())
    scores = cs.score_scales(x, q)
    for c in scores.columns:
        new[f"s_{c}"] = scores[c]
    new["leave_korea"] = (x["ti_abroad_5y"] >= 4).astype(float).where(x["ti_abroad_5y"].notna())
    new["leave_science"] = (x["ti_leave_science"] >= 4).astype(float).where(x["ti_leave_science"].notna())
    pay = x["pay_gross"].where(x["pay_gross"] > 0, x["pay_gross_band"].map(PAY_BAND_MID))
    new["pay_manwon"] = pay
    # each respondent's own gap: log of the best offer from abroad over own pay; without an offer, of the pay
    # expected abroad (asked only of those who consider going); the domestic offer's gap likewise
    new["gap_offer"] = np.log(x["offer_abroad_pay"] / pay)
    new["gap_expect"] = np.log(x["expect_abroad_pay"] / pay)
    new["pay_gap"] = new["gap_offer"].fillna(new["gap_expect"])
    new["gap_source"] = pd.Series(np.where(new["gap_offer"].notna(), "own offer",
                                           np.where(new["gap_expect"].notna(), "expected pay", None)),
                                  index=data.index, dtype="object")
    new["gap_domestic"] = np.log(x["offer_domestic_pay"] / pay)
    new["offer_abroad_any"] = (x["offer_abroad"] >= 2).astype(float).where(x["offer_abroad"].notna())
    new["role_group"] = x["role"].map(ROLE_GROUP)
    new["sector_name"] = x["sector"].map(SECTOR)
    new["pay_system_name"] = x["pay_system"].map(PAY_SYSTEM)
    new["age_group"] = x["age_band"].map(AGE_GROUP)
    new["female"] = (x["sex"] == 2).astype(float).where(x["sex"].notna())
    new["ai"] = (x["ai_work"] >= 2).astype(float).where(x["ai_work"].notna())
    new["safe_research"] = ((x["rav_topic_freq"] >= 4) | (x["rav_target_freq"] >= 4)).astype(float).where(
        x["rav_topic_freq"].notna() | x["rav_target_freq"].notna())  # often or very often
    new["honest_fail_level"] = pd.Categorical(
        x["honest_fail_aware"].map({1: "never heard of it", 2: "heard, no details", 3: "knows it well"}),
        categories=["never heard of it", "heard, no details", "knows it well"])
    back = q.item("back_main").choices
    new["back_main_label"] = pd.Categorical(x["back_main"].map({c.code: c.label.get("en", str(c.code))
                                                                for c in back.choices}),
                                            categories=[c.label.get("en", str(c.code)) for c in back.choices])
    new["standing"] = pd.Categorical(x["hs_rank"].map(STANDING), categories=list(STANDING.values()))
    new["top_student"] = (x["hs_rank"] == 1).astype(float).where(x["hs_rank"].isin(list(STANDING)))
    new["employed"] = (x["role"].isin([4, 5, 6]) | (x["work_now"] == 1)).astype(float)
    rest = data.drop(columns=list(x.columns))
    return pd.concat([rest, x, pd.DataFrame(new, index=data.index)], axis=1)


def load_study(store: str | Path, design: "str | Path | cs.DesignFile | None" = None) -> Study:
    """Read a store and build the design a design file declares (see module doc). ``full`` holds every
    respondent (raked inside the targets' scope, design weights outside it); ``design`` and ``base`` are its
    domain of the targets' population (researchers in Korea), after and before raking.

    ``design``: a design file (``cs.load_design_file``) that declares the sample file, the design columns,
    the targets and their scope. Without one nothing is guessed: every respondent weighs 1, with no strata,
    clusters or targets, and the study's notes say that the estimates are unweighted and why."""
    if design is not None:
        return _study_from_design_file(store, design)
    waves = cs.ResponseStore(store).waves()
    newest = [waves[-1]] if len(waves) > 1 else None  # stacked waves would count a person once per wave
    loaded = cs.load_dataset(store, QUESTIONNAIRE, labels=False, waves=newest)
    _refuse_empty(store, loaded.data)
    d = cs.SurveyDesign(derive(loaded.data, loaded.questionnaire), missing_codes=MISSING, ids="respondent_id")
    notes = (cs.UNWEIGHTED,) + ((f"The store holds {len(waves)} waves ({', '.join(waves)}); without a design file "
                                 f"these analyses read the newest, {waves[-1]}.",) if newest else ())
    return Study(design=d, base=d, full=d, questionnaire=loaded.questionnaire, targets=None,
                 notes=notes, weighted=False)


def _refuse_empty(store: str | Path, data: pd.DataFrame) -> None:
    if data.empty:
        raise ValueError(f"{store}: the store holds no accepted responses; see `careersurvey responses problems "
                         f"--store {store}` for the quarantined rows, fix them and import again")


def _study_from_design_file(store: str | Path, design: "str | Path | cs.DesignFile") -> Study:
    """The study of a design file: the sample, design columns, targets and scope as the file declares them."""
    df = design if isinstance(design, cs.DesignFile) else cs.load_design_file(design)
    if df.questionnaire.split("@")[0] != QUESTIONNAIRE.split("@")[0]:
        raise ValueError(f"{df.path}: the design is for {df.questionnaire}, but these research-question analyses "
                         f"are written for {QUESTIONNAIRE}; `careersurvey report --design {df.path.name}` gives the "
                         "generic report of any questionnaire")
    loaded = cs.load_dataset(store, QUESTIONNAIRE, labels=False)
    _refuse_empty(store, loaded.data)
    q = loaded.questionnaire
    notes: list[str] = []
    data = derive(loaded.data, q)

    def in_scope_sector(frame: pd.DataFrame, inside: np.ndarray) -> pd.DataFrame:
        # sectors of the targets' population only (R: droplevels before svychisq in the domain)
        return pd.DataFrame({"sector_in_scope": frame["sector_name"].where(inside)}, index=frame.index)

    built = df.prepare(data, note=notes.append, extra=in_scope_sector)
    notes.append(f"design declared in {df.path.name}: weights {df.weights or '1 for everyone'}"
                 + (f", strata {', '.join(df.strata)}" if df.strata else "")
                 + (f", PSUs {', '.join(df.psu)}" if df.psu else "") + f", lonely PSUs '{df.lonely_psu}'")
    full = built.design
    return Study(design=full.subset(built.inside), base=built.base.subset(built.inside), full=full,
                 questionnaire=q, targets=built.targets, notes=tuple(notes))


def odds_text(row: pd.Series, lang: str = "en") -> str:
    """A model term's odds ratio with its 95% CI, as findings print it: "1.32 (95% CI 1.09-1.61)"."""
    ci = "95% 신뢰구간" if lang == "ko" else "95% CI"
    return f"{np.exp(row.estimate):.2f} ({ci} {np.exp(row.ci_low):.2f}-{np.exp(row.ci_high):.2f})"


def p_text(p: float) -> str:
    """A p-value as findings print it: "p < 0.001" rather than a string of zeros, else three decimals."""
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def label(q: "cs.Questionnaire", item: str, lang: str = "en") -> str:
    """An item's label as the questionnaire words it, whole (tables wrap it; figures wrap it onto more lines)."""
    return q.item(item).label.get(lang, item)


#: The order of the readable groups: the questionnaire's order of the codes they come from.
GROUP_ORDER = {"sector_name": list(dict.fromkeys(SECTOR.values())),
               "sector_in_scope": list(dict.fromkeys(SECTOR.values())),
               "role_group": list(dict.fromkeys(ROLE_GROUP.values())),
               "pay_system_name": list(dict.fromkeys(PAY_SYSTEM.values())),
               "age_group": list(dict.fromkeys(AGE_GROUP.values()))}


def in_order(groups, by: str) -> list:
    """``groups`` in the questionnaire's order of ``by`` (a categorical's own order; others as they come)."""
    order = GROUP_ORDER.get(by)
    if order is None:
        return list(groups)
    return sorted(groups, key=lambda g: order.index(g) if g in order else len(order))


def _ci(values: pd.Series) -> str:
    """Logit intervals (as R's svyciprop) for shares, so they stay inside 0-1; Wald for other means."""
    v = values.dropna()
    return "logit" if len(v) and v.isin([0.0, 1.0]).all() else "wald"


def prop_table(d: "cs.SurveyDesign", variable: str, by: str, lang: str = "en") -> pd.DataFrame:
    """Weighted share (0/1 variable; logit CIs) or mean by group with CIs, groups with fewer than 10
    answers left out."""
    sub = rows(d)[[variable, by]].dropna()
    counts = sub.groupby(by).size()
    keep = counts[counts >= 10].index
    dom = d.subset(d.data[by].isin(keep) & d.data[variable].notna())
    est = dom.mean(variable, by=by, na_rm=True, ci=_ci(d.data[variable]))
    est = est.loc[in_order([i for i in est.index if i in set(keep)], by)]
    est.insert(0, "n", counts.reindex(est.index).astype(int))
    return relabel(est[[c for c in ("n", "estimate", "se", "ci_low", "ci_high", "deff") if c in est.columns]], lang)


def item_means(d: "cs.SurveyDesign", q: "cs.Questionnaire", variables: Sequence[str],
               top: bool = False, lang: str = "en") -> pd.DataFrame:
    """Weighted mean (or top-box share with ``top``) of several items with CIs, labelled in ``lang``, sorted high
    to low."""
    cols = [f"top_{v}" if top else v for v in variables]
    est = d.mean(cols, na_rm=True, ci="logit" if top else "wald")
    est.index = [label(q, v, lang) for v in variables]
    est.insert(0, "n", [int(n) for n in rows(d)[cols].notna().sum()])
    est.insert(0, "item", list(variables))
    keep = [c for c in ("item", "n", "estimate", "se", "ci_low", "ci_high", "deff") if c in est.columns]
    return est[keep].sort_values("estimate", ascending=False)


def tidy(est: pd.DataFrame, prefix: str = "", d: "cs.SurveyDesign | None" = None,
         columns: Sequence[str] = ()) -> pd.DataFrame:
    """An estimate table with the columns a reader needs, the variable name cut from level labels; with the
    design ``d`` and the estimated ``columns``, the unweighted n of each (one column: its n on every level)."""
    out = est[[c for c in ("n", "estimate", "se", "ci_low", "ci_high", "deff") if c in est.columns]].copy()
    if prefix:
        out.index = [str(i).removeprefix(prefix) for i in out.index]
    if d is not None and "n" not in out:
        answered = rows(d)[list(columns)].notna().sum()
        out.insert(0, "n", [int(answered.iloc[0])] * len(out) if len(columns) == 1 else
                   [int(answered[c]) for c in columns])
    return out


def by_table(d: "cs.SurveyDesign", variables: Sequence[str], by: str, min_n: int = 10,
             q: "cs.Questionnaire | None" = None, lang: str = "en") -> pd.DataFrame:
    """Weighted means of several variables (rows) by the groups of ``by`` (groups with at least ``min_n``
    respondents), each group's cell with its unweighted n and 95% CI (logit for 0/1 shares, as prop_table):
    columns ``<group>_n``, ``<group>``, ``<group>_ci_low``, ``<group>_ci_high``, which the publication layout
    shows as n, estimate and one interval column per group (:func:`groups` gives the estimate columns); with
    ``q``, rows that are items (or their ``top_`` indicators) show the label."""
    data = rows(d)
    counts = data[by].value_counts()
    keep = in_order([g for g in counts.index if counts[g] >= min_n], by)
    names = [GROUP_KO.get(g, g) if lang == "ko" and isinstance(g, str) else g for g in keep]
    cells = {}
    for v in variables:
        est = d.subset(d.data[by].isin(keep) & d.data[v].notna()).mean(v, by=by, na_rm=True, ci=_ci(d.data[v]))
        est = est.reindex(keep)
        answered = data.loc[data[v].notna(), by].value_counts().reindex(keep, fill_value=0)
        cells[v] = {key: value for g, name in zip(keep, names)
                    for key, value in ((f"{name}_n", int(answered[g])), (name, est.loc[g, "estimate"]),
                                       (f"{name}_ci_low", est.loc[g, "ci_low"]),
                                       (f"{name}_ci_high", est.loc[g, "ci_high"]))}
    table = pd.DataFrame.from_dict(cells, orient="index")
    table = table.astype({c: int for c in table.columns if str(c).endswith("_n")})
    if q is not None:
        table.index = [label(q, v.removeprefix("top_"), lang) if v.removeprefix("top_") in q else v
                       for v in table.index]
    return relabel(table, lang)


def groups(table: pd.DataFrame) -> list:
    """The estimate columns of a :func:`by_table` (one per group), without their n and interval columns."""
    return [c for c in table.columns if not str(c).endswith(("_n", "_ci_low", "_ci_high"))]


def shares(table: pd.DataFrame) -> tuple:
    """The columns of a :func:`by_table` of shares that are percentages: estimates and intervals, not the n."""
    return tuple(c for c in table.columns if not str(c).endswith("_n"))


def coef_table(fit, drop_intercept: bool = True) -> pd.DataFrame:
    """Estimates, SEs, CIs, odds ratios and p-values of a design-based model fit, by term."""
    from scipy import stats

    params, bse = pd.Series(fit.params), pd.Series(fit.bse)
    cuts = getattr(fit, "thresholds", None)
    if cuts is not None:  # ordinal models: cut-points first, as R's svyolr prints them
        cuts = pd.Series(cuts)
        params = pd.concat([cuts, params[~params.index.isin(cuts.index)]])
        bse = bse.reindex(params.index)
    df = getattr(fit, "df_resid", None)
    crit = stats.t.ppf(0.975, df) if df else stats.norm.ppf(0.975)
    tab = pd.DataFrame({"estimate": params, "se": bse})
    tab["ci_low"] = tab["estimate"] - crit * tab["se"]
    tab["ci_high"] = tab["estimate"] + crit * tab["se"]
    tab["odds_ratio"] = np.exp(tab["estimate"])
    z = tab["estimate"] / tab["se"]
    tab["p_value"] = 2 * (stats.t.sf(np.abs(z), df) if df else stats.norm.sf(np.abs(z)))
    if drop_intercept:
        tab = tab.drop(index=[i for i in tab.index if str(i).lower() in ("intercept", "const", "(intercept)")])
    tab.index = [pretty(t) for t in tab.index]
    return tab


def model_table(fit, name: str, title: str, caption: str = "", labels: dict | None = None,
                lang: str = "en") -> "cs.Table":
    """A model as the report publishes it (``cs.model_table``): terms by their readable names in ``lang``,
    reference categories, n, design df, the whole-model Wald test and the pseudo-R² under the table."""
    if lang == "ko":
        words = {**TERMS_KO, **GROUPS_KO, **{f"{v}={en}": ko for v in GROUPS for en, ko in GROUP_KO.items()}}
    else:
        words = {**TERMS, **GROUPS}
    return cs.model_table(fit, name, title, caption, lang=lang, labels={**words, **(labels or {})})


def tr(lang: str, en: str, ko: str) -> str:
    """The plug-ins' own words: ``ko`` in a Korean report, else ``en``."""
    return ko if lang == "ko" else en


def relabel(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The readable groups (rows and columns: sectors, roles, ...) and model terms in ``lang``."""
    if lang != "ko":
        return frame
    return frame.rename(index=lambda x: term_ko(x), columns=lambda x: GROUP_KO.get(x, x) if isinstance(x, str) else x)


def term_ko(name):
    """A readable group or model term (``sector: SME``, ``Failure stigma (1-5)``) in Korean."""
    if not isinstance(name, str):
        return name
    if name in GROUP_KO:
        return GROUP_KO[name]
    if name in _TERMS_EN_KO:
        return _TERMS_EN_KO[name]
    var, sep, level = name.partition(": ")
    if sep and var in _GROUP_NAMES_KO:
        return f"{_GROUP_NAMES_KO[var]}: {GROUP_KO.get(level, level)}"
    return name


#: Readable names of the grouping variables of the models (their reference categories name them).
GROUPS = {"sector_name": "sector", "pay_system_name": "pay system", "age_group": "age", "role_group": "role"}
GROUPS_KO = {"sector_name": "부문", "pay_system_name": "보수 체계", "age_group": "연령", "role_group": "역할"}
_GROUP_NAMES_KO = {"sector": "부문", "pay system": "보수 체계", "age": "연령", "role": "역할", "motive": "동기"}
#: The readable groups in Korean (the questionnaire's own words where it has them).
GROUP_KO = {"University": "대학", "Public institute": "공공 연구기관", "Large firm": "대기업", "SME": "중소·중견기업",
            "Start-up": "스타트업", "Foreign firm": "외국계 기업", "Abroad": "해외", "Other": "기타",
            "Undergraduate": "학부생", "Graduate student": "대학원생", "Postdoc": "박사후연구원",
            "Researcher": "연구원", "Faculty": "교수", "Seniority": "연공서열", "Performance": "성과", "Mixed": "혼합",
            "under 30": "30세 미만", "30-39": "30-39세", "40-49": "40-49세", "50+": "50세 이상",
            "Top 4% (grade 1)": "상위 4%(1등급)", "Top 4-11% (grade 2)": "상위 4-11%(2등급)",
            "Top 11-23% (grade 3)": "상위 11-23%(3등급)", "Top 23-40% (grade 4)": "상위 23-40%(4등급)",
            "Below top 40%": "상위 40% 밖", "never heard of it": "들어 본 적 없음",
            "heard, no details": "들어 봤으나 자세히 모름", "knows it well": "잘 앎"}
#: Readable names of model terms (variables the scripts share).
TERMS = {"pay_gap": "Own pay gap abroad (log ratio)", "s_rel_deprivation": "Relative deprivation (1-6)",
         "s_fail_stigma": "Failure stigma (1-5)", "s_psych_safety": "Psychological safety (1-5)",
         "s_autonomy": "Research autonomy (1-5)", "s_fear_failure": "Fear of failure (1-5)",
         "s_learn_failure": "Learning from failure (1-5)", "s_recognition": "Social recognition (1-5)",
         "female": "Female", "ai": "Works in AI", "top_student": "Top 4% at high school (grade 1)"}
TERMS_KO = {"pay_gap": "해외 보수 격차(로그 비)", "s_rel_deprivation": "상대적 박탈감(1-6)",
            "s_fail_stigma": "실패 낙인(1-5)", "s_psych_safety": "심리적 안전감(1-5)", "s_autonomy": "연구 자율성(1-5)",
            "s_fear_failure": "실패에 대한 두려움(1-5)", "s_learn_failure": "실패에서 배움(1-5)",
            "s_recognition": "사회적 인정(1-5)", "female": "여성", "ai": "AI 분야 종사",
            "top_student": "고교 상위 4%(1등급)"}
_TERMS_EN_KO = {TERMS[k]: TERMS_KO[k] for k in TERMS}


def pretty(term: object) -> str:
    """A model term as a reader would name it: ``C(sector_name, Treatment('University'))[T.SME]`` ->
    ``sector: SME``; shared variables by their label; cut-points ``1|2`` stay as they are."""
    t = str(term)
    if t in TERMS:
        return TERMS[t]
    if "[T." in t:
        var, level = t.split("[T.", 1)
        var = var.replace("C(", "").split(",")[0].rstrip(")")
        return f"{var.replace('_name', '').replace('_group', '').replace('_', ' ')}: {level.rstrip(']')}"
    return t


def main(run: Callable[[Study], "cs.AnalysisResult"], argv: Sequence[str] | None = None) -> int:
    """Command-line entry of a plug-in module: ``python -m stem_careers.rq2_leaving --store S [--design FILE]
    [--out DIR]`` (without --design the estimates are unweighted, and it says so)."""
    p = argparse.ArgumentParser(description=(run.__doc__ or "").strip().splitlines()[0] if run.__doc__ else None)
    p.add_argument("--store", required=True, help="response store (DuckDB file)")
    p.add_argument("--design", default=None, help="design file (YAML): sample file, weights, strata, PSUs, targets")
    p.add_argument("--out", default="analysis-out", help="folder for tables (.xlsx) and figures (.png)")
    a = p.parse_args(argv)
    study = load_study(a.store, design=a.design)
    if not study.weighted:
        print("note:", cs.UNWEIGHTED, file=sys.stderr)
    result = run(study)
    paths = result.write(a.out)
    for f in result.findings:
        print("-", f)
    print("wrote", ", ".join(str(x) for x in paths))
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit("run one of the questions: python -m stem_careers.rq2_leaving --store S --design D --out DIR")
