"""What the fieldwork manager records for each sampled person of the simulation: when a questionnaire came
back (``returned``, a date) and, for those who never answered, their final AAPOR disposition (web survey of
specifically named persons: see :mod:`careersurvey.fieldwork.codes`). Completes and partials are left empty:
the demo fills them from the response store, by the questionnaire's rule.

Assumptions (they shape the demo's rates, nothing else): invitations go out on ``start`` with reminders on
days 7, 14 and 28 of a 42-day field period; a respondent answers after the invitation or one of the reminders
(45, 25, 18, 12 %) with an exponential delay of two days on average. Among those who never answer: 62 %
nothing ever returned (3.19, unknown eligibility), 9 % invitation undelivered (3.2), 13 % refusals (2.111
explicit, by e-mail), 8 % unavailable during the field period (2.26), 3 % other (2.36), 5 % no longer in
science (4.1, screened out by the answer they sent).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["FIELD_DAYS", "NONRESPONSE_CODES", "REMINDERS", "nonresponse_codes", "return_dates"]

FIELD_DAYS = 42
REMINDERS = (0, 7, 14, 28)
_AFTER = (0.45, 0.25, 0.18, 0.12)
#: code -> share among the sampled persons who never answered
NONRESPONSE_CODES = {"3.19": 0.62, "3.2": 0.09, "2.111": 0.13, "2.26": 0.08, "2.36": 0.03, "4.1": 0.05}


def return_dates(n: int, *, start: str = "2026-09-01", seed: int = 1) -> pd.Series:
    """The day each of ``n`` respondents' questionnaires came back (``YYYY-MM-DD`` text), within the field
    period."""
    rng = np.random.default_rng(seed)
    wave = rng.choice(len(REMINDERS), size=n, p=_AFTER)
    day = np.minimum(np.asarray(REMINDERS)[wave] + np.floor(rng.exponential(2.0, n)), FIELD_DAYS - 1)
    dates = pd.Timestamp(start) + pd.to_timedelta(day, unit="D")
    return pd.Series(dates.strftime("%Y-%m-%d"), dtype="str")


def nonresponse_codes(n: int, *, seed: int = 1) -> pd.Series:
    """A final disposition code (text) for each of ``n`` sampled persons who never answered."""
    rng = np.random.default_rng(seed)
    codes = np.array(list(NONRESPONSE_CODES))
    return pd.Series(codes[rng.choice(len(codes), size=n, p=list(NONRESPONSE_CODES.values()))], dtype="str")
