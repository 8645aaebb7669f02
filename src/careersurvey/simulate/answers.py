"""Answers to every item of a questionnaire for simulated respondents, from their latent traits.

The questionnaire drives everything: each item gets codes from its own choice list, numbers within its
range, routing from its relevance expression (evaluated with ``careersurvey.expr.evaluate`` on the answers
given so far, so skipped items hold -9), and missing codes only where the item allows them. An
``AnswerPlan`` says which items carry the simulated truth: population variables (role, sector, sex, ...),
scales driven by a latent trait, and the outcome items of the research questions. Items the plan does not
name still get plausible answers: rating items of a scale share a scale factor (so every scale has a
positive reliability), other items draw from fixed, seeded distributions. Vectorised per item.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Mapping

import numpy as np
import pandas as pd
from scipy import stats

from careersurvey.expr import evaluate
from careersurvey.questionnaire.model import (
    DONT_KNOW, MISSING_CODES, NOT_APPLICABLE, REFUSED, Grid, Item, Questionnaire, multiple_column,
)

__all__ = ["AnswerPlan", "Driver", "simulate_answers"]


@dataclass(frozen=True)
class Driver:
    """An item answered from a latent (standardised) population column: ``y* = weight * latent + noise``.

    ``weight`` in [-1, 1] is the correlation of y* with the latent; a negative weight makes agreement fall
    as the latent rises. ``shift`` moves the answers up (positive) or down on the latent scale; for an
    outcome given as a linear predictor (``logit=True``) the latent is taken as a logit: an answer lies above
    the midpoint of the list exactly when ``lp + shift + logistic noise > 0``, so the share answering
    "likely" or "agree" is the model's probability (neighbouring categories are 1.2 logits apart).
    """

    latent: str
    weight: float = 0.8
    shift: float = 0.0
    logit: bool = False


@dataclass(frozen=True)
class AnswerPlan:
    """Which items carry the simulated truth.

    ``population``: item -> (population column, {category: choice code}) for items copied from the
    population (role, sector, sex, region, degree, ...). ``numeric``: item -> population column for numbers
    copied (pay, age). ``drivers``: item or scale name -> Driver. Everything else is answered generically.
    """

    population: Mapping[str, tuple[str, Mapping[object, int]]] = field(default_factory=dict)
    numeric: Mapping[str, str] = field(default_factory=dict)
    drivers: Mapping[str, Driver] = field(default_factory=dict)
    refusal_rate: float = 0.02
    dont_know_rate: float = 0.04
    comment_rate: float = 0.08

    def __post_init__(self) -> None:
        for name in ("population", "numeric", "drivers"):
            object.__setattr__(self, name, MappingProxyType(dict(getattr(self, name))))


_COMMENTS = (
    "연구 과제 평가 기간이 너무 짧습니다.", "실패한 과제도 배울 점이 있다고 인정받았으면 합니다.",
    "Pay is far below what companies abroad offer.", "예산 집행 절차가 지나치게 복잡합니다.",
    "I would return if long-term funding were stable.", "행정 업무 때문에 연구 시간이 부족합니다.",
)


def _seed(*parts: object) -> int:
    """A stable seed from names (crc32), so an item's fixed distribution does not depend on item order."""
    return zlib.crc32("|".join(map(str, parts)).encode())


def _relevance(q: Questionnaire) -> dict[str, object]:
    """Item name -> routing tree (its own, or its grid's for a grid row)."""
    out: dict[str, object] = {}
    for m in q.modules:
        for e in m.elements:
            if isinstance(e, Grid):
                for row in e.items:
                    tree = row.relevance if row.relevance is not None else e.relevance
                    if tree is not None:
                        out[row.name] = tree
            elif isinstance(e, Item) and e.relevance is not None:
                out[e.name] = e.relevance
    return out


def _ordinal(ystar: np.ndarray, codes: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
    """Cut a standard-normal-ish y* into ordered codes with a unimodal, slightly agreeing distribution."""
    k = len(codes)
    cuts = stats.norm.ppf(np.linspace(0, 1, k + 1)[1:-1]) * 0.9 + rng.normal(0, 0.15)
    return np.asarray(codes)[np.searchsorted(np.sort(cuts), ystar)]


def _numbers(item: Item, n: int, rng: np.random.Generator) -> np.ndarray:
    """Numbers inside the item's range (beta-shaped), or gamma-shaped above its minimum when open."""
    lo = item.range.min if item.range is not None and isinstance(item.range.min, (int, float)) else 0.0
    hi = item.range.max if item.range is not None and isinstance(item.range.max, (int, float)) else None
    if hi is None:
        x = lo + rng.gamma(2.0, 10.0, n)
    else:
        x = lo + (hi - lo) * rng.beta(2.0, 3.0, n)
    return np.round(x) if item.type == "integer" else np.round(x, 1)


def _dates(item: Item, n: int, rng: np.random.Generator) -> np.ndarray:
    """Uniform dates (ISO text) inside the item's range, or 2015 to 2026 without one."""
    lo = pd.Timestamp(str(item.range.min)) if item.range is not None and item.range.min else pd.Timestamp("2015-01-01")
    hi = pd.Timestamp(str(item.range.max)) if item.range is not None and item.range.max else pd.Timestamp("2026-10-31")
    days = rng.integers(0, max(1, (hi - lo).days) + 1, n)
    return (lo + pd.to_timedelta(days, unit="D")).strftime("%Y-%m-%d").to_numpy(dtype=object)


def _answer_item(item: Item, persons: pd.DataFrame, plan: AnswerPlan, q: Questionnaire,
                 scale_factor: Mapping[str, np.ndarray], rng: np.random.Generator) -> dict[str, np.ndarray]:
    """The data columns of one item for every person: from the plan, a driver, its scale, or generic."""
    n = len(persons)
    if item.name in plan.population:
        col, mapping = plan.population[item.name]
        values = persons[col].astype(object).map(dict(mapping))
        if values.isna().any():
            bad = persons[col][values.isna()].iloc[0]
            raise ValueError(f"answer plan: item {item.name!r} has no code for population value {bad!r} (column "
                             f"{col!r}); add it to the item's mapping in the plan's population entry")
        codes = values.to_numpy(dtype=float)
        if item.type == "multiple":
            return {multiple_column(item.name, c): (codes == c).astype(float) for c in item.choices.codes()}
        return {item.name: codes}
    if item.name in plan.numeric:
        x = persons[plan.numeric[item.name]].to_numpy(dtype=float)
        if item.range is not None and isinstance(item.range.min, (int, float)):
            x = np.maximum(x, item.range.min)
        if item.range is not None and isinstance(item.range.max, (int, float)):
            x = np.minimum(x, item.range.max)
        return {item.name: np.round(x) if item.type == "integer" else np.round(x, 1)}
    driver = plan.drivers.get(item.name) or (plan.drivers.get(item.scale) if item.scale else None)
    if item.type in ("single", "rating") and item.choices is not None:
        codes = item.choices.codes()
        if driver is not None:
            lat = persons[driver.latent].to_numpy(dtype=float)
            if driver.logit:  # y* = lp + logistic noise; answers above the midpoint exactly when y* > 0
                ystar = lat + driver.shift + rng.logistic(0, 1, n)
                k = len(codes)
                cuts = (np.arange(k - 1) - ((k + 1) // 2 - 1)) * 1.2
                return {item.name: np.asarray(codes, dtype=float)[np.searchsorted(cuts, ystar)]}
            else:
                w = float(np.clip(driver.weight, -0.99, 0.99))
                z = (lat - lat.mean()) / (lat.std() or 1.0)
                ystar = w * z + np.sqrt(1 - w**2) * rng.standard_normal(n) + driver.shift
        elif item.scale in scale_factor:
            ystar = 0.75 * scale_factor[item.scale] + np.sqrt(1 - 0.75**2) * rng.standard_normal(n)
        elif item.type == "rating":
            ystar = rng.standard_normal(n)
        else:  # nominal: fixed, seeded category probabilities per item
            probs = np.random.default_rng(_seed(q.key, item.name)).dirichlet(np.full(len(codes), 2.0))
            return {item.name: rng.choice(np.asarray(codes, dtype=float), size=n, p=probs)}
        if item.reverse and item.name not in plan.drivers:  # keyed against its scale's latent
            ystar = -ystar
        return {item.name: _ordinal(ystar, codes, rng).astype(float)}
    if item.type == "multiple" and item.choices is not None:
        codes = item.choices.codes()
        p = np.random.default_rng(_seed(q.key, item.name)).uniform(0.1, 0.5, len(codes))
        picks = rng.random((n, len(codes))) < p
        none = ~picks.any(axis=1)
        picks[none, rng.integers(0, len(codes), none.sum())] = True  # at least one choice
        return {multiple_column(item.name, c): picks[:, j].astype(float) for j, c in enumerate(codes)}
    if item.type in ("integer", "decimal"):
        return {item.name: _numbers(item, n, rng)}
    if item.type == "date":
        return {item.name: _dates(item, n, rng)}
    texts = np.asarray(_COMMENTS, dtype=object)[rng.integers(0, len(_COMMENTS), n)]
    return {item.name: np.where(rng.random(n) < plan.comment_rate, texts, None)}


def simulate_answers(
    q: Questionnaire, persons: pd.DataFrame, plan: AnswerPlan, seed: int = 3
) -> pd.DataFrame:
    """One row per person, one column per data column of ``q`` (codes; -9 where routing skips; -7/-8
    where the item allows them), in questionnaire order."""
    rng = np.random.default_rng(seed)
    n = len(persons)
    persons = persons.reset_index(drop=True)
    routes = _relevance(q)
    scale_factor = {name: rng.standard_normal(n) for name in q.scales}
    cols: dict[str, np.ndarray] = {}
    for item in q.items:
        answers = _answer_item(item, persons, plan, q, scale_factor, rng)
        missing_ok = set(item.missing)
        fixed = item.name in plan.population  # copied frame variables; numbers (pay) may be refused
        if not fixed and missing_ok & {REFUSED, DONT_KNOW}:
            u = rng.random(n)
            code = np.where(u < plan.refusal_rate * (3 if item.sensitive else 1), REFUSED,
                            np.where(u > 1 - plan.dont_know_rate, DONT_KNOW, 0))
            if REFUSED not in missing_ok:
                code = np.where(code == REFUSED, 0, code)
            if DONT_KNOW not in missing_ok:
                code = np.where(code == DONT_KNOW, 0, code)
            for c, v in answers.items():
                answers[c] = v if item.type in ("text", "date") else np.where(code != 0, code, v)
        tree = routes.get(item.name)
        if tree is not None:
            asked = evaluate(tree, pd.DataFrame(cols, copy=False), missing_codes=MISSING_CODES)
            skipped = None if item.type in ("text", "date") else NOT_APPLICABLE
            for c, v in answers.items():
                answers[c] = np.where(asked, v, skipped)
        cols.update(answers)
    out = pd.DataFrame(cols)
    return out[list(q.columns())]
