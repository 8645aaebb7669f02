"""Design and weighting errors name respondents by the ids the caller names (``ids=``), or by the data's index
labels, never by 0-based positions (issue 12, "Messages that say the right thing")."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import careersurvey as cs

#: ids as a survey has them; the frame's index is a filtered one (positions 0..7 are not its labels)
IDS = ["0001", "0002", "0003", "응답자-4", "0005", "0006", "1234567890123456789", "NA"]


@pytest.fixture()
def frame() -> pd.DataFrame:
    return pd.DataFrame({"respondent_id": IDS, "sex": [1, 2, 1, 2, 1, 2, 1, 2], "region": list("aabbabab"),
                         "stratum": ["s1"] * 4 + ["s2"] * 4, "psu": [1, 2, 3, 4, 5, 6, 7, 8],
                         "w": [10.0] * 8, "responded": [1, 0, 1, 1, 0, 1, 1, 1]},
                        index=[101, 103, 107, 109, 111, 113, 117, 119])


def test_bad_weights_name_the_respondents(frame) -> None:
    frame.loc[[109, 119], "w"] = [-1.0, np.nan]
    with pytest.raises(cs.DesignError) as exc:
        cs.SurveyDesign(frame, weights="w", ids="respondent_id")
    assert str(exc.value) == ("weights column 'w' must be positive and not missing; 2 row(s) are not (respondent_id "
                              "'응답자-4', 'NA', e.g. value -1). Fix or drop these rows before building the design.")
    with pytest.raises(cs.DesignError, match=r"\(index 109, 119, e.g. value -1\)"):  # no ids: the index labels
        cs.SurveyDesign(frame, weights="w")


def test_margins_without_a_level_and_levels_without_a_target_name_the_respondents(frame) -> None:
    d = cs.SurveyDesign(frame.assign(sex=frame["sex"].where(frame.index != 113)), weights="w", ids="respondent_id")
    with pytest.raises(cs.WeightingError, match=r"column 'sex' is missing in 1 rows \(respondent_id '0006'\); "
                                                "impute it"):
        d.rake({"sex": {1: 40, 2: 40}})
    d = cs.SurveyDesign(frame, weights="w", ids="respondent_id")
    with pytest.raises(cs.WeightingError, match=r"sample levels b \(4 rows: respondent_id '0003', '응답자-4', '0006', "
                                                r"'NA'\) have no target"):
        d.calibrate({"region": {"a": 80}})
    d = cs.SurveyDesign(frame.assign(x=frame["sex"].where(frame["responded"] == 1)), weights="w", ids="respondent_id")
    with pytest.raises(cs.WeightingError, match=r"calibration total 'x': 2 rows are missing or not numbers "
                                                r"\(respondent_id '0002', '0005'\)"):
        d.calibrate({"x": 100.0})


def test_design_columns_and_nonresponse_name_the_respondents(frame) -> None:
    with pytest.raises(cs.DesignError, match=r"strata column 'stratum' has 1 missing value\(s\) \(respondent_id "
                                             r"'1234567890123456789'\)"):
        cs.SurveyDesign(frame.assign(stratum=frame["stratum"].where(frame.index != 117)), weights="w",
                        strata="stratum", ids="respondent_id")
    with pytest.raises(cs.DesignError, match=r"psu=3 appears in more than one stratum \(stratum='s1' at respondent_id "
                                             r"'0003' and 's2' at respondent_id '0006'\)"):
        cs.SurveyDesign(frame.assign(psu=[1, 2, 3, 4, 5, 3, 7, 8]), weights="w", strata="stratum", psu="psu",
                        ids="respondent_id")
    d = cs.SurveyDesign(frame.assign(responded=frame["responded"].where(frame.index != 101)), weights="w",
                        ids="respondent_id")
    with pytest.raises(cs.WeightingError, match=r"'responded' is missing in 1 rows \(respondent_id '0001'\)"):
        d.adjust_nonresponse("responded", classes="region")


def test_ids_are_kept_by_every_new_design_and_must_exist(frame) -> None:
    d = cs.SurveyDesign(frame, weights="w", ids="respondent_id")
    assert d.rake({"sex": {1: 40, 2: 40}}).trim(upper=12).subset("region == 'a'").ids == "respondent_id"
    assert d.data.index.tolist() == frame.index.tolist()  # the design keeps the data's index
    with pytest.raises(cs.DesignError, match="ids column 'pid' is not in the data"):
        cs.SurveyDesign(frame, weights="w", ids="pid")


def test_a_margin_holding_missing_codes_names_the_respondents(frame) -> None:
    frame.loc[[103, 117], "sex"] = [-7, -9]
    d = cs.SurveyDesign(frame, weights="w", ids="respondent_id", missing_codes=(-6, -7, -8, -9))
    with pytest.raises(cs.MissingCodeError) as exc:
        d.rake({"sex": {1: 40, 2: 40}})
    assert str(exc.value).startswith("margin 'sex' holds the missing codes -7 (1 row), -9 (1 row), which the design")
    assert str(exc.value).endswith(". The codes are in respondent_id '0002', '1234567890123456789'")
