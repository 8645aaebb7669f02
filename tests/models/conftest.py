"""Fixtures for the model tests: the derived API samples of the extra R fixture."""

from __future__ import annotations

import pandas as pd
import pytest
from model_rcases import FIXTURES, read


@pytest.fixture(scope="session")
def apistrat() -> pd.DataFrame:
    return read(FIXTURES / "r-survey-extra" / "data" / "apistrat_x.csv")


@pytest.fixture(scope="session")
def apiclus1() -> pd.DataFrame:
    return read(FIXTURES / "r-survey-extra" / "data" / "apiclus1_x.csv")
