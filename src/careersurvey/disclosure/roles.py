"""Disclosure roles of a dataset's columns: from the questionnaire, or from a declaration file beside it.

A declaration file (``survey/<id>/disclosure-<version>.yaml``, or ``disclosure.yaml`` for every version) maps
items to roles for a questionnaire whose released versions are frozen::

    questionnaire: stem-careers
    version: 1.0.0          # optional: the version the roles are for
    roles:
      sex: key
      pay_exact: sensitive

A ``recode:`` section may give the release's global recoding by item (``age_band: 2`` merges neighbouring
choices in pairs, ``field: [200, 300]`` cuts choice codes or numbers, ``region: {Capital area: [1, 4, 9], ...}``
groups choices under new labels); :func:`declared_recodes` reads it.

It adds to the roles the questionnaire declares itself; an item given another role there than in the
questionnaire is an error, as is an unknown item or role (each names the file, the line and what to do).
``respondent_id`` is always direct.
"""

from __future__ import annotations

from pathlib import Path
from types import MappingProxyType
from typing import Mapping

import yaml

from careersurvey.questionnaire.model import DISCLOSURE_ROLES, Questionnaire
from careersurvey.questionnaire.names import did_you_mean
from careersurvey.questionnaire.yamlsource import line_of, load_yaml

DECLARATION = "disclosure.yaml"
DECLARATION_OF_VERSION = "disclosure-{version}.yaml"


class RolesError(ValueError):
    """A disclosure declaration that cannot be used: names the file, the line and what to do."""


def _where(file: str, raw: object, loc: tuple) -> str:
    line = line_of(raw, loc)
    return f"{file}:{line}" if line else file


def parse_roles(text: str, q: Questionnaire, file: str = "<roles>") -> Mapping[str, str]:
    """Item -> role of a declaration file's ``text`` for ``q`` (checked against its items; pure)."""
    try:
        raw, _dups = load_yaml(text)
    except yaml.YAMLError as exc:
        raise RolesError(f"{file}: not valid YAML ({getattr(exc, 'problem', exc)}); fix the syntax") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("roles"), dict):
        raise RolesError(f"{file}: expected a mapping with 'questionnaire: <id>' and 'roles:' (item: role); "
                         "see survey/stem-careers/disclosure-1.1.0.yaml")
    if raw.get("questionnaire") not in (None, q.id):
        raise RolesError(f"{_where(file, raw, ('questionnaire',))}: the roles are for questionnaire "
                         f"{raw['questionnaire']!r}, not {q.id!r}; use the declaration of {q.id}")
    if raw.get("version") not in (None, q.version):
        raise RolesError(f"{_where(file, raw, ('version',))}: the roles are for version {raw['version']}, not "
                         f"{q.version}; declare the roles of {q.key} in its questionnaire (disclosure:) or pass them")
    names = {item.name for item in q.items}
    out: dict[str, str] = {}
    for name, role in raw["roles"].items():
        at = _where(file, raw, ("roles", name))
        if name not in names:
            raise RolesError(f"{at}: {name!r} is not an item of {q.key}{did_you_mean(str(name), names)}; "
                             "name an item of the questionnaire")
        if role not in DISCLOSURE_ROLES:
            raise RolesError(f"{at}: [{name}] {role!r} is not a disclosure role{did_you_mean(str(role), DISCLOSURE_ROLES)}; "
                             f"write one of {', '.join(DISCLOSURE_ROLES)}")
        own = q.item(name).disclosure
        if own is not None and own != role:
            raise RolesError(f"{at}: [{name}] declared {role} here but {own} in the questionnaire (line "
                             f"{q.item(name).line}); keep one")
        if (q.item(name).type == "text") != (role == "text") and role != "direct":
            raise RolesError(f"{at}: [{name}] a {q.item(name).type} item cannot have role {role!r}; text is the "
                             "role of open-text items, which may otherwise only be direct")
        out[str(name)] = role
    return MappingProxyType(out)


def declaration_path(q: Questionnaire) -> Path | None:
    """``disclosure-<version>.yaml`` beside the questionnaire's file in the survey folder, else ``disclosure.yaml``
    when it is for its version (a declaration without ``version:`` is for every version); None when neither is."""
    if not q.source:
        return None
    own = Path(q.source).parent / DECLARATION_OF_VERSION.format(version=q.version)
    if own.is_file():
        return own
    path = Path(q.source).parent / DECLARATION
    if not path.is_file():
        return None
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    version = raw.get("version") if isinstance(raw, dict) else None
    return path if version in (None, q.version) else None


def column_roles(q: Questionnaire, declared: Mapping[str, str] | str | Path | None = None) -> Mapping[str, str]:
    """Data column -> role: the questionnaire's roles (``respondent_id`` direct, open text text) and ``declared``
    (item -> role, or a declaration file; None: the declaration beside the questionnaire, if any)."""
    if declared is None:
        declared = declaration_path(q)
    if isinstance(declared, (str, Path)):
        path = Path(declared)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise RolesError(f"{path}: cannot read the disclosure roles ({exc.strerror}); name an existing file")
        declared = parse_roles(text, q, str(path))
    elif declared is not None:
        declared = parse_roles(yaml.safe_dump({"questionnaire": q.id, "roles": dict(declared)}), q, "roles=")
    roles = dict(q.disclosure_roles())
    for name, role in (declared or {}).items():
        roles.update({col: role for col in q.item(name).columns()})
    return MappingProxyType(roles)


def _recode_ok(value: object) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return value >= 2
    if isinstance(value, list):
        return bool(value) and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value)
    if isinstance(value, dict):
        return bool(value) and all(isinstance(v, list) and all(isinstance(c, int) for c in v) for v in value.values())
    return False


def declared_recodes(q: Questionnaire, declared: str | Path | None = None) -> Mapping[str, object]:
    """Item -> recoding of the ``recode:`` section of a declaration file (None: the declaration beside the
    questionnaire); empty when there is none. Errors name the file, the line and what to write."""
    path = Path(declared) if declared is not None else declaration_path(q)
    if path is None:
        return MappingProxyType({})
    raw, _dups = load_yaml(path.read_text(encoding="utf-8"))
    section = raw.get("recode") if isinstance(raw, dict) else None
    if section is None:
        return MappingProxyType({})
    names = {item.name for item in q.items}
    if not isinstance(section, dict):
        raise RolesError(f"{_where(str(path), raw, ('recode',))}: recode: maps items to recodings (item: 2, item: "
                         "[cut, cut], item: {label: [codes]})")
    for name, value in section.items():
        at = _where(str(path), raw, ("recode", name))
        if name not in names:
            raise RolesError(f"{at}: {name!r} is not an item of {q.key}{did_you_mean(str(name), names)}")
        if not _recode_ok(value):
            raise RolesError(f"{at}: [{name}] {value!r} is not a recoding; write a group size of 2 or more, a list "
                             "of cut points, or labels with lists of choice codes")
    return MappingProxyType({str(k): v for k, v in section.items()})
