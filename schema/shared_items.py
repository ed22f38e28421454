"""What a federation client sees (001 art.33): published items of its configured region, each with the
public-plus fields its sharing agreement names."""

from __future__ import annotations

from decimal import Decimal

import strawberry

from domain.publication import PublicItem
from schema.public import PublicListItem, public_list_item_of
from schema.types import CountedPage


@strawberry.type(description="Public-plus fields a federation client's sharing agreement gives it about an "
                             "institution (001 art.33); each is null unless the agreement names it, and all are "
                             "null for individuals.")
class SharedDetails:
    title: str | None = strawberry.field(description="The record's title.")
    amount: Decimal | None = strawberry.field(description="The record's amount in yuan.")
    penalty: str | None = strawberry.field(description="The record's penalty wording.")
    score: Decimal | None = strawberry.field(description="The result's score.")


@strawberry.type(description="A published item as a federation client sees it.")
class SharedItem:
    item: PublicListItem
    shared: SharedDetails


@strawberry.type
class SharedItemEdge:
    cursor: str
    node: SharedItem


@strawberry.type(description="A federation client's page of published items in its configured region.")
class SharedItemConnection(CountedPage):
    edges: list[SharedItemEdge]


def _decimal(value: object) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def shared_item_of(item: PublicItem) -> SharedItem:
    s = item.shared
    return SharedItem(item=public_list_item_of(item), shared=SharedDetails(
        title=s.get("title"), amount=_decimal(s.get("amount")), penalty=s.get("penalty"),
        score=_decimal(s.get("score"))))
