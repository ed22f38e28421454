"""信用信息自查 (001 art.25): a subject's whole archive (records, results, publications, objections and
repairs) and what of it is public now."""

from __future__ import annotations

import strawberry

from domain import self_service
from schema.context import Context
from schema.credit_results import CreditResult
from schema.objections import ObjectionType
from schema.publications import PublicationType
from schema.repairs import RepairType
from schema.types import CreditRecordType, SubjectType

Info = strawberry.Info[Context, None]


@strawberry.type(description="信用信息自查 (001 art.25): a subject's whole archive, and what is public now.")
class MyArchive:
    data: strawberry.Private[self_service.SubjectArchive]

    @strawberry.field
    def subject(self) -> SubjectType:
        return SubjectType.of(self.data.subject)

    @strawberry.field(description="Every record, with versions and history (fields of CreditRecord).")
    def records(self) -> list[CreditRecordType]:
        return [CreditRecordType.of(v) for v in self.data.records]

    @strawberry.field(description="Every evaluation result, superseded ones included, with lines and measures.")
    def results(self) -> list[CreditResult]:
        return [CreditResult(result=r) for r in self.data.results]

    @strawberry.field(description="Every publication (prepared, published, withdrawn), with publicUntil.")
    def publications(self) -> list[PublicationType]:
        return [PublicationType(view=v) for v in self.data.publications]

    @strawberry.field(description="The publications the public sees at this instant.")
    def public_now(self) -> list[PublicationType]:
        return [PublicationType(view=v) for v in self.data.publications if v.id in self.data.public_now]

    @strawberry.field
    def objections(self) -> list[ObjectionType]:
        return [ObjectionType(view=v) for v in self.data.objections]

    @strawberry.field
    def repairs(self) -> list[RepairType]:
        return [RepairType(view=v) for v in self.data.repairs]


@strawberry.type
class MyArchiveQuery:
    @strawberry.field(description="信用信息自查: your whole archive (subjects only).")
    async def my_archive(self, info: Info) -> MyArchive:
        ctx = info.context
        return MyArchive(data=await self_service.my_archive(session=await ctx.session(), access=ctx.access))
