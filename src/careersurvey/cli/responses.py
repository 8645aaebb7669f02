"""``careersurvey responses``: import fieldwork files into a store, list the ledger and problems, export.

A thin shell over :mod:`careersurvey.responses`. ``import`` exits 0 when every file was read (even with
quarantined rows: they are in ``responses problems``), and 2 when a file could not be read at all or holds
no responses (wrong sheet, header only, not a response file; the others are still imported, each in its own
transaction); usage errors exit 1.
"""

from __future__ import annotations

import enum
import json
from pathlib import Path
from typing import List, Optional

import typer

from careersurvey.cli._common import fail, say, say_error, say_json

app = typer.Typer(help="Response files: import (validate + store), status, problems, export.",
                  no_args_is_help=True)

STORE_HELP = "The response store (a DuckDB file; created on first import)."


class ExportFormat(str, enum.Enum):
    sav = "sav"
    dta = "dta"
    parquet = "parquet"
    csv = "csv"
    xlsx = "xlsx"


def _count(n: int, word: str) -> str:
    """``1 row``, ``2 rows``: counts read as plain English in every summary line."""
    return f"{n} {word}" if n == 1 else f"{n} {word}s"




def _form_versions(pairs: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for pair in pairs:
        export_version, sep, version = pair.partition("=")
        if not sep or not export_version or not version:
            fail(f"--form-version {pair!r}: write it as EXPORT_VERSION=QUESTIONNAIRE_VERSION (e.g. vKoboA=1.0.0)")
        out[export_version] = version
    return out


@app.command("import")
def import_(
    files: List[Path] = typer.Argument(..., help="Response files: entry template .xlsx, KoboToolbox/ODK .xlsx/.csv, .csv."),
    store: Path = typer.Option(..., "--store", "-s", help=STORE_HELP),
    questionnaire: Optional[List[str]] = typer.Option(
        None, "--questionnaire", "-q",
        help="id@version the files answer (default: read from the template's _meta). Repeat for exports "
             "that mix versions."),
    form_version: List[str] = typer.Option(
        [], "--form-version", help="Map an export's own version id to a questionnaire version: vKoboA=1.0.0."),
    kind: Optional[str] = typer.Option(None, "--kind", help="template | kobo | csv | sheet (default: recognised)."),
    sheet: Optional[str] = typer.Option(
        None, "--sheet", help="Workbook sheet holding the responses (default: the template's Responses sheet, "
                              "else the first sheet)."),
    separators: str = typer.Option("/-", "--group-separator", help="Group-path separators in export headers."),
    encoding: Optional[str] = typer.Option(None, "--encoding", help="CSV encoding (default: utf-8-sig, then cp949)."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object per file."),
    timeout: float = typer.Option(30.0, "--wait", help="Seconds to wait for another import holding the store."),
    wave: Optional[str] = typer.Option(
        None, "--wave", "-w", help="Wave the files belong to, e.g. 2026 (default: the store's only wave; 1 for a new "
                                   "store). Ids are unique within a wave; the same person may answer in several."),
) -> None:
    """Validate FILES against the questionnaire and store them; quarantined rows are kept with reasons."""
    from careersurvey.responses.importer import import_file, load_questionnaire_spec
    from careersurvey.responses.problems import ResponsesError
    from careersurvey.responses.store import ResponseStore

    spec = None
    try:
        if questionnaire:
            loaded = [load_questionnaire_spec(s) for s in questionnaire]
            spec = loaded[0] if len(loaded) == 1 else loaded
    except ResponsesError as exc:
        fail(str(exc))
    target = ResponseStore(store, timeout=timeout)
    mapping = _form_versions(form_version)
    unreadable = 0
    for path in files:
        try:
            result = import_file(path, target, spec, kind=kind, encoding=encoding, sheet=sheet,
                                 form_versions=mapping or None, separators=separators, wave=wave)
        except ResponsesError as exc:
            unreadable += 1
            if as_json:
                say_json({"file": str(path), "error": str(exc), "code": exc.code})
            say_error(str(exc))
            if exc.code == "busy":
                raise typer.Exit(3)
            continue
        except Exception as exc:  # a bug, not the file's fault: say so plainly, keep going, never a traceback
            unreadable += 1
            message = (f"{path}: unexpected {type(exc).__name__} while importing ({exc}); nothing was stored "
                       "for this file. Please report it with the file")
            if as_json:
                say_json({"file": str(path), "error": message, "code": "internal"})
            say_error(message)
            continue
        if as_json:
            say_json(result.to_json())
        elif result.already_imported:
            say(f"{path}: already imported (import {result.import_id}, wave {result.wave}, same sha256); nothing added")
        else:
            extra = f", encoding {result.encoding}" if result.encoding else ""
            say(f"{path}: {_count(result.rows_in, 'row')} -> {result.accepted} accepted, {result.quarantined} "
                f"quarantined, {_count(result.warnings, 'warning')} ({result.questionnaire}@{result.version}, "
                f"{result.kind}{extra}; wave {result.wave}, import {result.import_id})")
            if result.quarantined or result.warnings:
                rules = target.problems(result.import_id)["rule"].value_counts()
                say("  " + ", ".join(f"{n} {rule}" for rule, n in rules.items())
                    + f"; see `careersurvey responses problems --store {store}`")
    if unreadable:
        raise typer.Exit(2)


@app.command("status")
def status(store: Path = typer.Option(..., "--store", "-s", help=STORE_HELP),
           as_json: bool = typer.Option(False, "--json", help="Print the ledger as JSON.")) -> None:
    """The ledger: every import with its file, hash, questionnaire version and counts."""
    from careersurvey.responses.problems import ResponsesError
    from careersurvey.responses.store import ResponseStore

    try:
        s = ResponseStore(store)
        ledger = s.ledger()
        counts = s.counts()
    except ResponsesError as exc:
        fail(str(exc))
    if as_json:
        say_json({"counts": counts, "imports": json.loads(ledger.to_json(orient="records", date_format="iso"))})
        return
    say(f"{store}: {_count(counts['imports'], 'import')}, {_count(counts['rows_in'], 'row')}: "
        f"{counts['accepted']} accepted, {counts['quarantined']} quarantined (schema version {s.schema_version()})")
    for wave, part in ledger.groupby("wave", sort=False):
        say(f"  wave {wave}: {_count(len(part), 'import')}, {_count(int(part['rows_in'].sum()), 'row')}: "
            f"{int(part['accepted'].sum())} accepted, {int(part['quarantined'].sum())} quarantined")
    for row in ledger.itertuples():
        encoding = f", {row.encoding}" if isinstance(row.encoding, str) else ""
        say(f"  import {row.import_id} (wave {row.wave}): {row.file_name} ({row.kind}{encoding}) {row.questionnaire_id}@"
            f"{row.questionnaire_version}: {_count(row.rows_in, 'row')}, {row.accepted} accepted, {row.quarantined} "
            f"quarantined, {_count(row.warnings, 'warning')}; {str(row.imported_at)[:19]} UTC; sha256 "
            f"{row.sha256[:16]}")


@app.command("problems")
def problems(store: Path = typer.Option(..., "--store", "-s", help=STORE_HELP),
             out: Optional[Path] = typer.Option(None, "--out", "-o", help="Write them to .xlsx or .csv."),
             import_id: Optional[int] = typer.Option(None, "--import", help="Only this import."),
             ) -> None:
    """Every quarantined row and warning: file, sheet, row, column, item, value, rule, message."""
    import pandas as pd

    from careersurvey.responses.export import write_problems
    from careersurvey.responses.problems import ResponsesError
    from careersurvey.responses.store import ResponseStore

    try:
        target = ResponseStore(store)
        if import_id is not None and import_id not in set(target.ledger()["import_id"].astype(int)):
            fail(f"{store}: the store has no import {import_id}; `careersurvey responses status --store {store}` "
                 "lists the imports")
        frame = target.problems(import_id)
        if out is not None:
            write_problems(frame, out)
            say(f"{_count(len(frame), 'problem')} written to {out}")
            return
    except ResponsesError as exc:
        fail(str(exc))
    if frame.empty:
        say("no problems recorded")
        return
    several = len(target.waves()) > 1  # a store of one wave need not say it on every line
    for row in frame.itertuples():
        parts = (f"wave {row.wave}" if several else None, row.file, f"sheet {row.sheet}" if isinstance(row.sheet, str) else None,
                 f"row {row.row}" if pd.notna(row.row) else None)
        where = ", ".join(p for p in parts if p).replace(", ", ": ", 1 if several else 0)
        say(f"[{row.severity}] {where}: {row.message}")


@app.command("export")
def export(store: Path = typer.Option(..., "--store", "-s", help=STORE_HELP),
           format: ExportFormat = typer.Option(..., "--format", "-f", help="sav | dta | parquet | csv | xlsx."),
           out: Path = typer.Option(..., "--out", "-o", help="File to write."),
           questionnaire: Optional[str] = typer.Option(None, "--questionnaire", "-q",
                                                       help="Target id@version (default: newest in the store)."),
           language: Optional[str] = typer.Option(None, "--language", "-l", help="Label language, or 'all'."),
           labels: bool = typer.Option(False, "--labels", help="csv/xlsx/parquet: labels instead of codes."),
           encoding: str = typer.Option("utf-8-sig", "--encoding", help="csv: utf-8-sig (default) or cp949."),
           drop_sensitive: bool = typer.Option(False, "--drop-sensitive",
                                               help="Leave out every item the questionnaire marks sensitive."),
           pseudonymise: Optional[Path] = typer.Option(
               None, "--pseudonymise", metavar="KEYFILE",
               help="Replace respondent ids (and sensitive values kept) by keyed hashes made with this key file."),
           private: bool = typer.Option(True, "--private/--no-private",
                                        help="Owner-only file (default), or your umask's usual permissions."),
           wave: Optional[List[str]] = typer.Option(None, "--wave", "-w",
                                                    help="Only this wave (repeat for several; default all)."),
           ) -> None:
    """Write the accepted responses, harmonised on one questionnaire version, with labels.

    By default every item and the respondent ids as stored go out, in a file only you can read."""
    import warnings

    from careersurvey.responses.export import ExportWarning, export_responses
    from careersurvey.responses.problems import ResponsesError
    from careersurvey.responses.store import ResponseStore

    if out.suffix.lower().lstrip(".") in ExportFormat.__members__ and out.suffix.lower() != f".{format.value}":
        fail(f"{out}: --format {format.value} but the file is named {out.suffix}; name it .{format.value} or "
             f"pass --format {out.suffix.lower().lstrip('.')}")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ExportWarning)
            result = export_responses(store, out, format.value, questionnaire=questionnaire, language=language,
                                      labels=labels, encoding=encoding, drop_sensitive=drop_sensitive,
                                      pseudonymise=pseudonymise, private=private, waves=wave or None)
        quarantined = ResponseStore(store).counts()["quarantined"]
    except ResponsesError as exc:
        fail(str(exc))
    for note in result.notes:
        say(("note:", "yellow"), f" {note}", err=True)
    for path in result.paths:
        say(f"{path}: {_count(result.rows, 'accepted row')}, {_count(result.columns, 'column')}")
    if quarantined:
        say(f"  not exported: {_count(quarantined, 'quarantined row')}; see `careersurvey responses "
            f"problems --store {store}`")


@app.command("migrate")
def migrate(store: Path = typer.Option(..., "--store", "-s", help="A response store written before waves."),
            wave: str = typer.Option(..., "--wave", "-w", help="The wave its imports belong to, e.g. 2025."),
            ) -> None:
    """Bring a store written before waves to the current schema, naming the wave of what it holds (one
    transaction: interrupted, the store stays as it was)."""
    from careersurvey.responses.problems import ResponsesError
    from careersurvey.responses.store import ResponseStore

    target = ResponseStore(store)
    try:
        if not store.is_file():
            fail(f"{store}: no response store here; check the path")
        before = target.stored_version()
        version = target.migrate(wave)
        waves = target.waves()
    except ResponsesError as exc:
        fail(str(exc))
    if before == version:
        say(f"{store}: already at schema version {version} (waves {', '.join(waves) or 'none yet'}); nothing changed")
    else:
        say(f"{store}: migrated from schema version {before} to {version}; its imports are wave "
            f"{', '.join(waves) or wave}")


class PanelShape(str, enum.Enum):
    long = "long"
    wide = "wide"


@app.command("panel")
def panel(store: Path = typer.Option(..., "--store", "-s", help=STORE_HELP),
          key: Path = typer.Option(..., "--key", "-k", help="Key file of the panel ids (e.g. `openssl rand -hex 32 > "
                                                             "panel.key`); kept apart from the data, never written."),
          shape: PanelShape = typer.Option(PanelShape.long, "--format", "-f",
                                           help="long: a row per person and wave; wide: a row per person."),
          out: Path = typer.Option(..., "--out", "-o", help="File to write: .csv, .parquet or .xlsx."),
          wave: Optional[List[str]] = typer.Option(None, "--wave", "-w", help="Only this wave (repeat; default all)."),
          constant: List[str] = typer.Option([], "--constant",
                                             help="wide: a column kept once, from the person's first wave."),
          labels: bool = typer.Option(False, "--labels", help="Labels instead of codes."),
          drop_sensitive: bool = typer.Option(False, "--drop-sensitive",
                                              help="Leave out every item the questionnaire marks sensitive."),
          private: bool = typer.Option(True, "--private/--no-private",
                                       help="Owner-only file (default), or your umask's usual permissions."),
          ) -> None:
    """The panel file: persons linked across waves by a keyed pseudonymous panel id (no respondent ids in it)."""
    from careersurvey.responses.export import export_panel
    from careersurvey.responses.problems import ResponsesError

    try:
        result = export_panel(store, out, key, shape=shape.value, waves=wave or None, labels=labels,
                              drop_sensitive=drop_sensitive, constant=constant, private=private)
    except ResponsesError as exc:
        fail(str(exc))
    say(f"{out}: {_count(result.rows, 'row')} ({'one per person' if shape is PanelShape.wide else 'one per person and wave'}), "
        f"{_count(result.columns, 'column')}")
