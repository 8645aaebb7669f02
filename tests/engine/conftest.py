"""The engine path's tests need Ibis (the [engine] extra, in [test]); Spark tests need pyspark and Java."""

import os
import shutil

import pytest

ibis = pytest.importorskip("ibis", reason="the engine path needs the [engine] extra (ibis-framework[duckdb])")


@pytest.fixture(scope="session")
def spark():
    """One local Spark session for every Spark test (starting the JVM takes ~15 s)."""
    pyspark = pytest.importorskip("pyspark", reason="Spark tests need pyspark (in the [test] extra)")
    if shutil.which("java") is None:
        pytest.skip("Spark needs Java (.ci/run installs default-jre-headless)")
    from pyspark.sql import SparkSession

    session = (SparkSession.builder.master("local[1]").appName("careersurvey-tests")
               .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "2")
               .config("spark.driver.memory", "3g").getOrCreate())
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture
def query_sizes(monkeypatch):
    """The rows each engine query returns from now on (TableDesign.execute watched): tests that only aggregates
    leave the engine compare them with the number of PSUs (domains, cells, replicates)."""
    from careersurvey.engine.design import TableDesign

    sizes: list[int] = []
    run = TableDesign.execute

    def execute(self, expr):
        out = run(self, expr)
        sizes.append(len(out))
        return out

    monkeypatch.setattr(TableDesign, "execute", execute)
    return sizes


#: CAREERSURVEY_SPARK=all runs every R reference case on Spark as well (about as many Spark tests as DuckDB ones:
#: most of an hour on two cores); by default each Spark test runs its first, middle and last case.
SPARK_ALL = os.environ.get("CAREERSURVEY_SPARK", "").strip().lower() == "all"


@pytest.hookimpl(tryfirst=True)  # before xdist's own hook, which reads xdist_group marks to group tests
def pytest_collection_modifyitems(config, items):
    """Spark tests: every case with CAREERSURVEY_SPARK=all, else each test's first, middle and last case (the
    same queries over other data and options: Spark costs ~0.2-2 s a query against DuckDB's milliseconds). All of
    them in one xdist group: one worker starts the JVM once and runs them, beside the rest of the suite."""
    spark = [item for item in items if _on_spark(item)]
    if not SPARK_ALL:
        per_test: dict[str, list] = {}
        for item in spark:
            per_test.setdefault(item.nodeid.split("[", 1)[0], []).append(item)
        keep = {id(group[i]) for group in per_test.values() for i in {0, len(group) // 2, len(group) - 1}}
        dropped = [item for item in spark if id(item) not in keep]
        if dropped:
            config.hook.pytest_deselected(items=dropped)
            gone = {id(item) for item in dropped}
            items[:] = [item for item in items if id(item) not in gone]
            spark = [item for item in spark if id(item) not in gone]
    for item in spark:
        item.add_marker(pytest.mark.xdist_group("spark"))


def _on_spark(item) -> bool:
    """A test that runs on Spark: it asks for the ``spark`` fixture, or is parametrized with engine "spark"."""
    if "spark" in getattr(item, "fixturenames", ()):
        return True
    params = getattr(getattr(item, "callspec", None), "params", {})
    return any(isinstance(v, str) and v == "spark" for v in params.values())
