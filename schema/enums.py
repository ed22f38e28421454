"""GraphQL enums, taken from the domain vocabulary so the two cannot drift."""

from __future__ import annotations

import strawberry

from domain.access import OfficerRole as _OfficerRole
from domain.access import PrincipalKind as _PrincipalKind
from domain.rules.catalog import Grade as _Grade
from domain.rules.catalog import RecordCategory as _RecordCategory
from domain.rules.catalog import RecordKind as _RecordKind
from domain.rules.catalog import ServiceScope as _ServiceScope
from domain.rules.catalog import SubjectClass as _SubjectClass
from domain.rules.catalog import SubjectKind as _SubjectKind
from domain.rules.workflow import RecordAction as _RecordAction
from domain.rules.workflow import RecordState as _RecordState
from tenants import RegionLevel as _RegionLevel

SubjectKind = strawberry.enum(_SubjectKind, description="Institution (unified social credit code) or individual.")
SubjectClass = strawberry.enum(_SubjectClass, description="信用主体类别: the class of a credit subject.")
ServiceScope = strawberry.enum(_ServiceScope, description="What a designated medical institution treats.")
RecordCategory = strawberry.enum(_RecordCategory, description="The part of the credit archive a record is in.")
RecordKind = strawberry.enum(_RecordKind, description="What a record says happened; rule sets refer to it.")
RecordStatus = strawberry.enum(
    _RecordState, name="RecordStatus", description="Where a record stands in entry → review → confirmation."
)
RecordAction = strawberry.enum(_RecordAction, description="A workflow step on a record.")
Grade = strawberry.enum(_Grade, description="A credit grade: A–D, and E in five-level schemes.")
RegionLevel = strawberry.enum(_RegionLevel, description="The level of a GB/T 2260 division.")
PrincipalKind = strawberry.enum(_PrincipalKind, description="Who is asking.")
OfficerRole = strawberry.enum(_OfficerRole, description="What an officer does at its bureau.")
