"""A roster's forms batch (service.batch) as a job of the HTTP service.

The API reads the uploaded roster at once, so that an unreadable one is refused when it
is submitted, and sends the rows it read to a worker; the worker rebuilds the roster and
runs service.batch.run_forms. Nothing here knows FastAPI or Celery.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import re
import tempfile
from pathlib import Path, PurePath

from service.batch import CHUNK_SIZE
from service.errors import InputError, Problem
from service.redact import MIN_VALUE_LENGTH
from service.roster import Roster, RosterRow, RowError, read_roster
from service.skeleton import Skeleton

DEFAULT_FORMS = (1, 2, 3)
# One job runs on one worker process and its one LibreOffice, inside the task time
# limit (5 x ZGSZ_CONVERSION_TIMEOUT, 600 s by default): 1,000 enterprises took 24 s
# through the API on a 2-core machine (2026-12-03).
MAX_ROWS = 1000
# Progress moves once per converted chunk: aim at ten steps, yet never convert fewer
# than MIN_CHUNK enterprises at a time (each conversion has a fixed cost).
PROGRESS_STEPS = 10
MIN_CHUNK = 5
SUFFIXES = (".xlsx", ".xlsm", ".csv")
_ZIP_MAGIC = b"PK\x03\x04"
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def parse_forms(text: str) -> tuple[int, ...] | None:
    """"1,2,3" -> (1, 2, 3), as `zgsz forms --forms` reads it; None when invalid."""
    try:
        parts = text.replace("，", ",").replace("、", ",").split(",")
        # "1,2,3," is what a hand types as often as "1,2,3"; "1-3" is how files are named.
        forms = tuple(sorted({n for part in parts if part.strip() for n in _numbers(part)}))
    except ValueError:
        return None
    if not forms or any(f not in DEFAULT_FORMS for f in forms):
        return None
    return forms


def _numbers(part: str) -> range:
    first, dash, last = part.replace("－", "-").partition("-")
    start, stop = int(first), int(last if dash else first)
    if not (min(DEFAULT_FORMS) <= start <= stop <= max(DEFAULT_FORMS)):
        # Checked before the range is walked: "1-999999999" must not count to a billion.
        raise ValueError(part)
    return range(start, stop + 1)


def display_name(filename: str | None) -> str:
    """The uploaded file's own name, as the user knows it, for messages."""
    name = PurePath((filename or "").replace("\\", "/")).name
    name = _CONTROL.sub("", name).strip()[:100]
    return name or "名单"


def read_upload(content: bytes, filename: str | None, skeleton: Skeleton) -> Roster:
    """The roster in an uploaded .xlsx or .csv, read (and safety-checked) as
    `zgsz forms` reads a file. InputError names the upload, not a temporary file."""
    suffix = PurePath(display_name(filename)).suffix.lower()
    if not suffix:
        # A client that sent no file name: an Office file is a zip, anything else CSV.
        suffix = ".xlsx" if content.startswith(_ZIP_MAGIC) else ".csv"
    elif suffix not in SUFFIXES and not re.fullmatch(r"\.[a-z0-9]{1,8}", suffix):
        suffix = ".unknown"
    label = display_name(filename)
    with tempfile.TemporaryDirectory(prefix="zgsz-roster-") as folder:
        path = Path(folder) / f"roster{suffix}"
        path.write_bytes(content)
        try:
            return read_roster(path, skeleton)
        except InputError as exc:
            problems = [dataclasses.replace(p, label=label) for p in exc.problems]
        except csv.Error as exc:  # a field over the csv module's limit, say
            problems = [Problem("roster.file", "", label, f"CSV 文件格式有误（{exc}）")]
    raise InputError(problems, "名单无法读取")


def chunk_size(rows: int) -> int:
    return max(MIN_CHUNK, min(CHUNK_SIZE, -(-rows // PROGRESS_STEPS)))


def progress_percent(done: int, total: int) -> int:
    """5 when the job starts, 95 when the last chunk is converted, 100 once stored."""
    return min(95, 5 + 90 * done // max(total, 1))


# ---------------------------------------------------------------- job record


def row_errors(roster: Roster) -> list[dict]:
    return [{"row": e.row, "column": e.column, "message": e.message, "enterprise": e.name}
            for e in roster.errors]


def batch_record(roster: Roster, *, forms: tuple[int, ...], pad_even: bool,
                 docx: bool, skeleton: str) -> dict:
    """The `batch` part of a forms job, known at submission; the worker adds the rest."""
    return {
        "forms": list(forms), "pad_even": pad_even, "docx": docx, "skeleton": skeleton,
        "enterprises": len(roster.rows),
        "failed_rows": len({e.row for e in roster.errors}),
        "row_errors": row_errors(roster),
        "notices": roster.notices,
        "succeeded": None, "merged_pages": None,
    }


# ---------------------------------------------------------------- task message


def roster_message(roster: Roster) -> dict:
    """The roster as JSON for the task message (dates as ISO text)."""
    return {
        "rows": [{**dataclasses.asdict(row), "dates": [d.isoformat() for d in row.dates]}
                 for row in roster.rows],
        "errors": [dataclasses.asdict(error) for error in roster.errors],
    }


def roster_from_message(message: dict) -> Roster:
    rows = [RosterRow(**{**row, "dates": [dt.date.fromisoformat(d) for d in row["dates"]]})
            for row in message["rows"]]
    return Roster(rows, [RowError(**error) for error in message["errors"]])


def private_values(message: dict) -> tuple[str, ...]:
    """The people named in a roster (the agency's and enterprises' leads), for logs
    to mask (service.redact)."""
    values = {str(row.get(key) or "").strip() for row in message.get("rows", [])
              for key in ("agency_lead", "enterprise_lead")}
    return tuple(sorted((v for v in values if len(v) >= MIN_VALUE_LENGTH),
                        key=len, reverse=True))
