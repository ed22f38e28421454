"""Import files for tests: rows in the documented layout, written as CSV (any encoding) or XLSX."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path

from domain.rules.import_layout import KEYS


def row(source_id: str, code: str, *, kind: str = "recovered_funds", title: str = "追回违规使用医保基金",
        facts: str = "串换药品收费", amount: str = "60000.00", occurred_on: str = "2025-04-02",
        decided_on: str = "", legal_basis: str = "《医疗保障基金使用监督管理条例》第三十八条",
        penalty: str = "") -> list[str]:
    """One data row in the layout's column order."""
    return [source_id, code, kind, title, facts, amount, occurred_on, decided_on, legal_basis, penalty]


def csv_bytes(rows: Sequence[Sequence[object]], *, header: Sequence[str] = KEYS, encoding: str = "utf-8") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def xlsx_bytes(rows: Sequence[Sequence[object]], *, header: Sequence[str] = KEYS) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(list(header))
    for r in rows:
        sheet.append(list(r))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path
