"""JSON columns are written with orjson and read back to exactly what the standard library
would give, including what orjson alone refuses (huge integers, the legacy NaN spelling)."""

from __future__ import annotations

import json
import math

from facilitator.storage.engine import json_text, json_value


def test_values_read_back_as_the_standard_encoder_would_give_them() -> None:
    value = {"name": "Zoë 🌱 مرحبا", 3: [1, 2.5, None, True], "nested": {"k": ["x"]}}
    assert json_value(json_text(value)) == json.loads(json.dumps(value))


def test_what_orjson_refuses_is_written_the_standard_way() -> None:
    huge = {"n": 2**70}
    assert json_value(json_text(huge)) == huge


def test_text_the_standard_encoder_wrote_still_reads() -> None:
    legacy = json.dumps({"x": float("nan")})  # "NaN": not JSON, but json.dumps writes it
    assert math.isnan(json_value(legacy)["x"])
    assert json_value(b'{"a": 1}') == {"a": 1}
