"""``careersurvey questionnaire``: validate, show and compare questionnaire versions; print the JSON Schema.

A thin shell over :mod:`careersurvey.questionnaire`. A questionnaire is named by a YAML path, an id (latest
version) or ``id@version``. Problems are printed one a line as ``file:line: [item] what — what to do``, the
form editors and CI logs link to.
"""

from __future__ import annotations

import enum

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from careersurvey.cli._common import console as plain_console
from careersurvey.cli._common import fail, say, shown

app = typer.Typer(help="Questionnaires: validate, show, diff, and the JSON Schema of the YAML format.",
                  no_args_is_help=True)


class Lang(str, enum.Enum):
    ko = "ko"
    en = "en"


def _load(source: str):
    """Load a questionnaire or exit 1 with every problem listed."""
    from careersurvey.questionnaire import QuestionnaireError, load_questionnaire

    try:
        return load_questionnaire(source)
    except QuestionnaireError as exc:
        n = len(exc.problems)
        say((f"{n} problem{'s' if n != 1 else ''}", "bold red"), f" in {exc.problems[0].file}:", err=True)
        for p in exc.problems:
            say(str(p), err=True)
        raise typer.Exit(1)
    except (FileNotFoundError, ValueError) as exc:
        fail(str(exc))


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def summary(q) -> str:
    """One line: key, status, date, and how much is in it."""
    from careersurvey.questionnaire.model import Grid

    n_grids = sum(isinstance(e, Grid) for m in q.modules for e in m.elements)
    return (f"{q.key} ({q.status}{', ' + q.date if q.date else ''}): {_count(len(q.modules), 'module')}, "
            f"{_count(len(q.items), 'item')} ({_count(len(q.columns()), 'data column')}, {_count(n_grids, 'grid')}), "
            f"{_count(len(q.scales), 'scale')}, {_count(len(q.choice_lists), 'choice list')}, "
            f"languages {', '.join(q.languages)}")


@app.command("validate")
def validate(source: str = typer.Argument(..., help="Questionnaire YAML path, id, or id@version.")) -> None:
    """Check a questionnaire file: exit 0 with a summary, or list every problem and exit 1."""
    q = _load(source)
    say(("ok", "green"), " ", summary(q))


class Layout(str, enum.Enum):
    auto = "auto"
    table = "table"
    list = "list"


#: Narrower terminals than this get the list layout: five table columns would fold every label to a few words.
TABLE_MIN_WIDTH = 110


@app.command("show")
def show(
    source: str = typer.Argument(..., help="Questionnaire YAML path, id, or id@version."),
    lang: Lang = typer.Option(None, "--lang", "-l", help="Language of the labels (default: the first one)."),
    layout: Layout = typer.Option(Layout.auto, "--layout", help="table, list (one block per item), or auto: "
                                  f"a table when the terminal is at least {TABLE_MIN_WIDTH} columns wide."),
) -> None:
    """Print the modules with their items, then the scales."""
    q = _load(source)
    console = plain_console(wrap=True)  # wraps at the terminal width (COLUMNS when not a terminal)
    language = lang.value if lang else q.default_language
    if language not in q.languages:
        fail(f"{q.key} has no language {language!r} (it has {', '.join(q.languages)})")
    as_table = layout == Layout.table or (layout == Layout.auto and console.width >= TABLE_MIN_WIDTH)
    _wrapped(console, q.title[language], style="bold")
    _wrapped(console, summary(q))
    first_use: dict[str, str] = {}  # choice list -> the item under which its choices were listed
    for module in q.modules:
        title = f"{module.id}: {module.title[language]}"
        rule = f" (asked if {module.relevance_text})" if module.relevance_text else ""
        (_items_table if as_table else _items_list)(console, title + rule, module.items, language, first_use)
    if q.scales:
        (_scales_table if as_table else _scales_list)(console, q.scales.values(), language)


def _item_head(item) -> tuple[str, str]:
    return item.name + (" (R)" if item.reverse else ""), item.type + (f" [{item.grid}]" if item.grid else "")


def _items_table(console: Console, title: str, items, language: str, first_use: dict[str, str]) -> None:
    _wrapped(console, title, style="bold")
    table = Table()
    table.add_column("item", no_wrap=True)
    table.add_column("type", no_wrap=True)
    for col, ratio in (("label", 3), ("answers", 2), ("asked if", 2)):
        table.add_column(col, ratio=ratio, overflow="fold")
    for item in items:
        answers = "\n".join(_answers(item, language, first_use))
        cells = (*_item_head(item), item.label[language], answers, item.relevance_text or "")
        table.add_row(*map(shown, cells))
    console.print(table)


def _wrapped(console: Console, text: str, indent: int = 0, style: str = "") -> None:
    """``text`` wrapped at word boundaries to the terminal width (in cells: Hangul is two), every line indented."""
    indent = min(indent, console.width // 4)
    for line in Text(shown(text), style=style).wrap(console, console.width - indent, overflow="fold"):
        line.rstrip()
        console.print(Text(" " * indent) + line, soft_wrap=True)


def _block(console: Console, head: str, lines: list[tuple[str, str]]) -> None:
    """A bold head line, then indented ``label: text`` lines that wrap under their own indent."""
    _wrapped(console, head, style="bold")
    for key, text in lines:
        if text:
            _wrapped(console, f"{key}{text}", indent=4)


def _items_list(console: Console, title: str, items, language: str, first_use: dict[str, str]) -> None:
    console.print()
    _wrapped(console, title, style="bold underline")
    for item in items:
        name, kind = _item_head(item)
        answers, *choices = _answers(item, language, first_use) or ("",)
        _block(console, f"{name}  {kind}", [("", item.label[language]), ("answers: ", answers)])
        for choice in choices:  # a long list: one choice a line, under the answers line
            _wrapped(console, choice, indent=8)
        if item.relevance_text:
            _wrapped(console, f"asked if: {item.relevance_text}", indent=4)


def _scoring(scale) -> str:
    return f"{scale.method}, at least {scale.min_answered} answered"


def _scales_table(console: Console, scales, language: str) -> None:
    _wrapped(console, "scales", style="bold")
    table = Table()
    table.add_column("scale", no_wrap=True)
    for col in ("label", "items", "reverse", "scoring"):
        table.add_column(col, overflow="fold")
    for s in scales:
        cells = (s.name, s.label[language], ", ".join(s.items), ", ".join(s.reverse), _scoring(s))
        table.add_row(*map(shown, cells))
    console.print(table)


def _scales_list(console: Console, scales, language: str) -> None:
    console.print()
    _wrapped(console, "scales", style="bold underline")
    for s in scales:
        _block(console, s.name, [("", s.label[language]), ("items: ", ", ".join(s.items)),
                                 ("reverse: ", ", ".join(s.reverse)), ("scoring: ", _scoring(s))])


#: Choice lists whose ``code=label, ...`` text is at most this long are printed on one line, at every item.
SHORT_CHOICES = 60


def _answers(item, language: str, first_use: dict[str, str]) -> tuple[str, ...]:
    """The answers of ``item`` as lines: its range, or the codes and labels of its choice list.

    A short list is one line (``1=Yes, 0=No``) at every item. A longer one is printed in full (``agree5, 5
    choices:`` then one ``code=label`` a line) at the first item that uses it (recorded in ``first_use``); later items name it
    and that item (``agree5 (5 choices, listed at fof_shame)``), so 57 items on one scale do not repeat it.
    """
    if item.choices is not None:
        pairs = [f"{c.code}={c.label[language]}" for c in item.choices.choices]
        name = item.choices.name
        if len(", ".join(pairs)) <= SHORT_CHOICES:
            return (", ".join(pairs),)
        if name in first_use:
            return (f"{name} ({len(pairs)} choices, listed at {first_use[name]})",)
        first_use[name] = item.name
        return (f"{name}, {len(pairs)} choices:", *pairs)
    if item.range is not None:
        unit = f" {item.unit[language]}" if item.unit else ""
        low = "" if item.range.min is None else item.range.min
        high = "" if item.range.max is None else item.range.max
        return (f"{low}..{high}{unit}",)
    return ()


@app.command("diff")
def diff_command(
    old: str = typer.Argument(..., help="Older version: YAML path, id@version."),
    new: str = typer.Argument(..., help="Newer version: YAML path, id@version."),
) -> None:
    """List items added, removed, reworded, recoded and rerouted, and changed choice lists."""
    from careersurvey.questionnaire.versions import diff

    say(diff(_load(old), _load(new)).as_text())


@app.command("schema")
def schema() -> None:
    """Print the JSON Schema of the questionnaire YAML format (as committed in questionnaire/schema.json)."""
    from careersurvey.questionnaire.spec import json_schema_text

    typer.echo(json_schema_text(), nl=False)
