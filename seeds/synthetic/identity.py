"""Identifiers of the synthetic district, unique by construction.

Each identifier is a function of the entity's index, so a district can be streamed (or a
single entity regenerated) without keeping a set of the codes already handed out.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from random import Random

# GB 32100-2015: the code alphabet and check weights. The generator stays pure (no app import);
# tests check every code it makes against the app's own validator (inspect_app.domain.credit_code).
ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CHECK_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
CHECK_MODULUS = 31
_VALUE = {ch: i for i, ch in enumerate(ALPHABET)}
# GB 32100-2015 layout: 登记管理部门 '9' (market regulation), 机构类别, 6-digit division code.
REGISTRATION_AUTHORITY = "9"
DIVISION_CODE = "310113"  # 上海市宝山区
# Since the 2015 reform the 9-character subject code is assigned as 'MA' + 7 characters.
NEW_SUBJECT_PREFIX = "MA1"
NEW_SUBJECT_DIGITS = 6
# Legacy 组织机构代码 (GB 11714): 8 digits and a check character.
LEGACY_DIGITS = 8
LEGACY_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
LEGACY_MODULUS = 11

LICENCE_PREFIX = "BS"
LICENCE_SERIAL_WIDTH = 6
PERMIT_SERIAL_WIDTH = 6
PERMIT_CHECK_MODULUS = 11
# Permit-number prefixes by permit name (two letters, after the pinyin of the permit);
# a permit added to the catalogue later gets its code as prefix ('XX-P9-…').
PERMIT_NUMBER_PREFIXES = {
    "网络文化经营许可证": "WW", "公众聚集场所投入使用营业前消防安全检查": "XF", "消防检查": "XF",
    "食品经营许可": "JY", "排水许可": "PS", "户外招牌设置": "ZP", "烟草专卖零售许可": "YC",
    "酒类商品零售": "JL", "特种行业许可证": "TH", "公共场所卫生许可": "WS", "药品经营许可": "YP",
    "第二类医疗器械经营备案": "YX", "高危险性体育项目经营许可": "TY", "娱乐经营许可证": "YL",
    "电影放映经营许可证": "DY", "出版物零售经营许可证": "CB", "演出场所经营单位备案": "YB",
    "旅行社业务经营许可证": "LX", "养老机构备案": "YJ", "医疗机构执业许可": "YZ",
    "医疗机构执业许可（备案）": "YZ", "托育机构备案": "TU", "民办学校办学许可证": "MB",
    "放射诊疗许可": "FS", "机动车维修经营备案": "JW", "危险废物管理计划备案": "WF",
    "成品油零售经营许可": "CY", "危险化学品经营许可": "WH", "特种设备使用登记及计量器具检定": "TS",
    "印刷经营许可证": "YS", "人力资源服务许可证": "RL", "保安服务许可证": "BA",
}  # fmt: skip
FOOD_CATEGORY = {"RS": "2"}  # 食品经营许可: 1 食品销售, 2 餐饮服务
DEFAULT_FOOD_CATEGORY = "1"


@dataclass(frozen=True, slots=True)
class Scramble:
    """An affine permutation i -> (a·i + b) mod m: distinct indices give distinct values."""

    a: int
    b: int
    modulus: int

    @classmethod
    def seeded(cls, rng: Random, modulus: int) -> Scramble:
        while True:
            a = rng.randrange(modulus // 3, modulus)
            if math.gcd(a, modulus) == 1:
                return cls(a, rng.randrange(modulus), modulus)

    def __call__(self, index: int) -> int:
        return (self.a * index + self.b) % self.modulus


@dataclass(frozen=True, slots=True)
class CodeScrambles:
    new_style: Scramble
    legacy: Scramble

    @classmethod
    def for_seed(cls, seed: int) -> CodeScrambles:
        rng = Random(f"{seed}:credit-codes")
        return cls(
            new_style=Scramble.seeded(rng, len(ALPHABET) ** NEW_SUBJECT_DIGITS),
            legacy=Scramble.seeded(rng, 10**LEGACY_DIGITS),
        )


def credit_code(index: int, form: str, legacy: bool, scrambles: CodeScrambles) -> str:
    """A valid, district-unique unified social credit code for the entity at ``index``.

    New-style and legacy subject codes cannot collide (one starts with 'M', the other with
    a digit), and each is a permutation of the index, so codes are unique for every index
    below the permutation's modulus.
    """
    subject = (
        _legacy_subject(scrambles.legacy(index))
        if legacy
        else _new_subject(scrambles.new_style(index))
    )
    return complete(REGISTRATION_AUTHORITY + form + DIVISION_CODE + subject)


def _new_subject(value: int) -> str:
    chars = []
    for _ in range(NEW_SUBJECT_DIGITS):
        value, digit = divmod(value, len(ALPHABET))
        chars.append(ALPHABET[digit])
    return NEW_SUBJECT_PREFIX + "".join(reversed(chars))


def _legacy_subject(value: int) -> str:
    body = f"{value:0{LEGACY_DIGITS}d}"
    total = sum(int(ch) * w for ch, w in zip(body, LEGACY_WEIGHTS, strict=True))
    check = LEGACY_MODULUS - total % LEGACY_MODULUS
    return body + {10: "X", LEGACY_MODULUS: "0"}.get(check, str(check))


def licence_number(industry: str, year: int, serial: int) -> str:
    """'BS-IC-2021-000123': unique while (industry, serial) is."""
    return f"{LICENCE_PREFIX}-{industry}-{year}-{serial:0{LICENCE_SERIAL_WIDTH}d}"


def permit_number(permit_code: str, permit_name: str, industry: str, serial: int) -> str:
    """A permit number like 'JY13101130012345': prefix, category, division, serial, check digit.

    Unique while ``serial`` is unique per licence and no licence carries two permits with the
    same prefix. The check digit is ours (the number mod 11, mod 10), not an official one.
    """
    prefix = PERMIT_NUMBER_PREFIXES.get(permit_name) or f"{permit_code}-"
    category = FOOD_CATEGORY.get(industry, DEFAULT_FOOD_CATEGORY)
    digits = f"{category}{DIVISION_CODE}{serial:0{PERMIT_SERIAL_WIDTH}d}"
    check = int(digits) % PERMIT_CHECK_MODULUS % 10
    return f"{prefix}{digits}{check}"


def complete(first17: str) -> str:
    """Append the GB 32100 check character to the first 17 characters of a credit code."""
    total = sum(_VALUE[ch] * w for ch, w in zip(first17, CHECK_WEIGHTS, strict=True))
    return first17 + ALPHABET[(CHECK_MODULUS - total % CHECK_MODULUS) % CHECK_MODULUS]
