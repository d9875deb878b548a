"""The parts of an .xlsx package: which part is which sheet, relationships, drawings."""

from __future__ import annotations

import posixpath
import zipfile

from defusedxml import ElementTree as ET

NS = {
    "m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "pr": "http://schemas.openxmlformats.org/package/2006/relationships",
    "xdr": "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing",
    "a": "http://schemas.openxmlformats.org/drawingml/2006/main",
}


def drawing_counts(z: zipfile.ZipFile) -> dict[str, dict[str, int]]:
    """Charts and shapes per sheet name, read from the package's drawing parts."""
    out = {}
    for sheet, sheet_part in sheet_parts(z).items():
        counts = {"charts": 0, "shapes": 0}
        for drawing in rel_targets(z, sheet_part, "/drawing"):
            try:
                root = ET.fromstring(z.read(drawing))
            except (KeyError, ET.ParseError):
                continue
            for anchor in root:
                if anchor.find("xdr:graphicFrame", NS) is not None:
                    counts["charts"] += 1
                elif anchor.find("xdr:sp", NS) is not None or \
                        anchor.find("xdr:grpSp", NS) is not None:
                    counts["shapes"] += 1
        out[sheet] = counts
    return out


def sheet_parts(z: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> part name (``xl/worksheets/sheet1.xml``)."""
    try:
        wbx = ET.fromstring(z.read("xl/workbook.xml"))
    except KeyError:
        return {}
    rels = relationships(z, "xl/workbook.xml")
    out = {}
    for s in wbx.iterfind("m:sheets/m:sheet", NS):
        rid = s.get(f"{{{NS['r']}}}id")
        if rid in rels:
            out[s.get("name")] = rels[rid][1]
    return out


def relationships(z, part) -> dict[str, tuple[str, str]]:
    """Relationship id -> (type, absolute target part) for ``part``."""
    folder, name = posixpath.split(part)
    try:
        root = ET.fromstring(z.read(posixpath.join(folder, "_rels", name + ".rels")))
    except KeyError:
        return {}
    out = {}
    for r in root.iterfind("pr:Relationship", NS):
        if r.get("TargetMode") == "External":
            continue
        t = r.get("Target")
        t = t.lstrip("/") if t.startswith("/") else posixpath.normpath(
            posixpath.join(folder, t))
        out[r.get("Id")] = (r.get("Type"), t)
    return out


def rel_targets(z, part, type_suffix):
    return [t for typ, t in relationships(z, part).values() if typ.endswith(type_suffix)]
