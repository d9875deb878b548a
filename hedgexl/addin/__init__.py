"""The add-in: installing the HEDGE_* functions into desktop Excel (xlwings) and xlwings Lite,
and writing their reference (docs/functions.md)."""
