"""Hostile and damaged workbooks, built for the tests: each is a real .xlsx (written by
xlsxwriter) with one part rewritten, so that everything but the attack is valid."""

from __future__ import annotations

import zipfile
from pathlib import Path

import xlsxwriter

SHEET = "xl/worksheets/sheet1.xml"


def plain(path, rows=(("asset", "quantity", "price"), ("BTC", 1, 100000))) -> Path:
    """A small holdings workbook."""
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Holdings")
    for i, r in enumerate(rows):
        ws.write_row(i, 0, r)
    wb.close()
    return Path(path)


def rewrite(path, part, change) -> Path:
    """Replace ``part`` of the workbook at ``path`` with ``change(old_bytes)``; ``change``
    may return an iterator of byte chunks (written streaming, for large parts)."""
    path = Path(path)
    with zipfile.ZipFile(path) as z:
        parts = {i.filename: z.read(i) for i in z.infolist()}
    tmp = path.with_suffix(".rewrite")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for name, data in parts.items():
            if name != part:
                z.writestr(name, data)
                continue
            new = change(data)
            if isinstance(new, bytes):
                z.writestr(name, new)
            else:
                with z.open(name, "w", force_zip64=True) as f:
                    for chunk in new:
                        f.write(chunk)
    tmp.replace(path)
    return path


def declared(path, ref="A1:XFD1048576") -> Path:
    """A 5 KB workbook whose sheet declares the dimension ``ref``."""
    plain(path)

    def change(xml):
        import re
        return re.sub(rb'<dimension ref="[^"]*"/>', f'<dimension ref="{ref}"/>'.encode(), xml)
    return rewrite(path, SHEET, change)


def far_cell(path, ref="XFD1048576") -> Path:
    """A workbook with one more cell, far away: declared nowhere, present in the XML."""
    plain(path)

    def change(xml):
        row = int("".join(ch for ch in ref if ch.isdigit()))
        cell = f'<row r="{row}"><c r="{ref}"><v>1</v></c></row>'.encode()
        return xml.replace(b"</sheetData>", cell + b"</sheetData>")
    return rewrite(path, SHEET, change)


def zip_bomb(path, unpacked_mib=300) -> Path:
    """A workbook of a few hundred KB whose sheet unpacks to ``unpacked_mib`` MiB (spaces
    inside the XML, where a parser would have to read them all)."""
    plain(path)

    def change(xml):
        head, tail = xml.split(b"<sheetData>", 1)
        yield head
        chunk = b" " * 2**20
        for _ in range(unpacked_mib):
            yield chunk
        yield b"<sheetData>" + tail
    return rewrite(path, SHEET, change)


LAUGHS = (b'<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
          + b"".join(f' <!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">\n'
                     .encode() for i in range(1, 10))
          + b"]>\n")


def billion_laughs(path) -> Path:
    """Entity expansion (billion laughs) in the shared strings."""
    plain(path)

    def change(xml):
        body = xml.split(b"?>", 1)[1] if xml.startswith(b"<?xml") else xml
        return LAUGHS + body.replace(b"<t>BTC</t>", b"<t>&lol9;</t>")
    return rewrite(path, "xl/sharedStrings.xml", change)


def xxe(path, target="/etc/hostname") -> Path:
    """An external entity (XXE) that would read a local file into a cell."""
    plain(path)

    def change(xml):
        body = xml.split(b"?>", 1)[1] if xml.startswith(b"<?xml") else xml
        dtd = (f'<?xml version="1.0"?>\n<!DOCTYPE sst [<!ENTITY xxe SYSTEM "file://{target}">]>'
               "\n").encode()
        return dtd + body.replace(b"<t>BTC</t>", b"<t>&xxe;</t>")
    return rewrite(path, "xl/sharedStrings.xml", change)


def encrypted(path, password="hedge") -> Path:
    """The workbook saved with a password, as Excel's File > Protect Workbook does
    (ECMA-376 agile encryption, by msoffcrypto-tool)."""
    import io

    from msoffcrypto.format.ooxml import OOXMLFile
    src = Path(path).with_suffix(".plain.xlsx")
    plain(src)
    out = io.BytesIO()
    with open(src, "rb") as f:
        OOXMLFile(f).encrypt(password, out)
    src.unlink()
    Path(path).write_bytes(out.getvalue())
    return Path(path)


def sheets(path, layout) -> Path:
    """A workbook of several sheets: ``layout`` is ``[(name, state, rows)]`` with state
    ``visible``, ``hidden`` or ``veryHidden`` (written by openpyxl, as Excel saves them)."""
    import openpyxl
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, state, rows in layout:
        ws = wb.create_sheet(name)
        for r in rows:
            ws.append(list(r))
        ws.sheet_state = state
    wb.save(path)
    return Path(path)


def hidden_rows(path, rows, hidden=(3,)) -> Path:
    """One sheet, with the given 1-based rows hidden."""
    import openpyxl
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Holdings"
    for r in rows:
        ws.append(list(r))
    for i in hidden:
        ws.row_dimensions[i].hidden = True
    wb.save(path)
    return Path(path)


def stale_formula(path, formula="=50*2", cached=80) -> Path:
    """ETH's quantity is a formula whose value saved with it (``cached``) is not what it
    computes: a stale cache, as a =WEBSERVICE(...) that Excel has not refreshed."""
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Holdings")
    ws.write_row(0, 0, ["asset", "quantity", "price"])
    ws.write(1, 0, "ETH")
    ws.write_formula(1, 1, formula, None, cached)
    ws.write(1, 2, 3000)
    wb.close()
    return Path(path)


def error_cell(path) -> Path:
    """A quantity that is an error value (#N/A), as a broken lookup leaves it."""
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Holdings")
    ws.write_row(0, 0, ["asset", "quantity", "price"])
    ws.write_row(1, 0, ["BTC", 1, 60000])
    ws.write(2, 0, "ETH")
    ws.write_formula(2, 1, "=NA()", None, "#N/A")
    ws.write(2, 2, 3000)
    wb.close()
    return Path(path)


STRICT = {b"http://schemas.openxmlformats.org/spreadsheetml/2006/main":
          b"http://purl.oclc.org/ooxml/spreadsheetml/main",
          b"http://schemas.openxmlformats.org/officeDocument/2006/relationships":
          b"http://purl.oclc.org/ooxml/officeDocument/relationships"}


def strict(path, rows=(("asset", "quantity", "price"), ("BTC", 2.5, 100000))) -> Path:
    """The workbook as Excel saves it in 'Strict Open XML Spreadsheet' format: ISO
    namespaces in every part and the workbook's conformance="strict"."""
    plain(path, rows)
    path = Path(path)
    with zipfile.ZipFile(path) as z:
        parts = {i.filename: z.read(i) for i in z.infolist()}
    out = {}
    for name, data in parts.items():
        if name.endswith((".xml", ".rels")):
            for a, b in STRICT.items():
                data = data.replace(a, b)
            if name == "xl/workbook.xml":
                data = data.replace(b"<workbook ", b'<workbook conformance="strict" ', 1)
        out[name] = data
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in out.items():
            z.writestr(name, data)
    return path


def shared_strings_bomb(path, count=3_000_000) -> Path:
    """A few hundred KB whose shared strings unpack to tens of MiB (one short string
    repeated), which a reader parses whole before the first cell."""
    plain(path)

    def change(xml):
        yield b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        yield (b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
               b'count="%d" uniqueCount="%d">' % (count + 4, count + 4))
        for t in (b"asset", b"quantity", b"price", b"BTC"):
            yield b"<si><t>" + t + b"</t></si>"
        chunk = b"<si><t>x</t></si>" * 10_000
        for _ in range(count // 10_000):
            yield chunk
        yield b"</sst>"
    return rewrite(path, "xl/sharedStrings.xml", change)


def wide_row(path, cols=16_384) -> Path:
    """A 5 KB sheet whose second row has a cell in every column up to XFD."""
    plain(path)

    def change(xml):
        cells = b"".join(b'<c r="%s2"><v>1</v></c>' % _letters(c).encode()
                         for c in range(4, cols + 1))
        return xml.replace(b"</row></sheetData>", cells + b"</row></sheetData>", 1) \
            if b"</row></sheetData>" in xml else xml
    return rewrite(path, SHEET, change)


def _letters(c: int) -> str:
    s = ""
    while c:
        c, r = divmod(c - 1, 26)
        s = chr(65 + r) + s
    return s


def blank_rows(path, rows=1_000_000) -> Path:
    """A small file whose sheet holds a million empty rows after the table."""
    plain(path)

    def change(xml):
        head, tail = xml.split(b"</sheetData>", 1)
        yield head
        chunk = b"".join(b'<row r="%d"/>' % r for r in range(3, 10_003))
        for k in range(rows // 10_000):
            yield chunk if k == 0 else b"".join(
                b'<row r="%d"/>' % r for r in range(3 + 10_000 * k, 10_003 + 10_000 * k))
        yield b"</sheetData>" + tail
    return rewrite(path, SHEET, change)
