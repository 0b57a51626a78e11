"""UUIDv7 (RFC 9562 §5.7): 48 bits of Unix milliseconds, version, 74 random bits.

Python 3.11's ``uuid`` has no ``uuid7``. Time-ordered ids keep global ids of rows created
together close in an index; the random part makes two laptops never pick the same id.
"""

from __future__ import annotations

import os
import uuid


def uuid7(unix_ms: int, random: bytes | None = None) -> uuid.UUID:
    """A version 7 UUID for ``unix_ms`` (milliseconds since 1970 UTC); ``random`` (10 bytes)
    is drawn from the OS when not given (tests pass it to pin the output)."""
    if not 0 <= unix_ms < 1 << 48:
        raise ValueError("unix_ms out of the 48-bit range of a UUIDv7")
    rand = os.urandom(10) if random is None else random
    if len(rand) != 10:
        raise ValueError("a UUIDv7 takes exactly 10 random bytes")
    value = bytearray(unix_ms.to_bytes(6, "big") + rand)
    value[6] = 0x70 | (value[6] & 0x0F)  # version 7
    value[8] = 0x80 | (value[8] & 0x3F)  # variant 10xx (RFC 9562)
    return uuid.UUID(bytes=bytes(value))
