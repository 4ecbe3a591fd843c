"""Small coercions of appliance values shared by the parsers: one rule each."""

from __future__ import annotations

import re
from typing import Any


def as_int(value: Any) -> int | None:
    """An int, or a string of digits, as int; anything else (bools included) as None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and re.fullmatch(r"\s*-?\d+\s*", value):
        return int(value)
    return None


def as_list(value: Any) -> list:
    """None and "" as [], a list as itself, anything else as a one-element list."""
    if value is None or value == "":
        return []
    return value if isinstance(value, list) else [value]


def strings(value: Any) -> list[str]:
    """A value or list of values as strings, None elements dropped."""
    return [v if isinstance(v, str) else str(v) for v in as_list(value) if v is not None]
