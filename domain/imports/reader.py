"""Reading an import file: refuse what is not ours before reading it, then yield its rows one at a time.

CSV is read with the standard library's ``csv``; XLSX with openpyxl in read-only mode (maintained, the reader
Python's ecosystem uses for Excel files, and streaming: a sheet of a million rows is never held in memory).
GBK/GB18030 files are common (Excel on a Chinese Windows saves CSV that way): the encoding is detected (a UTF-8
byte-order mark, then strict UTF-8 over the first megabyte, then GB18030, a superset of GBK) and reported.
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

from domain.errors import InvalidInput
from domain.rules.import_layout import RowProblem, header_problem

DEFAULT_MAX_BYTES = 2 * 1024**3  # 2 GiB; YIBAO_IMPORT_MAX_BYTES
_SNIFF_BYTES = 1024 * 1024
_XLSX_MAGIC = b"PK\x03\x04"


class ImportFileRefused(InvalidInput):
    """The file as a whole cannot be imported (size, format, encoding, header, empty): nothing is written."""

    code = "IMPORT_FILE_REFUSED"

    def __init__(self, message: str, *, en: str, line: int = 0, column: int = 0) -> None:
        super().__init__(message, en=en, line=line, column=column)
        self.problem = RowProblem(line, column, message)


@dataclass
class OpenedFile:
    """What the reader found out about a file before its rows: its format and (CSV) its encoding."""

    format: str  # "csv" or "xlsx"
    encoding: str | None  # "utf-8", "utf-8-sig" or "gb18030" (CSV only)
    size: int


def check_size(size: int, *, max_bytes: int) -> None:
    """Refuse an empty file or one over the cap before a byte of it is read."""
    if size == 0:
        raise ImportFileRefused("文件是空的：没有表头，也没有记录。", en="The file is empty.")
    if size > max_bytes:
        raise ImportFileRefused(
            f"文件有 {size:,} 字节，超过导入上限 {max_bytes:,} 字节；请拆分成几个文件分别导入。",
            en=f"The file has {size:,} bytes, more than the import limit of {max_bytes:,}; split it.")


def _encoding(head: bytes) -> str:
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise ImportFileRefused("文件是 UTF-16 编码；请另存为 UTF-8（或 GBK）编码的 CSV。",
                                en="The file is UTF-16; save it as UTF-8 (or GBK) CSV.")
    if b"\x00" in head:
        raise ImportFileRefused("这不是 CSV 或 XLSX 文件（含有二进制内容）；请上传 .csv 或 .xlsx。",
                                en="This is neither CSV nor XLSX (it holds binary data).")
    for encoding in ("utf-8", "gb18030"):
        try:
            # a multi-byte character may be cut at the end of the sample: decode incrementally, not final
            codecs.getincrementaldecoder(encoding)().decode(head, final=False)
            return encoding
        except UnicodeDecodeError:
            continue
    raise ImportFileRefused("无法识别文件编码（既不是 UTF-8 也不是 GBK/GB18030）；请另存为 UTF-8 编码的 CSV。",
                            en="The file's encoding is neither UTF-8 nor GBK/GB18030.")


def open_rows(stream: IO[bytes], *, size: int, max_bytes: int) -> tuple[OpenedFile, Iterator[tuple[int, list[Any]]]]:
    """The file's format and an iterator of its data rows as (line, cells), the header already checked.

    Raises ``ImportFileRefused`` for a file too big, empty, of another format, badly encoded, or with the wrong
    header; a decoding error further in surfaces from the iterator the same way, naming the line.
    """
    check_size(size, max_bytes=max_bytes)
    head = stream.read(_SNIFF_BYTES)
    stream.seek(0)
    if head.startswith(_XLSX_MAGIC):
        return OpenedFile("xlsx", None, size), _xlsx_rows(stream)
    encoding = _encoding(head)
    return OpenedFile("csv", encoding, size), _csv_rows(stream, encoding)


def _data_rows(rows: Iterator[tuple[int, list[Any]]]) -> Iterator[tuple[int, list[Any]]]:
    """Skip blank rows, check the header, then yield the rest."""
    header_seen = False
    for line, cells in rows:
        if not any(c is not None and str(c).strip() for c in cells):
            continue
        if not header_seen:
            problem = header_problem(cells)
            if problem is not None:
                raise ImportFileRefused(problem.reason, en="The header row is not the import layout.",
                                        line=line, column=problem.column)
            header_seen = True
            continue
        yield line, cells
    if not header_seen:
        raise ImportFileRefused("文件里没有表头，也没有记录。", en="The file holds no header and no rows.")


def _csv_rows(stream: IO[bytes], encoding: str) -> Iterator[tuple[int, list[Any]]]:
    text = io.TextIOWrapper(stream, encoding=encoding, newline="", errors="strict")

    def numbered() -> Iterator[tuple[int, list[Any]]]:
        reader = csv.reader(text)
        try:
            for cells in reader:
                yield reader.line_num, list(cells)
        except UnicodeDecodeError as exc:
            raise ImportFileRefused(
                f"第 {reader.line_num + 1} 行附近的内容不是 {encoding} 编码（文件开头按 {encoding} 识别）；"
                "请整个文件使用同一种编码。", en=f"Content near line {reader.line_num + 1} is not {encoding}.",
                line=reader.line_num + 1) from exc
        except csv.Error as exc:
            raise ImportFileRefused(f"第 {reader.line_num} 行不是有效的 CSV：{exc}",
                                    en=f"Line {reader.line_num} is not valid CSV: {exc}",
                                    line=reader.line_num) from exc
        finally:
            # Give the caller's stream back undamaged; when the file was closed first (the generator is only
            # finalised later, say after a refused header), there is nothing left to detach.
            if not text.closed:
                text.detach()

    return _data_rows(numbered())


def _xlsx_rows(stream: IO[bytes]) -> Iterator[tuple[int, list[Any]]]:
    from openpyxl import load_workbook

    try:
        # read_only streams the sheet's XML; data_only takes a formula's cached value, never the formula
        book = load_workbook(stream, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise ImportFileRefused("这是一个压缩文件，但不是有效的 XLSX 工作簿；请上传 .csv 或 .xlsx。",
                                en="A zip file, but not a valid XLSX workbook.") from exc
    sheet = book.worksheets[0]

    def numbered() -> Iterator[tuple[int, list[Any]]]:
        try:
            for line, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
                yield line, list(cells)
        finally:
            book.close()

    return _data_rows(numbered())
