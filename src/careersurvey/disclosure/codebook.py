"""The codebook of a public-use file: every released column with its label, values, disclosure role and the
treatments applied to it, as an .xlsx workbook (the forms' table writer)."""

from __future__ import annotations

from pathlib import Path

from careersurvey.disclosure.release import Release
from careersurvey.forms.codebook import write_tables
from careersurvey.forms.safety import safe_workbook
from careersurvey.questionnaire.model import MISSING_CODES


def codebook_rows(release: Release) -> tuple[list[str], list[list[object]]]:
    """Header and one row per released column."""
    ds = release.dataset
    roles = {c: "key" for c in release.keys} | {c: "sensitive" for c in release.sensitive}
    treated: dict[str, list[str]] = {}
    for step in release.steps:
        if step.kind == "left out":
            continue
        for col in step.columns:
            if step.changed.get(col, 1):
                treated.setdefault(col, []).append(step.kind)
    header = ["variable", "label", "measure", "values", "missing codes", "disclosure", "treatments"]
    rows = []
    for col in ds.data.columns:
        labels = ds.value_labels.get(col, {})
        values = "; ".join(f"{c} = {t}" for c, t in labels.items() if c not in MISSING_CODES)
        missing = ", ".join(str(c) for c in labels if c in MISSING_CODES)
        note = ", ".join(treated.get(col, []))
        if col in release.keys:
            note = (note + "; " if note else "") + "empty = suppressed"
        rows.append([col, ds.variable_labels.get(col, ""), ds.measure.get(col, ""), values, missing,
                     roles.get(col, ""), note])
    return header, rows


def write_release_codebook(release: Release, path: str | Path) -> Path:
    """Write the release's codebook workbook (Variables, Left out) to ``path``."""
    path = Path(path)
    workbook = safe_workbook(path)
    left = (["column", "why"], [[c, why] for c, why in release.dropped.items()])
    try:
        write_tables(workbook, {"Variables": codebook_rows(release), "Left out": left}, [])
    finally:
        workbook.close()
    return path
