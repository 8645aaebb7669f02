"""The release report states how many masked-design SEs fall outside a factor of 2 of the true design's, from
the ratios themselves (it once said they were "checked" to be within it, whatever they were)."""

import pandas as pd

from careersurvey.disclosure.report import _outside_words


def test_outside_a_factor_of_two_is_counted_not_assumed():
    assert _outside_words(pd.Series([0.8, 1.1, 1.9])) == "all 3 compared estimates are within a factor of 2."
    words = _outside_words(pd.Series([0.48, 1.0, 2.5, 1.2]))
    assert words.startswith("2 of 4 compared estimates fall outside a factor of 2")
