"""The report's waves section, for a store of several waves: trends, change between waves, within-person change
and attrition.

- **Trends**: the followed items (the design file's ``trend:``, ``build_report(trend=...)``, else the
  questionnaire's first three scales, else its first three rating items) by wave with 95% CIs, from one design
  over the stacked waves (``cs.trend``): a rating item as the share above its midpoint (agree, likely, ... as the
  plug-ins' top-box indicators), a number or a scale score as its mean;
- **change** between consecutive waves from the same stacked design (``cs.change``: estimate, SE, CI, p), so
  that PSUs sampled in several waves keep their covariance;
- **within-person change** of the persons who answered both waves of a pair (``cs.paired_change`` on
  ``cs.panel_wide``), on the earlier wave's design weights, or on longitudinal weights when the design file
  declares ``longitudinal:`` (``cs.longitudinal_weights``); a sentence says which;
- **attrition** by wave and first stratum (``cs.attrition``).

Each wave is weighted by its own sample file (the design file's ``sample:`` for its ``wave:``, ``waves:`` for the
others) with the declared strata, PSUs and fpc, and not raked: the targets describe one wave. Without a design
file (or weights) every row weighs 1 and each person is their own PSU, so a panel member's answers stay
together. Persons are linked across waves by their respondent id in the store (the report needs no panel key).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from careersurvey.report import plots
from careersurvey.report.html import Section
from careersurvey.report.i18n import label_in, text
from careersurvey.report.results import Figure, Table, figure_png

__all__ = ["Followed", "WavesError", "followed", "waves_section", "DEFAULT_TREND"]

#: How many scales (else rating items) the section follows when nothing is named.
DEFAULT_TREND = 3
#: The stacked design's own column names (kept apart from the questionnaire's).
WAVE = "wave"
_WEIGHT = "_wave_weight"


class WavesError(ValueError):
    """A followed name that is neither an item nor a scale, or an item that cannot be followed; the message says
    what to name instead."""


@dataclass(frozen=True)
class Followed:
    """One followed estimate: ``name`` (item or scale), its ``column`` in the stacked frame, ``label`` in the
    report's language and ``kind``: "share" (of a rating item's answers above the midpoint) or "mean"."""

    name: str
    column: str
    label: str
    kind: str


def followed(q, names=(), lang: str = "en") -> list[Followed]:
    """The estimates the section follows: ``names`` (items or scales of ``q``), else the default (module doc)."""
    names = list(names)
    if not names:
        names = list(q.scales)[:DEFAULT_TREND] or [i.name for i in q.items if i.type == "rating"][:DEFAULT_TREND]
    out = []
    for name in names:
        if name in q.scales:
            out.append(Followed(name, f"_scale_{name}", label_in(q.scales[name].label, lang, name), "mean"))
            continue
        if name not in q:
            raise WavesError(f"trend: {name!r} is neither an item nor a scale of {q.key}; name one of its rating, "
                             f"integer or decimal items or one of its scales ({', '.join(q.scales) or 'none'})")
        item = q.item(name)
        if item.type == "rating":
            kind = "share"
        elif item.type in ("integer", "decimal"):
            kind = "mean"
        else:
            raise WavesError(f"trend: item {name!r} of {q.key} is a {item.type} item; follow a rating item (the "
                             "share above its midpoint), an integer or decimal item (its mean) or a scale's score")
        out.append(Followed(name, f"_item_{name}", name, kind))
    return out


def _values(data: pd.DataFrame, q, follow: list[Followed]) -> pd.DataFrame:
    """The followed estimates' columns: scale scores, top-box shares (1 above the midpoint, 0 at or below it, NA
    unanswered) and numbers; a missing code is NA in ``data`` (``load_responses``) and stays NA."""
    import careersurvey.scales as sc

    cols = {}
    scales = [f.name for f in follow if f.column.startswith("_scale_")]
    if scales:
        items = {i for s in scales for i in q.scales[s].items}
        x = data[[c for c in data.columns if c in items]].apply(pd.to_numeric, errors="coerce").astype(float)
        scores = sc.score_scales(x, q, scales)
        for s in scales:
            cols[f"_scale_{s}"] = scores[s].to_numpy(float)
    for f in follow:
        if f.column.startswith("_item_"):
            v = pd.to_numeric(data[f.name], errors="coerce").astype(float)
            if f.kind == "share":
                codes = q.item(f.name).choices.codes()
                v = (v > (min(codes) + max(codes)) / 2).astype(float).where(v.notna())
            cols[f.column] = v.to_numpy(float)
    return pd.DataFrame(cols, index=data.index)


def _stacked(store, dfile, q, waves: list[str], lang: str, notes: list[str]) -> tuple[pd.DataFrame, dict, list[str]]:
    """The waves' answers stacked with each wave's design columns, the SurveyDesign arguments and the waves kept
    (a wave without a sample design is left out, said in ``notes``)."""
    import careersurvey as cs

    data = cs.load_responses(store, q.key, labels=False, waves=waves)
    data[WAVE] = data[WAVE].astype(str)
    ids = dfile.ids if dfile is not None else "respondent_id"
    if dfile is None or not dfile.weighted:
        data[_WEIGHT] = 1.0
        return data, dict(weights=_WEIGHT, psu=ids), waves
    samples = dict(dfile.wave_samples)
    if dfile.sample is not None:
        samples.setdefault(dfile.wave or waves[-1], dfile.sample)
        lacking = [w for w in waves if w not in samples]
        if lacking:
            notes.append(text("wv.no_sample", lang, waves=", ".join(lacking), file=dfile.path.name))
        kept = [w for w in waves if w in samples]
        from careersurvey.responses.sample_design import attach_sample_design

        textcols = tuple(dict.fromkeys(c for c in (*dfile.strata, *dfile.psu) if c != dfile.key))
        parts = []
        for w in kept:
            rows = data[data[WAVE] == w]
            rows = rows.rename(columns={ids: dfile.key}) if ids != dfile.key else rows
            said = notes.append if w != dfile.wave else (lambda _: None)  # the weighting section says the wave's own
            joined = attach_sample_design(rows, samples[w], key=dfile.key, text=textcols, note=said)
            parts.append(joined.rename(columns={dfile.key: ids}) if ids != dfile.key else joined)
        data = pd.concat(parts, ignore_index=True) if parts else data.iloc[:0]
    else:
        kept = waves
    weights = dfile.weights
    if weights is None:
        data[_WEIGHT] = 1.0
        weights = _WEIGHT
    first = lambda cols: None if not cols else (cols[0] if len(cols) == 1 else list(cols))  # noqa: E731
    kw = dict(weights=weights, strata=first(dfile.strata), psu=first(dfile.psu) or ids, fpc=first(dfile.fpc),
              lonely_psu=dfile.lonely_psu)
    return data, kw, kept


def _design(data: pd.DataFrame, kw: dict):
    import careersurvey as cs

    return cs.SurveyDesign(data, **kw)


def _n(data: pd.DataFrame, column: str, waves: list[str]) -> np.ndarray:
    """Respondents with an answer, by wave (unweighted)."""
    return data[column].notna().groupby(data[WAVE]).sum().reindex(waves).fillna(0).to_numpy(np.int64)


def trends(design, follow: list[Followed], waves: list[str], lang: str) -> pd.DataFrame:
    """``cs.trend`` of each followed estimate (one at a time: a missing answer leaves only its own estimate),
    with the unweighted n: columns kind, item, wave, n, estimate, se, ci_low, ci_high, df."""
    import careersurvey as cs

    rows = []
    for f in follow:
        t = cs.trend(design, f.column, na_rm=True)
        n = pd.Series(_n(design.data, f.column, waves), index=waves)
        rows.append(pd.DataFrame({"kind": f.kind, "item": f.label, "wave": t[WAVE].astype(str).to_numpy(),
                                  "n": n.reindex(t[WAVE].astype(str)).to_numpy(), "estimate": t["estimate"].to_numpy(),
                                  "se": t["se"].to_numpy(), "ci_low": t["ci_low"].to_numpy(),
                                  "ci_high": t["ci_high"].to_numpy(), "df": t["df"].to_numpy()}))
    return pd.concat(rows, ignore_index=True)


def changes(design, follow: list[Followed]) -> tuple[pd.DataFrame, list[str]]:
    """``cs.change`` between consecutive waves of each followed estimate; an estimate asked in one wave only
    has no change (named in the second value)."""
    import careersurvey as cs
    from careersurvey import EstimateError

    rows, once = [], []
    for f in follow:
        try:
            c = cs.change(design, f.column, na_rm=True)
        except EstimateError:
            once.append(f.label)
            continue
        rows.append(c.assign(kind=f.kind, item=f.label))
    return (pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()), once


def paired(data: pd.DataFrame, kw: dict, dfile, follow: list[Followed], waves: list[str], ids: str,
           lang: str) -> tuple[pd.DataFrame, list[str]]:
    """``cs.paired_change`` of each followed estimate for each consecutive pair of waves, over the persons of
    the earlier wave (those who answered the later one too carry the change), on the earlier wave's weights or
    on longitudinal weights (``dfile.longitudinal``); and the sentences saying which weights were used."""
    import careersurvey as cs
    from careersurvey import EstimateError
    from careersurvey.responses.panel import panel_wide

    design_cols = [c for c in (kw.get("strata"), kw.get("psu"), kw.get("fpc")) if isinstance(c, str) and c != ids]
    lw = dfile.longitudinal if dfile is not None else None
    keep = [ids, WAVE, kw["weights"], *design_cols, *(f.column for f in follow)]
    if lw is not None:
        keep += [c for c in (*lw["classes"], *lw["margins"]) if c in data.columns and c not in keep]
    rows, said = [], []
    for a, b in zip(waves, waves[1:]):
        pair = data.loc[data[WAVE].astype(str).isin([a, b]), keep].assign(**{WAVE: lambda x: x[WAVE].astype(str)})
        wide = panel_wide(pair, waves=[a, b], constant=design_cols, person=ids)
        wide = wide[wide[f"in_{a}"] == 1].reset_index(drop=True)
        both = int((wide[f"in_{b}"] == 1).sum())
        if both == 0:
            said.append(text("wv.no_panel", lang, a=a, b=b))
            continue
        wkw = {**kw, "weights": f"{kw['weights']}_{a}"}
        if wkw.get("psu") == ids:
            wkw["psu"] = None  # one row per person in the wide file
        for c in lw["classes"] if lw is not None else ():
            c = c if c in design_cols else f"{c}_{a}"
            if c in wide.columns:  # an unanswered class variable is a class of its own
                wide[c] = wide[c].astype("string").fillna("-")
        d = cs.SurveyDesign(wide, **wkw)
        how = text("wv.paired_base", lang, a=a, b=b, n=f"{both:,}")
        if lw is not None:
            col = lambda c: c if c in design_cols else f"{c}_{a}"  # noqa: E731  columns as the earlier wave had them
            try:
                d = cs.longitudinal_weights(d, f"in_{b}", classes=[col(c) for c in lw["classes"]],
                                            margins=[col(c) for c in lw["margins"]] or None, method=lw["method"])
                how = text("wv.paired_longitudinal", lang, a=a, b=b, n=f"{both:,}",
                           classes=", ".join(lw["classes"]), margins=", ".join(lw["margins"]) or "–")
            except (ValueError, KeyError) as exc:
                how = text("wv.paired_lw_failed", lang, a=a, b=b, n=f"{both:,}", error=str(exc))
        said.append(how)
        for f in follow:
            try:
                c = cs.paired_change(d, f.column, waves=(a, b))
            except EstimateError:
                continue
            n = int((wide[f"{f.column}_{a}"].notna() & wide[f"{f.column}_{b}"].notna()).sum())
            rows.append(c.assign(kind=f.kind, item=f.label, n=n))
    return (pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()), said


def attrition_table(data: pd.DataFrame, kw: dict, ids: str, waves: list[str]) -> pd.DataFrame:
    """``cs.attrition`` by wave and the first stratum (when the design has strata)."""
    from careersurvey.responses.panel import attrition

    by = kw.get("strata") if isinstance(kw.get("strata"), str) else None
    frame = data.assign(**{WAVE: data[WAVE].astype(str)})
    return attrition(frame, by, waves=waves, person=ids)


def trend_plot(frame: pd.DataFrame, waves: list[str], lang: str) -> Figure:
    """Each followed estimate by wave with its 95% CI as bars, shares (in percent) and means in their own
    panels; the report's Hangul-safe style (``plots.style``)."""
    import matplotlib.pyplot as plt

    plots.style()
    kinds = [k for k in ("share", "mean") if (frame["kind"] == k).any()]
    fig, axes = plt.subplots(1, len(kinds), figsize=(4.2 * len(kinds) + 1.2, 3.6), squeeze=False)
    x = {w: i for i, w in enumerate(waves)}
    for ax, kind in zip(axes[0], kinds):
        part = frame[frame["kind"] == kind]
        k = 100.0 if kind == "share" else 1.0
        items = list(dict.fromkeys(part["item"]))
        for j, item in enumerate(items):
            r = part[part["item"] == item]
            pos = r["wave"].map(x).to_numpy(float) + (j - (len(items) - 1) / 2) * 0.08
            est = r["estimate"].to_numpy(float) * k
            ax.errorbar(pos, est, yerr=[est - r["ci_low"].to_numpy(float) * k, r["ci_high"].to_numpy(float) * k - est],
                        fmt="-o", capsize=3, label="\n".join(plots._wrap([item], 34)))
        ax.set_xticks(range(len(waves)), waves)
        ax.set_xlabel(text("wv.fig_wave", lang))
        ax.set_ylabel(text("fig.percent" if kind == "share" else "wv.fig_mean", lang))
        ax.legend(fontsize=7, loc="best")
    title = text("wv.fig_title", lang)
    fig.suptitle(title)
    return Figure("trends", title, figure_png(fig), text("wv.fig_caption", lang))


def _kind_tables(frame: pd.DataFrame, name: str, index: list[str], columns: list[str], title_key: str,
                 caption: str, lang: str, labels: dict | None = None, pct: tuple[str, ...] = ()) -> list[Table]:
    """One table per kind of estimate (shares in percent, means as numbers)."""
    out = []
    for kind in ("share", "mean"):
        part = frame[frame["kind"] == kind] if len(frame) else frame
        if not len(part):
            continue
        t = part.set_index(index)[columns]
        heads = {**(labels or {}), **{i: text(f"wv.col_{i}", lang) for i in index}}
        out.append(Table(f"{name}_{kind}", text(title_key, lang, what=text(f"wv.kind_{kind}", lang)), t, caption,
                         percent=kind == "share", percent_columns=pct if kind == "share" else (),
                         labels=heads, flag="p_value" not in columns))
    return out


def waves_section(store, dfile=None, questionnaire=None, lang: str = "en", trend=()) -> Section | None:
    """The waves section of a store of several waves (module doc), None for a store of one wave.

    ``dfile``: the design file (:class:`~careersurvey.DesignFile`) or None; ``questionnaire``: what the waves
    are read as (default: the design file's, else the newest); ``trend``: items or scales to follow (default:
    the design file's ``trend:``, else the first three scales)."""
    import careersurvey as cs
    from careersurvey.responses.store import ResponseStore

    q = questionnaire if questionnaire is not None else cs.load_dataset(
        store, dfile.questionnaire if dfile is not None else None, labels=False).questionnaire
    follow = followed(q, list(trend) or (list(dfile.trend) if dfile is not None else []), lang)  # names checked
    waves = ResponseStore(store).waves()
    if len(waves) < 2:
        return None
    notes: list[str] = []
    ids = dfile.ids if dfile is not None else "respondent_id"
    data, kw, kept = _stacked(store, dfile, q, waves, lang, notes)
    kept = [w for w in kept if (data[WAVE].astype(str) == w).any()]
    head = dict(id="waves", title=text("wv.title", lang), nav=text("wv.nav", lang))
    if len(kept) < 2:
        return Section(**head, text=(*notes, text("wv.too_few", lang, waves=", ".join(kept) or "–")))
    data = data[data[WAVE].astype(str).isin(kept)].reset_index(drop=True)
    data = pd.concat([data, _values(data, q, follow)], axis=1)
    data[WAVE] = pd.Categorical(data[WAVE].astype(str), categories=kept)
    design = _design(data, kw)
    tr = trends(design, follow, kept, lang)
    ch, once = changes(design, follow)
    pc, said = paired(data, kw, dfile, follow, kept, ids, lang)
    att = attrition_table(data, kw, ids, kept)
    tables = _kind_tables(tr, "trend", ["item", "wave"], ["n", "estimate", "se", "ci_low", "ci_high", "df"],
                          "wv.trend_title", text("wv.trend_caption", lang), lang)
    change_labels = {"estimate_from": text("wv.col_estimate_from", lang), "estimate_to": text("wv.col_estimate_to",
                     lang), "change": text("wv.col_change", lang)}
    change_cols = ["estimate_from", "estimate_to", "change", "se", "ci_low", "ci_high", "p_value"]
    pct = ("estimate_from", "estimate_to", "change")
    if len(ch):
        ch = ch.assign(pair=ch["from"].astype(str) + " → " + ch["to"].astype(str))
        tables += _kind_tables(ch, "change", ["item", "pair"], change_cols, "wv.change_title",
                               text("wv.change_caption", lang), lang, change_labels, pct)
    if len(pc):
        pc = pc.assign(pair=pc["from"].astype(str) + " → " + pc["to"].astype(str))
        tables += _kind_tables(pc, "paired", ["item", "pair"], ["n", *change_cols], "wv.paired_title",
                               text("wv.paired_caption", lang), lang, change_labels, pct)
    by = att.columns[1] if att.columns[1] != "responding" else None
    at = att.set_index([WAVE, by] if by else [WAVE])
    heads = {WAVE: text("wv.col_wave", lang), **({by: text("wv.col_stratum", lang, name=by)} if by else {})}
    tables.append(Table("attrition", text("wv.attrition_title", lang), at, text("wv.attrition_caption", lang),
                        percent_columns=("retention",), labels=heads, flag=False))
    per_wave = data[WAVE].astype(str).value_counts().reindex(kept)
    panel = int((data.groupby(ids, observed=True)[WAVE].nunique() > 1).sum())
    weighted = dfile is not None and dfile.weighted
    items = "; ".join(f.label for f in follow)
    wording = "; ".join(f"{f.name}: {label_in(q.item(f.name).label, lang, f.name)}" for f in follow
                        if f.column.startswith("_item_"))
    wording += "" if not wording or wording.endswith((".", "?", "!")) else "."  # a question mark ends it too
    paras = [text("wv.text", lang, waves=", ".join(kept), counts="; ".join(f"{w}: {n:,}" for w, n in per_wave.items()),
                  panel=f"{panel:,}", items=items), *((text("wv.wording", lang, wording=wording),) if wording else ()),
             text("wv.weighted" if weighted else "wv.unweighted", lang), *notes, *said]
    if once:
        paras.append(text("wv.once", lang, items=", ".join(once)))
    last = att[att[WAVE] == kept[-1]]
    before = int(att.loc[att[WAVE] == kept[-2], "responding"].sum())
    retention = int(last["retained"].sum()) / before if before else float("nan")
    return Section(
        **head, text=tuple(paras), figures=(trend_plot(tr, kept, lang),), tables=tuple(tables),
        kpis=((text("kpi.waves", lang), ", ".join(kept)), (text("kpi.panel", lang), f"{panel:,}"),
              (text("kpi.retention", lang, wave=kept[-1]), f"{retention:.0%}")),
        methods=text("wv.methods", lang),
    )
