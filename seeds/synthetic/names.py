"""Chinese names for synthetic people and shops: data tables and the builders that use them."""

from __future__ import annotations

import itertools
from random import Random

# Common surnames with rough relative frequencies (王李张刘陈 lead, as in the census).
SURNAMES = {
    "王": 72, "李": 71, "张": 68, "刘": 53, "陈": 45, "杨": 33, "黄": 25, "赵": 20,
    "吴": 19, "周": 19, "徐": 15, "孙": 13, "马": 12, "朱": 12, "胡": 11, "郭": 11,
    "何": 10, "高": 9, "林": 9, "罗": 8, "郑": 8, "梁": 8, "谢": 6, "宋": 6,
    "唐": 6, "许": 6, "韩": 5, "冯": 5, "邓": 5, "曹": 5, "彭": 5, "曾": 5,
    "萧": 4, "田": 4, "董": 4, "潘": 4, "袁": 4, "蔡": 4, "蒋": 4, "余": 4,
    "于": 4, "杜": 3, "叶": 3, "程": 3, "魏": 3, "苏": 3, "吕": 3, "丁": 3,
    "沈": 3, "顾": 3, "陆": 3, "钱": 2, "施": 2, "姚": 2, "范": 2, "金": 2,
}  # fmt: skip
GIVEN_NAME_CHARACTERS = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超霞平刚桂华建国文辉玲红海波鹏飞宇浩"
    "晨欣怡佳琪雪婷颖慧俊峰斌鑫立新春燕梅兰凤云志宏晓东亮健成琳倩瑶嘉豪昊天"
)
TWO_CHARACTER_GIVEN_NAME_SHARE = 0.7

# 字号 (trade names) are built from auspicious characters, or taken from set phrases.
BRAND_CHARACTERS = (
    "鑫盛华佳福瑞祥恒嘉隆兴宝丰源润泰康美悦星月云海晨阳和安顺达新金乐欣怡雅博诚信德"
    "益广汇昌荣锦绿天宏远家友邻味香甜禾谷麦茗源森林沐晴朗宸逸"
)
BRAND_PHRASES = (
    "老街坊",
    "好味道",
    "邻里间",
    "四季鲜",
    "百味园",
    "小城故事",
    "街角",
    "时光里",
    "新天地",
    "宝丰源",
    "聚福楼",
    "江南春",
    "淞滨",
    "月湖",
    "美兰",
    "罗溪",
)
BRAND_PHRASE_SHARE = 0.15
OWNER_BRAND_SHARE = 0.2  # 个体 shops often named after the owner: 张记, 李氏 …
OWNER_BRAND_FORMS = ("{surname}记", "老{surname}家", "{surname}氏")

# Industry-flavoured endings of a shop name; names ending in 公司 take no further form.
SUFFIXES = {
    "IC": ("网吧", "网咖", "电竞馆"),
    "FS": ("面包房", "烘焙坊", "茶饮店", "甜品店", "饮品店"),
    "CS": ("便利店", "便利超市"),
    "SM": ("超市", "生活超市", "购物中心"),
    "RS": ("饭店", "餐厅", "酒家", "面馆", "小吃店"),
    "HT": ("宾馆", "酒店", "商务酒店", "旅馆"),
    "PH": ("大药房", "药房"),
    "GY": ("健身中心", "健身房", "健身工作室"),
    "SW": ("游泳馆", "游泳健身馆"),
    "BE": ("美发店", "美容美发店", "发型工作室"),
    "KT": ("KTV", "量贩式KTV", "歌舞厅"),
    "GA": ("电玩城", "游艺厅"),
    "CI": ("影城", "电影院"),
    "BK": ("书店", "书局", "书屋"),
    "PV": ("剧场", "演艺中心"),
    "TA": ("旅行社",),
    "EL": ("养老院", "敬老院", "长者照护之家"),
    "CC": ("托育园", "托育中心"),
    "TR": ("培训中心", "教育培训中心", "职业技能培训中心"),
    "CL": ("诊所", "中医诊所", "口腔诊所"),
    "AR": ("汽车维修厂", "汽车修理厂", "汽车服务中心"),
    "GS": ("加油站",),
    "PR": ("印务有限公司", "印刷有限公司"),
    "HR": ("人力资源有限公司",),
    "SC": ("保安服务有限公司",),
}
DEFAULT_SUFFIXES = ("经营部",)
COMPANY_SUFFIX_ENDING = "公司"

# Registration forms: the 2nd character of the credit code, and the name templates.
COMPANY, INDIVIDUAL, COOPERATIVE = "1", "2", "3"
COMPANY_TEMPLATES = (
    "上海宝山区{brand}{suffix}有限公司",
    "上海{brand}{suffix}有限公司",
    "上海{brand}{suffix}有限公司宝山分公司",
)
FULL_COMPANY_TEMPLATES = ("上海{brand}{suffix}", "上海宝山{brand}{suffix}")
INDIVIDUAL_TEMPLATES = ("宝山区{brand}{suffix}（个体工商户）", "上海市宝山区{brand}{suffix}")
COOPERATIVE_TEMPLATES = ("上海宝山区{brand}农产品专业合作社", "上海{brand}果蔬专业合作社")


def _cumulative(weights: dict[str, int]) -> tuple[list[str], list[int]]:
    keys = list(weights)
    return keys, list(itertools.accumulate(weights[k] for k in keys))


_SURNAME_KEYS, _SURNAME_CUM = _cumulative(SURNAMES)


def surname(rng: Random) -> str:
    return rng.choices(_SURNAME_KEYS, cum_weights=_SURNAME_CUM)[0]


def person_name(rng: Random) -> str:
    """A realistic Chinese personal name: a common surname and one or two given characters."""
    size = 2 if rng.random() < TWO_CHARACTER_GIVEN_NAME_SHARE else 1
    return surname(rng) + "".join(rng.choices(GIVEN_NAME_CHARACTERS, k=size))


def brand(rng: Random, *, owner_style: bool = False) -> str:
    """A 字号: two distinct auspicious characters, a set phrase, or the owner's surname."""
    if owner_style and rng.random() < OWNER_BRAND_SHARE:
        return rng.choice(OWNER_BRAND_FORMS).format(surname=surname(rng))
    if rng.random() < BRAND_PHRASE_SHARE:
        return rng.choice(BRAND_PHRASES)
    return "".join(rng.sample(BRAND_CHARACTERS, 2))


def shop_name(rng: Random, industry: str, form: str) -> str:
    """A registered name fitting the industry and the registration form (1/2/3)."""
    suffix = rng.choice(SUFFIXES.get(industry, DEFAULT_SUFFIXES))
    trade = brand(rng, owner_style=form == INDIVIDUAL)
    if form == COOPERATIVE:
        templates = COOPERATIVE_TEMPLATES
    elif suffix.endswith(COMPANY_SUFFIX_ENDING):
        templates = FULL_COMPANY_TEMPLATES
    elif form == INDIVIDUAL:
        templates = INDIVIDUAL_TEMPLATES
    else:
        templates = COMPANY_TEMPLATES
    return rng.choice(templates).format(brand=trade, suffix=suffix)


def can_be_individual(industry: str) -> bool:
    """Industries whose every name ends in 公司 cannot be 个体工商户."""
    suffixes = SUFFIXES.get(industry, DEFAULT_SUFFIXES)
    return not all(s.endswith(COMPANY_SUFFIX_ENDING) for s in suffixes)
