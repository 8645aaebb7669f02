"""Means by domains (``by=``): a linearised design of 1,000,000 rows and a 50-replicate JKn design of 200,000 rows.

Each task runs in its own process (as bench_estimates.py does): the design is built untimed, then the best of
``--repeat`` calls of ``d.mean(["y1", "y2", "y3"], by=g)`` (``prop200``: ``d.proportion("c2", by=g)``) is timed, with the process's peak resident memory.
The domain variables cut across strata and PSUs: ``g20`` and ``g200`` are the row number times 7919 modulo 20
and 200. The replicate design puts bench/generate.py's 200,000-row sample in 25 strata of 2 PSUs (its PSUs
pooled by hundreds), so JKn gives 50 replicates.

    python3 bench/bench_by.py [--repeat 3] [--tasks lin20,lin200,rep20,rep200,prop200] [--before OLD/src] [--write]

``--before`` runs every task also on another source tree (e.g. a checkout of the commit before the grouped
pass) for the comparison; ``--write`` puts the table in bench/RESULTS.md between ``<!-- by -->`` markers.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "RESULTS.md"
MARK = "by"
TASKS = {"lin20": ("linearised", 1_000_000, 20), "lin200": ("linearised", 1_000_000, 200),
         "rep20": ("JKn, 50 replicates", 200_000, 20), "rep200": ("JKn, 50 replicates", 200_000, 200),
         "prop200": ("linearised, proportion()", 1_000_000, 200)}
VARIABLES = ["y1", "y2", "y3"]


def design(task: str):
    import careersurvey as cs
    from generate import generate

    kind, rows, _ = TASKS[task]
    df = generate(rows)
    row = np.arange(rows, dtype=np.int64) * 7919
    df["g20"], df["g200"] = row % 20, row % 200
    if kind.startswith("linearised"):
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
        out = d.proportion("c2", by=by) if task.startswith("prop") else d.mean(VARIABLES, by=by)
        best = min(best, time.perf_counter() - t)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"seconds": best, "peak_mb": peak, "estimate": out["estimate"].tolist(), "se": out["se"].tolist()}


def run(task: str, repeat: int, src: Path) -> dict:
    env = {**os.environ, "PYTHONPATH": str(src)}
    proc = subprocess.run([sys.executable, __file__, "--child", task, "--repeat", str(repeat)],
                          capture_output=True, text=True, check=True, env=env)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def render(rows: list[tuple], repeat: int, before: Path | None, commit: str = "") -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.machine())
    lines = ["## Means by domains (`by=`): one grouped pass", "",
             f"Made by `python3 bench/bench_by.py --repeat {repeat}{' --before OLD/src' if before else ''}"
             f"{' --before-commit ' + commit if commit else ''} --write` "
             f"on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}: best of {repeat} calls of "
             f"`d.mean({VARIABLES}, by=g)` (the proportion row: `d.proportion('c2', by=g)`, 4 levels, logit "
             "intervals), each task and each code version in its own process, the design built "
             f"untimed; Python {platform.python_version()}, {cpu}, {os.cpu_count()} CPUs (shared). Domains cut "
             "across strata and PSUs. Peak MB: the process's peak resident set, data and design included. "
             "Before: the per-domain path (one subset design, point, influence and variance call per domain; "
             "for replicate designs an (n, R) product per domain)"
             + (f", OLD being a checkout of commit {commit}." if commit else "."), "",
             "| design | rows | domains | before s | after s | speed-up | before peak MB | after peak MB | "
             "max rel. diff (estimate / SE) |", "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for task, old, new in rows:
        kind, n, groups = TASKS[task]
        if old is None:
            lines.append(f"| {kind} | {n:,} | {groups} | | {new['seconds']:.3f} | | | {new['peak_mb']:.0f} | |")
            continue
        diff = [float(np.max(np.abs(np.subtract(old[c], new[c])) / np.abs(old[c]))) for c in ("estimate", "se")]
        lines.append(f"| {kind} | {n:,} | {groups} | {old['seconds']:.3f} | {new['seconds']:.3f} | "
                     f"{old['seconds'] / new['seconds']:.1f}x | {old['peak_mb']:.0f} | {new['peak_mb']:.0f} | "
                     f"{diff[0]:.1e} / {diff[1]:.1e} |")
    lines += ["", "The last column compares every domain's estimate and SE of the grouped pass with the per-domain "
              "path's."]
    return "\n".join(lines) + "\n"


def write_section(section: str) -> None:
    """Put ``section`` between this benchmark's markers in RESULTS.md, in place (or at the end)."""
    old = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else ""
    ours = f"<!-- {MARK} -->\n{section.rstrip()}\n<!-- /{MARK} -->"
    pattern = re.compile(rf"<!-- {MARK} -->.*?<!-- /{MARK} -->", re.S)
    new = pattern.sub(lambda _: ours, old) if pattern.search(old) else old.rstrip() + "\n\n" + ours + "\n"
    RESULTS.write_text(new, encoding="utf-8")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--tasks", default=",".join(TASKS))
    ap.add_argument("--before", type=Path, help="source tree (its src/) of the code to compare with")
    ap.add_argument("--before-commit", default="", help="the commit --before holds, for the text")
    ap.add_argument("--write", action="store_true", help="write the table into bench/RESULTS.md")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.repeat)))
        return
    rows = []
    for task in args.tasks.split(","):
        old = run(task, args.repeat, args.before) if args.before else None
        new = run(task, args.repeat, HERE.parent / "src")
        print(task, "before", old and old["seconds"], "after", new["seconds"], flush=True)
        rows.append((task, old, new))
    section = render(rows, args.repeat, args.before, args.before_commit)
    print(section)
    if args.write:
        write_section(section)


if __name__ == "__main__":
    main()
