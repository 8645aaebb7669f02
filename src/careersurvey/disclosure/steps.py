"""The record of what a treatment did: one :class:`Step` per treatment, in the order applied."""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Mapping


@dataclass(frozen=True, slots=True)
class Step:
    """One treatment applied to the file: its kind, the columns it touched, what it did in words and how many
    values it changed in each column."""

    kind: str
    columns: tuple[str, ...]
    detail: str
    changed: Mapping[str, int] = field(default_factory=dict)
    labels: Mapping[str, Mapping[int, str]] = field(default_factory=dict)  # new value labels of recoded columns

    def __post_init__(self) -> None:
        object.__setattr__(self, "changed", MappingProxyType(dict(self.changed)))
        object.__setattr__(self, "labels", MappingProxyType({k: MappingProxyType(dict(v)) for k, v in self.labels.items()}))

    @property
    def total_changed(self) -> int:
        return int(sum(self.changed.values()))

    def describe(self) -> str:
        """The step in one line: what was done, and how many values changed."""
        counts = ", ".join(f"{c}: {n:,}" for c, n in self.changed.items())
        return f"{self.kind} — {self.detail}" + (f" (values changed: {counts})" if counts else "")
