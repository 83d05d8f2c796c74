"""Reading what a user reads: PDF text, seed labels, CLI runs."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from pypdf import PdfReader

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
SEED_FORMS = Path(__file__).parent / "data" / "seed_forms.txt"
ZGSZ = Path(sys.executable).parent / "zgsz"


def run_zgsz(*args: str, check: bool = False,
             env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """`zgsz` with none of the caller's ZGSZ_* variables, only those in `env`."""
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("ZGSZ_")},
           **(env or {})}
    result = subprocess.run([str(ZGSZ), *args], capture_output=True, text=True,
                            env=env, timeout=300)
    if check and result.returncode != 0:
        raise AssertionError(f"zgsz {' '.join(args)} failed:\n{result.stdout}\n"
                             f"{result.stderr}")
    return result


def pdf_text(path: Path) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(path).pages)


def squeeze(text: str) -> str:
    """Text without white space: PDF extraction breaks lines and spaces CJK from digits."""
    return re.sub(r"\s+", "", text)


def seed_form_lines(number: int) -> list[str]:
    """The non-empty lines of attachment `number` as the seed prints them."""
    text = SEED_FORMS.read_text("utf-8")
    parts = re.split(r"^(?=附件\d\n)", text, flags=re.M)
    part = next(p for p in parts if p.startswith(f"附件{number}\n"))
    return [line.strip() for line in part.splitlines() if line.strip()]


def seed_line_pattern(line: str) -> re.Pattern:
    """A seed line as a pattern over squeezed text: blanks (spaces, underscores) may be
    filled in with anything, everything else must stand as printed."""
    pieces = re.split(r"\s+|_{3,}", line)
    return re.compile(".*?".join(re.escape(p) for p in pieces if p))


def find_one(folder: Path, *words: str, suffix: str) -> Path:
    found = [p for p in folder.iterdir()
             if p.suffix == suffix and all(w in p.name for w in words)]
    assert len(found) == 1, f"expected one {words} {suffix} in {folder}: {found}"
    return found[0]
