"""Fixtures for the model tests: the derived API samples of the extra R fixture (R's own checks of the
models, case by case, run in tests/design/test_design_r_reference.py)."""

from __future__ import annotations

import pandas as pd
import pytest
from rcases import load_data


def _read(name: str) -> pd.DataFrame:
    return load_data("r-survey-extra", name)


@pytest.fixture(scope="session")
def apistrat() -> pd.DataFrame:
    return _read("apistrat_x.csv")


@pytest.fixture(scope="session")
def apiclus1() -> pd.DataFrame:
    return _read("apiclus1_x.csv")
