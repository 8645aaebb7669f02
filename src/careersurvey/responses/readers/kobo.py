"""Reader for KoboToolbox and ODK Central exports (XLSX or CSV), and for exports mixing form versions.

What these exports look like (checked against real files written by KoboToolbox's own exporter,
formpack, in tests/responses/data/kobo/):

* one row per submission on the first sheet; headers are XML names, optionally with group prefixes
  (``grp_status/consent``; ODK Central writes ``grp_status-consent``), or labels in one language;
* select_multiple as a space-separated column of chosen choice names (``motives`` = ``"1 3"``, or
  ``"pay autonomy"`` where the questionnaire names its choices) and/or split 0/1 columns ``motives/1``;
  label exports hold labels instead (tests/responses/data/kobo_names/);
* system columns ``_id``, ``_uuid``, ``_submission_time``, ``__version__``, ``_index`` (ODK Central:
  ``KEY``, ``SubmissionDate``, ``meta-instanceID``, ``FormVersion``);
* repeat groups as further sheets keyed to the main sheet by ``_parent_index`` = its ``_index``.

The reader only finds the table, its system columns and its per-row form version; matching headers to
items (by name, group path or label) is done from the questionnaire in :mod:`..columns`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import numpy as np

from careersurvey.responses.readers.csvfile import CHUNK_ROWS, iter_csv, read_csv
from careersurvey.responses.readers.raw import RawTable, concat
from careersurvey.responses.readers.template import iter_table
from careersurvey.responses.readers.workbook import MAX_ROWS, Workbook

#: System columns of KoboToolbox / ODK Central exports (compared on the last path component too).
SYSTEM_COLUMNS: frozenset[str] = frozenset({
    "_id", "_uuid", "_submission_time", "_validation_status", "_notes", "_status", "_submitted_by",
    "__version__", "_version_", "_tags", "_index", "_xform_id_string", "_attachments", "_geolocation",
    "_parent_index", "_parent_table_name", "start", "end", "today", "deviceid", "username", "phonenumber",
    "simserial", "subscriberid", "audit", "SubmissionDate", "KEY", "PARENT_KEY", "SubmitterID",
    "SubmitterName", "AttachmentsPresent", "AttachmentsExpected", "Status", "ReviewState", "DeviceID",
    "Edits", "FormVersion", "instanceID", "instanceName", "deprecatedID", "rootUuid", "uuid",
})
#: Headers whose presence marks an export of KoboToolbox or ODK Central.
MARKERS: frozenset[str] = frozenset({"_uuid", "_submission_time", "__version__", "_index", "KEY",
                                     "SubmissionDate", "meta/instanceID", "meta-instanceID", "_id"})
VERSION_COLUMNS: tuple[str, ...] = ("__version__", "_version_", "FormVersion")
ID_FALLBACKS: tuple[str, ...] = ("_uuid", "meta/instanceID", "meta-instanceID", "instanceID", "KEY")


def is_system_column(header: str, seps: str = "/-") -> bool:
    """True for export system columns (``_uuid``, ``meta/instanceID``, ``formhub/uuid``...)."""
    if header in SYSTEM_COLUMNS or header.startswith("_"):
        return True
    for sep in seps:
        head, _, last = header.partition(sep)
        if last and head in ("meta", "formhub") or header.rsplit(sep, 1)[-1] in ("instanceID", "instanceName"):
            return True
    return False


def looks_like_export(headers: list[str] | tuple[str, ...]) -> bool:
    """True when the headers include a KoboToolbox / ODK Central system column."""
    return any(h in MARKERS for h in headers)


def _finish(table: RawTable, children: dict[str, RawTable], kind: str,
            version_counts: dict[str, int] | None = None) -> RawTable:
    """The table with its export id column, system columns and per-row form version set (and, on the first
    chunk of a sheet read in several, the rows per form version over the whole sheet)."""
    headers = table.headers
    version_col = next((c for c in VERSION_COLUMNS if c in table.data), None)
    form_version = table.data[version_col] if version_col else None
    id_col = next((h for h in headers if h.replace("-", "/").rsplit("/", 1)[-1] == "respondent_id"), None)
    if id_col is None:
        id_col = next((h for h in ID_FALLBACKS if h in table.data), None)
    system = tuple(h for h in headers if is_system_column(h) and h != id_col)
    return RawTable(file=table.file, kind=kind, sheet=table.sheet, headers=headers, data=table.data,
                    rows=table.rows, meta=table.meta, id_column=id_col, encoding=table.encoding,
                    form_version=None if form_version is None else np.asarray(form_version, dtype=object),
                    notes=table.notes, children=children, meta_columns=system, empty=table.empty,
                    version_counts=version_counts)


def iter_kobo_xlsx(wb: Workbook, *, sheet: str | None = None, max_rows: int = MAX_ROWS,
                   chunk_rows: int | None = CHUNK_ROWS) -> Iterator[RawTable]:
    """A KoboToolbox/ODK XLSX export in chunks of rows: the first sheet (or ``sheet``), its repeat-group sheets
    (read whole) as children of the first chunk. When the sheet spans several chunks and names each row's form
    version, the first chunk carries the rows per form version over the whole sheet (one more pass over the
    sheet XML, reading that column only), so that the import judges the versions of the file, not a chunk."""
    names = wb.names()
    main = sheet or names[0]
    chunks = iter_table(wb, sheet=main, kind="kobo", first_data_row=2, meta={}, max_rows=max_rows,
                        chunk_rows=chunk_rows)
    try:
        first = next(chunks)
        children: dict[str, RawTable] = {}
        for name in names:
            if name == first.sheet:
                continue
            child = concat(list(iter_table(wb, sheet=name, kind="kobo-repeat", first_data_row=2, meta={},
                                           max_rows=max_rows, chunk_rows=None)))
            if "_parent_index" in child.data:
                children[name] = child
        second = next(chunks, None)
        version = next((c for c in VERSION_COLUMNS if c in first.data), None)
        counts = None if second is None or version is None else _column_counts(wb, main, first.headers.index(version))
        head, first = _finish(first, children, "kobo", counts), None
        yield head
        head = None  # no chunk is held while the next one is read
        if second is not None:
            head, second = _finish(second, {}, "kobo"), None
            yield head
            head = None
        for chunk in chunks:
            yield _finish(chunk, {}, "kobo")
            chunk = None
    finally:
        chunks.close()


def _column_counts(wb: Workbook, sheet: str, column: int) -> dict[str, int]:
    """Non-empty cells of one column below row 1 -> rows holding each (as text, as the import keys them), in
    order of first appearance."""
    import pandas as pd

    rows = wb.rows(sheet)
    try:
        values = [v[column] for index, v in rows if index > 0 and len(v) > column and v[column] != ""]
    finally:
        rows.close()
    keys = pd.Series(values, dtype=object).fillna("").astype(str)
    return {k: int(n) for k, n in keys[keys != ""].value_counts(sort=False).items()}


def read_kobo_csv(path: Path, *, encoding: str | None = None, max_rows: int = MAX_ROWS) -> RawTable:
    """Read a KoboToolbox/ODK CSV export (``;`` or ``,`` separated)."""
    return _finish(read_csv(path, encoding=encoding, max_rows=max_rows, kind="kobo"), {}, "kobo")


def iter_kobo_csv(path: Path, *, encoding: str | None = None, max_rows: int = MAX_ROWS,
                  chunk_rows: int | None = CHUNK_ROWS) -> Iterator[RawTable]:
    """A KoboToolbox/ODK CSV export in chunks of rows (see :func:`..csvfile.iter_csv`)."""
    for chunk in iter_csv(path, encoding=encoding, max_rows=max_rows, kind="kobo", chunk_rows=chunk_rows):
        yield _finish(chunk, {}, "kobo")
        chunk = None  # not held while the next chunk is read
