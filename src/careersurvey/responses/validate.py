"""Validation of a raw table against the questionnaire: clean values, problems, and who is quarantined.

Every rule comes from the questionnaire: item types (numbers, whole numbers, dates), choice codes,
ranges, required items, the missing codes each item allows, skip logic (answered where routing skips
it: warning, answer kept; empty where skipped: coded -9 "not applicable"; empty where routing asks it:
quarantined when the item is required, else kept empty as item nonresponse, NA not -9, so the two stay
apart in the data without one warning per blank optional answer), respondent ids (empty,
duplicated within the file or with earlier imports), unknown and absent columns. Checks are
vectorised per column; Python loops run over items and over the (few) problems, never over rows.

Clean values: ``numbers[column]`` (float64; codes, numbers, 0/1, and missing codes for every item) and
``texts[column]`` (text and ISO dates, for text/date items). ``raw[column]`` keeps the cell as written,
as text, wherever it is not exactly the stored value (text not written as the clean number is, such as
"034", " 3 " or "3.50"; unparsable cells; every non-empty cell of text and date items and of a quarantined row);
None means "the cell held exactly the stored value" (a number cell, or a CSV cell "3" stored as 3) or was
empty, so a CSV of numbers does not keep a second copy of every cell. Each file column
is parsed once (:func:`parse_column`: one C-level conversion pass when every cell is a number).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Mapping

import numpy as np
import pandas as pd

from careersurvey.questionnaire.model import MISSING_CODES, NOT_APPLICABLE, Item, Questionnaire, multiple_column
from careersurvey.responses.cells import Parsed, as_text, keep_raw, parse_column
from careersurvey.responses.choices import choice_lookup, choices_text
from careersurvey.responses.columns import ColumnPlan, resolve_columns, split_multiple
from careersurvey.responses.multiple import absent_choices, code_choice_cells, mixed_codes
from careersurvey.responses.problems import QUARANTINE, WARNING, Problem, problem, problems_for_rows
from careersurvey.responses.readers.raw import RawTable, is_empty
from careersurvey.responses.straightline import rows_text, straight_lined

_EXCEL_EPOCH = pd.Timestamp("1899-12-30")
#: Excel serial day numbers representable as nanosecond timestamps (1900-01-01 .. 2262-04-11)
_EXCEL_LAST_SERIAL = 132_000


@dataclass(frozen=True, eq=False)
class Validated:
    """A raw table checked against a questionnaire (see the module docs for the value layout)."""

    table: RawTable
    questionnaire: Questionnaire
    plan: ColumnPlan
    respondent_id: np.ndarray
    numbers: dict[str, np.ndarray]
    texts: dict[str, np.ndarray]
    raw: dict[str, np.ndarray]
    quarantined: np.ndarray
    problems: tuple[Problem, ...]

    @property
    def rows_in(self) -> int:
        """Data rows read."""
        return self.table.n_rows

    @property
    def n_quarantined(self) -> int:
        """Rows kept apart for a quarantine problem."""
        return int(self.quarantined.sum())

    @property
    def n_accepted(self) -> int:
        """Rows that passed."""
        return self.rows_in - self.n_quarantined

    @property
    def n_warnings(self) -> int:
        """Problems of severity warning."""
        return sum(p.severity == WARNING for p in self.problems)

    def frame(self, *, accepted_only: bool = True) -> pd.DataFrame:
        """Clean values as a DataFrame (respondent_id, then the questionnaire's columns)."""
        data: dict[str, object] = {"respondent_id": pd.Series(self.respondent_id, dtype=object)}
        for col in self.questionnaire.columns():
            data[col] = self.texts[col] if col in self.texts else self.numbers[col]
        frame = pd.DataFrame(data)
        return frame[~self.quarantined].reset_index(drop=True) if accepted_only else frame


class _Ctx:
    """Shared state of one validation: where problems point and how rows are numbered."""

    def __init__(self, table: RawTable, missing_labels: Mapping[int, Mapping[str, str]] | None = None) -> None:
        self.table = table
        #: the questionnaire's labels of the missing codes (exports may hold a label instead of -7)
        self.missing_labels = missing_labels or {}
        self.rows = table.rows
        self.problems: list[Problem] = []
        self.bad = np.zeros(table.n_rows, dtype=bool)
        #: item -> rows where its cell broke a quarantine rule (routing that reads it cannot be judged there)
        self.invalid: dict[str, np.ndarray] = {}

    def add(self, rule: str, mask: np.ndarray, values: np.ndarray | None, *, column: str | None = None,
            item: str | None = None, extra: str | Iterable[str] = "") -> None:
        """Record ``rule`` for the rows in ``mask``; quarantine rules also mark those rows bad."""
        idx = np.flatnonzero(mask)
        if not len(idx):
            return
        vals = values[idx] if values is not None else [None] * len(idx)
        ex = extra if isinstance(extra, str) else np.asarray(list(extra), dtype=object)[idx]
        found = problems_for_rows(rule, file=self.table.file, sheet=self.table.sheet, rows=self.rows[idx],
                                  values=vals, column=column, item=item, extra=ex)
        self.problems.extend(found)
        if found and found[0].severity == QUARANTINE:
            self.bad[idx] = True
            if item is not None:
                marks = self.invalid.setdefault(item, np.zeros(len(self.bad), dtype=bool))
                marks[idx] = True


def respondent_ids(table: RawTable) -> np.ndarray:
    """Respondent ids as stripped text (None where empty); numbers without a spurious ``.0``."""
    if table.id_column is None:
        return np.full(table.n_rows, None, dtype=object)
    values = table.data[table.id_column]
    text = as_text(values)
    s = pd.Series(text, dtype=object).str.strip()
    s = s.where(s != "", None)
    return s.to_numpy(dtype=object, copy=True)


def _allowed_missing(item: Item) -> tuple[int, ...]:
    """Missing codes the item accepts: its own, plus -9 where routing may skip it."""
    return tuple(sorted(set(item.missing) | ({NOT_APPLICABLE} if item.relevance is not None else set())))


def _check_missing_codes(ctx: _Ctx, item: Item, column: str, num: np.ndarray, raw: np.ndarray) -> np.ndarray:
    """Mask of cells holding a missing code; codes the item does not allow are quarantined."""
    is_code = np.isin(num, MISSING_CODES)
    allowed = _allowed_missing(item)
    ctx.add("missing_code_not_allowed", is_code & ~np.isin(num, allowed), raw, column=column, item=item.name,
            extra=", ".join(map(str, allowed)) or "none")
    return is_code


def _coded(ctx: _Ctx, item: Item, column: str, col: Parsed) -> np.ndarray:
    """Codes and numbers of a single/rating/integer/decimal item, with type, code and range checks."""
    raw, empty, num = col.raw, col.empty, col.num.copy()
    unparsed = ~empty & np.isnan(num)
    if unparsed.any() and item.choices is not None:
        # XLSForm names and labels of choices, compared as choices.norm does (case and spaces ignored)
        labels = pd.Series(raw[unparsed], dtype=object).astype(str).str.split().str.join(" ").str.casefold()
        num[np.flatnonzero(unparsed)] = labels.map(choice_lookup(item, ctx.missing_labels)).to_numpy(dtype=np.float64)
        unparsed = ~empty & np.isnan(num)
    codes = item.choices.codes() if item.choices is not None else ()
    if item.is_choice:  # text that is neither a code nor a label: say which codes are allowed
        ctx.add("not_a_choice", unparsed, raw, column=column, item=item.name, extra=choices_text(item))
    else:
        ctx.add("not_a_number", unparsed, raw, column=column, item=item.name)
    is_code = _check_missing_codes(ctx, item, column, num, raw)
    real = ~np.isnan(num) & ~is_code
    if item.is_choice:
        ctx.add("not_a_choice", real & ~np.isin(num, codes), raw, column=column, item=item.name,
                extra=choices_text(item))
    else:
        if item.type == "integer":
            ctx.add("not_an_integer", real & (np.mod(num, 1) != 0), raw, column=column, item=item.name)
        if item.range is not None:
            low = -np.inf if item.range.min is None else float(item.range.min)
            high = np.inf if item.range.max is None else float(item.range.max)
            ctx.add("out_of_range", real & ((num < low) | (num > high)), raw, column=column, item=item.name,
                    extra=range_text(item.range.min, item.range.max))
    return num


def range_text(low: object, high: object) -> str:
    """An inclusive range as a person reads it: ``18 to 80``, ``at least 0``, ``at most 2026-12-31``."""
    def show(v: object) -> str:
        return str(int(v)) if isinstance(v, float) and v.is_integer() else str(v)

    if low is not None and high is not None:
        return f"{show(low)} to {show(high)}"
    return f"at least {show(low)}" if low is not None else f"at most {show(high)}"


def _dates(ctx: _Ctx, item: Item, column: str, col: Parsed) -> tuple[np.ndarray, np.ndarray]:
    """(missing codes as float64, ISO date text) of a date item; Excel serial numbers are dates too."""
    raw, empty, num = col.raw, col.empty, col.num.copy()
    is_code = _check_missing_codes(ctx, item, column, num, raw)
    # Excel serial day numbers (a date cell that lost its format): 1 = 1900-01-01 ... 2958465 = 9999-12-31
    serial = ~np.isnan(num) & ~is_code & (num >= 1) & (num <= _EXCEL_LAST_SERIAL)
    stamps = pd.Series(pd.NaT, index=range(len(raw)), dtype="datetime64[ns]")
    if serial.any():
        stamps[serial] = _EXCEL_EPOCH + pd.to_timedelta(np.floor(num[serial]), unit="D")
    other = ~empty & np.isnan(num)
    if other.any():
        text = pd.Series(as_text(raw[other]), dtype=object).str.strip().str.replace(r"[./]", "-", regex=True)
        parsed = pd.to_datetime(text.str.slice(0, 19), errors="coerce", format="ISO8601")
        stamps[np.flatnonzero(other)] = parsed.to_numpy()
    bad = ~empty & ~is_code & stamps.isna().to_numpy()
    ctx.add("not_a_date", bad, raw, column=column, item=item.name)
    iso = stamps.dt.strftime("%Y-%m-%d").to_numpy(dtype=object, copy=True)
    iso[pd.isna(iso)] = None
    if item.range is not None:
        low, high = item.range.min, item.range.max
        text = pd.Series(iso, dtype=object)
        out = pd.Series(False, index=text.index)
        if low is not None:
            out |= text.notna() & (text < str(low))
        if high is not None:
            out |= text.notna() & (text > str(high))
        ctx.add("out_of_range", out.to_numpy(dtype=bool), raw, column=column, item=item.name,
                extra=range_text(low, high))
    num[~is_code] = np.nan
    return num, iso


def _texts(ctx: _Ctx, item: Item, column: str, col: Parsed) -> tuple[np.ndarray, np.ndarray]:
    """(missing codes, text) of a free-text item; text is kept as written."""
    raw, empty, num = col.raw, col.empty, col.num.copy()
    is_code = np.isin(num, _allowed_missing(item))
    text = as_text(raw)
    text[empty | is_code] = None
    num[~is_code] = np.nan
    return num, text


def validate(table: RawTable, questionnaire: Questionnaire, *, known_ids: Iterable[str] = (),
             known_where: dict[str, str] | None = None, separators: str = "/-",
             first_rows: Mapping[str, int] | None = None) -> Validated:
    """Check ``table`` against ``questionnaire``; ``known_ids`` are respondent ids already in the store.

    ``first_rows``: when ``table`` is a chunk of a file, each respondent id of the file (so far) -> the row it
    first occurs in, so that an id repeated across chunks is a ``duplicate_id`` naming that row."""
    ctx = _Ctx(table, questionnaire.missing_labels)
    file, sheet = table.file, table.sheet
    plan = resolve_columns(table, questionnaire, separators)
    n = table.n_rows
    numbers: dict[str, np.ndarray] = {}
    texts: dict[str, np.ndarray] = {}
    raw_kept: dict[str, np.ndarray] = {}
    empties: dict[str, np.ndarray] = {}
    for note in table.notes:
        ctx.problems.append(note)
    note_rows = [p.row for p in table.notes if p.severity == QUARANTINE and p.row is not None]
    if note_rows:
        ctx.bad[np.isin(table.rows, note_rows)] = True
    if plan.by_label:
        ctx.problems.append(problem("label_header", file=file, sheet=sheet, extra=table.kind))
    if table.meta.get("content_hash") and table.meta["content_hash"] != questionnaire.content_hash():
        ctx.problems.append(problem(
            "version_mismatch", file=file, sheet=sheet, value=table.meta["content_hash"][:12],
            extra=f"validated against {questionnaire.key} as it is now ({questionnaire.content_hash()[:12]})"))
    for header in plan.unknown:
        ctx.problems.append(problem("unknown_column", file=file, sheet=sheet, column=header,
                                    extra=questionnaire.key))
    header_of = {c: h for h, c in plan.columns.items()}
    summary_of = {item: h for h, item in plan.summaries.items()}
    for name, child in table.children.items():
        ctx.problems.append(problem("repeat_group", file=file, sheet=name, column=name, value=child.n_rows))

    for item in questionnaire.items:
        if item.type == "multiple":
            _multiple(ctx, item, table, header_of, summary_of, numbers, raw_kept, empties)
            continue
        header = header_of.get(item.name)
        if header is None:
            ctx.problems.append(problem("missing_column", file=file, sheet=sheet, item=item.name))
            numbers[item.name] = np.full(n, np.nan)
            empties[item.name] = np.ones(n, dtype=bool)
            if item.type in ("text", "date"):
                texts[item.name] = np.full(n, None, dtype=object)
            continue
        col = parse_column(table.data[header], table.empty.get(header))
        empties[item.name] = col.empty
        if item.type == "date":
            numbers[item.name], texts[item.name] = _dates(ctx, item, header, col)
        elif item.type == "text":
            numbers[item.name], texts[item.name] = _texts(ctx, item, header, col)
        else:
            numbers[item.name] = _coded(ctx, item, header, col)
        raw_kept[item.name] = keep_raw(col, numbers[item.name], item.type in ("text", "date"))

    _routing(ctx, questionnaire, numbers, texts, empties)
    for grid, flagged, answer in straight_lined(questionnaire, numbers):
        ctx.add("straight_lining", flagged, answer, item=grid.name, extra=rows_text(grid))
    ids = respondent_ids(table)
    _ids(ctx, ids, set(known_ids), known_where or {}, first_rows)

    # unknown and system columns are kept raw, as text
    for header in (*plan.unknown, *plan.system, *plan.summaries, *(
            [table.id_column] if table.id_column and table.id_column not in ("respondent_id",) else [])):
        values = table.data[header]
        empty = table.empty[header] if header in table.empty else is_empty(values)
        kept = np.full(len(values), None, dtype=object)
        if (~empty).any():
            kept[~empty] = as_text(values[~empty])
        raw_kept[f"@{header}"] = kept
    quarantined = ctx.bad.copy()
    if quarantined.any():  # quarantined rows keep every non-empty cell as written
        for item in questionnaire.items:
            for col in item.columns():
                header = header_of.get(col) or summary_of.get(item.name)
                if header is None or col not in raw_kept:
                    continue
                source = table.data[header]
                fill = quarantined & pd.isna(raw_kept[col])
                fill[fill] = ~is_empty(source[fill])
                if fill.any():
                    raw_kept[col] = raw_kept[col].copy()
                    raw_kept[col][fill] = as_text(source[fill])
    return Validated(table, questionnaire, plan, ids, numbers, texts, raw_kept, quarantined,
                     tuple(ctx.problems))


def _multiple(ctx: _Ctx, item: Item, table: RawTable, header_of: dict[str, str], summary_of: dict[str, str],
              numbers: dict[str, np.ndarray], raw_kept: dict[str, np.ndarray], empties: dict[str, np.ndarray]) -> None:
    """0/1 columns of a multiple-choice item from split columns or a space-separated summary column."""
    n = table.n_rows
    cols = item.columns()
    allowed = _allowed_missing(item)
    if item.name in summary_of and not any(c in header_of for c in cols):
        header = summary_of[item.name]
        raw = table.data[header]
        split = split_multiple(raw, item, ctx.missing_labels)
        invalid, ambiguous = split.pop("__invalid__"), split.pop("__ambiguous__")
        ctx.add("not_a_choice", pd.notna(invalid), invalid, column=header, item=item.name, extra=choices_text(item))
        ctx.add("ambiguous_choice", pd.notna(ambiguous), ambiguous, column=header, item=item.name)
        first = split[cols[0]]
        is_code = np.isin(first, MISSING_CODES)
        ctx.add("missing_code_not_allowed", is_code & ~np.isin(first, allowed), raw, column=header,
                item=item.name, extra=", ".join(map(str, allowed)) or "none")
        numbers.update(split)
        _exclusive(ctx, item, np.column_stack([split[c] for c in cols]), (header,) * len(cols))
        col = parse_column(raw, table.empty.get(header))
        empties[item.name] = col.empty
        kept = keep_raw(col, np.full(n, np.nan), True)
        raw_kept[cols[0]] = kept  # the summary text is kept once, beside the first column
        for c in cols[1:]:
            raw_kept[c] = np.full(n, None, dtype=object)
        return
    present = [c for c in cols if c in header_of]
    if not present:
        ctx.problems.append(problem("missing_column", file=table.file, sheet=table.sheet, item=item.name))
        for c in cols:
            numbers[c] = np.full(n, np.nan)
        empties[item.name] = np.ones(n, dtype=bool)
        return
    absent = absent_choices(item, header_of)
    parsed_cols: dict[str, Parsed] = {}
    block = np.full((n, len(cols)), np.nan)
    empty_block = np.ones((n, len(cols)), dtype=bool)
    for j, c in enumerate(cols):
        if c not in header_of:
            continue
        parsed = parse_column(table.data[header_of[c]], table.empty.get(header_of[c]))
        raw, empty, num = parsed.raw, parsed.empty, parsed.num
        ctx.add("not_a_number", ~empty & np.isnan(num), raw, column=header_of[c], item=item.name)
        is_code = np.isin(num, MISSING_CODES)
        ctx.add("missing_code_not_allowed", is_code & ~np.isin(num, allowed), raw, column=header_of[c],
                item=item.name, extra=", ".join(map(str, allowed)) or "none")
        ctx.add("not_0_1", ~np.isnan(num) & ~is_code & ~np.isin(num, (0, 1)), raw, column=header_of[c],
                item=item.name)
        block[:, j] = num
        empty_block[:, j] = empty
        parsed_cols[c] = parsed
    _exclusive(ctx, item, block, cols)
    code_headers, code_cells = code_choice_cells(item, table, header_of)
    mixed, cells = mixed_codes(np.column_stack([block, *code_cells]),
                               [header_of.get(c, c) for c in cols] + code_headers)
    ctx.add("missing_code_mixed", mixed, cells, item=item.name, extra=cells)
    codes = np.where(np.isin(block, MISSING_CODES), block, np.nan)
    row_code = np.nanmax(np.where(np.isnan(codes), -np.inf, codes), axis=1)
    ticked, answered_missing = _missing_ticks(ctx, item, table, header_of)
    row_code = np.fmax(row_code, ticked)
    has_code = np.isfinite(row_code)
    answered_any = ~empty_block.all(axis=1) | answered_missing
    block = np.where(np.isnan(block) & answered_any[:, None], 0.0, block)  # ticked some: blanks are "no"
    block[has_code] = row_code[has_code][:, None]
    if absent:  # a blank in a column the file lacks is not "not ticked": the item is unknown in every row
        ctx.problems.append(problem("missing_choice_column", file=table.file, sheet=table.sheet, item=item.name,
                                    value=absent))
        block[:] = np.nan
        answered_any[:] = False
    for j, c in enumerate(cols):
        numbers[c] = block[:, j]
        # raw text where the stored value is not the cell's (a blank or 0 stored as the row's missing code too)
        raw_kept[c] = (keep_raw(parsed_cols[c], block[:, j], absent != "") if c in parsed_cols
                       else np.full(n, None, dtype=object))
    empties[item.name] = ~answered_any


def _missing_ticks(ctx: _Ctx, item: Item, table: RawTable, header_of: dict[str, str]) -> tuple[np.ndarray, np.ndarray]:
    """(missing code ticked, -inf where none; cell not empty) from the split 0/1 columns of missing codes that
    forms offer as choices (``move_reasons/-8``, ``…/Don't know``): a tick there is the item's answer."""
    n = table.n_rows
    ticked = np.full(n, -np.inf)
    answered = np.zeros(n, dtype=bool)
    allowed = _allowed_missing(item)
    for code in MISSING_CODES:
        header = header_of.get(multiple_column(item.name, code))
        if header is None:
            continue
        parsed = parse_column(table.data[header], table.empty.get(header))
        raw, num = parsed.raw, parsed.num
        ctx.add("not_0_1", ~parsed.empty & ~np.isin(num, (0, 1)), raw, column=header, item=item.name)
        on = num == 1
        ctx.add("missing_code_not_allowed", on & (code not in allowed), np.full(n, code), column=header,
                item=item.name, extra=", ".join(map(str, allowed)) or "none")
        ticked = np.where(on, np.fmax(ticked, code), ticked)
        answered |= ~parsed.empty
    return ticked, answered


def _exclusive(ctx: _Ctx, item: Item, block: np.ndarray, cols: tuple[str, ...]) -> None:
    """A choice marked exclusive ("none of these") ticked together with another choice: quarantine.

    ``block`` holds the item's 0/1 columns in choice order; ``cols`` names the file column of each
    (the split column, or the one space-separated column of an export) for the problem.
    """
    exclusive = item.exclusive
    if not exclusive or item.choices is None:
        return
    codes = [c.code for c in item.choices.choices]
    ticked = block == 1
    for code in exclusive:
        if code not in codes:
            continue
        j = codes.index(code)
        others = ticked.copy()
        others[:, j] = False
        bad = ticked[:, j] & others.any(axis=1)
        if bad.any():
            names = np.array([str(c) for c in codes], dtype=object)
            also = np.array([", ".join(names[row]) for row in others[bad]], dtype=object)  # the few bad rows
            extra = np.full(len(bad), "", dtype=object)
            extra[bad] = also
            ctx.add("exclusive_choice", bad, np.full(len(bad), code), column=cols[j], item=item.name, extra=extra)


def _real_answer(item: Item, numbers: dict[str, np.ndarray], texts: dict[str, np.ndarray],
                 empties: dict[str, np.ndarray]) -> np.ndarray:
    """Rows where the item holds a real answer (not empty, not a missing code)."""
    if item.type == "multiple":
        block = np.column_stack([numbers[c] for c in item.columns()])
        return (block == 1).any(axis=1)
    if item.type in ("text", "date"):
        return pd.notna(texts[item.name])
    num = numbers[item.name]
    return ~np.isnan(num) & ~np.isin(num, MISSING_CODES)


def _routing(ctx: _Ctx, questionnaire: Questionnaire, numbers: dict[str, np.ndarray],
             texts: dict[str, np.ndarray], empties: dict[str, np.ndarray]) -> None:
    """Skip logic and required items: skipped-and-empty -> -9; answered-but-skipped -> warning."""
    frame = pd.DataFrame({**numbers, **texts}, copy=False)
    for item in questionnaire.items:
        empty = empties[item.name]
        if item.relevance is not None:
            from careersurvey.expr import evaluate  # the skip-logic language (vectorised backend)

            asked = np.asarray(evaluate(item.relevance, frame, missing_codes=MISSING_CODES), dtype=bool)
            # where an item the rule reads holds an invalid value (already quarantined), routing is unknown:
            # no "answered but skipped" warning and no -9 there, only the invalid value's own problem
            unsure = np.zeros(len(asked), dtype=bool)
            for name in item.relevance.names():
                if name in ctx.invalid:
                    unsure |= ctx.invalid[name]
            answered = _real_answer(item, numbers, texts, empties)
            flagged = ~asked & answered & ~unsure
            if flagged.any():
                shown = np.full(len(flagged), None, dtype=object)
                shown[flagged] = _shown_values(item, numbers, texts, flagged)
                rule = item.relevance_text or str(item.relevance)
                extra = np.full(len(flagged), rule, dtype=object)
                extra[flagged] = [f"{rule}; this row has {has}"
                                  for has in _routing_answers(questionnaire, item, numbers, texts, flagged)]
                ctx.add("answered_but_skipped", flagged, shown, column=item.name, item=item.name, extra=extra)
            fill = ~asked & empty & ~unsure
            for col in item.columns():
                numbers[col] = numbers[col].copy()
                numbers[col][fill] = NOT_APPLICABLE
                frame[col] = numbers[col] if col not in texts else frame[col]
        else:
            asked = np.ones(len(empty), dtype=bool)
        if item.required:
            ctx.add("required", asked & empty, None, item=item.name)


def _routing_answers(questionnaire: Questionnaire, item: Item, numbers: dict[str, np.ndarray],
                     texts: dict[str, np.ndarray], rows: np.ndarray) -> list[str]:
    """For each of ``rows``, the answers the item's relevance reads, as that row holds them: ``employed = 0``.

    Items in the order the rule names them; an empty answer is ``empty``, a missing code carries its label
    (``-9 (Not applicable)``), a multiple-choice item lists its ticked codes.
    """
    from careersurvey.expr.nodes import Name

    names = dict.fromkeys(n.name for n in item.relevance.walk() if isinstance(n, Name))  # type: ignore[union-attr]
    parts: list[list[str]] = [[] for _ in range(int(rows.sum()))]
    for name in names:
        if name not in questionnaire:
            continue
        read = questionnaire.item(name)
        for k, value in enumerate(_shown_values(read, numbers, texts, rows)):
            parts[k].append(_answer_text(questionnaire, read, value))
    return [", ".join(p) for p in parts]


def _answer_text(questionnaire: Questionnaire, item: Item, value: object) -> str:
    """``name = value`` as a message shows one answer of a row."""
    if item.type == "multiple":
        return f"{item.name} ticked {', '.join(str(value).split())}" if value else f"{item.name} with nothing ticked"
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return f"{item.name} empty"
    if isinstance(value, float):
        code = int(value) if value.is_integer() else value
        label = questionnaire.missing_labels.get(code, {}).get("en") if code in MISSING_CODES else None
        return f"{item.name} = {code}" + (f" ({label})" if label else "")
    return f"{item.name} = {value!r}"


def _shown_values(item: Item, numbers: dict[str, np.ndarray], texts: dict[str, np.ndarray],
                  rows: np.ndarray) -> np.ndarray:
    """The answers of ``rows`` as shown in a message (chosen codes of a multiple-choice item)."""
    if item.type == "multiple":
        block = np.column_stack([numbers[c][rows] for c in item.columns()])
        codes = np.array([c.code for c in item.choices.choices])  # type: ignore[union-attr]
        chosen = pd.DataFrame(np.where(block == 1, codes.astype(str)[None, :], ""))
        return chosen.agg(" ".join, axis=1).str.split().str.join(" ").to_numpy(dtype=object)
    if item.type in ("text", "date"):
        return texts[item.name][rows]
    return numbers[item.name][rows]


def _ids(ctx: _Ctx, ids: np.ndarray, known: set[str], known_where: dict[str, str],
         first_rows: Mapping[str, int] | None = None) -> None:
    """Empty respondent ids, and ids repeated within the file or already in the store.

    ``first_rows`` maps each id of the whole file to the row it first occurs in, when the table is one chunk
    of a file read in chunks (or one version's rows of a mixed export); else the table is the whole file."""
    s = pd.Series(ids, dtype=object)
    missing = s.isna().to_numpy()
    ctx.add("missing_id", missing, None, column="respondent_id")
    if first_rows is not None:
        first_row = s.map(first_rows).to_numpy()
        dup = ~missing & (first_row != ctx.rows)
    else:
        dup = s.duplicated(keep="first").to_numpy() & ~missing
    if dup.any():
        if first_rows is None:
            first_row = pd.Series(ctx.rows).groupby(s.to_numpy()).transform("first").to_numpy()
        ctx.add("duplicate_id", dup, ids, column="respondent_id",
                extra=("first in row " + pd.Series(first_row).astype("Int64").astype(str)).to_numpy(dtype=object))
    if known:
        again = s.isin(known).to_numpy() & ~dup
        ctx.add("duplicate_id_store", again, ids, column="respondent_id",
                extra=s.map(known_where).fillna("an earlier import").to_numpy(dtype=object))


#: The public name of :func:`validate` (``careersurvey.validate_responses``).
validate_responses = validate
