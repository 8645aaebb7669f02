"""Side by side, one run on the same data: careersurvey vs svy vs samplics (vs a plain numpy pass).

Tasks (each timed from the design build to estimates with design-based SEs, best of ``--repeat``):
``1 mean``, ``20 means`` (y1..y20), and ``glm`` (logit with 5 predictors, bench_glm.py). The data are
bench/generate.py's parquet file (1,000,000 rows, 200 strata, 5,000 PSUs), which every tool loads in its
natural way, untimed: pandas for careersurvey, samplics and numpy, polars for svy. Each tool runs in its own
process per task. Peak memory is the process's peak resident set during the task (Linux VmHWM, reset after loading and
before each task through /proc/self/clear_refs), so it counts the loaded data and everything the task
allocates, but not the reader's transient buffers. Writes its section of bench/RESULTS.md (between the
``<!-- estimates -->`` markers; other sections are kept as they are).

    python3 bench/generate.py && python3 bench/bench_estimates.py [--repeat 3] [--tools ...] [--tasks ...]
"""

from __future__ import annotations

import argparse
import datetime
import json
import platform
import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_glm import careersurvey_glm, svy_glm  # noqa: E402

DATA = HERE / "data" / "synthetic.parquet"
RESULTS = HERE / "RESULTS.md"
MARK = "estimates"
Y = [f"y{j}" for j in range(1, 21)]
TOOLS = ("careersurvey", "svy", "samplics", "numpy")
TASK_NAMES = ("1 mean", "20 means", "glm")


# -- loaders (untimed) -------------------------------------------------------------------------------------
def _load_pandas():
    import pandas as pd
    import pyarrow as pa

    df = pd.read_parquet(DATA)
    pa.default_memory_pool().release_unused()  # the reader's buffers: part of loading, not of any tool
    return df


def _load_polars():
    import polars as pl

    return pl.read_parquet(DATA)


# -- each tool's tasks return (estimates, ses) -------------------------------------------------------------
def cs_means(df, ys):
    import careersurvey as cs

    r = cs.SurveyDesign(df, weights="w", strata="stratum", psu="psu").mean(ys)
    return r["estimate"].to_numpy(), r["se"].to_numpy()


def svy_means(df, ys):
    import svy

    s = svy.Sample(data=df, design=svy.Design(stratum="stratum", psu="psu", wgt="w"))
    out = s.estimation.mean(y=ys if len(ys) > 1 else ys[0]).to_polars()
    return out["est"].to_numpy(), out["se"].to_numpy()


def samplics_means(df, ys):
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


def numpy_means(df, ys):
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


def _means(fn):
    return {"1 mean": lambda d: fn(d, Y[:1]), "20 means": lambda d: fn(d, Y)}


TASKS = {
    "careersurvey": (_load_pandas, {**_means(cs_means), "glm": careersurvey_glm}),
    "svy": (_load_polars, {**_means(svy_means), "glm": svy_glm}),
    "samplics": (_load_pandas, _means(samplics_means)),
    "numpy": (_load_pandas, _means(numpy_means)),
}


# -- one tool, in its own process --------------------------------------------------------------------------
def _memory_mb() -> dict[str, float]:
    """Current and peak resident set (MB) from /proc/self/status."""
    out = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key = line.split(":")[0]
        if key in ("VmRSS", "VmHWM"):
            out[key] = int(line.split()[1]) / 1024
    return out


def _reset_peak() -> None:
    """Linux: set the peak resident set (VmHWM) back to the current one."""
    Path("/proc/self/clear_refs").write_text("5")


def run_task(tool: str, task: str, repeat: int) -> dict:
    """In a fresh process: load, warm up on 2,000 rows (imports), reset the peak, best of ``repeat`` runs."""
    from importlib.metadata import version

    loader, fns = TASKS[tool]
    fn = fns[task]
    if tool == "samplics":
        repeat = 1  # about a minute per run of 20 means: one run is enough to place it
    data = loader()
    fn(data.head(2000))
    data_mb = _memory_mb()["VmRSS"]
    _reset_peak()
    best, result = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn(data)
        best = min(best, time.perf_counter() - t0)
    return {"tool": tool, "version": version(tool), "task": task, "seconds": best, "data_mb": data_mb,
            "peak_mb": _memory_mb()["VmHWM"], "estimate": np.asarray(result[0], float).tolist(),
            "se": np.asarray(result[1], float).tolist()}


# -- the parent: every tool, then the table -----------------------------------------------------------------
def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--tools", default=",".join(TOOLS))
    parser.add_argument("--tasks", default=",".join(TASK_NAMES))
    parser.add_argument("--no-write", action="store_true", help="print only, leave RESULTS.md alone")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    tasks = args.tasks.split(",")
    if args.child:
        print(json.dumps(run_task(args.child, tasks[0], args.repeat)))
        return
    if not DATA.exists():
        subprocess.run([sys.executable, str(HERE / "generate.py")], check=True)
    results: dict[str, dict] = {}
    for tool in args.tools.split(","):
        for task in (t for t in tasks if t in TASKS[tool][1]):  # each task of each tool in a fresh process
            proc = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--child", tool, "--repeat",
                                   str(args.repeat), "--tasks", task], capture_output=True, text=True)
            if proc.returncode != 0:
                print(f"{tool} {task}: failed\n{proc.stderr[-2000:]}", file=sys.stderr)
                continue
            r = json.loads(proc.stdout.strip().splitlines()[-1])
            results.setdefault(tool, {"version": r["version"], "tasks": {}})["tasks"][task] = r
            print(tool, task, f"{r['seconds']:.3f} s, peak {r['peak_mb']:.0f} MB", file=sys.stderr)
    section = render(results, args.repeat, tasks)
    print(section)
    complete = set(tasks) == set(TASK_NAMES) and set(results) == set(TOOLS)
    if complete and not args.no_write:
        write_section(section)


def _machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor() or platform.machine())
    return f"{cpu}, {len(re.findall(r'^processor', Path('/proc/cpuinfo').read_text(), re.M))} CPUs (shared)"


def render(results: dict, repeat: int, tasks: list[str]) -> str:
    """The Markdown section: one table per task, times and memory against svy, SEs compared with svy's."""
    when = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "# Benchmark: design-based estimates on 1,000,000 rows (200 strata, 5,000 PSUs)", "",
        f"Made by `python3 bench/bench_estimates.py` on {when}: best of {repeat} runs (samplics 1), each task "
        f"of each tool in its own process; Python {platform.python_version()}, {_machine()}. Every tool reads "
        "the same parquet file (bench/generate.py) in its natural way, untimed (svy: polars; the others: "
        "pandas). Times run from the design build to estimates with design-based SEs. Peak MB is the process's "
        "peak resident set during the task, loaded data and imported libraries included (data MB: after "
        "loading and a warm-up on 2,000 rows); the reader's transient buffers are not counted.", "",
    ]
    base = results.get("svy", {}).get("tasks", {})
    for task in tasks:
        rows = [(t, r["version"], r["tasks"][task]["data_mb"], r["tasks"][task]) for t, r in results.items()
                if task in r["tasks"]]
        if not rows:
            continue
        lines += [f"## {task}", "", "| tool | version | seconds | speed vs svy | data MB | peak MB | peak vs svy | "
                  "max rel. diff vs svy (estimate / SE) |", "|---|---|---:|---:|---:|---:|---:|---:|"]
        for tool, version, data_mb, r in rows:
            ref = base.get(task)
            speed = f"{ref['seconds'] / r['seconds']:.2f}x" if ref else "-"
            mem = f"{r['peak_mb'] / ref['peak_mb']:.2f}x" if ref else "-"
            diff = "-"
            if ref:
                de = np.max(np.abs(np.array(r["estimate"]) / np.array(ref["estimate"]) - 1))
                ds = np.max(np.abs(np.array(r["se"]) / np.array(ref["se"]) - 1))
                diff = f"{de:.1e} / {ds:.1e}"
            lines.append(f"| {tool} | {version} | {r['seconds']:.3f} | {speed} | {data_mb:.0f} | "
                         f"{r['peak_mb']:.0f} | {mem} | {diff} |")
        lines.append("")
    lines += _targets(results)
    return "\n".join(lines).rstrip() + "\n"


def _targets(results: dict) -> list[str]:
    """The issue's targets, each said as met or NOT met from the numbers above."""
    cs_t = results.get("careersurvey", {}).get("tasks", {})
    svy_t = results.get("svy", {}).get("tasks", {})
    checks = []
    if "20 means" in cs_t and "20 means" in svy_t:
        r = svy_t["20 means"]["seconds"] / cs_t["20 means"]["seconds"]
        checks.append(f"20 means at least 2x faster than svy: {r:.2f}x ({'met' if r >= 2 else 'NOT met'})")
    if "glm" in cs_t and "glm" in svy_t:
        r = svy_t["glm"]["seconds"] / cs_t["glm"]["seconds"]
        checks.append(f"glm no slower than svy: {r:.2f}x ({'met' if r >= 1 else 'NOT met'})")
    common = [t for t in cs_t if t in svy_t]
    if common:
        worst = max(cs_t[t]["peak_mb"] / svy_t[t]["peak_mb"] for t in common)
        checks.append(f"peak memory no more than svy's in every task: worst {worst:.2f}x of svy's "
                      f"({'met' if worst <= 1 else 'NOT met'})")
    return ["Targets:", ""] + [f"- {c}" for c in checks] if checks else []


def write_section(section: str) -> None:
    """Put ``section`` between this benchmark's markers; other benchmarks' marked sections stay as they are.

    Text outside any marker is this benchmark's (from before the markers existed) and is replaced.
    """
    old = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else ""
    others = [m.group(0) for m in re.finditer(r"<!-- (\w[\w-]*) -->.*?<!-- /\1 -->", old, re.S)
              if m.group(1) != MARK]
    ours = f"<!-- {MARK} -->\n{section.rstrip()}\n<!-- /{MARK} -->"
    RESULTS.write_text("\n\n".join([ours, *others]) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
