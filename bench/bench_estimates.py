"""Side-by-side timing of design-based means: careersurvey vs svy vs samplics vs a plain numpy pass.

One run, same data (bench/generate.py: 1,000,000 rows, 200 strata, 5,000 PSUs). Each tool runs in its own
subprocess (so peak memory is its own: ru_maxrss), loads the data untimed, then times each task as the best of
``--repeat`` runs: design build + 1 mean with SE; design build + 20 means. The first mean's SE from every tool
is printed so the timings compare equal work. Writes bench/RESULTS.md.

    python3 bench/generate.py && python3 bench/bench_estimates.py

Tasks are a registry (``TASKS[tool][task]``): the models owner adds the "glm" row (logit with 5 predictors)
by registering a function per tool; tools without it are shown as "-".
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
DATA = HERE / "data" / "synthetic.parquet"
Y = [f"y{j}" for j in range(1, 21)]
TOOLS = ("careersurvey", "svy", "samplics", "numpy")
TASK_NAMES = ("1 mean", "20 means", "glm")


# -- each tool: a loader (untimed) and task functions returning (estimates, ses) ---------------------------
def _load_pandas():
    import pandas as pd

    return pd.read_parquet(DATA)


def cs_one(df):
    import careersurvey as cs

    r = cs.SurveyDesign(df, weights="w", strata="stratum", psu="psu").mean("y1")
    return r["estimate"].to_numpy(), r["se"].to_numpy()


def cs_twenty(df):
    import careersurvey as cs

    r = cs.SurveyDesign(df, weights="w", strata="stratum", psu="psu").mean(Y)
    return r["estimate"].to_numpy(), r["se"].to_numpy()


def _load_polars():
    import polars as pl

    return pl.read_parquet(DATA)


def svy_run(df, ys):
    import svy

    s = svy.Sample(data=df, design=svy.Design(stratum="stratum", psu="psu", wgt="w"))
    out = s.estimation.mean(y=ys if len(ys) > 1 else ys[0]).to_polars()
    return out["est"].to_numpy(), out["se"].to_numpy()


def samplics_run(df, ys):
    import warnings

    warnings.filterwarnings("ignore")
    from samplics.estimation import TaylorEstimator
    from samplics.utils.types import PopParam

    w, st, psu = df["w"].to_numpy(), df["stratum"].to_numpy(), df["psu"].to_numpy()
    est, se = [], []
    for y in ys:  # samplics takes one variable per call
        e = TaylorEstimator(PopParam.mean)
        e.estimate(y=df[y].to_numpy(), samp_weight=w, stratum=st, psu=psu)
        est.append(e.point_est)
        se.append(e.stderror)
    return np.asarray(est, dtype=float), np.asarray(se, dtype=float)


def numpy_run(df, ys):
    """Plain numpy: stratified cluster (with replacement) linearised SE of weighted means, no checks."""
    w = df["w"].to_numpy()
    psu = df["psu"].to_numpy()
    st = df["stratum"].to_numpy()
    X = df[ys].to_numpy()
    sw = w.sum()
    mean = w @ X / sw
    z = (X - mean) * (w / sw)[:, None]
    n_psu = psu.max() + 1
    tot = np.stack([np.bincount(psu, z[:, j], n_psu) for j in range(z.shape[1])], axis=1)
    psu_st = np.zeros(n_psu, dtype=np.int64)
    psu_st[psu] = st
    n_h = np.bincount(psu_st)
    m_h = np.stack([np.bincount(psu_st, tot[:, j]) for j in range(tot.shape[1])], axis=1) / n_h[:, None]
    dev = tot - m_h[psu_st]
    var = (n_h / (n_h - 1))[psu_st] @ dev**2
    return mean, np.sqrt(var)


TASKS = {
    "careersurvey": (_load_pandas, {"1 mean": cs_one, "20 means": cs_twenty}),
    "svy": (_load_polars, {"1 mean": lambda d: svy_run(d, ["y1"]), "20 means": lambda d: svy_run(d, Y)}),
    "samplics": (_load_pandas, {"1 mean": lambda d: samplics_run(d, ["y1"]),
                                "20 means": lambda d: samplics_run(d, Y)}),
    "numpy": (_load_pandas, {"1 mean": lambda d: numpy_run(d, ["y1"]), "20 means": lambda d: numpy_run(d, Y)}),
}


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_tool(tool: str, repeat: int) -> dict:
    """In a child process: load, then time each task (best of ``repeat``); peak RSS after each."""
    loader, tasks = TASKS[tool]
    if tool == "samplics":
        repeat = 1  # about a minute per run of 20 means: one run is enough to place it
    data = loader()
    out = {"tool": tool, "after_load_mb": _peak_mb(), "tasks": {}}
    for name, fn in tasks.items():
        best, result = float("inf"), None
        for _ in range(repeat):
            t0 = time.perf_counter()
            result = fn(data)
            best = min(best, time.perf_counter() - t0)
        out["tasks"][name] = {"seconds": best, "peak_mb": _peak_mb(), "first_se": float(result[1][0]),
                              "first_estimate": float(result[0][0])}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--tools", default=",".join(TOOLS))
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_tool(args.child, args.repeat)))
        return
    if not DATA.exists():
        subprocess.run([sys.executable, str(HERE / "generate.py")], check=True)
    results = {}
    for tool in args.tools.split(","):
        proc = subprocess.run([sys.executable, __file__, "--child", tool, "--repeat", str(args.repeat)],
                              capture_output=True, text=True)
        if proc.returncode != 0:
            print(f"{tool}: failed\n{proc.stderr[-2000:]}", file=sys.stderr)
            continue
        results[tool] = json.loads(proc.stdout.strip().splitlines()[-1])
        print(tool, json.dumps(results[tool]["tasks"]))
    report = render(results, args.repeat)
    (HERE / "RESULTS.md").write_text(report)
    print(report)


def render(results: dict, repeat: int) -> str:
    lines = ["# Benchmark: design-based means on 1,000,000 rows (200 strata, 5,000 PSUs)", "",
             f"Made by `python3 bench/bench_estimates.py` (best of {repeat}, samplics 1; each tool in its own process; "
             f"Python {platform.python_version()}, {platform.machine()}, shared 2-core machine). "
             "Times include building the design; data loading is not timed. Peak memory is the process's "
             "maximum resident set (ru_maxrss), data included.", ""]
    base = results.get("svy", {}).get("tasks", {})
    for task in TASK_NAMES:
        rows = [(t, r["tasks"][task]) for t, r in results.items() if task in r["tasks"]]
        if not rows:
            lines += [f"## {task}", "", "not run (no tool registers this task yet)", ""]
            continue
        lines += [f"## {task}", "", "| tool | seconds | vs svy | peak MB | SE of first mean |",
                  "|---|---:|---:|---:|---:|"]
        for tool, r in rows:
            ratio = f"{base[task]['seconds'] / r['seconds']:.2f}x faster" if task in base else "-"
            if tool == "svy":
                ratio = "1"
            lines.append(f"| {tool} | {r['seconds']:.3f} | {ratio} | {r['peak_mb']:.0f} | {r['first_se']:.10g} |")
        lines.append("")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
