"""Multiple imputation over tables in an engine (R: ``svydesign(data = imputationList(...))`` and ``MIcombine``).

``from_imputed_tables(sources, weights=..., ...)`` declares the same design on each completed table (parquet,
DuckDB, Spark, Ibis: anything :func:`~careersurvey.engine.from_table` takes) and returns the in-memory path's
:class:`~careersurvey.estimation.mi.ImputedDesigns` over those engine designs: its ``mean``, ``total``, ``glm``
and ``apply`` run each analysis inside the engine (only aggregates leave it) and combine the results by the
core's Rubin's rules (:func:`~careersurvey.estimation.mi.mi_combine`), unchanged.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from careersurvey.estimation.estimators import EstimateError
from careersurvey.estimation.mi.designs import ImputedDesigns

__all__ = ["from_imputed_tables"]


def from_imputed_tables(sources: Sequence[Any], **design: Any) -> ImputedDesigns:
    """The design ``from_table(source, **design)`` on each completed table (all of the same rows)."""
    from careersurvey.engine.design import from_table

    sources = list(sources)
    if len(sources) < 2:
        raise EstimateError(f"multiple imputation needs 2 or more completed data sets; got {len(sources)}")
    designs = tuple(from_table(s, **design) for s in sources)
    counts = [int(d.execute(d.table.aggregate(n=d.table.count()))["n"].iat[0]) for d in designs]
    if len(set(counts)) > 1:
        raise EstimateError(f"the completed data sets differ in their number of rows ({sorted(set(counts))}); each "
                            "must hold every respondent once")
    return ImputedDesigns(designs)
