"""Where a design's table lives: a parquet file or glob, a DuckDB file and a table in it, a Spark DataFrame, a
pandas DataFrame, or a table expression of the portable layer (Ibis) over any engine it reaches.

The engine path (:mod:`careersurvey.engine`) speaks to every engine through Ibis: one expression compiles to
DuckDB, Spark SQL, Trino, BigQuery or Snowflake, so the estimators are written once. Paths come only from the
caller, never from inside a data file.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

__all__ = ["EngineError", "open_table"]


class EngineError(ValueError):
    """A table cannot be opened or a design cannot be built over it; the message says what to do."""


def _ibis():
    try:
        import ibis
    except ImportError:  # pragma: no cover - the [engine] extra is not installed
        raise EngineError("the engine path needs Ibis: pip install 'careersurvey[engine]' "
                          "(ibis-framework with DuckDB; add pyspark for Spark)") from None
    return ibis


def open_table(source: Any, table: str | None = None) -> Any:
    """An Ibis table expression for ``source``.

    - an Ibis table: used as it is (any backend Ibis connects to);
    - a parquet file, a folder of parquet files or a glob (``data/*.parquet``): read by DuckDB in place;
    - a DuckDB database file with ``table=``: opened read-only;
    - a Spark DataFrame: through Ibis' PySpark backend on the DataFrame's session;
    - a pandas DataFrame: an in-memory table run by DuckDB (for tests and small data).
    """
    ibis = _ibis()
    if isinstance(source, ibis.expr.types.Table):
        return source
    if _is_spark(source):
        con = ibis.pyspark.connect(source.sparkSession)
        name = f"careersurvey_{id(source):x}"
        source.createOrReplaceTempView(name)
        return con.table(name)
    try:
        import pandas as pd
    except ImportError:  # pragma: no cover
        pd = None
    if pd is not None and isinstance(source, pd.DataFrame):
        return ibis.memtable(source)
    if isinstance(source, (str, os.PathLike)):
        return _open_path(ibis, Path(source), table)
    raise EngineError(f"cannot open a table from {type(source).__name__}; give a parquet path or glob, a DuckDB "
                      "file with table=, a Spark or pandas DataFrame, or an Ibis table")


def _is_spark(source: Any) -> bool:
    return type(source).__module__.startswith("pyspark.sql") and hasattr(source, "sparkSession")


def _open_path(ibis, path: Path, table: str | None) -> Any:
    text = str(path)
    is_glob = any(ch in text for ch in "*?[")
    if path.suffix.lower() in (".duckdb", ".db") and not is_glob:
        if not path.exists():
            raise EngineError(f"{path}: no such DuckDB file; check the path")
        if table is None:
            raise EngineError(f"{path} is a DuckDB file: name the table in it (table='responses')")
        con = ibis.duckdb.connect(str(path), read_only=True)
        if table not in con.list_tables():
            shown = ", ".join(con.list_tables()[:20]) or "none"
            raise EngineError(f"{path} has no table {table!r} (tables: {shown}); name one of them")
        return con.table(table)
    if path.is_dir():
        text = str(path / "**" / "*.parquet")
    elif not is_glob and not path.exists():
        raise EngineError(f"{path}: no such file; give a parquet file, a folder of them or a glob")
    if table is not None:
        raise EngineError(f"{path} is read as parquet; table= is only for a DuckDB file")
    return ibis.duckdb.connect().read_parquet(text)
