"""Turn questionnaire YAML text into the frozen ``Questionnaire`` model, reporting every problem at once.

``parse_questionnaire(text, file)`` is pure (no file IO). It runs in three passes:

1. YAML with line numbers (``yamlsource``) and the pydantic models of the raw format (``spec``), which
   report unknown keys, missing keys and wrong value types anywhere in the file in one go;
2. meaning, on every piece that passed 1: names, codes, languages, skip logic, scales (``ErrorCode``);
3. building the frozen model values, only when 1 and 2 found nothing.

All problems are raised together as one ``QuestionnaireError``, sorted by line.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Iterable

import yaml
from pydantic import BaseModel, TypeAdapter, ValidationError

from careersurvey.questionnaire._elements import ElementChecks
from careersurvey.questionnaire._harmonise import HarmoniseChecks
from careersurvey.questionnaire._scales import ScaleChecks
from careersurvey.questionnaire.errors import ErrorCode as E
from careersurvey.questionnaire.errors import Problem, QuestionnaireError, problem
from careersurvey.questionnaire.model import MISSING_CODES, Choice, ChoiceList, GlossaryEntry, Questionnaire
from careersurvey.questionnaire.names import (QUESTIONNAIRE_ID_RE, SEMVER_RE, ascii_suggestion, did_you_mean,
                                              name_problem, xml_name_problem)
from careersurvey.questionnaire.spec import ALLOWED_KEYS, ChoiceSpec, ElementSpec, GlossarySpec, QuestionnaireSpec
from careersurvey.questionnaire.yamlsource import line_of, load_yaml

_HEADER = ("id", "version", "status", "date", "languages", "title", "description", "missing_codes")


def parse_questionnaire(text: str, file: str = "<string>") -> Questionnaire:
    """The questionnaire in YAML ``text`` (``file`` is only used to name it in errors and ``source``)."""
    return _Loader(text, file).run()


class _Loader(ElementChecks, ScaleChecks, HarmoniseChecks):
    def __init__(self, text: str, file: str) -> None:
        self.text = text
        self.file = file
        self.problems: list[Problem] = []
        self.raw: Any = None
        self.languages: tuple[str, ...] = ()

    # ---------------------------------------------------------------- helpers
    def add(self, error: E, loc: Iterable[Any] = (), who: str | None = None, at: int | None = None,
            **context: Any) -> None:
        """Record a problem at ``loc`` (or line ``at``) about item ``who``; ``context`` fills the templates."""
        context.setdefault("item", who)
        who = who or context["item"]
        self.problems.append(problem(error, self.file, at or line_of(self.raw, tuple(loc)), who, **context))

    def fail(self) -> QuestionnaireError:
        self.problems.sort(key=lambda p: (p.line or 0))
        return QuestionnaireError(self.problems)

    def piece(self, kind: Any, value: Any) -> Any:
        """``value`` validated as ``kind`` (a model or type), or None; its errors were already reported."""
        try:
            if isinstance(kind, type) and issubclass(kind, BaseModel):
                return kind.model_validate(value)
            return TypeAdapter(kind).validate_python(value)
        except ValidationError:
            return None

    def text_ok(self, text: dict | None, what: str, loc: tuple, item: str | None = None,
                required: bool = True) -> None:
        """Every language present and non-empty, no other language."""
        if not self.languages:  # languages: itself is wrong (reported); checking texts would only echo it
            return
        if text is None:
            if required:
                for lang in self.languages:
                    self.add(E.MISSING_LANGUAGE, loc, item, what=what, lang=lang, languages=", ".join(self.languages))
            return
        for lang in self.languages:
            if lang not in text:
                self.add(E.MISSING_LANGUAGE, loc, item, what=what, lang=lang, languages=", ".join(self.languages))
            elif not str(text[lang]).strip():
                self.add(E.EMPTY_TEXT, (*loc, lang), item, what=what, lang=lang)
        for lang in text:
            if lang not in self.languages:
                self.add(E.EXTRA_LANGUAGE, (*loc, lang), item, what=what, lang=lang,
                         languages=", ".join(self.languages))

    def name_ok(self, name: str, loc: tuple, item: str | None) -> None:
        issue = name_problem(name)
        if issue is None:
            return
        kind, detail = issue
        if kind == "non_ascii":
            self.add(E.NON_ASCII_NAME, loc, item, name=name, suggestion=detail)
        elif kind == "bad":
            self.add(E.BAD_NAME, loc, item, name=name, detail=detail)
        else:
            self.add(E.RESERVED_NAME, loc, item, name=name, where=detail, suggestion=f"{name}_q")

    # ---------------------------------------------------------------- pass 1: YAML and shape
    def run(self) -> Questionnaire:
        try:
            self.raw, duplicates = load_yaml(self.text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            detail = getattr(exc, "problem", None) or str(exc)
            self.add(E.YAML_SYNTAX, at=(mark.line + 1) if mark else None, detail=detail)
            raise self.fail() from None
        for d in duplicates:
            self.add(E.DUPLICATE_KEY, at=d.line, key=d.key, first=d.first)
        if not isinstance(self.raw, dict):
            self.add(E.NOT_A_MAPPING, at=1, got="nothing" if self.raw is None else "a list" if isinstance(self.raw, list)
                     else repr(self.raw))
            raise self.fail()
        try:
            QuestionnaireSpec.model_validate(self.raw)
        except ValidationError as exc:
            for err in exc.errors():
                self.shape_problem(err)
        result = self.check()
        if self.problems:
            raise self.fail()
        assert result is not None
        return result

    def shape_problem(self, err: dict) -> None:
        loc = tuple(err["loc"])
        item = self.item_at(loc)
        if err["type"] == "extra_forbidden":
            allowed = ALLOWED_KEYS.get(self.kind_at(loc[:-1]))
            hint_allowed = ", ".join(allowed) if allowed else "the language codes " + ", ".join(self.languages)
            self.add(E.UNKNOWN_KEY, loc, item, key=loc[-1], where=self.describe(loc[:-1]), allowed=hint_allowed)
        elif loc and loc[-1] == "disclosure" and err["type"] == "literal_error":
            got = str(err.get("input"))
            self.add(E.UNKNOWN_DISCLOSURE, loc, item, role=got,
                     close=did_you_mean(got.lower(), ("direct", "key", "sensitive", "text")))
        elif err["type"] == "missing":
            self.add(E.MISSING_KEY, loc[:-1], item, key=loc[-1], where=self.describe(loc[:-1]))
        else:
            got = err.get("input")
            detail = err["msg"] + ("" if isinstance(got, (dict, list)) else f" (got {got!r})")
            self.add(E.BAD_VALUE, loc, item, where=self.describe(loc), detail=detail, key=loc[-1] if loc else "")

    def raw_at(self, loc: tuple) -> Any:
        node = self.raw
        for step in loc:
            try:
                node = node[step]
            except (KeyError, IndexError, TypeError):
                return None
        return node

    def item_at(self, loc: tuple) -> str | None:
        if len(loc) >= 4 and loc[0] == "modules" and loc[2] == "items":
            if len(loc) >= 6 and loc[4] == "rows":
                name = self.raw_at(loc[:6] + ("name",))
            else:
                name = self.raw_at(loc[:4] + ("name",))
            return name if isinstance(name, str) else None
        return None

    @staticmethod
    def kind_at(loc: tuple) -> str:
        if not loc:
            return "questionnaire"
        if loc[-1] in ("range", "scoring"):
            return str(loc[-1])
        if loc[0] == "modules":
            return {2: "module", 4: "element", 6: "row"}.get(len(loc), "")
        if loc[0] == "scales" and len(loc) == 2:
            return "scale"
        if loc[0] == "harmonise" and len(loc) == 2:
            return "harmonise"
        return ""

    def describe(self, loc: tuple) -> str:
        if not loc:
            return "the questionnaire"
        if loc[0] == "modules" and len(loc) >= 2:
            mod = self.raw_at(loc[:2] + ("id",))
            where = f"module {mod!r}" if isinstance(mod, str) else f"module {loc[1] + 1}"
            if len(loc) >= 4:
                name = self.raw_at(loc[:4] + ("name",))
                where = (f"item {name!r}" if isinstance(name, str) else f"element {loc[3] + 1}") + f" of {where}"
            if len(loc) >= 6:
                name = self.raw_at(loc[:6] + ("name",))
                where = (f"row {name!r}" if isinstance(name, str) else f"row {loc[5] + 1}") + f" of {where}"
            rest = loc[6:] if len(loc) >= 6 else loc[4:] if len(loc) >= 4 else loc[2:]
        elif loc[0] == "choice_lists" and len(loc) >= 2:
            where = f"choice list {loc[1]!r}"
            if len(loc) >= 3:
                where = f"choice {loc[2] + 1} of {where}"
            rest = loc[3:]
        elif loc[0] == "scales" and len(loc) >= 2:
            where, rest = f"scale {loc[1]!r}", loc[2:]
        elif loc[0] == "harmonise" and len(loc) >= 2:
            where, rest = f"harmonise entry {loc[1] + 1}", loc[2:]
        elif loc[0] == "glossary" and len(loc) >= 2:
            where, rest = f"glossary entry {loc[1] + 1}", loc[2:]
        else:
            where, rest = "the questionnaire", loc
        return f"{'.'.join(map(str, rest))} of {where}" if rest else where

    # ---------------------------------------------------------------- pass 2: meaning
    def check(self) -> Questionnaire | None:
        raw = self.raw
        header = {k: self.piece(QuestionnaireSpec.model_fields[k].annotation, raw[k]) for k in _HEADER if k in raw}
        languages = header.get("languages") or []
        self.languages = tuple(languages)
        if len(set(languages)) != len(languages) or any(not str(x).strip() for x in languages):
            self.add(E.BAD_LANGUAGES, ("languages",), languages=languages, detail="repeat a language or hold an empty one")
            self.languages = ()
        self.check_header(header)
        lists = self.check_choice_lists()
        glossary = self.check_glossary()
        elements = self.collect_elements()
        modules = self.check_modules(elements, lists)
        modules, scales = self.check_scales(modules)
        harmonise = self.check_harmonise(modules, header.get("version"))
        if self.problems:
            return None
        return Questionnaire(
            id=header["id"], version=header["version"], languages=self.languages, title=header["title"],
            modules=modules, scales=scales, choice_lists=lists,
            missing_labels=header["missing_codes"], glossary=glossary,
            status=header.get("status") or "draft",
            date=header["date"].isoformat() if header.get("date") else None,
            description=header.get("description") or {}, source=self.file, harmonise=harmonise,
        )

    def check_header(self, header: dict) -> None:
        qid, version = header.get("id"), header.get("version")
        if isinstance(qid, str) and not QUESTIONNAIRE_ID_RE.fullmatch(qid):
            self.add(E.BAD_ID, ("id",), id=qid)
        if isinstance(version, str) and not SEMVER_RE.fullmatch(version):
            self.add(E.BAD_VERSION, ("version",), version=version)
        stem = Path(self.file).stem
        if isinstance(qid, str) and isinstance(version, str) and SEMVER_RE.fullmatch(stem):
            parent = Path(self.file).parent.name
            if stem != version or (parent and parent != qid and parent != "survey" and self.file != "<string>"
                                   and Path(self.file).parent.parent.name == "survey"):
                self.add(E.FILE_NAME, ("version",), file_name=f"{parent}/{Path(self.file).name}",
                         key=f"{qid}@{version}", id=qid, version=version)
        if header.get("title") is not None:
            self.text_ok(header["title"], "title", ("title",))
        if header.get("description") is not None:
            self.text_ok(header["description"], "description", ("description",))
        labels = header.get("missing_codes")
        if labels is not None:
            if set(labels) != set(MISSING_CODES):
                extra = sorted(set(labels) - set(MISSING_CODES))
                lacking = sorted(set(MISSING_CODES) - set(labels))
                detail = "; ".join(filter(None, [f"lacks {lacking}" if lacking else "",
                                                 f"has codes {extra} that are not missing codes" if extra else ""]))
                self.add(E.MISSING_LABELS, ("missing_codes",), detail=detail)
            for code, text in labels.items():
                self.text_ok(text, f"the label of missing code {code}", ("missing_codes", code))

    def check_choice_lists(self) -> dict[str, ChoiceList]:
        out: dict[str, ChoiceList] = {}
        raw_lists = self.raw.get("choice_lists")
        if not isinstance(raw_lists, dict):
            return out
        for name, raw_choices in raw_lists.items():
            choices = self.piece(list[ChoiceSpec], raw_choices)
            if choices is None:
                continue
            if not choices:
                self.add(E.EMPTY_CHOICES, ("choice_lists", name), list=name)
            seen: dict[int, int] = {}
            names: dict[str, tuple[str, int]] = {}
            built = []
            before = len(self.problems)
            for i, c in enumerate(choices):
                loc = ("choice_lists", name, i)
                line = line_of(self.raw, loc)
                if c.code in MISSING_CODES:
                    self.add(E.MISSING_CODE_AS_CHOICE, loc, list=name, code=c.code)
                if c.code in seen:
                    self.add(E.DUPLICATE_CODE, loc, list=name, code=c.code, first=seen[c.code])
                seen.setdefault(c.code, line or 0)
                if c.name is not None:
                    self.choice_name_ok(c.name, c.code, name, (*loc, "name"), names)
                label = dict(c.model_extra or {})
                self.text_ok(label, f"choice {c.code} of list {name!r}", loc)
                built.append(Choice(c.code, label, c.name))
            self.names_not_labels(name, built)
            if len(self.problems) == before:  # a faulty list is reported once, not again at every use
                out[name] = ChoiceList(name, tuple(built))
        return out

    def choice_name_ok(self, choice_name: str, code: int, list_name: str, loc: tuple,
                       names: dict[str, tuple[str, int]]) -> None:
        """A choice's XLSForm name: an XML name, unique in its list (also ignoring case: imports match names
        case-insensitively, as they do labels)."""
        detail = xml_name_problem(choice_name)
        if detail:
            self.add(E.BAD_CHOICE_NAME, loc, code=code, list=list_name, name=choice_name, detail=detail,
                     suggestion=ascii_suggestion(choice_name) or "choice_" + str(abs(code)))
            return
        first = names.get(choice_name.casefold())
        if first is not None:
            case = "" if first[0] == choice_name else f", as {first[0]!r}: names are matched ignoring case"
            self.add(E.DUPLICATE_CHOICE_NAME, loc, list=list_name, name=choice_name, first=first[1], case=case)
            return
        names[choice_name.casefold()] = (choice_name, line_of(self.raw, loc) or 0)

    def names_not_labels(self, list_name: str, choices: list[Choice]) -> None:
        """A choice name that is another choice's label would make label exports ambiguous on import."""
        labels = {" ".join(str(t).split()).casefold(): c.code for c in choices for t in c.label.values()}
        for i, c in enumerate(choices):
            other = labels.get((c.name or "").casefold())
            if c.name is not None and other is not None and other != c.code:
                self.add(E.CHOICE_NAME_IS_LABEL, ("choice_lists", list_name, i, "name"), list=list_name,
                         name=c.name, code=c.code, other=other)

    def check_glossary(self) -> tuple[GlossaryEntry, ...]:
        out = []
        seen: dict[str, int] = {}
        raw = self.raw.get("glossary")
        if not isinstance(raw, list):
            return ()
        for i, entry in enumerate(raw):
            g = self.piece(GlossarySpec, entry)
            if g is None:
                continue
            loc = ("glossary", i)
            if g.term in seen:
                self.add(E.DUPLICATE_TERM, loc, term=g.term, first=seen[g.term])
            seen.setdefault(g.term, line_of(self.raw, loc) or 0)
            definition = dict(g.model_extra or {})
            self.text_ok(definition, f"glossary term {g.term!r}", loc)
            out.append(GlossaryEntry(g.term, definition))
        return tuple(out)

    def collect_elements(self) -> list[tuple[int, int, ElementSpec | None]]:
        """(module index, element index, validated element or None) in file order."""
        out = []
        mods = self.raw.get("modules")
        if not isinstance(mods, list):
            return out
        for mi, mod in enumerate(mods):
            items = mod.get("items") if isinstance(mod, dict) else None
            if isinstance(items, list):
                for ei, el in enumerate(items):
                    out.append((mi, ei, self.piece(ElementSpec, el)))
        return out
