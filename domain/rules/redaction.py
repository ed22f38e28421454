"""Redaction by audience: what each audience may see of a subject and of its records.

Disclosure must not leak commercial secrets or personal privacy (001 art.21, 002 art.3). The public shape is
structural: the public gets a fixed whitelist of subject fields and of record fields, never a free-text scrub.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from domain.errors import InvalidInput
from domain.rules.catalog import SubjectClass, SubjectKind


class Audience(StrEnum):
    """Who is reading."""

    BUREAU = "bureau"  # 医保部门 staff acting within their region
    SUBJECT = "subject"  # the credit subject reading its own archive (001 art.25)
    PUBLIC = "public"  # anyone (信息公开)
    FEDERATION = "federation"  # other departments and the credit platform under sharing (001 art.5, art.33)


def mask_name(name: str) -> str:
    """An individual's name with the first character kept and one ``*`` for each other ('欧阳娜娜' → '欧***').

    A one-character name is masked entirely ('*'): keeping its first character would show the whole name.
    """
    text = name.strip()
    if not text:
        raise InvalidInput("要脱敏的姓名不能为空。", en="A name to mask must not be empty.", field="name")
    if len(text) == 1:
        return "*"
    return text[0] + "*" * (len(text) - 1)


_RESIDENT_ID_SHAPE = re.compile(r"\d{17}[\dX]")


def mask_resident_id(resident_id: str) -> str:
    """A resident ID number with the first 6 and last 4 characters shown and the 8 in between as ``*``."""
    text = resident_id.strip().upper()
    if not _RESIDENT_ID_SHAPE.fullmatch(text):
        # Masking a malformed value could show more than intended (a short one would be nearly all visible).
        raise InvalidInput("要脱敏的居民身份证号码须为 18 位。",
            en="A resident ID number to mask must have 18 characters.", field="resident_id")
    return text[:6] + "*" * 8 + text[-4:]


_MOBILE_SHAPE = re.compile(r"1\d{10}")


def mask_phone(phone: str) -> str:
    """A mainland mobile number as its first 3 digits, ``****`` and its last 4 ('138****5678')."""
    text = re.sub(r"[\s-]", "", phone)
    if text.startswith("+86"):
        text = text[3:]
    if not _MOBILE_SHAPE.fullmatch(text):
        raise InvalidInput(
            "要脱敏的电话号码须为 11 位大陆手机号码。",
            en="A phone number to mask must be an 11-digit mainland mobile number.", field="phone"
        )
    return text[:3] + "****" + text[-4:]


# The fields of a credit record as the API presents them (domain/tables.py CreditRecord and its current
# CreditRecordVersion, plus the disclosure window); the policy below picks from these.
RECORD_FIELDS: tuple[str, ...] = (
    "id",
    "subject_id",
    "region_code",
    "category",
    "kind",
    "status",
    "department",
    "title",
    "occurred_on",
    "decided_on",
    "legal_basis",
    "penalty",
    "penalty_until",
    "points",
    "score",
    "amount",
    "facts",
    "details",
    "clauses",
    "entered_by",
    "reviewed_by",
    "confirmed_by",
    "published_at",
    "public_until",
)

# Money and case particulars can be commercial secrets and free text can name patients or staff (001 art.21):
# the public sees that a record exists, its kind, dates, department, legal basis and period, not its figures,
# narrative (title, facts, penalty wording, details) or the staff who handled it.
DEFAULT_HIDDEN_FROM_PUBLIC: frozenset[str] = frozenset(
    {
        "title",
        "amount",
        "penalty",
        "facts",
        "details",
        "entered_by",
        "reviewed_by",
        "confirmed_by",
    }
)


# Public-plus fields a sharing agreement (001 art.33) may give a federation client, and only about institutions:
# a record's title, amount and penalty wording, a result's score. Facts, details and staff never leave the
# bureau (free text can name patients or staff); nothing beyond the public view is ever shared about an
# individual.
FEDERATION_SHAREABLE_FIELDS: frozenset[str] = frozenset({"title", "amount", "penalty", "score"})


@dataclass(frozen=True, slots=True)
class RedactionPolicy:
    """Which record fields each audience sees; the hidden sets are configurable per jurisdiction."""

    record_fields: tuple[str, ...] = RECORD_FIELDS
    hidden_from_public: frozenset[str] = DEFAULT_HIDDEN_FROM_PUBLIC
    # Sharing agreements (001 art.33) decide what other departments get; by default the full record.
    hidden_from_federation: frozenset[str] = field(default_factory=frozenset)


def public_record_fields(policy: RedactionPolicy) -> tuple[str, ...]:
    """The record fields the public may see under ``policy``, in presentation order."""
    return tuple(name for name in policy.record_fields if name not in policy.hidden_from_public)


def visible_record_fields(policy: RedactionPolicy, audience: Audience) -> tuple[str, ...]:
    """The record fields ``audience`` may see under ``policy``, in presentation order."""
    if audience is Audience.PUBLIC:
        return public_record_fields(policy)
    if audience is Audience.FEDERATION:
        return tuple(name for name in policy.record_fields if name not in policy.hidden_from_federation)
    # The bureau works the archive and the subject reads its own (001 art.25): both see everything.
    return policy.record_fields


@dataclass(frozen=True, slots=True)
class PublicInstitution:
    """What the public sees of an institution."""

    name: str
    unified_social_credit_code: str
    subject_class: SubjectClass
    region_code: str


@dataclass(frozen=True, slots=True)
class PublicIndividual:
    """What the public sees of an individual: masked name and ID, class and region only."""

    masked_name: str
    subject_class: SubjectClass
    region_code: str
    masked_resident_id: str


# Derived from the dataclasses so the whitelist and the shape cannot drift apart.
PUBLIC_SUBJECT_FIELDS: MappingProxyType[SubjectKind, tuple[str, ...]] = MappingProxyType(
    {
        SubjectKind.INSTITUTION: tuple(f.name for f in fields(PublicInstitution)),
        SubjectKind.INDIVIDUAL: tuple(f.name for f in fields(PublicIndividual)),
    }
)


def public_subject(
    *, subject_class: SubjectClass, name: str, identifier: str, region_code: str
) -> PublicInstitution | PublicIndividual:
    """The public view of a subject: institutions as they are, individuals masked."""
    if subject_class.kind is SubjectKind.INSTITUTION:
        return PublicInstitution(
            name=name,
            unified_social_credit_code=identifier,
            subject_class=subject_class,
            region_code=region_code,
        )
    return PublicIndividual(
        masked_name=mask_name(name),
        subject_class=subject_class,
        region_code=region_code,
        masked_resident_id=mask_resident_id(identifier),
    )


def public_subject_to_json(subject: PublicInstitution | PublicIndividual) -> dict[str, Any]:
    """The stored JSON form of a public subject (publication payloads, published inspection plans)."""
    if isinstance(subject, PublicInstitution):
        return {"kind": "institution", "name": subject.name,
                "unifiedSocialCreditCode": subject.unified_social_credit_code,
                "subjectClass": str(subject.subject_class), "regionCode": subject.region_code}
    return {"kind": "individual", "maskedName": subject.masked_name, "maskedResidentId": subject.masked_resident_id,
            "subjectClass": str(subject.subject_class), "regionCode": subject.region_code}


def public_subject_from_json(data: Mapping[str, Any]) -> PublicInstitution | PublicIndividual:
    """A public subject back from ``public_subject_to_json``'s form."""
    if data["kind"] == "institution":
        return PublicInstitution(name=data["name"], unified_social_credit_code=data["unifiedSocialCreditCode"],
                                 subject_class=SubjectClass(data["subjectClass"]), region_code=data["regionCode"])
    return PublicIndividual(masked_name=data["maskedName"], masked_resident_id=data["maskedResidentId"],
                            subject_class=SubjectClass(data["subjectClass"]), region_code=data["regionCode"])
