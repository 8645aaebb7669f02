"""Import: read a file, find its questionnaire, validate, and store it in one transaction.

:func:`import_responses` is the API of ``careersurvey responses import``. The store's write lock is
held from the duplicate checks to the commit, so two imports into one store never interleave; the
file's sha256 is checked first, so the same content is never read or stored twice. A CSV is read, validated
and stored in chunks of rows inside that one transaction (a respondent id's first row is kept over the whole
file, and an export's form versions are counted over the whole file before the first chunk is stored).
"""

from __future__ import annotations

import hashlib
from contextlib import closing
from dataclasses import replace
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from careersurvey.questionnaire.model import Questionnaire
from careersurvey.responses.problems import ResponsesError, excerpt
from careersurvey.responses.readers import iter_responses
from careersurvey.responses.readers.csvfile import CHUNK_ROWS
from careersurvey.responses.readers.raw import RawTable
from careersurvey.responses.readers.workbook import MAX_ROWS, MAX_UNCOMPRESSED
from careersurvey.responses.store import FileInfo, ImportResult, ResponseStore, _version_key
from careersurvey.responses.validate import respondent_ids, validate
from careersurvey.responses.waves import check_wave, import_wave

QuestionnaireSpec = Questionnaire | str | Sequence[Questionnaire] | None


def file_info(path: str | Path) -> FileInfo:
    """Size and SHA-256 of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    size = 0
    try:
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
                size += len(block)
    except FileNotFoundError:
        raise ResponsesError("no such file; check the path", code="not_found", file=str(path)) from None
    except IsADirectoryError:
        raise ResponsesError("is a directory, not a response file", code="not_found", file=str(path)) from None
    return FileInfo(str(path), digest.hexdigest(), size)


def load_questionnaire_spec(spec: str, *, registered_only: bool = False) -> Questionnaire:
    """``id@version``, ``id`` (newest version) or a YAML path -> Questionnaire, via the questionnaire loader.

    ``registered_only``: ``spec`` came from inside a user's file, so it may only name a questionnaire of the
    configured survey folder, never a path."""
    from careersurvey.questionnaire import load_questionnaire, load_registered

    try:
        return load_registered(spec) if registered_only else load_questionnaire(spec)
    except Exception as exc:  # FileNotFoundError, QuestionnaireError: both name what exists / what is wrong
        raise ResponsesError(f"cannot load questionnaire {spec!r}: {exc}", code="no_questionnaire") from None


def _candidates(spec: QuestionnaireSpec, table: RawTable) -> list[Questionnaire]:
    """Questionnaire versions the file may answer: as given, or named by the file's ``_meta``."""
    if isinstance(spec, Questionnaire):
        return [spec]
    if isinstance(spec, str):
        return [load_questionnaire_spec(spec)]
    if spec is not None:
        return list(spec)
    qid, version = table.meta.get("questionnaire_id"), table.meta.get("version")
    if not qid:
        raise ResponsesError(
            f"the file does not say which questionnaire it answers ({table.kind} file without _meta); pass "
            "--questionnaire id@version", code="no_questionnaire", file=table.file)
    key = f"{qid}@{version}" if version else str(qid)
    # a workbook names its questionnaire only as id@version, looked up in the survey folders the user configured:
    # never a file path (a file must not choose what is read, nor see its first line echoed in an error)
    from careersurvey.questionnaire import parse_key

    try:
        parse_key(key)
    except ValueError:
        raise ResponsesError(f"its _meta sheet names questionnaire {excerpt(key)}, which is not an id@version "
                             "such as stem-careers@1.0.0 (a questionnaire is never read from a path written in a "
                             "file); pass --questionnaire id@version", code="no_questionnaire",
                             file=table.file) from None
    try:
        return [load_questionnaire_spec(key, registered_only=True)]
    except ResponsesError as exc:  # say which file named it, and how to answer for it
        raise ResponsesError(f"its _meta sheet names questionnaire {key!r}, which cannot be loaded ({exc}); "
                             "import it where that questionnaire is, or pass --questionnaire id@version",
                             code="no_questionnaire", file=table.file) from None


def _split_by_version(table: RawTable, candidates: list[Questionnaire], form_versions: Mapping[str, str] | None,
                      counts: pd.Series | None = None) -> list[tuple[Questionnaire, RawTable]]:
    """Rows grouped by the questionnaire version they answer (one group unless the export mixes versions).

    A template names its version in ``_meta``; an export that mixes versions names each row's form
    version (``__version__``), mapped to questionnaire versions by ``form_versions`` or by equal names.
    ``counts``: rows per form version over the whole file, when ``table`` is one chunk of it (the checks
    below judge the file, not the chunk).
    """
    by_version = {q.version: q for q in candidates}
    newest = max(candidates, key=lambda q: _version_key(q.version))
    meta_version = table.meta.get("version")
    if meta_version:
        if meta_version not in by_version:
            raise ResponsesError(
                f"the workbook was made for {table.meta.get('questionnaire_id')}@{meta_version}, but "
                f"{', '.join(q.key for q in candidates)} was given; import it with --questionnaire "
                f"{table.meta.get('questionnaire_id')}@{meta_version}", code="version", file=table.file)
        return [(by_version[meta_version], table)]
    if table.form_version is None:
        return [(newest, table)]
    mapping = dict(form_versions or {})
    keys = pd.Series(table.form_version, dtype=object).fillna("").astype(str)
    if counts is None:
        counts = keys[keys != ""].value_counts(sort=False)
    if len(counts) <= 1 and len(candidates) == 1 and not mapping:
        return [(newest, table)]
    unmapped = [k for k in counts.index if mapping.get(k, k) not in by_version]
    if len(counts) > 1 and unmapped:
        given = ", ".join(q.key for q in candidates)
        example = " ".join(f"--form-version {k}=VERSION" for k in counts.index)
        raise ResponsesError(
            f"rows carry {len(counts)} form versions ({', '.join(f'{k}: {n} rows' for k, n in counts.items())}) and "
            f"{', '.join(unmapped)} {'is' if len(unmapped) == 1 else 'are'} mapped to none of the questionnaire "
            f"versions given ({given}); rows of different form versions may differ in what was asked, so each needs "
            f"its questionnaire version: pass each with -q and map every form version ({example}; in Python "
            "form_versions={...}); nothing was stored", code="version", file=table.file)
    unknown = sorted({mapping.get(k, k) for k in counts.index} - set(by_version))
    if unknown and len(candidates) > 1:
        raise ResponsesError(
            f"rows carry form versions {', '.join(unknown)} that match none of the questionnaire versions "
            f"{', '.join(by_version)}; map them with --form-version EXPORT_VERSION=QUESTIONNAIRE_VERSION",
            code="version", file=table.file)
    resolved = keys.map(lambda k: mapping.get(k, k))  # over distinct values only, via pandas' cache
    target = resolved.where(resolved.isin(list(by_version)), newest.version).to_numpy(dtype=object)
    return [(by_version[v], take(table, target == v)) for v in sorted(set(target), key=_version_key)]


def _version_counts(path: str | Path, first: RawTable) -> pd.Series | None:
    """Rows per form version over the whole file, for an export that names its rows' form versions (None for
    others): as the reader counted them over a workbook's sheet read in chunks, from the first chunk when it is
    the whole sheet, from the version column of a CSV (read in chunks)."""
    if first.form_version is None:
        return None
    if first.version_counts is not None:
        return pd.Series(dict(first.version_counts), dtype="int64")
    if first.sheet is not None or first.kind != "kobo":
        keys = pd.Series(first.form_version, dtype=object).fillna("").astype(str)
        return keys[keys != ""].value_counts(sort=False)
    from careersurvey.responses.readers.csvfile import column_counts
    from careersurvey.responses.readers.kobo import VERSION_COLUMNS

    header = next(c for c in VERSION_COLUMNS if c in first.data)
    return pd.Series(column_counts(Path(path), header, encoding=first.encoding), dtype="int64")


def take(table: RawTable, mask: np.ndarray) -> RawTable:
    """The rows of ``table`` where ``mask`` holds (notes kept only for those rows, file-level ones kept)."""
    rows = set(table.rows[mask].tolist())
    return replace(
        table, data={k: v[mask] for k, v in table.data.items()}, rows=table.rows[mask],
        empty={k: v[mask] for k, v in table.empty.items()},
        form_version=None if table.form_version is None else table.form_version[mask],
        notes=tuple(p for p in table.notes if p.row is None or p.row in rows),
    )


def no_item_columns(table: RawTable, q: Questionnaire, shown: int = 8) -> ResponsesError:
    """The error for a file none of whose headers is a column of ``q``: its headers and the ones expected."""
    def listed(names: Sequence[str]) -> str:
        return ", ".join(names[:shown]) + (f", ... ({len(names)} in all)" if len(names) > shown else "")

    where = f"sheet {table.sheet!r}" if table.sheet else "its header line"
    expected = ["respondent_id", *q.columns()]
    return ResponsesError(
        f"none of the columns of {where} ({listed(list(table.headers))}) is a column of {q.key}; nothing was stored. "
        f"It expects {listed(expected)}: check that the file answers {q.key} (or pass the right --questionnaire) "
        "and that its first row holds the variable names", code="no_columns", file=table.file)


def import_file(path: str | Path, store: ResponseStore | str | Path, questionnaire: QuestionnaireSpec = None, *,
                kind: str | None = None, encoding: str | None = None, sheet: str | None = None,
                form_versions: Mapping[str, str] | None = None,
                separators: str = "/-", max_rows: int = MAX_ROWS,
                max_uncompressed: int = MAX_UNCOMPRESSED, chunk_rows: int | None = CHUNK_ROWS,
                wave: str | int | None = None) -> ImportResult:
    """Import one file; raises :class:`ResponsesError` when it cannot be read at all.

    ``separators``: characters that separate group paths in export headers (KoboToolbox ``/``,
    ODK Central ``-``). ``sheet``: the workbook sheet holding the responses (default: ``Responses`` of
    the entry template, else the first sheet). A file without a single response row (code ``no_data``)
    or without a single column of the questionnaire (``no_columns``) is refused: nothing is stored and
    the ledger does not list it. A CSV or a workbook's sheet is read, validated and stored in chunks of
    ``chunk_rows`` rows (None: whole) inside the import's one transaction, so its memory does not grow with the
    file; a workbook is opened once and closed when the import ends. ``wave``: the wave the file belongs to
    (default: the store's only wave; :mod:`.waves`); respondent ids are checked for duplicates within it.
    """
    store = store if isinstance(store, ResponseStore) else ResponseStore(store)
    info = file_info(path)
    with store.connect() as con:
        earlier = store.find(con, info.sha256)
        named = None if wave is None else check_wave(wave, file=str(path))
        if earlier is not None and named not in (None, earlier.wave):
            raise ResponsesError(
                f"this file's content was already imported into wave {earlier.wave} (import {earlier.import_id}, "
                f"{earlier.file}); a file belongs to one wave, so nothing was added to wave {named}. If these are "
                f"wave {named}'s answers, the file given is the wrong one", code="wave", file=str(path))
        if earlier is not None:
            return earlier
        wave = import_wave(con, named, file=str(path))
        chunks = iter_responses(path, kind=kind, encoding=encoding, sheet=sheet, max_rows=max_rows,
                                max_uncompressed=max_uncompressed, chunk_rows=chunk_rows)
        with closing(chunks):  # a workbook is closed however the import ends
            first = next(chunks)
            candidates = _candidates(questionnaire, first)
            counts = _version_counts(path, first)
            groups = _split_by_version(first, candidates, form_versions, counts)
            if first.n_rows == 0:
                where = f"sheet {first.sheet!r} has" if first.sheet else "the file has"
                raise ResponsesError(
                    f"{where} a header but no rows of responses below it; nothing was stored. Fill in the rows, or, if "
                    "the answers are on another sheet, name it with --sheet", code="no_data", file=first.file)
            qid = groups[0][0].id
            first_rows: dict[str, int] = {}  # respondent id -> the row it first occurs in, over the whole file
            mapped: set[str] = set()
            versions: set[str] = set()
            with store.begin(con, info, wave) as writer:
                chunk: RawTable | None = first
                del first  # each chunk is dropped once stored, before the next one is read
                while chunk is not None:
                    if groups is None:
                        groups = _split_by_version(chunk, candidates, form_versions, counts)
                    ids = respondent_ids(chunk)
                    for rid, row in zip(ids.tolist(), chunk.rows.tolist()):
                        if rid is not None:
                            first_rows.setdefault(rid, row)
                    known = store.stored_ids(con, qid, wave, ids, exclude_import=writer.import_id)
                    parts = [validate(part, q, known_ids=known.keys(), known_where=known, separators=separators,
                                      first_rows=first_rows) for q, part in groups]
                    mapped.update(h for v in parts for h in (*v.plan.columns, *v.plan.summaries))
                    versions.update(q.version for q, _ in groups)
                    if not mapped:  # the plan is the same for every chunk: no column is an item of the questionnaire
                        raise no_item_columns(chunk, groups[0][0])
                    writer.add(parts)
                    parts = groups = chunk = None
                    chunk = next(chunks, None)
                # a column of another version in a mixed export is not "unknown"
                return writer.finish(lambda p: not (len(versions) > 1 and p.rule == "unknown_column" and p.column in mapped))


def import_responses(files: str | Path | Sequence[str | Path], store: ResponseStore | str | Path,
                     questionnaire: QuestionnaireSpec = None, **options) -> list[ImportResult]:
    """Import one or more response files into ``store``, each in its own transaction.

    ``questionnaire`` is a Questionnaire, ``"id@version"``, a list of versions (for exports that mix
    versions), or None to read it from the file's ``_meta`` sheet. Options: ``kind``, ``encoding``, ``sheet``,
    ``form_versions`` (export version id -> questionnaire version), ``separators`` (group-path
    separators in export headers), ``max_rows``, ``max_uncompressed``, ``chunk_rows`` (rows of a CSV read,
    validated and stored at a time; None reads it whole), ``wave`` (the wave the files belong to).
    Raises :class:`ResponsesError` on the first file that cannot be read (earlier files stay imported).
    """
    paths = [files] if isinstance(files, (str, Path)) else list(files)
    return [import_file(p, store, questionnaire, **options) for p in paths]

