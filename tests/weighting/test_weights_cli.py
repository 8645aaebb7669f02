"""``careersurvey weights``: rake, calibrate and trim a CSV; the written weights are the API's."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import careersurvey as cs
from careersurvey.cli import app

runner = CliRunner()


@pytest.fixture()
def csv(tmp_path):
    rng = np.random.default_rng(1)
    n = 200
    df = pd.DataFrame({"sector": rng.choice([1, 2, 3, 4, 5, 6], n), "sex": rng.choice([1, 2], n),
                       "degree": rng.choice([1, 2, 3, 4, 5], n), "region": rng.choice(np.arange(1, 18), n),
                       "pw": rng.uniform(1000, 3000, n), "income": rng.gamma(2.0, 3000.0, n)})
    path = tmp_path / "in.csv"
    df.to_csv(path, index=False)
    return path, df


def test_rake_writes_the_api_weights(csv, tmp_path) -> None:
    path, df = csv
    out = tmp_path / "out.csv"
    res = runner.invoke(app, ["weights", "rake", "--data", str(path), "--targets", "kr-researchers-2023",
                              "--weights", "pw", "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "Kish design effect of the weights" in res.output and "sector_margin" in res.output
    t = cs.load_targets("kr-researchers-2023")
    expected = cs.SurveyDesign(t.add_margin_columns(df), weights="pw").rake(t.margins()).w
    written = pd.read_csv(out)
    np.testing.assert_allclose(written["weight"], expected, rtol=1e-12)
    assert "sector_margin" not in written.columns
    # and those weights hit every published margin (weighted counts by groupby here, not the API's summary)
    wide = t.add_margin_columns(df).assign(_w=written["weight"].to_numpy())
    for column, levels in t.margins().items():
        got = wide.groupby(column)["_w"].sum()
        for level, target in levels.items():
            assert got[level] == pytest.approx(target, rel=1e-6), (column, level)


def test_calibrate_with_bounds_and_numeric_total(csv, tmp_path) -> None:
    path, df = csv
    out = tmp_path / "out.csv"
    res = runner.invoke(app, ["weights", "calibrate", "--data", str(path), "--targets", "kr-researchers-2023",
                              "--margin", "sector", "--weights", "pw", "--method", "logit", "--bounds", "0.3,3",
                              "--total", f"income={float((df['income'] * df['pw']).sum()) * 1.02}",
                              "--out", str(out)])
    assert res.exit_code == 0, res.output
    w = pd.read_csv(out)["weight"].to_numpy()
    assert (df["income"] * w).sum() == pytest.approx((df["income"] * df["pw"]).sum() * 1.02, rel=1e-6)
    assert w.sum() == pytest.approx(603566, rel=1e-9)
    g = w / df["pw"].to_numpy()
    assert g.min() >= 0.3 - 1e-12 and g.max() <= 3 + 1e-12


def test_trim_and_errors(csv, tmp_path) -> None:
    path, df = csv
    out = tmp_path / "out.csv"
    res = runner.invoke(app, ["weights", "trim", "--data", str(path), "--weights", "pw", "--upper", "2500",
                              "--out", str(out)])
    assert res.exit_code == 0, res.output
    w = pd.read_csv(out)["weight"]
    assert w.max() <= 2500 + 1e-9 and w.sum() == pytest.approx(df["pw"].sum())
    res = runner.invoke(app, ["weights", "trim", "--data", str(path), "--weights", "pw", "--upper", "10",
                              "--out", str(out)])
    assert res.exit_code == 1
    assert "cannot trim weights to [-inf, 10]" in res.output
    res = runner.invoke(app, ["weights", "rake", "--targets", "kr-researchers-2023", "--out", str(out)])
    assert res.exit_code == 1 and "give exactly one of --data CSV or --store FILE" in res.output


def test_missing_margin_values_fail_or_are_dropped(csv, tmp_path) -> None:
    path, df = csv
    df.loc[4, "sex"] = -7  # prefer not to answer: no margin level
    df.to_csv(path, index=False)
    out = tmp_path / "out.csv"
    args = ["weights", "rake", "--data", str(path), "--targets", "kr-researchers-2023", "--weights", "pw",
            "--out", str(out)]
    res = runner.invoke(app, args)
    assert res.exit_code == 1
    assert "column 'sex_margin' is missing in 1 rows (row 6)" in res.output
    assert "--drop-incomplete" in res.output
    res = runner.invoke(app, args + ["--drop-incomplete"])
    assert res.exit_code == 0, res.output
    assert len(pd.read_csv(out)) == len(df) - 1


def test_store_errors_are_reported(tmp_path) -> None:
    out = tmp_path / "out.csv"
    res = runner.invoke(app, ["weights", "rake", "--store", str(tmp_path / "none.duckdb"), "--targets",
                              "kr-researchers-2023", "--out", str(out)])
    assert res.exit_code == 1
    assert "no response store here yet" in res.output


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    """A response store holding simulated stem-careers fieldwork (entry template and online export)."""
    from careersurvey.forms.template import export_template
    from careersurvey.responses.importer import import_responses
    from careersurvey.simulate import simulate_survey

    q = cs.load_questionnaire("stem-careers@1.0.0")
    tmp = tmp_path_factory.mktemp("weights_store")
    template = export_template(q, tmp / "template.xlsx", rows=5)
    sim = simulate_survey(q, template, tmp / "sim", n_institutions=16, take=8, seed=11, kobo_share=0.5)
    db = tmp / "responses.duckdb"
    for f in sim.files:
        import_responses(f, db, q)
    return db, q, sim.sample_file


def test_rake_a_stored_dataset_in_scope(store, tmp_path) -> None:
    db, q, sample = store
    out = tmp_path / "out.csv"
    args = ["weights", "rake", "--store", str(db), "--questionnaire", q.key, "--targets", "kr-researchers-2023",
            "--sample", str(sample), "--weights", "design_weight", "--strata", "stratum", "--psu", "psu",
            "--fpc", "fpc1", "--lonely-psu", "adjust", "--out", str(out)]
    res = runner.invoke(app, args)
    assert res.exit_code == 1
    assert "that no level collapses" in res.output and "pass --in-scope" in res.output
    res = runner.invoke(app, args + ["--in-scope", "--drop-incomplete"])
    assert res.exit_code == 0, res.output
    assert "rows are outside the population of targets 'kr-researchers-2023'" in res.output
    # the same through the API: stored item codes joined to the sample design, the targets' scope,
    # incomplete rows in scope dropped
    design = pd.read_csv(sample, dtype={"respondent_id": str})
    df = cs.load_responses(db, q, labels=False).merge(design, on="respondent_id", validate="one_to_one")
    t = cs.load_targets("kr-researchers-2023")
    inside = t.in_scope(df)
    wide = t.add_margin_columns(df, in_scope=inside)
    keep = ~(wide[[m.column for m in t.margins_]].isna().any(axis=1).to_numpy() & inside)
    expected = cs.SurveyDesign(wide.loc[keep], weights="design_weight", strata="stratum", psu="psu", fpc="fpc1",
                               lonely_psu="adjust").rake(t.margins(), scope=inside[keep])
    written = pd.read_csv(out)
    assert len(written) == int(keep.sum()) and (~inside[keep]).any()
    assert written["respondent_id"].tolist() == df.loc[keep, "respondent_id"].tolist()
    np.testing.assert_allclose(written["weight"], expected.w, rtol=1e-12)
    outside = ~inside[keep]
    np.testing.assert_array_equal(written["weight"].to_numpy()[outside], df.loc[keep, "design_weight"][outside])
    assert written["weight"].to_numpy()[inside[keep]].sum() == pytest.approx(603566, rel=1e-9)
    # Kish deff and effective n on both bases, the API's numbers in the API's words
    rows = expected.weight_summary().kish_rows()
    assert [r[0] for r in rows] == ["in scope", "all respondents"]
    for row in rows:
        assert any(all(cell in line for cell in row) for line in res.output.splitlines()), row


def test_in_scope_needs_the_scope_items(csv, tmp_path) -> None:
    path, _ = csv
    res = runner.invoke(app, ["weights", "rake", "--data", str(path), "--targets", "kr-researchers-2023",
                              "--in-scope", "--out", str(tmp_path / "out.csv")])
    assert res.exit_code == 1
    assert "reads items ['role'] that the data do not have" in res.output


def test_sample_file_must_cover_every_respondent(store, tmp_path) -> None:
    db, q, sample = store
    partial = tmp_path / "partial.csv"
    rows = pd.read_csv(sample, dtype={"respondent_id": str})
    rows.iloc[3:].to_csv(partial, index=False)
    first = ", ".join(repr(i) for i in rows["respondent_id"].iloc[:3])  # respondents of the drawn sample
    res = runner.invoke(app, ["weights", "rake", "--store", str(db), "--questionnaire", q.key, "--targets",
                              "kr-researchers-2023", "--sample", str(partial), "--out", str(tmp_path / "o.csv")])
    assert res.exit_code == 1
    assert f"{partial}: 3 respondents of {db} without a design row: {first}; add a row for each" in res.output


def test_targets_text_is_printed_as_written(csv, tmp_path) -> None:
    """The targets file's own words (description, source) reach the terminal unchanged, brackets included."""
    path, _ = csv
    from pathlib import Path

    text = Path(cs.load_targets("kr-researchers-2023").path).read_text(encoding="utf-8")
    own = tmp_path / "own.yaml"
    own.write_text(text.replace("id: kr-researchers-2023", "id: own")
                   .replace('note: "Verify against', 'note: "[bold]draft[/bold] [sector] Verify against'),
                   encoding="utf-8")
    res = runner.invoke(app, ["weights", "rake", "--data", str(path), "--targets", str(own), "--weights", "pw",
                              "--out", str(tmp_path / "out.csv")], env={"COLUMNS": "400"})
    assert res.exit_code == 0, res.output
    assert "note: [bold]draft[/bold] [sector] Verify against" in res.output

