"""Reading a user's table (a CSV, or one sheet of an .xlsx) without trusting it.

A CSV's column separator and decimal mark are read from the whole file; where they stay
ambiguous the file is refused with the option to set (``--decimal``, ``--delimiter``). A
quote left open, which would swallow the rows after it, is refused where it opened; numbers
follow one strict grammar (:mod:`hedgexl.core.numbers`). A workbook is checked before
anything is unpacked and its sheet is chosen as :mod:`hedgexl.inputs.xlsx` says; at most
:data:`EXCEL_MAX_ROWS` rows are read. Key cells (asset, account, portfolio, contract) are
one line of text, and two spellings of one name are refused (:func:`check_spellings`).

Every refusal is an :class:`InputError`: one line with the file, the row and the reason.
"""

from __future__ import annotations

import csv
import functools
import gc
import io
import math
import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from ..core.numbers import is_ratio_name, parse_number
from .base import (DECIMAL_MARKS, DELIMITERS, EXCEL_MAX_COLUMNS, EXCEL_MAX_ROWS,
                   MAX_COLUMNS_READ, MAX_INPUT_BYTES, MAX_UNPACKED_BYTES, OLE_MAGIC, InputError,
                   check_dimension, check_workbook, declared_dimension, human, open_workbook,
                   unreadable, xml_refusal)
from .xlsx import ERRORS, read_sheet

__all__ = ["InputError", "Table", "read_table", "check_workbook", "MAX_INPUT_BYTES",
           "MAX_UNPACKED_BYTES", "EXCEL_MAX_ROWS", "EXCEL_MAX_COLUMNS", "MAX_COLUMNS_READ",
           "DECIMAL_MARKS", "DELIMITERS", "fold", "key_text", "check_spellings", "human",
           "gc_paused", "paused_gc", "unread_columns", "near_miss", "listed", "CONTROL", "open_workbook", "unreadable", "xml_refusal", "check_dimension",
           "declared_dimension"]

def _kind(c) -> str:
    """A cell as :meth:`Table.numbers` scans it: its text, "" when blank, "\\x00" for a
    number the reader already gave, "?" for anything else (a date, a bool)."""
    if isinstance(c, str):
        return c
    if c is None:
        return ""
    return "\x00" if isinstance(c, (int, float)) and not isinstance(c, bool) else "?"


@dataclass
class Table:
    """A file's rows (header first, as lists of cells) and how to read its numbers."""

    path: Path
    rows: list
    decimal: str = "."
    warnings: list = field(default_factory=list)  # what the reader must also be told

    def numbers(self, i, what):
        """Column ``i`` under the header as floats (NaN where blank), read in one pass
        when every cell is a plain number in this file's grammar or blank; None otherwise:
        then the caller reads cell by cell with :meth:`number`, which names the bad one."""
        n = len(self.rows) - 1
        if i is None:
            return [math.nan] * n
        cells = [r[i] if i < len(r) else None for r in self.rows[1:]]
        text = [_kind(c) for c in cells]
        pct = is_ratio_name(what)
        grammar = _PERCENT_COLUMN if pct else _PLAIN_COLUMN
        if self.decimal != "." or any("\n" in t or "\r" in t for t in text) \
                or grammar.search("\n".join(text)):
            return None
        out = [float(c) if t == "\x00" else _plain(t, pct) for c, t in zip(cells, text)]
        if any(math.isinf(x) for x in out):
            return None
        return out

    def check(self, column, x: float, row, shown=None, unit=None) -> float:
        """``x`` when the declared ``column`` (:mod:`hedgexl.inputs.schema`) allows it, else
        the InputError that names the row, the column, its rule and the value."""
        why = column.check(x, shown, unit)
        if why is not None:
            raise InputError(self.path, why, row)
        return x

    def number(self, value, what, row, percent=None):
        """``value`` as a float (NaN when blank), or an InputError naming the row;
        ``percent`` as :func:`hedgexl.core.numbers.parse_number` takes it."""
        try:
            return parse_number(value, what=what, decimal=self.decimal, percent=percent)
        except ValueError as e:
            raise InputError(self.path, str(e), row) from None


#: A column of plain numbers (or blanks, or number cells marked NUL, which no CSV or
#: workbook text holds), one per line; and
#: the same with a % after a number, for rates and ratios.
_NUM = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
#: (Searched for a line that is NOT such a cell: a pattern repeated over a million lines
#: would keep a million backtracking states.)
_PLAIN_COLUMN = re.compile(rf"^(?![ \t]*(?:{_NUM}|\x00)?[ \t]*$)", re.M)
_PERCENT_COLUMN = re.compile(rf"^(?![ \t]*(?:{_NUM}(?:[ \t]*%)?|\x00)?[ \t]*$)", re.M)


def _plain(t: str, pct: bool) -> float:
    t = t.strip()
    if not t:
        return math.nan
    if pct and t.endswith("%"):
        return float(t[:-1]) / 100
    return float(t)


@contextmanager
def paused_gc():
    """Python's cyclic garbage collector paused while the block runs, then as it was: reading
    a million rows, or writing a workbook of them, makes millions of small objects, none in
    a cycle, and the collector's passes over them cost more than the work (three times a
    parse; a fifth of a 100,000-holding report). The setting is the process's: a thread
    running beside it collects nothing meanwhile."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def gc_paused(fn):
    """``fn`` run under :func:`paused_gc`."""
    @functools.wraps(fn)
    def run(*args, **kwargs):
        with paused_gc():
            return fn(*args, **kwargs)
    return run


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


@gc_paused
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
    text = sep = None
    if p.suffix.lower() in (".xlsx", ".xlsm"):
        rows, warnings = read_sheet(p, kind=kind, strict_cells=strict_cells,
                                    max_columns=MAX_COLUMNS_READ)
    else:
        text = _csv_text(p)
        rows, sep = _csv_rows(p, text, delimiter)
    while rows and _blank(rows[-1]):  # blank rows at the end; numbering of the rest kept
        rows.pop()
    if not rows:
        raise InputError(p, "the file is empty")
    if len(rows) > EXCEL_MAX_ROWS:
        raise InputError(p, f"the file has over {EXCEL_MAX_ROWS:,} rows, more than an Excel "
                            "sheet holds; split it into smaller files")
    return Table(p, rows, decimal or _decimal_mark(p, rows, (text, sep)), warnings)


def _blank(row) -> bool:
    return all(c is None or str(c).strip() == "" for c in row)


# ---------------------------------------------------------------------------------------
# CSV: separator and decimal mark from the whole file
# ---------------------------------------------------------------------------------------
def _csv_text(p: Path) -> str:
    data = p.read_bytes()
    if data.startswith(OLE_MAGIC):
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
    try:
        rows = list(reader)
        if reader.line_num == len(rows):  # one line a record: no quoted field ran across
            _check_last_closed(p, text, delimiter, len(rows))  # lines, but the last's
            return rows
    except csv.Error:
        pass
    # a field ran across lines (or the csv module refused one): again, record by record
    _check_closed(p, text, delimiter)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter,
                        skipinitialspace=True)
    rows = []
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


def _check_closed(p: Path, text: str, delimiter: str) -> None:
    """Refuse a quote that is still open where the file ends (it swallowed every row after
    it), with the row and line where its record began."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter,
                        skipinitialspace=True, strict=True)
    records, line = 0, 1
    try:
        for _ in reader:
            records += 1
            line = reader.line_num + 1
    except csv.Error as e:
        if "end of data" in str(e):
            raise InputError(p, f"a quote (\") opened on line {line} is never closed: it "
                                f"swallows every row after it; close it or remove it",
                             records + 1) from None
        # text after a closing quote (strict's other complaint) is kept, as before


def _check_last_closed(p: Path, text: str, delimiter: str, records: int) -> None:
    """Refuse a quote opened on the last line and never closed (the csv module ends such a
    field at the end of the file, and a cut-off file would pass for a whole one). Lines end
    in LF, CRLF or CR."""
    end = len(text)
    while end and text[end - 1] in "\r\n":
        end -= 1
    start = max(text.rfind("\n", 0, end), text.rfind("\r", 0, end)) + 1
    last = text[start:end]
    if '"' not in last:
        return
    try:
        list(csv.reader([last], delimiter=delimiter, skipinitialspace=True, strict=True))
    except csv.Error as e:
        if "end of data" in str(e):
            line = text.count("\n", 0, start) + (text.count("\r", 0, start)
                                                  if "\n" not in text else 0) + 1
            raise InputError(p, f"a quote (\") opened on line {line} is never closed: the "
                                "file ends inside it (cut off?); close it or remove it",
                             records) from None


def _check_multiline(p: Path, rec, rowno: int, line: int, delimiter: str, width: int):
    for i, value in enumerate(rec):
        inner = value.splitlines()
        if len(inner) < 2:
            continue
        least = max(1, min(2, width - 1))  # a swallowed row has a separator or two
        rowlike = [x for x in inner[1:] if x.count(delimiter) >= least]
        if rowlike:
            raise InputError(p, f"a quoted field opened on line {line} (column "
                                f"{column_letter(i)}) runs over {len(inner) - 1} more "
                                f"line(s) that read as rows, such as {rowlike[0][:40]!r}: a "
                                f"quote (\") is not closed; close it or remove it", rowno)


def _csv_rows(p: Path, text: str, delimiter: str | None) -> tuple[list[list[str]], str]:
    """The records and the column separator they were split at."""
    if delimiter is not None:
        if delimiter not in DELIMITERS:
            raise ValueError("--delimiter must be one of "
                             + ", ".join(repr(d) for d in DELIMITERS) + f" (got {delimiter!r})")
        return _split_at(p, text, delimiter), delimiter
    first = next((ln for ln in io.StringIO(text, newline="") if ln.strip()),
                 "").rstrip("\r\n")
    heads = {d: next(csv.reader([first], delimiter=d, skipinitialspace=True), [])
             for d in DELIMITERS}
    candidates = [d for d, h in heads.items() if len(h) > 1]
    if not candidates:
        return _parse_csv(p, text, ","), ","  # one column: the header check says what is missing
    if len(candidates) == 1:
        return _split_at(p, text, candidates[0]), candidates[0]
    return _one_separator(p, text, candidates, heads)


def _split_at(p: Path, text: str, delimiter: str) -> list[list[str]]:
    rows = _parse_csv(p, text, delimiter)
    _check_widths(p, rows, delimiter)
    return rows


def _one_separator(p: Path, text: str, candidates, heads) -> tuple[list[list[str]], str]:
    """Of several separators that split the header, the one every row agrees with (the
    one that reads the most rows, when a quote swallows the rest under another); refused
    when it stays ambiguous."""
    fits, errors = {}, []
    for d in candidates:
        try:
            rows = _parse_csv(p, text, d)
        except InputError as e:
            errors.append(e)
            continue
        if all(len(r) == len(heads[d]) or _blank(r) for r in rows):
            fits[d] = rows
    if len(fits) > 1:  # a quote can swallow the rest of the file under the wrong separator
        most = max(len(r) for r in fits.values())
        fits = {d: r for d, r in fits.items() if len(r) == most}
    if len(fits) == 1:
        return next(iter(fits.values())), next(iter(fits))
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


def _decimal_mark(p: Path, rows, csv_text=(None, None)) -> str:
    """The decimal mark the file's numbers use, from every text cell under the header
    (``csv_text``: a CSV's text and separator, which settle cheaply that no cell holds a
    mark)."""
    first = {}
    ambiguous = None
    for rowno, row in enumerate(rows[1:], start=2):
        for c in row:
            if not isinstance(c, str) or ("." not in c and "," not in c):
                continue
            v = _vote(c)
            if v == "?":
                ambiguous = ambiguous or (rowno, c)
            elif v is not None and v not in first:
                first[v] = (rowno, c)
                if len(first) == 2:
                    _mixed(p, first)
                if not _other_mark_later(rows, rowno, v, *csv_text):
                    return v  # no cell below holds the other mark: nothing can clash
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


def _other_mark_later(rows, rowno: int, mark: str, text=None, sep=None) -> bool:
    """Whether any cell from row ``rowno`` on holds the mark other than ``mark`` (one join,
    in C, instead of a vote per cell); if none does, no later vote can differ. Of a CSV the
    text says it at once: a mark that is not in it, or that is its separator where no field
    is quoted, is in no cell."""
    import itertools
    other = "," if mark == "." else "."
    if text is not None and (other not in text or other == sep and '"' not in text):
        return False
    cells = itertools.chain.from_iterable(rows[rowno - 1:])  # this row's later cells too
    return other in "\x1f".join(c for c in cells if isinstance(c, str))


def _mixed(p: Path, first) -> None:
    (r1, c1), (r2, c2) = first["."], first[","]
    raise InputError(p, f"mixes decimal marks: {c1.strip()!r} (row {r1}) and {c2.strip()!r} "
                        f"(row {r2}); set the one the file uses with --decimal . or --decimal ,")


def norm(h) -> str:
    return re.sub(r"[\s_\-]+", " ", str(h or "").strip().lower())


def column_letter(i: int) -> str:
    """The spreadsheet letter of 0-based column ``i`` (openpyxl's, imported when needed)."""
    from openpyxl.utils import get_column_letter
    return get_column_letter(i + 1)


def unread_columns(table: Table, cols: dict, kind: str) -> None:
    """Say, in ``table.warnings``, each named column hedgexl does not read (``Hedge Ratio
    (%)`` is none of hedge_ratio's names: its values would be silently left out)."""
    used = set(cols.values())
    for i, h in enumerate(table.rows[0]):
        name = str(h if h is not None else "").strip()
        if name and i not in used:
            table.warnings.append(f"{table.path.name}: column {name!r} ({column_letter(i)}) "
                                  f"is not read: it is none of the {kind} columns hedgexl "
                                  f"knows (docs/inputs.md)")


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


#: Characters no key cell holds (a line break, a tab, other controls).
CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_ERRORS = {e.upper() for e in ERRORS}


def near_miss(name: str, names) -> str | None:
    """The first of ``names`` that differs from ``name`` only in case or spacing (never
    matched: said, so that the user writes it exactly), else None.

    >>> near_miss("fund b", ["Fund A", "Fund B"]), near_miss("Fund C", ["Fund A"])
    ('Fund B', None)
    """
    k = fold(name)
    return next((n for n in names if n != name and fold(n) == k), None)


def listed(names, most: int = 5) -> str:
    """``'A', 'B' and 3 more``: names for a message.

    >>> listed(["A", "B", "C"], most=2)
    "'A', 'B' and 1 more"
    """
    names = list(names)
    shown = ", ".join(repr(n) for n in names[:most])
    return shown + (f" and {len(names) - most} more" if len(names) > most else "")


def key_text(p, value, what: str, row) -> str:
    """A key cell (asset, account, portfolio, contract) as text, stripped; a line break or
    a control character inside it is refused (a quote that ran over lines, or a pasted
    cell that is not a name)."""
    s = str(value if value is not None else "").strip()
    if s.startswith("#") and s.upper() in _ERRORS:
        raise InputError(p, f"{what} is an Excel error value ({s}), not a name", row)
    if CONTROL.search(s):
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
