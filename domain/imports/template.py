"""The import template (导入模板): the layout's header and one example row, as CSV and as XLSX."""

from __future__ import annotations

import csv
import io

from domain.rules.import_layout import COLUMNS, HEADINGS, KEYS

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def template_csv() -> bytes:
    """The CSV template: English keys as the header (Chinese headings are accepted too), one example row."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(KEYS)
    writer.writerow([c.example for c in COLUMNS])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def template_xlsx() -> bytes:
    """The XLSX template: Chinese headings, one example row, every column formatted as text (so amounts and codes
    stay exact), and a second sheet explaining each column."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "导入"
    sheet.append(list(HEADINGS))
    sheet.append([c.example for c in COLUMNS])
    for index, column in enumerate(COLUMNS, start=1):
        letter = sheet.cell(row=1, column=index).column_letter
        sheet.column_dimensions[letter].width = max(14, len(column.heading) * 3)
        for row in range(1, 3):
            sheet.cell(row=row, column=index).number_format = "@"
    guide = book.create_sheet("说明")
    guide.append(["列", "英文表头", "必填", "说明", "示例"])
    for column in COLUMNS:
        guide.append([column.heading, column.key, "是" if column.required else "否", column.meaning, column.example])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
