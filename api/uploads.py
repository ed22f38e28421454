"""GraphQL multipart requests (file uploads, github.com/jaydenseric/graphql-multipart-request-spec) and the import
template downloads.

A multipart POST to /graphql carries ``operations`` (the usual JSON request), ``map`` (which file part goes to which
variable) and the file parts; starlette parses it with python-multipart, spooling files to disk past 1 MiB, and the
files land in the variables as ``UploadFile`` objects that strawberry's ``Upload`` scalar passes to the resolver.
Uploads have their own size cap (``YIBAO_UPLOAD_MAX_BYTES``) instead of the 64 KiB of a query body, and need a
Content-Length so the cap is checked before a byte is read. Bearer tokens, not cookies, authenticate requests here,
so a cross-site form post carries no credentials (the CSRF concern of the spec does not arise).
"""

from __future__ import annotations

import json
from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from domain.imports.template import XLSX_MEDIA_TYPE, template_csv, template_xlsx

MAX_FILES = 1


class UploadRefused(Exception):
    """The multipart request is malformed or too large: (HTTP status, Chinese message)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def is_multipart(request: Request) -> bool:
    return request.headers.get("content-type", "").startswith("multipart/form-data")


def _place(target: dict[str, Any], path: str, value: Any) -> None:
    """Put ``value`` at a dotted path such as ``variables.file`` or ``variables.files.0``."""
    parts = path.split(".")
    node: Any = target
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        key: Any = int(part) if isinstance(node, list) and part.isdigit() else part
        if isinstance(node, list) and not (isinstance(key, int) and key < len(node)):
            raise UploadRefused(400, f"map 中的路径 {path!r} 不指向 operations 里的变量。")
        if isinstance(node, dict) and key not in node and not last:
            raise UploadRefused(400, f"map 中的路径 {path!r} 不指向 operations 里的变量。")
        if last:
            node[key] = value
        else:
            node = node[key]


async def multipart_payload(request: Request, *, max_bytes: int) -> dict[str, Any]:
    """The GraphQL request of a multipart POST, its files placed in its variables; ``UploadRefused`` otherwise."""
    declared = request.headers.get("content-length")
    if not declared or not declared.isdigit():
        raise UploadRefused(411, "上传文件须带 Content-Length 请求头。")
    if int(declared) > max_bytes:
        raise UploadRefused(413, f"上传内容有 {int(declared):,} 字节，超过上限 {max_bytes:,} 字节；"
                                 "更大的文件请用 yibao import 命令导入。")
    try:
        form = await request.form(max_files=MAX_FILES, max_fields=2, max_part_size=1024 * 1024)
    except Exception as exc:  # python-multipart's and starlette's parse errors have no common base
        raise UploadRefused(400, f"无法解析 multipart 请求：{exc}") from exc
    try:
        operations = json.loads(str(form.get("operations") or ""))
        mapping = json.loads(str(form.get("map") or "{}"))
    except ValueError as exc:
        raise UploadRefused(400, "multipart 请求的 operations 和 map 须为 JSON。") from exc
    if not isinstance(operations, dict) or not isinstance(operations.get("query"), str):
        raise UploadRefused(400, "multipart 请求的 operations 须为含 query 的 JSON 对象（不支持批量请求）。")
    if not isinstance(mapping, dict):
        raise UploadRefused(400, "multipart 请求的 map 须为 JSON 对象。")
    operations.setdefault("variables", {})
    for name, paths in mapping.items():
        part = form.get(str(name))
        if not isinstance(part, UploadFile) or not isinstance(paths, list):
            raise UploadRefused(400, f"map 提到的文件部分 {name!r} 不存在。")
        for path in paths:
            _place(operations, str(path), part)
    return operations


def _download(data: bytes, media_type: str, name: str) -> Response:
    return Response(data, media_type=media_type, headers={"Content-Disposition": f'attachment; filename="{name}"'})


async def template_csv_endpoint(request: Request) -> Response:
    return _download(template_csv(), "text/csv; charset=utf-8", "import-template.csv")


async def template_xlsx_endpoint(request: Request) -> Response:
    return _download(template_xlsx(), XLSX_MEDIA_TYPE, "import-template.xlsx")


ROUTES = [
    Route("/import/template.csv", template_csv_endpoint, methods=["GET"]),
    Route("/import/template.xlsx", template_xlsx_endpoint, methods=["GET"]),
]
