"""The report's charts, drawn with matplotlib at print resolution in Noto Sans CJK SC.

Figures are made at the exact size they are placed at (millimetres) and rendered at
DPI, so the pixels per inch in the PDF are DPI whatever LibreOffice does with the page.
matplotlib's object API is used (no pyplot): no global state between threads or jobs.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from functools import cache

from fontTools.ttLib import TTCollection
from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from service.catalogue import Catalogue
from service.errors import DataError

FONT_FILE = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
FONT_FAMILY = "Noto Sans CJK SC"
DPI = 300
MM_PER_INCH = 25.4
# 令, 直, 骨 are drawn differently in SC and JP: the face must map them as SC does.
SC_PROBES = "令直骨"
BAR_COLOUR = "#2f5d8a"


@dataclass(frozen=True)
class Picture:
    """An image for the report, with the size it is placed at."""

    png: bytes
    width_mm: float
    height_mm: float


@cache
def chart_font() -> font_manager.FontProperties:
    """Noto Sans CJK SC, checked to draw the SC forms of Han characters."""
    try:
        font_manager.fontManager.addfont(FONT_FILE)
        found = font_manager.findfont(font_manager.FontProperties(family=FONT_FAMILY),
                                      fallback_to_default=False)
    except (OSError, ValueError) as exc:
        raise DataError(f"图表字体 {FONT_FAMILY}（{FONT_FILE}）不可用：{exc}") from exc

    used = font_manager.get_font(found)
    collection = TTCollection(FONT_FILE)
    sc = next(f for f in collection.fonts if f["name"].getDebugName(1) == FONT_FAMILY)
    wanted = sc.getBestCmap()
    glyph_order = sc.getGlyphOrder()
    for char in SC_PROBES:
        if glyph_order[used.get_char_index(ord(char))] != wanted[ord(char)]:
            raise DataError(f"图表字体未使用简体中文字形（“{char}”的字形不符），"
                            f"请检查 {FONT_FILE}")
    return font_manager.FontProperties(fname=found)


def _figure(width_mm: float, height_mm: float) -> Figure:
    return Figure(figsize=(width_mm / MM_PER_INCH, height_mm / MM_PER_INCH), dpi=DPI)


def _png(figure: Figure, width_mm: float, height_mm: float) -> Picture:
    FigureCanvasAgg(figure)
    buffer = io.BytesIO()
    # No bbox_inches="tight": it would change the size, and with it the resolution.
    figure.savefig(buffer, format="png", dpi=DPI)
    return Picture(buffer.getvalue(), width_mm, height_mm)


def radar_chart(scores: dict[str, float], title: str, *, width_mm: float = 150,
                height_mm: float = 120) -> Picture:
    """Scores on a 0-5 radar, one spoke per sub-domain (or element)."""
    font = chart_font()
    names = list(scores)
    values = [scores[n] for n in names]
    angles = [2 * math.pi * i / len(names) for i in range(len(names))]

    figure = _figure(width_mm, height_mm)
    axes = figure.add_axes((0.12, 0.08, 0.76, 0.8), projection="polar")
    axes.set_theta_offset(math.pi / 2)
    axes.set_theta_direction(-1)
    axes.plot(angles + angles[:1], values + values[:1], color=BAR_COLOUR, linewidth=1.5)
    axes.fill(angles + angles[:1], values + values[:1], color=BAR_COLOUR, alpha=0.2)
    axes.set_ylim(0, 5)
    axes.set_yticks([1, 2, 3, 4, 5])
    axes.set_yticklabels(["1", "2", "3", "4", "5"], fontproperties=font, fontsize=7)
    axes.set_xticks(angles)
    axes.set_xticklabels(names, fontproperties=font, fontsize=8)
    figure.suptitle(title, fontproperties=font, fontsize=10)
    return _png(figure, width_mm, height_mm)


def scenario_chart(scenario_ids: list[str], catalogue: Catalogue, *,
                   width_mm: float = 150, height_mm: float = 90) -> Picture:
    """How many recommended scenarios fall in each link of the catalogue."""
    font = chart_font()
    counts = {link_id: 0 for link_id, _ in catalogue.links}
    for scenario_id in scenario_ids:
        found = catalogue.get(scenario_id)
        if found is not None:
            counts[found.link_id] += 1
    names = [name for _, name in catalogue.links]
    values = list(counts.values())

    figure = _figure(width_mm, height_mm)
    axes = figure.add_axes((0.08, 0.28, 0.9, 0.62))
    bars = axes.bar(range(len(names)), values, color=BAR_COLOUR)
    axes.bar_label(bars, labels=[str(v) if v else "" for v in values],
                   fontproperties=font, fontsize=7)
    axes.set_xticks(range(len(names)))
    axes.set_xticklabels(names, fontproperties=font, fontsize=7, rotation=45, ha="right")
    axes.set_ylabel("场景数", fontproperties=font, fontsize=8)
    axes.set_ylim(0, max(values + [1]) + 1)
    axes.yaxis.get_major_locator().set_params(integer=True)
    for label in axes.get_yticklabels():
        label.set_fontproperties(font)
        label.set_fontsize(7)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    figure.suptitle(f"推荐场景在《{catalogue.title}》各环节的分布", fontproperties=font,
                    fontsize=10)
    return _png(figure, width_mm, height_mm)
