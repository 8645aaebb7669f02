"""Loader checks of scales: items exist and can be scored, reverse keying agrees everywhere (a loader mixin).

Scale membership may be written on the scale (``items:``, ``reverse:``) and on the item (``scale:``,
``reverse:``); both are allowed, and must agree. The resulting items carry their scale and reverse flag.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from careersurvey.questionnaire.errors import ErrorCode as E
from careersurvey.questionnaire.names import did_you_mean
from careersurvey.questionnaire.model import Grid, Item, Module, Scale
from careersurvey.questionnaire.spec import ScaleSpec

SCALE_TYPES = frozenset({"rating", "single", "integer"})


class ScaleChecks:
    """Mixin of ``_Loader``: uses its ``raw``, ``add``, ``piece``, ``text_ok``, ``name_ok``, ``declared_reverse``."""

    raw: Any
    declared_reverse: dict[str, bool | None]
    broken: set[str]

    def check_scales(self, modules: tuple[Module, ...]) -> tuple[tuple[Module, ...], dict[str, Scale]]:
        items = {i.name: i for m in modules for i in m.items}
        raw = self.raw.get("scales") if isinstance(self.raw.get("scales"), dict) else {}
        specs: dict[str, ScaleSpec] = {}
        scales: dict[str, Scale] = {}
        member: dict[str, list[str]] = {}
        reversed_in: dict[str, list[str]] = {}
        for name, raw_scale in raw.items():
            spec = self.piece(ScaleSpec, raw_scale)
            if spec is None or not isinstance(name, str):
                continue
            specs[name] = spec
            scales[name] = self.check_scale(name, spec, items)
            for it in spec.items:
                member.setdefault(it, []).append(name)
            for it in spec.reverse:
                reversed_in.setdefault(it, []).append(name)
        updated: dict[str, Item] = {}
        for name, item in items.items():
            loc_line = item.line
            in_scales = list(member.get(name, []))
            if item.scale is not None:
                if item.scale not in raw:
                    self.add(E.UNKNOWN_SCALE, at=loc_line, who=name, scale=item.scale, close=did_you_mean(item.scale, raw))
                elif item.scale in specs and name not in specs[item.scale].items:
                    self.add(E.SCALE_CONFLICT, at=loc_line, who=name,
                             detail=f"scale: {item.scale}, but scale {item.scale!r} does not list it under items:")
            declared = self.declared_reverse.get(name)
            if declared:
                if not in_scales and item.scale is None:
                    self.add(E.REVERSE_NOT_IN_SCALE, at=loc_line, who=name)
                for s in in_scales:
                    if name not in specs[s].reverse:
                        self.add(E.SCALE_CONFLICT, at=loc_line, who=name,
                                 detail=f"reverse: true, but scale {s!r} does not list it under reverse:")
            elif declared is False:
                for s in reversed_in.get(name, []):
                    self.add(E.SCALE_CONFLICT, at=loc_line, who=name,
                             detail=f"reverse: false, but scale {s!r} lists it under reverse:")
            scale = item.scale or (in_scales[0] if in_scales else None)
            reverse = bool(declared) or bool(reversed_in.get(name))
            if scale != item.scale or reverse != item.reverse:
                updated[name] = dataclasses.replace(item, scale=scale, reverse=reverse)
        return tuple(_replace_items(m, updated) for m in modules), scales

    def check_scale(self, name: str, spec: ScaleSpec, items: dict[str, Item]) -> Scale:
        loc = ("scales", name)
        self.name_ok(name, loc, None)
        if name in items:
            self.add(E.DUPLICATE_NAME, loc, name=name, first=items[name].line)
        self.text_ok(spec.label, f"the label of scale {name!r}", loc + ("label",))
        code_sets: dict[tuple[int, ...], str] = {}
        for i, it in enumerate(spec.items):
            target = items.get(it)
            if target is None and it in self.broken:
                continue
            if target is None:
                self.add(E.SCALE_UNKNOWN_ITEM, loc + ("items", i), scale=name, item=it, close=did_you_mean(it, items))
            elif target.type not in SCALE_TYPES:
                self.add(E.SCALE_ITEM_TYPE, loc + ("items", i), scale=name, item=it, type=target.type)
            elif target.choices is not None:
                code_sets.setdefault(tuple(sorted(target.choices.codes())), target.choices.name)
        for i, it in enumerate(spec.reverse):
            if it not in spec.items:
                self.add(E.SCALE_REVERSE_NOT_ITEM, loc + ("reverse", i), scale=name, item=it)
        if spec.scoring.min_answered > len(spec.items):
            self.add(E.SCALE_MIN_ANSWERED, loc + ("scoring",), scale=name, min_answered=spec.scoring.min_answered,
                     n=len(spec.items))
        if len(code_sets) > 1:
            self.add(E.SCALE_POINTS, loc + ("items",), scale=name, lists=", ".join(sorted(code_sets.values())))
        points = None
        if len(code_sets) == 1:
            codes = next(iter(code_sets))
            points = (min(codes), max(codes))
        return Scale(
            name=name, label=spec.label, items=tuple(spec.items), reverse=tuple(spec.reverse),
            method=spec.scoring.method, min_answered=spec.scoring.min_answered, points=points,
            construct=spec.construct_, anchor=spec.anchor,
        )


def _replace_items(module: Module, updated: dict[str, Item]) -> Module:
    if not updated:
        return module
    elements = []
    for e in module.elements:
        if isinstance(e, Item):
            elements.append(updated.get(e.name, e))
        elif isinstance(e, Grid):
            elements.append(dataclasses.replace(e, items=tuple(updated.get(i.name, i) for i in e.items)))
        else:
            elements.append(e)
    return dataclasses.replace(module, elements=tuple(elements))
