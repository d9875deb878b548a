"""Reading a user's table (CSV or the first sheet of an .xlsx) without trusting it.

A CSV's column separator and decimal mark are read from the whole file; where they stay
ambiguous the file is refused with the option to set (``--decimal``, ``--delimiter``). An
.xlsx is checked before anything is unpacked: its size on disk, the size of every part once
unpacked, whether it is an encrypted (password-protected) file, and the sheet's declared
dimension. Its XML is parsed with defusedxml (entity expansion and external entities are
refused), and at most :data:`EXCEL_MAX_ROWS` rows are read.

Every refusal is an :class:`InputError`: one line with the file, the row and the reason.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from ..core.numbers import parse_number

__all__ = ["InputError", "Table", "read_table", "check_workbook", "MAX_INPUT_BYTES",
           "MAX_UNPACKED_BYTES", "EXCEL_MAX_ROWS", "EXCEL_MAX_COLUMNS", "MAX_COLUMNS_READ",
           "DECIMAL_MARKS", "DELIMITERS", "fold", "key_text", "check_spellings", "human"]

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

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Office's encrypted (and legacy .xls) files


class InputError(ValueError):
    """A problem with a user's file: names the file, the row and the reason."""

    def __init__(self, path, reason, row=None):
        self.path, self.reason, self.row = str(path), reason, row
        where = f"{self.path}" + (f", row {row}" if row is not None else "")
        super().__init__(f"{where}: {reason}")


@dataclass
class Table:
    """A file's rows (header first, as lists of cells) and how to read its numbers."""

    path: Path
    rows: list
    decimal: str = "."
    warnings: list = field(default_factory=list)  # what the reader must also be told

    def number(self, value, what, row):
        """``value`` as a float (NaN when blank), or an InputError naming the row."""
        try:
            return parse_number(value, what=what, decimal=self.decimal)
        except ValueError as e:
            raise InputError(self.path, str(e), row) from None


def human(n: int) -> str:
    """A size in KiB or MiB, for messages."""
    return f"{n / 2**20:.1f} MiB" if n >= 2**20 else f"{n / 1024:.1f} KiB"


def _check_size(p: Path) -> None:
    try:
        st = p.stat()
    except OSError as e:
        raise InputError(p, e.strerror or str(e)) from None
    if not p.is_file():
        raise InputError(p, "not a regular file")
    if st.st_size == 0:
        raise InputError(p, "the file is empty")
    limit = MAX_INPUT_BYTES
    if st.st_size > limit:
        raise InputError(p, f"the file is {human(st.st_size)}, over the {human(limit)} "
                         "limit for one input; split it into smaller files")


def read_table(path, *, decimal: str | None = None, delimiter: str | None = None,
               kind: str | None = None, strict_cells: bool = False) -> Table:
    """The rows of a CSV or XLSX file, header first. Of a workbook, the sheet
    :func:`hedgexl.inputs.xlsx.read_sheet` chooses for ``kind`` (``"holdings"``,
    ``"positions"``, ``"prices"``, ``"funding"``): hidden rows and formula cells that hold
    data are said in ``Table.warnings``, or refused with ``strict_cells``.

    ``decimal`` and ``delimiter`` override what is read from a CSV file.
    """
    p = Path(path)
    _check_size(p)
    if decimal is not None and decimal not in DECIMAL_MARKS:
        raise ValueError(f"--decimal must be . or , (got {decimal!r})")
    warnings: list[str] = []
    if p.suffix.lower() in (".xlsx", ".xlsm"):
        from .xlsx import read_sheet
        rows, warnings = read_sheet(p, kind=kind, strict_cells=strict_cells,
                                    max_columns=MAX_COLUMNS_READ)
    else:
        text = _csv_text(p)
        rows = _csv_rows(p, text, delimiter)
    while rows and _blank(rows[-1]):  # blank rows at the end; numbering of the rest kept
        rows.pop()
    if not rows:
        raise InputError(p, "the file is empty")
    if len(rows) > EXCEL_MAX_ROWS:
        raise InputError(p, f"the file has over {EXCEL_MAX_ROWS:,} rows, more than an Excel "
                            "sheet holds; split it into smaller files")
    return Table(p, rows, decimal or _decimal_mark(p, rows), warnings)


def _blank(row) -> bool:
    return all(c is None or str(c).strip() == "" for c in row)


# ---------------------------------------------------------------------------------------
# CSV: separator and decimal mark from the whole file
# ---------------------------------------------------------------------------------------
def _csv_text(p: Path) -> str:
    data = p.read_bytes()
    if data.startswith(_OLE_MAGIC):
        raise InputError(p, "this is an Excel file (an encrypted workbook or an old .xls), "
                            "not a CSV; save it as an unprotected .xlsx or as CSV")
    if data.startswith(b"PK\x03\x04"):
        raise InputError(p, "this is a zip archive (an .xlsx?), not a CSV; name it .xlsx "
                            "or save it as CSV")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(p, "not a text CSV file (it is not UTF-8)") from None
    if "\x00" in text:
        raise InputError(p, "not a text CSV file (it has NUL bytes)")
    return text


def _parse_csv(p: Path, text: str, delimiter: str) -> list[list[str]]:
    """The records of ``text``. A quoted field may run across lines (Excel writes a cell
    with a line break so), but not over lines that read as rows of the file: that is a
    quote left open, which swallowed them, refused with the row and line where it opened.
    A field over the csv module's limit is one line, not a traceback. (Text after a closing
    quote, such as a space, is kept: a number that it spoils fails the number grammar.)"""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter,
                        skipinitialspace=True)
    rows: list[list[str]] = []
    line = 1  # the physical line the next record starts on
    try:
        for rec in reader:
            if reader.line_num > line and rows:
                _check_multiline(p, rec, len(rows) + 1, line, delimiter, len(rows[0]))
            rows.append(rec)
            line = reader.line_num + 1
    except csv.Error as e:
        reason = str(e)
        if "field larger than field limit" in reason:
            reason = (f"a field is over {csv.field_size_limit() // 1024} KiB; no holdings, "
                      f"positions, prices or funding cell is that long: is it the right file?")
        raise InputError(p, reason, len(rows) + 1) from None
    return rows


def _check_multiline(p: Path, rec, rowno: int, line: int, delimiter: str, width: int):
    for i, field in enumerate(rec):
        inner = field.splitlines()
        if len(inner) < 2:
            continue
        rowlike = [x for x in inner[1:] if x.count(delimiter) >= max(1, width - 1)]
        if rowlike:
            raise InputError(p, f"a quoted field opened on line {line} (column "
                                f"{column_letter(i)}) runs over {len(inner) - 1} more "
                                f"line(s) that read as rows, such as {rowlike[0][:40]!r}: a "
                                f"quote (\") is not closed; close it or remove it", rowno)


def _csv_rows(p: Path, text: str, delimiter: str | None) -> list[list[str]]:
    if delimiter is not None:
        if delimiter not in DELIMITERS:
            raise ValueError("--delimiter must be one of "
                             + ", ".join(repr(d) for d in DELIMITERS) + f" (got {delimiter!r})")
        rows = _parse_csv(p, text, delimiter)
        _check_widths(p, rows, delimiter)
        return rows
    first = next((ln for ln in text.splitlines() if ln.strip()), "")
    heads = {d: next(csv.reader([first], delimiter=d, skipinitialspace=True), [])
             for d in DELIMITERS}
    candidates = [d for d, h in heads.items() if len(h) > 1]
    if not candidates:
        return _parse_csv(p, text, ",")  # one column: the header check says what is missing
    if len(candidates) == 1:
        rows = _parse_csv(p, text, candidates[0])
        _check_widths(p, rows, candidates[0])
        return rows
    fits, errors = {}, []
    for d in candidates:  # several split the header: keep those every row agrees with
        try:
            rows = _parse_csv(p, text, d)
        except InputError as e:
            errors.append(e)
            continue
        width = len(heads[d])
        if all(len(r) == width or _blank(r) for r in rows):
            fits[d] = rows
    if len(fits) > 1:  # a quote can swallow the rest of the file under the wrong separator
        most = max(len(r) for r in fits.values())
        fits = {d: r for d, r in fits.items() if len(r) == most}
    if len(fits) == 1:
        return next(iter(fits.values()))
    if not fits and len(errors) == len(candidates):
        raise errors[0]
    names = " or ".join(DELIMITERS[d] for d in (fits or candidates))
    raise InputError(p, f"cannot tell the column separator ({names}); set it with "
                        f"--delimiter", 1)


def _check_widths(p: Path, rows, delimiter: str) -> None:
    """A row wider than the header means the separator split a value (``1,5`` in a
    comma-separated file): refuse rather than shift the columns."""
    width = len(rows[0]) if rows else 0
    for rowno, r in enumerate(rows[1:], start=2):
        if len(r) > width and any(str(c).strip() for c in r[width:]):
            hint = ""
            if delimiter == ",":
                hint = ("; a number with a comma in it (1,5 or 1,250) must be in quotes, or "
                        "save the file with ; between columns")
            raise InputError(p, f"{len(r)} values but the header has {width} columns "
                                f"(separated by {DELIMITERS[delimiter]}s){hint}", rowno)


_GROUPED = {".": re.compile(r"^\d{1,3}(\.\d{3})+$"), ",": re.compile(r"^\d{1,3}(,\d{3})+$")}
_DECIMAL = {".": re.compile(r"^\d*\.\d+$"), ",": re.compile(r"^\d*,\d+$")}
_BOTH = {".": re.compile(r"^\d{1,3}(,\d{3})*\.\d+$"), ",": re.compile(r"^\d{1,3}(\.\d{3})*,\d+$")}
_STRIP = re.compile(r"[\s\u00a0$%()+\-]")


def _vote(s: str):
    """``"."`` or ``","`` when the text can only be a number with that decimal mark,
    ``"?"`` when it is a number either way (``1,250``), None when it says nothing."""
    t = _STRIP.sub("", s)
    if not t or not t[0].isdigit() and t[0] not in ".,":
        return None
    has_dot, has_comma = "." in t, "," in t
    if has_dot and has_comma:
        for mark in DECIMAL_MARKS:
            if _BOTH[mark].match(t):
                return mark
        return None
    for mark in DECIMAL_MARKS:
        if mark in t:
            other = "," if mark == "." else "."
            if _GROUPED[mark].match(t):
                return "?" if t.count(mark) == 1 else other
            if _DECIMAL[mark].match(t):
                return mark
    return None


def _decimal_mark(p: Path, rows) -> str:
    """The decimal mark the file's numbers use, from every text cell under the header."""
    first = {}
    ambiguous = None
    for rowno, row in enumerate(rows[1:], start=2):
        for c in row:
            if not isinstance(c, str):
                continue
            v = _vote(c)
            if v == "?":
                ambiguous = ambiguous or (rowno, c)
            elif v is not None and v not in first:
                first[v] = (rowno, c)
                if len(first) == 2:
                    (r1, c1), (r2, c2) = first["."], first[","]
                    raise InputError(p, f"mixes decimal marks: {c1.strip()!r} (row {r1}) "
                                        f"and {c2.strip()!r} (row {r2}); set the one the file "
                                        f"uses with --decimal . or --decimal ,")
    if first:
        return next(iter(first))
    if ambiguous:
        rowno, c = ambiguous
        s = c.strip()
        raise InputError(p, f"{s!r} could be {parse_number(s, decimal='.'):.10g} or "
                            f"{parse_number(s, decimal=','):.10g}: no number in the file tells "
                            f"which decimal mark it uses; set it with --decimal . or "
                            f"--decimal ,", rowno)
    return "."


# ---------------------------------------------------------------------------------------
# XLSX: checked before it is unpacked
# ---------------------------------------------------------------------------------------
def check_workbook(p: Path, *, what="workbook", limit: int | None = None) -> None:
    """Refuse an .xlsx that is encrypted, not a zip, or unpacks to more than ``limit``
    (default :data:`MAX_UNPACKED_BYTES`), before anything is unpacked. The sizes are those
    the archive declares; Python's zipfile never unpacks a part past its declared size."""
    with open(p, "rb") as f:
        head = f.read(8)
    if head == _OLE_MAGIC:
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


def norm(h) -> str:
    return re.sub(r"[\s_\-]+", " ", str(h or "").strip().lower())


def column_letter(i: int) -> str:
    """The spreadsheet letter of 0-based column ``i`` (openpyxl's, imported when needed)."""
    from openpyxl.utils import get_column_letter
    return get_column_letter(i + 1)


def map_header(header, path, aliases: dict, required) -> dict:
    """Column index of each field of ``aliases`` (field -> accepted header names) found in
    ``header``; refuses two headers for one field and a missing ``required`` field."""
    lookup = {}
    for canon, names in aliases.items():
        for n in names:
            lookup[norm(n)] = canon
    cols = {}
    for i, h in enumerate(header):
        canon = lookup.get(norm(h))
        if canon is None:
            continue
        if canon in cols:
            j = cols[canon]
            raise InputError(path, f"columns {header[j]!r} ({column_letter(j)}) and {h!r} "
                                   f"({column_letter(i)}) both read as {canon}; rename or "
                                   f"remove one", 1)
        cols[canon] = i
    missing = [c for c in required if c not in cols]
    if missing:
        raise InputError(path, f"missing column{'s' if len(missing) > 1 else ''} "
                         f"{', '.join(missing)} (found: {', '.join(map(str, header))})", 1)
    return cols


def fold(name: str) -> str:
    """A name as a near miss compares it: without case, spaces, underscores or hyphens."""
    return re.sub(r"[\s_\-]+", "", str(name)).casefold()


def key_text(p, value, what: str, row) -> str:
    """A key cell (asset, account, portfolio, contract) as text, stripped; a line break or
    a control character inside it is refused (a quote that ran over lines, or a pasted
    cell that is not a name)."""
    s = str(value if value is not None else "").strip()
    if any(ord(ch) < 32 or ch == "\x7f" for ch in s):
        raise InputError(p, f"{what} has a line break or a control character in it "
                            f"({s[:40]!r}); a {what} is one line of text", row)
    return s


def check_spellings(p, seen, what: str) -> None:
    """Refuse two spellings of one name (``seen``: ``(name, row)`` pairs in file order)
    that differ only in case, spaces, underscores or hyphens: hedgexl would keep them
    apart (two cross wallets, two portfolios), where the venue or the desk means one."""
    first: dict[str, tuple[str, int]] = {}
    for name, row in seen:
        k = fold(name)
        if k in first and first[k][0] != name:
            raise InputError(p, f"{what} {name!r} differs from {first[k][0]!r} (row "
                                f"{first[k][1]}) only in case or spacing; write one name the "
                                f"same way everywhere", row)
        first.setdefault(k, (name, row))
