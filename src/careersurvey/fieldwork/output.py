"""Writing a sample: CSV (the units; the joint probabilities beside it as ``<name>.joint.csv``) or xlsx (sheets
``sample``, ``strata`` and ``joint``), created owner-only (the frame holds names and contacts)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from careersurvey.fieldwork.errors import FieldworkError
from careersurvey.responses.files import create_private

FORMATS = ("csv", "xlsx")


def write_sample(sample, path: str | Path) -> list[Path]:
    """Write ``sample`` (a :class:`~careersurvey.fieldwork.selection.Sample` or two-stage sample) to ``path``;
    returns the files written."""
    path = Path(path)
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in FORMATS:
        raise FieldworkError(f"cannot write a sample as .{fmt or '(no extension)'}; name a .csv or .xlsx file",
                             file=str(path))
    if not path.parent.is_dir():
        raise FieldworkError(f"the folder {path.parent} does not exist; create it or choose another file",
                             file=str(path))
    written = [path]
    units = sample.units.drop(columns=[c for c in ("selected",) if c in sample.units.columns])
    if fmt == "csv":
        create_private(path)
        units.to_csv(path, index=False)
        if sample.joint is not None:
            joint = path.with_name(path.stem + ".joint.csv")
            create_private(joint)
            sample.joint.to_csv(joint, index=False)
            written.append(joint)
        return written
    create_private(path)
    with pd.ExcelWriter(path, engine="openpyxl") as xl:
        units.to_excel(xl, sheet_name="sample", index=False)
        sample.strata.to_excel(xl, sheet_name="strata", index=False)
        if sample.joint is not None:
            sample.joint.to_excel(xl, sheet_name="joint", index=False)
    return written


__all__ = ["write_sample"]
