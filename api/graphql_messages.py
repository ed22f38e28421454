"""graphql-core's (and strawberry's) English parse, validation and coercion messages, in Chinese.

The library writes its messages in English and names the offending part of the query in them (a field, a type,
a variable, a value). Each common family is matched here by a pattern and rewritten in Chinese with the same
names, so a client without ``Accept-Language: en`` reads Chinese; the English original is what an English
request gets. A message no pattern knows stays as the library wrote it rather than half-translated.
A pattern table (not a fork of graphql-core's rules) keeps the library's validation as it is, upgrades included.
"""

from __future__ import annotations

import re
from collections.abc import Callable

_Rule = tuple[re.Pattern[str], Callable[[re.Match[str]], str]]

# graphql-core's "Did you mean 'a', 'b' or 'c'?" tail, split off first and added back in Chinese.
_SUGGESTION = re.compile(r"\s*Did you mean (?:the enum value |to use an inline fragment on )?(?P<names>.+)\?$")


def _names(text: str) -> str:
    names = re.findall(r"'[^']*'", text) or [text]
    return names[0] if len(names) == 1 else "、".join(names[:-1]) + " 或 " + names[-1]


def _value(m: re.Match[str]) -> str:
    inner = m.group("reason")
    return translate(inner) or inner


_PATTERNS: list[tuple[str, Callable[[re.Match[str]], str]]] = [
    # Parsing (GRAPHQL_PARSE_FAILED).
    (r"Syntax Error: Expected (?P<want>.+), found (?P<got>.+)\.",
     lambda m: f"语法错误：此处应为 {m['want']}，实际是 {m['got']}。"),
    (r"Syntax Error: Unexpected (?P<got>.+)\.", lambda m: f"语法错误：此处不应出现 {m['got']}。"),
    (r"Syntax Error: Unterminated string\.", lambda m: "语法错误：字符串缺少结尾的引号。"),
    (r"Syntax Error: Invalid number, (?P<why>.+)\.", lambda m: "语法错误：数字的写法无效。"),
    (r"Syntax Error: (?P<rest>.+)", lambda m: "语法错误：查询无法解析，请检查所指位置附近的写法。"),
    # Validation (GRAPHQL_VALIDATION_FAILED).
    (r"Cannot query field '(?P<field>[^']+)' on type '(?P<type>[^']+)'\.",
     lambda m: f"类型 '{m['type']}' 上没有字段 '{m['field']}'。"),
    (r"Unknown argument '(?P<arg>[^']+)' on field '(?P<field>[^']+)'\.",
     lambda m: f"字段 '{m['field']}' 没有参数 '{m['arg']}'。"),
    (r"Unknown argument '(?P<arg>[^']+)' on directive '(?P<d>[^']+)'\.",
     lambda m: f"指令 '{m['d']}' 没有参数 '{m['arg']}'。"),
    (r"Field '(?P<field>[^']+)' argument '(?P<arg>[^']+)' of type '(?P<type>[^']+)' is required, but it was not "
     r"provided\.", lambda m: f"字段 '{m['field']}' 缺少必填参数 '{m['arg']}'（类型 {m['type']}）。"),
    (r"Field '(?P<field>[^']+)' of type '(?P<type>[^']+)' must have a selection of subfields\.",
     lambda m: f"字段 '{m['field']}'（类型 {m['type']}）须列出要返回的子字段，例如 {m['field']} {{ … }}。"),
    (r"Field '(?P<field>[^']+)' must not have a selection since type '(?P<type>[^']+)' has no subfields\.",
     lambda m: f"字段 '{m['field']}' 的类型 {m['type']} 没有子字段，不能再选择子字段。"),
    (r"Field '(?P<field>[^']+)' of required type '(?P<type>[^']+)' was not provided\.",
     lambda m: f"缺少必填的输入字段 '{m['field']}'（类型 {m['type']}）。"),
    (r"Field '(?P<field>[^']+)' is not defined by type '(?P<type>[^']+)'\.",
     lambda m: f"输入类型 '{m['type']}' 中没有字段 '{m['field']}'。"),
    (r"Unknown type '(?P<type>[^']+)'\.", lambda m: f"未知的类型 '{m['type']}'。"),
    (r"Unknown directive '(?P<d>[^']+)'\.", lambda m: f"未知的指令 '{m['d']}'。"),
    (r"Unknown fragment '(?P<f>[^']+)'\.", lambda m: f"未定义的片段 '{m['f']}'。"),
    (r"Fragment '(?P<f>[^']+)' is never used\.", lambda m: f"片段 '{m['f']}' 定义了但没有使用。"),
    (r"Unknown operation named '(?P<op>[^']+)'\.", lambda m: f"文档中没有名为 '{m['op']}' 的操作。"),
    (r"This anonymous operation must be the only defined operation\.",
     lambda m: "匿名操作必须是文档中唯一的操作；请为每个操作命名。"),
    (r"There can be only one operation named '(?P<op>[^']+)'\.", lambda m: f"名为 '{m['op']}' 的操作只能有一个。"),
    (r"Must provide operation name if query contains multiple operations\.",
     lambda m: "文档包含多个操作，请用 operationName 指明要执行哪一个。"),
    (r"Variable '\$(?P<v>[^']+)' is not defined(?: by operation '(?P<op>[^']+)')?\.",
     lambda m: f"变量 '${m['v']}' 未在操作中声明。"),
    (r"Variable '\$(?P<v>[^']+)' is never used(?: in operation '(?P<op>[^']+)')?\.",
     lambda m: f"变量 '${m['v']}' 声明了但没有使用。"),
    (r"Variable '\$(?P<v>[^']+)' of type '(?P<a>[^']+)' used in position expecting type '(?P<b>[^']+)'\.",
     lambda m: f"变量 '${m['v']}' 的类型 {m['a']} 与此处要求的类型 {m['b']} 不符。"),
    # Values and variables (BAD_USER_INPUT).
    (r"Variable '\$(?P<v>[^']+)' of required type '(?P<type>[^']+)' was not provided\.",
     lambda m: f"缺少必填变量 '${m['v']}'（类型 {m['type']}）。"),
    (r"Variable '\$(?P<v>[^']+)' of non-null type '(?P<type>[^']+)' must not be null\.",
     lambda m: f"变量 '${m['v']}'（类型 {m['type']}）不能为 null。"),
    (r"Variable '\$(?P<v>[^']+)' has invalid value: Expected a value of non-null type '(?P<type>[^']+)' to be "
     r"provided\.", lambda m: f"缺少必填变量 '${m['v']}'（类型 {m['type']}）。"),
    (r"Variable '\$(?P<v>[^']+)' has invalid value(?: at (?P<at>[^:]+))?: (?P<reason>.+)",
     lambda m: f"变量 '${m['v']}{m['at'] or ''}' 的取值无效：{_value(m)}"),
    (r"Variable '\$(?P<v>[^']+)' got invalid value (?P<value>.+?)(?: at '(?P<at>[^']+)')?; (?P<reason>.+)",
     lambda m: f"变量 '${m['at'] or m['v']}' 的取值 {m['value']} 无效：{_value(m)}"),
    (r"Value '(?P<value>[^']+)' does not exist in '(?P<enum>[^']+)' enum\.",
     lambda m: f"枚举 '{m['enum']}' 中没有取值 '{m['value']}'。"),
    (r"Enum '(?P<enum>[^']+)' cannot represent non-enum value: (?P<value>.+?)\.",
     lambda m: f"枚举 '{m['enum']}' 不能表示非枚举值 {m['value']}（枚举值不加引号）。"),
    (r"Expected value of type '(?P<type>[^']+)', found (?P<value>.+?)(?:; (?P<reason>.+))?\.?",
     lambda m: f"此处应为 {m['type']} 类型的值，实际是 {m['value']}" + (f"：{_value(m)}" if m['reason'] else "。")),
    (r"Expected type '(?P<type>[^']+)'\.", lambda m: f"应为 {m['type']} 类型的值。"),
    (r"Int cannot represent non-integer value: (?P<value>.+)", lambda m: f"Int 类型不能表示非整数值 {m['value']}。"),
    (r"Int cannot represent non 32-bit signed integer value: (?P<value>.+)",
     lambda m: f"Int 类型只能表示 32 位有符号整数，{m['value']} 超出范围。"),
    (r"Float cannot represent non numeric value: (?P<value>.+)", lambda m: f"Float 类型不能表示非数值 {m['value']}。"),
    (r"String cannot represent a non string value: (?P<value>.+)",
     lambda m: f"String 类型不能表示非字符串值 {m['value']}。"),
    (r"Boolean cannot represent a non boolean value: (?P<value>.+)",
     lambda m: f"Boolean 类型不能表示非布尔值 {m['value']}。"),
    (r"ID cannot represent value: (?P<value>.+)", lambda m: f"ID 类型不能表示 {m['value']}。"),
    # The limits of schema/root.py and schema/preparation.py.
    (r"'(?P<op>[^']*)' exceeds maximum operation depth of (?P<max>\d+)",
     lambda m: f"查询嵌套过深：最多 {m['max']} 层，请减少嵌套或拆分查询。"),
    (r"(?P<n>\d+) aliases found\. Allowed: (?P<max>\d+)",
     lambda m: f"查询使用了 {m['n']} 个别名，最多允许 {m['max']} 个，请拆分查询。"),
    (r"The query could return about (?P<n>\d+) objects, more than the (?P<max>\d+) allowed: .*",
     lambda m: f"查询可能返回约 {m['n']} 个对象，超过上限 {m['max']} 个：请减少每页条数（first）或嵌套的列表。"),
    (r"Document contains more than (?P<n>\d+) tokens\. Parsing aborted\.",
     lambda m: f"查询过大（超过 {m['n']} 个词法单元），请减少字段或拆分查询。"),
    (r"Document is nested too deeply\. Parsing aborted\.", lambda m: "查询嵌套过深，无法解析。"),
]

_RULES: list[_Rule] = [(re.compile(p, re.DOTALL), f) for p, f in _PATTERNS]


def translate(message: str) -> str | None:
    """``message`` in Chinese when one of the known families matches, else None."""
    suggestion = ""
    hint = _SUGGESTION.search(message)
    if hint is not None:
        suggestion = f"您是否想用 {_names(hint['names'])}？"
        message = message[:hint.start()]
    for pattern, render in _RULES:
        m = pattern.fullmatch(message.strip())
        if m is not None:
            return render(m) + suggestion
    return None


def in_chinese(message: str) -> str:
    """``message`` in Chinese when its family is known, else as the library wrote it."""
    return translate(message) or message
