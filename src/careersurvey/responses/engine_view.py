"""The response store as a table for the engine path: accepted rows, harmonised on one questionnaire version,
missing codes as NULL, choices as their labels, never loaded into pandas.

``store_table(store)`` returns an Ibis table over the store's DuckDB file (opened read-only) whose SQL does
what :func:`careersurvey.responses.load_responses` does in memory: each version's answer table joined with
its accepted respondents, harmonised on the target version (a renamed item read from its old column, an item
not asked as NULL), every missing code (-6 -7 -8 -9) NULL, single and rating items as their labels in the
chosen language, multiple-choice columns as booleans, ids as text, and a ``wave`` column. A sample-design file
(strata, PSUs, weights by respondent id) can be joined in the same SQL. Hand it to ``cs.from_table``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from careersurvey.questionnaire.model import MISSING_CODES, Item, Questionnaire
from careersurvey.responses.dataset import _sources, _target, _value_labels, category_labels
from careersurvey.responses.problems import ResponsesError
from careersurvey.responses.store import CODE_SUFFIX, ResponseStore, quote
from careersurvey.responses.waves import chosen_waves, store_waves

__all__ = ["store_table"]


def _literal(value: Any) -> str:
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    return repr(float(value)) if isinstance(value, float) else str(int(value))


def _expr(item: Item, col: str, source: str | None, labels: bool, value_labels: dict[int, str]) -> str:
    """The SQL of one target column from its source column (None: not asked in this version)."""
    out = quote(col)
    if source is None:
        kind = "VARCHAR" if labels and item.type in ("single", "rating", "text", "date") else (
            "BOOLEAN" if labels and item.type == "multiple" else "DOUBLE")
        return f"CAST(NULL AS {kind}) AS {out}"
    src = f"a.{quote(source)}"
    if item.type in ("text", "date"):
        return f"CAST({src} AS VARCHAR) AS {out}"
    codes = ", ".join(str(c) for c in MISSING_CODES)
    real = f"CASE WHEN CAST({src} AS DOUBLE) IN ({codes}) THEN NULL ELSE CAST({src} AS DOUBLE) END"
    if labels and item.type in ("single", "rating") and item.choices is not None:
        cats = category_labels([c.code for c in item.choices.choices], value_labels)
        whens = " ".join(f"WHEN {c.code} THEN {_literal(lab)}" for c, lab in zip(item.choices.choices, cats))
        return f"CASE CAST({src} AS DOUBLE) {whens} ELSE NULL END AS {out}"
    if labels and item.type == "multiple":
        return f"CASE CAST({src} AS DOUBLE) WHEN 1 THEN TRUE WHEN 0 THEN FALSE ELSE NULL END AS {out}"
    return f"{real} AS {out}"


def store_sql(store: ResponseStore, questionnaire: Questionnaire | str | None = None,
              versions: Sequence[str] | None = None, waves=None, labels: bool = True,
              language: str | None = None) -> tuple[str, Questionnaire]:
    """The SELECT that reads the store's accepted rows harmonised on the target questionnaire."""
    with store.connect(read_only=True) as con:
        order = store_waves(con)
        wanted = chosen_waves(order, waves, file=str(store.path))
        q, chosen = _target(store, con, questionnaire, versions, wanted)
        tables = {v: con.execute("SELECT table_name FROM answer_tables WHERE questionnaire_id = ? AND "
                                 "questionnaire_version = ?", [q.id, v]).fetchall()[0][0] for v in chosen}
        have = {v: {r[0] for r in con.execute(f"DESCRIBE {quote(t)}").fetchall()} for v, t in tables.items()}
    lang = language or q.default_language
    if lang not in q.languages:
        raise ResponsesError(f"language {lang!r} is not one of the questionnaire's ({', '.join(q.languages)})",
                             code="usage")
    waves_sql = ", ".join(_literal(w) for w in wanted)
    parts = []
    for version in chosen:
        src = _sources(q, version)
        cols = ["CAST(r.respondent_id AS VARCHAR) AS respondent_id", "CAST(r.wave AS VARCHAR) AS wave",
                "r.questionnaire_version"]
        for item in q.items:
            vl = _value_labels(item, q, lang)
            for col in item.columns():
                source = src.get(col, col)
                if source not in have[version]:  # not asked in this version (harmonise: none maps to it)
                    source = None
                cols.append(_expr(item, col, source, labels, vl))
        parts.append(
            f"SELECT {', '.join(cols)} FROM respondents r JOIN imports i USING (import_id) "
            f"JOIN {quote(tables[version])} a USING (import_id, row_no) WHERE i.questionnaire_id = {_literal(q.id)} "
            f"AND r.status = 'accepted' AND r.questionnaire_version = {_literal(version)} "
            f"AND r.wave IN ({waves_sql})")
    return "\nUNION ALL\n".join(parts), q


def store_table(store: ResponseStore | str | Path, questionnaire: Questionnaire | str | None = None,
                versions: Sequence[str] | None = None, *, waves=None, labels: bool = True,
                language: str | None = None, sample: str | Path | None = None, key: str = "respondent_id"):
    """The store's accepted responses as an Ibis table over the store file (read-only, nothing loaded).

    Arguments as :func:`careersurvey.load_responses`; ``sample``: a sample-design file (CSV, xlsx or parquet,
    read by ``cs.read_table`` with ids as text) joined by ``key`` (rows without a sample row are kept, with
    empty design columns, so a design over them names them). Needs the [engine] extra (Ibis)."""
    try:
        import ibis
    except ImportError:  # pragma: no cover
        raise ResponsesError("store_table needs Ibis: pip install 'careersurvey[engine]'", code="usage") from None
    store = store if isinstance(store, ResponseStore) else ResponseStore(store)
    sql, _q = store_sql(store, questionnaire, versions, waves, labels, language)
    con = ibis.duckdb.connect(str(store.path), read_only=True)
    if sample is not None:
        from careersurvey.responses.tables import read_table

        frame = read_table(sample, text=(key,), what="sample-design file")
        if key not in frame.columns:
            raise ResponsesError(f"the sample-design file has no column {key!r} to join by; name its id column "
                                 "with key=", code="usage", file=str(sample))
        clash = [c for c in frame.columns if c != key and c in ("respondent_id", "wave", "questionnaire_version")]
        if clash:
            raise ResponsesError(f"the sample-design file has columns {clash} that the responses have too; rename them",
                                 code="usage", file=str(sample))
        con.con.register("cs_sample_design", frame.rename(columns={key: "respondent_id"}) if key != "respondent_id"
                         else frame)
        extra = ", ".join(f"s.{quote(c)}" for c in frame.columns if c != key)
        sql = (f"SELECT a.*{', ' + extra if extra else ''} FROM ({sql}) a "
               "LEFT JOIN cs_sample_design s USING (respondent_id)")
    # a temporary view (the store itself is opened read-only and never written): Ibis reads its schema from
    # the catalogue, and every query the engine path builds runs over it inside DuckDB
    con.con.execute(f"CREATE OR REPLACE TEMP VIEW cs_responses AS {sql}")
    return con.table("cs_responses")
