"""Synthetic survey for the benchmarks: 1,000,000 respondents in 200 strata and 5,000 PSUs.

Each stratum holds 25 PSUs of 200 respondents; weights vary by PSU and respondent; 20 numeric variables
(y1..y20, with PSU-level effects so design effects are realistic), 3 categorical ones (c1..c3, text codes) and a
binary outcome ``event`` for the logistic regression (logistic in y1..y5, its own seed 7, drawn after the rest
so the other columns do not depend on it). Deterministic (seed 20261123). Writes one parquet file that every
tool in bench_estimates.py reads.

    python3 bench/generate.py [--rows 1000000] [--out bench/data/synthetic.parquet]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

N_STRATA, N_PSU, N_NUMERIC = 200, 5000, 20


def generate(rows: int = 1_000_000, seed: int = 20261123) -> pd.DataFrame:
    """The synthetic sample as a DataFrame (stratum, psu, w, y1..y20, c1..c3, event)."""
    rng = np.random.default_rng(seed)
    psu = np.sort(rng.integers(0, N_PSU, rows)) if rows != 1_000_000 else np.repeat(np.arange(N_PSU), rows // N_PSU)
    stratum = psu // (N_PSU // N_STRATA)
    psu_effect = rng.normal(0, 1, N_PSU)[psu]
    weight = rng.uniform(50, 150, N_PSU)[psu] * rng.uniform(0.8, 1.25, rows)
    data: dict[str, np.ndarray] = {"stratum": stratum.astype(np.int32), "psu": psu.astype(np.int32), "w": weight}
    for j in range(1, N_NUMERIC + 1):
        data[f"y{j}"] = 10 * j + 0.3 * j * psu_effect + rng.normal(0, j, rows)
    levels = [["a", "b", "c"], ["low", "mid", "high", "top"], ["k1", "k2", "k3", "k4", "k5"]]
    for j, lv in enumerate(levels, start=1):
        p = np.linspace(1, 2, len(lv))
        data[f"c{j}"] = np.asarray(lv, dtype=object)[rng.choice(len(lv), rows, p=p / p.sum())]
    y = [data[f"y{j}"] for j in range(1, 6)]
    eta = -0.5 + 0.5 * (y[0] - 10) + 0.05 * (y[1] - 20) - 0.03 * (y[2] - 30) + 0.02 * (y[3] - 40) + 0.01 * (y[4] - 50)
    data["event"] = (np.random.default_rng(7).uniform(size=rows) < 1 / (1 + np.exp(-eta))).astype(float)
    return pd.DataFrame(data)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "data" / "synthetic.parquet")
    args = parser.parse_args()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    generate(args.rows).to_parquet(args.out, index=False)
    print(f"wrote {args.out} ({args.rows:,} rows)")


if __name__ == "__main__":
    main()
