"""Workbooks written part by part, as a person or another program may leave them: the sheet XML given as text."""

from __future__ import annotations

import zipfile
from pathlib import Path

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def write_xlsx(path: Path, sheet_data: str, *, shared: list[str] | None = None, styles: str | None = None,
               date1904: bool = False, sheets: tuple[str, ...] = ("Sheet1",), raw_shared: str | None = None) -> Path:
    """A workbook whose every sheet holds ``sheet_data`` (the inside of ``<sheetData>``), with shared strings
    (each given as the inside of an ``<si>``) and a ``styles.xml`` body (``<numFmts>``/``<cellXfs>`` text)."""
    types = ['<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>',
             '<Default Extension="xml" ContentType="application/xml"/>',
             '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.'
             'spreadsheetml.sheet.main+xml"/>']
    rels = []
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for i, name in enumerate(sheets, 1):
            z.writestr(f"xl/worksheets/sheet{i}.xml",
                       f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN}" xmlns:r="{REL}">'
                       f"<sheetData>{sheet_data}</sheetData></worksheet>")
            types.append(f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/vnd.'
                         'openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>')
            rels.append(f'<Relationship Id="rId{i}" Type="{REL}/worksheet" Target="worksheets/sheet{i}.xml"/>')
        n = len(sheets)
        if shared is not None or raw_shared is not None:
            body = raw_shared if raw_shared is not None else "".join(f"<si>{s}</si>" for s in shared)
            z.writestr("xl/sharedStrings.xml", f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN}">{body}</sst>')
            rels.append(f'<Relationship Id="rId{n + 1}" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/>')
            types.append('<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
                         'officedocument.spreadsheetml.sharedStrings+xml"/>')
        if styles is not None:
            z.writestr("xl/styles.xml", f'<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="{MAIN}">{styles}'
                       "</styleSheet>")
            rels.append(f'<Relationship Id="rId{n + 2}" Type="{REL}/styles" Target="styles.xml"/>')
            types.append('<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-'
                         'officedocument.spreadsheetml.styles+xml"/>')
        pr = '<workbookPr date1904="1"/>' if date1904 else ""
        listed = "".join(f'<sheet name="{name}" sheetId="{i}" r:id="rId{i}"/>' for i, name in enumerate(sheets, 1))
        z.writestr("xl/workbook.xml", f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN}" '
                   f'xmlns:r="{REL}">{pr}<sheets>{listed}</sheets></workbook>')
        z.writestr("xl/_rels/workbook.xml.rels", '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns='
                   f'"http://schemas.openxmlformats.org/package/2006/relationships">{"".join(rels)}</Relationships>')
        z.writestr("_rels/.rels", '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
                   'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.'
                   'openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
                   "</Relationships>")
        z.writestr("[Content_Types].xml", '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.'
                   f'openxmlformats.org/package/2006/content-types">{"".join(types)}</Types>')
    return path
