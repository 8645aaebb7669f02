"""The engine path's tests need Ibis (the [engine] extra, in [test]); Spark tests need pyspark and Java."""

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
               .config("spark.driver.memory", "1g").getOrCreate())
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
