"""``public_use_file``: a store's public-use file written to a folder (the file IO around :mod:`.release`).

``DIR/puf.csv`` (utf-8-sig codes), ``DIR/puf.sav`` and ``DIR/puf.dta`` (with variable and value labels) are
written by :func:`careersurvey.responses.export.export_responses` from the release's Dataset; ``DIR/codebook.xlsx``
describes every released column with its treatment; ``DIR/disclosure_report.html`` shows the risk before and
after, every step taken, and the utility (estimates and SEs, original against release). A key linking release
ids to respondent ids is written only when asked (``link_key``), outside the folder and readable by its owner
only.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Mapping, Sequence

import pandas as pd

from careersurvey.disclosure.release import DesignColumns, Release, ReleaseError, make_release
from careersurvey.disclosure.roles import column_roles, declared_recodes
from careersurvey.questionnaire.model import Questionnaire
from careersurvey.responses.dataset import load_dataset
from careersurvey.responses.export import export_responses
from careersurvey.responses.files import create_private
from careersurvey.responses.sample_design import attach_sample_design

#: The sample file's columns and their parts of the design (the demo's ``sample_design.csv``).
SAMPLE_DESIGN = DesignColumns("design_weight", "stratum", "psu", "fpc1")
SAMPLE_FILE = "sample_design.csv"


@dataclass(frozen=True, slots=True, eq=False)
class PublicUseFile:
    """What :func:`public_use_file` wrote, with the release and its utility table."""

    folder: Path
    paths: tuple[Path, ...]
    release: Release
    utility: pd.DataFrame
    model: pd.DataFrame
    link_key: Path | None = None


def public_use_file(store: str | Path, out: str | Path, *, k: int = 3,
                    roles: Mapping[str, str] | str | Path | None = None,
                    questionnaire: Questionnaire | str | None = None, sample: str | Path | None = None,
                    recode: Mapping[str, int | Sequence[float] | Mapping[str, Sequence[int]]] | None = None,
                    top: Mapping[str, float] | None = None, pram: Sequence[str] = (), pram_stay: float = 0.8,
                    microaggregate: Sequence[str] | None = None, importance: Sequence[str] | None = None,
                    psu_group: int = 2, smooth_weights: bool = True, seed: int | None = None,
                    link_key: str | Path | None = None, language: str | None = None,
                    model: str | None = None, waves: Sequence[str] | str | None = None) -> PublicUseFile:
    """Write the public-use file of ``store`` to folder ``out`` (module docs); returns what was written.

    ``roles``: item -> disclosure role, or a declaration file (default: the questionnaire's roles and
    ``disclosure-<version>.yaml`` beside it). ``sample``: the sample design file (default: ``sample_design.csv`` beside
    the store; without one every weight is 1 and there is no design to mask). ``recode``: None takes the
    ``recode:`` section of the declaration file, if any ({} recodes nothing). The treatments' options are
    those of :func:`careersurvey.disclosure.release.make_release`; ``seed`` makes the release reproducible.
    ``model``: the formula of the linear model the report fits on both files (default: the first numeric
    sensitive item on three keys, :func:`careersurvey.disclosure.utility.default_model`). ``waves``: the wave(s)
    of a store of several waves the file releases (default all; the sample file must be theirs).
    """
    from careersurvey.disclosure.codebook import write_release_codebook
    from careersurvey.disclosure.report import write_report
    from careersurvey.disclosure.utility import model_table, utility_table

    store, folder = Path(store), Path(out)
    if link_key is not None:
        link_key = Path(link_key)
        if folder.resolve() in link_key.resolve().parents:
            raise ReleaseError(f"{link_key}: the link key would be inside the release folder {folder}; write it "
                               "elsewhere (it links release ids to respondents and must never travel with the file)")
    ds = load_dataset(store, questionnaire, labels=False, language=language, waves=waves)
    sample = Path(sample) if sample is not None else store.parent / SAMPLE_FILE
    if sample.is_file():
        frame = pd.read_csv(sample, nrows=0)
        design = replace(SAMPLE_DESIGN, fpc=SAMPLE_DESIGN.fpc if SAMPLE_DESIGN.fpc in frame.columns else None,
                         drop=tuple(c for c in frame.columns if c not in ("respondent_id", SAMPLE_DESIGN.weights,
                                                                          SAMPLE_DESIGN.strata, SAMPLE_DESIGN.psu,
                                                                          SAMPLE_DESIGN.fpc)))
        notes: list[str] = []
        data = attach_sample_design(ds.data, sample, text=(design.strata, design.psu),
                                    require=[c for c in (design.weights, design.strata, design.psu) if c],
                                    source=str(store), note=notes.append)
    else:
        design = DesignColumns("design_weight")
        data = ds.data.assign(design_weight=1.0)
    ds = replace(ds, data=data)
    if recode is None:
        recode = declared_recodes(ds.questionnaire, roles if isinstance(roles, (str, Path)) else None)
    release = make_release(ds, column_roles(ds.questionnaire, roles), design, k=k, recode=recode, top=top,
                           pram=pram, pram_stay=pram_stay, microaggregate=microaggregate, importance=importance,
                           psu_group=psu_group, smooth_weights=smooth_weights, seed=seed)
    utility = utility_table(release, design)
    fitted = model_table(release, design, model)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name in ("puf.csv", "puf.sav", "puf.dta"):
        paths += export_responses(release.dataset, folder / name, private=False).paths
    paths.append(write_release_codebook(release, folder / "codebook.xlsx"))
    paths.append(write_report(release, utility, folder / "disclosure_report.html", store=store.name, model=fitted))
    if link_key is not None:
        link_key.parent.mkdir(parents=True, exist_ok=True)
        create_private(link_key, True)
        release.link.to_csv(link_key, index=False, encoding="utf-8")
    return PublicUseFile(folder, tuple(paths), release, utility, fitted, link_key)
