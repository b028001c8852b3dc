"""Field-level error messages in Chinese and English.

marshmallow speaks English; every leaf message is paired with its Chinese here, so a
422 or an import report says each problem in both languages.
"""

from __future__ import annotations

import re
from typing import Any

EXACT = {
    "Missing data for required field.": "缺少必填字段",
    "Unknown field.": "未知字段",
    "Field may not be null.": "该字段不能为空",
    "Not a valid string.": "不是有效的字符串",
    "Not a valid integer.": "不是有效的整数",
    "Not a valid number.": "不是有效的数字",
    "Not a valid boolean.": "不是有效的布尔值",
    "Not a valid date.": "不是有效的日期（YYYY-MM-DD）",
    "Not a valid datetime.": "不是有效的时间（ISO 8601）",
    "Not a valid list.": "不是有效的列表",
    "Not a valid mapping type.": "不是有效的对象",
    "Invalid input type.": "输入类型无效",
    "Invalid value.": "取值无效",
    "Shorter than minimum length 1.": "不能为空",
    "Invalid JSON body.": "请求体不是有效的 JSON",
    "Invalid credit code.": "统一社会信用代码无效（长度、字符或校验位错误）",
    "Unknown street.": "未知的街镇",
    "Unknown industry.": "未知的行业",
    "Unknown permit for this industry.": "该行业没有此许可事项",
    "Unknown entity.": "未知的市场主体",
    "Unknown department.": "未知的部门",
    "Outside the district.": "坐标不在本区范围内",
    "Must be later than valid_from.": "须晚于起始日期",
    "Must be later than the current validity.": "须晚于当前有效期",
    "Contains control characters.": "包含控制字符",
    "Must not be blank.": "不能为空白",
    "Duplicate permit.": "许可事项重复",
    "Unknown status.": "未知的状态",
    "Contains a lone surrogate.": "包含无效的 Unicode 字符（孤立代理项）",
    "Not a valid aware datetime.": "不是带时区的有效时间（ISO 8601，如 2026-12-01T09:30:00+08:00）",
}

PATTERNS = [
    (re.compile(r"Length must be between (\d+) and (\d+)\."), "长度须在 {0} 到 {1} 之间"),
    (re.compile(r"Longer than maximum length (\d+)\."), "长度不能超过 {0}"),
    (re.compile(r"Shorter than minimum length (\d+)\."), "长度不能少于 {0}"),
    (re.compile(r"Must be one of: (.*)\."), "必须是以下之一：{0}"),
    (
        re.compile(r"Must be greater than or equal to (\S+) and less than or equal to (\S+)\."),
        "须在 {0} 到 {1} 之间",
    ),
    (re.compile(r"Must be greater than or equal to (\S+)\."), "不能小于 {0}"),
    (re.compile(r"Must be less than or equal to (\S+)\."), "不能大于 {0}"),
    (re.compile(r"Must be between the years (\d+) and (\d+)\."), "年份须在 {0} 到 {1} 之间"),
]


def pair(message: str) -> dict[str, str]:
    """One English message with its Chinese."""
    if message in EXACT:
        return {"zh": EXACT[message], "en": message}
    for pattern, template in PATTERNS:
        match = pattern.fullmatch(message)
        if match:
            return {"zh": template.format(*match.groups()), "en": message}
    return {"zh": message, "en": message}


def bilingual_errors(errors: Any) -> Any:
    """The same nesting as marshmallow's errors, every leaf message as {"zh", "en"}."""
    if isinstance(errors, dict):
        return {str(key): bilingual_errors(value) for key, value in errors.items()}
    if isinstance(errors, list | tuple):
        return [bilingual_errors(item) for item in errors]
    if isinstance(errors, str):
        return pair(errors)
    return errors
