"""Benchmark row: a design-based logistic regression with 5 predictors, careersurvey against svy.

Same data for both (bench/generate.py's synthetic sample: 1,000,000 respondents, 200 strata, 5,000 PSUs,
plus a binary outcome made here from y1..y5 with a fixed seed), each tool timed from its design build to a
fitted model with design-based SEs, each in its own fresh process so that peak memory (max RSS above the
loaded data) is its own. svy gets its native polars frame (conversion not timed). The coefficients and SEs
of the two are compared too. svy is the strongest Python peer (Rust core; it matches R's svyglm).

    python3 bench/bench_glm.py [--rows 1000000] [--repeat 3]      # prints the row, writes bench/RESULTS_glm.md
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
PREDICTORS = ["y2", "y3", "y4", "y5", "y6"]
FORMULA = "event ~ " + " + ".join(PREDICTORS)


def load(rows: int):
    """The synthetic sample with a binary outcome (logistic in y1..y5 plus noise, seed 7)."""
    import pandas as pd

    sys.path.insert(0, str(HERE))
    from generate import generate

    cached = HERE / "data" / "synthetic.parquet"
    cols = ["stratum", "psu", "w", "y1", *PREDICTORS]
    df = pd.read_parquet(cached, columns=cols) if rows == 1_000_000 and cached.exists() else generate(rows)[cols]
    eta = (-0.5 + 0.5 * (df.y1 - 10) + 0.05 * (df.y2 - 20) - 0.03 * (df.y3 - 30) + 0.02 * (df.y4 - 40)
           + 0.01 * (df.y5 - 50))
    rng = np.random.default_rng(7)
    df["event"] = (rng.uniform(size=len(df)) < 1 / (1 + np.exp(-eta))).astype(float)
    return df


def _careersurvey(df) -> tuple[list, list]:
    import careersurvey as cs

    fit = cs.SurveyDesign(df, weights="w", strata="stratum", psu="psu").glm(FORMULA, family="binomial")
    return fit.params.tolist(), fit.bse.tolist()


def _svy(df) -> tuple[list, list]:
    import polars as pl
    import svy

    data = df if isinstance(df, pl.DataFrame) else pl.from_pandas(df)
    sample = svy.Sample(data, svy.Design(stratum="stratum", psu="psu", wgt="w"))
    coefs = sample.glm.fit(y="event", x=PREDICTORS, family="binomial").fitted.coefs
    return [float(c.est) for c in coefs], [float(c.se) for c in coefs]


def _warm(tool: str) -> None:
    """Import everything a tool needs (and fit a tiny model) so that import time is not counted."""
    small = load(2_000)
    (_careersurvey if tool == "careersurvey" else _svy)(small)


def child(tool: str, rows: int, repeat: int) -> dict:
    _warm(tool)
    df = load(rows)
    if tool == "svy":  # svy's native input: the conversion from pandas is not timed
        import polars as pl

        df = pl.from_pandas(df)
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    fn = _careersurvey if tool == "careersurvey" else _svy
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        est, se = fn(df)
        times.append(time.perf_counter() - t0)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base
    return {"tool": tool, "seconds": min(times), "all": times, "peak_mb": peak / 1024, "est": est, "se": se}


def run(rows: int = 1_000_000, repeat: int = 3) -> dict:
    """Both tools in fresh processes; returns the row (times, ratio, memory, max coefficient difference)."""
    out = {}
    for tool in ("careersurvey", "svy"):
        proc = subprocess.run([sys.executable, __file__, "--child", tool, "--rows", str(rows), "--repeat",
                               str(repeat)], capture_output=True, text=True, check=True)
        out[tool] = json.loads(proc.stdout.strip().splitlines()[-1])
    a, b = out["careersurvey"], out["svy"]
    return {
        "task": f"logit glm, 5 predictors ({rows:,} rows, design build + fit + SEs)",
        "careersurvey_s": a["seconds"], "svy_s": b["seconds"], "speedup_vs_svy": b["seconds"] / a["seconds"],
        "careersurvey_peak_mb": a["peak_mb"], "svy_peak_mb": b["peak_mb"],
        "max_rel_diff_coef": float(np.max(np.abs(np.array(a["est"]) / np.array(b["est"]) - 1))),
        "max_rel_diff_se": float(np.max(np.abs(np.array(a["se"]) / np.array(b["se"]) - 1))),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--child", choices=["careersurvey", "svy"])
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.rows, args.repeat)))
        return
    row = run(args.rows, args.repeat)
    lines = [
        "| task | careersurvey (s) | svy (s) | svy / careersurvey | peak MB careersurvey | peak MB svy | "
        "max rel. diff coef / SE |",
        "|---|---|---|---|---|---|---|",
        f"| {row['task']} | {row['careersurvey_s']:.2f} | {row['svy_s']:.2f} | {row['speedup_vs_svy']:.2f}x | "
        f"{row['careersurvey_peak_mb']:.0f} | {row['svy_peak_mb']:.0f} | "
        f"{row['max_rel_diff_coef']:.1e} / {row['max_rel_diff_se']:.1e} |",
    ]
    print("\n".join(lines))
    (HERE / "RESULTS_glm.md").write_text("# Design-based logistic regression vs svy\n\n"
                                         "Best of repeated runs, each tool in a fresh process "
                                         "(`python3 bench/bench_glm.py`).\n\n" + "\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
