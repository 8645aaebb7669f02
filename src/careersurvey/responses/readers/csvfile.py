"""Reader for CSV files as people save them: UTF-8, UTF-8 with BOM, or CP949 (Korean Excel's "CSV").

The encoding is found by trying utf-8-sig (which also reads plain UTF-8) and then cp949, strictly, over the
file's bytes in 1 MiB blocks (an incremental decoder: the decoded text of the whole file is never held); the
one used is recorded on the table and in the import ledger. :func:`iter_csv` reads the records in chunks
(the import validates and stores chunk by chunk); :func:`read_csv` gives them as one table. The delimiter (``,`` ``;`` tab) is
sniffed from the header line (KoboToolbox exports use ``;``). Every cell is read as text, so ids keep
their leading zeros; validation turns text into numbers and dates from the questionnaire.
"""

from __future__ import annotations

import codecs
import csv
from pathlib import Path
from typing import Iterator

import numpy as np
import pandas as pd

from careersurvey.responses.problems import ResponsesError, problem
from careersurvey.responses.readers.raw import RawTable, concat, drop_blank_rows
from careersurvey.responses.readers.template import header_names
from careersurvey.responses.readers.workbook import MAX_ROWS

ENCODINGS: tuple[str, ...] = ("utf-8-sig", "cp949")
MAX_CSV_BYTES = 1 << 30
#: Records per chunk when a CSV is read in chunks (the import validates and stores chunk by chunk).
CHUNK_ROWS = 20_000
_WHOLE = 1 << 62  # "one chunk"
_BLOCK = 1 << 20


def decode(data: bytes, file: str, encoding: str | None = None) -> tuple[str, str]:
    """Text and the encoding that read it: ``encoding`` if given, else utf-8-sig, then cp949."""
    tried = (encoding,) if encoding else ENCODINGS
    for enc in tried:
        try:
            return data.decode(enc), enc
        except (UnicodeDecodeError, LookupError):
            continue
    raise _not_text(tried, file)


def _not_text(tried: tuple[str, ...], file: str) -> ResponsesError:
    return ResponsesError(
        f"the file is neither {' nor '.join(tried)} text; save it from Excel as 'CSV UTF-8' and import again",
        code="encoding", file=file)


def file_encoding(path: Path, file: str, encoding: str | None = None) -> tuple[str, str, bool]:
    """(encoding that reads the whole file, its first line, whether it holds more than white space).

    Each encoding is tried strictly over the bytes in 1 MiB blocks with an incremental decoder, so the decoded
    text of the whole file is never held at once."""
    tried = (encoding,) if encoding else ENCODINGS
    for enc in tried:
        try:
            decoder = codecs.getincrementaldecoder(enc)("strict")
        except LookupError:
            continue
        first: list[str] = []
        found_line = filled = False
        try:
            with open(path, "rb") as fh:
                for block in iter(lambda: fh.read(_BLOCK), b""):
                    text = decoder.decode(block)
                    filled = filled or bool(text.strip())
                    if not found_line:
                        first.append(text.split("\n", 1)[0])
                        found_line = "\n" in text
                text = decoder.decode(b"", final=True)
                filled = filled or bool(text.strip())
                if not found_line:
                    first.append(text.split("\n", 1)[0])
        except UnicodeDecodeError:
            continue
        return enc, "".join(first), filled
    raise _not_text(tried, file)


def sniff_delimiter(first_line: str) -> str:
    """The most frequent of ``,`` ``;`` tab outside quotes in the header line (``,`` when none)."""
    outside = "".join(part for i, part in enumerate(first_line.split('"')) if i % 2 == 0)
    counts = {d: outside.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def read_csv(path: Path, *, encoding: str | None = None, delimiter: str | None = None,
             first_data_row: int = 2, max_rows: int = MAX_ROWS, kind: str = "csv") -> RawTable:
    """Read a CSV file into a :class:`RawTable` of text cells (records numbered from 1 = header)."""
    return concat(list(iter_csv(path, encoding=encoding, delimiter=delimiter, first_data_row=first_data_row,
                                max_rows=max_rows, kind=kind, chunk_rows=None)))


def iter_csv(path: Path, *, encoding: str | None = None, delimiter: str | None = None, first_data_row: int = 2,
             max_rows: int = MAX_ROWS, kind: str = "csv", chunk_rows: int | None = CHUNK_ROWS) -> Iterator[RawTable]:
    """The file as :class:`RawTable` chunks of up to ``chunk_rows`` records (None: one chunk), in file order.

    Every chunk holds rows (blank records dropped); a file without rows gives one empty table noting so.
    Problems of the file as a whole (binary, encoding, parse errors, too many rows) raise as they are met, so a
    caller streaming the chunks into a transaction rolls it back."""
    file = str(path)
    path = Path(path)
    size = path.stat().st_size
    if size > MAX_CSV_BYTES:
        raise ResponsesError(f"the file is {size:,} bytes, more than the limit of {MAX_CSV_BYTES:,}; split it",
                             code="too_large", file=file)
    with open(path, "rb") as fh:
        if b"\x00" in fh.read(4096):
            raise ResponsesError("the file is binary, not CSV text; export the data as CSV or xlsx",
                                 code="wrong_type", file=file)
    used, first_line, filled = file_encoding(path, file, encoding)
    if not filled:
        raise ResponsesError("the file is empty (no header line)", code="empty_sheet", file=file)
    sep = delimiter or sniff_delimiter(first_line)
    reader = pd.read_csv(path, sep=sep, header=None, dtype=object, keep_default_na=False, na_filter=False,
                         quoting=csv.QUOTE_MINIMAL, skip_blank_lines=False, engine="c", encoding=used,
                         encoding_errors="strict", chunksize=chunk_rows or _WHOLE)
    headers: list[str] | None = None
    total = 0
    with reader:
        while True:
            try:
                frame = next(reader)
            except StopIteration:
                break
            except pd.errors.ParserError as exc:
                raise ResponsesError(f"the CSV cannot be parsed ({exc}); check quoting and the number of fields on "
                                     "that line", code="damaged", file=file) from None
            records = frame.index.to_numpy(dtype=np.int64) + 1  # record numbers, the header line being 1
            if headers is None:
                headers = header_names(list(frame.iloc[0]), file, "csv")
            body = frame.iloc[np.flatnonzero(records >= first_data_row)]
            extra = [j for j in range(len(headers), body.shape[1]) if (body.iloc[:, j] != "").any()]
            if extra:
                raise ResponsesError(f"column {extra[0] + 1} holds values but has no header in line 1; add the "
                                     "variable name or remove the values", code="no_header", file=file)
            data = {h: body.iloc[:, i].to_numpy(dtype=object) for i, h in enumerate(headers)}
            empty = {h: (v == "") for h, v in data.items()}
            data, rows, empty = drop_blank_rows(data, records[records >= first_data_row], empty)
            total += len(rows)
            if len(rows) and total <= max_rows:  # records, not lines: a quoted comment may span several lines
                yield _table(file, kind, headers, data, rows, used, ())
            frame = body = data = empty = None  # not held while the next chunk is read
    if total > max_rows:  # counted to the end, so the message gives the file's number
        raise ResponsesError(
            f"the file has {total:,} data rows, more than the limit of {max_rows:,}; split it into smaller "
            "files (or raise max_rows)", code="too_many_rows", file=file)
    if not total:
        yield _table(file, kind, headers or [], {h: np.array([], dtype=object) for h in headers or []},
                     np.array([], dtype=np.int64), used, (problem("empty_file", file=file),))


def _table(file: str, kind: str, headers: list[str], data: dict[str, np.ndarray], rows: np.ndarray, used: str,
           notes: tuple) -> RawTable:
    return RawTable(file=file, kind=kind, sheet=None, headers=tuple(headers), data=data, rows=rows, encoding=used,
                    id_column="respondent_id" if "respondent_id" in data else None, notes=notes,
                    empty={h: (v == "") for h, v in data.items()})


def column_counts(path: Path, header: str, *, encoding: str | None = None, first_data_row: int = 2) -> dict[str, int]:
    """Non-empty values of one column of a CSV file -> how many rows hold each, in order of first appearance.

    Read chunk by chunk and only that column (an export's ``__version__``, whose counts decide how its rows are
    split by form version before the first chunk is stored)."""
    file = str(path)
    used, first_line, _ = file_encoding(Path(path), file, encoding)
    sep = sniff_delimiter(first_line)
    counts: dict[str, int] = {}
    reader = pd.read_csv(path, sep=sep, header=None, dtype=object, keep_default_na=False, na_filter=False,
                         quoting=csv.QUOTE_MINIMAL, skip_blank_lines=False, engine="c", encoding=used,
                         chunksize=CHUNK_ROWS * 5)
    index: int | None = None
    with reader:
        for frame in reader:
            if index is None:
                names = header_names(list(frame.iloc[0]), file, "csv")
                index = names.index(header)
            records = frame.index.to_numpy(dtype=np.int64) + 1
            values = frame.iloc[np.flatnonzero(records >= first_data_row), index]
            for value, n in values[values != ""].value_counts(sort=False).items():
                counts[value] = counts.get(value, 0) + int(n)
    return counts
