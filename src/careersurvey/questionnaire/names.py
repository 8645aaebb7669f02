"""Rules for item names: they become column names in XLSForm, XPath, SPSS, Stata, R and our own data.

A name must be plain lowercase ASCII (``[a-z][a-z0-9_]*``, at most 32 characters, Stata's limit), and not a
word that one of those systems reserves. Each reserved word is listed with the system that reserves it so
the error can say why.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from typing import Iterable

NAME_RE = re.compile(r"[a-z][a-z0-9_]*")
MAX_NAME_LENGTH = 32
MODULE_ID_RE = re.compile(r"[a-z][a-z0-9_]*")
QUESTIONNAIRE_ID_RE = re.compile(r"[a-z][a-z0-9]*(-[a-z0-9]+)*")
#: An XML name as XLSForm choice names must be (ASCII only: KoboToolbox and ODK exports show it as is).
XML_NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*")

_RESERVED: dict[str, str] = {}


def _reserve(system: str, words: str) -> None:
    for w in words.split():
        _RESERVED.setdefault(w.lower(), system)


# Our own skip-logic language (keywords and functions).
_reserve("the skip-logic language", "and or not in selected answered missing")
# XPath 1.0 operators and XLSForm/ODK metadata and group names.
_reserve("XPath", "div mod true false")
_reserve("XLSForm/ODK", "meta instanceid instancename start end today deviceid username phonenumber "
                        "simserial subscriberid audit uuid")
# SPSS reserved keywords.
_reserve("SPSS", "all by eq ge gt le lt ne to with")
# Stata reserved names (lowercase ones; _n, _b etc. cannot occur: names start with a letter).
_reserve("Stata", "byte double float if int long str strl using")
# R reserved words.
_reserve("R", "break else for function next repeat while na nan inf null")


def reserved_by(name: str) -> str | None:
    """The system that reserves ``name``, or None."""
    return _RESERVED.get(name.lower())


def ascii_suggestion(name: str) -> str:
    """A plain-ASCII lowercase spelling of ``name`` to suggest in an error."""
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    folded = re.sub(r"[^a-z0-9_]+", "_", folded).strip("_")
    if not folded:
        return ""
    if not folded[0].isalpha():
        folded = "q_" + folded
    return folded[:MAX_NAME_LENGTH]


def name_problem(name: str) -> tuple[str, str] | None:
    """(kind, detail) of what is wrong with ``name``: kind is "non_ascii", "bad" or "reserved"; None if fine."""
    if not name.isascii():
        suggestion = ascii_suggestion(name)
        return "non_ascii", f", e.g. {suggestion!r}" if suggestion else ", e.g. an English word for the topic"
    if len(name) > MAX_NAME_LENGTH:
        return "bad", f"is {len(name)} characters long, more than {MAX_NAME_LENGTH}"
    if not NAME_RE.fullmatch(name):
        if name[:1].isdigit() or name[:1] == "_":
            return "bad", "must start with a lowercase letter"
        if any(c.isupper() for c in name):
            return "bad", "must be lowercase"
        return "bad", "may contain only a-z, 0-9 and _"
    system = reserved_by(name)
    if system:
        return "reserved", system
    return None


def xml_name_problem(name: str) -> str | None:
    """What makes ``name`` unusable as an XLSForm choice name (an ASCII XML name), or None."""
    if not name:
        return "is empty"
    if any(c.isspace() for c in name):
        return "contains a space (a select_multiple answer is a space-separated list of names)"
    if not name.isascii():
        return "contains non-ASCII characters"
    if not XML_NAME_RE.fullmatch(name):
        if not XML_NAME_RE.match(name[0]):
            return "does not start with a letter or _"
        return "may contain only letters, digits, _ . and -"
    if name.lower().startswith("xml"):
        return "starts with 'xml', which XML reserves"
    return None


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """' (did you mean 'x'?)' for the closest of ``choices`` to a misspelt ``word``, or ''."""
    found = difflib.get_close_matches(word, list(choices), n=1)
    return f" (did you mean {found[0]!r}?)" if found else ""


#: A semantic version MAJOR.MINOR.PATCH with an optional pre-release (1.1.0-rc.1).
SEMVER_RE = re.compile(r"(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?")


def version_key(version: str) -> tuple:
    """Sort key of a semantic version: 1.10.0 after 1.9.0, a pre-release before its release."""
    m = SEMVER_RE.fullmatch(version)
    if not m:
        return (-1, -1, -1, 0, version)
    pre = m.group(4)
    return (int(m.group(1)), int(m.group(2)), int(m.group(3)), 0 if pre else 1, pre or "")
