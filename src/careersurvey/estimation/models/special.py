"""The two pieces of R's model formulas that are not terms: ``offset(...)`` and a ``cbind(successes, failures)``
response. Both are read from the formula text by matching parentheses (no evaluation); the expressions inside
are handed to the formula engine like any term, so ``offset(np.log(enroll))`` works as ``I(...)`` does.

``split_formula("cbind(s, f) ~ x + offset(np.log(n))")`` gives the formula the engine fits
(``"I(s) ~ x"``), the second column of the response (``"f"``) and the offset expressions (``["np.log(n)"]``).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SplitFormula:
    """``core``: the formula without offsets (response: the successes for a cbind response);
    ``failures``: the cbind's second expression or None; ``offsets``: the offset expressions in order."""

    core: str
    failures: str | None
    offsets: tuple[str, ...]


def _closing(text: str, start: int) -> int:
    """Index of the parenthesis closing the one at ``start``; -1 when unbalanced."""
    depth = 0
    for i in range(start, len(text)):  # a scan over the formula's characters, not over data rows
        c = text[i]
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth == 0:
                return i
    return -1


def top_level(text: str, sep: str) -> list[str]:
    """``text`` split at ``sep`` outside parentheses and quotes."""
    parts, depth, quote, last = [], 0, "", 0
    for i, c in enumerate(text):
        if quote:
            quote = "" if c == quote else quote
        elif c in "'\"":
            quote = c
        elif c in "([":
            depth += 1
        elif c in ")]":
            depth -= 1
        elif c == sep and depth == 0:
            parts.append(text[last:i])
            last = i + 1
    parts.append(text[last:])
    return parts


def _call(term: str, name: str) -> str | None:
    """The argument text of ``name(...)`` when ``term`` is exactly that call, else None."""
    t = term.strip()
    if not t.startswith(name):
        return None
    rest = t[len(name):].lstrip()
    if not rest.startswith("("):
        return None
    offset = len(t) - len(rest)
    end = _closing(t, offset)
    if end != len(t) - 1:
        return None
    return t[offset + 1:end].strip()


def split_formula(formula: str) -> SplitFormula:
    """Take ``offset(...)`` terms and a ``cbind(a, b)`` response out of ``formula`` (see the module doc)."""
    parts = top_level(formula, "~")
    if len(parts) != 2:
        return SplitFormula(formula, None, ())
    lhs, rhs = parts
    failures = None
    inner = _call(lhs, "cbind")
    if inner is not None:
        args = top_level(inner, ",")
        if len(args) != 2 or not all(a.strip() for a in args):
            raise ValueError(f"formula {formula!r}: cbind() takes two columns, the successes and the failures "
                             "(cbind(events, trials - events))")
        lhs, failures = f"I({args[0].strip()})", args[1].strip()
    offsets, kept = [], []
    for term in top_level(rhs, "+"):
        inside = _call(term, "offset")
        if inside is None:
            kept.append(term.strip())
        elif not inside:
            raise ValueError(f"formula {formula!r}: offset() needs an expression, e.g. offset(np.log(enroll))")
        else:
            offsets.append(inside)
    if any("offset(" in k.replace(" ", "") for k in kept):
        raise ValueError(f"formula {formula!r}: write offset(...) as a term of its own, added with '+'")
    core_rhs = " + ".join(k for k in kept if k) or "1"
    return SplitFormula(f"{lhs.strip()} ~ {core_rhs}", failures, tuple(offsets))
