"""Batch reports: fill the hedge workbook for one portfolio or thousands."""

from .batch import discover, format_summary, run_batch, write_summary
from .report import ReportOptions, ReportResult, make_report, report_file

__all__ = ["discover", "format_summary", "run_batch", "write_summary", "ReportOptions",
           "ReportResult", "make_report", "report_file"]
