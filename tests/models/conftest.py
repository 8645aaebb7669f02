"""Fixtures for the model tests: the derived API samples of the extra R fixture (R's own checks of the
models, case by case, run in tests/design/test_design_r_reference.py)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

DATA = Path(__file__).resolve().parents[1] / "fixtures" / "r-survey-extra" / "data"


def _read(name: str) -> pd.DataFrame:
    return pd.read_csv(DATA / name, keep_default_na=False, na_values=["NA", ""])


@pytest.fixture(scope="session")
def apistrat() -> pd.DataFrame:
    return _read("apistrat_x.csv")


@pytest.fixture(scope="session")
def apiclus1() -> pd.DataFrame:
    return _read("apiclus1_x.csv")
