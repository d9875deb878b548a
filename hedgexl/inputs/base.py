"""What every reader of a user's file shares: the one error they raise, the limits they
hold to, and the checks of a workbook made before any of it is unpacked (encrypted or not a
zip, its size once unpacked, the sheet's declared dimension, XML that declares entities)."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

__all__ = ["InputError", "human", "check_workbook", "declared_dimension", "check_dimension",
           "open_workbook", "unreadable", "xml_refusal", "MAX_INPUT_BYTES",
           "MAX_UNPACKED_BYTES", "EXCEL_MAX_ROWS", "EXCEL_MAX_COLUMNS", "MAX_COLUMNS_READ",
           "DECIMAL_MARKS", "DELIMITERS", "OLE_MAGIC"]

#: Files larger than this on disk are refused rather than read into memory.
MAX_INPUT_BYTES = 50 * 1024 * 1024
#: An .xlsx whose parts add up to more than this once unpacked is refused (a zip bomb).
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
#: Excel's grid: rows and columns of one sheet.
EXCEL_MAX_ROWS = 1_048_576
EXCEL_MAX_COLUMNS = 16_384
#: Columns read from a user's sheet (holdings, prices and funding need far fewer).
MAX_COLUMNS_READ = 256
DECIMAL_MARKS = (".", ",")
DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Office's encrypted (and legacy .xls) files

class InputError(ValueError):
    """A problem with a user's file: names the file, the row and the reason."""

    def __init__(self, path, reason, row=None):
        self.path, self.reason, self.row = str(path), reason, row
        where = f"{self.path}" + (f", row {row}" if row is not None else "")
        super().__init__(f"{where}: {reason}")


def human(n: int) -> str:
    """A size in KiB or MiB, for messages."""
    return f"{n / 2**20:.1f} MiB" if n >= 2**20 else f"{n / 1024:.1f} KiB"


# ---------------------------------------------------------------------------------------
# XLSX: checked before it is unpacked
# ---------------------------------------------------------------------------------------
def check_workbook(p: Path, *, what="workbook", limit: int | None = None) -> None:
    """Refuse an .xlsx that is encrypted, not a zip, or unpacks to more than ``limit``
    (default :data:`MAX_UNPACKED_BYTES`), before anything is unpacked. The sizes are those
    the archive declares; Python's zipfile never unpacks a part past its declared size."""
    with open(p, "rb") as f:
        head = f.read(8)
    if head == OLE_MAGIC:
        raise InputError(p, f"the {what} is password-protected (encrypted) or an old .xls "
                            f"file; save an unprotected .xlsx copy and use that")
    if not zipfile.is_zipfile(p):
        raise InputError(p, "not a valid .xlsx file (it is not a zip archive)")
    try:
        with zipfile.ZipFile(p) as z:
            infos = z.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as e:
        raise InputError(p, f"not a valid .xlsx file ({e})") from None
    total = sum(i.file_size for i in infos)
    limit = MAX_UNPACKED_BYTES if limit is None else limit
    if total > limit:
        raise InputError(p, f"the {what} unpacks to {human(total)}, over the "
                            f"{human(limit)} limit (a zip bomb, or a file to split)")


_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\s+ref=\"([A-Z]{1,3})?(\d+)?(?::([A-Z]{1,3})"
                        rb"(\d+))?\"")


def declared_dimension(z: zipfile.ZipFile, part: str):
    """``(rows, columns)`` a sheet part declares in its ``<dimension>``, read from its first
    bytes only; None when it declares none."""
    with z.open(part) as f:
        head = f.read(4096)
    m = _DIMENSION.search(head)
    if not m:
        return None
    from openpyxl.utils import column_index_from_string
    col, row = (m.group(3), m.group(4)) if m.group(3) else (m.group(1), m.group(2))
    return int(row or 1), column_index_from_string((col or b"A").decode())


def check_dimension(p: Path, sheet: str, dim) -> None:
    if dim is None:
        return
    rows, cols = dim
    if rows > EXCEL_MAX_ROWS or cols > EXCEL_MAX_COLUMNS:
        raise InputError(p, f"sheet {sheet!r} declares {rows:,} rows by {cols:,} columns, "
                            f"beyond Excel's {EXCEL_MAX_ROWS:,} by {EXCEL_MAX_COLUMNS:,}: "
                            f"the file is damaged or hostile")


def open_workbook(p: Path, *, read_only: bool, what="workbook", limit=None, **kw):
    """openpyxl's workbook for ``p`` after :func:`check_workbook`; one-line errors."""
    check_workbook(p, what=what, limit=limit)
    import defusedxml  # noqa: F401  (openpyxl parses with it when it is installed)
    import openpyxl
    if not openpyxl.DEFUSEDXML:  # e.g. OPENPYXL_DEFUSEDXML=False in the environment
        raise InputError(p, "hedgexl reads a workbook only through defusedxml, which "
                            "openpyxl is set not to use (OPENPYXL_DEFUSEDXML)")
    try:
        return openpyxl.load_workbook(p, read_only=read_only, **kw)
    except Exception as e:  # openpyxl raises many types for broken or hostile files
        raise unreadable(p, e) from None


#: Why a workbook whose XML declares entities (billion laughs, XXE) is refused.
xml_refusal = ("its XML declares entities or external references, as attacks on XML "
               "readers do; hedgexl refuses to read it")


def unreadable(p, e: Exception) -> InputError:
    """The one-line refusal of a workbook that openpyxl (through defusedxml) could not read."""
    reason = _xml_reason(e)
    if reason is xml_refusal:
        return InputError(p, reason)
    return InputError(p, f"not a readable .xlsx file ({reason})")


def _xml_reason(e: Exception) -> str:
    from defusedxml import DefusedXmlException
    cause = e
    while cause is not None:  # openpyxl wraps the parser's error in its own
        if isinstance(cause, DefusedXmlException):
            return xml_refusal
        cause = cause.__cause__ or cause.__context__
    name = type(e).__name__
    return f"{name}: {str(e)[:80]}" if str(e) else name
