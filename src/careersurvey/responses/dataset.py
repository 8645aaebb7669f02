"""``load_responses``: the accepted responses of a store as one typed pandas DataFrame.

Columns: ``respondent_id``, ``wave``, ``import_id``, ``questionnaire_version``, then every data column of the
target questionnaire (the newest version among the rows read unless one is given) in questionnaire order. Rows
are in wave order (the order of each wave's first import), then import order; ``waves=[...]`` reads only those
waves, so that waves answered on different questionnaire versions come back as one frame on the newest.
Rows from older versions are harmonised on it: a renamed item declared under the newer questionnaire's
``harmonise:`` (survey/FORMAT.md) takes the older item's answers; any other column the row's version did not have
is -6 ("not asked in this version"); a choice dropped in the newer version has no column (its answers stay
in the store).

Missing codes (-6 -7 -8 -9) are NA in the frame, whether it holds labels (categoricals) or numeric
codes (``labels=False``): a missing code can never be averaged, summed or compared as a number. Which
code each NA was, the variable and value labels and the SPSS measurement levels travel in an explicit
value, never in ``DataFrame.attrs`` (pandas deep-copies attrs on every column selection, which made one
design-based mean ten times slower): ``load_dataset`` returns a :class:`Dataset` (``.data``, the same
frame; ``.missing``, Int8 codes aligned with it, NA where the answer is real; the labels), and
``load_missing`` returns the codes frame alone. ``Dataset.codes()`` puts the codes back, for the SPSS
and Stata exports.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from careersurvey.questionnaire.locate import load_registered
from careersurvey.questionnaire.model import MISSING_CODES, NOT_ASKED, Item, Questionnaire
from careersurvey.responses.problems import ResponsesError
from careersurvey.responses.store import CODE_SUFFIX, ResponseStore, _version_key, quote
from careersurvey.responses.waves import chosen_waves, store_waves

#: Which waves to read: one name, a list of names, or None for all.
Waves = Sequence[str] | str | int | None

META_COLUMNS: tuple[str, ...] = ("respondent_id", "wave", "import_id", "questionnaire_version")
#: SPSS measurement level of each item type
_MEASURE = {"single": "nominal", "multiple": "nominal", "rating": "ordinal", "integer": "scale", "decimal": "scale",
            "text": "nominal", "date": "scale"}


def _target(store: ResponseStore, con, questionnaire: Questionnaire | str | None,
            versions: Sequence[str] | None, waves: list[str]) -> tuple[Questionnaire, list[str]]:
    """The target questionnaire (given, or the newest version among ``waves``' rows) and the versions to load."""
    rows = con.execute(
        "SELECT DISTINCT i.questionnaire_id, r.questionnaire_version FROM respondents r JOIN imports i "
        f"USING (import_id) WHERE r.wave IN ({', '.join('?' * len(waves))})", waves).fetchall() if waves else []
    if isinstance(questionnaire, Questionnaire):
        qid = questionnaire.id
    elif isinstance(questionnaire, str):
        qid = questionnaire.partition("@")[0]
    else:
        ids = sorted({r[0] for r in rows})
        if len(ids) > 1:
            raise ResponsesError(f"the store holds several questionnaires ({', '.join(ids)}); name one",
                                 code="usage", file=str(store.path))
        if not ids:
            raise ResponsesError("the store holds no responses yet; import files first", code="empty",
                                 file=str(store.path))
        qid = ids[0]
    present = sorted({r[1] for r in rows if r[0] == qid}, key=_version_key)
    if not present:
        held = ", ".join(sorted({f"{r[0]}@{r[1]}" for r in rows})) or "none"
        raise ResponsesError(f"the store holds no responses to {qid!r} (it holds {held}); name one of those, "
                             "or use the store of that questionnaire", code="empty", file=str(store.path))
    chosen = list(versions) if versions is not None else present
    absent = [v for v in chosen if v not in present]
    if absent:
        raise ResponsesError(f"the store holds no responses to {qid} version(s) {', '.join(absent)} "
                             f"(it has {', '.join(present)})", code="usage", file=str(store.path))
    if isinstance(questionnaire, Questionnaire):
        return questionnaire, chosen
    from careersurvey.responses.importer import load_questionnaire_spec

    spec = questionnaire if isinstance(questionnaire, str) and "@" in questionnaire else \
        f"{qid}@{max(chosen, key=_version_key)}"
    return load_questionnaire_spec(spec), chosen


def load_codes(store: ResponseStore | str | Path, questionnaire: Questionnaire | str | None = None,
               versions: Sequence[str] | None = None, waves: Waves = None) -> tuple[
                   pd.DataFrame, np.ndarray, dict[str, np.ndarray], Questionnaire]:
    """(meta frame, float matrix of codes [rows x columns], texts by column, target questionnaire).

    Reads each version's answer table column by column (Arrow), harmonised on the target's columns:
    a column the version lacks is read from the item the questionnaires' ``harmonise:`` maps it to, else -6
    (not asked). Rows are in wave order, then import order.
    """
    store = store if isinstance(store, ResponseStore) else ResponseStore(store)
    with store.connect(read_only=True) as con:
        order_of_waves = store_waves(con)
        wanted_waves = chosen_waves(order_of_waves, waves, file=str(store.path))
        q, chosen = _target(store, con, questionnaire, versions, wanted_waves)
        columns = list(q.columns())
        text_cols = {c for i in q.items if i.type in ("text", "date") for c in i.columns()}
        parts = []
        sources = {version: _sources(q, version) for version in chosen}
        for version in chosen:
            table = con.execute("SELECT table_name FROM answer_tables WHERE questionnaire_id = ? AND "
                                "questionnaire_version = ?", [q.id, version]).fetchall()[0][0]
            have = {r[0] for r in con.execute(f"DESCRIBE {quote(table)}").fetchall()}
            src = sources[version]
            wanted = [src.get(c, c) for c in columns if src.get(c, c) in have]
            wanted += [src.get(c, c) + CODE_SUFFIX for c in columns
                       if c in text_cols and src.get(c, c) + CODE_SUFFIX in have]
            wanted = list(dict.fromkeys(wanted))
            select = ", ".join(["r.respondent_id", "r.wave", "r.import_id", "r.row_no", "r.questionnaire_version"]
                               + [f"a.{quote(c)}" for c in wanted])
            arrow = con.sql(
                f"SELECT {select} FROM respondents r JOIN imports i USING (import_id) "
                f"JOIN {quote(table)} a USING (import_id, row_no) WHERE i.questionnaire_id = ? "
                "AND r.status = 'accepted' AND r.questionnaire_version = ? "
                f"AND r.wave IN ({', '.join('?' * len(wanted_waves))})",
                params=[q.id, version, *wanted_waves]).to_arrow_table()
            parts.append((arrow, src))
    n = sum(p.num_rows for p, _ in parts)
    matrix = np.full((n, len(columns)), np.nan)
    texts = {c: np.full(n, None, dtype=object) for c in columns if c in text_cols}
    meta_parts = []
    start = 0
    for arrow, src in parts:
        stop = start + arrow.num_rows
        names = set(arrow.column_names)
        for j, target in enumerate(columns):
            col = src.get(target, target)  # the column of this version that holds the target's answers
            if target in text_cols:
                if col in names:
                    texts[target][start:stop] = arrow.column(col).to_numpy(zero_copy_only=False)
                code_col = col + CODE_SUFFIX
                if code_col in names:
                    matrix[start:stop, j] = arrow.column(code_col).to_numpy(zero_copy_only=False)
                elif col not in names:
                    matrix[start:stop, j] = NOT_ASKED
            elif col in names:
                matrix[start:stop, j] = arrow.column(col).to_numpy(zero_copy_only=False)
            else:
                matrix[start:stop, j] = NOT_ASKED  # harmonise: not asked in this version
        meta_parts.append(arrow.select(["respondent_id", "wave", "import_id", "row_no",
                                        "questionnaire_version"]).to_pandas())
        start = stop
    meta = (pd.concat(meta_parts, ignore_index=True) if meta_parts else
            pd.DataFrame(columns=["respondent_id", "wave", "import_id", "row_no", "questionnaire_version"]))
    position = meta["wave"].map({w: i for i, w in enumerate(order_of_waves)}).to_numpy(dtype=np.int64)
    order = np.lexsort((meta["row_no"].to_numpy(dtype=np.int64), meta["import_id"].to_numpy(dtype=np.int64),
                        position))
    meta = meta.iloc[order].reset_index(drop=True)[list(META_COLUMNS)]
    matrix = matrix[order]
    texts = {c: v[order] for c, v in texts.items()}
    return meta, matrix, texts, q


def _sources(q: Questionnaire, version: str) -> dict[str, str]:
    """Target column -> the column of ``version`` that holds its answers, for renamed items only.

    Declared by the newer of the two questionnaires under ``harmonise:``: the target's own declaration when
    ``version`` is older, the registered newer file's (read backwards) when ``version`` is newer.
    """
    if version == q.version:
        return {}
    if version in q.harmonise:
        return dict(q.harmonise[version])
    if _version_key(version) > _version_key(q.version):
        try:
            newer = load_registered(q.id, version)
        except (FileNotFoundError, ValueError):
            return {}
        return {old: new for new, old in newer.harmonise.get(q.version, {}).items()}
    return {}


@dataclass(frozen=True, slots=True, eq=False)
class Dataset:
    """Loaded responses with what the frame itself does not carry.

    ``data``: the frame of :func:`load_responses` (missing codes as NA, no ``attrs``). ``missing``: which
    missing code each NA was (Int8, same index as ``data``, one column per data column of the
    questionnaire, NA where the answer is real). ``variable_labels``, ``value_labels`` (choice labels and
    the missing-code labels), ``missing_labels`` and ``measure`` (SPSS measurement level) by column, in
    ``language``. ``labels``: whether ``data`` holds labels (categoricals) or numeric codes.
    """

    data: pd.DataFrame
    missing: pd.DataFrame
    questionnaire: Questionnaire
    language: str
    labels: bool
    variable_labels: Mapping[str, str] = field(default_factory=dict)
    value_labels: Mapping[str, Mapping[int, str]] = field(default_factory=dict)
    missing_labels: Mapping[int, str] = field(default_factory=dict)
    measure: Mapping[str, str] = field(default_factory=dict)

    def codes(self) -> pd.DataFrame:
        """``data`` (of ``labels=False``) with each NA that was a missing code holding that code again.

        Text and date columns keep NA (a code has no place in them; ``missing`` still says which).
        """
        if self.labels:
            raise ResponsesError("codes() needs the numeric frame: load the dataset with labels=False",
                                 code="usage")
        out = self.data.copy()
        for col in self.missing.columns:
            s = out[col]
            if not pd.api.types.is_numeric_dtype(s.dtype) or pd.api.types.is_bool_dtype(s.dtype):
                continue
            code = self.missing[col]
            if code.notna().any():
                out[col] = s.where(code.isna(), code.astype(s.dtype))
        return out


def load_dataset(store: ResponseStore | str | Path, questionnaire: Questionnaire | str | None = None,
                 versions: Sequence[str] | None = None, *, labels: bool = True,
                 language: str | None = None, waves: Waves = None) -> Dataset:
    """Accepted responses as a :class:`Dataset`: the frame of :func:`load_responses` and, beside it, the
    missing code behind every NA and the labels (see the module docs)."""
    meta, matrix, texts, q = load_codes(store, questionnaire, versions, waves)
    lang = language or q.default_language
    if lang not in q.languages:
        raise ResponsesError(f"language {lang!r} is not one of the questionnaire's ({', '.join(q.languages)})",
                             code="usage")
    columns = list(q.columns())
    data: dict[str, pd.Series | np.ndarray] = {
        "respondent_id": meta["respondent_id"].astype("string"),
        "wave": meta["wave"].astype("string"),
        "import_id": meta["import_id"].astype("Int64"),
        "questionnaire_version": meta["questionnaire_version"].astype("string"),
    }
    missing = _missing_frame(matrix, columns)
    value_labels: dict[str, Mapping[int, str]] = {}
    variable_labels: dict[str, str] = {}
    for item in q.items:
        for col in item.columns():
            j = columns.index(col)
            variable_labels[col] = _variable_label(item, col, lang)
            value_labels[col] = MappingProxyType(_value_labels(item, q, lang))
            data[col] = _typed(item, matrix[:, j], texts.get(col), labels, value_labels[col])
    return Dataset(
        data=pd.DataFrame(data), missing=missing, questionnaire=q, language=lang, labels=labels,
        variable_labels=MappingProxyType(variable_labels), value_labels=MappingProxyType(value_labels),
        missing_labels=MappingProxyType({code: q.missing_labels.get(code, {}).get(lang, str(code))
                                         for code in MISSING_CODES}),
        measure=MappingProxyType({col: _MEASURE[item.type] for item in q.items for col in item.columns()}))


def load_responses(store: ResponseStore | str | Path, questionnaire: Questionnaire | str | None = None,
                   versions: Sequence[str] | None = None, *, labels: bool = True,
                   language: str | None = None, waves: Waves = None) -> pd.DataFrame:
    """Accepted responses as a DataFrame (see the module docs for columns, labels and missing codes).

    ``questionnaire``: the target version (a Questionnaire, ``"id@version"``, ``"id"``) or None for the
    newest among the rows read. ``versions``: which questionnaire versions' rows to include (default all).
    ``waves``: which waves (a name or a list; default all), in the ``wave`` column.
    ``labels``: True for categoricals with value labels in ``language`` (default: the questionnaire's
    first), False for numeric codes. Either way every missing code (-6 -7 -8 -9) is NA; which code it
    was is in ``load_missing`` (or ``load_dataset(...).missing``). Quarantined rows are never included
    (see ``responses problems``).
    """
    return load_dataset(store, questionnaire, versions, labels=labels, language=language, waves=waves).data


def load_missing(store: ResponseStore | str | Path, questionnaire: Questionnaire | str | None = None,
                 versions: Sequence[str] | None = None, *, waves: Waves = None) -> pd.DataFrame:
    """Which missing code each NA of :func:`load_responses` was: Int8 codes (-6 -7 -8 -9), NA where the
    answer is real; same rows (and index) as ``load_responses`` with the same arguments, one column per
    data column of the questionnaire."""
    _meta, matrix, _texts, q = load_codes(store, questionnaire, versions, waves)
    return _missing_frame(matrix, list(q.columns()))


def _missing_frame(matrix: np.ndarray, columns: list[str]) -> pd.DataFrame:
    """The missing codes of a code matrix as Int8, NA where the value is a real answer."""
    return pd.DataFrame(np.where(np.isin(matrix, MISSING_CODES), matrix, np.nan), columns=columns).astype("Int8")


def _variable_label(item: Item, col: str, lang: str) -> str:
    """Variable label of a data column; a multiple-choice column adds its choice's label."""
    label = item.label.get(lang, item.name)
    if item.type == "multiple" and item.choices is not None:
        code = int(col.rsplit("_", 1)[1])
        choice = next(c for c in item.choices.choices if c.code == code)
        return f"{label}: {choice.label.get(lang, str(code))}"
    return label


def _value_labels(item: Item, q: Questionnaire, lang: str) -> dict[int, str]:
    """Value labels of an item's column: its choices (or chosen / not chosen), then the missing codes."""
    out: dict[int, str] = {}
    if item.type in ("single", "rating") and item.choices is not None:
        out = {c.code: c.label.get(lang, str(c.code)) for c in item.choices.choices}
    elif item.type == "multiple":
        out = {1: "선택함" if lang == "ko" else "Selected", 0: "선택하지 않음" if lang == "ko" else "Not selected"}
    for code in MISSING_CODES:
        out[code] = q.missing_labels.get(code, {}).get(lang, str(code))
    return out


def category_labels(codes: Sequence[int], value_labels: Mapping[int, str]) -> list[str]:
    """The categories of a single or rating item: its choices' labels, or, when two choices share a label, each
    label with its code (kept apart); used by load_responses and by the store's SQL view (store_table)."""
    cats = [value_labels[c] for c in codes]
    if len(set(cats)) < len(cats):
        cats = [f"{label} ({code})" for label, code in zip(cats, codes)]
    return cats


def _typed(item: Item, values: np.ndarray, text: np.ndarray | None, labels: bool,
           value_labels: dict[int, str]) -> pd.Series:
    """One column as its analysis type: categorical, boolean, Int64, Float64, string or datetime."""
    code = np.isin(values, MISSING_CODES)
    if item.type in ("text", "date"):
        series = pd.Series(text, dtype=object) if text is not None else pd.Series([None] * len(values), dtype=object)
        if item.type == "date":
            return pd.Series(pd.to_datetime(series, errors="coerce", format="ISO8601"))
        return series.astype("string")
    real = np.where(code, np.nan, values)
    if not labels:
        if item.type == "decimal":
            return pd.Series(real).astype("Float64")
        return pd.Series(real).astype("Float64").round().astype("Int64")
    if item.type in ("single", "rating") and item.choices is not None:
        codes = [c.code for c in item.choices.choices]
        cats = category_labels(codes, value_labels)
        position = pd.Series(real).map({c: i for i, c in enumerate(codes)}).fillna(-1).astype(int).to_numpy()
        return pd.Series(pd.Categorical.from_codes(position, categories=cats, ordered=item.type == "rating"))
    if item.type == "multiple":
        return pd.Series(real).map({1.0: True, 0.0: False}).astype("boolean")
    if item.type == "integer":
        return pd.Series(real).astype("Float64").round().astype("Int64")
    return pd.Series(real).astype("Float64")
