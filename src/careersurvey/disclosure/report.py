"""The HTML disclosure report of a public-use file: risk before and after, every step, utility and the masked
design's standard errors against the true design's. One self-contained page (no scripts, no external files);
every text from the data is escaped."""

from __future__ import annotations

import datetime as dt
from html import escape
from pathlib import Path
from typing import Iterable, Sequence

import pandas as pd

from careersurvey.disclosure.design_leaks import leaks
from careersurvey.disclosure.release import Release

#: The masked design's SEs are checked to be within this factor of the true design's (tests/disclosure).
SE_FACTOR = 2.0

_CSS = """body{font-family:system-ui,'Noto Sans KR','Nanum Gothic',sans-serif;margin:2em auto;max-width:70em;
color:#222}table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:.25em .6em;
text-align:right}th{background:#eef2f7}td.t,th.t{text-align:left}.note{color:#555}h2{margin-top:1.6em}"""


def _table(header: Sequence[str], rows: Iterable[Sequence[object]], text_columns: int = 1) -> str:
    def cell(tag: str, i: int, v: object) -> str:
        cls = ' class="t"' if i < text_columns else ""
        if isinstance(v, float):
            v = f"{v:,.4g}" if abs(v) < 1000 else f"{v:,.0f}"
        elif isinstance(v, int):
            v = f"{v:,}"
        return f"<{tag}{cls}>{escape(str(v))}</{tag}>"

    head = "".join(cell("th", i, h) for i, h in enumerate(header))
    body = "".join("<tr>" + "".join(cell("td", i, v) for i, v in enumerate(r)) + "</tr>" for r in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def risk_rows(release: Release) -> list[list[object]]:
    before, after = release.risk_before.summary(), release.risk_after.summary()
    return [[name, before[name], after.get(name, "")] for name in before]


def changes_by_variable(release: Release) -> pd.DataFrame:
    """Values changed by each kind of treatment, one row per column (left-out columns apart)."""
    counts: dict[tuple[str, str], int] = {}
    for step in release.steps:
        for col, n in step.changed.items():
            counts[(col, step.kind)] = counts.get((col, step.kind), 0) + n
    if not counts:
        return pd.DataFrame()
    frame = pd.Series(counts).unstack(fill_value=0)
    return frame.astype(int)


def render_report(release: Release, utility: pd.DataFrame, *, store: str = "",
                  model: pd.DataFrame | None = None) -> str:
    """The report as one HTML page."""
    q = release.dataset.questionnaire
    n = len(release.data)
    parts = [f"<!doctype html><html lang='en'><meta charset='utf-8'><title>Disclosure report: "
             f"{escape(q.key)}</title><style>{_CSS}</style><body>",
             f"<h1>Public-use file of {escape(q.key)}: disclosure report</h1>",
             f"<p>{n:,} records from {escape(store or 'the store')}, {len(release.data.columns)} columns; made "
             f"{dt.date.today().isoformat()}. The file is {release.k}-anonymous on the key variables "
             f"{escape(', '.join(release.keys))}: every combination of their values (an empty, suppressed value "
             f"counting as a value of its own) is shared by at least {release.k} records.</p>",
             "<h2>Roles</h2>",
             _table(["role", "columns"], [["key (quasi-identifiers)", ", ".join(release.keys)],
                                          ["sensitive", ", ".join(release.sensitive) or "none"],
                                          ["left out", ", ".join(release.dropped)]]),
             "<h2>Risk before and after</h2>",
             "<p class='note'>fk: records sharing a record's key values, a missing value matching any value (as "
             "sdcMicro); individual risk: Benedetti-Franconi as sdcMicro's approximation, with weighted "
             "population frequencies; expected re-identifications: their sum; l-diversity: fewest distinct "
             "values of a sensitive column among records with the same key values.</p>",
             _table(["measure", "original", "release"], risk_rows(release)),
             "<h2>Every step taken</h2><ol>"
             + "".join(f"<li>{escape(s.describe())}</li>" for s in release.steps) + "</ol>"]
    changes = changes_by_variable(release)
    if not changes.empty:
        parts += ["<h3>Values changed, by column and treatment</h3>",
                  _table(["column", *changes.columns], [[c, *map(int, row)] for c, row in changes.iterrows()])]
    if release.masked is not None and not utility.empty:
        ratio = utility["se_ratio"].dropna()
        parts += ["<h2>Masked design</h2>",
                  f"<p>{escape(release.masked.describe())}. Analyse the file with weights <code>weight</code>, "
                  "strata <code>pseudo_stratum</code>, PSUs <code>pseudo_psu</code>"
                  + (" and fpc <code>pseudo_fpc</code>" if "pseudo_fpc" in release.data.columns else "")
                  + f". On the original data the masked design's SEs are {ratio.min():.2f} to {ratio.max():.2f} "
                  f"times the true design's (median {ratio.median():.2f}); "
                  + _outside_words(ratio) + "</p>"]
        keys = release.data[list(release.keys)]
        by_stratum = leaks(keys, [release.data["pseudo_stratum"].to_numpy()])
        by_psu = leaks(keys, [release.data["pseudo_psu"].to_numpy()])
        parts += ["<p class='note'>Keys the sampling strata determine are never suppressed ("
                  + escape(", ".join(release.protected) or "none here") + "): a design unit would give them back. "
                  "Below, suppressed values of each key whose pseudo-stratum or pseudo-PSU shows a single value of "
                  "that key (it suggests, without proving, the value).</p>",
                  _table(["key", "suppressed", "suggested by the pseudo-stratum", "by the pseudo-PSU"],
                         [[c, int(keys[c].isna().sum()), by_stratum[c], by_psu[c]] for c in release.keys])]
    if not utility.empty:
        parts += ["<h2>Utility: key estimates, original against release</h2>",
                  "<p class='note'>Weighted shares (and means of numbers): original = the data after global "
                  "recoding only, with the true design; release = the public-use file with its masked design. "
                  "se masked = the SE of the original estimate under the masked design.</p>",
                  _table(["variable", "level", "original", "se true", "se masked", "ratio", "release",
                          "se release", "difference"],
                         utility[["variable", "level", "original", "se_true", "se_masked", "se_ratio", "release",
                                  "se_release", "difference"]].itertuples(index=False), text_columns=2)]
    if model is not None and "note" in model.columns:
        parts += ["<h2>One model</h2>", f"<p class='note'>Not fitted: {escape(str(model['note'].iloc[0]))}</p>"]
    elif model is not None and not model.empty:
        parts += ["<h2>One model, original against release</h2>",
                  f"<p class='note'>Linear model <code>{escape(str(model['model'].iloc[0]))}</code>: original = the "
                  "data after global recoding only with the true design; release = the public-use file with the "
                  "masked design (records with a suppressed term left out).</p>",
                  _table(["term", "original", "se original", "release", "se release", "difference"],
                         model[["term", "original", "se_original", "release", "se_release", "difference"]]
                         .itertuples(index=False))]
    parts.append("</body></html>\n")
    return "\n".join(parts)


def write_report(release: Release, utility: pd.DataFrame, path: str | Path, *, store: str = "",
                 model: pd.DataFrame | None = None) -> Path:
    """Write :func:`render_report` to ``path``."""
    path = Path(path)
    path.write_text(render_report(release, utility, store=store, model=model), encoding="utf-8")
    return path


def _outside_words(ratio) -> str:
    """How many compared SEs fall outside a factor of SE_FACTOR of the true design's (said, never assumed)."""
    outside = int(((ratio < 1 / SE_FACTOR) | (ratio > SE_FACTOR)).sum())
    if not outside:
        return f"all {len(ratio)} compared estimates are within a factor of {SE_FACTOR:g}."
    return (f"{outside} of {len(ratio)} compared estimates fall outside a factor of {SE_FACTOR:g} (see the utility "
            "table): analyses of those need the true design, or a wider interval.")
