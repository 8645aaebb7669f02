"""The "glm" task of the benchmark: a design-based logistic regression with 5 predictors, careersurvey and svy.

Both fit ``event ~ y2 + y3 + y4 + y5 + y6`` (quasi)binomial on bench/generate.py's synthetic sample (the same
parquet file as the means), timed from the design build to coefficients with design-based SEs. svy is the
strongest Python peer (Rust core; it matches R's svyglm); samplics has no design-based GLM. The tasks are
registered in bench_estimates.py, which runs every tool in its own process and writes bench/RESULTS.md; this
script runs only the glm row and prints it:

    python3 bench/bench_glm.py [--repeat 3]
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

PREDICTORS = ["y2", "y3", "y4", "y5", "y6"]
FORMULA = "event ~ " + " + ".join(PREDICTORS)


def careersurvey_glm(df) -> tuple[np.ndarray, np.ndarray]:
    """Design build + svyglm-style logit fit; (coefficients, SEs) in the order Intercept, y2..y6."""
    import careersurvey as cs

    fit = cs.SurveyDesign(df, weights="w", strata="stratum", psu="psu").glm(FORMULA, family="binomial")
    return fit.params.to_numpy(), fit.bse.to_numpy()


def svy_glm(df) -> tuple[np.ndarray, np.ndarray]:
    """The same model in svy, on its native polars frame."""
    import svy

    sample = svy.Sample(df, svy.Design(stratum="stratum", psu="psu", wgt="w"))
    coefs = sample.glm.fit(y="event", x=PREDICTORS, family="binomial").fitted.coefs
    return np.array([float(c.est) for c in coefs]), np.array([float(c.se) for c in coefs])


def main() -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import bench_estimates

    bench_estimates.main(["--tasks", "glm", "--tools", "careersurvey,svy", *sys.argv[1:]])


if __name__ == "__main__":
    main()
