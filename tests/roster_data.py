"""Rosters made by the tests, the way staff would fill them in."""

from __future__ import annotations

import random
from pathlib import Path

from openpyxl import Workbook

from service.credit_code import ALPHABET, check_character
from service.skeleton import load_skeleton

HEADERS = ["企业名称", "统一社会信用代码", "所在镇（开发区）", "诊断服务机构", "项目负责人",
           "企业负责人", "服务日期"]


def credit_code(seed: int) -> str:
    rng = random.Random(seed)
    first = "91320412MA" + "".join(rng.choice(ALPHABET) for _ in range(7))
    return first + check_character(first)


def enterprise_row(i: int) -> list:
    towns = load_skeleton("wujin-2022").towns
    return [f"常州市测试{i:03d}号精密机械有限公司", credit_code(i), towns[i % len(towns)],
            "常州示例智能制造咨询服务有限公司", "钱示例", "孙示例", "2022-06-15"]


def save_roster(folder: Path, rows: list[list], name: str = "名单.xlsx") -> Path:
    """An .xlsx holding the rows as given, headers included if they are among them."""
    book = Workbook()
    for row in rows:
        book.active.append(row)
    path = folder / name
    book.save(path)
    return path
