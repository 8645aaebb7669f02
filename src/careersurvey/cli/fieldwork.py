"""``careersurvey fieldwork draw|rates|status|flags|rindicator|nonresponse``: draw a sample from a frame; from a
sample file, the AAPOR rates, progress and the follow-up list, quality flags from paradata and answers, and the
nonresponse analyses.

A thin shell over :mod:`careersurvey.fieldwork` (``draw_sample``, ``draw_two_stage``, ``response_rates``,
``fieldwork_status``, ``r_indicator``, ``nonresponse_comparison``): reads the files (ids and codes as text),
prints tables, writes samples and follow-up lists owner-only.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.table import Table

from careersurvey.cli._common import console, fail, out_file, say, shown

app = typer.Typer(help="Fieldwork: draw the sample from a frame, dispositions and AAPOR response rates, "
                  "progress and follow-up, nonresponse.", no_args_is_help=True)

CasesOpt = typer.Option(..., "--sample", help="Sample file (csv or xlsx): every sampled case with its frame "
                        "variables and its disposition (or a 0/1 column, --responded).")
RespondedOpt = typer.Option(None, "--responded", help="0/1 column of who responded (default: from the "
                            "dispositions: I and P responded, NE left out).")
DispositionOpt = typer.Option("disposition", "--disposition", help="Column of the disposition codes.")
IdOpt = typer.Option("respondent_id", "--id", help="Column of the case id (read as text).")


@app.command("draw")
def draw(
    frame: Path = typer.Option(..., "--frame", help="Frame file (csv or xlsx): one row per unit (institution or "
                               "person); ids and stratum codes are read as text."),
    id: str = typer.Option(..., "--id", help="Column of the unit id."),
    n: int = typer.Option(..., "--n", help="Units to draw in all (allocated to strata: proportional to N_h for "
                          "srs, to the size total for PPS)."),
    out: Path = typer.Option(..., "--out", help="Sample file to write (.csv or .xlsx; owner-only)."),
    strata: Optional[str] = typer.Option(None, "--strata", help="Column of the strata."),
    size: Optional[str] = typer.Option(None, "--size", help="Column of the size measure (for PPS)."),
    method: str = typer.Option("srs", "--method", help="srs, systematic (PPS) or sampford (PPS, exact joint "
                               "inclusion probabilities)."),
    certainty: Optional[float] = typer.Option(None, "--certainty", help="Take every unit of size >= this."),
    minimum: int = typer.Option(0, "--min-per-stratum", help="Smallest sample size of a stratum."),
    persons: Optional[Path] = typer.Option(None, "--persons", help="Two stages: the person frame (csv or xlsx), "
                                           "one row per person with the --id column of its institution."),
    person_id: str = typer.Option("person_id", "--person-id", help="With --persons: column of the person id."),
    m: Optional[int] = typer.Option(None, "--m", help="With --persons: persons to draw per institution."),
    m_table: Optional[Path] = typer.Option(None, "--m-per-stratum", help="With --persons, instead of --m: a table "
                                           "(csv or xlsx) with columns stratum and m, the persons to draw per "
                                           "institution of each stratum."),
    seed: int = typer.Option(..., "--seed", help="Random seed: the same seed draws the same sample."),
) -> None:
    """Draw a stratified sample (SRS, systematic PPS or Sampford), optionally two-stage, and write it."""
    from careersurvey.fieldwork import FieldworkError, draw_sample, draw_two_stage, write_sample

    out_file(out)
    if m is not None and m_table is not None:
        fail("give --m (one number for every institution) or --m-per-stratum FILE, not both")
    if (persons is None) != (m is None and m_table is None):
        fail("a two-stage sample needs both --persons FILE and --m (persons per institution) or --m-per-stratum")
    try:
        if m_table is not None:
            from careersurvey.fieldwork import read_sample

            t = read_sample(m_table, id="stratum", text=())
            if "m" not in t.columns:
                raise FieldworkError("no column 'm'; the table needs columns stratum and m", file=str(m_table))
            bad = [f"{k!r} ({v!r})" for k, v in zip(t["stratum"], t["m"])
                   if not (isinstance(v, (int, float)) and float(v).is_integer())]
            if bad:
                raise FieldworkError(f"m must be a whole number in every row; stratum {', '.join(bad[:5])}",
                                     file=str(m_table), column="m")
            m = {str(k): int(v) for k, v in zip(t["stratum"], t["m"])}
        if persons is None:
            sample = draw_sample(frame, n, id=id, strata=strata, size=size, method=method, certainty=certainty,
                                 min_per_stratum=minimum, seed=seed)
        else:
            sample = draw_two_stage(frame, persons, n, m, institution=id, person=person_id, strata=strata,
                                    size=size, method=method, certainty=certainty, min_per_stratum=minimum,
                                    seed=seed)
        files = write_sample(sample, out)
    except FieldworkError as exc:
        fail(str(exc))
    table = Table(title=f"Sample drawn ({method}, seed {seed})")
    for c in ("stratum", "N_h", "n_h", "certainty", "sum of pi"):
        table.add_column(c, justify="left" if c == "stratum" else "right")
    for row in sample.strata.itertuples(index=False):
        table.add_row(shown(row.stratum), f"{row.N_h:,}", f"{row.n_h:,}", f"{row.certainty:,}", f"{row.sum_pi:,.4g}")
    console(wrap=True).print(table)
    say(f"wrote {len(sample.units):,} sampled {'persons' if persons else 'units'} to {', '.join(map(str, files))}")


@app.command("rates")
def rates(
    sample: Path = typer.Option(..., "--sample", help="Sample file (csv or xlsx): one row per sampled case with "
                                "its final AAPOR disposition code."),
    by: Optional[list[str]] = typer.Option(None, "--by", help="Column to give rates by, e.g. stratum (repeatable)."),
    disposition: str = DispositionOpt,
    weights: Optional[str] = typer.Option(None, "--weights", help="Column of base weights (default: unweighted)."),
    e: str = typer.Option("casro", "--e", help="Share of unknown-eligibility cases taken as eligible: casro "
                          "(eligible share of the known, per group) or a number from 0 to 1."),
    store: Optional[Path] = typer.Option(None, "--store", help="Response store: completes and partials are "
                                         "taken from it by respondent id, the other codes from the file."),
    questionnaire: Optional[str] = typer.Option(None, "--questionnaire", help="With --store: id or id@version."),
    id: str = IdOpt,
) -> None:
    """AAPOR response, cooperation, refusal and contact rates (RR1-6, COOP1-4, REF1-3, CON1-3), overall and by group."""
    from careersurvey.fieldwork import FieldworkError, assign_dispositions, read_sample, response_rates

    try:
        e_value: str | float = e if e == "casro" else float(e)
    except ValueError:
        fail(f"--e {e}: give casro or a number from 0 to 1")
    try:
        frame = read_sample(sample, id=id, text=[disposition, *(by or [])])
        if store is not None:
            filled = assign_dispositions(frame, store, questionnaire, id=id, disposition=disposition,
                                         source=str(sample))
            for note in filled.notes:
                say(("note:", "yellow"), " ", note, err=True)
            frame = filled.sample
        result = response_rates(frame, disposition=disposition, by=by or None, weights=weights, e=e_value,
                                source=str(sample))
    except FieldworkError as exc:
        fail(str(exc))
    _print_rates(result)


def _print_rates(result) -> None:
    """Counts and e per group, then the rates with one column per group."""
    from careersurvey.fieldwork.codes import GROUPS
    from careersurvey.fieldwork.rates import RATES

    t = result.table
    weighted = result.weights is not None
    counts = Table(title="Final dispositions" + (f" (weighted by {shown(result.weights)})" if weighted else ""))
    counts.add_column(shown(t.index.name))
    for c in ("n", *GROUPS, "e"):
        counts.add_column(c, justify="right")
    for name, row in t.iterrows():
        cells = [f"{row[c]:,.1f}" if weighted else f"{int(row[c]):,}" for c in ("n", *GROUPS)]
        counts.add_row(shown(name), *cells, "-" if row["e"] != row["e"] else f"{row['e']:.3f}")
    console(wrap=True).print(counts)
    table = Table(title="AAPOR outcome rates" + (" (weighted)" if weighted else ""))
    table.add_column("rate")
    for name in t.index:
        table.add_column(shown(name), justify="right")
    for rate in RATES:
        table.add_row(rate, *("-" if v != v else f"{v:.3f}" for v in t[rate]))
    console(wrap=True).print(table)
    e_said = "CASRO (eligible share of the cases of known eligibility, per group)" if result.e == "casro" else \
        f"{float(result.e):g} (given)"
    say(f"e = {e_said}; '-': the rate's denominator is 0")
    for note in result.notes:
        say(("note:", "yellow"), " ", note)


@app.command("status")
def status(
    sample: Path = typer.Option(..., "--sample", help="Sample file (csv or xlsx) with the manager's dispositions "
                                "so far (empty: no code yet) and the contact fields."),
    store: Optional[Path] = typer.Option(None, "--store", help="Response store: completes and partials by "
                                         "respondent id."),
    questionnaire: Optional[str] = typer.Option(None, "--questionnaire", help="With --store: id or id@version."),
    by: str = typer.Option("stratum", "--by", help="Column of the strata."),
    targets: Optional[Path] = typer.Option(None, "--targets", help="Table (csv or xlsx) with columns stratum and "
                                           "target: the completes wanted per stratum."),
    follow_up: Optional[Path] = typer.Option(None, "--follow-up", help="Write the follow-up list to this .xlsx "
                                             "(owner-only)."),
    export: list[Path] = typer.Option([], "--export", help="With --store: an online export (csv or xlsx) with "
                                      "start and end times, for the speeding flags (repeatable)."),
    disposition: str = DispositionOpt,
    id: str = IdOpt,
) -> None:
    """Fieldwork progress by stratum against the target, the list of sampled persons to remind, and (with
    --store) the quality flags: speeding, straight-lining, duplicate answers."""
    from careersurvey.fieldwork.paradata import quality_flags

    from careersurvey.fieldwork import FieldworkError, read_sample
    from careersurvey.fieldwork.status import fieldwork_status, write_follow_up

    if follow_up is not None:
        out_file(follow_up, "--follow-up")
    try:
        frame = read_sample(sample, id=id, text=[disposition, by])
        wanted = None
        if targets is not None:
            t = read_sample(targets, id="stratum", text=())
            if "target" not in t.columns:
                raise FieldworkError("no column 'target'; the targets table needs columns stratum and target",
                                     file=str(targets))
            wanted = dict(zip(t["stratum"], t["target"]))
        result = fieldwork_status(frame, store, questionnaire, id=id, stratum=by, disposition=disposition,
                                  targets=wanted, source=str(sample))
        if export and store is None:
            raise FieldworkError("--export needs --store: the flags are listed with the stored respondents")
        flags = quality_flags(store, questionnaire, exports=export) if store is not None else None
        written = write_follow_up(result, follow_up, flags) if follow_up is not None else None
    except FieldworkError as exc:
        fail(str(exc))
    for note in result.notes:
        say(("note:", "yellow"), " ", note, err=True)
    p = result.progress
    table = Table(title="Fieldwork progress", caption="n sampled, I complete, P partial, % of the target reached by "
                  "I+P, open: no code yet, R refused, NE not eligible, remind: open, non-contact, unknown "
                  "eligibility or break-off")
    table.add_column(shown(by))
    cols = [c for c in ("sampled", "completes", "partials", "usable", "target", "of_target", "pending", "refused",
                        "not_eligible", "follow_up") if c in p.columns]
    heads = {"sampled": "n", "completes": "I", "partials": "P", "usable": "I+P", "of_target": "%",
             "pending": "open", "refused": "R", "not_eligible": "NE", "follow_up": "remind"}
    for c in cols:
        table.add_column(heads.get(c, c), justify="right")
    for name, row in p.iterrows():
        table.add_row(shown(name), *(("-" if row[c] != row[c] else f"{row[c]:.0%}") if c == "of_target"
                                     else f"{int(row[c]):,}" for c in cols))
    console(wrap=True).print(table)
    if flags is not None:
        _print_flags(flags)
    if written is not None:
        say(f"wrote {len(result.follow_up):,} cases to follow up to {written}"
            + (f" (and {len(flags):,} quality flags)" if flags is not None else ""))


#: How many flags a command prints before it says how many more there are.
FLAGS_SHOWN = 20


def _print_flags(flags) -> None:
    if flags.empty:
        say("quality flags: none (speeding, straight-lining, duplicate answers)")
        return
    counts = flags["flag"].value_counts()
    table = Table(title="Quality flags", caption=", ".join(f"{k}: {v:,}" for k, v in counts.items())
                  + (f"; the first {FLAGS_SHOWN} shown" if len(flags) > FLAGS_SHOWN else ""))
    for c in ("respondent_id", "flag", "detail"):
        table.add_column(c)
    for row in flags.head(FLAGS_SHOWN).itertuples(index=False):
        table.add_row(shown(row.respondent_id), row.flag, shown(row.detail))
    console(wrap=True).print(table)


@app.command("flags")
def flags_command(
    store: Optional[Path] = typer.Option(None, "--store", help="Response store: straight-lining and duplicate "
                                         "answers across respondent ids."),
    questionnaire: Optional[str] = typer.Option(None, "--questionnaire", help="With --store: id or id@version."),
    export: list[Path] = typer.Option([], "--export", help="An online export (csv or xlsx) with start and end "
                                      "times: speeding (repeatable)."),
    ratio: float = typer.Option(0.4, "--ratio", help="Speeding: shorter than this share of the median duration."),
    min_answered: int = typer.Option(10, "--min-answered", help="Duplicates: compare respondents who answered at "
                                     "least this many items."),
    wave: Optional[str] = typer.Option(None, "--wave", help="With --store: the wave to check (a store of several)."),
    out: Optional[Path] = typer.Option(None, "--out", help="Write every flag to this .csv or .xlsx (owner-only)."),
) -> None:
    """Quality flags: speeding (start/end of an online export), straight-lining, duplicate answers."""
    from careersurvey.fieldwork import FieldworkError
    from careersurvey.fieldwork.paradata import quality_flags
    from careersurvey.responses.files import create_private

    if store is None and not export:
        fail("give --store (straight-lining, duplicates) and/or --export FILE (speeding)")
    if out is not None:
        out_file(out)
        if out.suffix.lower() not in (".csv", ".xlsx"):
            fail(f"{out}: write the flags as .csv or .xlsx")
    try:
        flags = quality_flags(store, questionnaire, exports=export, ratio=ratio, min_answered=min_answered,
                              waves=wave)
    except FieldworkError as exc:
        fail(str(exc))
    _print_flags(flags)
    if out is not None:
        create_private(out)
        if out.suffix.lower() == ".csv":
            flags.to_csv(out, index=False)
        else:
            flags.to_excel(out, index=False, sheet_name="quality flags")
        say(f"wrote {len(flags):,} flags to {out}")


@app.command("rindicator")
def rindicator(
    sample: Path = CasesOpt,
    covariate: list[str] = typer.Option(..., "--covariate", help="Frame variable of the propensity model "
                                        "(repeatable); text columns are categories."),
    responded: Optional[str] = RespondedOpt,
    disposition: str = DispositionOpt,
    weights: Optional[str] = typer.Option(None, "--weights", help="Column of design weights."),
    strata: Optional[str] = typer.Option(None, "--strata", help="Bootstrap within these strata."),
    replicates: int = typer.Option(200, "--replicates", help="Bootstrap replicates for the SE."),
    seed: int = typer.Option(1, "--seed", help="Seed of the bootstrap."),
    id: str = IdOpt,
) -> None:
    """The R-indicator of representativeness (Schouten et al. 2009) with its bootstrap SE."""
    from careersurvey.fieldwork import FieldworkError, read_sample
    from careersurvey.fieldwork.rindicator import r_indicator

    try:
        frame = read_sample(sample, id=id, text=[disposition, *[c for c in (strata,) if c]])
        result = r_indicator(frame, covariate, responded=responded, disposition=disposition, weights=weights,
                             strata=strata, replicates=replicates, seed=seed, source=str(sample))
    except FieldworkError as exc:
        fail(str(exc))
    table = Table(title=f"R-indicator on {', '.join(map(shown, result.covariates))}")
    table.add_column("")
    table.add_column("value", justify="right")
    for name, row in result.table().iterrows():
        v = row["value"]
        table.add_row(name, f"{int(v):,}" if name in ("cases", "respondents") else f"{v:.4f}")
    console(wrap=True).print(table)
    say(f"SE from {result.replicates} bootstrap replicates (seed {seed}); B max = (1 - R) / (2 mean propensity)")


@app.command("nonresponse")
def nonresponse(
    sample: Path = CasesOpt,
    variable: list[str] = typer.Option(..., "--variable", help="Frame variable to compare (repeatable); text "
                                       "columns are categories, numbers are compared by their means."),
    responded: Optional[str] = RespondedOpt,
    disposition: str = DispositionOpt,
    weights: Optional[str] = typer.Option(None, "--weights", help="Column of base weights."),
    strata: Optional[str] = typer.Option(None, "--strata", help="Column of the design strata."),
    psu: Optional[str] = typer.Option(None, "--psu", help="Column of the PSUs."),
    id: str = IdOpt,
) -> None:
    """Respondents against the full sample on frame variables, with design-based tests (svychisq, svyttest)."""
    from careersurvey.fieldwork import FieldworkError, read_sample
    from careersurvey.fieldwork.nonresponse import nonresponse_comparison

    try:
        frame = read_sample(sample, id=id, text=[disposition, *[c for c in (strata, psu) if c]])
        result = nonresponse_comparison(frame, variable, responded=responded, disposition=disposition,
                                        weights=weights, strata=strata, psu=psu, source=str(sample))
    except FieldworkError as exc:
        fail(str(exc))
    table = Table(title="Respondents against the full sample" + (f" (weighted by {shown(weights)})" if weights else ""))
    for c in ("variable", "level", "sample", "respondents", "difference", "test", "p"):
        table.add_column(c, justify="left" if c in ("variable", "level", "test") else "right")
    last = None
    for r in result.itertuples(index=False):
        first = r.variable != last
        mean = r.level == "(mean)"
        fmt = (lambda v: f"{v:,.2f}") if mean else (lambda v: f"{v:.1%}")
        diff = f"{r.difference:+,.2f}" if mean else f"{100 * r.difference:+.1f} pt"
        table.add_row(shown(r.variable) if first else "", shown(r.level), fmt(r.full_sample), fmt(r.respondents),
                      diff, r.test if first else "", f"{r.p_value:.4f}" if first else "")
        last = r.variable
    console(wrap=True).print(table)
