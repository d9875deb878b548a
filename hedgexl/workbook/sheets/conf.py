"""xlwings.conf: tells xlwings which module holds the HEDGE_* functions (live workbooks)."""

from .context import Context


def write(c: Context, ws) -> None:
    ws.write_row("A1", ["UDF Modules", "hedgexl.udfs"])
    ws.set_column("A:B", 20)
