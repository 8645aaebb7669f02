"""Calibration to estimated totals: targets that carry their own standard errors (e.g. from another survey).

On a replicate design the targets are perturbed replicate by replicate so that the replicate variance of the
targets equals their stated variance (Fuller 2002; Dever and Valliant 2010): replicate r of the first q gets
target T_j + se_j / sqrt(scale * rscale_r) for its own target j, the others keep T. The calibrated estimate of
a calibration variable then has the target's variance, and every estimate gains B' V_T B through its
regression on the calibration variables. On a linearisation design that term is
``CalibrationStep.extra_variance(z)``, which ``SurveyDesign.variance`` adds to the variance of the residuals.
"""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np

from careersurvey.estimation.weighting.errors import WeightingError
from careersurvey.estimation.weighting.margins import CalibrationModel, level_key


def column_se(model: CalibrationModel, names: list[str], target_se: Mapping[Any, Any]) -> np.ndarray:
    """Standard errors (p,) of the model-matrix columns' targets from ``{var: {level: se}}``/``{var: se}``."""
    se = np.zeros(len(names))
    position = {n: i for i, n in enumerate(names)}
    dropped = {m.labels()[0]: m.name for k, m in enumerate(model.margins) if k > 0}
    for var, value in target_se.items():
        items = ([(f"{var if isinstance(var, str) else ' x '.join(var)}={level_key(lv)}", s)
                  for lv, s in value.items()] if isinstance(value, Mapping) else [(str(var), value)])
        for label, s in items:
            if label in dropped:
                raise WeightingError(
                    f"target_se for {label}: the first level of margin {dropped[label]!r} is implied by the "
                    f"other margins' totals (margins must sum to the same population), so it cannot carry its "
                    f"own error; give SEs for the other levels, or list this margin first")
            if label not in position:
                raise WeightingError(f"target_se for {label}: there is no such calibration target; targets are "
                                     f"{', '.join(names)}")
            s = float(s)
            if not np.isfinite(s) or s < 0:
                raise WeightingError(f"target_se for {label}: {s} is not a non-negative number")
            se[position[label]] = s
    return se


def perturbed_targets(targets: np.ndarray, se: np.ndarray, scale: float, rscales: np.ndarray) -> np.ndarray:
    """Replicate targets (p, R): the j-th target with an SE moves in one replicate of its own."""
    r = len(rscales)
    out = np.repeat(targets[:, None], r, axis=1)
    carriers = np.flatnonzero(rscales > 0)
    need = np.flatnonzero(se > 0)
    if len(need) > len(carriers):
        raise WeightingError(f"{len(need)} targets have standard errors but the design has only "
                             f"{len(carriers)} replicates with positive rscale; use more replicates")
    for j, r_idx in zip(need, carriers):
        out[j, r_idx] += se[j] / np.sqrt(scale * rscales[r_idx])
    return out
