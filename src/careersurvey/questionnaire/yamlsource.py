"""Read YAML while remembering the line of every key and list entry, so errors can name their line.

``load_yaml`` returns plain data whose mappings are ``LineDict`` and lists ``LineList``: ordinary ``dict`` and
``list`` (pydantic and the rest of the code see nothing special) that also carry ``line`` (where the node
starts) and ``lines`` (key or index -> line, 1-based). Keys that appear twice are reported rather than
silently overwritten, as plain PyYAML does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

import yaml


class LineDict(dict):
    """A mapping from YAML with the line of each key."""

    line: int = 0
    lines: dict[Any, int]


class LineList(list):
    """A sequence from YAML with the line of each entry."""

    line: int = 0
    lines: dict[int, int]


@dataclass(frozen=True, slots=True)
class DuplicateKey:
    key: Any
    line: int
    first: int
    where: tuple[Any, ...]


_SafeBase = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's parser when present: ~5x faster


class _Loader(_SafeBase):  # type: ignore[misc, valid-type]
    """SafeLoader (no arbitrary objects) that builds LineDict/LineList and notes duplicate keys."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.duplicates: list[DuplicateKey] = []

    def construct_line_mapping(self, node: yaml.MappingNode) -> LineDict:
        self.flatten_mapping(node)
        out = LineDict()
        out.line = node.start_mark.line + 1
        out.lines = {}
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=True)
            line = key_node.start_mark.line + 1
            if key in out.lines:
                self.duplicates.append(DuplicateKey(key, line, out.lines[key], ()))
            out[key] = self.construct_object(value_node, deep=True)
            out.lines[key] = line
        return out

    def construct_line_sequence(self, node: yaml.SequenceNode) -> LineList:
        out = LineList(self.construct_object(child, deep=True) for child in node.value)
        out.line = node.start_mark.line + 1
        out.lines = {i: child.start_mark.line + 1 for i, child in enumerate(node.value)}
        return out


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _Loader.construct_line_mapping)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _Loader.construct_line_sequence)


def load_yaml(text: str) -> tuple[Any, list[DuplicateKey]]:
    """Parse YAML text into line-tracking data; also return the keys that were given twice.

    Raises ``yaml.YAMLError`` (with ``problem_mark``) on malformed YAML.
    """
    loader = _Loader(text)
    try:
        data = loader.get_single_data()
    finally:
        loader.dispose()
    return data, loader.duplicates


def line_of(data: Any, path: Iterable[Any]) -> int | None:
    """The line of the deepest node along ``path`` (keys and list indices) that exists in ``data``."""
    line = getattr(data, "line", None) or None
    node = data
    for step in path:
        lines = getattr(node, "lines", None)
        if lines is None or step not in lines:
            break
        line = lines[step]
        try:
            node = node[step]
        except (KeyError, IndexError, TypeError):
            break
    return line
