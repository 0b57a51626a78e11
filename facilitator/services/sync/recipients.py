"""Who a new clinic sync key is sealed to (``epochs.rotate_in``): every active account's
newest bound key pair, wherever in the clinic it was bound, and never any other key.

**Which source is authoritative: the ``key.bound`` audit events**, this laptop's own
(``audit_events``) and every other device's as they travelled (``peer_audit_events``), and
nothing else. They are what sign-in itself trusts (``key_bindings``): append-only, hash-chained
per device, anchored on this laptop and checkable for every device (``audit_travel``); a peer's
events arrive only inside entries signed by that device and sealed under the clinic sync key.
Key files (``keys.json``) and travelling copies (``travel_slots``) are only *where a public key
may be found*: a key found there is used when, and only when, its fingerprint is the one the
account's newest binding records. So a slot written into this laptop's ``keys.json`` with a key
pair of someone's own (the forgery ``key_bindings`` guards against) gets nothing, here or on
any other laptop, while a user made or given a new password on another laptop is reached even
though her slot never came here (a clinic whose laptops were restored from backups has no
travelling copies at all). Since this version, a user's binding carries the slot's public key
itself (checked against the fingerprint), so it is enough on its own.

**The same person across laptops.** A peer's event names the account by its id *on that
device*, which means nothing here (local ids differ; only synced rows carry global ids, and an
audit event is not a synced row). So a user's binding names the account by its login too
(``"account"``): logins are unique and cannot be changed, so the login names the same synced
``users`` row on every laptop. The one exception is a login typed on two laptops at once
(``clashes``): the later row is renamed everywhere, but bindings made before that named both
people alike, so a peer's binding naming the login that the other row kept is not used; that
account is reached through bindings made here (its travelling copy, once installed, is bound
here too). The renamed account's slot is bound again under her new login wherever it is
refiled or installed (``slots.reconcile``), so those bindings name her unambiguously.
Bindings written before this version name no account and are not used from peers.
Travelling copies need no such care: they are only searched for a public key, by fingerprint.

**Which binding is newest.** Within one device, the later event of its chain (its ids are its
own order). Across devices, the later time; laptops' clocks are assumed to roughly agree, as
travelling copies already assume. Bindings of two devices at the very same time are both kept
(each was the account's key there at that moment). A device the hub froze (a removed laptop,
``hub remove-laptop``, or one caught forking its chain) is no source: whoever keeps it must not
be able to bind a key of her own to someone's account and so receive the key that shuts her
out. (This laptop learns of a freeze at its next round; rotate after one.)

An active account whose newest binding's public key is not known here (an old binding, of a
slot that never came here) is left out, as is one bound nowhere: ``left_out`` names them.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...models.audit import AuditEvent
from ...models.slots import TravelSlot
from ...models.sync_security import PeerAuditEvent, SyncClash, SyncDevice
from ...models.users import User
from ...storage import sealing
from .. import key_bindings
from ..workspace import Workspace
from . import rows


@dataclass(frozen=True)
class Recipient:
    login: str
    fingerprint: str
    public: bytes


@dataclass(frozen=True)
class _Bound:
    """An account's newest binding on one device ("" for this laptop)."""

    at: datetime
    fingerprint: str


def _decoded(text: object) -> bytes | None:
    if not isinstance(text, str) or not text:
        return None
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        return None


def _public_in(details: dict[str, Any]) -> tuple[str, bytes] | None:
    """The public key a binding carries, when it matches the binding's fingerprint."""
    public, fingerprint = _decoded(details.get("public")), str(details.get("fingerprint", ""))
    if public is None or sealing.fingerprint(public) != fingerprint:
        return None
    return fingerprint, public


def _ambiguous_logins(s: Session) -> set[str]:
    """Logins that two people had at once on two laptops (the login the unrenamed row kept)."""
    found = set()
    for other in s.scalars(select(SyncClash.other_gid).where(
            SyncClash.tbl == "users", SyncClash.renamed.is_(True))):
        try:
            user = s.get(User, rows.local_of(s, "users", other))
        except rows.MissingRecord:
            continue
        if user is not None:
            found.add(user.login)
    return found


def _peer_bindings(s: Session, logins: set[str]) -> Iterator[tuple[str, PeerAuditEvent]]:
    """Other devices' ``key.bound`` events naming one of ``logins`` unambiguously, each
    device's in its own order."""
    ambiguous = _ambiguous_logins(s)
    for event in s.scalars(select(PeerAuditEvent).where(
            PeerAuditEvent.action == key_bindings.BOUND, PeerAuditEvent.entity == "user")
            .order_by(PeerAuditEvent.device_id, PeerAuditEvent.id)):
        login = event.details.get("account")
        if isinstance(login, str) and login in logins and login not in ambiguous:
            yield login, event


def recipients(s: Session, ws: Workspace) -> tuple[list[Recipient], list[str]]:
    """The key pairs to seal a new sync key to (one per active account, two only when two
    devices bound keys at the same instant), and the active logins left out."""
    active = {u.id: u.login for u in s.scalars(select(User).where(User.active))}
    logins = set(active.values())
    known: dict[str, bytes] = {}  # fingerprint -> public key, from wherever one was seen
    for public in ws.vault.slot_publics().values():
        known[sealing.fingerprint(public)] = public
    for text in s.scalars(select(TravelSlot.public)):
        public = _decoded(text)
        if public is not None:
            known[sealing.fingerprint(public)] = public

    # Per (device, login): that device's newest binding of the account. Ordered by id, so the
    # last one seen wins.
    newest: dict[tuple[str, str], _Bound] = {}
    for event in s.scalars(select(AuditEvent).where(AuditEvent.action == key_bindings.BOUND,
                                                    AuditEvent.entity == "user")
                           .order_by(AuditEvent.id)):
        login = active.get(int(event.entity_id)) if event.entity_id.isdigit() else None
        found = _public_in(event.details)
        if found:
            known.setdefault(*found)
        if login is not None:
            newest[("", login)] = _Bound(event.at, str(event.details.get("fingerprint", "")))

    frozen = set(s.scalars(select(SyncDevice.device_id).where(SyncDevice.frozen)))
    for login, event in _peer_bindings(s, logins):
        if event.device_id in frozen:
            continue
        found = _public_in(event.details)
        if found:
            known.setdefault(*found)
        newest[(event.device_id, login)] = _Bound(event.at,
                                                  str(event.details.get("fingerprint", "")))

    per_login: dict[str, list[_Bound]] = {}
    for (_device, login), bound in newest.items():
        per_login.setdefault(login, []).append(bound)
    found: list[Recipient] = []
    missing: list[str] = []
    sealed: set[str] = set()  # one box per key, even if two accounts claim one key pair
    for login in sorted(logins):
        bindings = per_login.get(login, [])
        latest = max((b.at for b in bindings), default=None)
        prints = sorted({b.fingerprint for b in bindings if b.at == latest})
        reach = [Recipient(login, fp, known[fp]) for fp in prints if fp in known]
        if not reach:
            missing.append(login)
        found.extend(r for r in reach if r.fingerprint not in sealed)
        sealed.update(r.fingerprint for r in reach)
    return found, missing


def revoked(s: Session, ws: Workspace) -> dict[str, str]:
    """Fingerprint -> login of every key pair ever bound, here or on any laptop heard from, to
    an account that is no longer active; less those a new key would be sealed to now (one
    key pair claimed by an active account too), so a rotation always ends the exposure it
    was made for (``epochs.exposed_in``)."""
    gone = {u.id: u.login for u in s.scalars(select(User).where(User.active.is_(False)))}
    if not gone:
        return {}
    logins = set(gone.values())
    found: dict[str, str] = {}
    for event in s.scalars(select(AuditEvent).where(AuditEvent.action == key_bindings.BOUND,
                                                    AuditEvent.entity == "user")):
        login = gone.get(int(event.entity_id)) if event.entity_id.isdigit() else None
        if login is not None:
            found[str(event.details.get("fingerprint", ""))] = login
    for login, event in _peer_bindings(s, logins):
        found[str(event.details.get("fingerprint", ""))] = login
    found.pop("", None)
    for person in recipients(s, ws)[0]:
        found.pop(person.fingerprint, None)
    return found
