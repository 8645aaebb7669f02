"""The report's own words in Korean and English: one catalogue, both languages complete.

Every heading, column name, footnote and figure label the report writes by itself is a key here with its
English and Korean text (ko in 합니다체); what the questionnaire says (item wordings, category labels) comes
from the questionnaire in the report's language. ``text(key, lang, **values)`` formats a string;
``tests/report/test_i18n.py`` checks that no key lacks a language and that both languages take the same values.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache

from careersurvey.report.i18n_fieldwork import FIELDWORK
from careersurvey.report.i18n_messages import MESSAGES

__all__ = ["LANGS", "STRINGS", "check_lang", "text", "label_in", "translated", "term"]

#: The report's languages.
LANGS = ("en", "ko")

#: key -> {language: text}; ``{name}`` fields are filled by :func:`text`.
STRINGS: dict[str, dict[str, str]] = {
    # -- page frame ------------------------------------------------------------------------------------
    "page.generated": {"en": "Generated {when} · questionnaire {questionnaire} · careersurvey {version}",
                       "ko": "작성 {when} · 설문지 {questionnaire} · careersurvey {version}"},
    "page.contents": {"en": "Contents", "ko": "목차"},
    "page.findings": {"en": "Findings", "ko": "주요 결과"},
    "page.methods": {"en": "Methods.", "ko": "방법."},
    "page.subtitle": {"en": "Design-based estimates with 95% confidence intervals",
                      "ko": "표본설계를 반영한 추정값과 95% 신뢰구간"},
    "page.failed": {"en": "{key} failed: {message}", "ko": "{key} 분석이 실패했습니다: {message}"},
    "page.table": {"en": "Table {number}.", "ko": "표 {number}."},
    "page.figure": {"en": "Figure {number}.", "ko": "그림 {number}."},
    # -- table columns ---------------------------------------------------------------------------------
    "col.n": {"en": "n (unweighted)", "ko": "응답자 수(가중 전)"},
    "col.N": {"en": "N (population)", "ko": "모집단 크기(N)"},
    "col.estimate": {"en": "Estimate", "ko": "추정값"},
    "col.percent": {"en": "%", "ko": "%"},
    "col.mean": {"en": "Mean", "ko": "평균"},
    "col.se": {"en": "SE", "ko": "표준오차"},
    "col.se_pct": {"en": "SE (% points)", "ko": "표준오차(%p)"},
    "col.ci": {"en": "95% CI", "ko": "95% 신뢰구간"},
    "col.n_of": {"en": "n of {what}", "ko": "{what} 응답자 수"},
    "col.ci_of": {"en": "95% CI of {what}", "ko": "{what}의 95% 신뢰구간"},
    "col.ci_low": {"en": "95% CI lower", "ko": "95% 신뢰구간 하한"},
    "col.ci_high": {"en": "95% CI upper", "ko": "95% 신뢰구간 상한"},
    "col.deff": {"en": "Design effect", "ko": "설계효과"},
    "col.df": {"en": "Design df", "ko": "설계 자유도"},
    "col.cv": {"en": "CV", "ko": "변동계수"},
    "col.p_value": {"en": "p", "ko": "p값"},
    "col.odds_ratio": {"en": "Odds ratio", "ko": "오즈비"},
    "col.statistic": {"en": "Statistic", "ko": "검정통계량"},
    "col.k": {"en": "Items", "ko": "문항 수"},
    "col.alpha": {"en": "Cronbach's alpha", "ko": "크론바흐 알파"},
    "col.std_alpha": {"en": "Standardised alpha", "ko": "표준화 알파"},
    "col.weighted_alpha": {"en": "Weighted alpha", "ko": "가중 알파"},
    "col.omega_total": {"en": "Omega total", "ko": "오메가(전체)"},
    "col.variance_explained": {"en": "Variance explained", "ko": "설명된 분산"},
    "col.rmsr": {"en": "RMSR", "ko": "잔차상관 RMSR"},
    "col.flag": {"en": "Note", "ko": "비고"},
    "col.item": {"en": "Item", "ko": "문항"},
    "col.value": {"en": "Value", "ko": "값"},
    "col.term": {"en": "Term", "ko": "항"},
    "col.scale": {"en": "Scale", "ko": "척도"},
    "col.rows": {"en": "Rows", "ko": "행 수"},
    "col.respondents": {"en": "Respondents", "ko": "응답자 수"},
    "col.response_rate": {"en": "Response rate (%)", "ko": "응답률(%)"},
    "col.target": {"en": "Target", "ko": "목표"},
    "col.unweighted": {"en": "Unweighted", "ko": "가중 전"},
    "col.weighted": {"en": "Weighted", "ko": "가중 후"},
    "col.design_weights": {"en": "Design weights", "ko": "설계가중치"},
    "col.institutions": {"en": "Institutions", "ko": "기관 수"},
    "col.invited": {"en": "Invited", "ko": "조사 대상자 수"},
    "col.responded": {"en": "Responded", "ko": "응답자 수"},
    "col.kind": {"en": "Kind of file", "ko": "파일 종류"},
    "col.questionnaire_version": {"en": "Questionnaire version", "ko": "설문지 버전"},
    "col.rows_in": {"en": "Rows received", "ko": "받은 행 수"},
    "col.accepted": {"en": "Accepted", "ko": "승인"},
    "col.quarantined": {"en": "Quarantined", "ko": "격리"},
    "col.warnings": {"en": "Warnings", "ko": "경고"},
    "col.file": {"en": "File", "ko": "파일"},
    "col.file_name": {"en": "File", "ko": "파일"},
    "col.row": {"en": "Row", "ko": "행"},
    "col.rule": {"en": "Rule", "ko": "규칙"},
    "col.message": {"en": "Problem", "ko": "문제"},
    "col.severity": {"en": "Severity", "ko": "심각도"},
    "col.sector": {"en": "Sector", "ko": "부문"},
    "col.margin": {"en": "Margin: category", "ko": "주변 분포: 범주"},
    "col.base": {"en": "Base", "ko": "기준"},
    "col.kish_deff": {"en": "Kish design effect", "ko": "Kish 설계효과"},
    "col.effective_n": {"en": "Effective n", "ko": "유효표본 수"},
    "col.min_r_drop": {"en": "Lowest item-rest correlation", "ko": "최저 문항-나머지 상관"},
    # -- reliability flags -----------------------------------------------------------------------------
    "flag.unreliable": {"en": "*", "ko": "*"},
    "flag.review": {"en": "†", "ko": "†"},
    "flag.rule_proportion": {
        "en": "* Unreliable under the NCHS standard for proportions (Korn-Graubard 95% interval): effective n "
              "below 30, an interval 30 percentage points wide or more, or wider than 5 points and 130% of the "
              "estimate; interpret with caution. † Review: fewer than 8 design degrees of freedom or an "
              "estimate of 0% or 100%.",
        "ko": "* NCHS 비율 발표 기준(Korn-Graubard 95% 신뢰구간)에 따라 신뢰도가 낮은 추정값입니다: 유효표본 수가 "
              "30 미만이거나, 신뢰구간 폭이 30%p 이상이거나, 5%p를 넘으면서 추정값의 130%를 넘습니다. 해석에 "
              "주의하십시오. † 검토 필요: 설계 자유도가 8 미만이거나 추정값이 0% 또는 100%입니다."},
    "flag.rule_estimate": {
        "en": "* Unreliable: relative standard error above 30% or effective n (n / design effect) below 30; "
              "interpret with caution.",
        "ko": "* 신뢰도가 낮은 추정값입니다: 상대표준오차가 30%를 넘거나 유효표본 수(n / 설계효과)가 30 "
              "미만입니다. 해석에 주의하십시오."},
    "note.percent": {"en": "Weighted percentages, shown with {digits} decimal(s).",
                     "ko": "가중 백분율이며 소수점 {digits}자리까지 표시합니다."},
    "note.weighted_n": {"en": "Estimates are weighted; n is the number of respondents who answered (unweighted).",
                        "ko": "추정값은 가중치를 적용한 값이며, n은 응답한 사람의 수(가중 전)입니다."},
    # -- models ----------------------------------------------------------------------------------------
    "model.reference": {"en": "Reference categories: {refs}.", "ko": "기준 범주: {refs}."},
    "model.fit": {"en": "n = {n}; design df = {df}; Wald test of all terms: F({ndf}, {ddf}) = {F}, {p}; "
                        "pseudo-R² ({kind}) = {r2}.",
                  "ko": "n = {n}; 설계 자유도 = {df}; 전체 항에 대한 Wald 검정: F({ndf}, {ddf}) = {F}, {p}; "
                        "유사 R²({kind}) = {r2}."},
    "model.fit_no_r2": {"en": "n = {n}; design df = {df}; Wald test of all terms: F({ndf}, {ddf}) = {F}, {p}.",
                        "ko": "n = {n}; 설계 자유도 = {df}; 전체 항에 대한 Wald 검정: F({ndf}, {ddf}) = {F}, {p}."},
    "model.fit_no_test": {"en": "n = {n}; design df = {df}; no whole-model Wald test: the design has too few "
                                "degrees of freedom (PSUs) for the model's coefficients.",
                          "ko": "n = {n}; 설계 자유도 = {df}; 모형의 계수에 비해 설계 자유도(1차 추출단위)가 부족하여 "
                                "전체 항에 대한 Wald 검정을 할 수 없습니다."},
    "model.cutpoint": {"en": "Cut-point {cut}", "ko": "절단점 {cut}"},
    "model.intercept": {"en": "Intercept", "ko": "절편"},
    "col.log_odds": {"en": "Coefficient (log odds)", "ko": "계수(로그 오즈)"},
    "col.coefficient": {"en": "Coefficient", "ko": "계수"},
    # -- generic sections (report/sections.py) ------------------------------------------------------------
    "fieldwork.title": {"en": "Fieldwork: institutions, persons invited and responding, by sector",
                        "ko": "현장조사: 부문별 기관 수, 조사 대상자 수, 응답자 수"},
    "fieldwork.caption": {"en": "From {file}; the response rate is unweighted (respondents / invited).",
                          "ko": "{file}에서 집계했습니다. 응답률은 가중하지 않은 값(응답자 수 / 조사 대상자 수)입니다."},
    "fieldwork.all": {"en": "all", "ko": "전체"},
    "import.title": {"en": "Fieldwork and import", "ko": "현장조사와 자료 입력"},
    "import.nav": {"en": "Import", "ko": "자료 입력"},
    "import.files_title": {"en": "Files imported", "ko": "입력한 파일"},
    "import.files_caption": {"en": "One transaction per file, with its ledger counts.",
                             "ko": "파일마다 하나의 트랜잭션으로 저장했으며, 원장에 기록된 건수입니다."},
    "import.rules_title": {"en": "Problems by rule", "ko": "규칙별 문제"},
    "import.rules_caption": {"en": "'quarantine' rows are kept out of the analysis with their reasons; warnings are "
                                   "kept.",
                             "ko": "'quarantine'(격리) 행은 사유와 함께 분석에서 제외했고, 경고(warning)만 있는 행은 "
                                   "분석에 포함했습니다."},
    "import.rows_title": {"en": "Problems found (first {n})", "ko": "발견한 문제(처음 {n}건)"},
    "import.text": {"en": "{rows} rows arrived in {files} files; {accepted} were accepted and {quarantined} "
                          "quarantined with their reasons (nothing is dropped silently).",
                    "ko": "파일 {files}개에서 {rows}개 행을 받았습니다. {accepted}개 행을 승인했고 {quarantined}개 행은 "
                          "사유와 함께 격리했습니다(말없이 버린 행은 없습니다)."},
    "import.methods": {"en": "Each file is validated against the questionnaire (codes, ranges, routing, identifiers) "
                             "and stored in one transaction with a ledger entry (file hash, questionnaire version, "
                             "counts).",
                       "ko": "파일마다 설문지에 비추어 코드, 범위, 응답 경로, 식별자를 검증한 뒤 하나의 트랜잭션으로 "
                             "저장하고 원장에 파일 해시, 설문지 버전, 건수를 기록합니다."},
    "kpi.rows_received": {"en": "rows received", "ko": "받은 행"},
    "kpi.accepted": {"en": "accepted", "ko": "승인"},
    "kpi.quarantined": {"en": "quarantined", "ko": "격리"},
    "kpi.files": {"en": "files", "ko": "파일"},
    "kpi.population": {"en": "population", "ko": "모집단"},
    "kpi.kish_deff": {"en": "Kish deff ({base})", "ko": "Kish 설계효과({base})"},
    "kpi.effective_n": {"en": "effective n ({base})", "ko": "유효표본 수({base})"},
    "kpi.weights": {"en": "weights", "ko": "가중치"},
    "kpi.unweighted": {"en": "none (unweighted)", "ko": "없음(가중하지 않음)"},
    "kpi.respondents": {"en": "respondents", "ko": "응답자"},
    "kpi.in_population": {"en": "in the targets' population", "ko": "목표 모집단의 응답자"},
    "kpi.analysed": {"en": "analysed", "ko": "분석 대상"},
    "kpi.questionnaire": {"en": "questionnaire", "ko": "설문지"},
    "kpi.plugins": {"en": "plug-in analyses", "ko": "플러그인 분석"},
    "kpi.of": {"en": "{k} of {n}", "ko": "{n}개 중 {k}개"},
    "w.title": {"en": "Weighting", "ko": "가중치"},
    "w.respondents": {"en": "Respondents", "ko": "응답자 수"},
    "w.sum": {"en": "Sum of weights", "ko": "가중치 합계"},
    "w.min": {"en": "Smallest weight", "ko": "최소 가중치"},
    "w.median": {"en": "Median weight", "ko": "가중치 중앙값"},
    "w.max": {"en": "Largest weight", "ko": "최대 가중치"},
    "w.ratio": {"en": "Largest / smallest", "ko": "최대 / 최소"},
    "w.base_all": {"en": "all respondents", "ko": "전체 응답자"},
    "w.base_scope": {"en": "in scope", "ko": "목표 모집단 범위"},
    "w.kish_sentence": {"en": "Kish deff {deff} and effective n {neff} over {n} respondents ({base})",
                        "ko": "응답자 {n}명({base})에 대한 Kish 설계효과 {deff}, 유효표본 수 {neff}"},
    "w.fig_weights_caption": {"en": "Final weights: persons each respondent represents.",
                              "ko": "최종 가중치: 응답자 한 명이 대표하는 인원입니다."},
    "w.fig_margins_caption": {"en": "Target shares (published statistics), the respondents unweighted, and after "
                                    "raking.",
                              "ko": "목표 구성비(공표 통계), 가중 전 응답자 구성비, 레이킹 후 구성비입니다."},
    "w.dist_title": {"en": "Weight distribution", "ko": "가중치 분포"},
    "w.kish_title": {"en": "Kish design effect of the weights", "ko": "가중치의 Kish 설계효과"},
    "w.margins_title": {"en": "Targets and achieved shares (%)", "ko": "목표 구성비와 달성한 구성비(%)"},
    "w.margins_caption": {"en": "Raking matches every target margin exactly; the unweighted column shows how far the "
                                "respondents were from the population.",
                          "ko": "레이킹은 모든 목표 주변 분포를 정확히 맞춥니다. 가중 전 열은 응답자가 모집단과 얼마나 "
                                "달랐는지 보여 줍니다."},
    "w.step": {"en": "Weighting: {step}.", "ko": "가중 단계: {step}."},
    "w.methods_raked": {"en": "Design weights (inverse selection probabilities, as the design file declares them) "
                              "were raked (iterative proportional fitting) to the margins of the targets file; "
                              "variances use Taylor linearisation over the declared strata and PSUs, accounting for "
                              "the raking.",
                        "ko": "설계가중치(설계 파일에 선언한 선택확률의 역수)를 목표 파일의 주변 분포에 맞추어 "
                              "레이킹(반복비례조정)했습니다. 분산은 선언한 층과 1차 추출단위에 대한 테일러 선형화로 "
                              "구했으며 레이킹을 반영합니다."},
    "w.methods_plain": {"en": "Design weights (inverse selection probabilities, as the design file declares them) "
                              "were used as they are (no targets); variances use Taylor linearisation over the "
                              "declared strata and PSUs.",
                        "ko": "설계가중치(설계 파일에 선언한 선택확률의 역수)를 그대로 사용했습니다(목표 없음). 분산은 "
                              "선언한 층과 1차 추출단위에 대한 테일러 선형화로 구했습니다."},
    "study.unweighted": {
        "en": "No design file was given (--design), so the estimates are unweighted: every respondent counts once, "
              "with no strata, clusters or population targets. They describe the respondents, not a population, "
              "and their standard errors assume simple random sampling. Give a design file that names the "
              "weights, strata, PSUs and targets to weight them (README, The design file).",
        "ko": "설계 파일(--design)을 지정하지 않았으므로 추정값은 가중하지 않은 값입니다. 층, 집락, 모집단 목표 "
              "없이 응답자마다 한 번씩 셉니다. 따라서 모집단이 아니라 응답자를 설명하며, 표준오차는 단순임의추출을 "
              "가정합니다. 가중하려면 가중치, 층, 1차 추출단위, 목표를 지정한 설계 파일을 주십시오(README, The "
              "design file)."},
    "rel.section": {"en": "Scale reliability", "ko": "척도 신뢰도"},
    "rel.nav": {"en": "Scales", "ko": "척도"},
    "rel.fig_title": {"en": "Cronbach's alpha with 95% CI", "ko": "크론바흐 알파와 95% 신뢰구간"},
    "rel.fig_caption": {"en": "Feldt confidence intervals.", "ko": "Feldt 신뢰구간입니다."},
    "rel.text": {"en": "{n} scales assessed; alpha ranges from {low} ({weakest}) to {high}.",
                 "ko": "척도 {n}개를 평가했습니다. 알파는 {low}({weakest})에서 {high} 사이입니다."},
    "rel.none": {"en": "No scale had enough complete answers to assess.",
                 "ko": "평가할 만큼 완전한 응답이 있는 척도가 없습니다."},
    "rel.title": {"en": "Reliability of every scale", "ko": "척도별 신뢰도"},
    "rel.caption": {"en": "Complete answers; Cronbach's alpha unweighted (the respondents) with Feldt's CI, beside the "
                          "weighted alpha (from the weighted item covariance: the population's); omega total from a "
                          "one-factor minimum-residual fit (as R psych::omega); RMSR: root mean square residual "
                          "correlation of that fit.",
                    "ko": "완전 응답 기준입니다. 가중하지 않은 크론바흐 알파(응답자 기준, Feldt 신뢰구간)와 함께 가중 "
                          "알파(가중 문항 공분산으로 구한 모집단 기준)를 보여 줍니다. 오메가(전체)는 1요인 최소잔차 "
                          "적합(R psych::omega와 같음)에서 구했고, RMSR은 그 적합의 잔차상관 제곱평균제곱근입니다."},
    "rel.lang_title": {"en": "Cronbach's alpha by the language answered", "ko": "응답 언어별 크론바흐 알파"},
    "rel.lang_caption": {"en": "A scale that holds in one language but not the other points to a translation "
                               "problem; scales with fewer than 30 complete answers in a language are left blank.",
                         "ko": "한 언어에서만 신뢰도가 유지되는 척도는 번역 문제를 시사합니다. 한 언어의 완전 응답이 "
                               "30개 미만인 척도는 비워 두었습니다."},
    "rel.methods": {"en": "Scores are item means with reverse-keyed items reversed, computed when at least the "
                          "questionnaire's minimum number of items was answered; missing codes never enter a score.",
                    "ko": "점수는 역문항을 뒤집은 문항 평균이며, 설문지가 정한 최소 문항 수 이상에 응답한 경우에만 "
                          "계산합니다. 결측 코드는 점수에 들어가지 않습니다."},
    "m.title": {"en": "Methods", "ko": "조사 방법"},
    "m.questionnaire": {"en": "Questionnaire {questionnaire}; every variable, code, routing rule and scale comes from "
                              "its YAML definition. Returned files were validated against it; rows failing a rule "
                              "were quarantined with their reasons and are not analysed. Missing codes (-6 to -9) "
                              "never enter an estimate.",
                        "ko": "설문지 {questionnaire}. 모든 변수, 코드, 응답 경로 규칙, 척도는 YAML 정의에서 "
                              "가져옵니다. 회수한 파일은 설문지에 비추어 검증했고, 규칙에 어긋난 행은 사유와 함께 "
                              "격리하여 분석하지 않았습니다. 결측 코드(-6~-9)는 추정에 들어가지 않습니다."},
    "m.no_design": {"en": "Design: none declared; estimates are unweighted, with simple-random-sampling variances.",
                    "ko": "표본설계: 선언하지 않았습니다. 추정값은 가중하지 않았으며 분산은 단순임의추출을 "
                          "가정합니다."},
    "m.design": {"en": "Design declared in {file}: weights {weights}", "ko": "{file}에 선언한 표본설계: 가중치 {weights}"},
    "m.weight_one": {"en": "1 for everyone", "ko": "모두 1"},
    "m.strata": {"en": "strata {names}", "ko": "층 {names}"},
    "m.psu": {"en": "PSUs by stage {names}", "ko": "단계별 추출단위 {names}"},
    "m.fpc": {"en": "fpc {names}", "ko": "유한모집단 수정 {names}"},
    "m.lonely": {"en": "a stratum with one PSU handled as R survey's lonely.psu = '{rule}'.",
                 "ko": "추출단위가 하나뿐인 층은 R survey의 lonely.psu = '{rule}'로 처리했습니다."},
    "m.variance": {"en": "Variances by Taylor linearisation over the declared stages.",
                   "ko": "분산은 선언한 추출 단계에 대한 테일러 선형화로 구했습니다."},
    "m.variance_raked": {"en": "Variances by Taylor linearisation over the declared stages, accounting for the "
                               "raking.",
                         "ko": "분산은 선언한 추출 단계에 대한 테일러 선형화로 구했으며 레이킹을 반영합니다."},
    "m.weighting": {"en": "Weighting: design weights raked to {targets} ({source}, {year}): {margins}. Only "
                          "respondents inside the targets' population ({scope}) were raked; the others keep their "
                          "design weights, and estimates of that population are domain estimates of the one design "
                          "(variance over every PSU, as R survey's subset).",
                    "ko": "가중: 설계가중치를 {targets}({source}, {year})에 맞추어 레이킹했습니다: {margins}. 목표 "
                          "모집단({scope}) 안의 응답자만 레이킹했고 나머지는 설계가중치를 유지합니다. 그 모집단의 "
                          "추정값은 하나의 설계에 대한 영역 추정값입니다(R survey의 subset처럼 모든 추출단위에 대한 "
                          "분산)."},
    "m.margin": {"en": "{name} from item {item}", "ko": "{name}(문항 {item})"},
    "m.everyone": {"en": "everyone", "ko": "전체"},
    "m.tests": {"en": "Tests of association are Rao-Scott second-order corrected F tests; scale scores are item "
                      "means with reverse-keyed items reversed, computed when the scale's minimum number of items "
                      "was answered; reliability as Cronbach's alpha with Feldt interval and McDonald's omega total.",
                "ko": "연관성 검정은 Rao-Scott 2차 보정 F 검정입니다. 척도 점수는 역문항을 뒤집은 문항 평균으로, "
                      "척도의 최소 문항 수 이상에 응답한 경우에 계산했습니다. 신뢰도는 크론바흐 알파(Feldt 구간)와 "
                      "McDonald의 오메가(전체)입니다."},
    "fail.title": {"en": "{key}. {title} (analysis failed)", "ko": "{key}. {title}(분석 실패)"},
    "fail.text": {"en": "The analysis could not run: {message}. The other sections do not depend on it.",
                  "ko": "분석을 실행하지 못했습니다: {message}. 다른 절은 이 분석과 무관합니다."},
    "ov.title": {"en": "Overview", "ko": "개요"},
    "ov.about_weighted": {"en": "This report describes the answers to questionnaire {holds} with design-based "
                                "estimates weighted to the declared design.",
                          "ko": "이 보고서는 설문지 {holds}의 응답을 선언한 표본설계에 따라 가중한 설계기반 "
                                "추정값으로 설명합니다."},
    "ov.about": {"en": "This report describes the answers to questionnaire {holds} with design-based estimates.",
                 "ko": "이 보고서는 설문지 {holds}의 응답을 설계기반 추정값으로 설명합니다."},
    "ov.left_out": {"en": "The plug-in analyses {keys} are written for {written}; this store holds {holds}, so they "
                          "are left out.",
                    "ko": "플러그인 분석 {keys}은(는) {written}에 맞추어 작성되었고 이 저장소에는 {holds}의 응답이 "
                          "있으므로 제외했습니다."},
    "ov.no_plugins": {"en": "No plug-in analyses were named (--plugin, the design file's plugins:) or registered by "
                            "an installed package; the sections come from the questionnaire and the design alone.",
                      "ko": "지정한(--plugin, 설계 파일의 plugins:) 플러그인 분석이나 설치된 패키지가 등록한 플러그인 "
                            "분석이 없습니다. 각 절은 설문지와 표본설계만으로 작성했습니다."},
    "page.title": {"en": "{title}: survey report", "ko": "{title}: 조사 보고서"},
    "plugins.title": {"en": "Plug-in analyses in this report", "ko": "이 보고서의 플러그인 분석"},
    "plugins.caption": {"en": "Each plug-in is a module named on the command line (--plugin), in the design file "
                              "(plugins:) or registered by an installed package (entry points "
                              "careersurvey.analyses).",
                        "ko": "플러그인은 명령줄(--plugin)이나 설계 파일(plugins:)에서 지정하거나 설치된 패키지가 "
                              "등록한(entry point careersurvey.analyses) 모듈입니다."},
    "plugins.ran": {"en": "ran", "ko": "실행함"},
    "plugins.left_out": {"en": "left out: written for {written}", "ko": "제외: {written}용"},
    "plugins.failed": {"en": "failed: {message}", "ko": "실패: {message}"},
    "col.key": {"en": "Key", "ko": "번호"},
    "col.analysis": {"en": "Analysis", "ko": "분석"},
    "col.module": {"en": "Module", "ko": "모듈"},
    "col.status": {"en": "Status", "ko": "상태"},
    "col.sum_of_weights": {"en": "Sum of weights", "ko": "가중치 합계"},
    # -- waves (report/waves.py) ------------------------------------------------------------------------
    "wv.title": {"en": "Waves: trends, change and attrition", "ko": "조사 차수: 추이, 변화, 패널 이탈"},
    "wv.nav": {"en": "Waves", "ko": "조사 차수"},
    "wv.text": {"en": "The store holds the waves {waves} (respondents {counts}); {panel} persons answered more than "
                      "one wave. Followed here: {items}.",
                "ko": "저장소에는 {waves} 차수의 응답이 있습니다(응답자 {counts}). {panel}명이 두 차수 이상 "
                      "응답했습니다. 여기서 추적하는 항목은 {items}입니다."},
    "wv.wording": {"en": "The items' wording: {wording}", "ko": "문항의 내용: {wording}"},
    "wv.weighted": {"en": "Each wave is weighted by its own sample file with the declared strata, PSUs and fpc, and "
                          "not raked (the targets describe one wave), so a wave's estimates here can differ slightly "
                          "from the raked estimates of the other sections.",
                    "ko": "각 차수는 해당 차수의 표본 파일과 선언한 층, 1차 추출단위, 유한모집단 수정으로 가중했으며 "
                          "레이킹하지 않았습니다(목표는 한 차수를 설명합니다). 따라서 여기의 차수별 추정값은 다른 "
                          "절의 레이킹한 추정값과 조금 다를 수 있습니다."},
    "wv.unweighted": {"en": "No design weights were declared, so every answer counts once and each person is their "
                            "own sampling unit (a panel member's answers in several waves stay together).",
                      "ko": "설계가중치를 선언하지 않았으므로 모든 응답을 한 번씩 세며, 각 응답자를 하나의 추출단위로 "
                            "봅니다(여러 차수에 응답한 패널 응답자의 응답은 함께 묶입니다)."},
    "wv.no_sample": {"en": "{file} gives no sample file for wave(s) {waves} (waves: in the design file), so they are "
                           "left out of this section.",
                     "ko": "{file}에 {waves} 차수의 표본 파일이 없으므로(설계 파일의 waves:) 이 절에서 "
                           "제외했습니다."},
    "wv.too_few": {"en": "Trends need two waves with a sample design; this report has {waves}.",
                   "ko": "추이를 보려면 표본설계가 있는 차수가 둘 이상 필요하지만 이 보고서에는 {waves}만 있습니다."},
    "wv.once": {"en": "Asked in one wave only, so without a change: {items}.",
                "ko": "한 차수에서만 물어 변화를 추정하지 않은 항목: {items}."},
    "wv.no_panel": {"en": "No one answered both {a} and {b}, so there is no within-person change between them.",
                    "ko": "{a} 차수와 {b} 차수에 모두 응답한 사람이 없으므로 그 사이의 개인 내 변화는 없습니다."},
    "wv.paired_base": {"en": "Within-person change {a} → {b}: the {n} persons who answered both waves, on their {a} "
                             "design weights; no longitudinal weights were declared (longitudinal: in the design "
                             "file), so attrition that depends on the answers can bias it.",
                       "ko": "{a} → {b} 개인 내 변화: 두 차수에 모두 응답한 {n}명에 대해 {a} 차수의 설계가중치를 "
                             "사용했습니다. 종단 가중치를 선언하지 않았으므로(설계 파일의 longitudinal:) 응답에 따라 "
                             "달라지는 패널 이탈이 편향을 일으킬 수 있습니다."},
    "wv.paired_longitudinal": {"en": "Within-person change {a} → {b}: the {n} persons who answered both waves, on "
                                     "longitudinal weights: the {a} design weights adjusted for not answering in {b} "
                                     "within classes of {classes}, then calibrated to the {a} totals of {margins}.",
                               "ko": "{a} → {b} 개인 내 변화: 두 차수에 모두 응답한 {n}명에 대해 종단 가중치를 "
                                     "사용했습니다. {a} 차수의 설계가중치를 {classes} 집단 안에서 {b} 차수 무응답에 "
                                     "맞추어 조정한 뒤 {margins}의 {a} 차수 합계에 맞추어 보정했습니다."},
    "wv.paired_lw_failed": {"en": "Within-person change {a} → {b}: the {n} persons who answered both waves, on their "
                                  "{a} design weights, because the declared longitudinal weights could not be made: "
                                  "{error}.",
                            "ko": "{a} → {b} 개인 내 변화: 선언한 종단 가중치를 만들 수 없어 두 차수에 모두 응답한 "
                                  "{n}명에 대해 {a} 차수의 설계가중치를 사용했습니다: {error}."},
    "wv.kind_share": {"en": "shares (%)", "ko": "비율(%)"},
    "wv.kind_mean": {"en": "means", "ko": "평균"},
    "wv.trend_title": {"en": "Estimates by wave: {what}", "ko": "차수별 추정값: {what}"},
    "wv.trend_caption": {"en": "From one design over the stacked waves; a rating item as the share answering above "
                               "its midpoint (agree, likely, ...), a number or a scale score as its mean; missing "
                               "codes left out.",
                         "ko": "차수를 쌓은 하나의 표본설계로 추정했습니다. 평정 문항은 중간점보다 높게 응답한(동의, "
                               "가능성 높음 등) 비율, 수치 문항과 척도 점수는 평균입니다. 결측 코드는 제외했습니다."},
    "wv.change_title": {"en": "Change between waves: {what}", "ko": "차수 간 변화: {what}"},
    "wv.change_caption": {"en": "Later minus earlier wave from the stacked design, in which institutions sampled in "
                                "both waves keep their covariance (R: svyby(covmat = TRUE) and svycontrast); t test "
                                "on the design df.",
                          "ko": "차수를 쌓은 표본설계에서 나중 차수에서 앞 차수를 뺀 값입니다. 두 차수에 모두 추출된 "
                                "기관의 공분산을 반영합니다(R: svyby(covmat = TRUE)와 svycontrast). 검정은 설계 "
                                "자유도의 t 검정입니다."},
    "wv.paired_title": {"en": "Within-person change: {what}", "ko": "개인 내 변화: {what}"},
    "wv.paired_caption": {"en": "The mean of each person's later minus earlier answer over those who answered both "
                                "waves (R: svymean(~I(y_later - y_earlier))); n: persons with both answers.",
                          "ko": "두 차수에 모두 응답한 사람의 나중 응답에서 앞 응답을 뺀 값의 평균입니다(R: "
                                "svymean(~I(y_later - y_earlier))). n은 두 응답이 모두 있는 사람 수입니다."},
    "wv.attrition_title": {"en": "Attrition by wave and stratum", "ko": "차수별, 층별 패널 이탈"},
    "wv.attrition_caption": {"en": "A person is counted in the stratum of their first wave; retention = retained / "
                                   "the previous wave's respondents.",
                             "ko": "각 응답자는 처음 응답한 차수의 층에 셉니다. 유지율 = 유지한 응답자 수 / 앞 "
                                   "차수의 응답자 수입니다."},
    "wv.col_item": {"en": "Estimate", "ko": "추정 항목"},
    "wv.col_wave": {"en": "Wave", "ko": "차수"},
    "wv.col_pair": {"en": "Waves", "ko": "비교 차수"},
    "wv.col_stratum": {"en": "Stratum ({name})", "ko": "층({name})"},
    "wv.col_estimate_from": {"en": "Earlier wave", "ko": "앞 차수"},
    "wv.col_estimate_to": {"en": "Later wave", "ko": "나중 차수"},
    "wv.col_change": {"en": "Change", "ko": "변화"},
    "wv.fig_title": {"en": "Estimates by wave with 95% CI", "ko": "차수별 추정값과 95% 신뢰구간"},
    "wv.fig_caption": {"en": "Bars: 95% confidence intervals from the stacked design.",
                       "ko": "막대는 차수를 쌓은 표본설계의 95% 신뢰구간입니다."},
    "wv.fig_wave": {"en": "wave", "ko": "차수"},
    "wv.fig_mean": {"en": "mean", "ko": "평균"},
    "wv.methods": {"en": "Trends and changes come from one design over the stacked waves, so that a sampling unit "
                         "in several waves keeps its covariance; within-person change from the wide panel file "
                         "(persons linked by respondent id); attrition counts each person in the stratum of their "
                         "first wave.",
                   "ko": "추이와 변화는 차수를 쌓은 하나의 표본설계로 추정하여 여러 차수에 포함된 추출단위의 "
                         "공분산을 반영합니다. 개인 내 변화는 응답자 ID로 연결한 패널 와이드 파일에서 추정하며, "
                         "패널 이탈은 각 응답자를 처음 응답한 차수의 층에 셉니다."},
    "kpi.waves": {"en": "waves", "ko": "조사 차수"},
    "kpi.panel": {"en": "answered more than one wave", "ko": "두 차수 이상 응답"},
    "kpi.retention": {"en": "retention to {wave}", "ko": "{wave} 차수 유지율"},
    "col.responding": {"en": "Responding", "ko": "응답"},
    "col.retained": {"en": "Retained", "ko": "유지"},
    "col.lost": {"en": "Lost", "ko": "이탈"},
    "col.returning": {"en": "Returning", "ko": "복귀"},
    "col.fresh": {"en": "Fresh", "ko": "신규"},
    "col.retention": {"en": "Retention (%)", "ko": "유지율(%)"},
    "col.change": {"en": "Change", "ko": "변화"},
    # -- contents sheet of the tables workbook ---------------------------------------------------------
    "xlsx.contents": {"en": "Contents", "ko": "목차"},
    "xlsx.sheet": {"en": "Sheet", "ko": "시트"},
    "xlsx.title": {"en": "Table", "ko": "표"},
    "xlsx.section": {"en": "Section", "ko": "절"},
    "xlsx.notes": {"en": "Notes", "ko": "주"},
    # -- figures ---------------------------------------------------------------------------------------
    "fig.percent": {"en": "percent", "ko": "백분율(%)"},
    "fig.odds_ratio": {"en": "odds ratio (log scale)", "ko": "오즈비(로그 척도)"},
    "fig.coefficient": {"en": "coefficient", "ko": "계수"},
    "fig.weight": {"en": "weight (persons represented)", "ko": "가중치(대표하는 인원)"},
    "fig.respondents": {"en": "respondents", "ko": "응답자 수"},
    "fig.weights_title": {"en": "Distribution of final weights", "ko": "최종 가중치의 분포"},
    "fig.margins_title": {"en": "Weighting targets and sample shares", "ko": "가중 목표와 표본 구성비"},
    "fig.target": {"en": "target", "ko": "목표"},
    "fig.unweighted": {"en": "unweighted", "ko": "가중 전"},
    "fig.weighted": {"en": "weighted", "ko": "가중 후"},
    "p.less": {"en": "p < 0.001", "ko": "p < 0.001"},
    "p.equal": {"en": "p = {p}", "ko": "p = {p}"},
    # -- generic sections of any questionnaire (report/generic.py) ------------------------------------------
    "g.answer": {"en": "Answer", "ko": "응답"},
    "g.item": {"en": "Item", "ko": "문항"},
    "g.scale": {"en": "Scale", "ko": "척도"},
    "g.freq_caption": {"en": "{n} answered; weighted share of each answer with 95% logit CI (as R svyciprop) and "
                             "design effect; n: unweighted respondents.",
                       "ko": "{n}명이 응답했습니다. 응답별 가중 비율과 95% 로짓 신뢰구간(R svyciprop와 같음), 설계효과를 "
                             "보여 줍니다. n은 가중하지 않은 응답자 수입니다."},
    "g.multi_caption": {"en": "{n} answered; weighted share choosing each (several allowed) with 95% logit CI and "
                              "design effect; n: unweighted respondents who chose it.",
                        "ko": "{n}명이 응답했습니다. 항목별로 고른 사람의 가중 비율(복수 선택)과 95% 로짓 신뢰구간, "
                              "설계효과를 보여 줍니다. n은 그 항목을 고른 가중 전 응답자 수입니다."},
    "g.answered": {"en": "Answered", "ko": "응답"},
    "g.nonresponse": {"en": "Item nonresponse", "ko": "문항 무응답률"},
    "g.nonresponse_title": {"en": "Item nonresponse by missing code", "ko": "결측 코드별 문항 무응답"},
    "g.nonresponse_caption": {"en": "Respondents of the analysed population by missing code (unweighted); item "
                                    "nonresponse: weighted share of those asked (not -6) who left the item "
                                    "unanswered (-7, -8, -9).",
                              "ko": "분석 대상 응답자를 결측 코드별로 센 수(가중 전)입니다. 문항 무응답률은 질문을 받은 "
                                    "사람(-6 제외) 가운데 응답하지 않은(-7, -8, -9) 사람의 가중 비율입니다."},
    "g.numeric_title": {"en": "Numeric items: weighted mean, median and quartiles",
                        "ko": "수치 문항: 가중 평균, 중앙값과 사분위수"},
    "g.numeric_caption": {"en": "Weighted means with 95% CI and design effect; quartiles as R svyquantile, the median "
                                "with its Woodruff 95% CI; n: unweighted respondents who answered.",
                          "ko": "가중 평균과 95% 신뢰구간, 설계효과입니다. 사분위수는 R svyquantile과 같이 구했고 "
                                "중앙값에는 Woodruff 95% 신뢰구간을 붙였습니다. n은 응답한 가중 전 응답자 수입니다."},
    "g.p25": {"en": "25th percentile", "ko": "제1사분위수"},
    "g.median": {"en": "Median", "ko": "중앙값"},
    "g.p75": {"en": "75th percentile", "ko": "제3사분위수"},
    "g.items_title": {"en": "Every item: weighted frequencies and summaries", "ko": "문항별 가중 빈도와 요약"},
    "g.items_nav": {"en": "Items", "ko": "문항"},
    "g.items_text": {"en": "{choice} single, multiple and rating items and {numeric} numeric items, each among the "
                           "respondents of the analysed population who answered it.",
                     "ko": "단일·복수 선택과 평정 문항 {choice}개, 수치 문항 {numeric}개를 분석 대상 가운데 각 문항에 "
                           "응답한 사람에 대해 추정했습니다."},
    "g.items_skipped": {"en": "{n} items nobody here was asked are left out.",
                        "ko": "여기서 아무도 질문받지 않은 {n}개 문항은 뺐습니다."},
    "g.items_methods": {"en": "Shares, means and quartiles are weighted; confidence intervals use the declared design "
                              "(Taylor linearisation; logit intervals for shares as R svyciprop; Woodruff intervals "
                              "for quantiles). Missing codes never enter an estimate: the nonresponse table counts "
                              "them.",
                        "ko": "비율, 평균, 사분위수는 가중해서 구했고 신뢰구간은 선언한 표본설계(테일러 선형화, 비율은 "
                              "R svyciprop와 같은 로짓 구간, 분위수는 Woodruff 구간)를 따릅니다. 결측 코드는 추정에 "
                              "들어가지 않고 무응답 표에서 셉니다."},
    "g.tests_title": {"en": "Rao-Scott tests of every item by {by}", "ko": "{by}에 따른 문항별 Rao-Scott 검정"},
    "g.tests_caption": {"en": "Second-order Rao-Scott F tests of independence (as R svychisq) among those who "
                              "answered both.",
                        "ko": "두 문항에 모두 응답한 사람에 대한 2차 Rao-Scott F 독립성 검정(R svychisq와 같음)입니다."},
    "g.cross_title": {"en": "{item} by {by}: {label}", "ko": "{by}별 {item}: {label}"},
    "g.cross_caption": {"en": "Weighted share of each answer within each group of {by} ({n} answered both); "
                              "Rao-Scott F = {f} (df {ndf}, {ddf}), {p}.",
                        "ko": "{by}의 집단별 응답 가중 비율입니다({n}명이 두 문항에 응답). Rao-Scott F = {f} "
                              "(자유도 {ndf}, {ddf}), {p}."},
    "g.cross_section": {"en": "Crosstabs by {by}", "ko": "{by}별 교차표"},
    "g.cross_nav": {"en": "Crosstabs", "ko": "교차표"},
    "g.cross_text": {"en": "Every single and rating item by {by}, each among the respondents who answered both, with "
                           "the Rao-Scott test of independence.",
                     "ko": "단일 선택과 평정 문항을 모두 {by}별로, 두 문항에 응답한 사람에 대해 Rao-Scott 독립성 "
                           "검정과 함께 보여 줍니다."},
    "g.scores_title": {"en": "Scale scores: weighted means", "ko": "척도 점수: 가중 평균"},
    "g.scores_caption": {"en": "Mean of the answered items (reverse-keyed items reversed) when the scale's minimum was "
                               "answered; weighted, with 95% CI and design effect.",
                         "ko": "척도의 최소 문항 수 이상 응답한 경우 응답 문항의 평균(역채점 문항은 뒤집음)입니다. "
                               "가중 평균과 95% 신뢰구간, 설계효과를 보여 줍니다."},
    "g.scales_text": {"en": "{n} scales declared in the questionnaire.", "ko": "설문지에 정의된 척도는 {n}개입니다."},
    "g.codebook": {"en": "Codebook", "ko": "코드북"},
    "g.codebook_text": {"en": "The {n} variables of the questionnaire as it defines them.",
                        "ko": "설문지가 정의한 변수 {n}개입니다."},
}

STRINGS.update(MESSAGES)  # the sentences other parts write, and the targets' and fieldwork words (i18n_messages.py)
STRINGS.update(FIELDWORK)  # the fieldwork section's and the weighting steps' words (i18n_fieldwork.py)


def check_lang(lang: str) -> str:
    """``lang`` if the report speaks it, else a ValueError naming the choices."""
    if lang not in LANGS:
        raise ValueError(f"the report is written in {' or '.join(LANGS)}, not {lang!r}; pass --lang en or --lang ko")
    return lang


def text(key: str, lang: str = "en", /, **values: object) -> str:
    """The catalogue's text of ``key`` in ``lang``, its ``{fields}`` filled from ``values``."""
    try:
        entry = STRINGS[key]
    except KeyError:
        raise KeyError(f"the report's catalogue (report/i18n.py) has no string {key!r}; add it in both "
                       f"languages") from None
    s = entry[check_lang(lang)]
    return s.format(**values) if values else s


def label_in(labels: Mapping[str, str] | str | None, lang: str, default: str = "") -> str:
    """A questionnaire label (a mapping language -> text) in ``lang``, else in the other language, else
    ``default``."""
    if labels is None:
        return default
    if isinstance(labels, str):
        return labels
    return labels.get(lang) or next((v for v in labels.values() if v), default)


@cache
def _patterns() -> tuple[tuple[str, re.Pattern], ...]:
    """Every ``msg.*`` key with a pattern matching its English sentence whole (fields as named groups; a field
    that comes twice must be the same text both times)."""
    import string

    out = []
    for key, entry in STRINGS.items():
        if not key.startswith("msg."):
            continue
        parts, seen = [], set()
        for literal, field, _, _ in string.Formatter().parse(entry["en"]):
            parts.append(re.escape(literal))
            if field:
                parts.append(f"(?P={field})" if field in seen else f"(?P<{field}>.+?)")
                seen.add(field)
        out.append((key, re.compile("".join(parts) + r"\.?")))
    return tuple(out)


def translated(sentence: str, lang: str) -> str:
    """A sentence another part wrote in English (a design-file note, a weighting step, an import message) in
    ``lang``: the catalogue's ``msg.*`` form it matches, its values kept; a sentence no form matches, or any
    sentence in English, as written."""
    if check_lang(lang) == "en":
        return sentence
    for key, pattern in _patterns():
        m = pattern.fullmatch(sentence.strip())
        if m:
            values = m.groupdict()
            if "margins" in values:  # a targets file's margin names, each in lang
                values["margins"] = ", ".join(term(v, lang) for v in values["margins"].split(", "))
            return STRINGS[key][lang].format(**values)
    return sentence


def term(name: object, lang: str) -> str:
    """A margin, level or sector name of a targets file or fieldwork summary in ``lang`` (``term.*``), else as
    written with underscores as spaces."""
    key = f"term.{str(name).strip().lower().replace(' ', '_')}"
    return STRINGS[key][check_lang(lang)] if key in STRINGS else str(name).replace("_", " ")
