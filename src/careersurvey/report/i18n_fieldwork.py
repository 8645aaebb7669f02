"""The catalogue's part for the fieldwork section (``report/fieldwork.py``) and the weighting-steps table
(``report/weighting_steps.py``): titles, captions, findings, column headings, axis words and the AAPOR
disposition names (``fw.code.<code>``, as Korean survey practice names them; the code stays beside the name), in
English and Korean (합니다체). ``report/i18n.py`` adds them to its ``STRINGS`` (one catalogue; its tests cover
these keys too). Each English text is the section's English output as it was before the catalogue.
"""

from __future__ import annotations

__all__ = ["FIELDWORK"]

#: key -> {language: text}; see report/i18n.py.
FIELDWORK: dict[str, dict[str, str]] = {
    # -- the section -----------------------------------------------------------------------------------------
    "fw.title": {"en": "Fieldwork: dispositions, response and nonresponse",
                 "ko": "현장조사: 최종 처리 결과, 응답과 무응답"},
    "fw.question": {"en": "Who was sampled, who answered, and does the response look like the sample?",
                    "ko": "누가 표본으로 뽑혔고 누가 응답했으며, 응답자는 표본과 닮았습니까?"},
    "fw.nav": {"en": "Fieldwork", "ko": "현장조사"},
    "fw.kpi.sampled": {"en": "sampled", "ko": "표본 수"},
    "fw.all": {"en": "all", "ko": "전체"},
    "fw.source": {"en": "the sample", "ko": "표본 파일"},
    # -- dispositions and rates --------------------------------------------------------------------------------
    "fw.dispositions.title": {"en": "Final dispositions of the sampled cases (AAPOR)",
                              "ko": "표본 사례의 최종 처리 결과(AAPOR)"},
    "fw.dispositions.caption": {"en": "AAPOR Standard Definitions (2023), web surveys of specifically named persons; "
                                      "completes and partials from the response store, the other codes from the "
                                      "fieldwork record.",
                                "ko": "AAPOR 표준 정의(2023)의 특정 개인 대상 웹조사 기준입니다. 완료와 부분 응답은 응답 "
                                      "저장소에서, 나머지 코드는 현장조사 기록에서 가져왔습니다."},
    "fw.rates.title": {"en": "AAPOR outcome rates by stratum", "ko": "층별 AAPOR 결과 비율"},
    "fw.rates.caption": {"en": "cases: sampled; e: the share of the unknown-eligibility cases taken as eligible (CASRO, "
                               "per stratum). RR: response rates, COOP: cooperation, REF: refusal, CON: contact.",
                         "ko": "사례 수: 표본 수입니다. e: 적격 여부 미상 사례 중 적격으로 보는 비율입니다(CASRO, 층별). "
                               "RR: 응답률, COOP: 협조율, REF: 거절률, CON: 접촉률입니다."},
    "fw.finding.counts": {"en": "{n} sampled cases: {complete} complete and {partial} partial; RR1 {rr1}, RR2 {rr2}, "
                                "cooperation (COOP1) {coop1}, contact (CON1) {con1}.",
                          "ko": "표본 {n}개 사례 중 완료 {complete}건, 부분 응답 {partial}건입니다. RR1 {rr1}, RR2 {rr2}, "
                                "협조율(COOP1) {coop1}, 접촉률(CON1) {con1}입니다."},
    # -- returns by day and the curve --------------------------------------------------------------------------
    "fw.returns.title": {"en": "Usable returns by day", "ko": "일별 유효 회수"},
    "fw.returns.caption": {"en": "returns: questionnaires (complete or partial) that came back that day; "
                                 "response_rate: cumulative, of the sampled cases but the not eligible.",
                           "ko": "회수: 그날 돌아온 설문지(완료 또는 부분 응답)입니다. 응답률: 비적격을 뺀 표본 사례에 "
                                 "대한 누적 비율입니다."},
    "fw.curve.title": {"en": "Response-rate curve", "ko": "응답률 곡선"},
    "fw.curve.caption": {"en": "Usable questionnaires (complete or partial) by the day they came back, over every "
                               "sampled case but the not eligible; bars: returns per day.",
                         "ko": "유효 설문지(완료 또는 부분 응답)를 돌아온 날짜별로 비적격을 뺀 모든 표본 사례에 대한 "
                               "비율로 나타냈습니다. 막대는 일별 회수입니다."},
    "fw.curve.bars": {"en": "returns per day (scaled)", "ko": "일별 회수(축척 조정)"},
    "fw.curve.final": {"en": "RR2 at the close: {rr2}", "ko": "마감 시 RR2: {rr2}"},
    "fw.curve.ylabel": {"en": "cumulative response rate (%)", "ko": "누적 응답률(%)"},
    "fw.finding.half": {"en": "Returns over {days} days; half of them were in by {half}.",
                        "ko": "회수는 {days}일에 걸쳐 이루어졌고, 그 절반은 {half}까지 들어왔습니다."},
    # -- nonresponse -------------------------------------------------------------------------------------------
    "fw.nonresponse.title": {"en": "Respondents against the full sample on frame variables",
                             "ko": "표본틀 변수로 본 응답자와 전체 표본 비교"},
    "fw.nonresponse.caption": {"en": "Shares in % (means as they are), weighted by the design weights; difference in "
                                     "percentage points; test of response against the variable over the sample's "
                                     "design (Rao-Scott F for categories, t test for numbers).",
                               "ko": "비율은 %(평균은 그대로)이며 설계가중치로 가중했습니다. 차이는 %p입니다. 검정은 "
                                     "표본설계를 반영한 응답 여부와 변수의 연관성 검정입니다(범주는 Rao-Scott F, 수치는 "
                                     "t 검정)."},
    "fw.mean": {"en": "(mean)", "ko": "(평균)"},
    "fw.propensity.title": {"en": "Response propensity model (design-based logistic regression)",
                            "ko": "응답 성향 모형(표본설계 기반 로지스틱 회귀)"},
    "fw.propensity.caption": {"en": "Odds of responding against the reference level of each frame variable, with 95% "
                                    "confidence intervals over the sample's strata and institutions.",
                              "ko": "각 표본틀 변수의 기준 수준에 대한 응답 오즈비이며, 95% 신뢰구간은 표본의 층과 기관을 "
                                    "반영했습니다."},
    "fw.r.title": {"en": "R-indicator of representativeness", "ko": "대표성 R 지표"},
    "fw.r.caption": {"en": "R = 1 - 2 S(rho) on {variables}; SE from {replicates} bootstrap replicates within strata; "
                           "B max = (1 - R) / (2 mean propensity).",
                     "ko": "R = 1 - 2 S(rho)이며 변수는 {variables}입니다. 표준오차는 층 안에서 뽑은 붓스트랩 반복 "
                           "{replicates}회로 구했습니다. B max = (1 - R) / (2 × 평균 응답 성향)입니다."},
    "fw.finding.r": {"en": "R-indicator {r} (SE {se}) on {variables}; the largest gap between respondents and the full "
                           "sample is {variable} = {level} ({points} points).",
                     "ko": "{variables}에 대한 R 지표는 {r}(표준오차 {se})입니다. 응답자와 전체 표본의 차이가 가장 큰 "
                           "것은 {variable} = {level}입니다({points}%p)."},
    # -- planning ----------------------------------------------------------------------------------------------
    "fw.in": {"en": "{variable} in {levels}", "ko": "{variable} 중 {levels}"},
    "fw.taken": {"en": " Taken: {said}.", "ko": " 대체한 값: {said}."},
    "fw.taken.p": {"en": "p = 0.5 where the respondents all said the same or were not asked ({strata})",
                   "ko": "응답자가 모두 같은 답을 했거나 질문받지 않은 층은 p = 0.5({strata})"},
    "fw.taken.deff": {"en": "deff = 1 where the stratum's was below 1 or could not be computed ({strata})",
                      "ko": "층의 설계효과가 1보다 작거나 계산할 수 없는 층은 deff = 1({strata})"},
    "fw.plan.title": {"en": "Next wave: sample per stratum for a margin of error of {moe} on {variable}",
                      "ko": "다음 조사 회차: {variable}의 오차한계 {moe}를 위한 층별 표본"},
    "fw.plan.caption": {"en": "N: persons in the stratum (sum of the design weights of the sample); p and deff of "
                              "{variable} from this wave's weights; response_rate: this wave's RR2; completes with the "
                              "finite population correction; sample: completes over the response rate (all when the "
                              "stratum is smaller).{fixed}",
                        "ko": "N: 층의 인원(표본 설계가중치의 합)입니다. p와 deff: 이번 회차 가중치로 구한 {variable}의 "
                              "값입니다. 응답률: 이번 회차의 RR2입니다. 완료 수: 유한모집단 수정을 적용했습니다. 표본: "
                              "완료 수를 응답률로 나눈 값입니다(층이 더 작으면 전수).{fixed}"},
    "fw.finding.plan": {"en": "For a margin of error of {moe} on {variable} in every stratum, the next wave needs "
                              "{completes} completes from {sample} sampled persons.",
                        "ko": "모든 층에서 {variable}의 오차한계를 {moe}로 하려면 다음 회차에는 표본 {sample}명에서 "
                              "완료 {completes}건이 필요합니다."},
    # -- methods -----------------------------------------------------------------------------------------------
    "fw.methods.base": {"en": "Dispositions follow AAPOR's Standard Definitions (10th edition, 2023) for web surveys of "
                              "specifically named persons; e for RR3/RR4 is the CASRO estimate (the eligible share of "
                              "the cases of known eligibility, per stratum). ",
                        "ko": "처리 결과는 특정 개인 대상 웹조사에 대한 AAPOR 표준 정의(제10판, 2023)를 따릅니다. "
                              "RR3/RR4의 e는 CASRO 추정값(적격 여부를 아는 사례 중 적격 비율, 층별)입니다. "},
    "fw.methods.nonresponse": {"en": "Nonresponse: respondents (complete or partial) against every eligible sampled "
                                     "case on frame variables, weighted by the design weights, tested over the design "
                                     "(Rao-Scott); response propensities from a design-based logistic model; the "
                                     "R-indicator of Schouten, Cobben and Bethlehem (2009) with a bootstrap SE. ",
                               "ko": "무응답: 응답자(완료 또는 부분 응답)를 모든 적격 표본 사례와 표본틀 변수에서 "
                                     "설계가중치로 비교하고 표본설계를 반영해 검정했습니다(Rao-Scott). 응답 성향은 "
                                     "표본설계 기반 로지스틱 모형으로, R 지표는 Schouten, Cobben, Bethlehem(2009)의 "
                                     "방법과 붓스트랩 표준오차로 구했습니다. "},
    "fw.methods.planning": {"en": "Planning: completes per stratum for a proportion's margin of error at 95%, inflated "
                                  "by the observed design effect and corrected for the stratum's size (PracTools' "
                                  "nPropMoe), then divided by the stratum's RR2.",
                            "ko": "표본 계획: 비율의 95% 오차한계에 필요한 층별 완료 수를 관측된 설계효과로 늘리고 층 "
                                  "크기로 수정한 뒤(PracTools의 nPropMoe) 층의 RR2로 나누었습니다."},
    # -- column headings and row names of the section's tables (Korean only; English shows the names) ---------
    "fw.col.code": {"en": "code", "ko": "AAPOR 코드"},
    "fw.col.group": {"en": "group", "ko": "AAPOR 분류"},
    "fw.col.disposition": {"en": "disposition", "ko": "처리 결과"},
    "fw.col.cases": {"en": "cases", "ko": "사례 수"},
    "fw.col.share": {"en": "share", "ko": "비율"},
    "fw.col.stratum": {"en": "stratum", "ko": "층"},
    "fw.col.day": {"en": "day", "ko": "날짜"},
    "fw.col.returns": {"en": "returns", "ko": "회수"},
    "fw.col.cumulative": {"en": "cumulative", "ko": "누적 회수"},
    "fw.col.variable": {"en": "variable", "ko": "변수"},
    "fw.col.level": {"en": "level", "ko": "수준"},
    "fw.col.full_sample": {"en": "full_sample", "ko": "전체 표본"},
    "fw.col.respondents": {"en": "respondents", "ko": "응답자"},
    "fw.col.difference": {"en": "difference", "ko": "차이"},
    "fw.col.test": {"en": "test", "ko": "검정"},
    "fw.col.ddf": {"en": "ddf", "ko": "분모 자유도"},
    "fw.col.N": {"en": "N", "ko": "N(층 인원)"},
    "fw.col.take_all": {"en": "take_all", "ko": "전수 조사 여부"},
    "fw.term.Intercept": {"en": "Intercept", "ko": "절편"},
    "fw.col.completes": {"en": "completes", "ko": "완료 수"},
    "fw.col.sample": {"en": "sample", "ko": "표본"},
    "fw.col.estimate_of": {"en": "estimate_of", "ko": "추정 대상"},
    "fw.col.step": {"en": "step", "ko": "가중 단계"},
    "fw.t_test": {"en": "t test", "ko": "t 검정"},
    "fw.r.R": {"en": "R", "ko": "R 지표"},
    "fw.r.SE": {"en": "SE", "ko": "표준오차"},
    "fw.r.CI low": {"en": "CI low", "ko": "신뢰구간 하한"},
    "fw.r.CI high": {"en": "CI high", "ko": "신뢰구간 상한"},
    "fw.r.S(rho)": {"en": "S(rho)", "ko": "S(rho): 응답 성향의 표준편차"},
    "fw.r.mean propensity": {"en": "mean propensity", "ko": "평균 응답 성향"},
    "fw.r.B max": {"en": "B max", "ko": "B max: 최대 편향"},
    "fw.r.cases": {"en": "cases", "ko": "사례 수"},
    "fw.r.respondents": {"en": "respondents", "ko": "응답자 수"},
    # -- AAPOR dispositions (Standard Definitions 2023, web surveys of specifically named persons) -------------
    "fw.code.1.1": {"en": "complete", "ko": "완료"},
    "fw.code.1.2": {"en": "partial", "ko": "부분 응답"},
    "fw.code.2.1": {"en": "refusal and break-off", "ko": "거절 및 중단"},
    "fw.code.2.11": {"en": "refusal", "ko": "거절"},
    "fw.code.2.111": {"en": "explicit refusal", "ko": "명시적 거절"},
    "fw.code.2.112": {"en": "implicit refusal", "ko": "암묵적 거절"},
    "fw.code.2.1121": {"en": "logged on to survey, did not complete any item", "ko": "접속했으나 한 문항도 응답하지 않음"},
    "fw.code.2.1122": {"en": "read receipt confirmation, refusal", "ko": "수신 확인 후 거절"},
    "fw.code.2.12": {"en": "break-off / implicit refusal: questionnaire too incomplete to process",
                     "ko": "중단/암묵적 거절: 처리할 수 없을 만큼 불완전한 설문지"},
    "fw.code.2.2": {"en": "non-contact", "ko": "비접촉"},
    "fw.code.2.26": {"en": "respondent was unavailable during field period", "ko": "조사 기간 중 응답자 부재"},
    "fw.code.2.27": {"en": "completed questionnaire, but not returned during field period",
                     "ko": "설문지를 작성했으나 조사 기간 내 미회수"},
    "fw.code.2.3": {"en": "other", "ko": "기타"},
    "fw.code.2.31": {"en": "death (including person was deceased during field period)",
                     "ko": "사망(조사 기간 중 사망 포함)"},
    "fw.code.2.32": {"en": "physically or mentally unable/incompetent", "ko": "신체적·정신적 응답 불능"},
    "fw.code.2.33": {"en": "language barrier", "ko": "언어 장벽"},
    "fw.code.2.36": {"en": "miscellaneous", "ko": "기타 사유"},
    "fw.code.3.1": {"en": "nothing known about respondent or address", "ko": "적격 여부 미상: 응답자·주소 정보 없음"},
    "fw.code.3.11": {"en": "no invitation sent", "ko": "적격 여부 미상: 초청 미발송"},
    "fw.code.3.19": {"en": "nothing ever returned", "ko": "적격 여부 미상: 아무 회신 없음"},
    "fw.code.3.2": {"en": "invitation returned undelivered", "ko": "적격 여부 미상: 초청 반송(미배달)"},
    "fw.code.3.3": {"en": "invitation returned with forwarding information", "ko": "적격 여부 미상: 초청 반송(전달 정보 있음)"},
    "fw.code.3.9": {"en": "other", "ko": "적격 여부 미상: 기타"},
    "fw.code.4.1": {"en": "selected respondent screened out of sample", "ko": "비적격: 선별 과정에서 제외"},
    "fw.code.4.7": {"en": "quota filled", "ko": "비적격: 할당 충족"},
    "fw.code.4.8": {"en": "duplicate listing", "ko": "비적격: 중복 등재"},
    "fw.code.4.9": {"en": "other", "ko": "비적격: 기타"},
    # -- weighting steps (report/weighting_steps.py) -----------------------------------------------------------
    "fw.step.design weights": {"en": "design weights", "ko": "설계가중치"},
    "fw.step.nonresponse-adjusted": {"en": "nonresponse-adjusted", "ko": "무응답 조정"},
    "fw.step.calibrated": {"en": "calibrated", "ko": "보정(레이킹)"},
    "fw.step.trimmed": {"en": "trimmed", "ko": "절사"},
    "fw.steps.title": {"en": "Key estimates before and after each weighting step",
                       "ko": "가중 단계별 주요 추정값의 변화"},
    "fw.steps.caption": {"en": "Means over the analysed population (shares for variables with codes), SE from the "
                               "design at each step. Nonresponse-adjusted: design weights times the stratum's sampled "
                               "eligible-or-unknown cases over its respondents (design-weighted); calibrated: raked to "
                               "the targets from those weights; trimmed: the calibrated weights cut at {trim} times "
                               "their median, the excess spread over the others (totals kept). change: from the step "
                               "before.",
                         "ko": "분석 모집단의 평균(코드가 있는 변수는 비율)이며, 표준오차는 각 단계의 표본설계로 "
                               "구했습니다. 무응답 조정: 설계가중치에 층의 적격 또는 적격 여부 미상 표본 사례 수를 "
                               "응답자 수로 나눈 값(설계가중)을 곱했습니다. 보정: 그 가중치에서 목표에 맞추어 "
                               "레이킹했습니다. 절사: 보정 가중치를 중앙값의 {trim}배에서 자르고 초과분을 나머지에 "
                               "나누었습니다(합계 유지). 변화: 앞 단계와의 차이입니다."},
}
