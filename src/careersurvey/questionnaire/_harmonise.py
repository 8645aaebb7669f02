"""Loader checks of ``harmonise:``: how answers given to an earlier version are read as this version's items.

A released questionnaire may rename an item whose meaning allows its old answers to be pooled with the new ones
(``pay_gross: pay_exact``). The mapping is data, declared in the newer file; the response store applies it when
it loads rows of the earlier version (``careersurvey.responses.dataset``). Items of the same name in both
versions are carried over without a mapping; every other item of this version reads as -6 (not asked) for rows
of the earlier version.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Any, Mapping

from careersurvey.questionnaire.errors import ErrorCode as E
from careersurvey.questionnaire.model import Module
from careersurvey.questionnaire.names import SEMVER_RE, did_you_mean, name_problem, version_key
from careersurvey.questionnaire.spec import HarmoniseSpec


class HarmoniseChecks:
    """Mixin of ``_Loader``: uses its ``raw``, ``add`` and ``piece``."""

    raw: Any

    def check_harmonise(self, modules: tuple[Module, ...], version: Any) -> Mapping[str, Mapping[str, str]]:
        raw = self.raw.get("harmonise")
        if not isinstance(raw, list):
            return MappingProxyType({})
        items = {i.name: i for m in modules for i in m.items}
        out: dict[str, Mapping[str, str]] = {}
        for k, entry in enumerate(raw):
            spec = self.piece(HarmoniseSpec, entry)
            if spec is None:
                continue
            loc = ("harmonise", k, "from")
            old = spec.from_
            if not SEMVER_RE.fullmatch(old):
                self.add(E.HARMONISE_VERSION, loc, version=old, detail="is not a semantic version")
                continue
            if isinstance(version, str) and SEMVER_RE.fullmatch(version) and \
                    version_key(old) >= version_key(version):
                self.add(E.HARMONISE_VERSION, loc, version=old, detail=f"is not earlier than this version {version}")
                continue
            if old in out:
                self.add(E.HARMONISE_VERSION, loc, version=old, detail="is listed twice")
                continue
            for new, source in spec.items.items():
                where = ("harmonise", k, "items", new)
                item = items.get(new)
                if item is None:
                    self.add(E.HARMONISE_ITEM, where, version=old, item=new,
                             detail="is not an item of this questionnaire",
                             fix="list this version's items on the left" + did_you_mean(new, items))
                elif item.type == "multiple":
                    self.add(E.HARMONISE_ITEM, where, new, version=old, item=new,
                             detail="is a multiple-choice item", fix="map single, rating or number items only")
                elif source == new:
                    self.add(E.HARMONISE_ITEM, where, new, version=old, item=new, detail="is mapped to itself",
                             fix="drop it: an item of the same name is carried over without a mapping")
                elif name_problem(str(source)) is not None:
                    self.add(E.HARMONISE_ITEM, where, new, version=old, item=new,
                             detail=f"is mapped to {source!r}, which is not an item name",
                             fix="name the item of version " + old + " whose answers it takes")
            out[old] = MappingProxyType(dict(spec.items))
        return MappingProxyType(out)
