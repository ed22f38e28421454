"""The shared vocabulary of the credit archive: subject classes, record categories and record kinds.

These names are stored in PostgreSQL, exposed as GraphQL enums and referenced by rule sets, so they are
stable identifiers: add new members, never rename one.
"""

from __future__ import annotations

from enum import StrEnum


class SubjectKind(StrEnum):
    """Whether a subject is identified by a unified social credit code or a resident ID number."""

    INSTITUTION = "institution"
    INDIVIDUAL = "individual"


class SubjectClass(StrEnum):
    """信用主体类别: the class of a credit subject (DOMAIN.md, Credit subjects)."""

    # Institutions (统一社会信用代码)
    MEDICAL_INSTITUTION = "medical_institution"  # 定点医疗机构; see ServiceScope
    RETAIL_PHARMACY = "retail_pharmacy"  # 定点零售药店
    THIRD_PARTY_AGENCY = "third_party_agency"  # 承办医保业务的第三方机构
    PHARMA_COMPANY = "pharma_company"  # 集中采购的医药生产/配送企业
    INSURED_EMPLOYER = "insured_employer"  # 参保单位
    OTHER_INSTITUTION = "other_institution"
    # Individuals (居民身份证号码)
    DOCTOR = "doctor"  # 医师
    NURSE = "nurse"  # 护士
    PHARMACIST = "pharmacist"  # 药师
    MEDICAL_TECHNICIAN = "medical_technician"  # 医技人员
    INSURED_PERSON = "insured_person"  # 参保人员
    LEGAL_REPRESENTATIVE = "legal_representative"  # 法定代表人
    ACTUAL_CONTROLLER = "actual_controller"  # 实际控制人
    PRINCIPAL = "principal"  # 主要负责人
    DIRECTLY_RESPONSIBLE = "directly_responsible"  # 直接责任人
    OTHER_INDIVIDUAL = "other_individual"

    @property
    def kind(self) -> SubjectKind:
        return SubjectKind.INDIVIDUAL if self in _INDIVIDUAL_CLASSES else SubjectKind.INSTITUTION

    @property
    def is_linked_person(self) -> bool:
        """Whether this class is a person answerable for an institution (003 §四(二))."""
        return self in _LINKED_PERSON_CLASSES


_INDIVIDUAL_CLASSES = frozenset(
    {
        SubjectClass.DOCTOR,
        SubjectClass.NURSE,
        SubjectClass.PHARMACIST,
        SubjectClass.MEDICAL_TECHNICIAN,
        SubjectClass.INSURED_PERSON,
        SubjectClass.LEGAL_REPRESENTATIVE,
        SubjectClass.ACTUAL_CONTROLLER,
        SubjectClass.PRINCIPAL,
        SubjectClass.DIRECTLY_RESPONSIBLE,
        SubjectClass.OTHER_INDIVIDUAL,
    }
)
_LINKED_PERSON_CLASSES = frozenset(
    {
        SubjectClass.LEGAL_REPRESENTATIVE,
        SubjectClass.ACTUAL_CONTROLLER,
        SubjectClass.PRINCIPAL,
        SubjectClass.DIRECTLY_RESPONSIBLE,
    }
)


class ServiceScope(StrEnum):
    """What a designated medical institution treats; Wushan grades the two differently (002 art.15-16)."""

    INPATIENT_AND_OUTPATIENT = "inpatient_and_outpatient"
    OUTPATIENT_ONLY = "outpatient_only"


class RecordCategory(StrEnum):
    """The parts of a credit archive (001 ch.3)."""

    BASIC = "basic"  # 基本信息
    TRUST = "trust"  # 守信信息
    DISHONESTY = "dishonesty"  # 失信信息
    COMMITMENT = "commitment"  # 信用承诺


class RecordKind(StrEnum):
    """What a record says happened. Rule sets refer to these names in their deduction and bonus items."""

    # basic
    REGISTRATION = "registration"  # 登记/执业信息
    ANNUAL_ASSESSMENT = "annual_assessment"  # 年度考核得分 (Wushan hospitals are graded on it)
    AGREEMENT_EVENT = "agreement_event"  # 协议签订/终止/未续签
    # trust
    COMMENDATION = "commendation"  # 县级以上政府表彰
    VERIFIED_WHISTLEBLOWING = "verified_whistleblowing"  # 举报欺诈骗保经查实
    OTHER_TRUST = "other_trust"
    # dishonesty
    RECOVERED_FUNDS = "recovered_funds"  # 追回医保基金
    AUDIT_REDUCTION = "audit_reduction"  # 审核扣减
    INTERVIEW = "interview"  # 约谈
    AGREEMENT_SUSPENDED = "agreement_suspended"  # 暂停医保协议
    LATE_REPAYMENT = "late_repayment"  # 未按时退回资金或缴纳违约金/罚款
    FRAUD = "fraud"  # 欺诈骗保 (《医疗保障基金使用监督管理条例》第四十条)
    ADMINISTRATIVE_PENALTY = "administrative_penalty"  # 行政处罚
    REFERRED_CASE = "referred_case"  # 纪检监察/公安/司法/市场监管 handled cases
    STAFF_POINTS = "staff_points"  # 医保医师记分 (national 12-point scheme)
    OTHER_DISHONESTY = "other_dishonesty"
    # commitment
    CREDIT_COMMITMENT = "credit_commitment"  # 信用承诺书

    @property
    def category(self) -> RecordCategory:
        return _KIND_CATEGORY[self]


_KIND_CATEGORY: dict[RecordKind, RecordCategory] = {
    RecordKind.REGISTRATION: RecordCategory.BASIC,
    RecordKind.ANNUAL_ASSESSMENT: RecordCategory.BASIC,
    RecordKind.AGREEMENT_EVENT: RecordCategory.BASIC,
    RecordKind.COMMENDATION: RecordCategory.TRUST,
    RecordKind.VERIFIED_WHISTLEBLOWING: RecordCategory.TRUST,
    RecordKind.OTHER_TRUST: RecordCategory.TRUST,
    RecordKind.RECOVERED_FUNDS: RecordCategory.DISHONESTY,
    RecordKind.AUDIT_REDUCTION: RecordCategory.DISHONESTY,
    RecordKind.INTERVIEW: RecordCategory.DISHONESTY,
    RecordKind.AGREEMENT_SUSPENDED: RecordCategory.DISHONESTY,
    RecordKind.LATE_REPAYMENT: RecordCategory.DISHONESTY,
    RecordKind.FRAUD: RecordCategory.DISHONESTY,
    RecordKind.ADMINISTRATIVE_PENALTY: RecordCategory.DISHONESTY,
    RecordKind.REFERRED_CASE: RecordCategory.DISHONESTY,
    RecordKind.STAFF_POINTS: RecordCategory.DISHONESTY,
    RecordKind.OTHER_DISHONESTY: RecordCategory.DISHONESTY,
    RecordKind.CREDIT_COMMITMENT: RecordCategory.COMMITMENT,
}


class Grade(StrEnum):
    """A credit grade. Four-level schemes use A–D; five-level schemes (Guangdong) add E."""

    A = "A"
    B = "B"
    C = "C"
    D = "D"
    E = "E"
