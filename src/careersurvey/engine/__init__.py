"""The engine path: design-based estimates computed inside DuckDB, Spark or any engine Ibis reaches.

``cs.from_table(source, weights=..., strata=..., psu=..., fpc=...)`` builds a :class:`TableDesign` over a
parquet file or glob, a DuckDB file's table, a Spark DataFrame or an Ibis table; its estimators give the same
numbers and result frames as :class:`careersurvey.SurveyDesign` (tested on the R reference cases), while only
aggregates leave the engine. Needs the ``[engine]`` extra (Ibis with DuckDB; pyspark for Spark).
"""

from careersurvey.engine.design import TableDesign, from_table
from careersurvey.engine.models_mi import from_imputed_tables
from careersurvey.engine.source import EngineError, open_table

__all__ = ["TableDesign", "from_table", "from_imputed_tables", "EngineError", "open_table"]
