"""DDI-Codebook 2.5 XML: the codebook in the metadata standard data archives take (KOSSDA, ICPSR, UKDS).

Built from the same :class:`~careersurvey.forms.codebook.Codebook` value as the xlsx/HTML codebook, so
the deposited metadata and the printed codebook cannot disagree. Elements follow the sequence order of
the DDI-C 2.5 schema (``codebook.xsd``: ``varType`` is location, labl, imputation, security, …, qstn,
valrng, invalrng, undocCod, universe, …, catgry, codInstr, verStmt, concept, derivation, varFormat, …,
notes), which the tests check; texts carry ``xml:lang``. Mapping:

* each module is a ``varGrp type="section"``, each grid a ``varGrp type="grid"``, each multiple-choice
  item a ``varGrp type="multipleResp"`` and each scale a ``varGrp type="analysis"`` (scores are built
  from it; reverse-keyed items are named in its ``notes``);
* a variable's question text is ``qstn/qstnLit`` (one ``qstn`` per language, ``seqNo`` = question number),
  its routing in words ``universe``, ranges ``valrng/range``, values ``catgry`` with missing codes
  marked ``missing="Y"``, sensitivity ``security``, scale membership ``concept``;
* a choice that cannot be combined with the others ("none of these") is stated in ``notes`` of its 0/1
  variable (``exclusive`` as ``type``, text per language) and in the ``notes`` of its ``multipleResp`` group.
"""

from __future__ import annotations

from pathlib import Path

from lxml import etree

from careersurvey.forms import common
from careersurvey.forms.codebook import Codebook, Value, Variable, build_codebook
from careersurvey.forms.common import LangOption, text
from careersurvey.questionnaire.model import Questionnaire, multiple_column

DDI_NS = "ddi:codebook:2_5"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
SCHEMA_LOCATION = "ddi:codebook:2_5 http://www.ddialliance.org/Specification/DDI-Codebook/2.5/XMLSchema/codebook.xsd"

#: The order of ``var`` children in the DDI-C 2.5 schema (varType sequence); the writer and tests use it.
VAR_CHILD_ORDER: tuple[str, ...] = (
    "location", "labl", "imputation", "security", "embargo", "respUnit", "anlysUnit", "qstn", "valrng",
    "invalrng", "undocCod", "universe", "TotlResp", "sumStat", "txt", "stdCatgry", "catgryGrp", "catgry",
    "codInstr", "verStmt", "concept", "derivation", "varFormat", "geoMap", "catLevel", "notes",
)

_RESPONSE_DOMAIN = {
    "single": "category", "rating": "category", "multiple": "multiple",
    "integer": "numeric", "decimal": "numeric", "text": "text", "date": "other",
}
_SECURITY = {
    "ko": "민감 문항: 공개 전에 비식별화 또는 범주화가 필요합니다.",
    "en": "Sensitive item: de-identify or coarsen before release.",
}
_REVERSE = {"ko": "척도 {scale}에서 역코딩되는 문항입니다.", "en": "Reverse-keyed in scale {scale}."}
_EXCLUSIVE = {
    "ko": "단독 선택 보기: 이 보기를 선택한 응답자는 {item}의 다른 보기를 선택할 수 없습니다 (다른 열은 모두 0).",
    "en": "Exclusive choice: a respondent who ticks it cannot tick any other choice of {item} (every other "
    "column is 0).",
}


def _el(parent: etree._Element, tag: str, value: str | None = None, lang: str | None = None, **attrs: str):
    """A DDI element under ``parent`` with optional text, ``xml:lang`` and attributes (None ones left out)."""
    node = etree.SubElement(parent, f"{{{DDI_NS}}}{tag}", {k: v for k, v in attrs.items() if v is not None})
    if lang:
        node.set(XML_LANG, lang)
    if value is not None:
        node.text = value
    return node


def _catgry(var: etree._Element, value: Value, langs: tuple[str, ...]) -> None:
    """One ``catgry``: the code, its label per language, ``missing="Y"`` for missing codes."""
    cat = _el(var, "catgry", missing="Y" if value.missing else None)
    _el(cat, "catValu", str(value.code))
    for lg in langs:
        _el(cat, "labl", text(value.label, lg), lg)


def _var(parent: etree._Element, v: Variable, vid: str, langs: tuple[str, ...]) -> None:
    """One ``var`` with its children in the schema's sequence order (see VAR_CHILD_ORDER)."""
    var = _el(parent, "var", ID=vid, name=v.name, files="F1",
              intrvl="contin" if v.type in ("integer", "decimal") else "discrete")
    for lg in langs:
        _el(var, "labl", text(v.question, lg), lg)
    if v.sensitive:
        _el(var, "security", " ".join(_SECURITY.get(lg, _SECURITY["en"]) for lg in langs))
    for lg in langs:
        question = text(v.question, lg) + (f" [{text(v.unit, lg)}]" if text(v.unit, lg) else "")
        qstn = _el(var, "qstn", seqNo=v.number, responseDomainType=_RESPONSE_DOMAIN[v.type])
        qstn.set(XML_LANG, lg)
        _el(qstn, "qstnLit", question)
    if v.type in ("integer", "decimal") and (v.minimum is not None or v.maximum is not None):
        lo = common.number_text(v.minimum) if v.minimum is not None else None
        hi = common.number_text(v.maximum) if v.maximum is not None else None
        valrng = _el(var, "valrng")
        _el(valrng, "range", UNITS="REAL" if v.type == "decimal" else "INT", min=lo, max=hi)
    for lg in langs:
        if v.routing.get(lg):
            _el(var, "universe", v.routing[lg], lg, clusion="I")
    for value in v.values + v.missing:
        _catgry(var, value, langs)
    if v.scale:
        _el(var, "concept", v.scale)
    if v.type == "text":
        _el(var, "varFormat", type="character", schema="other")
    elif v.type == "date":
        _el(var, "varFormat", "YYYY-MM-DD", type="character", schema="ISO", category="date")
    else:
        _el(var, "varFormat", type="numeric", schema="other")
    if v.reverse:
        for lg in langs:
            _el(var, "notes", _REVERSE.get(lg, _REVERSE["en"]).format(scale=v.scale), lg)
    if v.exclusive:
        for lg in langs:
            _el(var, "notes", _EXCLUSIVE.get(lg, _EXCLUSIVE["en"]).format(item=v.item), lg, type="exclusive")


def build_ddi(q: Questionnaire, lang: LangOption = "both", cb: Codebook | None = None) -> etree._ElementTree:
    """The DDI-Codebook 2.5 document of ``q`` (an lxml tree; serialise with :func:`ddi_bytes`)."""
    cb = cb or build_codebook(q, lang)
    langs = cb.languages
    study_id = f"{q.id}-{q.version}"
    root = etree.Element(f"{{{DDI_NS}}}codeBook", nsmap={None: DDI_NS, "xsi": XSI_NS})
    root.set(f"{{{XSI_NS}}}schemaLocation", SCHEMA_LOCATION)
    root.set("version", "2.5")
    root.set("ID", f"CB-{study_id}")
    root.set(XML_LANG, langs[0])

    def titles(parent: etree._Element) -> None:
        """``titlStmt``: title in the first language, the others as ``parTitl``, the study id."""
        stmt = _el(parent, "titlStmt")
        _el(stmt, "titl", text(q.title, langs[0]), langs[0])
        for lg in langs[1:]:
            _el(stmt, "parTitl", text(q.title, lg), lg)
        _el(stmt, "IDNo", study_id, agency="careersurvey")

    doc = _el(root, "docDscr")
    citation = _el(doc, "citation")
    titles(citation)
    prod = _el(citation, "prodStmt")
    if q.date:
        _el(prod, "prodDate", q.date, date=q.date)
    from careersurvey import __version__

    _el(prod, "software", "careersurvey", version=__version__)

    study = _el(root, "stdyDscr")
    citation = _el(study, "citation")
    titles(citation)
    ver = _el(citation, "verStmt")
    _el(ver, "version", q.version, date=q.date, type="release" if q.status == "released" else "draft")
    info = _el(study, "stdyInfo")
    for lg in langs:
        if text(q.description, lg):
            _el(info, "abstract", text(q.description, lg), lg)
    if not len(info):
        study.remove(info)

    fdesc = _el(root, "fileDscr", ID="F1")
    ftxt = _el(fdesc, "fileTxt")
    _el(ftxt, "fileName", study_id)
    dims = _el(ftxt, "dimensns")
    _el(dims, "varQnty", str(len(cb.variables)))
    _el(ftxt, "fileType", "rectangular")
    _el(fdesc, "notes", f"content_hash sha256:{cb.content_hash}")

    data = _el(root, "dataDscr")
    ids = {v.name: f"V{k}" for k, v in enumerate(cb.variables, start=1)}

    def group(gid: str, kind: str, names: list[str], label: dict[str, str] | None, notes: str | None = None) -> None:
        """A ``varGrp`` of the named variables with its label per language and optional notes."""
        grp = _el(data, "varGrp", ID=gid, type=kind, var=" ".join(ids[n] for n in names))
        for lg in langs:
            if label and text(label, lg):
                _el(grp, "labl", text(label, lg), lg)
        if notes:
            _el(grp, "notes", notes)

    for module in q.modules:
        names = [v.name for v in cb.variables if v.module == module.id]
        if names:
            group(f"G-{module.id}", "section", names, module.title)
    grids = {}
    for v in cb.variables:
        if v.grid:
            grids.setdefault(v.grid, []).append(v.name)
    for element in (e for m in q.modules for e in m.elements):
        if getattr(element, "name", None) in grids:
            group(f"G-{element.name}", "grid", grids[element.name], element.label)
    for item in q.items:
        if item.type == "multiple":
            alone = common.exclusive_codes(item)
            note = f"exclusive={' '.join(multiple_column(item.name, c) for c in alone)}" if alone else None
            group(f"G-{item.name}", "multipleResp", list(item.columns()), item.label, note)
    for scale in cb.scales:
        present = [n for n in scale.items if n in ids]
        if present:
            note = f"method={scale.method}; min_answered={scale.min_answered}; reverse={' '.join(scale.reverse) or '-'}"
            if scale.anchor:
                note += f"; anchor={scale.anchor}"
            group(f"S-{scale.name}", "analysis", present, scale.label, note)
    for v in cb.variables:
        _var(data, v, ids[v.name], langs)
    return etree.ElementTree(root)


def ddi_bytes(tree: etree._ElementTree) -> bytes:
    """UTF-8 XML with declaration, indented."""
    return etree.tostring(tree, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def export_ddi(questionnaire: Questionnaire | str | Path, path: str | Path, lang: LangOption = "both") -> Path:
    """Write the DDI-Codebook 2.5 XML of ``questionnaire`` to ``path``; returns the path."""
    q = common.resolve_questionnaire(questionnaire)
    path = Path(path)
    path.write_bytes(ddi_bytes(build_ddi(q, lang)))
    return path
