"""Loader checks of modules, items, grids and notes, and of their skip logic (a mixin of the loader).

Kept apart from ``loader.py`` so each file has one job: this one knows what each element type may hold and
what a relevance expression may refer to (only answers given before, used the way their type allows).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from careersurvey.expr import ExprError, parse
from careersurvey.expr.nodes import Arith, BoolOp, Compare, In, Name, Neg, Node, Num, Selected, Str
from careersurvey.questionnaire.errors import ErrorCode as E
from careersurvey.questionnaire.names import did_you_mean
from careersurvey.questionnaire.model import (
    CHOICE_TYPES,
    MISSING_CODES,
    NUMERIC_TYPES,
    ChoiceList,
    Grid,
    Item,
    Module,
    Note,
    Range,
    multiple_column,
)
from careersurvey.questionnaire.names import MAX_NAME_LENGTH, MODULE_ID_RE
from careersurvey.questionnaire.spec import ElementSpec, RowSpec, Text
from careersurvey.questionnaire.yamlsource import line_of

ITEM_MISSING_CODES = (-7, -8, -9)
_CHOICE_KEYS = frozenset({"hint", "choices", "required", "missing", "sensitive", "scale", "reverse", "disclosure"})
_NUMBER_KEYS = frozenset({"hint", "required", "missing", "sensitive", "scale", "reverse", "range", "unit",
                          "constraint_message", "disclosure"})
#: Keys (other than name, type, label, relevance) each element type may hold; survey/FORMAT.md's table.
KEYS_FOR: dict[str, frozenset[str]] = {
    "single": _CHOICE_KEYS,
    "rating": _CHOICE_KEYS,
    "multiple": _CHOICE_KEYS | {"exclusive"},
    "integer": _NUMBER_KEYS,
    "decimal": _NUMBER_KEYS,
    "date": frozenset({"hint", "required", "missing", "sensitive", "range", "constraint_message", "disclosure"}),
    "text": frozenset({"hint", "required", "missing", "sensitive", "constraint_message", "disclosure"}),
    "grid": frozenset({"hint", "choices", "required", "missing", "sensitive", "rows", "disclosure"}),
    "note": frozenset(),
}
_ALWAYS = frozenset({"name", "type", "label", "relevance"})


class ElementChecks:
    """Mixin of ``_Loader``: uses its ``raw``, ``add``, ``piece``, ``text_ok``, ``name_ok``."""

    raw: Any
    declared_reverse: dict[str, bool | None]
    #: (parsed, text) of the rule of the module being checked, (None, None) when it has none
    module_rule: tuple[Node | None, str | None] = (None, None)

    def check_modules(self, elements: list, lists: dict[str, ChoiceList]) -> tuple[Module, ...]:
        mods = self.raw.get("modules") if isinstance(self.raw.get("modules"), list) else []
        self.lists = lists
        self.declared_reverse = {}
        # every name in the file with its line and kind, to tell "comes later" from "unknown"
        self.all_names: dict[str, tuple[int, str]] = {}
        self.defined: dict[str, Item] = {}  # items answered so far, in order
        first: dict[str, int] = {}
        # names of elements whose shape is wrong (already reported): references to them are not reported again
        self.broken: set[str] = set()
        for mi, ei, el in elements:
            if el is None:
                raw_el = self.raw["modules"][mi]["items"][ei]
                if isinstance(raw_el, dict):
                    self.broken.add(str(raw_el.get("name")))
                    rows = raw_el.get("rows")
                    for row in rows if isinstance(rows, list) else ():
                        if isinstance(row, dict):
                            self.broken.add(str(row.get("name")))
                continue
            loc = ("modules", mi, "items", ei)
            self.register(el.name, loc + ("name",), el.name, "grid" if el.type == "grid" else
                          "note" if el.type == "note" else "item", first)
            for ri, row in enumerate(el.rows or ()):
                self.register(row.name, loc + ("rows", ri, "name"), row.name, "item", first)
        by_module: dict[int, list] = {}
        for mi, ei, el in elements:
            by_module.setdefault(mi, []).append((ei, el))
        seen_modules: dict[str, int] = {}
        out = []
        for mi, mod in enumerate(mods):
            if not isinstance(mod, dict):
                continue
            mid = self.piece(str, mod.get("id"))
            loc = ("modules", mi)
            if mid is not None:
                if not MODULE_ID_RE.fullmatch(mid):
                    self.add(E.BAD_NAME, loc + ("id",), name=mid, detail="(a module id) must be lowercase ASCII: a-z, 0-9, _")
                if mid in seen_modules:
                    self.add(E.DUPLICATE_MODULE, loc + ("id",), name=mid, first=seen_modules[mid])
                seen_modules.setdefault(mid, line_of(self.raw, loc + ("id",)) or 0)
            title = self.piece(Text, mod.get("title"))
            if title is not None:
                self.text_ok(title, f"the title of module {mid!r}", loc + ("title",))
            intro = self.piece(Text | None, mod.get("intro"))
            if intro is not None:
                self.text_ok(intro, f"the intro of module {mid!r}", loc + ("intro",))
            rule = self.piece(str | None, mod.get("relevance"))
            # a module's rule may use answers of earlier modules only; it is folded into each element's rule
            self.module_rule = (self.check_relevance(rule, f"module {mid}", loc), rule) if rule else (None, None)
            built = []
            for ei, el in by_module.get(mi, []):
                if el is not None:
                    e = self.check_element(el, ("modules", mi, "items", ei), mid or "")
                    if e is not None:
                        built.append(e)
            out.append(Module(mid or "", title or {}, tuple(built), intro or {}, *self.module_rule))
        self.check_columns(out)
        return tuple(out)

    def register(self, name: str, loc: tuple, item: str, kind: str, first: dict[str, int]) -> None:
        self.name_ok(name, loc, item)
        line = line_of(self.raw, loc) or 0
        if name in first:
            self.add(E.DUPLICATE_NAME, loc, item, name=name, first=first[name])
        else:
            first[name] = line
            self.all_names[name] = (line, kind)

    def present(self, loc: tuple) -> set[str]:
        node = self.raw
        for step in loc:
            node = node[step]
        return set(node)

    def check_element(self, el: ElementSpec, loc: tuple, module: str) -> Item | Grid | Note | None:
        name, kind = el.name, el.type
        line = line_of(self.raw, loc)
        keys = self.present(loc)
        for key in sorted(keys - _ALWAYS - KEYS_FOR[kind]):
            if key == "choices":
                self.add(E.NO_CHOICES_HERE, loc + (key,), name, type=kind, item=name)
            else:
                self.add(E.KEY_NOT_FOR_TYPE, loc + (key,), name, key=key, type=kind, item=name)
        self.text_ok(el.label, f"the label of {name!r}", loc + ("label",), name)
        for key in ("hint", "unit", "constraint_message"):
            if getattr(el, key) is not None:
                self.text_ok(getattr(el, key), f"the {key.replace('_', ' ')} of {name!r}", loc + (key,), name)
        choices = self.choices_of(el, loc, kind in CHOICE_TYPES or kind == "grid")
        self.missing_ok(el.missing, loc, name)
        tree = self.check_relevance(el.relevance, name, loc) if el.relevance is not None else None
        rel = self.with_module_rule(tree, el.relevance if tree is not None else None)
        if kind == "note":
            return Note(name, el.label, module, line=line, **rel)
        if kind == "grid":
            rows = []
            if not el.rows:
                self.add(E.GRID_ROWS, loc, name, item=name)
            for ri, row in enumerate(el.rows or ()):
                rows.append(self.check_row(row, el, loc + ("rows", ri), module, choices, rel))
            self.defined.update({r.name: r for r in rows})
            return Grid(name, el.label, tuple(rows), module, el.hint or {}, choices, line=line, **rel)
        item = Item(
            name=name, type=kind, label=el.label, module=module, hint=el.hint or {}, choices=choices,
            required=el.required, missing=tuple(sorted(set(el.missing), reverse=True)),
            range=self.range_of(el, loc), sensitive=el.sensitive, scale=el.scale, reverse=el.reverse,
            unit=el.unit or {}, constraint_message=el.constraint_message or {}, line=line,
            exclusive=self.exclusive_of(el, loc, choices),
            disclosure=self.disclosure_of(el.disclosure, kind, loc, name), **rel,
        )
        self.declared_reverse[name] = el.reverse if "reverse" in keys else None
        self.defined[name] = item
        return item

    def check_row(self, row: RowSpec, grid: ElementSpec, loc: tuple, module: str, choices: ChoiceList | None,
                  rel: dict) -> Item:
        self.text_ok(row.label, f"the label of {row.name!r}", loc + ("label",), row.name)
        if row.hint is not None:
            self.text_ok(row.hint, f"the hint of {row.name!r}", loc + ("hint",), row.name)
        missing = row.missing if row.missing is not None else grid.missing
        if row.missing is not None:
            self.missing_ok(row.missing, loc, row.name)
        self.declared_reverse[row.name] = row.reverse
        return Item(
            name=row.name, type="rating", label=row.label, module=module, hint=row.hint or {}, choices=choices,
            required=grid.required if row.required is None else row.required,
            missing=tuple(sorted(set(missing), reverse=True)),
            sensitive=grid.sensitive if row.sensitive is None else row.sensitive,
            scale=row.scale, reverse=bool(row.reverse), grid=grid.name, line=line_of(self.raw, loc),
            disclosure=self.disclosure_of(row.disclosure if row.disclosure is not None else grid.disclosure,
                                          "rating", loc if row.disclosure is not None else loc[:-2], row.name),
            **rel,
        )

    def disclosure_of(self, role: str | None, kind: str, loc: tuple, name: str) -> str | None:
        """The disclosure role as declared (None: undeclared; ``Item.role`` makes an undeclared text item ``text``);
        open text may only be ``direct`` or ``text``, and ``text`` is only for open text."""
        if role is None:
            return None
        if (kind == "text") != (role == "text") and role != "direct":
            fix = ("declare it direct (it names a person) or text (the default), or drop disclosure:"
                   if kind == "text" else "open-text items are the text role; declare this item key, sensitive or "
                                          "direct, or drop disclosure:")
            self.add(E.DISCLOSURE_FOR_TYPE, loc + ("disclosure",), name, item=name, type=kind, role=role, fix=fix)
        return role

    def choices_of(self, el: ElementSpec, loc: tuple, needs: bool) -> ChoiceList | None:
        if el.choices is None:
            if needs:
                self.add(E.NEEDS_CHOICES, loc, el.name, type=el.type, item=el.name)
            return None
        if not needs:
            return None  # already reported as a key that does not apply
        found = self.lists.get(el.choices)
        if found is None:
            listed = self.raw.get("choice_lists")
            if not (isinstance(listed, dict) and el.choices in listed):  # a broken list is reported where it is
                self.add(E.UNKNOWN_CHOICE_LIST, loc + ("choices",), el.name, item=el.name, list=el.choices,
                         close=did_you_mean(el.choices, self.lists))
        return found

    def with_module_rule(self, tree: Node | None, text: str | None) -> dict[str, Any]:
        """relevance/relevance_text of an element: its own rule, and its module's before it when there is one."""
        module_tree, module_text = self.module_rule
        if module_tree is None:
            return dict(relevance=tree, relevance_text=text)
        if tree is None or tree == module_tree:
            return dict(relevance=module_tree, relevance_text=module_text)
        both = BoolOp("and", module_tree, tree)
        return dict(relevance=both, relevance_text=str(both))

    def exclusive_of(self, el: ElementSpec, loc: tuple, choices: ChoiceList | None) -> tuple[int, ...]:
        """The exclusive codes of a multiple-choice item, each a code of its list, leaving others to combine."""
        if not el.exclusive or el.type != "multiple" or choices is None:
            return ()
        codes = choices.codes()
        for i, code in enumerate(el.exclusive):
            if code not in codes:
                self.add(E.EXCLUSIVE_CODE, loc + ("exclusive", i), el.name, item=el.name, code=code,
                         list=choices.name, codes=", ".join(map(str, codes)))
        if len(set(el.exclusive)) >= len(codes) - 1:
            self.add(E.EXCLUSIVE_ALL, loc + ("exclusive",), el.name, item=el.name, n=len(codes))
        return tuple(dict.fromkeys(el.exclusive))

    def missing_ok(self, codes: list[int], loc: tuple, item: str) -> None:
        for i, code in enumerate(codes):
            if code not in ITEM_MISSING_CODES:
                self.add(E.BAD_MISSING, loc + ("missing", i), item, item=item, code=code)

    def range_of(self, el: ElementSpec, loc: tuple) -> Range | None:
        if el.range is None or el.type not in NUMERIC_TYPES | {"date"}:
            return None
        bounds: dict[str, Any] = {}
        for side in ("min", "max"):
            v = getattr(el.range, side)
            if v is None:
                bounds[side] = None
            elif el.type == "date":
                if isinstance(v, str):
                    try:
                        v = dt.date.fromisoformat(v)
                    except ValueError:
                        v = None
                if not isinstance(v, dt.date):
                    self.add(E.RANGE_VALUE, loc + ("range", side), el.name, item=el.name,
                             detail=f"{side} must be an ISO date such as 2020-01-31, got {getattr(el.range, side)!r}")
                    return None
                bounds[side] = v
            elif isinstance(v, (int, float)) and not isinstance(v, bool):
                bounds[side] = v
            else:
                self.add(E.RANGE_VALUE, loc + ("range", side), el.name, item=el.name,
                         detail=f"{side} must be a number for a {el.type} item, got {v!r}")
                return None
        if bounds["min"] is not None and bounds["max"] is not None and bounds["min"] > bounds["max"]:
            self.add(E.RANGE_ORDER, loc + ("range",), el.name, item=el.name, min=bounds["min"], max=bounds["max"])
        as_text = {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in bounds.items()}
        return Range(as_text["min"], as_text["max"])

    # ---------------------------------------------------------------- skip logic
    def check_relevance(self, text: str, item: str, loc: tuple) -> Node | None:
        loc = loc + ("relevance",)
        try:
            tree = parse(text)
        except ExprError as exc:
            self.add(E.RELEVANCE_SYNTAX, loc, item, item=item, detail=f"{exc.message} (at character {exc.position + 1} "
                                                                       f"of {text!r})")
            return None
        ok = True
        for name in sorted(tree.names()):
            if name in self.defined:
                continue
            ok = False
            if name in self.broken:
                continue
            if name == item:
                self.add(E.RELEVANCE_SELF, loc, item, item=item)
            elif name in self.all_names:
                line, kind = self.all_names[name]
                if kind in ("grid", "note") and line < (line_of(self.raw, loc) or 0):
                    self.add(E.RELEVANCE_KIND, loc, item, item=item,
                             detail=f"{name!r} is a {kind}, which holds no answer",
                             fix="refer to one of its rows" if kind == "grid" else "refer to an item")
                else:  # item names hold no spaces, so "module <id>" names a module's own rule
                    later = E.MODULE_RELEVANCE_LATER if item.startswith("module ") else E.RELEVANCE_LATER
                    self.add(later, loc, item, item=item, name=name, line=line)
            else:
                self.add(E.RELEVANCE_UNKNOWN, loc, item, item=item, name=name, close=did_you_mean(name, self.defined))
        if ok:
            for detail, fix in self.kind_problems(tree):
                ok = False
                self.add(E.RELEVANCE_KIND, loc, item, item=item, detail=detail, fix=fix)
        return tree if ok else None

    def kind_problems(self, tree: Node) -> list[tuple[str, str]]:
        """Uses of earlier items that their type does not allow."""
        out: list[tuple[str, str]] = []
        for node in tree.walk():
            if isinstance(node, Selected):
                target = self.defined[node.item.name]
                if target.type != "multiple":
                    out.append((f"selected() needs a multiple-choice item, but {target.name!r} is {target.type}",
                                f"write {target.name} == {node.code}"))
                elif target.choices and node.code_text not in {str(c) for c in target.choices.codes()}:
                    out.append((f"{target.name!r} has no choice {node.code}",
                                f"its codes are {', '.join(map(str, target.choices.codes()))}"))
            if isinstance(node, (Compare, In, Arith, Neg)):
                for child in node.children():
                    if isinstance(child, Name) and self.defined[child.name].type == "multiple":
                        out.append((f"it uses multiple-choice item {child.name!r} as a value",
                                    f"test it with selected({child.name}, code) or answered({child.name})"))
            if isinstance(node, (Compare, In)):
                out.extend(self.literal_problems(node))
            out.extend(self.named_problems(node))
        return out

    def named_problems(self, node: Node) -> list[tuple[str, str]]:
        """An item whose choices have names (the form stores ``faculty``, not 3) can only be compared with
        codes, which the XLSForm turns into tests of names; arithmetic or a comparison with another expression
        has no XLSForm equivalent."""
        def named(side: Node) -> bool:
            target = self.defined.get(side.name) if isinstance(side, Name) else None
            return bool(target and target.type != "multiple" and target.choices and target.choices.named)

        if isinstance(node, (Arith, Neg)):
            return [(f"it computes with {child.name!r}, whose choices have names", "compare it with choice codes "
                     "(==, !=, <, <=, >, >=, in): the form stores the names, not numbers")
                    for child in node.children() if named(child)]
        if isinstance(node, Compare):
            return [(f"it compares {side.name!r}, whose choices have names, with {other}", "compare it with a "
                     "choice code: the form stores the names, and turns codes into names")
                    for side, other in ((node.left, node.right), (node.right, node.left))
                    if named(side) and not isinstance(other, (Num, Str))][:1]  # once per comparison
        return []

    def literal_problems(self, node: Compare | In) -> list[tuple[str, str]]:
        if isinstance(node, In):
            pairs = [(node.subject, v) for v in node.values]
        else:
            pairs = [(node.left, node.right), (node.right, node.left)]
        out = []
        for side, lit in pairs:
            if not isinstance(side, Name) or not isinstance(lit, (Num, Str)):
                continue
            target = self.defined[side.name]
            if isinstance(lit, Num) and lit.value in MISSING_CODES:
                out.append((f"it compares {side.name!r} with the missing code {lit}",
                            f"write missing({side.name}) or answered({side.name}) instead"))
            elif isinstance(lit, Str) and (target.is_numeric or target.is_choice):
                out.append((f"it compares {target.type} item {side.name!r} with the text {lit}",
                            "compare it with a number"))
            elif (isinstance(lit, Num) and target.choices is not None and target.type != "multiple"
                  and (isinstance(node, In) or node.op in ("==", "!="))
                  and lit.value not in target.choices.codes()):
                out.append((f"{side.name!r} has no choice code {lit}",
                            f"its codes are {', '.join(map(str, target.choices.codes()))}"))
        return out

    def check_columns(self, modules: list[Module]) -> None:
        """Multiple-choice columns ``item_code`` must not clash with other names nor be too long."""
        for m in modules:
            for item in m.items:
                if item.type != "multiple" or item.choices is None:
                    continue
                for code in item.choices.codes():
                    column = multiple_column(item.name, code)
                    if column in self.all_names:
                        line = self.all_names[column][0]
                        self.add(E.COLUMN_CLASH, at=line, item=column, name=column, column=column, owner=item.name)
                    if len(column) > MAX_NAME_LENGTH:
                        self.add(E.BAD_NAME, at=item.line, item=item.name, name=item.name,
                                 detail=f"gives the column {column!r}, longer than {MAX_NAME_LENGTH} characters")
