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
from careersurvey.responses.readers.raw import RawTable
from careersurvey.responses.readers.template import read_table
from careersurvey.responses.readers.workbook import MAX_ROWS, MAX_UNCOMPRESSED, check_spreadsheet, sheet_names

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


def _finish(table: RawTable, children: dict[str, RawTable], kind: str) -> RawTable:
    """The table with its export id column, system columns and per-row form version set."""
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
                    notes=table.notes, children=children, meta_columns=system, empty=table.empty)


def read_kobo_xlsx(path: Path, *, sheet: str | None = None, max_rows: int = MAX_ROWS,
                   max_uncompressed: int = MAX_UNCOMPRESSED) -> RawTable:
    """Read a KoboToolbox/ODK XLSX export: the first sheet (or ``sheet``), plus repeat-group sheets as children."""
    wb = check_spreadsheet(path, max_uncompressed=max_uncompressed)
    names = sheet_names(path)
    main = read_table(path, sheet=sheet or names[0], kind="kobo", first_data_row=2, meta={}, max_rows=max_rows,
                      workbook=wb)
    children: dict[str, RawTable] = {}
    for name in names:
        if name == main.sheet:
            continue
        child = read_table(path, sheet=name, kind="kobo-repeat", first_data_row=2, meta={}, max_rows=max_rows,
                           workbook=wb)
        if "_parent_index" in child.data:
            children[name] = child
    return _finish(main, children, "kobo")


def read_kobo_csv(path: Path, *, encoding: str | None = None, max_rows: int = MAX_ROWS) -> RawTable:
    """Read a KoboToolbox/ODK CSV export (``;`` or ``,`` separated)."""
    return _finish(read_csv(path, encoding=encoding, max_rows=max_rows, kind="kobo"), {}, "kobo")


def iter_kobo_csv(path: Path, *, encoding: str | None = None, max_rows: int = MAX_ROWS,
                  chunk_rows: int | None = CHUNK_ROWS) -> Iterator[RawTable]:
    """A KoboToolbox/ODK CSV export in chunks of rows (see :func:`..csvfile.iter_csv`)."""
    for chunk in iter_csv(path, encoding=encoding, max_rows=max_rows, kind="kobo", chunk_rows=chunk_rows):
        yield _finish(chunk, {}, "kobo")
