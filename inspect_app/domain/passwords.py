"""The password policy, and passwords the platform makes up itself (init's admin, demo staff).

A password is at least `MIN_LENGTH` characters, mixes at least two kinds of character
(lower case, upper case, digits, anything else — Chinese included), and is not the
username, nor contains it. Every place that sets a password asks `problems` first.
"""

from __future__ import annotations

import secrets
import string

MIN_LENGTH = 12
MAX_LENGTH = 256
GENERATED_LENGTH = 20
_ALPHABET = string.ascii_letters + string.digits

TOO_SHORT = {
    "zh": f"密码至少 {MIN_LENGTH} 个字符",
    "en": f"The password needs at least {MIN_LENGTH} characters",
}
TOO_LONG = {
    "zh": f"密码不能超过 {MAX_LENGTH} 个字符",
    "en": f"The password may have at most {MAX_LENGTH} characters",
}
ONE_KIND = {
    "zh": "密码须混合至少两类字符（小写、大写、数字、其他字符）",
    "en": "Mix at least two kinds of character (lower case, upper case, digits, others)",
}
HAS_USERNAME = {
    "zh": "密码不能是或包含用户名",
    "en": "The password may not be or contain the username",
}


def _kind(char: str) -> str:
    if char.isdigit():
        return "digit"
    if char.islower():
        return "lower"
    if char.isupper():
        return "upper"
    return "other"


def problems(password: str, username: str = "") -> list[dict[str, str]]:
    """What is wrong with this password for this user, each in Chinese and English (empty: ok)."""
    found = []
    if len(password) < MIN_LENGTH:
        found.append(TOO_SHORT)
    if len(password) > MAX_LENGTH:
        found.append(TOO_LONG)
    if len({_kind(c) for c in password}) < 2:
        found.append(ONE_KIND)
    if username and username.casefold() in password.casefold():
        found.append(HAS_USERNAME)
    return found


def generate() -> str:
    """A random password that meets the policy (about 119 bits)."""
    while True:
        candidate = "".join(secrets.choice(_ALPHABET) for _ in range(GENERATED_LENGTH))
        if not problems(candidate):
            return candidate
