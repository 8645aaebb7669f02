"""Benchmark: checking a file's respondent ids against the store, in the engine vs in a Python dict.

    python3 bench/bench_ids.py [--stored 1000000] [--rows 100000] [--chunk 20000]

A store holding ``--stored`` accepted respondents (written by SQL, as earlier imports would leave them) and a file
of ``--rows`` respondent ids read in chunks of ``--chunk`` (1% of them already stored). Before (main 24f0a10):
every stored id of the questionnaire and wave pulled into a Python dict once per import (``known_ids``), and a
set of them built per chunk to test the chunk's ids. After: per chunk, the chunk's distinct ids go to DuckDB as an
Arrow column and are semi-joined there with the stored ones (``ResponseStore.stored_ids``); only the ids found
come back. Both give the same ids and places (checked). Time: wall seconds of the whole file's checks, best of 3;
memory: peak of Python allocations during the checks (tracemalloc; DuckDB's own memory is not counted).
Prints a Markdown table for bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd

from careersurvey.responses.store import ResponseStore


def build(path: Path, stored: int) -> ResponseStore:
    store = ResponseStore(path)
    with store.connect() as con:
        con.execute("INSERT INTO imports BY NAME SELECT 1 AS import_id, 'earlier.csv' AS file_name, 'x' AS sha256, "
                    "0 AS size_bytes, 'csv' AS kind, 'stem-careers' AS questionnaire_id, '1.1.0' AS "
                    "questionnaire_version, ? AS rows_in, ? AS accepted, 0 AS quarantined, 0 AS warnings, "
                    "now()::TIMESTAMP AS imported_at, 'bench' AS tool_version, '1' AS wave", [stored, stored])
        con.execute("INSERT INTO respondents BY NAME SELECT 1 AS import_id, i + 2 AS row_no, "
                    "'R' || lpad(i::VARCHAR, 8, '0') AS respondent_id, 'accepted' AS status, "
                    "'1.1.0' AS questionnaire_version, '1' AS wave FROM range(?) t(i)", [stored])
    return store


def before(store: ResponseStore, con, chunks: list[np.ndarray]) -> dict[str, str]:
    """main 24f0a10: every stored id into a dict, then per chunk a set of them (validate's ``set(known_ids)``)."""
    found = con.execute(
        "SELECT r.respondent_id, i.file_name || ' row ' || r.row_no || ' in wave ' || r.wave AS at "
        "FROM respondents r JOIN imports i USING (import_id) WHERE r.status = 'accepted' AND i.questionnaire_id = ? "
        "AND r.wave = ? AND r.respondent_id IS NOT NULL", ["stem-careers", "1"]).fetchnumpy()
    known = dict(zip(found["respondent_id"].tolist(), found["at"].tolist()))
    hits: dict[str, str] = {}
    for ids in chunks:
        known_set = set(known.keys())
        s = pd.Series(ids, dtype=object)
        again = s[s.isin(known_set)]
        hits.update({k: known[k] for k in again})
    return hits


def after(store: ResponseStore, con, chunks: list[np.ndarray]) -> dict[str, str]:
    hits: dict[str, str] = {}
    for ids in chunks:
        hits.update(store.stored_ids(con, "stem-careers", "1", ids, exclude_import=2))
    return hits


def measure(fn, store, chunks, repeat: int) -> tuple[float, float, dict]:
    best = float("inf")
    with store.connect() as con:
        for _ in range(repeat):
            t0 = time.perf_counter()
            out = fn(store, con, chunks)
            best = min(best, time.perf_counter() - t0)
        tracemalloc.start()
        fn(store, con, chunks)
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    return best, peak, out


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--stored", type=int, default=1_000_000)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--chunk", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    rng = np.random.default_rng(1)
    with tempfile.TemporaryDirectory() as tmp:
        store = build(Path(tmp) / "s.duckdb", args.stored)
        new = np.array([f"N{i:08d}" for i in range(args.rows)], dtype=object)
        again = rng.choice(args.stored, size=args.rows // 100, replace=False)
        new[rng.choice(args.rows, size=len(again), replace=False)] = [f"R{i:08d}" for i in again]
        chunks = [new[i:i + args.chunk] for i in range(0, args.rows, args.chunk)]
        t_old, m_old, hits_old = measure(before, store, chunks, args.repeat)
        t_new, m_new, hits_new = measure(after, store, chunks, args.repeat)
    assert hits_old == hits_new and len(hits_new) == len(again)
    print(f"| ids stored | file rows (chunks) | found | before s | after s | speed-up | before peak MB (Python) "
          f"| after peak MB (Python) |\n|---:|---:|---:|---:|---:|---:|---:|---:|\n"
          f"| {args.stored:,} | {args.rows:,} ({len(chunks)}) | {len(hits_new):,} | {t_old:.2f} | {t_new:.2f} | "
          f"{t_old / t_new:.1f}x | {m_old:.0f} | {m_new:.1f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
