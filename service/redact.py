"""Personal data kept out of logs: mobile numbers, and the names and phones of a job's
attendees and enterprise contact.

Logs go to other people (operators, log collectors) than the input does; what a log line
needs to say never depends on who signed in on a visit.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# A mainland mobile number, with or without +86 and separators, not inside longer digits.
MOBILE = re.compile(r"(?<![0-9])(?:\+?86[- ]?)?1[3-9][0-9](?:[- ]?[0-9]{4}){2}(?![0-9])")
PHONE_MASK = "[手机号]"
VALUE_MASK = "[已隐去]"
# Shorter values (a one-character name) would mask unrelated words.
MIN_VALUE_LENGTH = 2


def private_values(data: object) -> tuple[str, ...]:
    """The names and phones of an input's attendees and enterprise contact."""
    if not isinstance(data, dict):
        return ()
    people = [(data.get("enterprise") or {}).get("contact") or {}]
    for visit in data.get("visits") or []:
        if isinstance(visit, dict):
            people.extend(visit.get("attendees") or [])
    values = {str(person.get(key) or "").strip()
              for person in people if isinstance(person, dict)
              for key in ("name", "phone")}
    # Longest first, so that 张三丰 is masked whole before 张三 could split it.
    return tuple(sorted((v for v in values if len(v) >= MIN_VALUE_LENGTH),
                        key=len, reverse=True))


def redact(text: str, values: Iterable[str] = ()) -> str:
    for value in values:
        if value in text:
            text = text.replace(value, VALUE_MASK)
    return MOBILE.sub(PHONE_MASK, text)
