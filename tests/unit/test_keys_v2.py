"""Format-2 key slots without a database: the sealed box is bound to its clinic, slot and
epoch; a slot's private key only opens with its own password and matches its public key; an
upgrade keeps the password; a pending rotation settles one way or the other; the new fields
are checked strictly."""

from __future__ import annotations

import json
from dataclasses import asdict, replace
from pathlib import Path

import pytest

from facilitator.storage import sealing
from facilitator.storage.errors import NotADatabase, WrongPassword
from facilitator.storage.keyfile import KeyFile, check_slot
from facilitator.storage.keys import (
    RECOVERY_SLOT,
    KdfParams,
    Pending,
    data_keys,
    device_bound_copy,
    make_keyed_slot,
    make_slot,
    new_recovery_key,
    open_slot,
    password_only_copy,
    seal_to,
    slot_key,
    upgraded,
)

TINY = KdfParams(time_cost=1, memory_kib=8 * 1024, parallelism=1)
DB_ID = "0123456789abcdef0123456789abcdef"
OTHER_ID = "f" * 32
KEY_1, KEY_2 = bytes(range(32)), bytes(range(32, 64))


def test_a_sealed_key_opens_only_in_its_own_context() -> None:
    private, public = sealing.new_key_pair()
    assert sealing.public_of(private) == public and len(public) == 32
    info = sealing.context(DB_ID, "user:avery", 3)
    eph, nonce, box = sealing.seal(KEY_1, public, info)
    assert sealing.unseal(private, eph, nonce, box, info) == KEY_1
    for other in (sealing.context(OTHER_ID, "user:avery", 3),
                  sealing.context(DB_ID, "user:admin", 3),
                  sealing.context(DB_ID, "user:avery", 4)):
        with pytest.raises(sealing.Unsealable):
            sealing.unseal(private, eph, nonce, box, other)
    with pytest.raises(sealing.Unsealable):
        sealing.unseal(sealing.new_key_pair()[0], eph, nonce, box, info)
    # Each seal uses a fresh ephemeral key: two boxes of one key share nothing.
    assert sealing.seal(KEY_1, public, info)[0] != eph


def test_a_keyed_slot_opens_with_its_password_and_yields_the_data_key() -> None:
    slot = make_keyed_slot("user:avery", "a password", KEY_1, DB_ID, 1, params=TINY)
    private = open_slot(slot, "a password", None)
    assert data_keys(slot, private, DB_ID) == [(1, KEY_1)]
    assert data_keys(slot, private, OTHER_ID) == []  # moved to another clinic: opens nothing
    with pytest.raises(WrongPassword):
        open_slot(slot, "another password", None)
    # Sealing needs no secret; the newest epoch comes first.
    seal_to(slot, KEY_2, DB_ID, 2)
    assert data_keys(slot, private, DB_ID) == [(2, KEY_2), (1, KEY_1)]
    assert slot.fingerprint() == sealing.fingerprint(sealing.public_of(private))


def test_a_travelling_copy_opens_with_the_password_alone_on_any_laptop() -> None:
    device = b"this laptop's keychain secret".ljust(32, b"!")
    slot = make_keyed_slot("user:avery", "a password", KEY_1, DB_ID, 1, params=TINY,
                           device_secret=device)
    private = open_slot(slot, "a password", device)
    copy = password_only_copy(slot, private, "a password", TINY)
    assert (copy.name, copy.kdf, copy.device_bound, copy.params) == (
        "user:avery", "argon2id", False, slot.params)
    assert copy.public == slot.public and copy.sealed == []
    assert copy.salt != slot.salt  # its own salt: the copy says nothing about the original
    # Another laptop has no keychain secret of this one: the password alone opens the copy.
    assert open_slot(copy, "a password", None) == private
    assert open_slot(copy, "a password", b"another laptop's secret".ljust(32, b"?")) == private
    with pytest.raises(WrongPassword):
        open_slot(copy, "another password", None)
    seal_to(copy, KEY_2, OTHER_ID, 1)  # the other laptop seals its own data key to it
    assert data_keys(copy, private, OTHER_ID) == [(1, KEY_2)]


def test_a_travelled_slot_bound_to_this_laptops_keychain_keeps_its_key_pair() -> None:
    """What sign-in does to a password-only slot where a keychain is in use: the same key pair
    and sealed keys, now behind the password *and* the device secret, at this laptop's cost."""
    plain = make_keyed_slot("user:avery", "a password", KEY_1, DB_ID, 1, params=TINY)
    private = open_slot(plain, "a password", None)
    device = b"this laptop's keychain secret".ljust(32, b"!")
    cost = KdfParams(time_cost=2, memory_kib=8 * 1024, parallelism=1)
    bound = device_bound_copy(plain, private, "a password", device, cost)
    assert (bound.name, bound.kdf, bound.device_bound, bound.params) == (
        "user:avery", "argon2id", True, asdict(cost))
    assert bound.public == plain.public and bound.sealed == plain.sealed
    assert bound.sealed is not plain.sealed  # a later seal_to on one leaves the other as is
    assert bound.salt != plain.salt and bound.nonce != plain.nonce
    assert open_slot(bound, "a password", device) == private
    assert data_keys(bound, private, DB_ID) == [(1, KEY_1)]
    for secret, password in ((None, "a password"), (b"x" * 32, "a password"),
                             (device, "another password")):
        with pytest.raises(WrongPassword):
            open_slot(replace(bound, device_bound=secret is not None), password, secret)
    assert plain.device_bound is False and open_slot(plain, "a password", None) == private


def test_a_slot_from_another_laptop_is_checked_like_one_in_the_key_file() -> None:
    slot = make_keyed_slot("user:avery", "a password", KEY_1, DB_ID, 1, params=TINY)
    copy = password_only_copy(slot, open_slot(slot, "a password", None), "a password", TINY)
    raw = asdict(copy)
    assert check_slot(raw) == copy  # what travels comes back whole, its public key included
    assert open_slot(check_slot(raw), "a password", None)
    damaged = r"^A key slot from another laptop is damaged \(.+\)\.$"
    for hostile in ("a string", {**raw, "sealed": asdict(slot)["sealed"]},
                    {k: v for k, v in raw.items() if k != "sealed"},
                    {**raw, "device_bound": True}, {**raw, "public": ""},
                    {**raw, "public": raw["public"][:-4]},
                    {k: v for k, v in raw.items() if k != "public"},
                    {**raw, "name": ""}, {**raw, "wrapped": "not base64!"}):
        with pytest.raises(NotADatabase, match=damaged):
            check_slot(hostile)
    with pytest.raises(NotADatabase, match=r"\(not a password-only slot without sealed keys\)\.$"):
        check_slot({**raw, "device_bound": True})
    with pytest.raises(NotADatabase, match=r"\(slot user:avery: public has 30 bytes, not 32\)"):
        check_slot({**raw, "public": raw["public"][:-4]})


def test_a_swapped_public_key_or_a_wrapped_key_from_format_1_does_not_open() -> None:
    slot = make_keyed_slot("user:avery", "pw", KEY_1, DB_ID, 1, params=TINY)
    other = make_keyed_slot("user:avery", "pw", KEY_1, DB_ID, 1, params=TINY)
    with pytest.raises(WrongPassword, match=r"^The password is not correct\.$"):
        open_slot(replace(slot, public=other.public), "pw", None)
    # A format-1 wrapping under the same salt is not accepted as a private key.
    v1 = make_slot("user:avery", "pw", KEY_1, params=TINY)
    with pytest.raises(WrongPassword):
        open_slot(replace(v1, public=slot.public, sealed=slot.sealed), "pw", None)


def test_an_upgrade_keeps_the_password_salt_and_cost() -> None:
    v1 = make_slot("user:avery", "old pw", KEY_1, params=TINY, device_secret=b"d" * 32)
    key = slot_key(v1, "old pw", b"d" * 32)
    v2 = upgraded(v1, key, KEY_1, DB_ID, 5)
    assert v2.keyed and not v1.keyed
    assert (v2.salt, v2.params, v2.device_bound) == (v1.salt, v1.params, True)
    private = open_slot(v2, "old pw", b"d" * 32)
    assert data_keys(v2, private, DB_ID) == [(5, KEY_1)]
    with pytest.raises(WrongPassword):
        open_slot(v2, "old pw", None)  # still bound to the device
    assert v1.fingerprint() == ""  # what sign-in takes for "format 1, not yet bound"


def test_an_upgraded_slot_survives_a_save_and_load(tmp_path: Path) -> None:
    v1 = make_slot("user:avery", "old pw", KEY_1, params=TINY)
    v2 = upgraded(v1, slot_key(v1, "old pw", None), KEY_1, DB_ID, 1)
    keys = KeyFile(tmp_path / "keys.json", DB_ID, {"user:avery": v2})
    keys.save()
    again = KeyFile.load(tmp_path / "keys.json").slots["user:avery"]
    assert again == v2 and again.fingerprint() == v2.fingerprint()
    assert data_keys(again, open_slot(again, "old pw", None), DB_ID) == [(1, KEY_1)]


def test_a_damaged_newer_box_does_not_hide_an_older_one() -> None:
    slot = make_keyed_slot("user:avery", "pw", KEY_1, DB_ID, 1, params=TINY)
    seal_to(slot, KEY_2, DB_ID, 2)
    newest = next(b for b in slot.sealed if b.epoch == 2)
    newest.box = slot.sealed[0].box  # another box's ciphertext: does not open as epoch 2
    assert data_keys(slot, open_slot(slot, "pw", None), DB_ID) == [(1, KEY_1)]


FIXTURE_2 = Path(__file__).with_name("data") / "keyslots-v2.json"


def test_key_file_written_by_version_2_still_opens() -> None:
    """Pins the whole construction (wrapping, associated data, sealing context): a change
    that breaks this locks every user out of every clinic made with it."""
    keys = KeyFile.load(FIXTURE_2)
    assert (keys.db_id, keys.epoch, keys.pending) == (DB_ID, 2, None)
    secrets = {"user:avery": ("an old password 1", None),
               "user:dev": ("device pw 123", bytes([7]) * 32),
               RECOVERY_SLOT: ("abcde fghjk lmnpq rstuv wxyz2 34567", None)}
    for name, (secret, device) in secrets.items():
        slot = keys.slot_for(name)
        assert data_keys(slot, open_slot(slot, secret, device), DB_ID) == [(2, KEY_2)], name
    assert keys.slot_for("user:avery").fingerprint() == (
        "f82fee43ebe96c9046e77b011a25e0c224f093839584ea83e842f0909a38f02f")


def _file(tmp_path: Path) -> KeyFile:
    keys = KeyFile(tmp_path / "keys.json", DB_ID, {})
    keys.slots["user:avery"] = make_keyed_slot("user:avery", "pw", KEY_1, DB_ID, 1,
                                               params=TINY)
    keys.slots["user:gone"] = make_keyed_slot("user:gone", "pw", KEY_1, DB_ID, 1, params=TINY)
    keys.slots["user:old"] = make_slot("user:old", "pw", KEY_1, params=TINY)
    keys.slots[RECOVERY_SLOT] = make_keyed_slot(RECOVERY_SLOT, new_recovery_key(), KEY_1,
                                                DB_ID, 1, kdf="hkdf")
    return keys


def _pending(keys: KeyFile) -> str:
    recovery = new_recovery_key()
    seal_to(keys.slots["user:avery"], KEY_2, DB_ID, 2)
    keys.pending = Pending(2, make_keyed_slot(RECOVERY_SLOT, recovery, KEY_2, DB_ID, 2,
                                              kdf="hkdf"))
    keys.save()
    return recovery


def test_a_completed_rotation_keeps_only_what_was_sealed_to_the_new_key(
        tmp_path: Path) -> None:
    keys = _file(tmp_path)
    recovery = _pending(keys)
    loaded = KeyFile.load(keys.path)  # both epochs survive a save and load
    assert loaded.pending is not None and loaded.pending.epoch == 2
    assert loaded.settle(2) == "completed"
    assert (loaded.epoch, loaded.pending) == (2, None)
    assert set(loaded.slots) == {"user:avery", RECOVERY_SLOT}  # gone and old (format 1) went
    assert [b.epoch for b in loaded.slots["user:avery"].sealed] == [2]
    rec = loaded.slots[RECOVERY_SLOT]
    assert data_keys(rec, open_slot(rec, recovery, None), DB_ID) == [(2, KEY_2)]
    assert loaded.settle(2) is None


def test_an_abandoned_rotation_leaves_the_file_as_it_was(tmp_path: Path) -> None:
    keys = _file(tmp_path)
    before = {n: s.fingerprint() for n, s in keys.slots.items()}
    _pending(keys)
    loaded = KeyFile.load(keys.path)
    assert loaded.settle(1) == "abandoned"
    assert (loaded.epoch, loaded.pending) == (1, None)
    assert {n: s.fingerprint() for n, s in loaded.slots.items()} == before
    assert {b.epoch for s in loaded.slots.values() for b in s.sealed} == {1}


def _damaged(tmp_path: Path, edit) -> str:
    keys = _file(tmp_path)
    _pending(keys)
    data = json.loads(keys.path.read_text())
    edit(data, next(s for s in data["slots"] if s["name"] == "user:avery"))
    keys.path.write_text(json.dumps(data))
    with pytest.raises(NotADatabase) as err:
        KeyFile.load(keys.path)
    return str(err.value)


@pytest.mark.parametrize(("edit", "reason"), [
    (lambda f, s: f.update(epoch=True), "the file: epoch must be between 1 and 1000000"),
    (lambda f, s: f.update(epoch=0), "the file: epoch must be between 1 and 1000000"),
    (lambda f, s: f.pop("pending"), "unexpected or missing fields"),
    (lambda f, s: f.update(extra=1), "unexpected or missing fields"),
    (lambda f, s: f["pending"].update(epoch=3), "the pending rotation is not for the next epoch"),
    (lambda f, s: f["pending"].update(drop=[]), "the pending rotation has unexpected fields"),
    (lambda f, s: f["pending"]["recovery"].update(name="user:x"),
     "slot user:x: key derivation must be argon2id"),
    (lambda f, s: f["pending"].update(recovery=s), "the pending recovery slot is invalid"),
    (lambda f, s: s.update(sealed=[]), "slot user:avery: sealed keys missing or too many"),
    (lambda f, s: s.update(sealed="x"), "slot user:avery: sealed keys missing or too many"),
    (lambda f, s: s["sealed"][1].update(epoch=1), "slot user:avery: two sealed keys for one"
                                                  " epoch"),
    (lambda f, s: s["sealed"][0].update(nonce="AAAA"), "slot user:avery: nonce has 3 bytes,"
                                                       " not 12"),
    (lambda f, s: s["sealed"][0].update(ephemeral=7), "slot user:avery: ephemeral is not"
                                                      " base64"),
    (lambda f, s: s.pop("sealed"), "a slot has unexpected fields"),
    (lambda f, s: s["sealed"].append(dict(s["sealed"][0], epoch=3)),
     "slot user:avery: sealed keys missing or too many"),
    (lambda f, s: s["sealed"][0].update(extra=1), "slot user:avery: a sealed key has unexpected"
                                                  " fields"),
    (lambda f, s: s["sealed"].__setitem__(0, ["not", "a", "table"]),
     "slot user:avery: a sealed key has unexpected fields"),
    (lambda f, s: s["sealed"][0].update(epoch=0), "slot user:avery: epoch must be between 1"
                                                  " and 1000000"),
    (lambda f, s: s.update(public="A" * 44), "slot user:avery: public has 33 bytes, not 32"),
])
def test_the_new_fields_are_checked_and_named(tmp_path: Path, edit, reason: str) -> None:
    assert _damaged(tmp_path, edit) == (f"The key file keys.json is damaged or not ours"
                                        f" ({reason}). Restore it from a backup.")


def test_a_format_1_file_loads_as_epoch_1_and_saves_as_format_2(tmp_path: Path) -> None:
    path = tmp_path / "keys.json"
    old = {k: v for k, v in vars(make_slot("user:old", "pw", KEY_1, params=TINY)).items()
           if k not in ("public", "sealed")}
    path.write_text(json.dumps({"format": "facilitator.keyslots/1", "db_id": DB_ID,
                                "slots": [old]}))
    keys = KeyFile.load(path)
    assert (keys.epoch, keys.pending) == (1, None)
    keys.save()
    data = json.loads(path.read_text())
    assert (data["format"], data["epoch"], data["pending"]) == ("facilitator.keyslots/2", 1, None)
    assert "public" not in data["slots"][0]  # still format 1 until its user signs in
    assert open_slot(KeyFile.load(path).slots["user:old"], "pw", None) == KEY_1


@pytest.mark.parametrize(("param", "value", "ok"), [
    ("memory_kib", 8 * 1024, True), ("memory_kib", 8 * 1024 - 1, False),
    ("memory_kib", 1024 * 1024, True), ("memory_kib", 1024 * 1024 + 1, False),
    ("time_cost", 1, True), ("time_cost", 0, False),
    ("time_cost", 20, True), ("time_cost", 21, False),
    ("parallelism", 1, True), ("parallelism", 0, False),
    ("parallelism", 16, True), ("parallelism", 17, False),
])
def test_kdf_cost_bounds_are_exact(tmp_path: Path, param: str, value: int, ok: bool) -> None:
    """Loading never runs Argon2, so the very bounds can be checked: the largest cost a file
    may ask for is 1 GiB x 20 passes, 16 lanes."""
    keys = _file(tmp_path)
    keys.slots["user:avery"].params[param] = value
    keys.save()
    if ok:
        assert KeyFile.load(keys.path).slots["user:avery"].params[param] == value
    else:
        with pytest.raises(NotADatabase, match=f"{param} must be between"):
            KeyFile.load(keys.path)


def test_base64_with_stray_characters_is_refused(tmp_path: Path) -> None:
    """A lenient decoder would drop the stray characters and accept the rest."""
    keys = _file(tmp_path)
    keys.slots["user:avery"].salt = "@@" + keys.slots["user:avery"].salt
    keys.save()
    with pytest.raises(NotADatabase, match="salt is not base64"):
        KeyFile.load(keys.path)


def test_the_largest_epoch_is_accepted(tmp_path: Path) -> None:
    keys = KeyFile(tmp_path / "keys.json", DB_ID, {}, epoch=1_000_000)
    keys.slots["user:avery"] = make_keyed_slot("user:avery", "pw", KEY_1, DB_ID, 1_000_000,
                                               params=TINY)
    keys.save()
    assert KeyFile.load(keys.path).epoch == 1_000_000


def _slot_damage(tmp_path: Path, which: str, changes: dict[str, object]) -> str:
    keys = _file(tmp_path)
    keys.save()
    data = json.loads(keys.path.read_text())
    slot = next(s for s in data["slots"] if s["name"] == which)
    for key, value in changes.items():
        if key in ("time_cost", "memory_kib", "parallelism"):
            slot["params"][key] = value
        else:
            slot[key] = value
    keys.path.write_text(json.dumps(data))
    try:
        KeyFile.load(keys.path)
    except NotADatabase as err:
        prefix, suffix = "The key file keys.json is damaged or not ours (", "). Restore it"
        text = str(err)
        return text[len(prefix):text.index(suffix)]
    return "accepted"


@pytest.mark.parametrize(("name", "changes", "reason"), [
    ("user:avery", {"name": "user:" + "a" * 64}, "accepted"),
    ("user:avery", {"name": "user:" + "a" * 65}, "a slot has an invalid name"),
    ("user:avery", {"name": "user:a:b"}, "a slot has an invalid name"),
    ("user:avery", {"name": "user:a b"}, "a slot has an invalid name"),
    ("user:avery", {"name": "admin"}, "a slot has an invalid name"),
    ("user:avery", {"salt": "@"}, "slot user:avery: salt is not base64"),
    ("user:avery", {"device_bound": "yes"}, "slot user:avery: device_bound is not true or"
                                            " false"),
    ("user:avery", {"params": "x"}, "slot user:avery: parameters are not a table"),
    ("user:avery", {"params": {"time_cost": 1}}, "slot user:avery: Argon2id parameters"
                                                 " missing or unexpected"),
    ("user:avery", {"time_cost": True}, "slot user:avery: time_cost must be between 1 and 20"),
    ("user:avery", {"time_cost": 3.0}, "slot user:avery: time_cost must be between 1 and 20"),
    ("recovery", {"params": {"time_cost": 1}}, "slot recovery: unexpected parameters"),
    ("recovery", {"device_bound": True}, "slot recovery: unexpected parameters"),
])
def test_each_slot_problem_has_its_own_message(tmp_path: Path, name: str, changes: dict,
                                               reason: str) -> None:
    assert _slot_damage(tmp_path, name, changes) == reason


def test_a_pending_epoch_out_of_bounds_is_named(tmp_path: Path) -> None:
    keys = _file(tmp_path)
    _pending(keys)
    data = json.loads(keys.path.read_text())
    data["pending"]["epoch"] = 0
    keys.path.write_text(json.dumps(data))
    with pytest.raises(NotADatabase, match=r"\(the pending rotation: epoch must be between 1"
                                           r" and 1000000\)"):
        KeyFile.load(keys.path)


def test_a_private_key_wrapped_for_another_public_key_is_refused() -> None:
    """Defence in depth: even a correctly wrapped private key must match the slot's public key
    (the associated data names the public key, so only a slot built that way gets here)."""
    import base64

    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    slot = make_keyed_slot("user:avery", "pw", KEY_1, DB_ID, 1, params=TINY)
    key = slot_key(slot, "pw", None)
    private = open_slot(slot, "pw", None)
    other_public = base64.b64encode(sealing.new_key_pair()[1]).decode()
    forged = replace(slot, public=other_public)
    aad = b"user:avery\x00keyed\x00" + base64.b64decode(other_public)
    forged.wrapped = base64.b64encode(AESGCM(key).encrypt(
        base64.b64decode(slot.nonce), private, aad)).decode()
    with pytest.raises(WrongPassword, match=r"^The password is not correct\.$"):
        open_slot(forged, "pw", None)


def test_a_key_file_over_one_mib_is_refused_unread(tmp_path: Path) -> None:
    keys = _file(tmp_path)
    keys.save()
    text = keys.path.read_text()
    keys.path.write_text(text + " " * ((1 << 20) - len(text)))  # exactly 1 MiB: still read
    assert KeyFile.load(keys.path).db_id == DB_ID
    keys.path.write_text(text + " " * ((1 << 20) - len(text) + 1))
    with pytest.raises(NotADatabase, match=r"\(the file is far too large\)"):
        KeyFile.load(keys.path)


def test_a_duplicated_slot_and_a_box_of_an_unknown_epoch_are_named(tmp_path: Path) -> None:
    keys = _file(tmp_path)
    keys.save()
    data = json.loads(keys.path.read_text())
    data["slots"].append(data["slots"][0])
    keys.path.write_text(json.dumps(data))
    with pytest.raises(NotADatabase, match=r"\(slot user:avery appears twice\)"):
        KeyFile.load(keys.path)
    data["slots"].pop()
    data["slots"][0]["sealed"][0]["epoch"] = 2  # no rotation pending: epoch 2 is unknown
    keys.path.write_text(json.dumps(data))
    with pytest.raises(NotADatabase, match=r"\(slot user:avery: a sealed key of an unknown"
                                           r" epoch\)"):
        KeyFile.load(keys.path)
