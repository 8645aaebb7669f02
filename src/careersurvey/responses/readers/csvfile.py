"""Reader for CSV files as people save them: UTF-8, UTF-8 with BOM, or CP949 (Korean Excel's "CSV").

The encoding is found by trying utf-8-sig (which also reads plain UTF-8) and then cp949, strictly;
the one used is recorded on the table and in the import ledger. The delimiter (``,`` ``;`` tab) is
sniffed from the header line (KoboToolbox exports use ``;``). Every cell is read as text, so ids keep
their leading zeros; validation turns text into numbers and dates from the questionnaire.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pandas as pd

from careersurvey.responses.problems import ResponsesError, problem
from careersurvey.responses.readers.raw import RawTable, drop_blank_rows
from careersurvey.responses.readers.template import header_names
from careersurvey.responses.readers.workbook import MAX_ROWS

ENCODINGS: tuple[str, ...] = ("utf-8-sig", "cp949")
MAX_CSV_BYTES = 1 << 30


def decode(data: bytes, file: str, encoding: str | None = None) -> tuple[str, str]:
    """Text and the encoding that read it: ``encoding`` if given, else utf-8-sig, then cp949."""
    tried = (encoding,) if encoding else ENCODINGS
    for enc in tried:
        try:
            return data.decode(enc), enc
        except (UnicodeDecodeError, LookupError):
            continue
    raise ResponsesError(
        f"the file is neither {' nor '.join(tried)} text; save it from Excel as 'CSV UTF-8' and import again",
        code="encoding", file=file)


def sniff_delimiter(first_line: str) -> str:
    """The most frequent of ``,`` ``;`` tab outside quotes in the header line (``,`` when none)."""
    outside = "".join(part for i, part in enumerate(first_line.split('"')) if i % 2 == 0)
    counts = {d: outside.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def read_csv(path: Path, *, encoding: str | None = None, delimiter: str | None = None,
             first_data_row: int = 2, max_rows: int = MAX_ROWS, kind: str = "csv") -> RawTable:
    """Read a CSV file into a :class:`RawTable` of text cells (records numbered from 1 = header)."""
    file = str(path)
    path = Path(path)
    size = path.stat().st_size
    if size > MAX_CSV_BYTES:
        raise ResponsesError(f"the file is {size:,} bytes, more than the limit of {MAX_CSV_BYTES:,}; split it",
                             code="too_large", file=file)
    data = path.read_bytes()
    if b"\x00" in data[:4096]:
        raise ResponsesError("the file is binary, not CSV text; export the data as CSV or xlsx",
                             code="wrong_type", file=file)
    text, used = decode(data, file, encoding)
    if not text.strip():
        raise ResponsesError("the file is empty (no header line)", code="empty_sheet", file=file)
    sep = delimiter or sniff_delimiter(text.split("\n", 1)[0])
    try:
        frame = pd.read_csv(io.StringIO(text), sep=sep, header=None, dtype=str, keep_default_na=False,
                            na_filter=False, quoting=csv.QUOTE_MINIMAL, skip_blank_lines=False, engine="c")
    except pd.errors.ParserError as exc:
        raise ResponsesError(f"the CSV cannot be parsed ({exc}); check quoting and the number of fields on "
                             "that line", code="damaged", file=file) from None
    headers = header_names(list(frame.iloc[0]), file, "csv")
    extra = [j for j in range(len(headers), frame.shape[1]) if (frame.iloc[first_data_row - 1:, j] != "").any()]
    if extra:
        raise ResponsesError(f"column {extra[0] + 1} holds values but has no header in line 1; add the variable "
                             "name or remove the values", code="no_header", file=file)
    body = frame.iloc[first_data_row - 1:]
    data = {h: body.iloc[:, i].to_numpy(dtype=object) for i, h in enumerate(headers)}
    empty = {h: (v == "") for h, v in data.items()}
    rows = np.arange(first_data_row, first_data_row + len(body), dtype=np.int64)
    data, rows, empty = drop_blank_rows(data, rows, empty)
    if len(rows) > max_rows:  # records, not lines: a quoted comment may span several lines (the file size is bounded)
        raise ResponsesError(
            f"the file has {len(rows):,} data rows, more than the limit of {max_rows:,}; split it into smaller "
            "files (or raise max_rows)", code="too_many_rows", file=file)
    notes = [] if len(rows) else [problem("empty_file", file=file)]
    return RawTable(file=file, kind=kind, sheet=None, headers=tuple(headers), data=data, rows=rows,
                    encoding=used, id_column="respondent_id" if "respondent_id" in data else None,
                    notes=tuple(notes), empty=empty)
