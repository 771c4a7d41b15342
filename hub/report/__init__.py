"""Reports a county can act on: the verdicts of a file or a batch, summarised by rule and field,
with every row's problems beside its own columns, Chinese first.

- :mod:`hub.report.lang`: which language human output speaks;
- :mod:`hub.report.model`: rows, findings, the summary, masking of personal data (pure);
- :mod:`hub.report.collect`: rows from a validation or from a stored batch;
- :mod:`hub.report.writers`: ``.xlsx``, ``.csv``, ``.html``;
- :mod:`hub.report.text`: the summary on a terminal.
"""

from hub.report.lang import Lang, pick, resolve_lang
from hub.report.model import Finding, Report, ReportBuilder, ReportRow, SummaryLine
from hub.report.text import summary_lines
from hub.report.writers import ReportFormatError, write_report

__all__ = [
    "Finding",
    "Lang",
    "Report",
    "ReportBuilder",
    "ReportFormatError",
    "ReportRow",
    "SummaryLine",
    "pick",
    "resolve_lang",
    "summary_lines",
    "write_report",
]
