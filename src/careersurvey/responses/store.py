"""The response store: one DuckDB file holding every import, its rows, clean and raw values, problems and ledger.

Guarantees, each tested:

* each import is one transaction with one ledger row (file name, sha256, size, questionnaire id and
  version, counts, time); an import interrupted at any point (exception, ``kill -9``) leaves the store
  as it was, because DuckDB only makes a transaction durable at commit;
* the same file content (sha256) is never imported twice: the second import adds nothing and says so;
* every import belongs to a wave (:mod:`careersurvey.responses.waves`); a respondent id is unique within a wave;
* one writer at a time: DuckDB locks the file for the process that opened it for writing. A second
  process waits (up to ``timeout`` seconds) and then fails with :class:`StoreBusyError` naming the
  holder; connections are opened per operation and closed at once, so imports serialise;
* the schema is versioned (``schema_version`` table) and migrated forward on open
  (:mod:`careersurvey.responses.schema`); a store written by newer code is refused, never altered.

The schema itself is documented in :mod:`careersurvey.responses.schema`.
"""

from __future__ import annotations

import re
import threading
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

import numpy as np
import pandas as pd
import pyarrow as pa

from careersurvey.questionnaire.model import Questionnaire
from careersurvey.responses.files import private_umask
from careersurvey.responses.problems import PROBLEM_COLUMNS, ResponsesError, StoreBusyError, problems_frame
from careersurvey.responses.schema import CURRENT, MIGRATIONS, SCHEMA_VERSION_TABLE, comments_sql
from careersurvey.responses.validate import Validated
from careersurvey.responses.waves import DEFAULT_WAVE, check_wave, needs_wave, sql_literal, store_waves

#: Bytes 8-11 of every DuckDB database file.
DUCKDB_MAGIC = b"DUCK"
_LOCK = re.compile(r"lock|Conflicting|being used|Could not set", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class FileInfo:
    """Identity of an imported file: where it was, its size and its content hash."""

    path: str
    sha256: str
    size: int

    @property
    def name(self) -> str:
        """The file's base name."""
        return Path(self.path).name


@dataclass(frozen=True, slots=True)
class ImportResult:
    """What one import did (the CLI prints it; ``--json`` prints :meth:`to_json`)."""

    file: str
    sha256: str
    questionnaire: str
    version: str
    rows_in: int
    accepted: int
    quarantined: int
    warnings: int
    already_imported: bool
    import_id: int | None = None
    kind: str | None = None
    encoding: str | None = None
    wave: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The result as a JSON-ready dict (the CLI's ``--json`` line)."""
        return asdict(self)


class ResponseStore:
    """A DuckDB response store at ``path`` (created on first write).

    ``timeout`` is how long to wait for another process's write lock before giving up.
    """

    def __init__(self, path: str | Path, *, timeout: float = 30.0) -> None:
        self.path = Path(path)
        self.timeout = timeout

    def __repr__(self) -> str:
        return f"ResponseStore({str(self.path)!r})"

    # -- connections -------------------------------------------------------------------------
    @contextmanager
    def connect(self, *, read_only: bool = False) -> Iterator[Any]:
        """A connection, migrated to the current schema; waits for another writer up to ``timeout``."""
        if not read_only:  # one writer per store within this process too (DuckDB shares one instance)
            # owner-only files (the store, its WAL, DuckDB's spill folder): they hold the answers
            with _process_lock(self.path), private_umask():
                with self._open(read_only=False) as con:
                    yield con
            return
        with self._open(read_only=True) as con:
            yield con

    def migrate(self, wave: str) -> int:
        """Bring an older store to the current schema, its existing imports into ``wave`` (one transaction per
        migration); returns the schema version. A store already current is left as it is."""
        with _process_lock(self.path), private_umask(), self._open(read_only=False, wave=check_wave(wave)) as con:
            return self._version(con)

    @contextmanager
    def _open(self, *, read_only: bool, wave: str | None = None) -> Iterator[Any]:
        """Open the DuckDB file, retrying while another process holds its lock, and migrate it."""
        import duckdb

        if read_only and not self.path.exists():
            raise ResponsesError("no response store here yet; import files into it first",
                                 code="no_store", file=str(self.path))
        self._check_path()
        deadline = time.monotonic() + self.timeout
        delay = 0.05
        while True:
            try:
                con = duckdb.connect(str(self.path), read_only=read_only)
                break
            except duckdb.IOException as exc:
                if not _LOCK.search(str(exc)):
                    raise ResponsesError(f"the store cannot be opened ({exc}); is it a DuckDB file?",
                                         code="bad_store", file=str(self.path)) from None
                if time.monotonic() >= deadline:
                    raise StoreBusyError(
                        f"the store is in use by another process and stayed locked for {self.timeout:g} s "
                        f"({_holder(str(exc))}); wait for that import to finish and run the command again",
                        code="busy", file=str(self.path)) from None
                time.sleep(delay)
                delay = min(delay * 2, 1.0)
            except duckdb.Error as exc:
                raise ResponsesError(f"the store cannot be opened ({exc}); is it a DuckDB response store?",
                                     code="bad_store", file=str(self.path)) from None
        try:
            if read_only and self._version(con) < CURRENT:  # an older store: migrate it once, then read
                con.close()
                with self.connect(read_only=False):
                    pass
                con = duckdb.connect(str(self.path), read_only=True)
            self._migrate(con, read_only=read_only, wave=wave)
            yield con
        finally:
            con.close()

    def _check_path(self) -> None:
        """Refuse what DuckDB would misread: a folder, a missing folder, or a file that is not a DuckDB
        database (DuckDB opens an existing ``.csv`` as an empty in-memory database and would lose the import)."""
        where = "; name the store file (e.g. responses.duckdb), or a new file name to create one"
        if self.path.is_dir():
            raise ResponsesError("this is a folder, not a response store" + where, code="bad_store",
                                 file=str(self.path))
        if not self.path.parent.is_dir():
            raise ResponsesError(f"the folder {self.path.parent} does not exist; create it or choose another "
                                 "store path", code="bad_store", file=str(self.path))
        if self.path.is_file():
            with open(self.path, "rb") as fh:
                head = fh.read(12)
            if head[8:12] != DUCKDB_MAGIC:
                raise ResponsesError("this file is not a DuckDB response store" + where, code="bad_store",
                                     file=str(self.path))

    def _migrate(self, con: Any, *, read_only: bool, wave: str | None = None) -> None:
        """Bring the store to the current schema, or refuse one written by newer code."""
        have = self._version(con)
        if have > CURRENT:
            raise ResponsesError(
                f"the store has schema version {have}, newer than this careersurvey knows ({CURRENT}); "
                "upgrade careersurvey", code="store_too_new", file=str(self.path))
        if have == CURRENT:
            return
        if read_only:
            raise ResponsesError(
                f"the store has schema version {have}; open it once for writing (e.g. `careersurvey "
                "responses status`) to migrate it", code="store_old", file=str(self.path))
        if wave is None and any(m.needs == "wave" and have < m.version for m in MIGRATIONS):
            held = con.execute("SELECT count(*) FROM imports").fetchall()[0][0] if have else 0
            if held:
                raise needs_wave(str(self.path), have, int(held))
        apply_migrations(con, upto=CURRENT, wave=wave)

    @staticmethod
    def _version(con: Any) -> int:
        """Schema version of an open store (0 for a new, empty file)."""
        exists = con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_version'").fetchall()[0][0]
        if not exists:
            return 0
        value = con.execute("SELECT max(version) FROM schema_version").fetchall()[0][0]
        return int(value or 0)

    def stored_version(self) -> int:
        """Schema version of the store file as it is, without migrating it (0 for no store)."""
        import duckdb

        if not self.path.is_file():
            return 0
        self._check_path()
        con = duckdb.connect(str(self.path), read_only=True)
        try:
            return self._version(con)
        finally:
            con.close()

    def schema_version(self) -> int:
        """Schema version of the store (migrating an older one first); an existing store is opened read-only, so
        that this works on a store the user may not write; a path without a store gets a new, empty one."""
        with self.connect(read_only=self.path.exists()) as con:
            return self._version(con)

    # -- writing -----------------------------------------------------------------------------
    def find(self, con: Any, sha256: str) -> ImportResult | None:
        """The earlier import of the same content, if any (as an ``already_imported`` result)."""
        row = con.execute(
            "SELECT file_name, questionnaire_id, questionnaire_version, rows_in, accepted, quarantined, warnings,"
            " import_id, kind, encoding, wave FROM imports WHERE sha256 = ?", [sha256]).fetchall()
        row = row[0] if row else None
        if row is None:
            return None
        return ImportResult(row[0], sha256, row[1], row[2], row[3], row[4], row[5], row[6], True, row[7],
                            row[8], row[9], row[10])

    def stored_ids(self, con: Any, questionnaire_id: str, wave: str, ids: np.ndarray,
                   exclude_import: int | None = None) -> dict[str, str]:
        """Which of ``ids`` (respondent ids of a chunk of rows) are accepted respondents of ``questionnaire_id``
        already stored in ``wave`` -> where (file, row). The chunk's distinct ids go to DuckDB as one Arrow
        column and are joined there with the stored ones, so only the ids found come back (the store's ids are
        never pulled into Python). Rows of the import ``exclude_import`` (the one being written) do not count."""
        present = ids[pd.notna(ids)] if len(ids) else ids
        distinct = pd.unique(present) if len(present) else present
        if not len(distinct):
            return {}
        chunk = con.from_arrow(pa.table({"respondent_id": pa.array(distinct, type=pa.string())}))
        stored = con.sql("SELECT r.respondent_id, i.file_name || ' row ' || r.row_no || ' in wave ' || r.wave AS at "
                         "FROM respondents r JOIN imports i USING (import_id) WHERE r.status = 'accepted' AND "
                         "i.questionnaire_id = ? AND r.wave = ? AND r.import_id <> ?",
                         params=[questionnaire_id, wave, -1 if exclude_import is None else int(exclude_import)])
        found = stored.join(chunk, "respondent_id", how="semi").fetchnumpy()
        return dict(zip(found["respondent_id"].tolist(), found["at"].tolist()))

    def write(self, con: Any, info: FileInfo, parts: Sequence[Validated], wave: str = DEFAULT_WAVE) -> ImportResult:
        """Write one import (all ``parts``: one per questionnaire version in the file) in one transaction."""
        with self.begin(con, info, wave) as writer:
            writer.add(parts)
            return writer.finish()

    @staticmethod
    def _register_columns(con: Any, q: Questionnaire) -> None:
        """Record the data columns of a questionnaire version (once per version)."""
        cols = [(q.id, q.version, c, i.name, i.type, pos)
                for pos, (c, i) in enumerate((c, i) for i in q.items for c in i.columns())]
        frame = pa.table({k: [r[j] for r in cols] for j, k in enumerate(
            ("questionnaire_id", "questionnaire_version", "col", "item", "type", "position"))})
        con.register("_qcols", frame)
        con.execute("INSERT INTO questionnaire_columns SELECT * FROM _qcols ON CONFLICT DO NOTHING")
        con.unregister("_qcols")

    @staticmethod
    def _answer_table(con: Any, q: Questionnaire) -> str:
        """The wide table of ``q``'s version, created on its first import (inside the transaction)."""
        found = con.execute("SELECT table_name FROM answer_tables WHERE questionnaire_id = ? AND "
                            "questionnaire_version = ?", [q.id, q.version]).fetchall()
        if found:
            return found[0][0]
        name = answer_table_name(q.id, q.version)
        columns = ["import_id INTEGER NOT NULL", "row_no INTEGER NOT NULL"]
        for item in q.items:
            for col in item.columns():
                if item.type in ("text", "date"):
                    columns += [f"{quote(col)} VARCHAR", f"{quote(col + CODE_SUFFIX)} DOUBLE"]
                else:
                    columns.append(f"{quote(col)} DOUBLE")
        con.execute(f"CREATE TABLE {quote(name)} ({', '.join(columns)})")
        con.execute(comments_sql({name: _answer_table_docs(q)}))
        con.execute("INSERT INTO answer_tables VALUES (?, ?, ?)", [q.id, q.version, name])
        return name

    # -- reading -----------------------------------------------------------------------------
    def ledger(self) -> pd.DataFrame:
        """One row per import: file, sha256, size, questionnaire, counts, time."""
        with self.connect(read_only=True) as con:
            return con.execute("SELECT * FROM imports ORDER BY import_id").df()

    def problems(self, import_id: int | None = None) -> pd.DataFrame:
        """Every problem (quarantine reasons and warnings) with wave, file, sheet, row, column, item, value."""
        where = "" if import_id is None else f"WHERE p.import_id = {int(import_id)}"
        with self.connect(read_only=True) as con:
            frame = con.execute(
                f"SELECT p.import_id, i.wave, "
                f"{', '.join('p.' + (c if c not in ('row', 'column') else _col(c)) for c in PROBLEM_COLUMNS)}"
                f" FROM problems p JOIN imports i USING (import_id) {where} "
                "ORDER BY p.import_id, p.row_no NULLS FIRST, p.col").df()
        return frame

    def waves(self) -> list[str]:
        """The store's waves, in the order of their first import."""
        with self.connect(read_only=True) as con:
            return store_waves(con)

    def counts(self) -> dict[str, int]:
        """Totals over the store: imports, rows, accepted, quarantined, cells."""
        with self.connect(read_only=True) as con:
            imports, rows_in, accepted, quarantined = con.execute(
                "SELECT count(*), coalesce(sum(rows_in), 0), coalesce(sum(accepted), 0), "
                "coalesce(sum(quarantined), 0) FROM imports").fetchall()[0]
            stored = con.execute("SELECT count(*) FROM respondents").fetchall()[0][0]
            raw = con.execute("SELECT count(*) FROM raw_cells").fetchall()[0][0]
        return {"imports": int(imports), "rows_in": int(rows_in), "accepted": int(accepted),
                "quarantined": int(quarantined), "respondent_rows": int(stored), "raw_cells": int(raw)}


    @contextmanager
    def begin(self, con: Any, info: FileInfo, wave: str = DEFAULT_WAVE) -> Iterator["ImportWriter"]:
        """One import's transaction, written chunk by chunk (:class:`ImportWriter`); any error rolls it all back
        (a failed write is reported as :func:`_write_failure` words it)."""
        con.execute("BEGIN TRANSACTION")
        try:
            import_id = con.execute("SELECT nextval('import_id_seq')").fetchall()[0][0]
            yield ImportWriter(con, info, int(import_id), check_wave(wave))
        except BaseException as exc:
            _rollback(con)
            raise _write_failure(exc, self.path) from exc


class ImportWriter:
    """Writes one import inside its open transaction: :meth:`add` per chunk of rows, then :meth:`finish`.

    Row-level problems are stored with their chunk; problems of the file as a whole (reader notes, unknown or
    missing columns) once, at :meth:`finish`, as are the ledger row's final counts."""

    def __init__(self, con: Any, info: FileInfo, import_id: int, wave: str = DEFAULT_WAVE) -> None:
        self.con, self.info, self.import_id, self.wave = con, info, import_id, wave
        self.rows_in = self.quarantined = self.warnings = 0
        self.main: tuple | None = None  # (questionnaire, kind, sheet, encoding) of the newest version's rows
        self.file_level: dict[Any, None] = {}
        self._versions: set[str] = set()

    def add(self, parts: Sequence[Validated]) -> None:
        """Store the rows of one chunk (one part per questionnaire version among its rows)."""
        con, import_id = self.con, self.import_id
        for part in parts:
            if self.main is None or _version_key(part.questionnaire.version) > _version_key(self.main[0].version):
                self.main = (part.questionnaire, part.table.kind, part.table.sheet, part.table.encoding)
            if part.questionnaire.version not in self._versions:
                self._versions.add(part.questionnaire.version)
                ResponseStore._register_columns(con, part.questionnaire)
            table_name = ResponseStore._answer_table(con, part.questionnaire)
            _insert(con, "respondents", _respondents(import_id, part, self.wave))
            _insert(con, table_name, _answers(import_id, part))
            _insert(con, "raw_cells", _raw_cells(import_id, part))
            self.rows_in += part.rows_in
            self.quarantined += part.n_quarantined
        for name, child in (parts[0].table.children.items() if parts else ()):
            _insert(con, "repeat_cells", _repeat_cells(import_id, name, child))
        rows = list(dict.fromkeys(p for part in parts for p in part.problems if p.row is not None))
        for p in (p for part in parts for p in part.problems if p.row is None):
            self.file_level.setdefault(p)
        self.warnings += sum(p.severity == "warning" for p in rows)
        self._problems(rows)

    def finish(self, keep_file_problem: Callable[[Any], bool] = lambda p: True) -> ImportResult:
        """Store the file-level problems ``keep_file_problem`` keeps and the ledger row; commit."""
        from careersurvey import __version__

        assert self.main is not None, "finish() needs at least one add()"
        q, kind, sheet, encoding = self.main  # not the rows: each chunk is dropped once stored
        file_level = [p for p in self.file_level if keep_file_problem(p)]
        self._problems(file_level)
        warnings = self.warnings + sum(p.severity == "warning" for p in file_level)
        info, accepted = self.info, self.rows_in - self.quarantined
        self.con.execute(
            "INSERT INTO imports VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [self.import_id, info.name, info.path, info.sha256, info.size, kind, sheet, encoding,
             q.id, q.version, q.content_hash(), self.rows_in, accepted, self.quarantined, warnings,
             datetime.now(timezone.utc).replace(tzinfo=None), __version__, q.title.get(q.default_language), self.wave])
        self.con.execute("COMMIT")
        return ImportResult(info.name, info.sha256, q.id, q.version, self.rows_in, accepted, self.quarantined,
                            warnings, False, self.import_id, kind, encoding, self.wave)

    def _problems(self, problems: Sequence[Any]) -> None:
        if not problems:
            return
        frame = problems_frame(problems).rename(columns={"row": "row_no", "column": "col"})
        frame.insert(0, "import_id", np.int32(self.import_id))
        _insert(self.con, "problems", pa.Table.from_pandas(frame, preserve_index=False))


#: Suffix of the missing-code column beside a text or date item's text column in an answer table.
CODE_SUFFIX = "@code"


def quote(identifier: str) -> str:
    """A DuckDB identifier in double quotes (quotes inside doubled), for names made from questionnaires."""
    return '"' + identifier.replace('"', '""') + '"'


def answer_table_name(questionnaire_id: str, version: str) -> str:
    """``answers_<id>_<version>`` with anything but ``[a-z0-9]`` as ``_``: ``answers_stem_careers_1_0_0``."""
    return "answers_" + re.sub(r"[^a-z0-9]+", "_", f"{questionnaire_id}_{version}".lower()).strip("_")


def _answer_table_docs(q: Questionnaire) -> tuple[str, dict[str, str]]:
    """Comments of a wide answer table: what it holds, and each column's item label and type."""
    lang = q.default_language
    about = (f"Clean values of {q.key}, one row per data row (accepted and quarantined; status in respondents, "
             "joined on import_id, row_no). Numbers and choice codes as DOUBLE; -6 not asked, -7 refused, "
             "-8 don't know, -9 not applicable (routed past); NULL where the cell was empty.")
    docs = {"import_id": "The import (table imports).", "row_no": "Row of the file (as respondents.row_no)."}
    for item in q.items:
        for col in item.columns():
            label = item.label.get(lang, item.name)
            if item.type == "multiple" and item.choices is not None:
                code = int(col.rsplit("_", 1)[1])
                choice = next(c for c in item.choices.choices if c.code == code)
                docs[col] = f"{label}: {choice.label.get(lang, code)} (1 chosen, 0 not chosen)"
            elif item.type in ("text", "date"):
                docs[col] = f"{label} ({item.type}{', ISO YYYY-MM-DD' if item.type == 'date' else ''})"
                docs[col + CODE_SUFFIX] = f"Missing code of {col} (-6..-9), NULL when {col} holds an answer"
            else:
                docs[col] = f"{label} ({item.type})"
    return about, docs


_LOCKS: dict[str, threading.RLock] = {}
_LOCKS_GUARD = threading.Lock()


def _process_lock(path: Path) -> threading.RLock:
    """The lock serialising writers to one store file among the threads of this process."""
    key = str(Path(path).resolve())
    with _LOCKS_GUARD:
        return _LOCKS.setdefault(key, threading.RLock())


def _col(name: str) -> str:
    """SQL select expression giving a problems column its public name."""
    return {"row": "row_no AS row", "column": "col AS column"}[name]


def _holder(message: str) -> str:
    """Which process holds the store's lock, from DuckDB's message."""
    pid = re.search(r"PID (\d+)", message)
    return f"held by process {pid.group(1)}" if pid else message.strip().splitlines()[0][:200]


def _version_key(version: str) -> tuple:
    """Sort key of a version text: ``1.10.0`` after ``1.9.0``."""
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"[.\-+]", version))


def apply_migrations(con: Any, *, upto: int = CURRENT, wave: str | None = None) -> None:
    """Apply the migrations a store lacks, up to ``upto``, each in its own transaction; ``wave``: the wave of
    the imports a store from before waves holds (any name will do for an empty store)."""
    con.execute(SCHEMA_VERSION_TABLE)
    have = ResponseStore._version(con)
    for m in MIGRATIONS:
        if have < m.version <= upto:
            con.execute("BEGIN TRANSACTION")
            try:
                con.execute(m.sql.replace("{wave}", sql_literal(wave or DEFAULT_WAVE)) if m.needs else m.sql)
                con.execute("INSERT INTO schema_version VALUES (?, ?, ?)",
                            [m.version, m.description, datetime.now(timezone.utc).replace(tzinfo=None)])
                con.execute("COMMIT")
            except BaseException:
                _rollback(con)
                raise


def _insert(con: Any, table: str, data: pa.Table) -> None:
    """Append an Arrow table to ``table`` by column name (columns it lacks are NULL; no-op when empty).

    Through a relation, not ``con.register``: DuckDB keeps a registered object alive until the transaction ends,
    so an import written chunk by chunk would hold every chunk's Arrow data until its commit."""
    if data.num_rows == 0:
        return
    target = [d[0] for d in con.execute(f"SELECT * FROM {quote(table)} LIMIT 0").description]
    have = set(data.column_names)
    select = ", ".join(quote(c) if c in have else f"NULL AS {quote(c)}" for c in target)
    con.from_arrow(data).project(select).insert_into(table)


#: DuckDB reports a failed write at COMMIT as a TransactionException whose text carries the system's words
_IO_FAILURE = re.compile(r"Could not (write|open|create|truncate|sync|fsync)|No space left|File too large|"
                         r"Disk quota|Input/output error|Read-only file system", re.IGNORECASE)


def _rollback(con: Any) -> None:
    """Roll back the open transaction; one DuckDB aborted on an error (e.g. a failed write) is gone already."""
    import duckdb

    try:
        con.execute("ROLLBACK")
    except duckdb.Error:
        pass


def _write_failure(exc: BaseException, path: Path) -> BaseException:
    """The error to raise for a failed import transaction: a failed write (full disk, file size limit, I/O error)
    becomes a ResponsesError naming the store and the system's own words; anything else stays as it was."""
    import duckdb

    io_failure = isinstance(exc, (duckdb.IOException, duckdb.FatalException)) or (
        isinstance(exc, duckdb.Error) and _IO_FAILURE.search(str(exc)) is not None)
    if isinstance(exc, OSError) or io_failure:
        cause = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        return ResponsesError(
            f"the store could not be written ({cause}); nothing of this file was stored. Free space on the disk "
            f"that holds {path.name} (or choose a store on another disk) and import the file again",
            code="store_write", file=str(path))
    return exc


def _respondents(import_id: int, part: Validated, wave: str) -> pa.Table:
    """Rows of table respondents for one part: row, id, status, versions, wave."""
    n = part.rows_in
    version = part.table.form_version
    return pa.table({
        "import_id": pa.array(np.full(n, import_id, dtype=np.int32)),
        "row_no": pa.array(part.table.rows.astype(np.int32)),
        "respondent_id": pa.array(part.respondent_id, type=pa.string()),
        "status": pa.array(np.where(part.quarantined, "quarantined", "accepted")),
        "questionnaire_version": pa.array([part.questionnaire.version] * n, type=pa.string()),
        "form_version": pa.array(np.full(n, None, dtype=object) if version is None else
                                 pd.Series(version, dtype=object).map(
                                     lambda v: None if v is None or v == "" else str(v)).to_numpy(dtype=object),
                                 type=pa.string()),
        "wave": pa.array([wave] * n, type=pa.string()),
    })


def _answers(import_id: int, part: Validated) -> pa.Table:
    """The wide clean-value table of one part: import_id, row_no, then every data column."""
    n = part.rows_in
    data: dict[str, pa.Array] = {
        "import_id": pa.array(np.full(n, import_id, dtype=np.int32)),
        "row_no": pa.array(part.table.rows.astype(np.int32)),
    }
    for item in part.questionnaire.items:
        for col in item.columns():
            num = part.numbers[col]
            if col in part.texts:
                data[col] = pa.array(part.texts[col], type=pa.string(), from_pandas=True)
                data[col + CODE_SUFFIX] = pa.array(num, from_pandas=True)
            else:
                data[col] = pa.array(num, from_pandas=True)
    return pa.table(data)


def _raw_cells(import_id: int, part: Validated) -> pa.Table:
    """Long table of the kept raw cells (see the schema): built column by column, only where kept."""
    rows = part.table.rows.astype(np.int32)
    row_chunks, names, col_codes, raw_chunks = [], [], [], []
    for col, raw in part.raw.items():
        keep = pd.notna(raw)
        k = int(keep.sum())
        if not k:
            continue
        names.append(col)
        row_chunks.append(rows[keep])
        col_codes.append(np.full(k, len(names) - 1, dtype=np.int32))
        raw_chunks.append(pa.array(raw[keep], type=pa.string()))
    if not names:
        return pa.table({"import_id": pa.array([], pa.int32())})
    codes = np.concatenate(col_codes)
    return pa.table({
        "import_id": pa.array(np.full(len(codes), import_id, dtype=np.int32)),
        "row_no": pa.array(np.concatenate(row_chunks)),
        "col": pa.DictionaryArray.from_arrays(pa.array(codes), pa.array(names, pa.string())).dictionary_decode(),
        "raw": pa.chunked_array(raw_chunks, pa.string()),
    })


def _repeat_cells(import_id: int, sheet: str, child: Any) -> pa.Table:
    """Long table of a repeat group's non-empty cells, as text."""
    from careersurvey.responses.readers.raw import is_empty
    from careersurvey.responses.validate import as_text

    parts = []
    for header in child.headers:
        values = child.data[header]
        keep = ~is_empty(values)
        if keep.any():
            parts.append(pd.DataFrame({"row_no": child.rows[keep].astype(np.int32), "col": header,
                                       "raw": as_text(values[keep])}))
    if not parts:
        return pa.table({"import_id": pa.array([], pa.int32())})
    frame = pd.concat(parts, ignore_index=True)
    frame.insert(0, "sheet", sheet)
    frame.insert(0, "import_id", np.int32(import_id))
    return pa.Table.from_pandas(frame, preserve_index=False)
