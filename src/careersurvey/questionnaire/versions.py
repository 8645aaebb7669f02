"""What changed between two versions of a questionnaire: items added, removed, reworded, recoded, rerouted.

The diff is the basis for the CHANGELOG and for harmonising data across versions: a *reworded* item may
still be comparable, a *recoded* one (type, codes, exclusive codes, range, missing codes, scale keying
changed) needs a mapping, a *rerouted* one is asked of different people (a module's rule counts too). Items are
matched by name; a grid row whose shared stem changed is reworded too (``stem (ko): ...``). Notes (texts shown
without an answer, such as the introduction) are compared by name in ``notes``. The result is a frozen value with
renderers (``rows``, ``to_frame``, ``as_text``), like statsmodels' summaries.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Mapping

from careersurvey.questionnaire.model import ChoiceList, Grid, Item, Note, Questionnaire

ChangeKind = Literal["added", "removed", "reworded", "recoded", "rerouted"]
KINDS: tuple[str, ...] = ("added", "removed", "reworded", "recoded", "rerouted")


@dataclass(frozen=True, slots=True)
class ItemChange:
    """One kind of change to one item, with what exactly changed in ``details``."""

    name: str
    kind: ChangeKind
    module: str
    details: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ChoiceListChange:
    """A choice list that was added, removed, or whose codes or labels changed."""

    name: str
    kind: Literal["added", "removed", "changed"]
    added_codes: tuple[int, ...] = ()
    removed_codes: tuple[int, ...] = ()
    relabelled_codes: tuple[int, ...] = ()
    used_by: tuple[str, ...] = ()
    #: codes whose XLSForm name changed (the data keep their codes; the form and its exports change)
    renamed_codes: tuple[int, ...] = ()

    @property
    def detail(self) -> str:
        parts = []
        if self.added_codes:
            parts.append("codes added: " + ", ".join(map(str, self.added_codes)))
        if self.removed_codes:
            parts.append("codes removed: " + ", ".join(map(str, self.removed_codes)))
        if self.relabelled_codes:
            parts.append("labels changed: " + ", ".join(map(str, self.relabelled_codes)))
        if self.renamed_codes:
            parts.append("names changed: " + ", ".join(map(str, self.renamed_codes)))
        if self.used_by:
            parts.append("used by " + ", ".join(self.used_by))
        return "; ".join(parts)


@dataclass(frozen=True, slots=True)
class QuestionnaireDiff:
    """The changes from questionnaire ``old`` to ``new`` (both named ``id@version``)."""

    old: str
    new: str
    added: tuple[ItemChange, ...] = ()
    removed: tuple[ItemChange, ...] = ()
    reworded: tuple[ItemChange, ...] = ()
    recoded: tuple[ItemChange, ...] = ()
    rerouted: tuple[ItemChange, ...] = ()
    choice_lists: tuple[ChoiceListChange, ...] = ()
    notes: tuple[ItemChange, ...] = ()

    def __bool__(self) -> bool:
        return any(getattr(self, k) for k in KINDS) or bool(self.choice_lists) or bool(self.notes)

    @property
    def changes(self) -> tuple[ItemChange, ...]:
        """Every item change, grouped by kind in the order added, removed, reworded, recoded, rerouted."""
        return tuple(c for k in KINDS for c in getattr(self, k))

    def rows(self) -> list[dict[str, str]]:
        """One row per change (items, then choice lists): what, which, where, and the details."""
        out = [{"kind": c.kind, "item": c.name, "module": c.module, "details": "; ".join(c.details)}
               for c in self.changes]
        out += [{"kind": f"choice list {c.kind}", "item": c.name, "module": "", "details": c.detail}
                for c in self.choice_lists]
        out += [{"kind": f"note {c.kind}", "item": c.name, "module": c.module, "details": "; ".join(c.details)}
                for c in self.notes]
        return out

    def to_frame(self):
        """The rows as a pandas DataFrame (columns kind, item, module, details)."""
        import pandas as pd

        return pd.DataFrame(self.rows(), columns=["kind", "item", "module", "details"])

    def as_text(self) -> str:
        """A plain-text report, as printed by ``careersurvey questionnaire diff``."""
        lines = [f"{self.old} -> {self.new}"]
        if not self:
            return lines[0] + ": no changes"
        for kind in KINDS:
            changes = getattr(self, kind)
            if changes:
                lines.append(f"{kind} ({len(changes)}):")
                for c in changes:
                    lines.append(f"  {c.name} [{c.module}]" + (f": {'; '.join(c.details)}" if c.details else ""))
        if self.choice_lists:
            lines.append(f"choice lists ({len(self.choice_lists)}):")
            for cl in self.choice_lists:
                lines.append(f"  {cl.name} {cl.kind}" + (f": {cl.detail}" if cl.detail else ""))
        if self.notes:
            lines.append(f"notes ({len(self.notes)}):")
            for c in self.notes:
                lines.append(f"  {c.name} {c.kind} [{c.module}]" + (f": {'; '.join(c.details)}" if c.details else ""))
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.as_text()


def diff(old: Questionnaire, new: Questionnaire) -> QuestionnaireDiff:
    """Compare two questionnaires item by item (matched by name) and choice list by choice list."""
    old_items = {i.name: i for i in old.items}
    new_items = {i.name: i for i in new.items}
    old_stems, new_stems = _stems(old), _stems(new)
    out: dict[str, list[ItemChange]] = {k: [] for k in KINDS}
    for name, item in new_items.items():
        if name not in old_items:
            out["added"].append(ItemChange(name, "added", item.module, (f"{item.type}: {_first(item.label)}",)))
    for name, item in old_items.items():
        if name not in new_items:
            out["removed"].append(ItemChange(name, "removed", item.module, (f"{item.type}: {_first(item.label)}",)))
    for name, after in new_items.items():
        before = old_items.get(name)
        if before is None:
            continue
        reworded = _reworded(before, after) + _texts("stem", old_stems.get(name, {}), new_stems.get(name, {}))
        for kind, details in (("reworded", reworded), ("recoded", _recoded(before, after)),
                              ("rerouted", _rerouted(before, after))):
            if details:
                out[kind].append(ItemChange(name, kind, after.module, tuple(details)))  # type: ignore[arg-type]
    return QuestionnaireDiff(
        old=old.key, new=new.key, choice_lists=_choice_lists(old, new), notes=_notes(old, new),
        **{k: tuple(v) for k, v in out.items()},
    )


def _stems(q: Questionnaire) -> dict[str, Mapping[str, str]]:
    """The shared stem (grid label) each grid row is shown under."""
    return {i.name: e.label for m in q.modules for e in m.elements if isinstance(e, Grid) for i in e.items}


def _notes(old: Questionnaire, new: Questionnaire) -> tuple[ItemChange, ...]:
    """Notes added, removed or reworded (matched by name)."""
    def notes(q: Questionnaire) -> dict[str, Note]:
        return {e.name: e for m in q.modules for e in m.elements if isinstance(e, Note)}

    a, b = notes(old), notes(new)
    out = [ItemChange(n, "added", e.module, (_first(e.label),)) for n, e in b.items() if n not in a]
    out += [ItemChange(n, "removed", e.module, (_first(e.label),)) for n, e in a.items() if n not in b]
    out += [ItemChange(n, "reworded", e.module, tuple(_texts("label", a[n].label, e.label)))
            for n, e in b.items() if n in a and dict(a[n].label) != dict(e.label)]
    return tuple(out)


def _first(text: Mapping[str, str]) -> str:
    return next(iter(text.values()), "")


def _texts(field: str, a: Mapping[str, str], b: Mapping[str, str]) -> list[str]:
    return [f"{field} ({lang}): {a.get(lang, '')!r} -> {b.get(lang, '')!r}"
            for lang in sorted(set(a) | set(b)) if a.get(lang) != b.get(lang)]


def _reworded(a: Item, b: Item) -> list[str]:
    return _texts("label", a.label, b.label) + _texts("hint", a.hint, b.hint)


def _codes(lst: ChoiceList | None) -> dict[int, dict[str, str]]:
    return {c.code: dict(c.label) for c in lst.choices} if lst else {}


def _recoded(a: Item, b: Item) -> list[str]:
    details = []
    if a.type != b.type:
        details.append(f"type: {a.type} -> {b.type}")
    ca, cb = _codes(a.choices), _codes(b.choices)
    if ca != cb:
        added = sorted(set(cb) - set(ca))
        removed = sorted(set(ca) - set(cb))
        relabelled = sorted(c for c in set(ca) & set(cb) if ca[c] != cb[c])
        parts = [f"{label}: {', '.join(map(str, codes))}" for label, codes in
                 (("codes added", added), ("codes removed", removed), ("labels changed", relabelled)) if codes]
        details.append("choices " + "; ".join(parts) if parts else "choice order changed")
    if (a.range.min if a.range else None, a.range.max if a.range else None) != \
            (b.range.min if b.range else None, b.range.max if b.range else None):
        details.append(f"range: {_range(a)} -> {_range(b)}")
    if a.missing != b.missing:
        details.append(f"missing codes: {list(a.missing)} -> {list(b.missing)}")
    if a.scale != b.scale:
        details.append(f"scale: {a.scale} -> {b.scale}")
    if a.reverse != b.reverse:
        details.append(f"reverse: {a.reverse} -> {b.reverse}")
    if a.exclusive != b.exclusive:
        details.append(f"exclusive codes: {list(a.exclusive)} -> {list(b.exclusive)}")
    details += _texts("unit", a.unit, b.unit)
    return details


def _range(item: Item) -> str:
    if item.range is None:
        return "none"
    return f"{'' if item.range.min is None else item.range.min}..{'' if item.range.max is None else item.range.max}"


def _rerouted(a: Item, b: Item) -> list[str]:
    before = str(a.relevance) if a.relevance is not None else (a.relevance_text or "")
    after = str(b.relevance) if b.relevance is not None else (b.relevance_text or "")
    if before == after:
        return []
    return [f"relevance: {before or 'always asked'!s} -> {after or 'always asked'!s}"]


def _choice_lists(old: Questionnaire, new: Questionnaire) -> tuple[ChoiceListChange, ...]:
    out = []
    users = {}
    for q in (old, new):
        for item in q.items:
            if item.choices is not None:
                users.setdefault(item.choices.name, set()).add(item.name)
    for name in new.choice_lists:
        if name not in old.choice_lists:
            out.append(ChoiceListChange(name, "added", used_by=tuple(sorted(users.get(name, ())))))
    for name in old.choice_lists:
        if name not in new.choice_lists:
            out.append(ChoiceListChange(name, "removed", used_by=tuple(sorted(users.get(name, ())))))
    for name, lst in new.choice_lists.items():
        if name not in old.choice_lists:
            continue
        ca, cb = _codes(old.choice_lists[name]), _codes(lst)
        na, nb = old.choice_lists[name].names(), lst.names()
        renamed = tuple(sorted(c for c in set(na) & set(nb) if na[c] != nb[c]))
        if ca == cb and old.choice_lists[name].codes() == lst.codes() and not renamed:
            continue
        out.append(ChoiceListChange(
            name, "changed",
            added_codes=tuple(sorted(set(cb) - set(ca))), removed_codes=tuple(sorted(set(ca) - set(cb))),
            relabelled_codes=tuple(sorted(c for c in set(ca) & set(cb) if ca[c] != cb[c])),
            used_by=tuple(sorted(users.get(name, ()))), renamed_codes=renamed,
        ))
    return tuple(out)
