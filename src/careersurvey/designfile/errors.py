"""The catalogue of design-file problems: every message the loader and the builder can give, in one place.

As the questionnaire loader's catalogue (``careersurvey.questionnaire.errors``): each code holds a message
and a hint template; a problem names the file, the line, the field, what is wrong and what to do.
"""

from __future__ import annotations

from typing import Any, Sequence

from careersurvey.questionnaire.errors import Catalogue, Problem, problem


class DesignCode(Catalogue):
    """(message template, hint template) of each kind of problem."""

    UNREADABLE = ("cannot be read: {detail}", "give the path of a design YAML file (README, The design file)")
    YAML_SYNTAX = ("the file is not valid YAML: {detail}", "fix the YAML syntax near this line")
    NOT_A_MAPPING = ("the file must hold a mapping of fields (questionnaire, sample, weights, ...), not {got}",
                     "start from the example in the README (The design file)")
    DUPLICATE_KEY = ("the field {key!r} appears twice (first at line {first})",
                     "keep one of them; YAML would silently drop the first")
    UNKNOWN_FIELD = ("unknown field {key!r}{where}", "the fields allowed here are: {allowed}")
    MISSING_FIELD = ("{where} has no {key!r}", "add {key}: (README, The design file)")
    BAD_VALUE = ("{key}: {got!r} is not allowed{detail}", "{fix}")
    BAD_QUESTIONNAIRE = ("questionnaire: {got!r} is not id@version",
                         "write the questionnaire the data are read as, e.g. stem-careers@1.1.0")
    STAGES = ("{key} names {n} stage(s) but psu names {n_psu}", "give {key} one column per stage of psu")
    NO_FILE = ("{key}: {path} {detail}", "give a file that exists, its path relative to the design file ({base})")
    OTHER_QUESTIONNAIRE = ("questionnaire: the design is for {declared}, but the data are {got}",
                           "load the data as {declared} (cs.load_dataset(store, {declared!r})), or fix questionnaire:")
    NO_COLUMN = ("{key}: column {column!r} is in neither {where}", "name one of their columns ({have})")
    SAMPLE = ("sample: {detail}", "fix the sample file, or the design file's sample: entry")
    TARGETS = ("targets: {detail}", "fix the targets file or its scope (survey/targets/README.md)")
    DESIGN = ("{detail}", "fix the design file or the columns it names")
    NO_WAVE = ("wave: the data hold no respondents of wave {wave!r} (their waves: {have})",
               "name one of those waves, or load the store that holds wave {wave} (cs.load_dataset(store))")
    SEVERAL_WAVES = ("the data hold {n} waves ({have}) and the design names none, so a person who answered in "
                     "several waves would count once per wave",
                     "add wave: {newest} (the wave this design samples), or load one wave "
                     "(cs.load_dataset(store, waves=...)); for change across waves see README section 9")


#: One problem of a design file: the questionnaire loader's value (``field`` is shown where it shows an item).
DesignProblem = Problem


def design_problem(code: DesignCode, file: str, line: int | None, field: str | None = None,
                   **context: Any) -> DesignProblem:
    """The problem ``code`` about ``field`` at ``line`` of ``file``, its templates filled with ``context``."""
    return problem(code, file, line, field, **context)


class DesignFileError(ValueError):
    """Every problem found in one design file (or in building its design), raised together."""

    def __init__(self, problems: Sequence[DesignProblem]) -> None:
        self.problems = tuple(sorted(problems, key=lambda p: (p.file, p.line or 0)))  # in the file's order
        head = (f"{len(self.problems)} problems in the design file:\n" if len(self.problems) > 1 else "")
        super().__init__(head + "\n".join(str(p) for p in self.problems))


__all__ = ["DesignCode", "DesignProblem", "DesignFileError", "design_problem"]
