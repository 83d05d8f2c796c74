"""How we count a report's body length (正文字数).

The rule, the same for generated and edited reports:
- only Han characters (汉字) count: CJK Unified Ideographs, Extensions A to H and the
  compatibility ideographs; punctuation, digits, Latin letters, spaces do not;
- only the narrative text of the skeleton's sections counts: not the cover, the table of
  contents, headers and footers, section headings, tables, or the attachments.

Counting only Han characters is stricter than Word's 字数, so a report that passes here
passes any reading of "不少于3000字".
"""

import re

_HAN = re.compile(
    "[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
    "\U00020000-\U0002a6df\U0002a700-\U0002ebef\U0002f800-\U0002fa1f"
    "\U00030000-\U000323af]"
)

RULE = (
    "正文字数只计汉字（不含标点、数字、字母和空格），只计报告各章节的正文段落"
    "（不含封面、目录、页眉页脚、章节标题、表格和附件）"
)


def han_count(text: str) -> int:
    return len(_HAN.findall(text))
