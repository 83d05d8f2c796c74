"""The unified social credit code (统一社会信用代码, GB 32100-2015).

Eighteen characters from a 31-symbol alphabet (digits and capitals without I, O, S, V, Z);
the last one is a check character over the first seventeen.
"""

import unicodedata

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def normalize_credit_code(raw: str) -> str:
    """Undo what spreadsheets and input methods do: full-width forms, spaces, case."""
    text = unicodedata.normalize("NFKC", raw)
    return "".join(text.split()).upper()


def check_character(first17: str) -> str:
    total = sum(ALPHABET.index(ch) * w for ch, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def credit_code_problem(code: str) -> str | None:
    """Why `code` is not a valid credit code, in Chinese, or None when it is."""
    if len(code) != 18:
        return f"应为18位，实际为{len(code)}位"

    bad = sorted({ch for ch in code if ch not in ALPHABET})
    if bad:
        shown = "、".join(bad)
        return f"含有不允许的字符：{shown}（不使用 I、O、S、V、Z）"

    expected = check_character(code[:17])
    if code[17] != expected:
        return f"校验位不符：第18位应为 {expected}，实际为 {code[17]}"
    return None
