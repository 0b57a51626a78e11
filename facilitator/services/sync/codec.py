"""One column's value as an entry carries it (JSON) and back (``rows``).

Datetimes, dates and times in ISO 8601 (UTC datetimes keep their offset), bytes in hex, JSON
columns and everything else as they are.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import JSON, Column, TypeDecorator


def _kind(column: Column[Any]) -> str:
    kind = column.type
    if isinstance(kind, TypeDecorator):  # UTCDateTime: judged by what it stores
        kind = kind.impl_instance
    if isinstance(kind, JSON):
        return "json"
    try:
        py = kind.python_type
    except NotImplementedError:
        return "plain"
    if py is datetime:
        return "datetime"
    return {date: "date", time: "time", bytes: "bytes"}.get(py, "plain")


_READERS: dict[str, Callable[[str], Any]] = {
    "datetime": datetime.fromisoformat, "date": date.fromisoformat, "time": time.fromisoformat,
    "bytes": bytes.fromhex}


def encode(column: Column[Any], value: Any) -> Any:
    if value is None:
        return None
    kind = _kind(column)
    if kind in ("datetime", "date", "time"):
        return value.isoformat()
    if kind == "bytes":
        return bytes(value).hex()
    return value


def reader(column: Column[Any]) -> Callable[[str], Any] | None:
    """How an encoded value of ``column`` is read back; None: as it is."""
    return _READERS.get(_kind(column))


def decode(column: Column[Any], value: Any) -> Any:
    read = reader(column)
    return value if value is None or read is None else read(value)
