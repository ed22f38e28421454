"""Decimals leave the API in one written form: at least two decimal places, never rounded."""

from __future__ import annotations

from decimal import Decimal

import pytest

from schema.root import build_schema, decimal_text


@pytest.mark.parametrize(("value", "text"), [
    (Decimal("70"), "70.00"), (Decimal("99.00"), "99.00"), (Decimal("-20"), "-20.00"), (Decimal("0"), "0.00"),
    (Decimal("87.345"), "87.345"), (Decimal("1E+2"), "100.00"), (Decimal("1E-7"), "0.0000001"),
    (Decimal("60000.5"), "60000.50"),
])
def test_a_decimal_is_written_with_at_least_two_places_and_never_rounded(value: Decimal, text: str) -> None:
    assert decimal_text(value) == text


def test_the_schema_writes_every_decimal_field_that_way() -> None:
    decimal_type = build_schema()._schema.type_map["Decimal"]
    assert decimal_type.serialize(Decimal("70")) == "70.00"  # type: ignore[attr-defined]
