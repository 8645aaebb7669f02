"""Raking benchmark: 1,000,000 rows, 3 margins, from design weights; careersurvey vs svy, samplics, weightipy.

Each tool runs in its own subprocess on the same data (written once to a parquet file), timed from the
in-memory data frame to raked weights (design/sample objects built inside the timing), best of ``--repeat``
runs; peak memory is the subprocess's maximum resident set size. Every tool's weights are compared with
careersurvey's (weightipy rakes from unit weights only, so its weights differ by design). Results are printed
and written into bench/RESULTS.md between the ``<!-- weighting -->`` markers.

    python bench/bench_weighting.py                 # 1e6 rows, all tools
    python bench/bench_weighting.py --rows 100000 --tools careersurvey svy
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "RESULTS.md"
START, END = "<!-- weighting -->", "<!-- /weighting -->"
TOOLS = ("careersurvey", "svy", "samplics", "weightipy")
TOL = 1e-6  # relative misfit on every margin level, the same for every tool that takes one

LEVELS = {"sector": ["business", "university", "public", "hospital", "startup", "other"],
          "sex": ["male", "female"],
          "region": [f"r{i:02d}" for i in range(1, 11)]}


def make_data(n: int, seed: int = 20261123):
    """Rows with three categorical margins drawn with shares unlike the population's, and design weights."""
    import pandas as pd

    rng = np.random.default_rng(seed)
    cols = {}
    for var, levels in LEVELS.items():
        p = rng.dirichlet(np.full(len(levels), 4.0))
        cols[var] = pd.Categorical.from_codes(rng.choice(len(levels), n, p=p), categories=levels)
    df = pd.DataFrame(cols)
    df["w"] = rng.lognormal(mean=3.0, sigma=0.5, size=n)
    total = float(df["w"].sum()) * 1.05
    targets = {}
    for var, levels in LEVELS.items():
        share = rng.dirichlet(np.full(len(levels), 6.0))
        targets[var] = {lv: float(s * total) for lv, s in zip(levels, share)}
    return df, targets


# -- workers: one per tool, each in its own process ---------------------------------------------------------
def _careersurvey(path: str, targets: dict, repeat: int):
    import pandas as pd

    import careersurvey as cs
    import careersurvey.estimation.weighting.ops  # noqa: F401  (imports outside the timing, as for the other tools)

    df = pd.read_parquet(path)
    best, w = np.inf, None
    for _ in range(repeat):
        t0 = time.perf_counter()
        d = cs.SurveyDesign(df, weights="w").rake(targets, tol=TOL)
        w = d.w
        best = min(best, time.perf_counter() - t0)
    return best, w


def _svy(path: str, targets: dict, repeat: int):
    import polars as pl
    import svy

    df = pl.read_parquet(path).with_columns(pl.col(v).cast(pl.Utf8) for v in LEVELS)
    best, w = np.inf, None
    for _ in range(repeat):
        t0 = time.perf_counter()
        s = svy.Sample(df, svy.Design(wgt="w"))
        s = s.weighting.rake(controls=targets, tol=TOL, max_iter=1000, wgt_name="rk_wgt")
        w = s.data["rk_wgt"].to_numpy()
        best = min(best, time.perf_counter() - t0)
    return best, w


def _samplics(path: str, targets: dict, repeat: int):
    import warnings

    import pandas as pd

    warnings.simplefilter("ignore")
    from samplics.weighting import SampleWeight

    df = pd.read_parquet(path)
    margins = {v: df[v].astype(str).to_numpy() for v in LEVELS}
    best, w = np.inf, None
    for _ in range(repeat):
        t0 = time.perf_counter()
        w = SampleWeight().rake(samp_weight=df["w"].to_numpy(), margins=margins, control=targets, tol=TOL,
                                max_iter=1000)
        best = min(best, time.perf_counter() - t0)
    return best, np.asarray(w, dtype=float)


def _weightipy(path: str, targets: dict, repeat: int):
    import pandas as pd
    import weightipy as wp

    df = pd.read_parquet(path)[list(LEVELS)]
    shares = {v: {lv: 100.0 * t / sum(tt.values()) for lv, t in tt.items()} for v, tt in targets.items()}
    best, w = np.inf, None
    for _ in range(repeat):
        t0 = time.perf_counter()
        scheme = wp.scheme_from_dict(shares)
        out = wp.weight_dataframe(df.copy(), scheme, weight_column="wt")
        w = out["wt"].to_numpy()
        best = min(best, time.perf_counter() - t0)
    return best, w


def worker(tool: str, path: str, targets_path: str, out: str, repeat: int) -> None:
    targets = json.loads(Path(targets_path).read_text())
    fn = {"careersurvey": _careersurvey, "svy": _svy, "samplics": _samplics, "weightipy": _weightipy}[tool]
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    seconds, w = fn(path, targets, repeat)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    np.save(out, np.asarray(w, dtype=float))
    print(json.dumps({"tool": tool, "seconds": seconds, "peak_mb": peak / 1024, "base_mb": base / 1024}))


def version(tool: str) -> str:
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as v

    try:
        return v(tool)
    except PackageNotFoundError:
        return "not installed"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--tools", nargs="+", default=list(TOOLS), choices=TOOLS)
    ap.add_argument("--no-write", action="store_true", help="print only, leave RESULTS.md alone")
    ap.add_argument("--worker", nargs=4, metavar=("TOOL", "DATA", "TARGETS", "OUT"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        worker(*args.worker, repeat=args.repeat)
        return
    df, targets = make_data(args.rows)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        data_path, targets_path = f"{tmp}/data.parquet", f"{tmp}/targets.json"
        df.to_parquet(data_path)
        Path(targets_path).write_text(json.dumps(targets))
        weights = {}
        for tool in args.tools:
            out = f"{tmp}/{tool}.npy"
            proc = subprocess.run([sys.executable, __file__, "--repeat", str(args.repeat), "--worker", tool,
                                   data_path, targets_path, out], capture_output=True, text=True)
            if proc.returncode != 0:
                tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
                rows.append({"tool": tool, "error": " | ".join(tail)})
                print(f"{tool}: failed: {' | '.join(tail)}", file=sys.stderr)
                continue
            rows.append(json.loads(proc.stdout.strip().splitlines()[-1]))
            weights[tool] = np.load(out)
    ours = weights.get("careersurvey")
    base = next((r["seconds"] for r in rows if r["tool"] == "careersurvey" and "seconds" in r), None)
    for r in rows:
        if "seconds" not in r:
            continue
        r["ratio"] = r["seconds"] / base if base else float("nan")
        if ours is not None and r["tool"] in weights:
            r["max_rel_diff"] = float(np.max(np.abs(weights[r["tool"]] - ours) / ours))
        w = weights[r["tool"]]
        if r["tool"] == "weightipy":  # unit-weight raking to shares: compare shares, scaled to the total
            w = w * sum(targets["sex"].values()) / w.sum()
        achieved = {v: df.assign(_w=w).groupby(v, observed=True)["_w"].sum() for v in LEVELS}
        r["max_misfit"] = max(float(abs(achieved[v][lv] / t - 1)) for v, tt in targets.items() for lv, t in tt.items())
    text = report(rows, args)
    print(text)
    if not args.no_write:
        write_section(text)


def report(rows: list[dict], args) -> str:
    lines = [f"## Weighting: raking {args.rows:,} rows on 3 margins (6 x 2 x 10 levels) from design weights", "",
             f"`python bench/bench_weighting.py --rows {args.rows} --repeat {args.repeat}`; best of {args.repeat} "
             f"runs per tool, each tool in its own process; time from the in-memory data frame to raked weights "
             f"(design/sample objects built inside the timing); tolerance {TOL:g} relative on every margin level. "
             f"Python {platform.python_version()}, {platform.machine()}, {_cpus()} CPUs.", "",
             "| tool | version | seconds | time / careersurvey | peak memory (MB) | max relative weight difference "
             "vs careersurvey | largest margin misfit |", "|---|---|---:|---:|---:|---:|---:|"]
    for r in rows:
        if "seconds" not in r:
            lines.append(f"| {r['tool']} | {version(r['tool'])} | failed: {r['error']} | | | | |")
            continue
        lines.append(f"| {r['tool']} | {version(r['tool'])} | {r['seconds']:.3f} | {r['ratio']:.1f}x | "
                     f"{r['peak_mb']:.0f} | {r.get('max_rel_diff', float('nan')):.1e} | {r['max_misfit']:.1e} |")
    lines += ["", "weightipy rakes from unit weights only (no design weights), so its weights answer a different "
              "question; its time is shown for scale and its misfit is of shares. Peak memory includes reading the data "
              "in each process."]
    return "\n".join(lines)


def _cpus() -> int:
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 0


def write_section(text: str) -> None:
    """Replace (or append) our section of bench/RESULTS.md, between the weighting markers only."""
    block = f"{START}\n{text}\n{END}"
    old = RESULTS.read_text() if RESULTS.exists() else "# Benchmarks\n"
    if START in old and END in old:
        a, b = old.index(START), old.index(END) + len(END)
        new = old[:a] + block + old[b:]
    else:
        new = old.rstrip("\n") + "\n\n" + block + "\n"
    RESULTS.write_text(new)


if __name__ == "__main__":
    main()
