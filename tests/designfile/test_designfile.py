"""The design file: loading with precise errors (file, line, field, what, what to do), the published JSON
Schema, and building the declared design on a second questionnaire (alumni, written in conftest.py)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import careersurvey as cs
from careersurvey.designfile.spec import json_schema_text

SCHEMA = Path(cs.__file__).parent / "designfile" / "schema.json"


def _edit(alumni, tmp_path: Path, old: str, new: str) -> Path:
    """A copy of the alumni design file beside its sample, edited by hand."""
    text = alumni["design"].read_text(encoding="utf-8")
    assert old in text
    path = alumni["design"].with_name(f"edited-{tmp_path.name}.yaml")
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


def _dataset(alumni):
    return cs.load_dataset(alumni["store"], cs.load_questionnaire(alumni["questionnaire"]), labels=False)


def test_the_committed_schema_is_the_generated_one() -> None:
    assert SCHEMA.read_text(encoding="utf-8") == json_schema_text()
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    assert schema["additionalProperties"] is False
    assert set(schema["properties"]["lonely_psu"]["enum"]) == {"fail", "remove", "adjust", "average", "certainty"}


def test_the_file_is_read_into_an_immutable_value(alumni) -> None:
    df = cs.load_design_file(alumni["design"])
    assert df.sample == alumni["sample"] and df.targets == alumni["targets"]
    assert (df.weights, df.strata, df.psu, df.fpc, df.lonely_psu) == ("w", ("cls",), ("unit",), ("n_cls",), "adjust")
    with pytest.raises(AttributeError):
        df.weights = "other"  # type: ignore[misc]
    with pytest.raises(TypeError):
        df.lines["weights"] = 1  # type: ignore[index]


def test_an_unknown_field_names_line_field_and_the_allowed_ones(alumni, tmp_path) -> None:
    path = _edit(alumni, tmp_path, "lonely_psu: adjust\n", "lonely_psu: adjust\nweight: w\n")
    with pytest.raises(cs.DesignFileError) as e:
        cs.load_design_file(path)
    assert str(e.value) == (f"{path}:11: [weight] unknown field 'weight' — the fields allowed here are: "
                            "questionnaire, ids, sample, weights, strata, psu, fpc, lonely_psu, "
                            "adjust_domain_lonely, pps, pps_variance, with_replacement, ultimate_cluster, "
                            "missing_codes, targets, wave, waves, trend, longitudinal, plugins.")


def test_an_unknown_field_inside_sample_is_named_with_its_part(alumni, tmp_path) -> None:
    path = _edit(alumni, tmp_path, "  key: respondent_id\n", "  id: respondent_id\n")
    with pytest.raises(cs.DesignFileError, match=r":5: \[sample.id\] unknown field 'id' in sample — the fields "
                                                 r"allowed here are: file, key\."):
        cs.load_design_file(path)


def test_a_bad_lonely_psu_rule_lists_the_rules(alumni, tmp_path) -> None:
    path = _edit(alumni, tmp_path, "lonely_psu: adjust", "lonely_psu: centre")
    with pytest.raises(cs.DesignFileError) as e:
        cs.load_design_file(path)
    msg = str(e.value)
    assert msg == (f"{path}:10: [lonely_psu] lonely_psu: 'centre' is not allowed — write one of 'fail', 'remove', "
                   "'adjust', 'average' or 'certainty' (R survey's meanings; README, The design file).")


def test_every_problem_is_reported_at_once(alumni, tmp_path) -> None:
    path = _edit(alumni, tmp_path, "questionnaire: alumni@1.0.0\n", "")
    path.write_text(path.read_text() + "colour: blue\n", encoding="utf-8")
    with pytest.raises(cs.DesignFileError) as e:
        cs.load_design_file(path)
    assert len(e.value.problems) == 2
    assert [p.line for p in e.value.problems] == [2, 12]  # in the file's order: the missing field where the mapping starts
    assert "has no 'questionnaire'" in str(e.value) and "unknown field 'colour'" in str(e.value)


def test_a_value_of_the_wrong_type_says_what_was_expected(alumni, tmp_path) -> None:
    path = _edit(alumni, tmp_path, "psu: [unit]", "psu: {first: unit}")
    with pytest.raises(cs.DesignFileError) as e:
        cs.load_design_file(path)
    assert str(e.value) == (f"{path}:8: [psu] psu: {{'first': 'unit'}} is not allowed — write a column name, or a "
                            "list of column names (one per stage) (README, The design file).")


def test_files_are_relative_to_the_design_file_and_must_exist(alumni, tmp_path) -> None:
    path = _edit(alumni, tmp_path, "file: sample.csv", "file: samples.csv")
    with pytest.raises(cs.DesignFileError, match=r":4: \[sample.file\] sample.file: .*samples.csv does not exist"):
        cs.load_design_file(path)
    path = _edit(alumni, tmp_path, "fpc: [n_cls]", "fpc: [n_cls, n_unit]")
    with pytest.raises(cs.DesignFileError, match=r":9: \[fpc\] fpc names 2 stage\(s\) but psu names 1"):
        cs.load_design_file(path)


def test_a_column_in_neither_file_is_named_with_the_columns_there_are(alumni, tmp_path) -> None:
    path = _edit(alumni, tmp_path, "psu: [unit]", "psu: [institution]")
    df = cs.load_design_file(path)
    with pytest.raises(cs.DesignFileError) as e:
        df.build(_dataset(alumni))
    msg = str(e.value)
    assert msg.startswith(f"{path}:8: [psu] psu: column 'institution' is in neither the sample file sample.csv "
                          "nor the responses — name one of their columns (the sample file's cls, unit, n_cls, w; or the "
                          "responses' respondent_id, ")


def test_data_of_another_questionnaire_are_refused(alumni, tmp_path) -> None:
    path = _edit(alumni, tmp_path, "alumni@1.0.0", "alumni@2.0.0")
    with pytest.raises(cs.DesignFileError, match=r":2: \[questionnaire\] questionnaire: the design is for "
                                                 r"alumni@2.0.0, but the data are alumni@1.0.0"):
        cs.load_design_file(path).build(_dataset(alumni))


def test_build_gives_the_declared_design_raked_in_scope(alumni) -> None:
    notes: list[str] = []
    ds = _dataset(alumni)
    built = cs.load_design_file(alumni["design"]).prepare(ds, note=notes.append)
    d = built.design
    # the declared design by hand: the sample joined on text ids (0001), strata codes as written (00 .. 03)
    sample = cs.read_table(alumni["sample"], text=("respondent_id", "cls", "unit"))
    assert sorted(d.data["cls"].unique()) == ["00", "01", "02", "03"]
    assert d.data["respondent_id"].iloc[0] == "0001"
    by_hand = cs.SurveyDesign(ds.data.merge(sample, on="respondent_id"), weights="w", strata="cls", psu="unit",
                              fpc="n_cls", lonely_psu="adjust")
    inside = (ds.data["job"] != 3).to_numpy()
    np.testing.assert_array_equal(built.inside, inside)
    assert np.allclose(built.base.weights, by_hand.weights)
    # raked inside the scope to the targets' sex shares (refused sex imputed for the raking); outside kept
    w = d.weights.to_numpy()
    assert np.allclose(w[~inside], by_hand.weights.to_numpy()[~inside])
    assert w[inside].sum() == pytest.approx(5000)
    men = (d.data["sex_margin"] == "man").to_numpy() & inside
    assert w[men].sum() == pytest.approx(3000)
    assert any("without a sex answer" in n for n in notes) and any("outside the population" in n for n in notes)
    # missing codes are declared: pay's refusals are never numbers
    assert d.missing_codes == (-6, -7, -8, -9)


def test_r_survey_options_are_declared_in_the_file(alumni, tmp_path) -> None:
    """with_replacement, ultimate_cluster and adjust_domain_lonely reach the built design; a PPS design needs
    inclusion probabilities in fpc, and a setting of the wrong kind says what it takes."""
    path = _edit(alumni, tmp_path, "lonely_psu: adjust\n", "lonely_psu: adjust\nadjust_domain_lonely: true\n"
                                                           "with_replacement: true\n")
    built = cs.load_design_file(path).prepare(_dataset(alumni))
    base = cs.load_design_file(alumni["design"]).prepare(_dataset(alumni))
    assert built.base.adjust_domain_lonely and built.base.spec.with_replacement
    np.testing.assert_allclose(built.base.w, base.base.w)
    assert built.base.mean("pay", na_rm=True)["se"].iloc[0] > base.base.mean("pay", na_rm=True)["se"].iloc[0]
    pps = _edit(alumni, tmp_path, "lonely_psu: adjust\n", "lonely_psu: adjust\npps: brewer\n")
    with pytest.raises(cs.DesignFileError, match="in a PPS design the fpc is each PSU's inclusion probability"):
        cs.load_design_file(pps).prepare(_dataset(alumni))
    bad = _edit(alumni, tmp_path, "lonely_psu: adjust\n", "lonely_psu: adjust\nwith_replacement: sometimes\n")
    with pytest.raises(cs.DesignFileError) as e:
        cs.load_design_file(bad)
    assert str(e.value) == (f"{bad}:11: [with_replacement] with_replacement: 'sometimes' is not allowed — write "
                            "true or false (README, The design file).")


def test_wave_reads_only_that_waves_respondents(alumni, tmp_path) -> None:
    """A store of two waves: the design of wave 2026 is built on its respondents only (the sample file is that
    wave's), whether the wave is written as a number or as text; a wave the data lack is named."""
    frame = _dataset(alumni).data
    frame = frame.assign(wave=np.where(np.arange(len(frame)) % 3 == 0, "2025", "2026"))
    for written in ("2026", '"2026"'):
        path = _edit(alumni, tmp_path, "lonely_psu: adjust\n", f"lonely_psu: adjust\nwave: {written}\n")
        df = cs.load_design_file(path)
        assert df.wave == "2026"
        d = df.build(frame)
        assert len(d.data) == (frame["wave"] == "2026").sum() and set(d.data["wave"]) == {"2026"}
    wrong = _edit(alumni, tmp_path, "lonely_psu: adjust\n", "lonely_psu: adjust\nwave: 2027\n")
    with pytest.raises(cs.DesignFileError) as e:
        cs.load_design_file(wrong).build(frame)
    assert str(e.value) == (f"{wrong}:11: [wave] wave: the data hold no respondents of wave '2027' (their waves: "
                            "2025, 2026) — name one of those waves, or load the store that holds wave 2027 "
                            "(cs.load_dataset(store)).")
    # no wave named over two waves: refused (a person would count once per wave), the fix named
    plain = cs.load_design_file(_edit(alumni, tmp_path, "lonely_psu: adjust\n", "lonely_psu: adjust\n"))
    with pytest.raises(cs.DesignFileError) as e:
        plain.build(frame)
    assert "the data hold 2 waves (2025, 2026) and the design names none" in str(e.value)
    assert "add wave: 2026" in str(e.value)
    assert len(plain.build(frame[frame["wave"] == "2026"]).data) == (frame["wave"] == "2026").sum()
    bad = _edit(alumni, tmp_path, "lonely_psu: adjust\n", "lonely_psu: adjust\nwave: 20 26\n")
    with pytest.raises(cs.DesignFileError, match=r":11: \[wave\] wave: '20 26' is not allowed"):
        cs.load_design_file(bad)


def test_without_weights_every_respondent_weighs_one(alumni, tmp_path) -> None:
    path = tmp_path / "plain.yaml"
    path.write_text("questionnaire: alumni@1.0.0\n", encoding="utf-8")
    df = cs.load_design_file(path)
    assert not df.weighted
    d = df.build(_dataset(alumni))
    assert (d.weights == 1).all()


def test_the_schema_accepts_the_demo_design_and_refuses_what_the_loader_refuses() -> None:
    import jsonschema  # in the [test] extra: the schema check always runs
    import yaml

    from careersurvey.demo import DEMO_DESIGN

    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    good = yaml.safe_load(DEMO_DESIGN.format(questionnaire="stem-careers@1.1.0", sample="sample_design.csv"))
    jsonschema.validate(good, schema)
    for bad in ({**good, "weight": "w"}, {**good, "lonely_psu": "centre"}, {**good, "psu": {"first": "psu"}},
                {k: v for k, v in good.items() if k != "questionnaire"}):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(bad, schema)


@pytest.mark.parametrize("text, expected", [
    ("questionnaire: alumni@1.0.0\npsu: [unit\n", r"plain.yaml:3: the file is not valid YAML: .* — fix the YAML syntax"),
    ("questionnaire: alumni@1.0.0\nweights: w\nweights: v\n",
     r"plain.yaml:3: \[weights\] the field 'weights' appears twice \(first at line 2\)"),
    ("", r"plain.yaml:1: the file must hold a mapping of fields .*, not an empty file"),
    ("questionnaire: alumni\n", r"plain.yaml:1: \[questionnaire\] questionnaire: 'alumni' is not id@version"),
    ("questionnaire: alumni@1.0.0\nmissing_codes: [-7, refused]\n",
     r"plain.yaml:2: \[missing_codes\[1\]\] missing_codes\[1\]: 'refused' is not allowed — write a list of whole "
     r"numbers such as \[-6, -7, -8, -9\]"),
    ("questionnaire: alumni@1.0.0\nsample: sample.csv\n",
     r"plain.yaml:2: \[sample\] sample: 'sample.csv' is not allowed — write a mapping with file: \(the sample file\) "
     r"and key: \(its id column\)"),
])
def test_hand_edited_files_get_their_line(tmp_path, text, expected) -> None:
    path = tmp_path / "plain.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(cs.DesignFileError, match=expected):
        cs.load_design_file(path)


def test_a_sample_file_with_its_own_key_column(alumni, tmp_path) -> None:
    sample = cs.read_table(alumni["sample"], text=("respondent_id", "cls", "unit")).rename(
        columns={"respondent_id": "person"})
    sample.to_csv(tmp_path / "persons.csv", index=False)
    path = tmp_path / "d.yaml"
    path.write_text("questionnaire: alumni@1.0.0\nsample: {file: persons.csv, key: person}\nweights: w\n"
                    "strata: cls\npsu: unit\n", encoding="utf-8")
    d = cs.load_design_file(path).build(_dataset(alumni))
    assert "person" not in d.data.columns and d.data["respondent_id"].iloc[0] == "0001"
    assert d.data["cls"].iloc[0] == sample["cls"].iloc[0]  # joined by id, strata codes kept as text
    assert d.weights.sum() == pytest.approx(pd.to_numeric(sample["w"]).sum())


def test_plugins_are_module_names_never_paths(alumni, tmp_path) -> None:
    """A design file names its plug-in analyses by module (``plugins: [stem_careers]``); a path is refused at its
    line, so no plug-in is ever run from a file."""
    import careersurvey as cs

    path = tmp_path / "design.yaml"
    path.write_text(f"questionnaire: alumni@1.0.0\nplugins: [alumni_rq.jobs, ../analysis/rq1.py]\n", encoding="utf-8")
    with pytest.raises(cs.DesignFileError) as e:
        cs.load_design_file(path)
    assert str(e.value).startswith(f"{path}:2: [plugins] plugins: '../analysis/rq1.py' is not allowed — name a "
                                   "plug-in's module or package (e.g. stem_careers)")
    path.write_text("questionnaire: alumni@1.0.0\nplugins: [alumni_rq.jobs]\n", encoding="utf-8")
    assert cs.load_design_file(path).plugins == ("alumni_rq.jobs",)
