"""Chinese labels for field paths, read from the models' `title`s."""

from __future__ import annotations

import types
import typing
from collections.abc import Sequence

from pydantic import BaseModel

from service.model import DiagnosisInput

SEPARATOR = " › "


def _unwrap(annotation: object) -> object:
    """Strip Optional/Union-with-None so we can walk into the model inside."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        return args[0] if len(args) == 1 else annotation
    return annotation


def _item_type(annotation: object) -> object:
    args = typing.get_args(annotation)
    return _unwrap(args[-1]) if args else None


def label_for(path: Sequence[str | int], root: type[BaseModel] = DiagnosisInput) -> str:
    """`("visits", 0, "experts")` -> "入企服务记录[第1条] › 到场专家"."""
    parts: list[str] = []
    current: object = root

    for key in path:
        if isinstance(key, int):
            if parts:
                parts[-1] += f"[第{key + 1}条]"
            current = _item_type(current)
            continue

        if isinstance(current, type) and issubclass(current, BaseModel):
            field = current.model_fields.get(key)
            if field is None:
                parts.append(str(key))
                current = None
                continue
            parts.append(field.title or key)
            current = _unwrap(field.annotation)
        elif typing.get_origin(current) is dict:
            parts.append(str(key))
            current = _item_type(current)
        else:
            parts.append(str(key))
            current = None

    return SEPARATOR.join(parts)


def dotted(path: Sequence[str | int]) -> str:
    """`("visits", 0, "experts")` -> "visits[0].experts"."""
    out = ""
    for key in path:
        out += f"[{key}]" if isinstance(key, int) else (f".{key}" if out else str(key))
    return out
