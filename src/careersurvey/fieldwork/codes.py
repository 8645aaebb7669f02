"""AAPOR final disposition codes for web (and mail) surveys of specifically named persons (AAPOR, Standard
Definitions: Final Dispositions of Case Codes and Outcome Rates for Surveys, 10th edition 2023, the table of
Internet surveys of specifically named persons), and the group each falls into for the outcome rates:

I complete (1.1), P partial (1.2), R refusal and break-off (2.1x), NC non-contact (2.2x), O other (2.3x),
UH unknown whether an eligible person / address (3.1x), UO unknown eligibility, other (3.2x-3.9x),
NE not eligible (4.x).

Codes are text as the manager writes them; ``2.10`` and ``2.1`` are the same code (a spreadsheet that stored
the code as a number turned ``2.10`` into ``2.1``: both are read). Headings (1.0, 2.0, 3.0, 4.0) are not final
dispositions and are refused, as is any code not in the table.
"""

from __future__ import annotations

from types import MappingProxyType

#: code -> (group, wording)
CODES = MappingProxyType({
    "1.1": ("I", "complete"),
    "1.2": ("P", "partial"),
    "2.1": ("R", "refusal and break-off"),
    "2.11": ("R", "refusal"),
    "2.111": ("R", "explicit refusal"),
    "2.112": ("R", "implicit refusal"),
    "2.1121": ("R", "logged on to survey, did not complete any item"),
    "2.1122": ("R", "read receipt confirmation, refusal"),
    "2.12": ("R", "break-off / implicit refusal: questionnaire too incomplete to process"),
    "2.2": ("NC", "non-contact"),
    "2.26": ("NC", "respondent was unavailable during field period"),
    "2.27": ("NC", "completed questionnaire, but not returned during field period"),
    "2.3": ("O", "other"),
    "2.31": ("O", "death (including person was deceased during field period)"),
    "2.32": ("O", "physically or mentally unable/incompetent"),
    "2.33": ("O", "language barrier"),
    "2.36": ("O", "miscellaneous"),
    "3.1": ("UH", "nothing known about respondent or address"),
    "3.11": ("UH", "no invitation sent"),
    "3.19": ("UH", "nothing ever returned"),
    "3.2": ("UO", "invitation returned undelivered"),
    "3.3": ("UO", "invitation returned with forwarding information"),
    "3.9": ("UO", "other"),
    "4.1": ("NE", "selected respondent screened out of sample"),
    "4.7": ("NE", "quota filled"),
    "4.8": ("NE", "duplicate listing"),
    "4.9": ("NE", "other"),
})
GROUPS: tuple[str, ...] = ("I", "P", "R", "NC", "O", "UH", "UO", "NE")
HEADINGS = {"1", "1.0", "2", "2.0", "3", "3.0", "4", "4.0"}


def normalise(code: object) -> str | None:
    """The code as the table spells it (``2.10`` -> ``2.1``, `` 1.1 `` -> ``1.1``), or None when empty."""
    if code is None or (isinstance(code, float) and code != code):
        return None
    text = str(code).strip()
    if not text:
        return None
    head, dot, tail = text.partition(".")
    if dot and tail.rstrip("0"):
        return f"{head}.{tail.rstrip('0')}"
    return text


def group(code: object) -> str | None:
    """The rate group (I, P, R, NC, O, UH, UO, NE) of a code, or None when the code is not in the table."""
    found = CODES.get(normalise(code) or "")
    return found[0] if found else None


__all__ = ["CODES", "GROUPS", "HEADINGS", "group", "normalise"]
