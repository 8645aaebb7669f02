"""Means on a replicate design of the benchmark sample: 1,000,000 rows, 160 bootstrap replicates.

The design's degrees of freedom (R's ``degf``: the rank of the replicate weights by ``qr(tol = 1e-5)``) take an
(n, R) product; they are computed once per set of replicate weights and once per domain, not on every estimate.
Measured on the shared 2-core machine (2026-12-03): one mean took 31-37 s before (32 s of it the rank, by SVD,
on every call), now 1.8 s on the first call (the rank included) and 0.4-0.5 s after; three means by a 3-level
domain 48 s before, 13 s now. With by= in one grouped pass (bench_by.py), 3.7 s where the per-domain path took
8.0 s on the same machine (2026-12-03 11:12 UTC); what is left is mostly each domain's rank (R's degf of the
domain: a Gram product of its rows' replicate weights).

    python3 bench/bench_replicate.py [--rows 1000000] [--replicates 160]
"""

from __future__ import annotations

import argparse
import time

from generate import generate

import careersurvey as cs


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--replicates", type=int, default=160)
    args = ap.parse_args()
    d = cs.SurveyDesign(generate(args.rows), weights="w", strata="stratum", psu="psu")
    r = d.replicate("bootstrap", replicates=args.replicates, seed=1)
    for i in range(3):
        t = time.perf_counter()
        m = r.mean("y1")
        print(f"mean y1, call {i + 1}: {time.perf_counter() - t:.2f} s (df {m['df'].iloc[0]:.0f})", flush=True)
    t = time.perf_counter()
    r.mean(["y1", "y2", "y3"], by="c1")
    print(f"means of y1..y3 by c1 (3 domains): {time.perf_counter() - t:.2f} s")


if __name__ == "__main__":
    main()
