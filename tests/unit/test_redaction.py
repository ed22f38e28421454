"""Redaction by audience (001 art.21)."""

from __future__ import annotations

from dataclasses import FrozenInstanceError, fields

import pytest

from domain.errors import InvalidInput
from domain.rules.catalog import SubjectClass, SubjectKind
from domain.rules.redaction import (
    DEFAULT_HIDDEN_FROM_PUBLIC,
    PUBLIC_SUBJECT_FIELDS,
    RECORD_FIELDS,
    Audience,
    PublicIndividual,
    PublicInstitution,
    RedactionPolicy,
    mask_name,
    mask_phone,
    mask_resident_id,
    public_record_fields,
    public_subject,
    visible_record_fields,
)


def test_audiences_are_bureau_subject_public_and_federation() -> None:
    assert {a.value for a in Audience} == {"bureau", "subject", "public", "federation"}


def test_two_character_name_keeps_its_first_character() -> None:
    assert mask_name("张三") == "张*"


def test_four_character_name_masks_three_characters() -> None:
    assert mask_name("欧阳娜娜") == "欧***"


def test_one_character_name_is_masked_entirely() -> None:
    assert mask_name("张") == "*"


def test_name_is_masked_after_trimming_surrounding_spaces() -> None:
    assert mask_name(" 李小龙 ") == "李**"


def test_empty_name_cannot_be_masked() -> None:
    with pytest.raises(InvalidInput):
        mask_name("  ")


def test_resident_id_shows_first_six_and_last_four() -> None:
    assert mask_resident_id("340104199003071235") == "340104********1235"


def test_resident_id_ending_in_x_is_masked_with_an_upper_case_x() -> None:
    assert mask_resident_id("11010519491231002x") == "110105********002X"


@pytest.mark.parametrize("value", ["1101051949123", "110105194912310021234", "11010519491231002Y", ""])
def test_malformed_resident_id_is_refused_rather_than_partly_shown(value: str) -> None:
    with pytest.raises(InvalidInput):
        mask_resident_id(value)


def test_phone_shows_first_three_and_last_four() -> None:
    assert mask_phone("13812345678") == "138****5678"


def test_phone_with_country_code_and_separators_is_masked() -> None:
    assert mask_phone("+86 138-1234-5678") == "138****5678"


@pytest.mark.parametrize("value", ["1381234567", "0551-12345678", "23812345678"])
def test_a_number_that_is_not_a_mainland_mobile_is_refused(value: str) -> None:
    with pytest.raises(InvalidInput):
        mask_phone(value)


def test_default_policy_hides_amounts_facts_and_details_from_the_public() -> None:
    shown = public_record_fields(RedactionPolicy())
    for hidden in ("amount", "penalty", "facts", "details", "title", "entered_by", "reviewed_by"):
        assert hidden not in shown
    assert {"kind", "category", "occurred_on", "department", "legal_basis", "public_until"} <= set(shown)


def test_public_record_fields_keep_presentation_order() -> None:
    shown = public_record_fields(RedactionPolicy())
    assert list(shown) == [f for f in RECORD_FIELDS if f in shown]


def test_hidden_public_fields_are_configurable() -> None:
    policy = RedactionPolicy(hidden_from_public=frozenset({"facts"}))
    shown = public_record_fields(policy)
    assert "amount" in shown
    assert "facts" not in shown


def test_bureau_and_subject_see_every_record_field() -> None:
    policy = RedactionPolicy()
    assert visible_record_fields(policy, Audience.BUREAU) == RECORD_FIELDS
    assert visible_record_fields(policy, Audience.SUBJECT) == RECORD_FIELDS


def test_public_sees_the_public_record_fields() -> None:
    policy = RedactionPolicy()
    assert visible_record_fields(policy, Audience.PUBLIC) == public_record_fields(policy)


def test_federation_sees_everything_except_what_its_sharing_policy_hides() -> None:
    assert visible_record_fields(RedactionPolicy(), Audience.FEDERATION) == RECORD_FIELDS
    policy = RedactionPolicy(hidden_from_federation=frozenset({"entered_by"}))
    assert "entered_by" not in visible_record_fields(policy, Audience.FEDERATION)


def test_policy_is_immutable_and_default_hidden_set_is_shared_safely() -> None:
    policy = RedactionPolicy()
    with pytest.raises(FrozenInstanceError):
        policy.hidden_from_public = frozenset()  # type: ignore[misc]
    assert isinstance(DEFAULT_HIDDEN_FROM_PUBLIC, frozenset)


def test_institutions_show_name_code_class_and_region() -> None:
    assert PUBLIC_SUBJECT_FIELDS[SubjectKind.INSTITUTION] == (
        "name",
        "unified_social_credit_code",
        "subject_class",
        "region_code",
    )


def test_individuals_show_masked_name_class_region_and_masked_id_only() -> None:
    assert PUBLIC_SUBJECT_FIELDS[SubjectKind.INDIVIDUAL] == (
        "masked_name",
        "subject_class",
        "region_code",
        "masked_resident_id",
    )


def test_whitelist_matches_the_public_shapes() -> None:
    assert PUBLIC_SUBJECT_FIELDS[SubjectKind.INDIVIDUAL] == tuple(f.name for f in fields(PublicIndividual))
    assert PUBLIC_SUBJECT_FIELDS[SubjectKind.INSTITUTION] == tuple(f.name for f in fields(PublicInstitution))


def test_whitelist_cannot_be_changed_at_runtime() -> None:
    with pytest.raises(TypeError):
        PUBLIC_SUBJECT_FIELDS[SubjectKind.INDIVIDUAL] = ("name",)  # type: ignore[index]


def test_public_view_of_an_individual_is_masked() -> None:
    view = public_subject(
        subject_class=SubjectClass.DOCTOR, name="张三", identifier="11010519491231002X", region_code="340100"
    )
    assert view == PublicIndividual(
        masked_name="张*",
        subject_class=SubjectClass.DOCTOR,
        region_code="340100",
        masked_resident_id="110105********002X",
    )
    assert not hasattr(view, "name")


def test_public_view_of_an_institution_shows_its_name_and_code() -> None:
    view = public_subject(
        subject_class=SubjectClass.RETAIL_PHARMACY,
        name="合肥某某大药房",
        identifier="91340100MA2N0XXXXX",
        region_code="340100",
    )
    assert view == PublicInstitution(
        name="合肥某某大药房",
        unified_social_credit_code="91340100MA2N0XXXXX",
        subject_class=SubjectClass.RETAIL_PHARMACY,
        region_code="340100",
    )


def test_public_subjects_survive_their_stored_json_form() -> None:
    from domain.rules.redaction import public_subject_from_json, public_subject_to_json

    institution = public_subject(subject_class=SubjectClass.RETAIL_PHARMACY, name="益康大药房",
                                 identifier="91500237MA5U7XXXXX", region_code="500237")
    person = public_subject(subject_class=SubjectClass.DOCTOR, name="张三", identifier="11010519491231002X",
                            region_code="500237")
    for subject in (institution, person):
        assert public_subject_from_json(public_subject_to_json(subject)) == subject
    assert "张三" not in str(public_subject_to_json(person))
