"""Key slots, without a database: what a weaker or broken key file would look like (issue 14).

The service tests always inject a fast KDF and only ever look at a recovery key's length, so a
recovery key of filler characters, weakened production Argon2 defaults, an ignored KDF setting or
every data folder sharing one ``db_id`` all passed. These tests pin the behaviour instead: the
recovery key's alphabet, shape and entropy, the production cost (read, not run), that a slot
keeps and uses the parameters it was made with, and that a key file written today still opens.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import math
import re
import shutil
import string
from collections import Counter
from dataclasses import asdict, replace
from pathlib import Path

import pytest

from facilitator.storage.errors import NoSuchAccount, NotADatabase, WrongPassword
from facilitator.storage.keyfile import KeyFile
from facilitator.storage.keys import (
    KEY_BYTES,
    RECOVERY_SLOT,
    KdfParams,
    make_slot,
    new_data_key,
    new_recovery_key,
    normalise_login,
    normalise_recovery_key,
    open_slot,
    user_slot_name,
)

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = Path(__file__).with_name("data") / "keyslots-v1.json"
TINY = KdfParams(time_cost=1, memory_kib=8 * 1024, parallelism=1)
DATA_KEY = bytes(range(32))
# What a person reads aloud and types: capitals and digits without the look-alikes 0/O and 1/I.
READABLE = set(string.ascii_uppercase + string.digits) - set("0O1I")


# -- the recovery key ------------------------------------------------------------------------

def test_recovery_key_shape_and_alphabet() -> None:
    for _ in range(50):
        key = new_recovery_key()
        assert re.fullmatch(r"([A-Z2-9]{5}-){5}[A-Z2-9]{5}", key), key
        assert set(key.replace("-", "")) <= READABLE


def test_recovery_key_has_150_bits_of_entropy() -> None:
    """Every one of the 30 characters is drawn uniformly from 32 symbols (5 bits each).

    A key padded with filler (``AXXXX-EXXXX-...``) keeps its length but fixes most positions;
    with 400 keys each position of a real key shows nearly all 32 symbols."""
    keys = [new_recovery_key().replace("-", "") for _ in range(400)]
    assert len(set(keys)) == len(keys)
    for position in range(30):
        seen = {key[position] for key in keys}
        assert len(seen) >= 24, f"position {position} shows only {sorted(seen)}"
    counts = Counter("".join(keys))
    assert set(counts) == READABLE  # the whole alphabet is used, nothing else
    total = sum(counts.values())
    bits = -sum(n / total * math.log2(n / total) for n in counts.values())
    assert bits > 4.9  # of log2(32) = 5 per character, so 30 characters carry ~150 bits


def test_recovery_key_is_read_forgivingly() -> None:
    key = "ABCDE-FGHJK-LMNPQ-RSTUV-WXYZ2-34567"
    assert normalise_recovery_key(key) == "ABCDEFGHJKLMNPQRSTUVWXYZ234567"
    assert normalise_recovery_key(" abcde fghjk\tlmnpq-rstuv.wxyz2 34567 ") == (
        "ABCDEFGHJKLMNPQRSTUVWXYZ234567"
    )
    # Typed from paper: zero for O and one for I are the letters the alphabet means.
    assert normalise_recovery_key("0O1I-o0i1") == "OOIIOOII"


# -- the production KDF cost -------------------------------------------------------------------

def test_production_kdf_defaults_are_the_documented_cost() -> None:
    """Read, not run: the bench's unlock figure in the README names the cost it measured."""
    documented = re.search(r"unlock \(Argon2id (\d+) MiB × (\d+)\)",
                           (ROOT / "README.md").read_text("utf-8"))
    assert documented, "README no longer documents the unlock cost"
    defaults = KdfParams()
    assert defaults.memory_kib == int(documented[1]) * 1024
    assert defaults.time_cost == int(documented[2])
    assert defaults.parallelism == 2  # the lanes the bench figure was measured with
    # Never below OWASP's Argon2id floor (19 MiB, 2 passes), whatever the README says.
    assert defaults.memory_kib >= 19 * 1024 and defaults.time_cost >= 2


def test_a_slot_made_without_params_gets_the_production_cost(monkeypatch: pytest.MonkeyPatch
                                                               ) -> None:
    """What Argon2 is asked to do, caught at the library boundary instead of run slowly."""
    import facilitator.storage.keys as keys

    calls: list[dict[str, object]] = []

    def argon2_call(secret, salt, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(kwargs)
        return bytes(KEY_BYTES)

    monkeypatch.setattr(keys, "hash_secret_raw", argon2_call)
    slot = make_slot("user:x", "password", DATA_KEY)
    defaults = KdfParams()
    assert slot.kdf == "argon2id" and slot.params == asdict(defaults)
    assert calls == [{"time_cost": defaults.time_cost, "memory_cost": defaults.memory_kib,
                      "parallelism": defaults.parallelism, "hash_len": KEY_BYTES,
                      "type": keys.Type.ID}]


# -- slots -------------------------------------------------------------------------------------

def test_slot_stores_the_parameters_it_was_made_with() -> None:
    params = KdfParams(time_cost=2, memory_kib=9 * 1024, parallelism=1)
    slot = make_slot("user:avery", "a password", DATA_KEY, params=params)
    assert slot.params == {"time_cost": 2, "memory_kib": 9 * 1024, "parallelism": 1}
    assert open_slot(slot, "a password", None) == DATA_KEY
    # The stored parameters are the ones used: the same slot read with other ones fails.
    for changed in ({"time_cost": 1}, {"memory_kib": 8 * 1024}, {"parallelism": 2}):
        with pytest.raises(WrongPassword):
            open_slot(replace(slot, params=slot.params | changed), "a password", None)


def test_slot_fields_are_fresh_and_the_right_size() -> None:
    a = make_slot("user:a", "same password", DATA_KEY, params=TINY)
    b = make_slot("user:a", "same password", DATA_KEY, params=TINY)
    assert len(base64.b64decode(a.salt)) == 16 and len(base64.b64decode(a.nonce)) == 12
    assert a.salt != b.salt and a.nonce != b.nonce and a.wrapped != b.wrapped
    assert a.device_bound is False
    assert base64.b64encode(DATA_KEY).decode() not in json.dumps(asdict(a))


def test_wrong_password_salt_name_or_kdf_fails() -> None:
    slot = make_slot("user:avery", "right password", DATA_KEY, params=TINY)
    with pytest.raises(WrongPassword, match=r"^The password is not correct\.$"):
        open_slot(slot, "wrong password", None)
    other_salt = base64.b64encode(bytes(16)).decode()
    for changed in (replace(slot, salt=other_salt), replace(slot, name="user:mallory")):
        with pytest.raises(WrongPassword):
            open_slot(changed, "right password", None)
    with pytest.raises(NotADatabase,
                       match=r"^Unknown key derivation 'scrypt' in the key file\.$"):
        open_slot(replace(slot, kdf="scrypt"), "right password", None)


def test_device_bound_slot_needs_the_device_secret() -> None:
    secret = bytes([7]) * 32
    slot = make_slot("user:dev", "device pw", DATA_KEY, params=TINY, device_secret=secret)
    assert slot.device_bound is True
    assert open_slot(slot, "device pw", secret) == DATA_KEY
    for wrong in (None, bytes(32)):
        with pytest.raises(WrongPassword):
            open_slot(slot, "device pw", wrong)
    # A slot that is not device bound ignores a device secret offered to it.
    plain = make_slot("user:plain", "plain pw", DATA_KEY, params=TINY)
    assert open_slot(plain, "plain pw", secret) == DATA_KEY


def test_recovery_slot_uses_no_password_kdf_and_opens_with_a_typed_key() -> None:
    key = new_recovery_key()
    slot = make_slot(RECOVERY_SLOT, key, DATA_KEY, kdf="hkdf", params=TINY)
    assert (slot.kdf, slot.params, slot.device_bound) == ("hkdf", {}, False)
    typed = key.lower().replace("-", " ").replace("O", "0").replace("I", "1")
    assert open_slot(slot, typed, None) == DATA_KEY
    with pytest.raises(WrongPassword):
        open_slot(slot, new_recovery_key(), None)


def test_key_file_written_by_version_1_still_opens(tmp_path: Path) -> None:
    """Existing clinics' key files must open after an upgrade: a change of derivation or
    wrapping that breaks this locks every user out."""
    path = tmp_path / "keys.json"
    shutil.copyfile(FIXTURE, path)
    keys = KeyFile.load(path)
    assert keys.db_id == "0123456789abcdef0123456789abcdef"
    assert open_slot(keys.slot_for("user:avery"), "an old password 1", None) == DATA_KEY
    assert open_slot(keys.slot_for(RECOVERY_SLOT), "abcde fghjk lmnpq rstuv wxyz2 34567",
                     None) == DATA_KEY
    assert open_slot(keys.slot_for("user:dev"), "device pw 123", bytes([7]) * 32) == DATA_KEY


# -- the key file --------------------------------------------------------------------------------

def test_db_id_is_unique_per_clinic_and_stable_across_save_and_load(tmp_path: Path) -> None:
    """The db_id names the keyring entry: two folders sharing one would share a device secret."""
    ids = {KeyFile.create(tmp_path / f"k{n}.json").db_id for n in range(20)}
    assert len(ids) == 20
    assert all(re.fullmatch(r"[0-9a-f]{32}", i) for i in ids)
    keys = KeyFile.create(tmp_path / "keys.json")
    keys.slots["user:avery"] = make_slot("user:avery", "pw", DATA_KEY, params=TINY)
    keys.save()
    again = KeyFile.load(tmp_path / "keys.json")
    assert again.db_id == keys.db_id
    assert {n: asdict(s) for n, s in again.slots.items()} == {
        n: asdict(s) for n, s in keys.slots.items()
    }
    assert open_slot(again.slot_for("user:avery"), "pw", None) == DATA_KEY
    assert [p.name for p in tmp_path.iterdir() if p.suffix == ".tmp"] == []
    assert base64.b64encode(DATA_KEY).decode() not in (tmp_path / "keys.json").read_text()


GOOD_ID = "0123456789abcdef0123456789abcdef"


@pytest.mark.parametrize(("content", "reason"), [
    ("not json", "Expecting value: line 1 column 1 (char 0)"),
    ("[]", "unknown format"),
    ('{"format": "facilitator.keyslots/3", "db_id": "x", "slots": []}', "unknown format"),
    ('{"format": "facilitator.keyslots/1", "slots": []}', "invalid database id"),
    ('{"format": "facilitator.keyslots/1", "db_id": "x", "slots": []}', "invalid database id"),
    (json.dumps({"format": "facilitator.keyslots/1", "db_id": GOOD_ID}), "no slot list"),
    (json.dumps({"format": "facilitator.keyslots/1", "db_id": GOOD_ID, "slots": [{"name": "a"}]}),
     "a slot has unexpected fields"),
])
def test_damaged_key_file_is_reported_by_name_and_reason(tmp_path: Path, content: str,
                                                         reason: str) -> None:
    """The message says which file and why (no secrets), so support can tell damage apart."""
    path = tmp_path / "keys.json"
    path.write_text(content, "utf-8")
    with pytest.raises(NotADatabase) as err:
        KeyFile.load(path)
    assert str(err.value) == (f"The key file keys.json is damaged or not ours ({reason})."
                              " Restore it from a backup.")


def test_missing_key_file_and_unknown_login(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        KeyFile.load(tmp_path / "keys.json")
    with pytest.raises(NoSuchAccount, match=r"^The login or password is not correct\.$"):
        KeyFile.create(tmp_path / "keys.json").slot_for("user:nobody")


def test_login_spellings_name_one_slot() -> None:
    assert normalise_login("  Émile ") == "émile"
    assert normalise_login("E\u0301mile") == "émile"  # decomposed, as macOS types it
    assert normalise_login("ＡＶＥＲＹ") == "avery"  # full-width
    assert user_slot_name(" Avery ") == "user:avery"


def test_data_keys_are_random_256_bit() -> None:
    keys = {new_data_key() for _ in range(10)}
    assert len(keys) == 10 and {len(k) for k in keys} == {KEY_BYTES} == {32}


@pytest.mark.parametrize("change", ["drop", "add"])
def test_a_slot_with_missing_or_extra_fields_is_damage(tmp_path: Path, change: str) -> None:
    """Every key file ever written holds all of a slot's fields (``save`` writes the whole
    dataclass), so a slot without ``device_bound`` or with a field of its own was edited: it is
    refused as damage rather than read with defaults (a slot silently losing its device binding
    would weaken it)."""
    data = json.loads(FIXTURE.read_text("utf-8"))
    dev = next(s for s in data["slots"] if s["name"] == "user:dev")
    if change == "drop":
        del dev["device_bound"]
    else:
        dev["note"] = "extra"
    path = tmp_path / "keys.json"
    path.write_text(json.dumps(data), "utf-8")
    with pytest.raises(NotADatabase, match=r"\(a slot has unexpected fields\)"):
        KeyFile.load(path)


def test_kdf_params_are_an_immutable_value() -> None:
    """Every vault shares the default; one of them changing it would weaken the others."""
    params = KdfParams()
    with pytest.raises(dataclasses.FrozenInstanceError):
        params.time_cost = 1  # type: ignore[misc]
    assert {params, KdfParams()} == {params}
