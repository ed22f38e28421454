"""The rejection report of an import (导入校验报告) as a CSV file a person opens in Excel: line, column, reason."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from domain.rules.import_layout import RowProblem

REPORT_HEADER = ("行号", "列号", "列名", "原因")


def report_rows(problems: Iterable[RowProblem]) -> list[tuple[str, str, str, str]]:
    """The report's rows: line, column (blank for the row as a whole), column heading, reason."""
    return [(str(p.line), str(p.column) if p.column else "", p.column_name, p.reason) for p in problems]


def report_csv(problems: Iterable[RowProblem]) -> str:
    """The report as CSV text, with a byte-order mark so Excel opens the Chinese as UTF-8."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(REPORT_HEADER)
    writer.writerows(report_rows(problems))
    return out.getvalue()
