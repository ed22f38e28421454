"""The official layout (公文格式, after GB/T 9704 in spirit): a red issuing-body header over a red rule, the document
number, a centred title, the addressee, labelled fields, the body, and the issuing body and date at the foot.

fpdf2 draws it: pure Python (no system libraries), and it embeds only the glyphs a document uses from the
shipped TrueType font, so every PDF is self-contained and Chinese renders where no CJK font is installed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace

FONT_FILE = Path(__file__).resolve().parent / "fonts" / "wqy-microhei-gb2312.ttf"
FONT = "wqy"
RED = (200, 16, 16)
MEDIA_TYPE = "application/pdf"
LABEL_WIDTH = 46  # mm: fits the longest label, 统一社会信用代码：


def chinese_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


@dataclass(frozen=True)
class Table:
    """A captioned table; ``widths`` are relative column widths (equal when omitted)."""

    caption: str
    header: Sequence[str]
    rows: Sequence[Sequence[str]]
    widths: Sequence[int] | None = None


@dataclass(frozen=True)
class OfficialDocument:
    """What one document says; ``render`` draws it."""

    issuer: str  # the red header: who issues (or, for an application, who it is addressed to)
    number: str  # 文号 / 编号
    title: str
    dated: date
    addressee: str | None = None
    fields: Sequence[tuple[str, str]] = ()
    paragraphs: Sequence[str] = ()
    signature: str = ""  # the issuing body (or applicant) at the foot
    footnote: str | None = None
    tables: Sequence[Table] = field(default_factory=tuple)


def _pdf() -> FPDF:
    pdf = FPDF(format="A4")
    pdf.set_margins(left=26, top=30, right=26)
    pdf.set_auto_page_break(auto=True, margin=25)
    pdf.add_font(FONT, fname=str(FONT_FILE))
    pdf.add_page()
    return pdf


def render(doc: OfficialDocument) -> bytes:
    """The document as PDF bytes."""
    pdf = _pdf()
    pdf.set_title(doc.title)
    pdf.set_creator("yibao-credit")
    width = pdf.w - pdf.l_margin - pdf.r_margin
    # 版头: the issuing body in red, a red rule, the number
    pdf.set_text_color(*RED)
    pdf.set_font(FONT, size=22)
    pdf.cell(width, 14, doc.issuer, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(0, 0, 0)
    pdf.set_font(FONT, size=11)
    pdf.cell(width, 8, doc.number, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_draw_color(*RED)
    pdf.set_line_width(0.8)
    pdf.line(pdf.l_margin, pdf.get_y() + 1, pdf.l_margin + width, pdf.get_y() + 1)
    pdf.set_draw_color(0, 0, 0)
    pdf.set_line_width(0.2)
    pdf.ln(8)
    # 标题
    pdf.set_font(FONT, size=18)
    pdf.multi_cell(width, 10, doc.title, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(4)
    pdf.set_font(FONT, size=12)
    if doc.addressee:
        pdf.multi_cell(width, 8, f"{doc.addressee}：", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    for label, value in doc.fields:
        pdf.set_font(FONT, size=12)
        pdf.cell(LABEL_WIDTH, 8, f"{label}：")
        pdf.multi_cell(width - LABEL_WIDTH, 8, value or "—", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if doc.fields:
        pdf.ln(3)
    for text in doc.paragraphs:
        pdf.multi_cell(width, 8, "　　" + text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(1)
    for table in doc.tables:
        _table(pdf, width, table)
    # 落款: the issuing body and the date, right-aligned
    pdf.ln(10)
    if doc.signature:
        pdf.cell(width, 8, doc.signature, align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.cell(width, 8, chinese_date(doc.dated), align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if doc.footnote:
        pdf.ln(6)
        pdf.set_font(FONT, size=9)
        pdf.set_text_color(90, 90, 90)
        pdf.multi_cell(width, 5, doc.footnote, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    return bytes(pdf.output())


def _table(pdf: FPDF, width: float, t: Table) -> None:
    pdf.ln(2)
    pdf.set_font(FONT, size=13)
    pdf.cell(width, 9, t.caption, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, size=10)
    if not t.rows:
        pdf.cell(width, 7, "（无）", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        return
    # one weight only (the font has no bold): headings are set apart by a grey fill instead
    headings = FontFace(emphasis="", fill_color=(230, 230, 230))
    with pdf.table(text_align="LEFT", line_height=6, first_row_as_headings=True, headings_style=headings,
                   col_widths=tuple(t.widths) if t.widths else None) as table:
        head = table.row()
        for h in t.header:
            head.cell(h)
        for r in t.rows:
            row = table.row()
            for value in r:
                row.cell(value)
