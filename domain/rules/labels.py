"""中文标签: the one table of Chinese labels for every enumerated value the API shows.

Keyed by the Python enum's class name and the member's name, so this module imports nothing and any enum
(rules, access, publication, the region tree) can be labelled here. The GraphQL schema derives each enum
value's SDL description and the ``enumLabels`` lookup from this table; a test fails when a value has none.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from types import MappingProxyType

LABELS: Mapping[str, Mapping[str, str]] = MappingProxyType(
    {
        "SubjectKind": {"INSTITUTION": "机构", "INDIVIDUAL": "个人"},
        "SubjectClass": {
            "MEDICAL_INSTITUTION": "定点医疗机构",
            "RETAIL_PHARMACY": "定点零售药店",
            "THIRD_PARTY_AGENCY": "承办医保业务的第三方机构",
            "PHARMA_COMPANY": "医药生产配送企业",
            "INSURED_EMPLOYER": "参保单位",
            "OTHER_INSTITUTION": "其他机构",
            "DOCTOR": "医师",
            "NURSE": "护士",
            "PHARMACIST": "药师",
            "MEDICAL_TECHNICIAN": "医技人员",
            "INSURED_PERSON": "参保人员",
            "LEGAL_REPRESENTATIVE": "法定代表人",
            "ACTUAL_CONTROLLER": "实际控制人",
            "PRINCIPAL": "主要负责人",
            "DIRECTLY_RESPONSIBLE": "直接责任人",
            "OTHER_INDIVIDUAL": "其他个人",
        },
        "ServiceScope": {"INPATIENT_AND_OUTPATIENT": "住院及门诊", "OUTPATIENT_ONLY": "仅门诊"},
        "RecordCategory": {"BASIC": "基本信息", "TRUST": "守信信息", "DISHONESTY": "失信信息",
            "COMMITMENT": "信用承诺"},
        "RecordKind": {
            "REGISTRATION": "登记及执业信息",
            "ANNUAL_ASSESSMENT": "年度考核得分",
            "AGREEMENT_EVENT": "医保协议签订、终止或未续签",
            "COMMENDATION": "县级以上政府表彰",
            "VERIFIED_WHISTLEBLOWING": "举报欺诈骗保经查实",
            "OTHER_TRUST": "其他守信信息",
            "RECOVERED_FUNDS": "追回医保基金",
            "AUDIT_REDUCTION": "审核扣减",
            "INTERVIEW": "约谈",
            "AGREEMENT_SUSPENDED": "暂停医保协议",
            "LATE_REPAYMENT": "未按时退回资金或缴纳违约金、罚款",
            "FRAUD": "欺诈骗保",
            "ADMINISTRATIVE_PENALTY": "行政处罚",
            "REFERRED_CASE": "移送处理案件",
            "STAFF_POINTS": "医保医师记分",
            "OTHER_DISHONESTY": "其他失信信息",
            "CREDIT_COMMITMENT": "信用承诺书",
        },
        "Grade": {"A": "A级", "B": "B级", "C": "C级", "D": "D级", "E": "E级"},
        "RecordState": {
            "ENTERED": "已录入，待审核",
            "REVIEWED": "已审核，待确认",
            "CONFIRMED": "已确认",
            "REJECTED": "已退回",
            "DECLARED": "已申报，待核实",
            "WITHDRAWN": "已撤销",
            "WITHDRAWAL_REQUESTED": "撤销待审",
        },
        "RecordAction": {
            "ENTER": "录入",
            "DECLARE": "申报",
            "REVIEW_APPROVE": "审核通过",
            "REVIEW_REJECT": "审核退回",
            "CONFIRM": "确认",
            "VERIFY_DECLARATION": "核实申报",
            "REJECT_DECLARATION": "退回申报",
            "WITHDRAW": "撤销",
            "AMEND": "更正",
            "APPROVE_WITHDRAWAL": "批准撤销",
            "REFUSE_WITHDRAWAL": "驳回撤销申请",
        },
        "EventType": {
            "RECORD_ENTERED": "信用记录已录入",
            "RECORD_DECLARED": "信用主体已申报",
            "RECORD_REVIEWED": "信用记录已审核",
            "RECORD_REJECTED": "信用记录已退回",
            "RECORD_CONFIRMED": "信用记录已确认",
            "RECORD_AMENDED": "信用记录已更正",
            "RECORD_WITHDRAWAL_REQUESTED": "已申请撤销信用记录",
            "RECORD_WITHDRAWAL_REFUSED": "撤销申请已驳回",
            "RECORD_WITHDRAWN": "信用记录已撤销",
            "RESULT_STORED": "信用评价结果已生成",
            "RESULT_SUPERSEDED": "信用评价结果已被取代",
            "PUBLICATION_PREPARED": "公开事项已拟定",
            "PUBLICATION_PUBLISHED": "信息已公开",
            "PUBLICATION_WITHDRAWN": "公开信息已撤下",
            "PUBLICATION_EXPIRED": "公开期限已届满",
            "RULESET_ACTIVATED": "评价规则已启用",
            "INSPECTION_PLAN_PUBLISHED": "抽查计划已公开",
            "WARNING_RAISED": "信用预警已发出",
            "OBJECTION_SUBMITTED": "异议已提交",
            "OBJECTION_ACCEPTED": "异议已受理",
            "OBJECTION_REFUSED": "异议不予受理",
            "OBJECTION_UPHELD": "异议成立",
            "OBJECTION_REJECTED": "异议不成立",
            "REPAIR_SUBMITTED": "信用修复已申请",
            "REPAIR_APPROVED": "信用修复已批准",
            "REPAIR_REFUSED": "信用修复不予批准",
            "REPAIR_REVOKED": "信用修复已撤销",
            "RECORD_REPAIRED": "失信信息已修复",
            "PUBLICATION_DISPUTED": "公开信息标注异议处理中",
            "PUBLICATION_DISPUTE_CLOSED": "公开信息的异议标注已解除",
            "REPRESENTATIVE_NAMED": "机构已指定代理人",
            "REPRESENTATIVE_REVOKED": "机构已撤销代理人",
            "JOINT_MEASURES_IMPOSED": "联合惩戒措施已实施",
            "JOINT_MEASURES_LIFTED": "联合惩戒措施已解除",
            "LIST_ENTRY_PUBLISHED": "列入红黑名单",
            "LIST_ENTRY_REMOVED": "移出红黑名单",
        },
        "WebhookAudience": {"BUREAU": "医保部门（内部信息）", "PUBLIC": "公开信息（公开形式）"},
        "DeliveryStatus": {"PENDING": "待投递", "DELIVERED": "已投递", "DEAD": "投递失败（死信）"},
        "RepresentativeRole": {"LEGAL_REPRESENTATIVE": "法定代表人", "CONTACT": "信用联络人", "AGENT": "委托代理人"},
        "ObjectionItem": {"RECORD": "信用记录", "RESULT": "信用评价结果", "PUBLICATION": "公开信息"},
        "ObjectionState": {"SUBMITTED": "已提交，待受理", "ACCEPTED": "已受理，待决定", "REFUSED": "不予受理",
            "UPHELD": "异议成立", "REJECTED": "异议不成立"},
        "Correction": {"AMEND": "更正", "WITHDRAW": "撤销"},
        "RepairState": {"SUBMITTED": "已申请，待决定", "APPROVED": "已批准", "REFUSED": "不予批准",
            "REVOKED": "已撤销（提供虚假材料）"},
        "RepairCondition": {"PENALTY_FULFILLED": "已履行行政处罚", "COMMITMENT_SIGNED": "已签署信用承诺",
            "TRAINING_COMPLETED": "已完成信用修复培训", "CREDIT_REPORT_SUBMITTED": "已提交信用报告"},
        "DocumentKind": {"OBJECTION_APPLICATION": "异议申请书", "OBJECTION_DECISION": "异议处理决定书",
            "REPAIR_APPLICATION": "信用修复申请书", "REPAIR_RESULT_FEEDBACK": "信用修复结果反馈书",
            "REPAIR_REFUSAL_NOTICE": "不予信用修复告知书", "REPAIR_CONFIRMATION": "信用修复确认书"},
        "RegionLevel": {"PROVINCE": "省级", "CITY": "市级", "COUNTY": "县级"},
        "PrincipalKind": {"OFFICER": "工作人员", "SUBJECT": "信用主体", "PUBLIC": "社会公众", "FEDERATION": "共享部门"},
        "OfficerRole": {"OFFICER": "经办人员", "REVIEWER": "审核人员", "AGENCY": "经办机构",
            "EVALUATOR": "信用评价机构"},
        "ItemType": {"RECORD": "信用信息", "RESULT": "信用评价结果", "LIST_ENTRY": "名单信息"},
        "PublicationStatus": {"PREPARED": "待公开", "PUBLISHED": "已公开", "WITHDRAWN": "已撤回"},
        "PublicListKind": {"SERIOUS_DISHONESTY": "严重失信名单", "POOR_GRADE": "信用等级差名单"},
        "ListKind": {"RED": "红名单", "BLACK": "黑名单"},
        "ListReason": {
            "SERIOUS_DISHONESTY": "存在未修复的严重失信信息",
            "POOR_GRADE": "信用等级为差",
            "TOP_GRADE": "信用等级为最高等级",
            "NO_DISHONESTY_IN_CYCLE": "评价周期内无失信信息",
            "TRUST_RECORD": "有守信信息",
        },
        "WarningKind": {"BAND_CROSSED": "信用等级下降", "SHARP_DROP": "信用分数大幅下降",
            "REPEATED_VIOLATION": "同类违规重复发生"},
        # Orders and groupings the dashboards offer (schema enums built from the domain's order tables).
        "SubjectOrder": {"CODE_ASC": "按代码升序", "NAME_ASC": "按名称拼音升序",
                         "CREATED_AT_DESC": "按登记时间从新到旧", "CREATED_AT_ASC": "按登记时间从旧到新"},
        "RecordOrder": {"ENTERED_AT_DESC": "按录入时间从新到旧", "ENTERED_AT_ASC": "按录入时间从旧到新",
                        "UPDATED_AT_DESC": "按更新时间从新到旧", "OCCURRED_ON_DESC": "按发生日期从新到旧",
                        "OCCURRED_ON_ASC": "按发生日期从旧到新"},
        "EvaluationOrder": {"EVALUATED_AT_DESC": "按评价时间从新到旧", "EVALUATED_AT_ASC": "按评价时间从旧到新",
                            "CYCLE_YEAR_DESC": "按评价年度从新到旧"},
        "WarningOrder": {"RAISED_AT_DESC": "按预警时间从新到旧", "RAISED_AT_ASC": "按预警时间从旧到新"},
        "ListOrder": {"LIST_KIND_ASC": "按名单类型", "GRADE_ASC": "按信用等级", "NAME_ASC": "按主体名称拼音"},
        "PublicationOrder": {"PREPARED_AT_DESC": "按提交时间从新到旧", "PUBLISHED_AT_DESC": "按公开时间从新到旧",
                             "PUBLIC_UNTIL_ASC": "按公开截止时间从早到晚"},
        "NotificationOrder": {"CREATED_AT_DESC": "按通知时间从新到旧", "CREATED_AT_ASC": "按通知时间从旧到新"},
        "GradeBreakdownDimension": {"SUBJECT_CLASS": "按主体类别", "RULE_SET": "按评价规则集"},
    }
)


# What Casbin objects and actions are called in a refusal (authz/policy.csv); an unknown one shows as it is.
RESOURCE_LABELS: Mapping[str, str] = MappingProxyType({
    "evaluation": "信用评价", "inspection": "双随机抽查", "notification": "通知", "objection": "异议",
    "publication": "信息公开", "published": "已公开信息", "record": "信用记录", "ruleset": "评价规则集",
    "shared": "共享信息", "subject": "信用主体",
})
ACTION_LABELS: Mapping[str, str] = MappingProxyType({
    "activate": "启用", "confirm": "确认", "decide": "决定", "declare": "申报", "file": "提出", "plan": "制定",
    "prepare": "提交公开", "publish": "公开", "read": "查看", "review": "审核", "run": "运行", "withdraw": "撤回",
    "write": "录入或修改",
})


def label_of(value: Enum) -> str:
    """The Chinese label of an enum member; its name when the table has none (a test forbids that)."""
    return LABELS.get(type(value).__name__, {}).get(value.name, value.name)


def labels_for(enum_name: str) -> Mapping[str, str]:
    """Every member's label of one enum, by member name."""
    return LABELS.get(enum_name, {})


# What a refusal says the principal may not do, per (Casbin object, action) of authz/policy.csv: one phrase for
# the pair, because gluing an action label to a resource label reads badly ("公开" + "信息公开" = "公开信息公开").
# A test checks every pair of the policy has a phrase here and that no phrase repeats a word.
PERMISSION_LABELS: Mapping[tuple[str, str], str] = MappingProxyType({
    ("bank_consent", "read"): "查看信用查询授权",
    ("bank_consent", "write"): "授予或撤销信用查询授权",
    ("credit_summary", "read"): "查看信用概况",
    ("evaluation", "read"): "查看信用评价",
    ("evaluation", "run"): "开展信用评价",
    ("event", "read"): "查看事件流",
    ("inspection", "plan"): "制定双随机抽查计划",
    ("joint_measure", "read"): "查看联合惩戒措施",
    ("notification", "read"): "查看通知",
    ("objection", "decide"): "处理异议",
    ("objection", "file"): "提出异议",
    ("objection", "read"): "查看异议",
    ("oversight", "read"): "查看下级部门的报送情况",
    ("platform_push", "read"): "查看向省级平台的推送记录",
    ("publication", "prepare"): "提交待公开的信息",
    ("publication", "publish"): "公开信息",
    ("publication", "read"): "查看信息公开情况",
    ("publication", "withdraw"): "撤回已公开的信息",
    ("published", "read"): "查看已公开信息",
    ("record", "confirm"): "确认信用记录",
    ("record", "declare"): "申报信用记录",
    ("record", "read"): "查看信用记录",
    ("record", "review"): "审核信用记录",
    ("record", "write"): "录入或修改信用记录",
    ("repair", "apply"): "申请信用修复",
    ("repair", "decide"): "决定信用修复",
    ("repair", "read"): "查看信用修复",
    ("report", "issue"): "出具信用报告",
    ("report", "verify"): "核验信用报告",
    ("representative", "write"): "指定或撤销机构代表",
    ("ruleset", "activate"): "启用评价规则集",
    ("ruleset", "read"): "查看评价规则集",
    ("ruleset", "write"): "制定或修改评价规则集",
    ("shared", "read"): "查看共享信息",
    ("subject", "read"): "查看信用主体",
    ("subject", "write"): "登记或修改信用主体",
    ("webhook", "manage"): "管理事件推送地址",
})


def permission_label(obj: str, act: str) -> str:
    """What acting ``act`` on ``obj`` is called in a refusal (操作名称); a pair without a phrase is composed."""
    return PERMISSION_LABELS.get((obj, act)) or f"{ACTION_LABELS.get(act, act)}{RESOURCE_LABELS.get(obj, obj)}"
