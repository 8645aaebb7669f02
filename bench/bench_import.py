"""Benchmark: importing a 100,000-row entry-template workbook vs a bare python-calamine read of it.

    python3 bench/bench_import.py [--rows 100000] [--repeat 2] [--keep DIR]

The workbook is the real stem-careers instrument's entry template layout (sheet ``Responses``: names,
labels, data from row 3; hidden ``_meta`` with the template's own metadata from
``careersurvey.forms.template.build_template``), filled with simulated answers
(``careersurvey.simulate``) repeated to the row count with fresh respondent ids, written once with
xlsxwriter. Then, in one run and alternating, best of ``--repeat``:

* calamine: ``CalamineWorkbook.from_path(f).get_sheet_by_name("Responses").to_python()``, nothing else;
* import: ``careersurvey.import_responses(f, fresh_store)``: safety checks, sheet scan, calamine read,
  validation of every rule (types, codes, ranges, missing codes, routing, ids), DuckDB transaction.

Results go into bench/RESULTS.md between the ``<!-- import -->`` markers (other sections untouched).
The target is import <= 2x the bare read.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "RESULTS.md"
START, END = "<!-- import -->", "<!-- /import -->"


def simulated_answers(q, rows: int) -> pd.DataFrame:
    """Answers of the simulated fieldwork, repeated to ``rows`` rows with ids B000001..."""
    from careersurvey.forms.template import export_template
    from careersurvey.simulate import simulate_survey

    with tempfile.TemporaryDirectory() as tmp:
        template = export_template(q, Path(tmp) / "t.xlsx", rows=1)
        sim = simulate_survey(q, template, Path(tmp) / "sim", n_institutions=40, take=10)
    base = sim.answers.reset_index(drop=True)
    reps = -(-rows // len(base))
    out = pd.concat([base] * reps, ignore_index=True).iloc[:rows]
    out.index = pd.Index([f"B{i:06d}" for i in range(1, rows + 1)], name="respondent_id")
    return out


def write_workbook(q, answers: pd.DataFrame, path: Path) -> Path:
    """The entry-template layout with xlsxwriter (constant memory): names, labels, data; _meta sheet."""
    import xlsxwriter

    from careersurvey.forms.template import build_template

    template = build_template(q)
    columns = [c.name for c in template.columns]
    labels = [c.label for c in template.columns]
    data = answers.reindex(columns=columns[1:])
    text_cols = {i.name for i in q.items if i.type in ("text", "date")}
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_formulas": False,
                                         "strings_to_numbers": False, "strings_to_urls": False})
    ws = wb.add_worksheet("Responses")
    ws.write_row(0, 0, columns)
    ws.write_row(1, 0, labels)
    values = data.to_numpy(dtype=object)
    numeric = np.array([c not in text_cols for c in columns[1:]])
    ids = data.index.to_numpy(dtype=object)
    for r in range(len(data)):
        ws.write_string(r + 2, 0, ids[r])
        row = values[r]
        for j in range(len(row)):
            v = row[j]
            if v is None or (isinstance(v, float) and v != v):
                continue
            if numeric[j]:
                ws.write_number(r + 2, j + 1, float(v))
            else:
                ws.write_string(r + 2, j + 1, str(v))
    meta = wb.add_worksheet("_meta")
    for r, (k, v) in enumerate(template.meta.items()):
        meta.write_string(r, 0, k)
        meta.write_string(r, 1, str(v))
    meta.hide()
    wb.close()
    return path


def bare_read(path: Path) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process) of the bare calamine read."""
    import python_calamine as pc

    t0, c0 = time.perf_counter(), time.process_time()
    rows = pc.CalamineWorkbook.from_path(str(path)).get_sheet_by_name("Responses").to_python()
    elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
    assert len(rows) > 2
    return elapsed, cpu


def timed_import(path: Path, q, tmp: Path, k: int) -> tuple[float, float, object, str]:
    """(wall seconds, CPU seconds of this process, result, problem rules found) of a full import."""
    from careersurvey.responses.importer import import_responses
    from careersurvey.responses.store import ResponseStore

    store = tmp / f"bench{k}.duckdb"
    t0, c0 = time.perf_counter(), time.process_time()
    (result,) = import_responses(path, store, q)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    rules = ResponseStore(store).problems()["rule"].value_counts()
    return wall, cpu, result, ", ".join(f"{n} {rule}" for rule, n in rules.items()) or "none"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--keep", type=Path, default=None, help="folder to keep (and reuse) the workbook in")
    parser.add_argument("--no-write", action="store_true", help="print results, leave RESULTS.md alone")
    args = parser.parse_args(argv)

    from careersurvey.questionnaire import load_questionnaire

    q = load_questionnaire("stem-careers")
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        folder = args.keep or tmp
        folder.mkdir(parents=True, exist_ok=True)
        book = folder / f"template_{q.id}_{q.version}_{q.content_hash()[:8]}_{args.rows}.xlsx"  # remade on change
        if not book.exists():
            t0 = time.perf_counter()
            write_workbook(q, simulated_answers(q, args.rows), book)
            print(f"wrote {book} in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
        bare, full, bare_cpu, full_cpu = [], [], [], []
        result = None
        for k in range(args.repeat):
            wall, cpu = bare_read(book)
            bare.append(wall)
            bare_cpu.append(cpu)
            wall, cpu, result, rules = timed_import(book, q, tmp, k)
            full.append(wall)
            full_cpu.append(cpu)
            print(f"run {k + 1}: calamine {bare[-1]:.2f} s ({bare_cpu[-1]:.2f} CPU), import {full[-1]:.2f} s "
                  f"({full_cpu[-1]:.2f} CPU)", file=sys.stderr)
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
        size_mb = book.stat().st_size / 1e6
    ratio = min(full) / min(bare)
    cpu_ratio = min(full_cpu) / min(bare_cpu)
    cells = args.rows * len(q.columns())
    section = "\n".join([
        START,
        f"# Benchmark: importing a {args.rows:,}-row entry template",
        "",
        f"Made by `python3 bench/bench_import.py` (best of {args.repeat}, alternating, one process; Python "
        f"{platform.python_version()}, {platform.machine()}, shared 2-core machine). The workbook: the "
        f"{q.key} entry-template layout, {args.rows:,} rows x {len(q.columns()) + 1} columns "
        f"({cells:,} cells, {size_mb:.1f} MB), simulated answers. Load average at the end: {load:.1f} "
        "(other work shares the 2 cores, so wall times vary between runs; CPU seconds vary less).",
        "",
        "| step | wall seconds | vs bare read | CPU seconds | vs bare read |",
        "|---|---:|---:|---:|---:|",
        f"| python-calamine read of the sheet (`to_python`), nothing else | {min(bare):.2f} | 1 | "
        f"{min(bare_cpu):.2f} | 1 |",
        f"| `import_responses`: checks, read, validation, DuckDB transaction | {min(full):.2f} | {ratio:.2f}x | "
        f"{min(full_cpu):.2f} | {cpu_ratio:.2f}x |",
        "",
        f"Import result: {result.rows_in:,} rows in, {result.accepted:,} accepted, {result.quarantined:,} "
        f"quarantined, {result.warnings:,} warnings (problems: {rules}). Target: at most 2x the bare read "
        f"({'met' if ratio <= 2 else 'NOT met'}).",
        END,
    ])
    print(section)
    if not args.no_write:
        text = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else ""
        if START in text and END in text:
            text = re.sub(re.escape(START) + r".*?" + re.escape(END), lambda _: section, text, flags=re.S)
        else:
            text = text.rstrip("\n") + ("\n\n" if text else "") + section + "\n"
        RESULTS.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
