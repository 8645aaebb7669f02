"""DDI-Codebook 2.5 XML: structure in schema order, every variable, codes, missing codes, routing.

The DDI schema is not shipped by any Python or Debian package, so the structure is checked here with
lxml against the schema's sequence order. Set DDI_CODEBOOK_XSD to a local copy of the DDI-C 2.5
``codebook.xsd`` to also validate against the schema itself.
"""

from __future__ import annotations

import os
import re

import pytest
from lxml import etree

from careersurvey.forms.ddi import DDI_NS, VAR_CHILD_ORDER, XML_LANG, build_ddi, ddi_bytes, export_ddi

from .conftest import replace_element

NS = {"d": DDI_NS}


@pytest.fixture(scope="module")
def doc(mini):
    return etree.fromstring(ddi_bytes(build_ddi(mini, "both")))


def _local(el):
    return etree.QName(el).localname


def test_root_and_study(doc, mini):
    assert doc.tag == f"{{{DDI_NS}}}codeBook" and doc.get("version") == "2.5"
    assert [_local(c) for c in doc] == ["docDscr", "stdyDscr", "fileDscr", "dataDscr"]
    titl = doc.find("d:stdyDscr/d:citation/d:titlStmt/d:titl", NS)
    assert titl.text == "이공계 진로 시험 설문" and titl.get(XML_LANG) == "ko"
    assert doc.find("d:stdyDscr/d:citation/d:titlStmt/d:parTitl", NS).text == "STEM careers test survey"
    assert doc.find("d:stdyDscr/d:citation/d:verStmt/d:version", NS).text == "1.2.3"
    assert doc.find("d:fileDscr/d:fileTxt/d:dimensns/d:varQnty", NS).text == str(len(mini.columns()))
    assert mini.content_hash() in doc.find("d:fileDscr/d:notes", NS).text


def test_every_variable_in_schema_order(doc, mini):
    variables = doc.findall("d:dataDscr/d:var", NS)
    assert [v.get("name") for v in variables] == list(mini.columns())
    for var in variables:
        children = [_local(c) for c in var]
        positions = [VAR_CHILD_ORDER.index(c) for c in children]
        assert positions == sorted(positions), (var.get("name"), children)
        assert {q.get(XML_LANG) for q in var.findall("d:qstn", NS)} == {"ko", "en"}
    ids = [el.get("ID") for el in doc.iter() if el.get("ID")]
    assert len(ids) == len(set(ids)) and all(re.fullmatch(r"[A-Za-z_][\w.-]*", i) for i in ids)


def test_values_missing_and_routing(doc):
    def var(name):
        return doc.find(f"d:dataDscr/d:var[@name='{name}']", NS)

    motives = var("motives_2")
    cats = [(c.findtext("d:catValu", namespaces=NS), c.get("missing")) for c in motives.findall("d:catgry", NS)]
    assert cats == [("1", None), ("0", None), ("-7", "Y"), ("-9", "Y")]
    universe = {u.get(XML_LANG): u.text for u in motives.findall("d:universe", NS)}
    assert universe["ko"].startswith("Q2에서") and universe["en"].startswith("if Q2")
    hours = var("hours")
    rng = hours.find("d:valrng/d:range", NS)
    assert (rng.get("min"), rng.get("max"), hours.get("intrvl")) == ("0", "100", "contin")
    assert var("pay").find("d:security", NS) is not None and var("hours").find("d:security", NS) is None
    calm = var("fof_calm")
    assert calm.findtext("d:concept", namespaces=NS) == "fear_failure"
    assert "Reverse-keyed" in " ".join(n.text for n in calm.findall("d:notes", NS))
    assert var("start").find("d:varFormat", NS).get("category") == "date"
    qstn = var("fof_shame").find("d:qstn", NS)
    assert qstn.get("seqNo") == "Q8-1" and "실패하면 부끄럽다" in qstn.findtext("d:qstnLit", namespaces=NS)


def test_groups_reference_existing_variables(doc):
    ids = {v.get("ID"): v.get("name") for v in doc.findall("d:dataDscr/d:var", NS)}
    groups = {g.get("ID"): (g.get("type"), [ids[r] for r in g.get("var").split()]) for g in doc.findall("d:dataDscr/d:varGrp", NS)}
    assert groups["G-motives"] == ("multipleResp", ["motives_1", "motives_2", "motives_3"])
    assert groups["G-fof"] == ("grid", ["fof_shame", "fof_calm", "fof_worry"])
    assert groups["S-fear_failure"][0] == "analysis"
    assert groups["G-m1_consent"] == ("section", ["consent"])


@pytest.mark.skipif(not os.environ.get("DDI_CODEBOOK_XSD"), reason="DDI_CODEBOOK_XSD (path to DDI-C 2.5 codebook.xsd) not set; no package ships the schema")
def test_valid_against_the_ddi_schema(mini, tmp_path):
    schema = etree.XMLSchema(etree.parse(os.environ["DDI_CODEBOOK_XSD"]))
    for lang in ("ko", "en", "both"):
        document = etree.parse(str(export_ddi(mini, tmp_path / f"ddi_{lang}.xml", lang)))
        assert schema.validate(document), schema.error_log


def test_open_ended_ranges(mini):
    """A range with only a maximum (or only a minimum) gives only that attribute."""
    from careersurvey.questionnaire.model import Range

    q = replace_element(replace_element(mini, "hours", range=Range(None, 60)), "pay", range=Range(0.5, None))
    doc = etree.fromstring(ddi_bytes(build_ddi(q, "en")))
    hours = doc.find("d:dataDscr/d:var[@name='hours']/d:valrng/d:range", NS)
    pay = doc.find("d:dataDscr/d:var[@name='pay']/d:valrng/d:range", NS)
    assert dict(hours.attrib) == {"UNITS": "INT", "max": "60"}
    assert dict(pay.attrib) == {"UNITS": "REAL", "min": "0.5"}
