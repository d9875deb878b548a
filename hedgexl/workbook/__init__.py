"""Workbook building: the template and the reports share one layout (writer.py) and one set
of numbers computed by the core (model.py)."""

from .model import Numbers, Settings, WorkbookData, compute
from .writer import SHEETS, write_workbook

__all__ = ["Numbers", "Settings", "WorkbookData", "compute", "SHEETS", "write_workbook"]
