"""Means by domains (``by=``): a linearised design of 1,000,000 rows and a 50-replicate JKn design of 200,000 rows.

Each task runs in its own process (as bench_estimates.py does): the design is built untimed, then the best of
``--repeat`` calls of ``d.mean(["y1", "y2", "y3"], by=g)`` is timed, with the process's peak resident memory.
The domain variables cut across strata and PSUs: ``g20`` and ``g200`` are the row number times 7919 modulo 20
and 200. The replicate design puts bench/generate.py's 200,000-row sample in 25 strata of 2 PSUs (its PSUs
pooled by hundreds), so JKn gives 50 replicates.

    python3 bench/bench_by.py [--repeat 3] [--tasks lin20,lin200,rep20,rep200] [--label after]
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
TASKS = {"lin20": ("linearised", 1_000_000, 20), "lin200": ("linearised", 1_000_000, 200),
         "rep20": ("JKn, 50 replicates", 200_000, 20), "rep200": ("JKn, 50 replicates", 200_000, 200)}
VARIABLES = ["y1", "y2", "y3"]


def design(task: str):
    import careersurvey as cs
    from generate import generate

    kind, rows, _ = TASKS[task]
    df = generate(rows)
    row = np.arange(rows, dtype=np.int64) * 7919
    df["g20"], df["g200"] = row % 20, row % 200
    if kind == "linearised":
        return cs.SurveyDesign(df, weights="w", strata="stratum", psu="psu")
    df["s25"], df["p50"] = df["psu"] // 200, df["psu"] // 100
    return cs.SurveyDesign(df, weights="w", strata="s25", psu="p50").replicate("JKn")


def child(task: str, repeat: int) -> dict:
    sys.path.insert(0, str(HERE))
    d = design(task)
    by = f"g{TASKS[task][2]}"
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        out = d.mean(VARIABLES, by=by)
        best = min(best, time.perf_counter() - t)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"seconds": best, "peak_mb": peak, "rows": len(out), "se_sum": float(out["se"].sum())}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--tasks", default=",".join(TASKS))
    ap.add_argument("--label", default="")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.repeat)))
        return
    for task in args.tasks.split(","):
        proc = subprocess.run([sys.executable, __file__, "--child", task, "--repeat", str(args.repeat)],
                              capture_output=True, text=True, check=True)
        r = json.loads(proc.stdout.strip().splitlines()[-1])
        kind, rows, groups = TASKS[task]
        print(f"{args.label}\t{task}\t{kind}\t{rows}\t{groups}\t{r['seconds']:.3f}\t{r['peak_mb']:.0f}\t"
              f"{r['rows']}\t{r['se_sum']:.12g}", flush=True)


if __name__ == "__main__":
    main()
