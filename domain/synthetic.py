"""Realistic synthetic identities and names for demo data, test factories and benchmarks (never real people)."""

from __future__ import annotations

import random
from datetime import date, timedelta

from stdnum.cn import ric, uscc

SURNAMES = (  # the common surnames
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建文辉力斌宇浩凯鹏飞鑫波宁琳晶欣怡佳雪梅琴云峰"
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def person_name(rng: random.Random) -> str:
    given = "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))
    return rng.choice(SURNAMES) + given


def _org_code(rng: random.Random) -> str:
    """A GB 11714 organisation code (8 characters and its check character), as embedded in a USCC."""
    body = "".join(rng.choice("0123456789") for _ in range(8))
    check = 11 - sum(int(c) * w for c, w in zip(body, _ORG_WEIGHTS, strict=True)) % 11
    return body + {10: "X", 11: "0"}.get(check, str(check))


def make_uscc(rng: random.Random, region_code: str, *, kind: str = "12") -> str:
    """A unified social credit code with valid check characters (kind '12' 事业单位, '52' 民非, '91' 企业)."""
    partial = kind + region_code + _org_code(rng)
    return partial + uscc.calc_check_digit(partial)


def make_resident_id(rng: random.Random, region_code: str, *, born: date | None = None) -> str:
    """A resident ID number with a valid birth date and check digit."""
    birth = born or date(1960, 1, 1) + timedelta(days=rng.randrange(0, 365 * 40))
    partial = f"{region_code}{birth:%Y%m%d}{rng.randrange(0, 1000):03d}"
    return partial + ric.calc_check_digit(partial + "0")  # stdnum expects a placeholder check digit


def mobile_number(rng: random.Random) -> str:
    return rng.choice(("138", "139", "150", "186", "177")) + f"{rng.randrange(0, 10**8):08d}"
