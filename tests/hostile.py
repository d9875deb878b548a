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
