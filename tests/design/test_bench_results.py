"""bench/bench_estimates.py writes only its own section of the shared bench/RESULTS.md, and states targets."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench"


def _bench():
    sys.path.insert(0, str(BENCH))
    try:
        spec = importlib.util.spec_from_file_location("bench_estimates", BENCH / "bench_estimates.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(str(BENCH))


def test_write_section_keeps_other_benchmarks_sections(tmp_path, monkeypatch):
    bench = _bench()
    results = tmp_path / "RESULTS.md"
    results.write_text("# old unmarked estimates text\n\n<!-- weighting -->\nraking table\n<!-- /weighting -->\n\n"
                       "<!-- import -->\nimport table\n<!-- /import -->\n")
    monkeypatch.setattr(bench, "RESULTS", results)
    bench.write_section("# new estimates\n")
    bench.write_section("# newer estimates\n")  # twice: replaced, not appended
    text = results.read_text()
    assert text == ("<!-- estimates -->\n# newer estimates\n<!-- /estimates -->\n\n"
                    "<!-- weighting -->\nraking table\n<!-- /weighting -->\n\n"
                    "<!-- import -->\nimport table\n<!-- /import -->\n")


def test_targets_are_judged_from_the_numbers():
    bench = _bench()
    task = {"seconds": 1.0, "peak_mb": 100.0}
    results = {"careersurvey": {"tasks": {"20 means": {**task, "seconds": 0.4}, "glm": {**task, "seconds": 1.2},
                                          "1 mean": {**task, "peak_mb": 101.0}}},
               "svy": {"tasks": {"20 means": task, "glm": task, "1 mean": task}}}
    assert bench._targets(results) == [
        "Targets:", "",
        "- 20 means at least 2x faster than svy: 2.50x (met)",
        "- glm no slower than svy: 0.83x (NOT met)",
        "- peak memory no more than svy's in every task: worst 1.01x of svy's (NOT met)",
    ]
