"""Red and black list types (红黑名单): one entry with its reasons and subject, and a page of entries."""

from __future__ import annotations

import strawberry

from domain.evaluation import ListEntry
from schema.enums import Grade, ListKind, ListReason, RecordKind
from schema.types import CountedPage, Region, SubjectType, region_of


@strawberry.type(description="红黑名单: a subject on the red or black list, with the reasons.")
class CreditListEntry:
    subject_id: strawberry.ID
    region: Region
    grade: Grade | None
    list_kind: str = strawberry.field(deprecation_reason="Use kind (an enum with Chinese labels).")
    reasons: list[str] = strawberry.field(deprecation_reason="Use reasonCodes (enums with Chinese labels).")
    serious_dishonesty_kinds: list[str] = strawberry.field(deprecation_reason="Use seriousDishonestyRecordKinds.")
    kind: ListKind = strawberry.field(description="The red or the black list.")
    reason_codes: list[ListReason]
    serious_dishonesty_record_kinds: list[RecordKind]
    subject: SubjectType | None = strawberry.field(description="The listed subject (loaded with the list itself).")

    @classmethod
    def of(cls, e: ListEntry) -> CreditListEntry:
        m = e.membership
        return cls(subject_id=strawberry.ID(str(e.subject_id)), region=region_of(e.region_code), grade=e.grade,
                   list_kind=str(m.list_kind), reasons=[str(r) for r in m.reasons],
                   serious_dishonesty_kinds=[str(k) for k in m.serious_dishonesty_kinds], kind=m.list_kind,
                   reason_codes=list(m.reasons), serious_dishonesty_record_kinds=list(m.serious_dishonesty_kinds),
                   subject=SubjectType.of(e.subject) if e.subject else None)


@strawberry.type
class CreditListEdge:
    cursor: str
    node: CreditListEntry


@strawberry.type(description="A page of the red and black lists; totalCount counts the whole (filtered) list.")
class CreditListConnection(CountedPage):
    edges: list[CreditListEdge]
