"""GraphQL enums, taken from the domain vocabulary so the two cannot drift.

Every value's SDL description is its Chinese label from ``domain.rules.labels`` (the one table), and the
``enumLabels`` query hands the same table to user interfaces.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from typing import TypeVar

import strawberry

from domain.access import OfficerRole as _OfficerRole
from domain.access import PrincipalKind as _PrincipalKind
from domain.evaluation_lists import EVALUATION_ORDERS, GRADE_DIMENSIONS, LIST_ORDERS, WARNING_ORDERS
from domain.publication_lists import NOTIFICATION_ORDERS, PUBLICATION_ORDERS
from domain.record_queries import RECORD_ORDERS
from domain.rules.catalog import Grade as _Grade
from domain.rules.catalog import RecordCategory as _RecordCategory
from domain.rules.catalog import RecordKind as _RecordKind
from domain.rules.catalog import ServiceScope as _ServiceScope
from domain.rules.catalog import SubjectClass as _SubjectClass
from domain.rules.catalog import SubjectKind as _SubjectKind
from domain.rules.labels import labels_for
from domain.rules.lists import ListKind as _ListKind
from domain.rules.lists import ListReason as _ListReason
from domain.rules.warnings import WarningKind as _WarningKind
from domain.rules.workflow import RecordAction as _RecordAction
from domain.rules.workflow import RecordState as _RecordState
from domain.subjects import SUBJECT_ORDERS
from tenants import RegionLevel as _RegionLevel

E = TypeVar("E", bound=type[Enum])

# GraphQL enum name → the Python enum behind it, for the enumLabels lookup.
LABELLED: dict[str, type[Enum]] = {}


def labelled(cls: E, *, description: str, name: str | None = None) -> E:
    """``strawberry.enum`` with each value described by its Chinese label."""
    out = strawberry.enum(cls, name=name, description=description)
    labels = labels_for(cls.__name__)
    definition = out.__strawberry_definition__  # type: ignore[attr-defined]
    for value in definition.values:
        value.description = labels.get(value.name)
    LABELLED[definition.name] = cls
    return out


SubjectKind = labelled(_SubjectKind, description="主体类型: institution (unified social credit code) or individual.")
SubjectClass = labelled(_SubjectClass, description="信用主体类别: the class of a credit subject.")
ServiceScope = labelled(_ServiceScope, description="服务范围: what a designated medical institution treats.")
RecordCategory = labelled(_RecordCategory, description="信息类别: the part of the credit archive a record is in.")
RecordKind = labelled(_RecordKind, description="信息种类: what a record says happened; rule sets refer to it.")
RecordStatus = labelled(
    _RecordState, name="RecordStatus", description="记录状态: where a record stands in entry → review → confirmation."
)
RecordAction = labelled(_RecordAction, description="流程操作: a workflow step on a record.")
Grade = labelled(_Grade, description="信用等级: A–D, and E in five-level schemes.")
RegionLevel = labelled(_RegionLevel, description="行政区划级别: the level of a GB/T 2260 division.")
PrincipalKind = labelled(_PrincipalKind, description="访问者类型: who is asking.")
OfficerRole = labelled(_OfficerRole, description="岗位: what an officer does at its bureau.")

WarningKind = labelled(_WarningKind, description="预警类型: why an early warning was raised.")
ListKind = labelled(_ListKind, description="名单类型: the red or the black list.")
ListReason = labelled(_ListReason, description="列入名单的原因: why a subject is on a list.")


def _orders(name: str, options: Mapping[str, object], description: str) -> type[Enum]:
    # The GraphQL order enum is built from the domain's table of orders, so the two cannot drift.
    return labelled(Enum(name, {k: k for k in options}), description=description)  # type: ignore[misc]


SubjectOrder = _orders("SubjectOrder", SUBJECT_ORDERS, "排序: how a page of subjects is ordered.")
RecordOrder = _orders("RecordOrder", RECORD_ORDERS, "排序: how a page of records is ordered.")
EvaluationOrder = _orders("EvaluationOrder", EVALUATION_ORDERS, "排序: how a subject's results are ordered.")
WarningOrder = _orders("WarningOrder", WARNING_ORDERS, "排序: how early warnings are ordered.")
ListOrder = _orders("ListOrder", LIST_ORDERS, "排序: how the red and black lists are ordered.")
PublicationOrder = _orders("PublicationOrder", PUBLICATION_ORDERS, "排序: how publications are ordered.")
NotificationOrder = _orders("NotificationOrder", NOTIFICATION_ORDERS, "排序: how notifications are ordered.")
GradeBreakdownDimension = _orders("GradeBreakdownDimension", GRADE_DIMENSIONS,
                                  "分组: what grades are counted by.")
