"""Plug-in analyses of a second program (the alumni survey of conftest.py, not stem-careers): a package written
here, registered through an entry-point stub distribution (a ``*.dist-info`` with ``entry_points.txt``) in a
folder the subprocess gets on PYTHONPATH. Nothing touches ``sys.path``: the report finds the plug-ins by the
entry-point group ``careersurvey.analyses`` and imports them by module name. One plug-in works, one fails in
``run`` and one does not parse: the report builds, lists all three in its contents, marks the two failed
sections and names the file and line where each failed."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from html import unescape
from pathlib import Path

import pytest

JOBS = '''\
"""Pay by sector of work, a research question of the alumni survey."""
import careersurvey as cs

KEY, TITLE = "JOBS", "Pay by sector of work"
QUESTIONNAIRE = "alumni"


def run(study):
    est = study.design.mean("pay", by="job", na_rm=True)
    table = cs.Table("pay_job", "Mean pay by sector of work", est[["estimate", "se", "ci_low", "ci_high"]])
    top = est["estimate"].idxmax()
    return cs.AnalysisResult(key=KEY, title=TITLE, question="Where do alumni earn most?", tables=(table,),
                             findings=(f"Highest mean pay in sector {top}: {est.loc[top, 'estimate']:,.0f}.",),
                             facts={"levels": float(len(est))})
'''

BROKEN = '''\
"""A question whose analysis has a bug."""
KEY = "BROKEN"


def run(study):
    shares = {}
    return shares["job"]  # line 7: the bug
'''

TYPO = '''\
"""A question whose module does not parse."""
KEY = "TYPO"
def run(study) -> None
    return None
'''


def _program(folder: Path) -> Path:
    """The alumni program's plug-in package and its entry-point stub distribution in ``folder``."""
    pkg = folder / "alumni_rq"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text('"""The alumni survey\'s research questions."""\n', encoding="utf-8")
    for name, code in (("jobs", JOBS), ("broken", BROKEN), ("typo", TYPO)):
        (pkg / f"{name}.py").write_text(code, encoding="utf-8")
    dist = folder / "alumni_rq-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: alumni-rq\nVersion: 0.1\n", encoding="utf-8")
    (dist / "entry_points.txt").write_text("[careersurvey.analyses]\nJOBS = alumni_rq.jobs\n"
                                           "BROKEN = alumni_rq.broken\nTYPO = alumni_rq.typo\n", encoding="utf-8")
    return pkg


def _careersurvey(args: list[str], site: Path, cwd: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(site), *filter(None, [env.get("PYTHONPATH")])])
    return subprocess.run([sys.executable, "-c", "from careersurvey.cli import main; main()", *args], cwd=cwd,
                          env=env, capture_output=True, text=True, timeout=300)


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("site")
    _program(folder)
    return folder


def test_registered_plugins_run_and_failures_name_file_and_line(alumni_survey, site, tmp_path) -> None:
    alumni = alumni_survey
    res = _careersurvey(["report", "--store", str(alumni["store"]), "--design", str(alumni["design"]),
                         "--by", "sex", "--out", str(tmp_path / "r")], site, tmp_path)
    assert res.returncode == 1, res.stderr[-3000:]  # the report is written; the failures set the exit code
    assert "Traceback" not in res.stderr
    broken, typo = site / "alumni_rq" / "broken.py", site / "alumni_rq" / "typo.py"
    assert f"warning: BROKEN (alumni_rq.broken) failed at {broken}, line 7: KeyError: 'job'" in res.stderr
    assert f"warning: TYPO (alumni_rq.typo) failed at {typo}, line 3: SyntaxError: " in res.stderr
    page = (tmp_path / "r" / "report.html").read_text(encoding="utf-8")
    sections = dict(re.findall(r'<section id="([a-z0-9_-]+)">(.*?)</section>', page, flags=re.S))
    assert {"overview", "import", "weighting", "items", "crosstabs", "reliability", "jobs", "broken", "typo",
            "codebook", "methods"} <= set(sections)
    # every generic section, from the questionnaire and the design file alone
    items = _text(sections["items"])
    for title in ("sex: Sex", "job: Where do you work?", "happy1: I like my work", "happy3: My work is meaningful",
                  "Numeric items: weighted mean, median and quartiles", "Item nonresponse by missing code"):
        assert title in items, title
    assert "Government" in items and "-8 " in items  # a level nobody in scope chose; a missing code counted
    crosstabs = _text(sections["crosstabs"])
    assert "Rao-Scott tests of every item by sex" in crosstabs and "job by sex: Where do you work?" in crosstabs
    scales = _text(sections["reliability"])
    assert "Scale scores: weighted means" in scales and "Job satisfaction" in scales and "Weighted alpha" in scales
    assert "Codebook: alumni@1.0.0" in _text(sections["codebook"])
    assert "raked to alumni-2025" in _text(sections["weighting"])
    jobs = _text(sections["jobs"])
    assert "JOBS. Pay by sector of work" in jobs and "Mean pay by sector of work" in jobs
    assert "Highest mean pay in sector" in jobs
    assert "BROKEN. A question whose analysis has a bug. (analysis failed)" in _text(sections["broken"])
    assert f"failed at {broken}, line 7: KeyError: 'job'" in _text(sections["broken"])
    assert "(analysis failed)" in _text(sections["typo"]) and f"{typo}, line 3" in _text(sections["typo"])
    contents = _text(sections["overview"])  # the contents list every plug-in and what became of it
    assert "Plug-in analyses in this report" in contents
    assert "JOBS Pay by sector of work alumni_rq.jobs ran" in contents
    assert f"BROKEN A question whose analysis has a bug. alumni_rq.broken failed: BROKEN" in contents
    assert (tmp_path / "r" / "analysis" / "JOBS.xlsx").is_file()


def test_analyze_runs_one_plugin_by_key_named_as_a_module(alumni_survey, site, tmp_path) -> None:
    """``--plugin MODULE`` names a plug-in that no distribution registers (PYTHONPATH only); KEY picks one."""
    alumni = alumni_survey
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "alumni_more.py").write_text(JOBS.replace('"JOBS"', '"MORE"'), encoding="utf-8")
    res = _careersurvey(["analyze", "MORE", "--store", str(alumni["store"]), "--design", str(alumni["design"]),
                         "--plugin", "alumni_more", "--out", str(tmp_path / "o")], plain, tmp_path)
    assert res.returncode == 0, res.stderr[-3000:]
    assert res.stdout.startswith("- Highest mean pay in sector") and (tmp_path / "o" / "MORE.xlsx").is_file()
    failing = _careersurvey(["analyze", "BROKEN", "--store", str(alumni["store"]), "--design",
                             str(alumni["design"]), "--out", str(tmp_path / "o2")], site, tmp_path)
    assert failing.returncode == 1 and "Traceback" not in failing.stderr
    assert f"error: BROKEN (alumni_rq.broken) failed at {site / 'alumni_rq' / 'broken.py'}, line 7" in failing.stderr


def test_plugin_names_expand_packages_and_refuse_paths_and_twin_keys() -> None:
    """The loader itself, on the stem-careers package that ships with careersurvey: PLUGINS expands to five
    modules in order, each with its key, title, questionnaire and study; paths and twin keys are refused."""
    import careersurvey as cs
    from careersurvey.report.plugins import find_plugins

    found, failed = find_plugins(["stem_careers"])
    assert failed == [] and [p.key for p in found] == ["RQ1", "RQ2", "RQ3", "RQ4", "RQ5"]
    assert {p.questionnaire for p in found} == {"stem-careers@1.1.0"} and len({p.load_study for p in found}) == 1
    assert found[1].module == "stem_careers.rq2_leaving" and found[1].title == "Intentions to leave Korea and science"
    assert found[0].applies_to("stem-careers@1.0.0") and not found[0].applies_to("alumni@1.0.0")
    with pytest.raises(cs.PluginError, match="'analysis/rq1.py' is not a module name"):
        find_plugins(["analysis/rq1.py"])
    with pytest.raises(cs.PluginError, match="no module 'stem_careers.rq9' can be imported"):
        find_plugins(["stem_careers.rq9"])
    with pytest.raises(cs.PluginError, match="defines no run"):
        find_plugins(["stem_careers.common"])
