"""Find and read questionnaire files: by path, by ``id`` (+ version), or by an ``id@version`` key.

Questionnaires live in a ``survey/`` folder as ``survey/<id>/<version>.yaml``. That folder is found, in order:
the ``CAREERSURVEY_SURVEY_DIR`` environment variable; the nearest ``survey/`` folder at or above the working
directory that holds questionnaires; the repository the package was installed from (editable installs sit
at ``<repo>/src/careersurvey``, so ``<repo>/survey``); the copy a regular install (``pip install .``) puts
under ``<prefix>/share/careersurvey/survey`` (``[tool.setuptools.data-files]`` in pyproject.toml copies the
repository's ``survey/`` there, so git keeps one source of truth). This is the only module of the package
that reads questionnaire files; parsing itself is pure (``loader.parse_questionnaire``).
"""

from __future__ import annotations

import os
import re
import site
import sys
from functools import lru_cache
from pathlib import Path

from careersurvey.questionnaire.loader import SEMVER_RE, parse_questionnaire
from careersurvey.questionnaire.names import version_key
from careersurvey.questionnaire.model import Questionnaire

ENV_VAR = "CAREERSURVEY_SURVEY_DIR"
KEY_RE = re.compile(r"(?P<id>[a-z][a-z0-9]*(?:-[a-z0-9]+)*)(?:@(?P<version>[^@\s]+))?")


def parse_key(key: str) -> tuple[str, str | None]:
    """Split ``"stem-careers@1.0.0"`` into ``("stem-careers", "1.0.0")``; the version part is optional."""
    m = KEY_RE.fullmatch(key.strip())
    if not m:
        raise ValueError(f"{key!r} is not a questionnaire key: write <id>@<version>, e.g. stem-careers@1.0.0")
    version = m.group("version")
    if version is not None and not SEMVER_RE.fullmatch(version):
        raise ValueError(f"{key!r}: version {version!r} is not a semantic version such as 1.0.0")
    return m.group("id"), version


def _holds_questionnaires(folder: Path) -> bool:
    return folder.is_dir() and any(folder.glob("*/*.yaml"))


#: Where a regular install puts the repository's survey/ folder, below an installation prefix.
INSTALLED_SUBDIR = Path("share", "careersurvey", "survey")


def installed_survey_dirs() -> tuple[Path, ...]:
    """Where ``pip install .`` puts ``survey/``: below the environment's prefix, or the user base for --user."""
    prefixes = dict.fromkeys([sys.prefix, site.getuserbase()])
    return tuple(Path(prefix) / INSTALLED_SUBDIR for prefix in prefixes)


def survey_dir() -> Path:
    """The folder that holds ``<id>/<version>.yaml`` questionnaire files (see the module docs for the order)."""
    env = os.environ.get(ENV_VAR)
    if env:
        path = Path(env).expanduser()
        if not path.is_dir():
            raise FileNotFoundError(f"{ENV_VAR}={env!r} is not a folder: point it at the survey/ folder")
        return path
    here = Path.cwd().resolve()
    for folder in (here, *here.parents):
        if _holds_questionnaires(folder / "survey"):
            return folder / "survey"
    checkout = Path(__file__).resolve().parents[3] / "survey"
    for folder in (checkout, *installed_survey_dirs()):
        if _holds_questionnaires(folder):
            return folder
    raise FileNotFoundError(
        f"no survey/ folder with questionnaires found above {here}, next to the package ({checkout}) nor "
        f"where an install puts it ({', '.join(map(str, installed_survey_dirs()))}); "
        f"set {ENV_VAR} to the folder that holds <id>/<version>.yaml files")


def available(questionnaire_id: str | None = None, folder: Path | None = None) -> dict[str, list[str]]:
    """Questionnaire ids -> their versions (oldest first) found in the survey folder."""
    root = folder or survey_dir()
    out: dict[str, list[str]] = {}
    for path in sorted(root.glob("*/*.yaml")):
        if SEMVER_RE.fullmatch(path.stem) and (questionnaire_id is None or path.parent.name == questionnaire_id):
            out.setdefault(path.parent.name, []).append(path.stem)
    return {k: sorted(v, key=version_key) for k, v in out.items()}


def find_questionnaire(questionnaire_id: str, version: str | None = None, folder: Path | None = None) -> Path:
    """Path of ``<survey>/<id>/<version>.yaml``; the latest version when ``version`` is None."""
    root = folder or survey_dir()
    versions = available(questionnaire_id, root).get(questionnaire_id, [])
    if not versions:
        known = ", ".join(sorted(available(folder=root))) or "none"
        raise FileNotFoundError(f"no questionnaire {questionnaire_id!r} in {root} (available: {known})")
    if version is None:
        version = versions[-1]
    if version not in versions:
        raise FileNotFoundError(
            f"questionnaire {questionnaire_id!r} has no version {version!r} in {root} "
            f"(available: {', '.join(versions)})")
    return root / questionnaire_id / f"{version}.yaml"


def load_questionnaire(source: str | os.PathLike[str], version: str | None = None) -> Questionnaire:
    """Load a questionnaire from a YAML file path, an id (latest or given ``version``) or ``id@version``.

    Raises QuestionnaireError listing every problem of the file, FileNotFoundError naming what exists.
    """
    text = os.fspath(source)
    path = Path(text).expanduser()
    looks_like_file = path.suffix in (".yaml", ".yml") or os.sep in text or "/" in text
    if looks_like_file or path.is_file():
        if version is not None:
            raise ValueError("give either a file path or an id with a version, not a path with a version")
        if path.is_dir():
            raise FileNotFoundError(f"{text!r} is a folder, not a questionnaire file; name a <version>.yaml "
                                    "file in it, or a questionnaire by id@version")
        if not path.is_file():
            raise FileNotFoundError(f"questionnaire file {text!r} does not exist")
    else:
        qid, key_version = parse_key(text)
        if key_version is not None and version is not None and key_version != version:
            raise ValueError(f"{text!r} names version {key_version} but version={version!r} was also given")
        try:
            path = find_questionnaire(qid, key_version or version)
        except FileNotFoundError as exc:
            if path.is_dir():  # a folder in the working directory, not a questionnaire id
                raise FileNotFoundError(f"{text!r} is a folder, not a questionnaire file; name a <version>.yaml "
                                        f"file in it, or a questionnaire by id@version ({exc})") from None
            raise
    resolved = path.resolve()
    stat = resolved.stat()
    return _load_file(str(path), str(resolved), stat.st_mtime_ns, stat.st_size)


def load_registered(questionnaire_id: str, version: str | None = None) -> Questionnaire:
    """A questionnaire by id (and version) from the configured survey folder only, never from a file path: for
    ids that come from inside users' files (a workbook's ``_meta``), which must not choose what is read."""
    qid, key_version = parse_key(questionnaire_id if version is None else f"{questionnaire_id}@{version}")
    path = find_questionnaire(qid, key_version)
    resolved = path.resolve()
    stat = resolved.stat()
    return _load_file(str(path), str(resolved), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=32)
def _load_file(display: str, resolved: str, mtime_ns: int, size: int) -> Questionnaire:
    """Parse a file once per (path, modification time, size); values are immutable so sharing is safe."""
    try:
        text = Path(resolved).read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"{display}: not a UTF-8 text file (byte {exc.start} cannot be decoded); a questionnaire "
                         "is a YAML file saved as UTF-8, see survey/FORMAT.md") from None
    return parse_questionnaire(text, display)
