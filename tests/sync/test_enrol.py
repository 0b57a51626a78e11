"""Enrolment on a real hub: the issue's Done-when scenario with laptops joining by code, and
what a code refuses."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from keyrings.alt.file import PlaintextKeyring
from sqlalchemy import func, select

from facilitator.models.notes import NoteGoalLink, ProgressNote, Signature
from facilitator.services import auth
from facilitator.services.errors import AuthError
from facilitator.services.sync import enrol, join
from tests.conftest import PASSWORD
from tests.services.notes.conftest import NAMES, NotesClinic
from tests.sync.enrolling import clinic, nc
from tests.sync.laptops import Clinic, Laptop
from tests.sync.story import TEXT, sign_on_a_cosign_on_b

__all__ = ["clinic", "nc"]
@pytest.fixture
def a(clinic: Clinic, nc: NotesClinic) -> Laptop:
    laptop = clinic.adopt("A", nc.vault)
    laptop.sync()  # the first laptop: makes the clinic key, sends the whole record
    enrol.create_code(laptop.sign_in(), PASSWORD)  # an earlier enrolment: copies start
    for login in ("tara", "uma", "sam"):
        laptop.sign_in(login)  # their slots are keychain-bound: signing in makes the copies
    return laptop


def test_done_when_a_signs_b_cosigns_c_joins_fresh_and_sees_both(
        clinic: Clinic, a: Laptop, nc: NotesClinic) -> None:
    b = clinic.enrol(a, "B")
    sign_on_a_cosign_on_b(a, b, nc)
    c_laptop = clinic.enrol(a, "C")  # fresh: no backup, only the code
    for laptop in (a, b, c_laptop):
        ws = laptop.sign_in("uma")  # the therapist's own password opens every laptop
        with ws.read() as s:
            state = s.scalar(select(ProgressNote.state))
            meanings = sorted(s.scalars(select(Signature.meaning)))
        assert (state, meanings) == ("final", ["author", "co-signer"])
    c_laptop.sign_in("sam")
    assert a.dump() == b.dump() == c_laptop.dump()
    from facilitator.services import maintenance

    report = maintenance.verify(c_laptop.sign_in("admin"), file_checked=False)
    assert report.ok, report.lines
    # The "grep them": the hub's whole database, after the story, holds none of it.
    dump = subprocess.run([str(clinic.cluster.bin / "pg_dump"), "-d",
                           clinic.cluster.dsn(clinic.hub_db)], capture_output=True,
                          check=True).stdout
    assert b"facilitator_hub" in dump and b"COPY" in dump
    # (Words of six letters or more: a shorter one's hex could turn up in ciphertext's.)
    words = [*NAMES, "Tara Therapist", "Uma Associate", "Sam Supervisor", "Test IOP",
             "Morning group", "Room 1", *TEXT.values(), "calm weekend", "breathing"]
    for word in words:
        for form in (word.encode(), word.encode().hex().encode()):  # text, and bytea's hex
            assert form not in dump, word


def test_a_user_with_no_copy_yet_is_named_and_cannot_sign_in_on_the_new_laptop(
        clinic: Clinic, nc: NotesClinic) -> None:
    a = clinic.adopt("A", nc.vault)
    a.sync()
    a.sign_in("uma")  # before the clinic's first code: nothing is copied yet
    made = enrol.create_code(a.sign_in(), PASSWORD)
    assert made.without_slot == ("sam", "tara", "uma")
    a.opened.pop("uma").close()
    a.sign_in("uma")  # after it: her sign-in sends her slot
    a.sync()
    vault = clinic.vault("C")
    joined = join.join_clinic(vault.data_dir, clinic.address(), made.code, clinic.clock,
                              device=vault.device)
    assert joined.users == ("admin", "uma")
    with pytest.raises(AuthError):
        auth.sign_in(vault, clinic.clock, "tara", PASSWORD)
    # Once she signs in on A and both sync, her slot reaches C.
    a.sign_in("tara")
    a.sync()
    c_laptop = Laptop("C", vault, clinic.clock, "")
    clinic.laptops.append(c_laptop)
    c_laptop.sync()
    assert c_laptop.sign_in("tara").actor.login == "tara"


def test_a_clinic_with_history_signed_before_sync_joins_fresh(
        clinic: Clinic, tmp_path: Path, keyring_backend: PlaintextKeyring) -> None:
    """The demo clinic's notes were signed (with goal links) before sync was set up, so its
    first round sends each record's final state: a fresh laptop must still take it in."""
    from facilitator.services import demo
    from facilitator.storage.device import KeyringSecrets
    from facilitator.storage.vault import Vault
    from tests.conftest import FAST_KDF

    vault = Vault(tmp_path / "demo-A", device=KeyringSecrets(keyring_backend), kdf=FAST_KDF)
    ws, _ = demo.create_demo(vault, clinic.clock, PASSWORD, participants=8)
    ws.close()
    a = clinic.adopt("A", vault)
    a.sync()
    for login in ("therapist", "supervisor"):
        enrol.create_code(a.sign_in(), PASSWORD)
        a.sign_in(login)
    c_laptop = clinic.enrol(a, "C")
    with a.sign_in().read() as s:
        signed = s.scalar(select(func.count()).select_from(Signature))
        links = s.scalar(select(func.count()).select_from(NoteGoalLink))
    assert signed and links  # the history has what this test is about
    with c_laptop.sign_in("supervisor").read() as s:
        assert s.scalar(select(func.count()).select_from(Signature)) == signed
        assert s.scalar(select(func.count()).select_from(NoteGoalLink)) == links
    assert a.dump() == c_laptop.dump()
