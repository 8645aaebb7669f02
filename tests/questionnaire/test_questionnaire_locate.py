"""Finding questionnaires by id, version and key; the published JSON Schema; the real instrument loads."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import careersurvey as cs
from careersurvey.questionnaire import available, load_questionnaire, parse_key, survey_dir
from careersurvey.questionnaire.locate import ENV_VAR, version_key
from careersurvey.questionnaire.spec import json_schema, json_schema_text

DATA = Path(__file__).parent / "data"
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def survey(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A survey folder with mini 1.0.0 and 1.1.0 (and 1.10.0-rc.1 to test version order)."""
    folder = tmp_path / "survey" / "mini"
    folder.mkdir(parents=True)
    for version in ("1.0.0", "1.1.0"):
        shutil.copy(DATA / f"mini-{version}.yaml", folder / f"{version}.yaml")
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "survey"))
    return tmp_path / "survey"


def test_parse_key() -> None:
    assert parse_key("stem-careers@1.0.0") == ("stem-careers", "1.0.0")
    assert parse_key("stem-careers") == ("stem-careers", None)
    with pytest.raises(ValueError, match=r"'stem careers' is not a questionnaire key: write <id>@<version>"):
        parse_key("stem careers")
    with pytest.raises(ValueError, match=r"version '1.0' is not a semantic version such as 1.0.0"):
        parse_key("stem-careers@1.0")


def test_version_order() -> None:
    assert sorted(["1.10.0", "1.9.0", "1.10.0-rc.1", "0.1.0"], key=version_key) == [
        "0.1.0", "1.9.0", "1.10.0-rc.1", "1.10.0"]


def test_load_by_id_latest_and_by_version(survey: Path) -> None:
    assert survey_dir() == survey
    assert available() == {"mini": ["1.0.0", "1.1.0"]}
    assert load_questionnaire("mini").version == "1.1.0"
    assert load_questionnaire("mini", version="1.0.0").version == "1.0.0"
    assert load_questionnaire("mini@1.0.0").version == "1.0.0"
    assert load_questionnaire("mini@1.0.0") is load_questionnaire("mini@1.0.0")  # cached, immutable


def test_missing_questionnaires_name_what_exists(survey: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"questionnaire 'mini' has no version '2.0.0' .*\(available: 1.0.0, 1.1.0\)"):
        load_questionnaire("mini", version="2.0.0")
    with pytest.raises(FileNotFoundError, match=r"no questionnaire 'maxi' in .* \(available: mini\)"):
        load_questionnaire("maxi")
    with pytest.raises(FileNotFoundError, match="questionnaire file 'nope.yaml' does not exist"):
        load_questionnaire("nope.yaml")
    with pytest.raises(ValueError, match="names version 1.0.0 but version='1.1.0' was also given"):
        load_questionnaire("mini@1.0.0", version="1.1.0")


def test_survey_folder_found_above_the_working_directory(survey: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_VAR)
    deep = survey.parent / "analysis" / "deeper"
    deep.mkdir(parents=True)
    monkeypatch.chdir(deep)
    assert survey_dir() == survey.resolve()
    assert load_questionnaire("mini").version == "1.1.0"


def test_installed_package_falls_back_to_its_repository(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_VAR, raising=False)
    monkeypatch.chdir(tmp_path)  # no survey/ above tmp_path
    assert survey_dir() == REPO / "survey"


def test_bad_env_var(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "nowhere"))
    with pytest.raises(FileNotFoundError, match="is not a folder: point it at the survey/ folder"):
        survey_dir()


def test_committed_schema_is_the_generated_one() -> None:
    committed = (REPO / "src" / "careersurvey" / "questionnaire" / "schema.json").read_text(encoding="utf-8")
    assert committed == json_schema_text(), "regenerate with: careersurvey questionnaire schema > src/careersurvey/questionnaire/schema.json"


def test_schema_describes_the_format() -> None:
    schema = json_schema()
    assert schema["additionalProperties"] is False
    assert set(schema["required"]) == {"id", "version", "languages", "title", "missing_codes", "modules"}
    element = schema["$defs"]["ElementSpec"]
    assert element["additionalProperties"] is False
    assert element["properties"]["type"]["enum"] == [
        "single", "multiple", "integer", "decimal", "text", "date", "rating", "grid", "note"]
    assert "construct" in schema["$defs"]["ScaleSpec"]["properties"]
    json.dumps(schema)


@pytest.mark.skipif(not (REPO / "survey" / "stem-careers" / "1.0.0.yaml").exists(), reason="instrument not written yet")
def test_the_stem_careers_instrument_loads(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_VAR, raising=False)
    monkeypatch.chdir(REPO)
    q = cs.load_questionnaire("stem-careers", version="1.0.0")
    assert q.key == "stem-careers@1.0.0" and q.languages == ("ko", "en")
    assert 100 <= len(q.items) <= 200
    for item in q.items:  # the loader guarantees both languages; check a sample of the guarantee
        assert item.label["ko"].strip() and item.label["en"].strip()
    for scale in q.scales.values():
        assert set(scale.reverse) <= set(scale.items)
        assert all(q.item(name).scale is not None for name in scale.items)
