"""Shared test settings: a hypothesis profile sized for a small shared CI machine."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "default", max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("thorough", max_examples=2000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


def pytest_xdist_auto_num_workers(config) -> int:
    """``-n auto`` (pyproject.toml): two workers, or the cores there are if fewer. More would not help the suite
    (its longest tests are single ones: the demo, the Spark group) and would multiply memory."""
    return max(1, min(2, os.cpu_count() or 1))
