"""A slot refiled under a new login (clinic sync renamed the login, ``keys.renamed``): it keeps
opening with its password and its boxes, its copies too, under the name it was made under; the
key file writes the former name only for such a slot and checks it strictly."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import pytest

from facilitator.storage.errors import NotADatabase
from facilitator.storage.keyfile import KeyFile, check_slot, slot_json
from facilitator.storage.keys import (
    data_keys,
    device_bound_copy,
    make_keyed_slot,
    open_slot,
    password_only_copy,
    renamed,
    seal_to,
)
from tests.unit.test_keys_v2 import DB_ID, KEY_1, KEY_2, TINY


def test_a_renamed_slot_opens_with_its_password_and_its_boxes_and_new_boxes() -> None:
    slot = make_keyed_slot("user:dana", "dana's password", KEY_1, DB_ID, 1, params=TINY)
    moved = renamed(slot, "user:dana-9f3a21")
    assert (moved.name, moved.made_as, moved.public) == ("user:dana-9f3a21", "user:dana",
                                                         slot.public)
    private = open_slot(moved, "dana's password", None)
    assert data_keys(moved, private, DB_ID) == [(1, KEY_1)]
    seal_to(moved, KEY_2, DB_ID, 2)  # a rotation seals to it without any password
    assert data_keys(moved, private, DB_ID) == [(2, KEY_2), (1, KEY_1)]
    assert renamed(moved, "user:dana-9f3a21") is moved
    back = renamed(moved, "user:dana")  # filed under the name it was made under again
    assert back.made_as == "" and data_keys(back, private, DB_ID) == [(2, KEY_2), (1, KEY_1)]


def test_copies_of_a_renamed_slot_keep_its_name_and_open() -> None:
    slot = renamed(make_keyed_slot("user:dana", "pw one", KEY_1, DB_ID, 1, params=TINY),
                   "user:dana-9f3a21")
    private = open_slot(slot, "pw one", None)
    travelling = password_only_copy(slot, private, "pw one", TINY)
    arrived = check_slot(json.loads(json.dumps(slot_json(travelling))))
    assert (arrived.name, arrived.made_as) == ("user:dana-9f3a21", "user:dana")
    assert open_slot(arrived, "pw one", None) == private
    bound = device_bound_copy(slot, private, "pw one", b"d" * 32, TINY)
    assert open_slot(bound, "pw one", b"d" * 32) == private
    assert data_keys(bound, private, DB_ID) == [(1, KEY_1)]


def test_the_key_file_writes_the_former_name_only_when_there_is_one(tmp_path: Path) -> None:
    keys = KeyFile.create(tmp_path / "keys.json")
    plain = make_keyed_slot("user:avery", "pw", KEY_1, keys.db_id, 1, params=TINY)
    moved = renamed(make_keyed_slot("user:dana", "pw", KEY_1, keys.db_id, 1, params=TINY),
                    "user:dana-9f3a21")
    keys.slots = {s.name: s for s in (plain, moved)}
    keys.save()
    raw = {s["name"]: s for s in json.loads((tmp_path / "keys.json").read_text())["slots"]}
    assert "made_as" not in raw["user:avery"] and raw["user:dana-9f3a21"]["made_as"] == "user:dana"
    loaded = KeyFile.load(tmp_path / "keys.json")
    assert loaded.slots["user:dana-9f3a21"] == moved and loaded.slots["user:avery"] == plain


@pytest.mark.parametrize("made_as", ["user:dana-9f3a21", "recovery", "user:two words", 7])
def test_a_former_name_is_checked(made_as: object) -> None:
    slot = make_keyed_slot("user:dana", "pw", KEY_1, DB_ID, 1, params=TINY)
    raw = {**asdict(slot), "name": "user:dana-9f3a21", "made_as": made_as, "sealed": []}
    with pytest.raises(NotADatabase):
        check_slot(raw)
