"""What follows a section's text in the report: inventory and score tables, charts,
site photos and the architecture diagram, as the skeleton's `figures` ask for them.

Images are scaled to the text width with their proportions kept, and never taller than
MAX_PHOTO_HEIGHT_MM, so two photos of one visit share a page.
"""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from service.catalogue import Catalogue
from service.charts import Picture, radar_chart, scenario_chart
from service.cmmm import subdomains
from service.errors import DataError
from service.model import DiagnosisInput
from service.skeleton import load_skeleton

# A4 less the template's left (28 mm) and right (26 mm) margins.
TEXT_WIDTH_MM = 156
MAX_PHOTO_HEIGHT_MM = 100
MAX_PHOTOS_PER_VISIT = 2
MIN_RADAR_SPOKES = 3  # fewer points make no polygon


def figures_context(data: DiagnosisInput, catalogue: Catalogue) -> dict:
    wanted = {f for s in load_skeleton(data.skeleton).sections for f in s.figures}
    return {
        "equipment_rows": _grouped(data.enterprise.equipment, _equipment_cells),
        "software_rows": _grouped(data.enterprise.software, _software_cells),
        "cmmm_rows": _cmmm_rows(data),
        "lianghua_rows": [{"name": k, "score": f"{v:g}"}
                          for k, v in data.assessments.lianghua.aspects.items()],
        "radar": _radar(data) if "radar" in wanted else None,
        "scenario_chart": (scenario_chart([p.id for p in data.report.scenarios], catalogue)
                           if "scenario_chart" in wanted and data.report.scenarios
                           else None),
        "photos": _photos(data) if "photos" in wanted else [],
        "architecture": (picture_of(data.resolve(data.report.architecture))
                         if "architecture" in wanted and data.report.architecture
                         and data.resolve(data.report.architecture) is not None
                         else None),
    }


def _grouped(items: list, cells) -> list[dict]:
    """Rows ordered by kind; the kind is printed on the first row of its group only."""
    kinds = list(dict.fromkeys(item.kind for item in items))
    rows = []
    for kind in kinds:
        for n, item in enumerate(i for i in items if i.kind == kind):
            rows.append({"kind": kind if n == 0 else "", **cells(item)})
    return rows


def _equipment_cells(item) -> dict:
    return {"name": item.name, "model": item.model,
            "quantity": str(item.quantity or ""), "status": item.status,
            "supplier": item.supplier, "location": item.maker_location or ""}


def _software_cells(item) -> dict:
    return {"name": item.name, "version": item.version,
            "deployment": item.deployment or "",
            "price": f"{item.price:g}" if item.price is not None else "",
            "status": item.status, "supplier": item.supplier,
            "location": item.maker_location or ""}


def _cmmm_rows(data: DiagnosisInput) -> list[dict]:
    cmmm = data.assessments.cmmm
    rows = []
    for element in dict.fromkeys(s.element for s in subdomains()):
        scored = [s for s in subdomains() if s.element == element and s.name in cmmm.subdomains]
        element_score = cmmm.elements.get(element)
        label = f"{element}（{element_score:g}分）" if element_score is not None else element
        for n, sub in enumerate(scored):
            rows.append({"element": label if n == 0 else "", "name": sub.name,
                         "score": f"{cmmm.subdomains[sub.name]:g}"})
        if not scored and element_score is not None:
            rows.append({"element": label, "name": "", "score": ""})
    return rows


def _radar(data: DiagnosisInput) -> Picture | None:
    cmmm = data.assessments.cmmm
    order = [s.name for s in subdomains()]
    scored = {name: cmmm.subdomains[name] for name in order if name in cmmm.subdomains}
    if len(scored) >= MIN_RADAR_SPOKES:
        return radar_chart(scored, "智能制造能力成熟度能力子域得分")
    if len(cmmm.elements) >= MIN_RADAR_SPOKES:
        return radar_chart(dict(cmmm.elements), "智能制造能力成熟度能力要素得分")
    return None


def _photos(data: DiagnosisInput) -> list[dict]:
    photos = []
    visits = sorted(data.visits, key=lambda v: (v.date, v.start))
    for number, visit in enumerate(visits, start=1):
        for path in visit.photos[:MAX_PHOTOS_PER_VISIT]:
            if data.resolve(path) is None:
                continue  # named over HTTP: refused by the checks, left out of a draft
            photos.append({
                "picture": picture_of(data.resolve(path)),
                "caption": f"第{number}次入企（{visit.date.year}年{visit.date.month}月"
                           f"{visit.date.day}日，{visit.kind}）现场照片",
            })
    return photos


def picture_of(path: Path, *, max_height_mm: float = MAX_PHOTO_HEIGHT_MM) -> Picture:
    """A photo or diagram at the text width, its proportions kept."""
    try:
        with Image.open(path) as image:
            upright = ImageOps.exif_transpose(image)
            width, height = upright.size
            content = path.read_bytes()
            if upright is not image:
                # Word ignores the EXIF orientation: store the pixels the right way up.
                buffer = io.BytesIO()
                upright.convert("RGB").save(buffer, format="JPEG", quality=90)
                content = buffer.getvalue()
    except FileNotFoundError as exc:
        raise DataError(f"图片文件 {path} 不存在") from exc
    except (UnidentifiedImageError, OSError) as exc:
        raise DataError(f"图片文件 {path} 无法读取（应为 JPEG 或 PNG）") from exc

    width_mm = TEXT_WIDTH_MM
    height_mm = width_mm * height / width
    if height_mm > max_height_mm:
        width_mm, height_mm = width_mm * max_height_mm / height_mm, max_height_mm
    return Picture(content, width_mm, height_mm)
