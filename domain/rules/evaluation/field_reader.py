"""Reading a JSON document field by field, collecting every problem instead of stopping at the first.

The rule-set parser reads through it so that one refusal names everything wrong with a document.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any, TypeVar

from domain.rules.evaluation.measures import parse_decimal
from domain.rules.evaluation.problem import Problem

_E = TypeVar("_E", bound=StrEnum)
_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")
_ZERO = Decimal(0)


class FieldReader:
    """Reads a JSON object, collecting every problem instead of stopping at the first."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def problem(self, path: str, zh: str, en: str) -> None:
        """Record a problem at ``path``, in Chinese and English."""
        self.problems.append(Problem(path, zh, en))

    def _missing(self, path: str, key: str) -> None:
        self.problem(f"{path}.{key}", "缺少此字段", "missing")

    def obj(self, raw: Any, path: str) -> dict[str, Any]:
        if not isinstance(raw, dict):
            self.problem(path, "应为对象", "must be an object")
            return {}
        return raw

    def lst(self, d: dict[str, Any], key: str, path: str, *, required: bool = True) -> list[Any]:
        raw = d.get(key)
        if raw is None:
            if required:
                self._missing(path, key)
            return []
        if not isinstance(raw, list):
            self.problem(f"{path}.{key}", "应为列表", "must be a list")
            return []
        return raw

    def text(self, d: dict[str, Any], key: str, path: str, *, required: bool = True) -> str:
        raw = d.get(key)
        if raw is None:
            if required:
                self._missing(path, key)
            return ""
        if not isinstance(raw, str) or (required and not raw.strip()):
            self.problem(f"{path}.{key}", "应为非空文本", "must be a non-empty string")
            return ""
        return raw

    def opt_text(self, d: dict[str, Any], key: str, path: str) -> str | None:
        return self.text(d, key, path, required=False) if d.get(key) is not None else None

    def code(self, d: dict[str, Any], key: str, path: str) -> str:
        value = self.text(d, key, path)
        if value and not _CODE.match(value):
            self.problem(f"{path}.{key}", f"'{value}' 不是有效的编码（只能由字母、数字及 _ . - 组成）",
                         f"'{value}' is not a stable code (letters, digits, _ . -)")
        return value

    def dec(self, d: dict[str, Any], key: str, path: str) -> Decimal:
        value = self.opt_dec(d, key, path)
        if value is None:
            if key not in d or d[key] is None:
                self._missing(path, key)
            return _ZERO
        return value

    def opt_dec(self, d: dict[str, Any], key: str, path: str) -> Decimal | None:
        raw = d.get(key)
        if raw is None:
            return None
        value = parse_decimal(raw)
        if value is None:
            self.problem(f"{path}.{key}", f"'{raw}' 应为数字", f"'{raw}' is not a number")
        return value

    def flag(self, d: dict[str, Any], key: str, path: str, default: bool) -> bool:
        raw = d.get(key, default)
        if not isinstance(raw, bool):
            self.problem(f"{path}.{key}", "应为 true 或 false", "must be true or false")
            return default
        return raw

    def integer(self, d: dict[str, Any], key: str, path: str, *, lo: int, hi: int) -> int:
        raw = d.get(key)
        if isinstance(raw, bool) or not isinstance(raw, int) or not lo <= raw <= hi:
            self.problem(f"{path}.{key}", f"应为 {lo} 到 {hi} 之间的整数", f"must be a whole number from {lo} to {hi}")
            return lo
        return raw

    def day(self, d: dict[str, Any], key: str, path: str, *, required: bool = True) -> date | None:
        raw = d.get(key)
        if raw is None:
            if required:
                self._missing(path, key)
            return None
        try:
            if not isinstance(raw, str):
                raise ValueError(raw)
            return date.fromisoformat(raw)
        except ValueError:
            self.problem(f"{path}.{key}", f"'{raw}' 不是有效日期（格式为 YYYY-MM-DD）",
                         f"'{raw}' is not a date (YYYY-MM-DD)")
            return None

    def enum(self, cls: type[_E], raw: Any, path: str, what: tuple[str, str]) -> _E | None:
        """``cls(raw)``, or a problem naming ``what`` (Chinese, English) and the known values."""
        try:
            return cls(raw)
        except ValueError:
            known = ", ".join(m.value for m in cls)
            self.problem(path, f"未知的{what[0]} '{raw}'（可选值：{known}）",
                         f"unknown {what[1]} '{raw}' (known: {known})")
            return None

    def enums(self, cls: type[_E], raws: list[Any], path: str, what: tuple[str, str]) -> tuple[_E, ...]:
        out: list[_E] = []
        for i, raw in enumerate(raws):
            member = self.enum(cls, raw, f"{path}[{i}]", what)
            if member is not None:
                out.append(member)
        return tuple(out)
