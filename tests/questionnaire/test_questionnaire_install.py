"""A regular (non-editable) install carries the released questionnaires and targets, copied from survey/.

pyproject.toml installs survey/ as data files under <prefix>/share/careersurvey/survey; ``survey_dir`` looks
there when no checkout is at hand. The fast tests check the listing and the lookup; the slow one builds the
wheel, installs it into a fresh venv and runs the CLI from a folder with no survey/ in sight.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest
from wheels import build_wheel, install_in_fresh_venv

from careersurvey.questionnaire import locate
from careersurvey.questionnaire.locate import ENV_VAR, INSTALLED_SUBDIR, survey_dir

REPO = Path(__file__).resolve().parents[2]


def _data_files() -> dict[str, list[str]]:
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    return config["tool"]["setuptools"]["data-files"]


def test_pyproject_installs_every_file_of_survey() -> None:
    """Adding an instrument or a targets file without listing its folder in pyproject.toml fails here."""
    listed: set[Path] = set()
    for target, patterns in _data_files().items():
        assert Path(target).parts[:3] == INSTALLED_SUBDIR.parts, target
        for pattern in patterns:
            files = sorted(REPO.glob(pattern))
            assert files, f"pattern {pattern!r} matches nothing"
            for f in files:
                assert INSTALLED_SUBDIR.joinpath(*f.relative_to(REPO / "survey").parts[:-1]) == Path(target), (
                    f"{f} would be installed into {target}, not its own folder")
            listed.update(f.relative_to(REPO) for f in files)
    tracked = subprocess.run(["git", "ls-files", "survey"], cwd=REPO, capture_output=True, text=True)
    if tracked.returncode != 0:
        pytest.skip("not a git checkout")
    in_git = {Path(line) for line in tracked.stdout.splitlines()}
    assert in_git - listed == set(), "add these to [tool.setuptools.data-files] in pyproject.toml"


def test_installed_copy_is_used_when_no_checkout_is_found(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    prefix = tmp_path / "venv"
    shutil.copytree(REPO / "survey", prefix / INSTALLED_SUBDIR)
    monkeypatch.delenv(ENV_VAR, raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(locate, "__file__", str(tmp_path / "site" / "careersurvey" / "questionnaire" / "locate.py"))
    monkeypatch.setattr(sys, "prefix", str(prefix))
    assert survey_dir() == prefix / INSTALLED_SUBDIR
    shutil.rmtree(prefix)
    with pytest.raises(FileNotFoundError, match=r"nor where an install puts it \(.*share/careersurvey/survey"):
        survey_dir()


@pytest.mark.slow
def test_wheel_in_a_fresh_venv_finds_the_instrument(tmp_path: Path) -> None:
    """pip wheel + install into a new venv (dependencies from this interpreter), then the CLI: ~6 s."""
    wheel, env = build_wheel(tmp_path, ("src", "survey"))
    names = zipfile.ZipFile(wheel).namelist()
    assert any(n.endswith("data/share/careersurvey/survey/stem-careers/1.0.0.yaml") for n in names)
    assert any(n.endswith("data/share/careersurvey/survey/targets/kr-researchers-2023.yaml") for n in names)
    installed = install_in_fresh_venv(tmp_path, wheel, env)
    venv, python = installed.venv, installed.python
    work = tmp_path / "elsewhere"
    work.mkdir()
    code = ("import careersurvey as cs, careersurvey.questionnaire as q; "
            "print(cs.__file__); print(q.survey_dir()); print(cs.load_questionnaire('stem-careers@1.0.0').key)")
    out = subprocess.run([str(python), "-c", code], cwd=work, env=env, capture_output=True, text=True, check=True)
    module_file, folder, key = out.stdout.split()
    assert Path(module_file).is_relative_to(venv), "the venv must import the wheel, not the checkout"
    assert Path(folder) == venv / INSTALLED_SUBDIR and key == "stem-careers@1.0.0"
    cli = subprocess.run([str(installed.cli), "questionnaire", "validate", "stem-careers@1.0.0"],
                         cwd=work, env=env, capture_output=True, text=True)
    assert cli.returncode == 0 and cli.stdout.startswith("ok stem-careers@1.0.0"), cli.stdout + cli.stderr
