"""The report's generic sections, from the questionnaire and the declared design alone (any questionnaire).

- items: a weighted frequency table of every single, multiple and rating item (unweighted n, weighted %, 95%
  logit CI as R's svyciprop, design effect), item nonresponse by missing code, and a weighted summary of every
  numeric item (mean with CI and deff, quartiles with Woodruff CIs);
- crosstabs by the variables the user names (``--by sector,sex``): each single and rating item's shares within
  the levels of each, with the Rao-Scott second-order F test;
- scales: every declared scale's weighted mean score, and its reliability (Cronbach's alpha unweighted with
  Feldt CI beside the weighted alpha, omega total, one-factor fit);
- the codebook of the questionnaire.

Every estimate is of the study's ``design`` (the targets' population when targets are given; its variance over
the full design, as R's subset). Tables carry the numbers in the estimate shape (``n, estimate, se, ci_low,
ci_high, deff``) and leave the page's wording, percentages and reliability flags to ``report.layout``.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from careersurvey.report.html import Section
from careersurvey.report.i18n import label_in, text
from careersurvey.report.results import Table
from careersurvey.report.study import CAT, SCORE

__all__ = ["GenericError", "item_sections", "crosstab_section", "scales_section", "codebook_section", "by_items",
           "frequency_table", "nonresponse_table", "numeric_table", "scale_scores_table", "weighted_alphas"]

CHOICE_TYPES = ("single", "rating")
NUMERIC_TYPES = ("integer", "decimal")
_COLUMNS = ["n", "estimate", "se", "ci_low", "ci_high", "deff"]


class GenericError(ValueError):
    """A generic section cannot be built as asked (e.g. ``--by`` names no single or rating item)."""


def _text(mapping, lang: str, default: str = "") -> str:
    return label_in(mapping or None, lang, default)


def _p(p: float, lang: str) -> str:
    return text("p.less", lang) if p < 0.001 else text("p.equal", lang, p=f"{p:.3f}")


def _rows(study, rows: pd.DataFrame | None = None) -> pd.DataFrame:
    """The rows inside the design's domain (taken once per section: the frame is wide)."""
    return study.data if rows is None else rows


def frequency_table(study, item, lang: str = "en", rows: pd.DataFrame | None = None) -> Table | None:
    """Weighted shares of each choice of one single, rating or multiple item among those who answered it, in
    questionnaire order; None when nobody in the analysed population answered it (``rows``: ``study.data``)."""
    d, rows = study.design, _rows(study, rows)
    codes = [c.code for c in item.choices.choices]
    labels = [_text(c.label, lang, str(c.code)) for c in item.choices.choices]
    if item.type == "multiple":
        cols = list(item.columns())
        answered = rows[cols[0]].notna()
        if not answered.any():
            return None
        est = d.ciprop(cols, na_rm=True)
        n = [int((rows.loc[answered, c] == 1).sum()) for c in cols]
        caption = "g.multi_caption"
    else:
        answered = rows[item.name].notna()
        if not answered.any():
            return None
        est = d.ciprop(item.name + CAT, na_rm=True)
        est.index = list(rows[item.name + CAT].cat.categories)  # the levels answered, in questionnaire order
        est = est.reindex(codes)  # a choice nobody here made: n 0, share 0, no interval
        est.loc[est["estimate"].isna(), "estimate"] = 0.0
        n = rows[item.name].value_counts().reindex(codes, fill_value=0).astype(int).tolist()
        caption = "g.freq_caption"
    frame = pd.DataFrame({"n": n, **{c: est[c].to_numpy() for c in _COLUMNS[1:] if c in est}},
                         index=pd.Index(labels, name="answer"))
    return Table(f"freq_{item.name}", f"{item.name}: {_text(item.label, lang, item.name)}", frame,
                 text(caption, lang, n=f"{int(answered.sum()):,}"), percent=True, stub=text("g.answer", lang))


def nonresponse_table(study, items, lang: str = "en", rows: pd.DataFrame | None = None) -> Table:
    """Item nonresponse: for each item, how many answered and how many hold each missing code (unweighted, in
    the analysed population), and the weighted share of nonresponse among those asked (not -6)."""
    rows = _rows(study, rows)
    w = study.design.weights.to_numpy(float)
    w = w if study.design.domain is None else w[study.design.domain]
    labels = study.questionnaire.missing_labels
    codes = sorted(labels, reverse=True)
    out = {}
    for item in items:
        col = item.columns()[0]
        if study.missing is None or col not in study.missing:
            continue
        miss = study.missing_codes_of(rows, col)
        counts = {f"{c} {_text(labels[c], lang)}": int((miss == c).sum()) for c in codes}
        asked = (miss != -6).fillna(True).to_numpy()
        nonresp = miss.isin([c for c in codes if c != -6]).to_numpy()
        share = float(w[nonresp].sum() / w[asked].sum()) if w[asked].sum() > 0 else np.nan
        out[item.name] = {"answered": int(rows[col].notna().sum()), **counts, "nonresponse": share}
    frame = pd.DataFrame.from_dict(out, orient="index")
    frame.index.name = "item"
    return Table("item_nonresponse", text("g.nonresponse_title", lang), frame, text("g.nonresponse_caption", lang), 0,
                 percent_columns=("nonresponse",), stub=text("g.item", lang),
                 labels={"answered": text("g.answered", lang), "nonresponse": text("g.nonresponse", lang)})


def numeric_table(study, items, lang: str = "en", rows: pd.DataFrame | None = None) -> Table | None:
    """Weighted mean (95% CI, deff) and quartiles (Woodruff CIs, as R's svyquantile) of numeric items."""
    d, rows = study.design, _rows(study, rows)
    out = []
    for item in items:
        n = int(rows[item.name].notna().sum())
        if n == 0:
            continue
        m = d.mean(item.name, na_rm=True).iloc[0]
        quart = d.quantile(item.name, [0.25, 0.5, 0.75], na_rm=True)
        qs, med = quart["estimate"].to_numpy(), quart.iloc[1]
        unit = _text(item.unit, lang)
        out.append({"item": f"{item.name}: {_text(item.label, lang, item.name)}" + (f" ({unit})" if unit else ""),
                    "n": n, **{c: m[c] for c in _COLUMNS[1:]}, "p25": qs[0], "median": qs[1], "median_ci_low": med["ci_low"],
                    "median_ci_high": med["ci_high"], "p75": qs[2]})  # the median's CI: one column, as layout merges
    if not out:
        return None
    frame = pd.DataFrame(out).set_index("item")
    return Table("numeric", text("g.numeric_title", lang), frame, text("g.numeric_caption", lang), 2, percent=False,
                 stub=text("g.item", lang),
                 labels={k: text(f"g.{k}", lang) for k in ("p25", "median", "p75")})


def item_sections(study, lang: str = "en") -> tuple[Section, ...]:
    """The items section: frequencies of every single, multiple and rating item, numeric summaries, item
    nonresponse."""
    q = study.questionnaire
    choice = [i for i in q.items if i.type in (*CHOICE_TYPES, "multiple") and i.choices is not None]
    numeric = [i for i in q.items if i.type in NUMERIC_TYPES]
    rows = study.data
    tables = [t for t in (frequency_table(study, i, lang, rows) for i in choice) if t is not None]
    skipped = len(choice) - len(tables)
    num = numeric_table(study, numeric, lang, rows)
    tables += [num] if num is not None else []
    tables.append(nonresponse_table(study, [*choice, *numeric], lang, rows))
    said = (text("g.items_text", lang, choice=len(choice) - skipped, numeric=len(numeric)),
            *((text("g.items_skipped", lang, n=skipped),) if skipped else ()))
    return (Section(id="items", title=text("g.items_title", lang), nav=text("g.items_nav", lang), text=said,
                    tables=tuple(tables), methods=text("g.items_methods", lang)),)


def by_items(study, by: Sequence[str]) -> list:
    """The items named by ``--by``: single or rating items of the questionnaire, or an error naming them."""
    q = study.questionnaire
    allowed = [i.name for i in q.items if i.type in CHOICE_TYPES]
    bad = [b for b in by if b not in allowed]
    if bad:
        raise GenericError(f"--by {', '.join(bad)}: not a single or rating item of {q.key}; name one or more of "
                           f"{', '.join(allowed[:12])}{' ...' if len(allowed) > 12 else ''} (comma-separated)")
    return [q.item(b) for b in by]


def crosstab_section(study, by: Sequence[str], lang: str = "en") -> Section | None:
    """Each single and rating item by each variable of ``by``: shares within its levels and the Rao-Scott test."""
    if not by:
        return None
    from careersurvey.estimation.estimators import EstimateError

    d, rows, q = study.design, _rows(study), study.questionnaire
    tables: list[Table] = []
    for b in by_items(study, by):
        blabels = {c.code: _text(c.label, lang, str(c.code)) for c in b.choices.choices}
        tests = {}
        for item in q.items:
            if item.type not in CHOICE_TYPES or item.choices is None or item.name == b.name:
                continue
            both = rows[item.name].notna() & rows[b.name].notna()
            if both.sum() < 2 or rows.loc[both, item.name].nunique() < 2 or rows.loc[both, b.name].nunique() < 2:
                continue
            mask = d.data[item.name].notna() & d.data[b.name].notna()
            dom = d.subset(mask.to_numpy())
            try:
                test = dom.chisq(item.name + CAT, b.name + CAT)
                est = dom.ciprop(item.name + CAT, by=b.name + CAT, na_rm=True)
            except EstimateError as exc:
                tests[item.name] = {"n": int(both.sum()), "statistic": np.nan, "ndf": np.nan, "ddf": np.nan,
                                    "p_value": np.nan, "note": str(exc)}
                continue
            tests[item.name] = {"n": int(both.sum()), "statistic": test.statistic, "ndf": test.ndf,
                                "ddf": test.ddf, "p_value": test.p_value, "note": ""}
            codes = list(rows[item.name + CAT].cat.categories)  # the levels answered, in questionnaire order
            alabels = {c.code: _text(c.label, lang, str(c.code)) for c in item.choices.choices}
            counts = rows[both].groupby([rows.loc[both, b.name], rows.loc[both, item.name]]).size()
            glevels = est.index.get_level_values(0)
            inner = [codes[j] for j in np.tile(np.arange(len(codes)), len(est) // len(codes))]
            index = pd.MultiIndex.from_arrays([[blabels.get(g, str(g)) for g in glevels],
                                               [alabels[c] for c in inner]], names=[b.name, text("g.answer", lang)])
            n = [int(counts.get((g, c), 0)) for g, c in zip(glevels, inner)]
            frame = pd.DataFrame({"n": n, **{c: est[c].to_numpy() for c in _COLUMNS[1:] if c in est}}, index=index)
            tables.append(Table(f"by_{b.name}_{item.name}", text("g.cross_title", lang, item=item.name, by=b.name,
                                                                 label=_text(item.label, lang, item.name)), frame,
                                text("g.cross_caption", lang, by=b.name, n=f"{int(both.sum()):,}",
                                     f=f"{test.statistic:.2f}", ndf=f"{test.ndf:.2f}", ddf=f"{test.ddf:.1f}",
                                     p=_p(test.p_value, lang)), percent=True))
        frame = pd.DataFrame.from_dict(tests, orient="index")
        frame.index.name = "item"
        tables.insert(len(tables) - len([t for t in tables if t.name.startswith(f"by_{b.name}_")]),
                      Table(f"tests_{b.name}", text("g.tests_title", lang, by=b.name), frame,
                            text("g.tests_caption", lang), 3, flag=False, stub=text("g.item", lang)))
    return Section(id="crosstabs", title=text("g.cross_section", lang, by=", ".join(by)),
                   nav=text("g.cross_nav", lang), text=(text("g.cross_text", lang, by=", ".join(by)),),
                   tables=tuple(tables))


def scale_scores_table(study, lang: str = "en") -> Table | None:
    """Every scale's weighted mean score (95% CI, deff) in the analysed population; None without scores."""
    q, d, rows = study.questionnaire, study.design, _rows(study)
    scores = []
    for name, scale in q.scales.items():
        col = name + SCORE
        n = int(rows[col].notna().sum()) if col in rows else 0
        if n:
            m = d.mean(col, na_rm=True).iloc[0]
            scores.append({"scale": _text(scale.label, lang, name), "n": n, **{c: m[c] for c in _COLUMNS[1:]}})
    if not scores:
        return None
    return Table("scale_scores", text("g.scores_title", lang), pd.DataFrame(scores).set_index("scale"),
                 text("g.scores_caption", lang), 2, percent=False, stub=text("g.scale", lang))


def weighted_alphas(study) -> pd.Series:
    """Cronbach's alpha of every scale from the weighted item covariance (``scales.weighted_alpha``) over every
    respondent with all items answered (as the unweighted alpha), by scale name; NaN where it cannot be had."""
    import careersurvey.scales as sc

    q, full = study.questionnaire, study.full
    out = {}
    for name in q.scales:
        try:
            out[name] = sc.weighted_alpha(full.data, name, full.weights, q)[0]
        except sc.ScaleError:
            out[name] = np.nan
    return pd.Series(out, dtype=float, name="weighted_alpha")


def scales_section(study, lang: str = "en") -> Section:
    """Every declared scale: its weighted mean score and reliability, weighted alpha beside the unweighted one
    (with Feldt CI), omega total and the one-factor fit (``careersurvey analyze``'s generic analyses; the report
    shows the same numbers in ``sections.reliability_section``)."""
    import careersurvey.scales as sc

    q = study.questionnaire
    rel = sc.reliability_table(study.full.data, q)
    rel.insert(min(6, len(rel.columns)), "weighted_alpha", weighted_alphas(study).reindex(rel.index))
    rel.index = pd.Index([_text(q.scales[s].label, lang, s) for s in rel.index], name="scale")
    scores = scale_scores_table(study, lang)
    tables = ([scores] if scores is not None else []) + [
        Table("reliability", text("rel.title", lang), rel, text("rel.caption", lang), 3, flag=False,
              stub=text("g.scale", lang))]
    return Section(id="scales", title=text("rel.section", lang), nav=text("rel.nav", lang),
                   text=(text("g.scales_text", lang, n=len(q.scales)),), tables=tuple(tables))


def codebook_section(study, lang: str = "en") -> Section:
    """The codebook: every variable with its question, type, values, missing codes, routing and scale."""
    from careersurvey.forms.codebook import build_codebook, variable_table

    q = study.questionnaire
    langs = lang if lang in q.languages else q.languages[0]
    header, rows = variable_table(build_codebook(q, langs), ui=langs)
    frame = pd.DataFrame(rows, columns=header)
    keep = [header[0], header[3], header[4], header[5], header[6], header[9], header[11]]
    keep = list(dict.fromkeys(c for c in keep if c in frame))
    frame = frame[keep].set_index(header[0])
    return Section(id="codebook", title=text("g.codebook", lang), nav=text("g.codebook", lang),
                   text=(text("g.codebook_text", lang, n=len(frame)),),
                   tables=(Table("codebook", f"{text('g.codebook', lang)}: {q.key}", frame, flag=False, digits=0),))
