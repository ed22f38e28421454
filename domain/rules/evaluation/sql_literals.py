"""SQL literals for values the rule set fixes: rule-set constants are inlined into generated SQL as literals.

The rule set is validated data, so its texts and numbers can be written into the statement; values that come
from a request (region, dates) stay parameters.
"""

from __future__ import annotations

from decimal import Decimal


def sql_text(text: str | None) -> str:
    """A SQL string literal (standard_conforming_strings: only quotes need doubling)."""
    return "NULL::text" if text is None else "'" + text.replace("'", "''") + "'"


def sql_numeric(value: Decimal) -> str:
    """A numeric literal written out in full (never float, never an exponent)."""
    return f"{format(value, 'f')}::numeric"
