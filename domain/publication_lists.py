"""Dashboards over publication (信息公开): a bureau's publications and a subject's notifications as pages with
totals and orders. Read functions only, kept apart from the publication service's write paths."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from domain.access import Access, PrincipalKind
from domain.errors import Forbidden
from domain.notifications import NotificationView
from domain.paging import Page, SortKey
from domain.publication_views import PUBLICATION_COLUMNS, PublicationStatus, PublicationView
from domain.rules.catalog import RecordKind
from domain.session import Session

PUBLICATION_ORDERS: dict[str, SortKey] = {
    "PREPARED_AT_DESC": SortKey("PREPARED_AT_DESC", "p.prepared_at", descending=True, id_expression="p.id",
                                cast="timestamptz"),
    # Not yet published or long-term items sort as the oldest / the latest to leave.
    "PUBLISHED_AT_DESC": SortKey("PUBLISHED_AT_DESC", "coalesce(p.published_at, TIMESTAMPTZ '1970-01-01Z')",
                                 descending=True, id_expression="p.id", cast="timestamptz"),
    "PUBLIC_UNTIL_ASC": SortKey("PUBLIC_UNTIL_ASC", "coalesce(p.public_until, TIMESTAMPTZ '9999-01-01Z')",
                                id_expression="p.id", cast="timestamptz"),
}


@dataclass(frozen=True)
class PublicationFilter:
    status: PublicationStatus | None = None
    subject_id: uuid.UUID | None = None
    record_kind: RecordKind | None = None


def _publication_scope(access: Access, flt: PublicationFilter) -> tuple[str, list[Any]]:
    # publication_region_idx (region_code, status, prepared_at DESC) serves the default order.
    scope = access.region_scope("publication")
    clauses, args = [scope.clause("p.region_code", 1)], [scope.argument]
    if flt.status:
        args.append(str(flt.status))
        clauses.append(f"p.status = ${len(args)}")
    if flt.subject_id:
        args.append(flt.subject_id)
        clauses.append(f"p.subject_id = ${len(args)}")
    if flt.record_kind:
        args.append(str(flt.record_kind))
        clauses.append(f"p.item_type = 'record' AND p.kind = ${len(args)}")
    return " AND ".join(clauses), args


async def publications_page(
    *, session: Session, access: Access, flt: PublicationFilter, first: int, after: str | None, order: SortKey
) -> Page[PublicationView]:
    """Publications in the principal's subtree, a page at a time, newest prepared first unless told."""
    where, args = _publication_scope(access, flt)
    keyset, keyset_args = order.after(after, first_param=len(args) + 1)
    args += [*keyset_args, first + 1]
    rows = await session.fetch(
        f"""SELECT {PUBLICATION_COLUMNS}, {order.expression} AS sort_value FROM publication p
            WHERE {where} {keyset} ORDER BY {order.order_by} LIMIT ${len(args)}""", *args)
    items = [PublicationView.from_record(r) for r in rows]
    return Page.from_rows(items, [order.cursor(r["sort_value"], r["id"]) for r in rows], first)


async def count_publications(*, session: Session, access: Access, flt: PublicationFilter) -> int:
    """How many publications match ``flt`` in the principal's subtree."""
    where, args = _publication_scope(access, flt)
    return int(await session.fetchval(f"SELECT count(*) FROM publication p WHERE {where}", *args))


NOTIFICATION_ORDERS: dict[str, SortKey] = {
    "CREATED_AT_DESC": SortKey("CREATED_AT_DESC", "created_at", descending=True, cast="timestamptz",
                               id_cast="bigint"),
    "CREATED_AT_ASC": SortKey("CREATED_AT_ASC", "created_at", cast="timestamptz", id_cast="bigint"),
}


def _own_subject(access: Access) -> uuid.UUID:
    p = access.principal
    if p.kind is not PrincipalKind.SUBJECT:
        raise Forbidden("通知只能由收件的信用主体本人查看。",
                        en="Notifications are read by the subject they are addressed to.", resource="notification")
    access.require("notification", "read", subject_id=p.id)
    return uuid.UUID(p.id)


async def notifications_page(
    *, session: Session, access: Access, first: int, after: str | None, order: SortKey
) -> Page[NotificationView]:
    """A subject's own notifications, a page at a time (notification_subject_idx: subject, created_at)."""
    subject_id = _own_subject(access)
    keyset, args = order.after(after, first_param=2)
    rows = await session.fetch(
        f"""SELECT id, kind, message, publication_id, created_at, {order.expression} AS sort_value
            FROM notification WHERE subject_id = $1 {keyset} ORDER BY {order.order_by} LIMIT ${len(args) + 2}""",
        subject_id, *args, first + 1)
    items = [NotificationView(**{k: v for k, v in dict(r).items() if k != "sort_value"}) for r in rows]
    return Page.from_rows(items, [order.cursor(r["sort_value"], r["id"]) for r in rows], first)


async def count_notifications(*, session: Session, access: Access) -> int:
    """How many notifications the subject has."""
    subject_id = _own_subject(access)
    return int(await session.fetchval("SELECT count(*) FROM notification WHERE subject_id = $1", subject_id))
