"""``careersurvey weights rake|calibrate|trim``: weight a CSV or a stored dataset and print the summary.

A thin shell over ``SurveyDesign.rake/calibrate/trim`` and ``load_targets``: reads the data, collapses item
codes into the targets' margin levels, weights, writes the data with the new weight column, and prints
``weight_summary`` (spread, Kish deff and effective n on each base they are taken over, margins achieved vs
targets) with rich. ``--in-scope``
weights only the respondents inside the population the targets count (their ``scope``); the others keep
their design weights and are written too.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.table import Table

from careersurvey.cli._common import console, fail, out_file, say, shown
from careersurvey.responses.files import create_private

app = typer.Typer(help="Weighting: rake or calibrate to population targets, trim weights.", no_args_is_help=True)

DataOpt = typer.Option(None, "--data", help="Data file with one row per respondent: csv, xlsx, parquet, sav or dta "
                       "(e.g. a `careersurvey responses export`); respondent ids are read as text.")
StoreOpt = typer.Option(None, "--store", help="Response store (DuckDB file) to read accepted responses from.")
QuestOpt = typer.Option(None, "--questionnaire", help="With --store: questionnaire id or id@version.")
WaveOpt = typer.Option(None, "--wave", help="With --store: the wave to weight (needed when the store holds several).")
WeightsOpt = typer.Option(None, "--weights", help="Column of design weights (default: all 1).")
StrataOpt = typer.Option(None, "--strata", help="Column of design strata.")
PsuOpt = typer.Option(None, "--psu", help="Column of PSUs (clusters).")
FpcOpt = typer.Option(None, "--fpc", help="Column of first-stage population sizes or sampling fractions.")
LonelyOpt = typer.Option("fail", "--lonely-psu",
                         help="Strata with one PSU: fail, remove, adjust, average or certainty (R survey's).")
SampleOpt = typer.Option(None, "--sample",
                         help="Sample design per respondent (CSV or xlsx: respondent_id, design weight, stratum, "
                              "PSU, fpc), joined to the data by respondent_id (ids compared as text).")
OutOpt = typer.Option(..., "--out", help="CSV to write: the data plus the new weight column.")
ColOpt = typer.Option("weight", "--weight-column", help="Name of the new weight column.")
TargetsOpt = typer.Option(..., "--targets", help="Targets id (survey/targets/<id>.yaml) or a YAML file.")
MarginOpt = typer.Option(None, "--margin", help="Use only these margins of the targets (repeatable).")
DropOpt = typer.Option(False, "--drop-incomplete",
                       help="Drop rows whose margin variables are missing (reported), instead of failing.")
TotalOpt = typer.Option(None, "--population-total", help="Override the targets' population total.")
ScopeOpt = typer.Option(False, "--in-scope",
                        help="Weight only respondents inside the targets' population (the file's scope); "
                             "the others keep their design weights.")


def _read_table(path: Path, what: str, text: tuple[str, ...]):
    """A data file (csv, xlsx, parquet, sav, dta) with respondent ids as text, indexed by the file's row
    numbers (index named "row", or "data row" for parquet, sav and dta), or a clean error naming it."""
    import pandas as pd

    from careersurvey.responses.problems import ResponsesError
    from careersurvey.responses.tables import read_rows

    try:
        frame, rows = read_rows(path, ("respondent_id", *text), what=what)
    except ResponsesError as exc:
        fail(str(exc))
    name = rows[0].rpartition(" ")[0] if rows else "row"
    return frame.set_axis(pd.Index([int(r.rpartition(" ")[2]) for r in rows], name=name), axis=0)


def _read(data: Optional[Path], store: Optional[Path], questionnaire: Optional[str], sample: Optional[Path] = None,
          text: tuple[str, ...] = (), wave: Optional[str] = None):
    """The respondents (item codes) from a data file or a store, with the sample design file joined when given.

    Ids are text throughout. Rows are indexed by respondent_id when the data have unique ids, else by their
    row in the file, so that errors name respondents (or file rows), never pandas positions. ``text``: sample
    columns read as text (the strata and PSU codes). ``wave``: the store's wave to weight (one wave is weighted at
    a time: a store of several waves needs it named).
    """
    import pandas as pd

    if (data is None) == (store is None):
        fail("give exactly one of --data CSV or --store FILE")
    if data is not None:
        df = _read_table(data, "data file", tuple(t for t in text if t))
    else:
        from careersurvey.responses.dataset import load_responses
        from careersurvey.responses.problems import ResponsesError

        from careersurvey.responses.store import ResponseStore

        try:
            held = ResponseStore(store).waves()
            if wave is None and len(held) > 1:
                fail(f"{store}: the store holds waves {', '.join(held)}; weight one of them: add --wave {held[-1]}")
            df = load_responses(store, questionnaire, labels=False, waves=wave)  # codes, as targets collapse codes
        except ResponsesError as exc:
            fail(str(exc))
    if df.empty:
        fail(f"{data or store}: no respondents to weight (the data have no rows); "
             + ("add the data rows below the header" if data is not None else "import accepted responses first"))
    if sample is not None:
        df = _join_sample(df, sample, data or store, text)
    if "respondent_id" in df.columns and df["respondent_id"].notna().all() and df["respondent_id"].is_unique:
        df.index = pd.Index(df["respondent_id"], name="respondent_id")
    return df


def _join_sample(df, sample: Path, source: Path, text: tuple[str, ...]):
    """The data with the sample file's columns (cs.attach_sample_design); unmatched design rows are a note."""
    import careersurvey as cs

    try:
        return cs.attach_sample_design(df, sample, text=[t for t in text if t], source=str(source),
                                       note=lambda m: say(("note:", "yellow"), " ", m, err=True))
    except cs.ResponsesError as exc:
        fail(str(exc))


def _design(df, weights, strata, psu, fpc=None, lonely_psu="fail"):
    """The design the command weights."""
    import careersurvey as cs

    return cs.SurveyDesign(df, weights=weights, strata=strata, psu=psu, fpc=fpc, lonely_psu=lonely_psu)


def _with_targets(df, targets: str, margins: Optional[list[str]], drop: bool, population_total, in_scope: bool):
    """The data with the margin columns, the targets, their margins, and the rows in scope (None: all)."""
    import careersurvey as cs

    try:  # errors of the targets file name that file, not the data
        t = cs.load_targets(targets)
        for name in margins or []:
            t.margin(name)
    except cs.WeightingError as exc:
        fail(str(exc))
    if in_scope and t.scope is None:
        fail(f"--in-scope: targets {t.id!r} ({t.path}) have no 'scope'; add one, or leave out --in-scope")
    inside = t.in_scope(df) if in_scope else None
    wide = t.add_margin_columns(df, names=margins or None, in_scope=inside)
    cols = [m.column for m in (t.margins_ if not margins else [t.margin(n) for n in margins])]
    incomplete = wide[cols].isna().any(axis=1).to_numpy()
    if inside is not None:
        incomplete = incomplete & inside
        say(t.scope_note(df, inside))
    if incomplete.any() and drop:
        say((f"dropped {int(incomplete.sum())} rows with a missing margin variable ({', '.join(cols)})", "yellow"),
            err=True)
        wide = wide.loc[~incomplete]
        inside = None if inside is None else inside[~incomplete]
    return wide, t, t.margins(margins or None, population_total=population_total), inside


def _finish(d, out: Path, column: str, targets_obj=None) -> None:
    """Write the data with the new weight column and print the summary."""
    data = d.data.drop(columns=[c for c in d.data.columns if c.endswith("_margin")], errors="ignore")
    data = data.assign(**{column: d.w})
    try:
        create_private(out)  # the answers with their weights: readable by their owner only
        data.to_csv(out, index=False)
    except OSError as exc:
        fail(f"{out}: cannot write the file ({exc.strerror or exc}); choose another --out where you may write")
    summary = d.weight_summary()
    _print_summary(summary, targets_obj)
    say(f"wrote {len(data):,} rows with weight column ", (column, "bold"), f" to {out}")


def _print_summary(summary, targets_obj) -> None:
    """The weight summary as rich tables."""
    if targets_obj is not None:
        say((targets_obj.describe(), "dim"))  # the targets file's own text
    stats = Table(title="Weights", show_header=True)
    stats.add_column("statistic")
    stats.add_column("value", justify="right")
    for k, v in summary.stats.items():
        if k not in ("deff_kish", "n_effective"):  # printed below with the respondents they are taken over
            stats.add_row(shown(k), f"{v:,.6g}" if isinstance(v, float) else f"{v:,}")
    console(wrap=True).print(stats)
    kish = Table(title="Kish design effect of the weights", show_header=True)
    kish.add_column("base")
    for c in ("respondents", "Kish deff", "effective n"):
        kish.add_column(c, justify="right")
    for row in summary.kish_rows():  # the same table, numbers and words as the report's
        kish.add_row(*row)
    console(wrap=True).print(kish)
    if len(summary.margins):
        m = Table(title="Margins: weighted total vs target", show_header=True)
        for c in ("variable", "level", "target", "achieved", "relative diff"):
            m.add_column(c, justify="right" if c not in ("variable", "level") else "left")
        for (var, level), row in summary.margins.iterrows():
            m.add_row(shown(var), shown(level), f"{row['target']:,.1f}", f"{row['achieved']:,.1f}",
                      f"{row['relative']:.2e}")
        console(wrap=True).print(m)
    if summary.history:
        say("steps: " + "; ".join(summary.history))


def _run(fn, source: Optional[Path]):
    """Run a weighting step; our errors become one line naming the input, without a traceback."""
    import careersurvey as cs

    try:
        return fn()
    except (cs.WeightingError, cs.DesignError, cs.LonelyPSUError) as exc:
        text = f"{source}: {exc}"
        if "is missing in" in text:
            text += " (or pass --drop-incomplete to leave those rows out)"
        if isinstance(exc, cs.LonelyPSUError):
            text += " On the command line: --lonely-psu adjust (or remove, average, certainty)."
        if "rake or calibrate with scope=inside" in text:  # the Python hint, said the command line's way
            text = text.split("; or, if those respondents")[0] + (
                "; or, if those respondents are outside the population the targets count, pass --in-scope")
        fail(text)


@app.command()
def rake(data: Optional[Path] = DataOpt, store: Optional[Path] = StoreOpt, questionnaire: Optional[str] = QuestOpt,
         wave: Optional[str] = WaveOpt,
         sample: Optional[Path] = SampleOpt, targets: str = TargetsOpt, margin: Optional[list[str]] = MarginOpt,
         weights: Optional[str] = WeightsOpt, strata: Optional[str] = StrataOpt, psu: Optional[str] = PsuOpt,
         fpc: Optional[str] = FpcOpt, lonely_psu: str = LonelyOpt, out: Path = OutOpt,
         weight_column: str = ColOpt, drop_incomplete: bool = DropOpt,
         population_total: Optional[float] = TotalOpt, in_scope: bool = ScopeOpt,
         max_iter: int = typer.Option(100, help="Largest number of IPF cycles."),
         tol: float = typer.Option(1e-10, help="Relative tolerance on every margin level.")) -> None:
    """Rake (iterative proportional fitting) to the margins of a targets file."""
    out_file(out)
    df = _read(data, store, questionnaire, sample, (strata, psu), wave)

    def go():
        wide, t, margins, inside = _with_targets(df, targets, margin, drop_incomplete, population_total, in_scope)
        d = _design(wide, weights, strata, psu, fpc, lonely_psu).rake(margins, max_iter=max_iter, tol=tol, scope=inside)
        _finish(d, out, weight_column, t)

    _run(go, data or store)


@app.command()
def calibrate(data: Optional[Path] = DataOpt, store: Optional[Path] = StoreOpt,
              questionnaire: Optional[str] = QuestOpt, sample: Optional[Path] = SampleOpt,
              wave: Optional[str] = WaveOpt, targets: str = TargetsOpt, margin: Optional[list[str]] = MarginOpt,
              weights: Optional[str] = WeightsOpt, strata: Optional[str] = StrataOpt, psu: Optional[str] = PsuOpt,
              fpc: Optional[str] = FpcOpt, lonely_psu: str = LonelyOpt, out: Path = OutOpt,
              weight_column: str = ColOpt, drop_incomplete: bool = DropOpt,
              population_total: Optional[float] = TotalOpt, in_scope: bool = ScopeOpt,
              method: str = typer.Option("linear", help="linear, raking or logit."),
              bounds: Optional[str] = typer.Option(None, help="Bounds on g = new/old weight, e.g. 0.5,2."),
              total: Optional[list[str]] = typer.Option(None, "--total",
                                                        help="Numeric population total VAR=NUMBER (repeatable)."),
              max_iter: int = typer.Option(50, help="Largest number of Newton steps."),
              tol: float = typer.Option(1e-7, help="Relative tolerance on every target.")) -> None:
    """Calibrate to the margins of a targets file (and numeric totals), with optional bounds."""
    out_file(out)
    df = _read(data, store, questionnaire, sample, (strata, psu), wave)
    b = None
    if bounds:
        try:
            lo, hi = (float(x) for x in bounds.split(","))
            b = (lo, hi)
        except ValueError:
            fail(f"--bounds {bounds!r}: write two numbers separated by a comma, e.g. 0.5,2")
    numeric = {}
    for item in total or []:
        name, _, value = item.partition("=")
        try:
            numeric[name.strip()] = float(value)
        except ValueError:
            fail(f"--total {item!r}: write VAR=NUMBER, e.g. --total income=1.2e9")

    def go():
        wide, t, margins, inside = _with_targets(df, targets, margin, drop_incomplete, population_total, in_scope)
        d = _design(wide, weights, strata, psu, fpc, lonely_psu).calibrate(
            {**margins, **numeric}, method=method, bounds=b, max_iter=max_iter, tol=tol, scope=inside)
        _finish(d, out, weight_column, t)

    _run(go, data or store)


@app.command()
def trim(data: Optional[Path] = DataOpt, store: Optional[Path] = StoreOpt, questionnaire: Optional[str] = QuestOpt,
         sample: Optional[Path] = SampleOpt, wave: Optional[str] = WaveOpt,
         weights: str = typer.Option(..., "--weights", help="Column of the weights to trim."),
         lower: Optional[float] = typer.Option(None, help="Smallest weight allowed."),
         upper: Optional[float] = typer.Option(None, help="Largest weight allowed."),
         out: Path = OutOpt, weight_column: str = ColOpt) -> None:
    """Trim weights to lie between --lower and --upper, sharing the difference out so the total is kept (R's strict trim)."""
    if lower is None and upper is None:
        fail("give --lower and/or --upper")
    out_file(out)
    df = _read(data, store, questionnaire, sample, wave=wave)

    def go():
        d = _design(df, weights, None, None).trim(lower=lower, upper=upper)
        _finish(d, out, weight_column)

    _run(go, data or store)
