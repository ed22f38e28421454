"""公开内容: the stored public views of a record or result (``public_payload``) and the public-plus fields a
sharing agreement may add (``shared_payload``), built once at publish time by ``domain.rules.redaction``.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import asyncpg

from domain.publication_views import ItemType
from domain.rules.catalog import RecordCategory, SubjectClass, SubjectKind
from domain.rules.redaction import (
    FEDERATION_SHAREABLE_FIELDS,
    RedactionPolicy,
    public_record_fields,
    public_subject,
    public_subject_to_json,
)

# Record fields a public item can ever carry; the redaction policy may hide more of them, never add.
_PAYLOAD_RECORD_FIELDS = ("category", "kind", "department", "title", "occurred_on", "decided_on",
                          "legal_basis", "penalty_until", "clauses")


def build_public_payload(row: asyncpg.Record | dict[str, Any], *, policy: RedactionPolicy) -> dict[str, Any]:
    """The redacted public view of a record and its subject (the stored ``public_payload``)."""
    subject = public_subject(subject_class=SubjectClass(row["subject_class"]), name=row["name"],
                             identifier=row["code"], region_code=row["subject_region"])
    shown = set(public_record_fields(policy))
    record: dict[str, Any] = {}
    for name in _PAYLOAD_RECORD_FIELDS:
        if name not in shown and name not in ("category", "kind"):
            continue
        if name == "clauses" and row["category"] != RecordCategory.COMMITMENT:
            continue  # commitment clauses are public (001 art.10); other records carry none
        value = row[name]
        if isinstance(value, date):
            value = value.isoformat()
        elif name == "clauses":
            value = list(value or ())
        record[name] = value
    return {"subject": public_subject_to_json(subject), "record": record}


def build_result_payload(row: asyncpg.Record | dict[str, Any]) -> dict[str, Any]:
    """The public view of an institution's evaluation result: the grade and the cycle year, not the score."""
    subject = public_subject(subject_class=SubjectClass(row["subject_class"]), name=row["name"],
                             identifier=row["code"], region_code=row["subject_region"])
    result = {"grade": row["grade"], "cycleYear": row["cycle_year"]}
    return {"subject": public_subject_to_json(subject), "result": result}


def build_shared_payload(item_type: ItemType, row: asyncpg.Record | dict[str, Any]) -> dict[str, Any] | None:
    """The public-plus fields a sharing agreement may add (``FEDERATION_SHAREABLE_FIELDS``); None for
    individuals, of whom nothing beyond the public view is ever shared."""
    if row["subject_kind"] != SubjectKind.INSTITUTION:
        return None
    if item_type is ItemType.RESULT:
        score = row["score"]
        shared = {"score": None if score is None else str(score)}
    else:
        amount = row["amount"]
        shared = {"title": row["title"], "amount": None if amount is None else str(amount),
                  "penalty": row["penalty"]}
    assert set(shared) <= FEDERATION_SHAREABLE_FIELDS
    return shared
