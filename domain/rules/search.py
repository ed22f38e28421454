"""信用查询: what a public search for an institution may be, and how it is read.

A search is either a unified social credit code (or the start of one: six or more code characters, digits
first) or part of an institution's name. It is normalized once here (NFKC, so full-width letters and spaces
become ordinary ones; whitespace removed, as Chinese names have none) and bounded: fewer than two characters
would match almost everything, and more than ``MAX_SEARCH_LENGTH`` is no name at all, so both are refused
before any SQL runs. SQL wildcards (``%``, ``_``) and the escape character are escaped for LIKE; the search
never reaches a regular expression, so regex metacharacters are plain characters that match nothing special.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from domain.errors import InvalidInput

MIN_SEARCH_LENGTH = 2
# The longest registered institution names are about 40 characters (e.g. a township health centre's
# branch with its county and city spelt out); 60 leaves room without letting a search cost more.
MAX_SEARCH_LENGTH = 60
# A code search needs enough characters to narrow a province's institutions to a page.
MIN_CODE_PREFIX = 6

_WHITESPACE = re.compile(r"\s+")
_CODE_CHARS = re.compile(r"[0-9A-HJ-NP-RTUW-Y]+")
_LIKE_SPECIAL = re.compile(r"([\\%_])")


@dataclass(frozen=True, slots=True)
class PublicSearch:
    """A checked search: the normalized text, whether it is read as a code, and its LIKE-escaped form."""

    text: str
    by_code: bool
    like: str  # ``text`` with \\, % and _ escaped for LIKE ... ESCAPE '\\'


def escape_like(text: str) -> str:
    """``text`` with LIKE's wildcards and its escape character escaped (for ``LIKE ... ESCAPE '\\'``)."""
    return _LIKE_SPECIAL.sub(r"\\\1", text)


def parse_public_search(search: str) -> PublicSearch:
    """Check and normalize a public search for an institution (by code or by part of its name)."""
    if len(search) > MAX_SEARCH_LENGTH * 4:
        # Refuse a huge input before normalizing it: the work must not grow with what a caller sends.
        raise InvalidInput(f"查询内容过长：最多{MAX_SEARCH_LENGTH}个字符。", field="search",
                           max_length=MAX_SEARCH_LENGTH)
    text = _WHITESPACE.sub("", unicodedata.normalize("NFKC", search))
    if len(text) < MIN_SEARCH_LENGTH:
        raise InvalidInput(f"请输入机构名称中的至少{MIN_SEARCH_LENGTH}个字，或统一社会信用代码。", field="search",
                           min_length=MIN_SEARCH_LENGTH)
    if len(text) > MAX_SEARCH_LENGTH:
        raise InvalidInput(f"查询内容过长：最多{MAX_SEARCH_LENGTH}个字符。", field="search",
                           max_length=MAX_SEARCH_LENGTH)
    upper = text.upper()
    by_code = (len(upper) >= MIN_CODE_PREFIX and len(upper) <= 18 and _CODE_CHARS.fullmatch(upper) is not None
               and upper[2:min(len(upper), 8)].isdigit())
    if by_code:
        text = upper
    return PublicSearch(text=text, by_code=by_code, like=escape_like(text))
