"""The line-tracking YAML reader: lines of keys and list entries, duplicate keys, safe loading only."""

from __future__ import annotations

import pytest
import yaml

from careersurvey.questionnaire.yamlsource import LineDict, LineList, line_of, load_yaml

TEXT = """\
id: x
modules:
  - id: m1
    items:
      - {name: a, type: note}
      - name: b
        label: {ko: 가, en: B}
"""


def test_lines_of_keys_and_entries() -> None:
    data, duplicates = load_yaml(TEXT)
    assert duplicates == []
    assert isinstance(data, LineDict) and isinstance(data["modules"], LineList)
    assert data == {"id": "x", "modules": [{"id": "m1", "items": [{"name": "a", "type": "note"},
                                                                   {"name": "b", "label": {"ko": "가", "en": "B"}}]}]}
    assert line_of(data, ("id",)) == 1
    assert line_of(data, ("modules", 0, "items", 0)) == 5
    assert line_of(data, ("modules", 0, "items", 1, "label", "en")) == 7
    assert line_of(data, ("modules", 0, "items", 1, "nope")) == 6  # deepest existing node
    assert line_of(data, ()) == 1


def test_duplicate_keys_are_reported_not_dropped() -> None:
    _, duplicates = load_yaml("a: 1\nb: 2\na: 3\n")
    assert [(d.key, d.line, d.first) for d in duplicates] == [("a", 3, 1)]


def test_only_safe_yaml() -> None:
    with pytest.raises(yaml.YAMLError):
        load_yaml("x: !!python/object/apply:os.system ['echo hi']\n")
