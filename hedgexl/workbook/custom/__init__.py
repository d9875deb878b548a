"""A customised template: what a user added to hedgexl's template, carried into each report.

``hedgexl report --template FILE`` reads the user's copy of the template once
(:func:`read_template`) and every report written with it gets:

- every sheet the user added, with its cells (text, numbers, dates, booleans, formulas),
  cell styles (font, fill, borders, alignment, number format, protection), column widths,
  row heights, hidden rows/columns, merged cells, hyperlinks, comments, pictures (PNG, JPEG,
  GIF, BMP), frozen panes, zoom, gridlines, tab colour, hidden state, landscape and
  fit-to-page printing, print area; in the template's sheet order;
- on the Dashboard: the title in A1 (``{portfolio}`` and ``{date}`` are filled in), the
  cells the user added where hedgexl's layout has none, and pictures (a logo);
- the tab colour and hidden state of hedgexl's own sheets;
- workbook-level and sheet-level defined names the user added.

The user's formulas are computed for each report by pycel (:mod:`hedgexl.workbook.recalc`) on the finished
report, so a static report shows their values and a live one carries them as cached values.
hedgexl's own numbers still come from the vectorised core.

Not carried, each with a warning naming the sheet: charts, shapes and text boxes the user
drew, conditional formats, data validations on the user's sheets, and cells added to
hedgexl's sheets other than the Dashboard (those sheets are rewritten from each portfolio's
inputs).

Everything read here is plain data (picklable), so a batch reads the template once and hands
it to its worker processes. The template file is only read, never written.

The package splits the job: :mod:`.model` (what was read), :mod:`.read` (reading a
template), :mod:`.styles` (Excel's styles and colours as xlsxwriter's), :mod:`.evaluate`
(computing the user's formulas on a report) and :mod:`.write` (writing them into one).
"""

from .evaluate import evaluate
from .model import Cell, Customisation, Picture, Sheet, fill_title
from .read import MAX_TEMPLATE_CELLS, MAX_TEMPLATE_UNPACKED, read_template

__all__ = ["Customisation", "read_template", "evaluate", "fill_title", "Cell", "Picture",
           "Sheet", "MAX_TEMPLATE_CELLS", "MAX_TEMPLATE_UNPACKED"]
