"""Benchmark: importing a 100,000-row entry-template workbook vs a bare python-calamine read of it.

    python3 bench/bench_import.py [--rows 100000] [--repeat 2] [--keep DIR]

The workbook is the real stem-careers instrument's entry template layout (sheet ``Responses``: names,
labels, data from row 3; hidden ``_meta`` with the template's own metadata from
``careersurvey.forms.template.build_template``), filled with simulated answers
(``careersurvey.simulate``) repeated to the row count with fresh respondent ids, written once with
xlsxwriter. Then, in one run and alternating, best of ``--repeat``:

* calamine: ``CalamineWorkbook.from_path(f).get_sheet_by_name("Responses").to_python()``, nothing else;
* import: ``careersurvey.import_responses(f, fresh_store)``: safety checks, sheet scan, streamed read,
  validation of every rule (types, codes, ranges, missing codes, routing, ids), DuckDB transaction.

Results go into bench/RESULTS.md between the ``<!-- import -->`` markers (other sections untouched).
The target is import <= 2x the bare read.

    python3 bench/bench_import.py --memory [--rows 100000] [--keep DIR] [--src SRC --label LABEL]

measures peak memory instead: the same answers as the workbook's, written also as a CSV (``respondent_id``
then the data columns, as ``DataFrame.to_csv`` writes them), each file imported into a fresh store in its own
process (``import_responses`` only); the child reports its resident set after importing careersurvey and its
peak (``VmHWM``: ``ru_maxrss`` would count the parent at the fork). ``--src`` runs the children on another source tree (e.g. the code before a change),
``--label`` names the rows; results go between the ``<!-- import-memory -->`` markers, rows of other labels kept.
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


MEM_START, MEM_END = "<!-- import-memory -->", "<!-- /import-memory -->"
CHILD = """
import resource, sys
from pathlib import Path
import careersurvey
from careersurvey.questionnaire import load_questionnaire
from careersurvey.responses.importer import import_responses
q = load_questionnaire(sys.argv[2])
base = int(open("/proc/self/statm").read().split()[1]) * resource.getpagesize() / 2**20
(r,) = import_responses(sys.argv[1], Path(sys.argv[3]), q)
peak = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:")) / 1024
print(f"{base:.0f} {peak:.0f} {r.rows_in} {r.accepted} {r.quarantined} {careersurvey.__file__}")
"""


def measure_memory(path: Path, q, tmp: Path, src: Path | None) -> tuple[float, float, str]:
    """(resident MB after imports, peak MB, rows note) of importing ``path`` in a fresh process."""
    import subprocess

    env = dict(os.environ)
    if src is not None:
        env["PYTHONPATH"] = str(src)
    store = tmp / f"mem_{path.suffix[1:]}_{time.time_ns()}.duckdb"
    t0 = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", CHILD, str(path), q.key, str(store)], env=env, check=True,
                         capture_output=True, text=True).stdout.strip().splitlines()[-1].split()
    print(f"{path.name}: {out} in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    return float(out[0]), float(out[1]), f"{int(out[2]):,} rows: {int(out[3]):,} accepted, {int(out[4]):,} quarantined"


def memory_main(args: argparse.Namespace, q) -> int:
    """Peak memory of importing the CSV and the workbook of the same answers, each in its own process."""
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        folder = args.keep or tmp
        folder.mkdir(parents=True, exist_ok=True)
        stem = f"template_{q.id}_{q.version}_{q.content_hash()[:8]}_{args.rows}"
        book, text = folder / f"{stem}.xlsx", folder / f"{stem}.csv"
        if not book.exists() or not text.exists():
            answers = simulated_answers(q, args.rows)
            write_workbook(q, answers, book)
            answers.to_csv(text)
        rows = []
        for path in (text, book):
            base, peak, note = measure_memory(path, q, tmp, args.src)
            per = (peak - base) * 100_000 / args.rows
            rows.append(f"| {args.label} | {'CSV' if path.suffix == '.csv' else 'xlsx entry template'} | "
                        f"{path.stat().st_size / 1e6:.1f} | {args.rows:,} | {base:.0f} | {peak:.0f} | {per:.0f} | "
                        f"{note} |")
    section_rows = [r for r in _memory_rows() if not r.startswith(f"| {args.label} |")] + rows
    section = "\n".join([
        MEM_START,
        f"## Memory of an import ({q.key}, {len(q.columns()) + 1} columns)",
        "",
        "Made by `python3 bench/bench_import.py --memory` (`--src`/`--label` for the code before a change; last run "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, Python {platform.python_version()}, "
        f"{platform.machine()}, {_cpu_name()}, 2 CPUs shared with other work): the "
        "simulated answers as a CSV and as the entry-template workbook, each imported into a fresh store in its "
        "own process. Base MB: resident set after importing careersurvey and the questionnaire; peak MB: the "
        "process's peak resident set (VmHWM: ru_maxrss would carry the parent's size over the fork); per 100k rows: (peak - base) scaled to 100,000 rows.",
        "",
        "| code | file | MB | rows | base MB | peak MB | peak - base per 100k rows | result |",
        "|---|---|---:|---:|---:|---:|---:|---|",
        *section_rows,
        MEM_END,
    ])
    print(section)
    if not args.no_write:
        _replace_section(MEM_START, MEM_END, section)
    return 0


def _cpu_name() -> str:
    """The processor's model name (Linux), else the platform's word for it."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            return next(line.split(":", 1)[1].strip() for line in fh if line.startswith("model name"))
    except (OSError, StopIteration):
        return platform.processor() or "unknown CPU"


def _memory_rows() -> list[str]:
    """Rows of the memory table already in RESULTS.md."""
    text = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else ""
    found = re.search(re.escape(MEM_START) + r"(.*?)" + re.escape(MEM_END), text, flags=re.S)
    lines = found.group(1).splitlines() if found else []
    return [line for line in lines if line.startswith("| ") and not line.startswith("| code |")]


def _replace_section(start: str, end: str, section: str) -> None:
    """Put ``section`` between its markers in RESULTS.md (appended when absent); other sections untouched."""
    text = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else ""
    if start in text and end in text:
        text = re.sub(re.escape(start) + r".*?" + re.escape(end), lambda _: section, text, flags=re.S)
    else:
        text = text.rstrip("\n") + ("\n\n" if text else "") + section + "\n"
    RESULTS.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--keep", type=Path, default=None, help="folder to keep (and reuse) the workbook in")
    parser.add_argument("--no-write", action="store_true", help="print results, leave RESULTS.md alone")
    parser.add_argument("--memory", action="store_true", help="measure peak memory per file kind instead")
    parser.add_argument("--src", type=Path, default=None, help="--memory: source tree the children import")
    parser.add_argument("--label", default="this tree", help="--memory: name of the code measured")
    args = parser.parse_args(argv)

    from careersurvey.questionnaire import load_questionnaire

    q = load_questionnaire("stem-careers")
    if args.memory:
        return memory_main(args, q)
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
        _replace_section(START, END, section)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
