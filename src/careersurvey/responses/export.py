"""Exports of the accepted responses: SPSS .sav, Stata .dta, parquet, csv, xlsx.

SPSS and Stata files carry variable labels, value labels (choice labels and the missing-code labels)
and user-missing values: in .sav the codes -9..-6 are a user-missing range; in .dta they become
Stata's extended missing values ``.a`` (-6 not asked), ``.b`` (-7 refused), ``.c`` (-8 don't know),
``.d`` (-9 not applicable). One file holds one language's labels; ``language="all"`` writes one file
per language (``name.ko.sav``, ``name.en.sav``).

SPSS limits are in bytes of UTF-8 (Hangul takes 3): names 64, variable labels 255, value labels 120;
Stata's in characters: names 32, variable labels 80. Longer text is cut on a character boundary, never
mid-character, and each cut is reported (``ExportResult.notes`` and an :class:`ExportWarning`).

parquet, csv and xlsx hold the numeric codes with the missing codes written as codes (``labels=False``,
the default: nothing is lost) or the labelled values, missing answers empty (``labels=True``). The codes
come from the :class:`~careersurvey.responses.dataset.Dataset` of the store (its ``missing`` frame), never
from ``DataFrame.attrs``. csv is written as utf-8-sig by default so that Korean Excel opens
it, cp949 on request, with CRLF record ends so that every field holding a line break is quoted;
formula-like text is neutralised in csv and xlsx as the forms do it.

Every export is created readable by its owner only (it holds the answers) unless ``private=False``; a full
export holds every item and the ids as stored, ``drop_sensitive`` and ``pseudonymise`` make one that travels
(:mod:`careersurvey.responses.protect`).
"""

from __future__ import annotations

import json
import warnings
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Mapping, Sequence

import numpy as np
import pandas as pd

from careersurvey.questionnaire.model import MISSING_CODES, Questionnaire
from careersurvey.responses.dataset import META_COLUMNS, Dataset, load_dataset
from careersurvey.responses.files import create_private
from careersurvey.responses.problems import ResponsesError
from careersurvey.responses.protect import protect, read_key
from careersurvey.responses.store import ResponseStore

FORMATS: tuple[str, ...] = ("sav", "dta", "parquet", "csv", "xlsx")
#: SPSS limits in UTF-8 bytes
SAV_NAME_BYTES, SAV_LABEL_BYTES, SAV_VALUE_LABEL_BYTES = 64, 255, 120
#: Stata limits in characters
DTA_NAME_CHARS, DTA_LABEL_CHARS = 32, 80
#: Stata extended missing value for each missing code
DTA_MISSING: dict[int, str] = {-6: "a", -7: "b", -8: "c", -9: "d"}
#: Rows from which the Stata writer reads the type of a column of mixed values
TYPE_SNIFF_ROWS = 100


#: CSV records end with CRLF (RFC 4180), so that a field holding a bare CR or LF is always quoted: a reader that
#: ends records at a bare CR never sees a new record start inside a comment.
CSV_LINE_END = "\r\n"

class ExportWarning(UserWarning):
    """Something was changed to fit the target format (a label cut to its byte limit)."""


@dataclass(frozen=True, slots=True)
class ExportResult:
    """Files written, their size in rows and columns, and what had to be changed to fit the format."""

    paths: tuple[Path, ...]
    rows: int
    columns: int
    notes: tuple[str, ...] = ()


def cut_bytes(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` UTF-8 bytes, on a character boundary."""
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    return data[:limit].decode("utf-8", errors="ignore")


class _Fitter:
    """Cuts names and labels to a format's limits and remembers what it cut."""

    def __init__(self, fmt: str) -> None:
        self.fmt = fmt
        self.notes: list[str] = []

    def fit(self, text: str, what: str, *, limit_bytes: int | None = None, limit_chars: int | None = None) -> str:
        """``text`` cut to the limit (bytes first, then characters), with a note when anything was cut."""
        out = text
        if limit_bytes is not None:
            out = cut_bytes(out, limit_bytes)
        if limit_chars is not None:
            out = out[:limit_chars]
        if out != text:
            unit = f"{limit_bytes} bytes" if limit_bytes is not None else f"{limit_chars} characters"
            size = (f"{len(text.encode('utf-8'))} bytes" if limit_bytes is not None else f"{len(text)} characters")
            self.notes.append(f"{what}: {size} is more than the {self.fmt} limit of {unit}; "
                              f"cut to {out[-12:]!r} at the end")
        return out


def export_responses(source: ResponseStore | str | Path | Dataset, out: str | Path, fmt: str | None = None, *,
                     questionnaire: Questionnaire | str | None = None, versions: Sequence[str] | None = None,
                     language: str | None = None, labels: bool = False, encoding: str = "utf-8-sig",
                     drop_sensitive: bool = False, pseudonymise: str | Path | None = None,
                     private: bool = True, waves: Sequence[str] | str | None = None) -> ExportResult:
    """Write the accepted responses of a store (or a :class:`Dataset` from ``load_dataset``) to ``out``.

    A Dataset is written as it was loaded (codes, or labels with ``labels=True``; ``labels`` and ``language``
    here apply to a store). ``fmt`` defaults to the extension of ``out``. ``language``: the label language (default the
    questionnaire's first), or ``"all"`` for one file per language (sav, dta). By default every item and the
    ids as stored go out, in files readable by their owner only (``private=False``: your umask's usual
    permissions). ``drop_sensitive`` leaves out every item the questionnaire marks sensitive; ``pseudonymise``
    (a key file) replaces respondent ids and any sensitive value kept by keyed hashes (:mod:`.protect`).
    ``waves``: only these waves of a store (default all); the ``wave`` column says each row's.
    """
    out = Path(out)
    fmt = (fmt or out.suffix.lstrip(".")).lower()
    if fmt not in FORMATS:
        raise ResponsesError(f"unknown export format {fmt!r}; use one of {', '.join(FORMATS)}", code="usage",
                             file=str(out))
    if fmt == "csv":
        _check_encoding(encoding, out)
    if isinstance(source, pd.DataFrame):
        raise ResponsesError("a bare DataFrame has lost its missing codes and labels; pass the store, or the "
                             "Dataset of cs.load_dataset(store, labels=False)", code="usage", file=str(out))
    key = None if pseudonymise is None else read_key(pseudonymise)
    text_labels = labels and fmt in ("csv", "xlsx", "parquet")
    if isinstance(source, Dataset):
        if source.labels and fmt in ("sav", "dta"):
            raise ResponsesError(f"{fmt} files hold codes with value labels: pass the Dataset of "
                                 "cs.load_dataset(store, labels=False), or the store", code="usage", file=str(out))
        datasets = {source.language: source}
        langs = [source.language]
    else:
        base = load_dataset(source, questionnaire, versions, labels=False,
                            language=None if language in (None, "all") else language, waves=waves)
        langs = list(base.questionnaire.languages) if language == "all" else [base.language]
        datasets = {lang: base if lang == base.language and not text_labels
                    else load_dataset(source, questionnaire, versions, language=lang, labels=text_labels,
                                      waves=waves)
                    for lang in langs}
    paths: list[Path] = []
    notes: list[str] = []
    for lang in langs:
        ds = protect(datasets[lang], drop_sensitive=drop_sensitive, key=key)
        frame = ds.data if ds.labels else ds.codes()
        path = out if len(langs) == 1 else out.with_name(f"{out.stem}.{lang}{out.suffix}")
        with _writing(path):
            path.parent.mkdir(parents=True, exist_ok=True)
            create_private(path, private)
            if fmt == "sav":
                notes += _write_sav(frame, ds, path)
            elif fmt == "dta":
                notes += _write_dta(frame, ds, path)
            elif fmt == "parquet":
                _write_parquet(frame, ds, path)
            elif fmt == "csv":
                _write_csv(frame, path, encoding)
            else:
                _write_xlsx(frame, path, labels=ds.variable_labels)
        paths.append(path)
    for note in notes:
        warnings.warn(note, ExportWarning, stacklevel=2)
    first = protect(datasets[langs[0]], drop_sensitive=drop_sensitive, key=key).data
    return ExportResult(tuple(paths), len(first), len(first.columns), tuple(notes))


#: Shapes of a panel file (:func:`export_panel`).
PANEL_SHAPES: tuple[str, ...] = ("long", "wide")


def export_panel(store: ResponseStore | str | Path, out: str | Path, key: bytes | str | Path, *, shape: str = "long",
                 fmt: str | None = None, waves: Sequence[str] | str | None = None,
                 questionnaire: Questionnaire | str | None = None, labels: bool = False,
                 language: str | None = None, drop_sensitive: bool = False, constant: Sequence[str] = (),
                 encoding: str = "utf-8-sig", private: bool = True) -> ExportResult:
    """Write the panel file of ``waves`` (default all): ``shape`` "long" (a row per person and wave) or "wide" (a
    row per person, ``<column>_<wave>``), the panel id (keyed hash of the respondent id with ``key``, a key file
    or bytes) in place of the ids (:mod:`careersurvey.responses.panel`). ``fmt``: csv, parquet or xlsx (default
    the extension of ``out``). Codes as the csv export writes them (missing codes as codes; ``labels=True``:
    labels, missing answers empty); a wave the person did not answer is empty (``in_<wave>`` is 0)."""
    from careersurvey.responses.panel import panel_key, panel_long, panel_wide

    out = Path(out)
    fmt = (fmt or out.suffix.lstrip(".")).lower()
    if fmt not in ("csv", "parquet", "xlsx"):
        raise ResponsesError(f"a panel file is csv, parquet or xlsx, not {fmt!r}; name the file .csv, .parquet or "
                             ".xlsx", code="usage", file=str(out))
    if shape not in PANEL_SHAPES:
        raise ResponsesError(f"a panel file is long or wide, not {shape!r}", code="usage", file=str(out))
    if fmt == "csv":
        _check_encoding(encoding, out)
    secret = panel_key(key)
    ds = protect(load_dataset(store, questionnaire, labels=labels, language=language, waves=waves),
                 drop_sensitive=drop_sensitive)
    frame = panel_long(ds.data if labels else ds.codes(), secret)
    if shape == "wide":
        frame = panel_wide(frame, constant=constant)
    with _writing(out):
        out.parent.mkdir(parents=True, exist_ok=True)
        create_private(out, private)
        if fmt == "csv":
            _write_csv(frame, out, encoding)
        elif fmt == "parquet":
            frame.to_parquet(out, index=False)
        else:
            _write_xlsx(frame, out)
    return ExportResult((out,), len(frame), len(frame.columns))


def _check_encoding(encoding: str, out: Path) -> None:
    """Stop before any work when ``encoding`` is not one Python knows."""
    import codecs

    try:
        codecs.lookup(encoding)
    except LookupError:
        raise ResponsesError(f"unknown encoding {encoding!r}; use utf-8-sig (the default) or cp949",
                             code="usage", file=str(out)) from None


@contextmanager
def _writing(path: Path) -> Iterator[None]:
    """Turn a file that cannot be written (a folder, a missing or read-only place) into an error naming it."""
    from xlsxwriter.exceptions import FileCreateError

    if path.is_dir():
        raise ResponsesError("this is a folder, but a file is needed here; add a file name to --out",
                             code="usage", file=str(path))
    try:
        yield
    except (OSError, FileCreateError) as exc:  # xlsxwriter wraps the OSError of a file it cannot create
        cause = exc.args[0] if isinstance(exc, FileCreateError) and exc.args else exc
        raise ResponsesError(f"cannot write the file ({getattr(cause, 'strerror', None) or cause}); check that "
                             "its folder exists and may be written to, or choose another --out",
                             code="export", file=str(path)) from None


def _codes_for_stats(frame: pd.DataFrame) -> pd.DataFrame:
    """Numeric columns as float64 (NaN for NA), text as object str, dates as datetime64."""
    data = {}
    for col in frame.columns:
        s = frame[col]
        if pd.api.types.is_datetime64_any_dtype(s):
            data[col] = s
        elif pd.api.types.is_numeric_dtype(s):
            data[col] = s.astype("Float64").to_numpy(dtype=np.float64, na_value=np.nan)
        else:
            data[col] = s.astype(object).where(s.notna(), "").to_numpy(dtype=object)
    return pd.DataFrame(data)


def _stats_frame(frame: pd.DataFrame, ds: Dataset, fit: _Fitter, *, names: dict[str, int], labels: dict[str, int]
                 ) -> tuple[pd.DataFrame, list[str], dict[str, str]]:
    """What SPSS and Stata writers share: codes frame with names cut to the format's limit (``names``:
    ``limit_bytes`` or ``limit_chars``) and the variable labels cut likewise (``labels``)."""
    codes = _codes_for_stats(frame)
    new_names = _fit_names(list(codes.columns), fit, **names)
    codes.columns = new_names
    column_labels = {new: fit.fit(ds.variable_labels[old], f"variable label of {old}", **labels)
                     for old, new in zip(frame.columns, new_names) if old in ds.variable_labels}
    return codes, new_names, column_labels


def _write_sav(frame: pd.DataFrame, ds: Dataset, path: Path) -> list[str]:
    """SPSS .sav with variable and value labels, user-missing range -9..-6, measurement levels."""
    import pyreadstat

    fit = _Fitter("SPSS")
    codes, names, column_labels = _stats_frame(
        frame, ds, fit, names={"limit_bytes": SAV_NAME_BYTES}, labels={"limit_bytes": SAV_LABEL_BYTES})
    vvl = {new: {float(k): fit.fit(v, f"value label {k} of {old}", limit_bytes=SAV_VALUE_LABEL_BYTES)
                 for k, v in ds.value_labels[old].items()}
           for old, new in zip(frame.columns, names) if old in ds.value_labels and old in ds.variable_labels
           and pd.api.types.is_numeric_dtype(codes[new])}
    missing = {new: [{"lo": float(min(MISSING_CODES)), "hi": float(max(MISSING_CODES))}]
               for new in vvl}
    measure = {new: ds.measure.get(old, "nominal" if pd.api.types.is_object_dtype(codes[new]) else "scale")
               for old, new in zip(frame.columns, names)}
    try:
        pyreadstat.write_sav(codes, str(path), column_labels=column_labels, variable_value_labels=vvl,
                             missing_ranges=missing, variable_measure=measure,
                             file_label=cut_bytes(ds.questionnaire.key, 64))
    except Exception as exc:
        raise ResponsesError(f"SPSS export failed: {exc}", code="export", file=str(path)) from None
    return fit.notes


def _write_dta(frame: pd.DataFrame, ds: Dataset, path: Path) -> list[str]:
    """Stata .dta with labels; missing codes as extended missing values .a-.d."""
    import pyreadstat

    fit = _Fitter("Stata")
    codes, names, column_labels = _stats_frame(
        frame, ds, fit, names={"limit_chars": DTA_NAME_CHARS}, labels={"limit_chars": DTA_LABEL_CHARS})
    vvl: dict[str, dict] = {}
    missing_user: dict[str, list[str]] = {}
    lift: dict[str, int] = {}  # column -> first row with a real answer, where the first 100 rows hold none
    for old, new in zip(frame.columns, names):
        if old not in ds.variable_labels or not pd.api.types.is_numeric_dtype(codes[new]):
            continue
        values = codes[new].to_numpy()
        is_code = np.isin(values, MISSING_CODES)
        real = ~is_code & ~np.isnan(values)
        if is_code.any() and real.any() and not real[:TYPE_SNIFF_ROWS].any():
            lift[new] = int(np.argmax(real))
        present = set(np.unique(values[is_code]).astype(int).tolist())
        # labels of extended missing values are allowed only where the column holds them (pyreadstat)
        labels = {(DTA_MISSING[int(k)] if k in MISSING_CODES else int(k) if float(k).is_integer() else k): v
                  for k, v in ds.value_labels.get(old, {}).items() if k not in MISSING_CODES or k in present}
        if labels:
            vvl[new] = labels
        if is_code.any():
            col = values.astype(object)
            col[is_code] = [DTA_MISSING[int(v)] for v in values[is_code]]
            codes[new] = col
            missing_user[new] = sorted({DTA_MISSING[int(v)] for v in np.unique(values[is_code])})
    if lift:
        codes = _lift_rows(codes, lift, fit)
    try:
        pyreadstat.write_dta(codes, str(path), column_labels=column_labels, variable_value_labels=vvl,
                             missing_user_values=missing_user, version=15,
                             file_label=ds.questionnaire.key[:80])
    except Exception as exc:
        raise ResponsesError(f"Stata export failed: {exc}", code="export", file=str(path)) from None
    return fit.notes


def _lift_rows(codes: pd.DataFrame, lift: dict[str, int], fit: _Fitter) -> pd.DataFrame:
    """Rows that hold a real answer of ``lift``'s columns first, the rest in store order after them.

    The Stata writer (pyreadstat, through narwhals) reads an object column's type from its first 100 values: a
    numeric column whose first 100 rows hold only missing codes (written as the letters of extended missing
    values) would be taken for text and the export would fail. One row per such column (fewer when a row serves
    several) is moved to the top; the move is reported as a note. Row order carries no meaning in the file."""
    first: list[int] = []
    for col, row in lift.items():
        if not any(codes[col].iloc[r] not in DTA_MISSING.values() and pd.notna(codes[col].iloc[r]) for r in first):
            first.append(row)  # over the few columns concerned, never over rows
    first = sorted(first)
    order = np.concatenate([np.asarray(first), np.setdiff1d(np.arange(len(codes)), first)])
    fit.notes.append(f"rows {', '.join(str(r + 1) for r in first)} of the export come first in the .dta file: "
                     f"columns {', '.join(lift)} hold only missing codes in the first {TYPE_SNIFF_ROWS} rows, from "
                     "which the Stata writer reads a column's type")
    return codes.iloc[order].reset_index(drop=True)


def _fit_names(names: list[str], fit: _Fitter, **limit) -> list[str]:
    """Variable names cut to the format's limit; names that collide after cutting are an error."""
    out = [fit.fit(n, f"variable name {n}", **limit) for n in names]
    if len(set(out)) != len(out):
        dup = sorted({n for n in out if out.count(n) > 1})
        raise ResponsesError(f"variable names {', '.join(dup)} collide after cutting to the format's limit; "
                             "shorten the item names in the questionnaire", code="export")
    return out


def _write_parquet(frame: pd.DataFrame, ds: Dataset, path: Path) -> None:
    """Parquet with the labels and questionnaire key kept in the file's schema metadata."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(frame, preserve_index=False)
    meta = dict(table.schema.metadata or {})
    meta[b"careersurvey"] = json.dumps({
        "questionnaire": ds.questionnaire.key, "language": ds.language,
        "variable_labels": dict(ds.variable_labels),
        "value_labels": {k: {str(c): t for c, t in v.items()} for k, v in ds.value_labels.items()},
    }, ensure_ascii=False).encode("utf-8")
    pq.write_table(table.replace_schema_metadata(meta), path)


def _safe_text(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy with formula-like text (=, +, -, @ ...) neutralised, as the forms do it."""
    from careersurvey.forms.safety import neutralise_series

    out = frame.copy()
    for col in out.columns:
        s = out[col]
        if pd.api.types.is_string_dtype(s) or pd.api.types.is_object_dtype(s) or isinstance(s.dtype, pd.CategoricalDtype):
            out[col] = neutralise_series(s.astype(object))
    return out


def _write_csv(frame: pd.DataFrame, path: Path, encoding: str) -> None:
    """CSV in ``encoding``; text that encoding cannot hold is a clear error, not a lossy file."""
    safe = _safe_text(frame)
    try:
        safe.to_csv(path, index=False, encoding=encoding, date_format="%Y-%m-%d", lineterminator=CSV_LINE_END)
    except UnicodeEncodeError as exc:
        path.unlink(missing_ok=True)
        bad = exc.object[exc.start:exc.end] if isinstance(exc.object, str) else "?"
        raise ResponsesError(f"the text {bad!r} cannot be written in {encoding}; export with the default "
                             "utf-8-sig instead", code="encoding", file=str(path)) from None


def _write_xlsx(frame: pd.DataFrame, path: Path, *, sheet: str = "data", labels: Mapping[str, str] | None = None
                ) -> None:
    """xlsx: names in row 1, variable labels in row 2, text written as text (never as formulas)."""
    import xlsxwriter

    from careersurvey.forms.safety import is_formula_like

    wb = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False,
                                         "strings_to_numbers": False, "nan_inf_to_errors": False,
                                         "constant_memory": False})
    quoted = wb.add_format({"quote_prefix": True})
    date_fmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    ws = wb.add_worksheet(sheet)
    ws.write_row(0, 0, list(frame.columns))
    top = 2 if labels is not None else 1
    if labels is not None:
        ws.write_row(1, 0, [labels.get(c, "") for c in frame.columns])
    for j, col in enumerate(frame.columns):
        s = frame[col]
        if pd.api.types.is_datetime64_any_dtype(s):
            values = s.dt.to_pydatetime()
            for i in np.flatnonzero(s.notna().to_numpy()):
                ws.write_datetime(i + top, j, values[i], date_fmt)
            continue
        if pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s):
            arr = s.astype("Float64").to_numpy(dtype=object, na_value=None)
            ws.write_column(top, j, arr)
            continue
        text = s.astype(object).where(s.notna(), None).to_numpy(dtype=object)
        danger = pd.Series(text, dtype=object).map(is_formula_like).to_numpy(dtype=bool)
        ws.write_column(top, j, np.where(danger, None, text))
        for i in np.flatnonzero(danger):
            ws.write_string(i + top, j, text[i], quoted)
    ws.freeze_panes(top, 1)
    wb.close()


def write_problems(frame: pd.DataFrame, path: str | Path, *, private: bool = True) -> Path:
    """The problems table as .xlsx (text kept as text, formula-like values quote-prefixed) or .csv; owner-only
    unless ``private=False`` (it quotes the answers it is about)."""
    path = Path(path)
    if path.suffix.lower() not in (".csv", ".xlsx"):
        raise ResponsesError("write problems to a .xlsx or .csv file", code="usage", file=str(path))
    with _writing(path):
        create_private(path, private)
        if path.suffix.lower() == ".csv":
            _safe_text(frame).to_csv(path, index=False, encoding="utf-8-sig", lineterminator=CSV_LINE_END)
        else:
            _write_xlsx(frame, path, sheet="problems")
    return path


__all__ = ["ExportResult", "ExportWarning", "FORMATS", "META_COLUMNS", "PANEL_SHAPES", "cut_bytes", "export_panel",
           "export_responses", "write_problems"]
