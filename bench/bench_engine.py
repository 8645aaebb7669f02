"""The engine path against the in-memory path: time and peak memory of a mean, 20 means (2 variables by a
10-level domain), a ratio, a logistic glm, a rake, and a variance and a share (Korn-Graubard) by the 10-level
domain, on parquet files of 1M, 10M and 100M rows (200 strata, 50,000 PSUs), each task in its own process (peak
RSS of that process alone).

    python3 bench/bench_engine.py generate --rows 1000000 10000000 100000000   # bench/data/engine_<rows>.parquet
    python3 bench/bench_engine.py run [--rows ...] [--memory-limit 1GB]         # prints a table, JSON per line

The in-memory path reads the parquet file into pandas (as a user would) and builds a SurveyDesign; the DuckDB
path builds cs.from_table over the parquet file read in place by DuckDB with ``memory_limit`` set, so that only
aggregates leave the engine. 100M rows run on the DuckDB path only (the in-memory frame alone is ~5 GB).
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

DATA = Path(__file__).parent / "data"
N_STRATA, N_PSU, N_DOMAINS = 200, 50_000, 10
CHUNK = 5_000_000
TASKS = ("mean", "means20", "ratio", "glm", "rake", "var_by", "ciprop_by")


def path_of(rows: int) -> Path:
    return DATA / f"engine_{rows}.parquet"


def generate(rows: int, seed: int = 20261203) -> None:
    """Write the file in row groups of CHUNK rows (bounded memory); rows sorted by PSU as survey files are."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    DATA.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    psu_effect = rng.normal(0, 1, N_PSU)
    psu_weight = rng.uniform(50, 150, N_PSU)
    per_psu = rows // N_PSU
    writer = None
    for start in range(0, rows, CHUNK):
        n = min(CHUNK, rows - start)
        psu = (np.arange(start, start + n) // per_psu).clip(max=N_PSU - 1)
        stratum = psu // (N_PSU // N_STRATA)
        dom = rng.integers(0, N_DOMAINS, n)
        batch = pa.table({
            "stratum": stratum.astype(np.int32), "psu": psu.astype(np.int32),
            "w": psu_weight[psu] * rng.uniform(0.8, 1.25, n),
            "y": 50 + 3 * psu_effect[psu] + 2 * dom + rng.normal(0, 10, n),
            "x": 20 + psu_effect[psu] + rng.normal(0, 4, n),
            "dom": dom.astype(np.int8)})
        if writer is None:
            writer = pq.ParquetWriter(path_of(rows), batch.schema)
        writer.write_table(batch, row_group_size=1_000_000)
    writer.close()
    print(f"wrote {path_of(rows)} ({rows:,} rows)")


def task(path: str, engine: str, what: str, memory_limit: str) -> dict:
    """One task in this process: build the design, estimate; seconds (build + estimate) and peak RSS."""
    start = time.perf_counter()
    if engine == "memory":
        import pandas as pd

        import careersurvey as cs

        data = pd.read_parquet(path)
        d = cs.SurveyDesign(data.assign(high=(data["y"] > 55).astype(int)) if what == "ciprop_by" else data,
                            weights="w", strata="stratum", psu="psu")
    else:
        import ibis

        import careersurvey as cs

        con = ibis.duckdb.connect(memory_limit=memory_limit, threads=2)
        t = con.read_parquet(path)
        d = cs.from_table(t.mutate(high=(t["y"] > 55).cast("int64")) if what == "ciprop_by" else t, weights="w",
                          strata="stratum", psu="psu")
    built = time.perf_counter() - start
    if what == "rake":  # to margins 5% above the sample's weighted counts of dom (10 levels) and a 4-level group
        import duckdb

        counts = duckdb.sql(f"SELECT dom, stratum % 4 AS quarter, sum(w) AS n FROM read_parquet('{path}') "
                            "GROUP BY ALL").df()
        margins = {v: {int(k): 1.05 * float(t) for k, t in counts.groupby(v)["n"].sum().items()}
                   for v in ("dom", "quarter")}
        if engine == "memory":
            d = cs.SurveyDesign(d.data.assign(quarter=d.data["stratum"] % 4), weights="w", strata="stratum",
                                psu="psu")
        else:
            t = d.table
            d = cs.from_table(t.mutate(quarter=t["stratum"] % 4), weights="w", strata="stratum", psu="psu")
        out = d.rake(margins).mean("y")
    elif what == "mean":
        out = d.mean("y")
    elif what == "means20":
        out = d.mean(["y", "x"], by="dom")
    elif what == "glm":
        out = d.glm("I(y > 55) ~ x", family="binomial").table
    elif what in ("var_by", "ciprop_by"):  # svyby of svyvar / svyciprop by the 10-level domain
        out = d.var("y", by="dom") if what == "var_by" else d.ciprop("high", method="beta", by="dom")
    else:
        out = d.ratio("y", "x")
    seconds = time.perf_counter() - start
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # MB (Linux reports KB)
    return {"engine": engine, "task": what, "seconds": round(seconds, 2), "build": round(built, 2),
            "peak_rss_mb": round(rss), "first": float(out["estimate"].iat[0]), "se": float(out["se"].iat[0])}


def run(rows_list: list[int], memory_limit: str) -> None:
    results = []
    for rows in rows_list:
        for what in TASKS:
            for engine in ("memory", "duckdb"):
                if engine == "memory" and rows > 10_000_000:
                    continue
                out = subprocess.run([sys.executable, __file__, "task", str(path_of(rows)), engine, what,
                                      memory_limit], capture_output=True, text=True)
                if out.returncode:
                    print(out.stderr[-2000:], file=sys.stderr)
                    continue
                r = json.loads(out.stdout.strip().splitlines()[-1]) | {"rows": rows}
                results.append(r)
                print(json.dumps(r), flush=True)
    print("\n| rows | task | in-memory s | DuckDB s | ratio | in-memory peak MB | DuckDB peak MB | same SE |")
    print("|---|---|---|---|---|---|---|---|")
    for rows in rows_list:
        for what in TASKS:
            m = next((r for r in results if r["rows"] == rows and r["task"] == what and r["engine"] == "memory"), None)
            e = next((r for r in results if r["rows"] == rows and r["task"] == what and r["engine"] == "duckdb"), None)
            if e is None:
                continue
            same = "" if m is None else f"{abs(m['se'] - e['se']) / m['se']:.0e}"
            print(f"| {rows:,} | {what} | {m['seconds'] if m else '-'} | {e['seconds']} | "
                  f"{(e['seconds'] / m['seconds']) if m else float('nan'):.2f} | {m['peak_rss_mb'] if m else '-'} | "
                  f"{e['peak_rss_mb']} | {same} |")


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "task":
        print(json.dumps(task(*sys.argv[2:6])))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["generate", "run"])
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 10_000_000, 100_000_000])
    parser.add_argument("--memory-limit", default="1GB")
    args = parser.parse_args()
    if args.command == "generate":
        for rows in args.rows:
            generate(rows)
    else:
        run(args.rows, args.memory_limit)


if __name__ == "__main__":
    main()
