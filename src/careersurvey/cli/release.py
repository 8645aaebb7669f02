"""``careersurvey release --store S --k 3 --out DIR``: the public-use file with disclosure control
(``cs.public_use_file``): DIR/puf.csv, puf.sav, puf.dta, codebook.xlsx and disclosure_report.html."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from careersurvey.cli._common import fail, out_folder, say, shown
from careersurvey.cli.report import STORE, existing_store


def parse_recode(specs: list[str]) -> dict[str, int | list[float]]:
    """``age_band=2`` (merge 2 neighbouring choices) or ``pay_exact=3000,5000,7000`` (cut points) -> mapping."""
    out: dict[str, int | list[float]] = {}
    for spec in specs:
        name, sep, value = spec.partition("=")
        try:
            if not sep or not name.strip():
                raise ValueError
            parts = [p.strip() for p in value.split(",")]
            out[name.strip()] = int(parts[0]) if len(parts) == 1 and "." not in parts[0] else [float(p) for p in parts]
        except ValueError:
            raise typer.BadParameter(f"{shown(spec)!r}: write ITEM=N to merge N neighbouring choices (age_band=2) "
                                     "or ITEM=CUT,CUT,... for cut points (pay_exact=3000,5000,7000)",
                                     param_hint="--recode") from None
    return out


def parse_top(specs: list[str]) -> dict[str, float]:
    """``pay_exact=30000`` -> {"pay_exact": 30000.0}."""
    out: dict[str, float] = {}
    for spec in specs:
        name, _, value = spec.partition("=")
        try:
            out[name.strip()] = float(value)
        except ValueError:
            raise typer.BadParameter(f"{shown(spec)!r}: write ITEM=VALUE, e.g. pay_exact=30000",
                                     param_hint="--top") from None
    return out


def register(app: typer.Typer) -> None:
    @app.command("release")
    def release(
        store: Path = STORE,
        out: Path = typer.Option(Path("release"), "--out", help="folder for puf.csv, puf.sav, puf.dta, codebook "
                                                                "and disclosure_report.html"),
        k: int = typer.Option(3, "--k", min=2, help="every combination of key values is shared by k or more records"),
        sample: Optional[Path] = typer.Option(None, help="sample design file (default: sample_design.csv beside "
                                                         "the store)"),
        roles: Optional[Path] = typer.Option(None, help="disclosure roles file (default: the questionnaire's roles "
                                                        "and disclosure-<version>.yaml beside it)"),
        questionnaire: Optional[str] = typer.Option(None, help="questionnaire id@version or YAML file (default: "
                                                               "the newest in the store)"),
        recode: List[str] = typer.Option([], help="ITEM=N merges N neighbouring choices; ITEM=CUT,CUT,... bands; replaces the declaration file's recode: "
                                                  "(repeatable)"),
        top: List[str] = typer.Option([], help="ITEM=VALUE top-codes a number (repeatable)"),
        pram: List[str] = typer.Option([], help="post-randomise this categorical item (invariant PRAM; repeatable)"),
        importance: Optional[str] = typer.Option(None, help="key items from most to least important, comma-"
                                                            "separated (the last is suppressed first)"),
        seed: Optional[int] = typer.Option(None, help="seed of the random draws (ids, order, PRAM, design masking)"),
        link_key: Optional[Path] = typer.Option(None, help="also write the release id -> respondent id key here "
                                                           "(outside --out; owner-only)"),
        keep_weights: bool = typer.Option(False, "--keep-weights", help="release the design weights as they are "
                                                                        "(default: averaged within pseudo-PSUs)"),
        wave: Optional[str] = typer.Option(None, "--wave", help="the wave to release, of a store of several (its "
                                                                "sample design file with --sample)"),
    ) -> None:
        """A public-use file: direct identifiers and open text left out, key variables k-anonymous, a masked
        design for standard errors, and a disclosure report."""
        from careersurvey.disclosure.publish import public_use_file
        from careersurvey.disclosure.release import ReleaseError
        from careersurvey.disclosure.roles import RolesError
        from careersurvey.responses.problems import ResponsesError

        existing_store(store)
        if sample is not None and not sample.is_file():
            fail(f"{shown(sample)}: --sample does not exist; give the sample design CSV or leave --sample out", 2)
        recode_map, top_map = parse_recode(recode), parse_top(top)
        out_folder(out)
        q = None
        if questionnaire is not None:
            from careersurvey.responses.importer import load_questionnaire_spec

            q = load_questionnaire_spec(questionnaire)
        try:
            res = public_use_file(store, out, k=k, roles=roles, questionnaire=q, sample=sample, recode=recode_map or None,
                                  top=top_map, pram=pram, importance=importance.split(",") if importance else None,
                                  seed=seed, link_key=link_key, smooth_weights=not keep_weights, waves=wave)
        except ResponsesError as exc:
            fail(str(exc), 2)
        except (ReleaseError, RolesError, KeyError, ValueError) as exc:
            fail(str(exc.args[0]) if isinstance(exc, KeyError) else str(exc), 2)
        r = res.release
        say(f"{len(r.data):,} records, {len(r.data.columns)} columns; left out: {', '.join(r.dropped)}")
        say(f"keys: {', '.join(r.keys)}; {r.k}-anonymous (smallest class {r.risk_after.k_anonymity}); records with "
            f"fk < {r.k}: {r.risk_before.violations(r.k):,} before, {r.risk_after.violations(r.k):,} after")
        say(f"expected re-identifications: {r.risk_before.expected_reidentifications:.1f} before, "
            f"{r.risk_after.expected_reidentifications:.2f} after")
        for step in r.steps[1:]:
            say(f"- {step.describe()}")
        for path in res.paths:
            say(f"wrote {path}")
        if res.link_key is not None:
            say(f"link key (keep it apart from the file): {res.link_key}")
