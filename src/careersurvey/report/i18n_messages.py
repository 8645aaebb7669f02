"""The catalogue's part for sentences other parts of the package write in English (design-file notes, weighting
steps, import validation messages: ``msg.*``) and for the words of targets files and fieldwork summaries (margin,
level and sector names: ``term.*``), each in English and Korean (합니다체). ``report/i18n.py`` adds them to its
``STRINGS`` (one catalogue; its tests cover these keys too) and gives them through ``translated`` and ``term``.
"""

from __future__ import annotations

__all__ = ["MESSAGES"]

#: key -> {language: text}; see report/i18n.py.
MESSAGES: dict[str, dict[str, str]] = {
    # -- sentences other parts write in English (design-file notes, weighting steps, import messages) ----------
    # Each "en" is the sentence exactly as that part writes it; its {fields} are what varies. translated() finds
    # the first whose "en" matches a whole sentence and writes it in the report's language (more specific forms
    # first: the first match wins).
    "msg.straight_lining": {"en": "{item}: the same answer {value} to all {k} rows of the grid ({first} ... {last}); "
                                  "check that the rows were read (the answers are kept as given)",
                            "ko": "{item}: 격자의 {k}개 행({first} ... {last}) 모두에 같은 답 {value}을(를) 했습니다. "
                                  "행을 제대로 읽었는지 확인해 주십시오(응답은 그대로 둡니다)."},
    "msg.not_a_choice": {"en": "{item}: {value} is not one of the codes {codes} (nor a choice's name or label); "
                               "correct the code",
                         "ko": "{item}: {value}은(는) 코드 {codes} 중 하나가 아니며 선택지의 이름이나 표시문도 아닙니다. "
                               "코드를 고쳐 주십시오."},
    "msg.skipped_has": {"en": "{item} answered {value}, but it is asked only when {condition}; this row has {has}; the "
                              "answer is kept as given",
                        "ko": "{item}에 {value}(으)로 응답했지만 이 문항은 {condition}일 때만 묻습니다. 이 행은 {has}"
                              "입니다. 응답은 그대로 둡니다."},
    "msg.skipped": {"en": "{item} answered {value}, but it is asked only when {condition}; the answer is kept as given",
                    "ko": "{item}에 {value}(으)로 응답했지만 이 문항은 {condition}일 때만 묻습니다. 응답은 그대로 "
                          "둡니다."},
    "msg.not_a_number": {"en": "{item}: {value} is not a number; enter digits only (or a missing code)",
                         "ko": "{item}: {value}은(는) 숫자가 아닙니다. 숫자만(또는 결측 코드를) 입력해 주십시오."},
    "msg.not_an_integer": {"en": "{item}: {value} is not a whole number; this item takes integers",
                           "ko": "{item}: {value}은(는) 정수가 아닙니다. 이 문항은 정수만 받습니다."},
    "msg.out_of_range": {"en": "{item}: {value} is outside the allowed range ({low} to {high}); correct the value",
                         "ko": "{item}: {value}은(는) 허용 범위({low}~{high})를 벗어났습니다. 값을 고쳐 주십시오."},
    "msg.below_range": {"en": "{item}: {value} is outside the allowed range (at least {low}); correct the value",
                        "ko": "{item}: {value}은(는) 허용 범위({low} 이상)를 벗어났습니다. 값을 고쳐 주십시오."},
    "msg.above_range": {"en": "{item}: {value} is outside the allowed range (at most {high}); correct the value",
                        "ko": "{item}: {value}은(는) 허용 범위({high} 이하)를 벗어났습니다. 값을 고쳐 주십시오."},
    "msg.required": {"en": "{item} is required here but empty; enter the answer or a missing code",
                     "ko": "{item}은(는) 여기서 필수 문항인데 비어 있습니다. 응답이나 결측 코드를 입력해 주십시오."},
    "msg.not_a_date": {"en": "{item}: {value} is not a date; write it as YYYY-MM-DD",
                       "ko": "{item}: {value}은(는) 날짜가 아닙니다. YYYY-MM-DD 형식으로 써 주십시오."},
    "msg.duplicate_id": {"en": "respondent_id {value} occurs more than once in this file (first in row {row}); correct "
                               "the id or remove the repeated row",
                         "ko": "respondent_id {value}이(가) 이 파일에 두 번 이상 나옵니다(처음은 {row}행). 식별자를 "
                               "고치거나 반복된 행을 지워 주십시오."},
    "msg.duplicate_id_store": {"en": "respondent_id {value} was already imported ({where}); remove the row or correct "
                                     "the id",
                               "ko": "respondent_id {value}은(는) 이미 입력되었습니다({where}). 행을 지우거나 식별자를 "
                                     "고쳐 주십시오."},
    "msg.missing_id": {"en": "respondent_id is empty; every row needs a respondent id",
                       "ko": "respondent_id가 비어 있습니다. 모든 행에 응답자 식별자가 있어야 합니다."},
    "msg.design_rows_data": {"en": "{file}: {n} design rows without a respondent in the data: {ids}; they are left out "
                     "(nonrespondents, or rows quarantined at import: fix and import those rows to count them)",
              "ko": "{file}: 자료에 응답자가 없는 설계 행 {n}개({ids})는 제외했습니다. 무응답자이거나 입력 때 "
                    "격리된 행입니다. 격리된 행을 세려면 고쳐서 다시 입력하십시오."},
    "msg.design_row_data": {"en": "{file}: {n} design row without a respondent in the data: {ids}; they are left out "
                     "(nonrespondents, or rows quarantined at import: fix and import those rows to count them)",
              "ko": "{file}: 자료에 응답자가 없는 설계 행 {n}개({ids})는 제외했습니다. 무응답자이거나 입력 때 "
                    "격리된 행입니다. 격리된 행을 세려면 고쳐서 다시 입력하십시오."},
    "msg.design_rows": {"en": "{file}: {n} design rows without a respondent in {where}: {ids}; they are left out "
                     "(nonrespondents, or rows quarantined at import: fix and import those rows to count them)",
              "ko": "{file}: {where}에 응답자가 없는 설계 행 {n}개({ids})는 제외했습니다. 무응답자이거나 입력 때 "
                    "격리된 행입니다. 격리된 행을 세려면 고쳐서 다시 입력하십시오."},
    "msg.design_row": {"en": "{file}: {n} design row without a respondent in {where}: {ids}; they are left out "
                     "(nonrespondents, or rows quarantined at import: fix and import those rows to count them)",
              "ko": "{file}: {where}에 응답자가 없는 설계 행 {n}개({ids})는 제외했습니다. 무응답자이거나 입력 때 "
                    "격리된 행입니다. 격리된 행을 세려면 고쳐서 다시 입력하십시오."},
    "msg.outside_unanswered": {"en": "{n} of {rows} rows are outside the population of targets {targets} ({scope}) and "
                                     "keep their design weights; {k} of them have no answer to {names}: impute it if "
                                     "they may belong to the population",
                               "ko": "{rows}행 중 {n}행은 목표 {targets}의 모집단({scope}) 밖에 있어 설계가중치를 "
                                     "유지합니다. 그중 {k}행은 {names}에 응답하지 않았으므로, 그 모집단에 속할 수 "
                                     "있다면 값을 대체하십시오."},
    "msg.outside_scope": {"en": "{n} of {rows} rows are outside the population of targets {targets} ({scope}) and keep "
                                "their design weights",
                          "ko": "{rows}행 중 {n}행은 목표 {targets}의 모집단({scope}) 밖에 있어 설계가중치를 "
                                "유지합니다."},
    "msg.outside": {"en": "{n} of {rows} rows are outside the population of targets {targets} and keep their design "
                          "weights",
                    "ko": "{rows}행 중 {n}행은 목표 {targets}의 모집단 밖에 있어 설계가중치를 유지합니다."},
    "msg.inside": {"en": "all {rows} rows are inside the population of targets {targets}",
                   "ko": "{rows}행 모두 목표 {targets}의 모집단 안에 있습니다."},
    "msg.raked_to": {"en": "raked to {targets} ({margins}; population {population})",
                     "ko": "{targets}에 맞추어 레이킹했습니다(주변 분포 {margins}; 모집단 {population})."},
    "msg.imputed": {"en": "{n} respondents without a {margin} answer were given the most common category of their "
                          "sampling stratum for raking",
                    "ko": "{margin}에 응답하지 않은 {n}명에게는 레이킹을 위해 같은 추출 층에서 가장 흔한 범주를 "
                          "주었습니다."},
    "msg.newest_wave": {"en": "The store holds {n} waves ({waves}); without a design file the report reads the newest, "
                              "{wave} (a design file's wave: names another).",
                        "ko": "저장소에는 {n}개 조사 회차({waves})가 있습니다. 설계 파일이 없으면 보고서는 가장 최근 "
                              "회차인 {wave}만 읽습니다(다른 회차는 설계 파일의 wave:로 지정합니다)."},
    "msg.newest_wave_analyses": {"en": "The store holds {n} waves ({waves}); without a design file these analyses read "
                                       "the newest, {wave}.",
                                 "ko": "저장소에는 {n}개 조사 회차({waves})가 있습니다. 설계 파일이 없으면 이 분석은 가장 "
                                       "최근 회차인 {wave}만 읽습니다."},
    "msg.raked_scope": {"en": "raked on {what} ({k} iterations); only the {inside} of {rows} rows in scope, the others "
                              "kept their weights",
                        "ko": "{what}에 대해 레이킹했습니다({k}회 반복). 범위 안의 {rows}행 중 {inside}행만 "
                              "조정했고 나머지는 가중치를 유지했습니다"},
    "msg.raked_scope_1": {"en": "raked on {what} ({k} iteration); only the {inside} of {rows} rows in scope, the "
                                "others kept their weights",
                          "ko": "{what}에 대해 레이킹했습니다({k}회 반복). 범위 안의 {rows}행 중 {inside}행만 "
                                "조정했고 나머지는 가중치를 유지했습니다"},
    "msg.raked": {"en": "raked on {what} ({k} iterations)", "ko": "{what}에 대해 레이킹했습니다({k}회 반복)"},
    "msg.raked_1": {"en": "raked on {what} ({k} iteration)", "ko": "{what}에 대해 레이킹했습니다({k}회 반복)"},
    # -- words of targets files and fieldwork summaries (margin, level and sector names); others as written ----
    "term.sector": {"en": "sector", "ko": "부문"},
    "term.sex": {"en": "sex", "ko": "성별"},
    "term.degree": {"en": "degree", "ko": "최종 학위"},
    "term.region": {"en": "region", "ko": "지역"},
    "term.age": {"en": "age", "ko": "연령"},
    "term.business": {"en": "business", "ko": "기업"},
    "term.university": {"en": "university", "ko": "대학"},
    "term.public_institute": {"en": "public institute", "ko": "공공연구기관"},
    "term.institute": {"en": "institute", "ko": "연구기관"},
    "term.large_firm": {"en": "large firm", "ko": "대기업"},
    "term.sme": {"en": "SME", "ko": "중소·중견기업"},
    "term.startup": {"en": "startup", "ko": "스타트업"},
    "term.foreign_firm": {"en": "foreign firm", "ko": "외국계 기업"},
    "term.abroad": {"en": "abroad", "ko": "해외"},
    "term.male": {"en": "male", "ko": "남성"},
    "term.female": {"en": "female", "ko": "여성"},
    "term.phd": {"en": "PhD", "ko": "박사"},
    "term.master": {"en": "master's", "ko": "석사"},
    "term.bachelor": {"en": "bachelor's", "ko": "학사"},
    "term.other": {"en": "other", "ko": "기타"},
    "term.capital_area": {"en": "capital area", "ko": "수도권"},
    "term.capital": {"en": "capital", "ko": "수도권"},
    "term.researcher": {"en": "researcher", "ko": "연구자"},
    "term.undergraduate": {"en": "undergraduate", "ko": "학부생"},
    "term.daejeon": {"en": "Daejeon", "ko": "대전"},
    "term.rest": {"en": "rest of Korea", "ko": "그 밖의 지역"},
}
