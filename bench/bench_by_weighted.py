"""``by=`` on weighted and replicate designs: the slow paths left after the grouped pass (#20).

Tasks, each in its own process (the design built untimed, then the best of ``--repeat`` calls timed, with the
process's peak resident memory):

- ``raked200``: bench/generate.py's 1,000,000 rows (200 strata, 5,000 PSUs) raked on c1 and c2,
  ``d.mean(["y1", "y2", "y3"], by=g200)``;
- ``calibrated200``: the same rows calibrated (linear) on c1 and the total of y4, the same call;
- ``rep-quantile200``, ``rep-var200``, ``rep-ttest200``: the 200,000-row JKn design of bench_by.py (25 strata
  of 2 PSUs, 50 replicates), ``d.quantile("y1", [0.25, 0.5], by=g200)``, ``d.var(["y1", "y2"], by=g200)``,
  ``d.ttest("y1 ~ c2", by=g200)`` (c2 recoded to two groups).

The domain variable ``g200`` is the row number times 7919 modulo 200 (it cuts across strata and PSUs).

    python3 bench/bench_by_weighted.py [--repeat 3] [--tasks ...] [--before OLD/src] [--before-commit C] [--write]

``--write`` replaces the ``<!-- by-weighted -->`` section of bench/RESULTS.md with the tasks of this run only.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
TASKS = {"raked200": ("linearised, raked on c1 and c2", 1_000_000, 200),
         "calibrated200": ("linearised, calibrated (linear) on c1 and total of y4", 1_000_000, 200),
         "rep-quantile200": ("JKn (50), quantile 0.25 and 0.5 of y1", 200_000, 200),
         "rep-var200": ("JKn (50), var of y1, y2", 200_000, 200),
         "rep-ttest200": ("JKn (50), ttest y1 ~ two groups", 200_000, 200)}


def design(task: str):
    import careersurvey as cs
    from generate import generate

    _, rows, _ = TASKS[task]
    df = generate(rows)
    df["g200"] = np.arange(rows, dtype=np.int64) * 7919 % 200
    if task.startswith("rep-"):
        df["s25"], df["p50"] = df["psu"] // 200, df["psu"] // 100
        df["two"] = np.where(df["c2"].isin(["low", "mid"]), "lower", "upper")
        return cs.SurveyDesign(df, weights="w", strata="s25", psu="p50").replicate("JKn")
    d = cs.SurveyDesign(df, weights="w", strata="stratum", psu="psu")
    pop = d.w.sum() * 1.1
    shares = {"a": 0.3, "b": 0.33, "c": 0.37}
    c1 = {k: v * pop for k, v in shares.items()}
    if task == "raked200":
        return d.rake({"c1": c1, "c2": {k: pop / 4 for k in ["low", "mid", "high", "top"]}})
    return d.calibrate({"c1": c1, "y4": float((d.w * df["y4"]).sum() * 1.1)})


def call(task: str, d):
    if task == "rep-quantile200":
        return d.quantile("y1", [0.25, 0.5], by="g200")
    if task == "rep-var200":
        return d.var(["y1", "y2"], by="g200")
    if task == "rep-ttest200":
        return d.ttest("y1 ~ two", by="g200")
    return d.mean(["y1", "y2", "y3"], by="g200")


def numbers(out) -> dict:
    cols = [c for c in ("estimate", "se", "ci_low", "ci_high", "statistic", "p_value") if c in out.columns]
    return {c: np.asarray(out[c], dtype=float).tolist() for c in cols}


def child(task: str, repeat: int) -> dict:
    sys.path.insert(0, str(HERE))
    d = design(task)
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        out = call(task, d)
        best = min(best, time.perf_counter() - t)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"seconds": best, "peak_mb": peak, "numbers": numbers(out)}


def run(task: str, repeat: int, src: Path) -> dict:
    env = {**os.environ, "PYTHONPATH": str(src)}
    proc = subprocess.run([sys.executable, __file__, "--child", task, "--repeat", str(repeat)],
                          capture_output=True, text=True, check=True, env=env)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _max_rel(old: dict, new: dict) -> float:
    worst = 0.0
    for c, a in old["numbers"].items():
        a, b = np.asarray(a), np.asarray(new["numbers"][c])
        both = np.isfinite(a) & np.isfinite(b)
        if not np.array_equal(np.isfinite(a), np.isfinite(b)):
            return float("inf")
        with np.errstate(divide="ignore", invalid="ignore"):
            rel = np.abs(a[both] - b[both]) / np.maximum(np.abs(a[both]), 1e-300)
        worst = max(worst, float(rel.max(initial=0.0)))
    return worst


def render(rows: list[tuple], repeat: int, commit: str) -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.machine())
    lines = ["## `by=` on weighted and replicate designs", "",
             f"Made by `python3 bench/bench_by_weighted.py --repeat {repeat} --before OLD/src"
             f"{' --before-commit ' + commit if commit else ''} --write` on "
             f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}: best of {repeat} calls, each task and each code "
             f"version in its own process, the design built untimed; Python {platform.python_version()}, {cpu}, "
             f"{os.cpu_count()} CPUs (shared by other jobs: wall-clock ratios move with the load). Peak MB: the "
             "process's peak resident set, data and design included. Last column: the largest relative "
             "difference over every number of the result (estimates, SEs, intervals, statistics).", "",
             "| task | design and call | rows | domains | before s | after s | speed-up | before peak MB | "
             "after peak MB | max rel. diff |", "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for task, old, new in rows:
        kind, n, groups = TASKS[task]
        lines.append(f"| {task} | {kind} | {n:,} | {groups} | {old['seconds']:.3f} | {new['seconds']:.3f} | "
                     f"{old['seconds'] / new['seconds']:.1f}x | {old['peak_mb']:.0f} | {new['peak_mb']:.0f} | "
                     f"{_max_rel(old, new):.1e} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--tasks", default=",".join(TASKS))
    ap.add_argument("--before", type=Path, required="--child" not in sys.argv,
                    help="source tree (its src/) of the code to compare with")
    ap.add_argument("--before-commit", default="", help="the commit --before holds, for the text")
    ap.add_argument("--write", action="store_true", help="write the table into bench/RESULTS.md")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.repeat)))
        return
    rows = []
    for task in args.tasks.split(","):
        old = run(task, args.repeat, args.before)
        new = run(task, args.repeat, HERE.parent / "src")
        print(task, "before", old["seconds"], "after", new["seconds"], flush=True)
        rows.append((task, old, new))
    section = render(rows, args.repeat, args.before_commit)
    print(section)
    if args.write:
        sys.path.insert(0, str(HERE))
        import bench_by

        bench_by.MARK = "by-weighted"
        bench_by.write_section(section)


if __name__ == "__main__":
    main()
