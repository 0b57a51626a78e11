"""An admin enrols a new laptop: a one-time code and its sealed package on the hub; and the hub
address as the app shows and sets it.

``create_code`` first runs a sync round (so the hub holds every change of this laptop, the
users' travelling slot copies included, and this laptop is a registered device), then makes a
code (``facilitator.sync.enrolment``: 100 random bits), seals the package under it and stores
it through the hub's ``create_enrolment``, which also creates the new laptop's hub account. The
code is shown once and never stored: the audit event names the account and the expiry only.
The new laptop's side is ``services.sync.join``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime

from sqlalchemy import select

from ...models.sync import SyncKey, SyncState
from ...models.users import User
from ...storage import travel
from ...storage.errors import StorageError
from ...storage.keyfile import check_slot, slot_json
from ...storage.keys import RECOVERY_SLOT, renamed, travelling, user_slot_name
from ...sync import enrolment as code_format
from .. import audit
from ..errors import SyncProblem, ValidationError
from ..workspace import Workspace
from . import run, slots
from .local import sync_state

HOURS = 24


@dataclass(frozen=True)
class EnrolmentCode:
    code: str  # show once; never stored or logged
    expires_at: datetime
    hub: str  # the address the new laptop connects to (no account, no password)
    without_slot: tuple[str, ...]  # logins that cannot sign in on the new laptop yet


def _package(ws: Workspace, hub_id: str) -> dict[str, object]:
    recovery = travel.slot_named(ws.vault, RECOVERY_SLOT)
    if recovery is None or not recovery.keyed:
        raise SyncProblem("This clinic's recovery key is of the old format: issue a new"
                          " recovery key (Users page) before enrolling a laptop.")
    with ws.read() as s:
        held = list(s.scalars(select(SyncKey).order_by(SyncKey.epoch, SyncKey.maker)))
        ring = [{"epoch": k.epoch, "maker": k.maker, "key": k.key.hex(),
                 "recipients": k.recipients} for k in held]
        keys: dict[str, str] = {}  # one per epoch, for a joining app older than ``ring``
        for k in held:
            keys.setdefault(str(k.epoch), k.key.hex())
        users = {row.user_id: row.slot for row in slots.newest(s).values()}
        active = {u.id: u.login for u in s.scalars(select(User).where(User.active))}
    # Each copy under its account's login now: a copy made before sync renamed the login
    # (``clashes``) still names the old one, which is the other person's on the new laptop.
    try:
        given = [slot_json(renamed(check_slot(dict(users[uid])), user_slot_name(active[uid])))
                 for uid in sorted(users) if uid in active]
    except StorageError as error:
        raise SyncProblem(str(error)) from error
    return {"hub_id": hub_id, "sync_keys": keys, "sync_key_ring": ring,
            "recovery": asdict(travelling(recovery)), "slots": given}


def create_code(ws: Workspace, password: str, hours: int = HOURS) -> EnrolmentCode:
    """A one-time enrolment code valid for ``hours`` (admins, confirming with their password,
    which also lets their own slot travel). Raises SyncProblem with a sentence when this
    laptop has no hub yet or the hub refuses."""
    ws.require("admin")
    if not 1 <= hours <= 7 * 24:
        raise ValidationError({"hours": "A code is valid between 1 hour and 7 days."})
    try:
        right = ws.vault.verify_password(ws.actor.login, password)
    except StorageError as error:
        raise SyncProblem(str(error)) from error
    if not right:
        raise ValidationError({"password": "Your password is not correct."})
    with ws.read() as s:
        state = s.get(SyncState, 1)
        dsn = state.hub_dsn if state else ""
    if not dsn:
        raise SyncProblem("Set the hub address and sync once before enrolling a laptop.")
    try:
        slots.send_own(ws, password, first=True)
    except StorageError as error:
        raise SyncProblem(str(error)) from error
    without = slots.missing(ws)  # copies that need no password are made here, then pushed
    run.sync_now(ws)
    with ws.read() as s:
        hub_id = s.get(SyncState, 1).hub_id  # type: ignore[union-attr]
    code = code_format.new_code()
    derived = code_format.derive(code)
    sealed = code_format.seal_package(code, _package(ws, hub_id))
    from ...storage.hub import enrolment as hub_enrolment
    from ...storage.hub.client import HubClient, HubError

    try:
        with HubClient(dsn) as hub:
            expires = hub_enrolment.create(hub, derived.lookup,
                                           code_format.scram_verifier(derived.hub_password),
                                           hours, sealed)
    except HubError as error:
        raise SyncProblem(str(error)) from None
    assert isinstance(expires, datetime)
    with ws.transaction() as s:
        audit.record(s, ws, "sync.enrolment_created", "hub_account", derived.hub_login,
                     expires_at=expires, users_without_slot=len(without))
    return EnrolmentCode(code, expires, hub_enrolment.address_for_new_laptop(dsn),
                         tuple(without))


def hub_address(ws: Workspace) -> str:
    """The hub this laptop syncs with, as a connection string without its password ("" when
    none is set)."""
    with ws.read() as s:
        state = s.get(SyncState, 1)
        dsn = state.hub_dsn if state else ""
    if not dsn:
        return ""
    from ...storage.hub.enrolment import address_parts

    return address_parts(dsn)[0]


def set_hub_address(ws: Workspace, address: str) -> str:
    """Set or change the hub address (admins). A password in it is refused (libpq reads
    PGPASSWORD or ~/.pgpass; a laptop that joined with a code keeps its own, stored encrypted).
    Sets sync up on this laptop if it was not. Returns the address as stored (no password)."""
    ws.require("admin")
    from ...storage.hub.client import HubError
    from ...storage.hub.enrolment import address_parts, merged

    address = address.strip()
    if not address:
        raise ValidationError({"address": "Enter the hub address, e.g. host=db.clinic.example"
                                          " dbname=facilitator user=front_desk."})
    try:
        clean, had_password = address_parts(address)
    except HubError as error:
        raise ValidationError({"address": str(error)}) from None
    if had_password:
        raise ValidationError({"address": "Leave the password out of the address: it would be"
                                          " shown here. Put it in PGPASSWORD or ~/.pgpass."})
    with ws.transaction() as s:
        state = sync_state(s)
        old = address_parts(state.hub_dsn)[0] if state.hub_dsn else ""
        state.hub_dsn = merged(clean, state.hub_dsn)
        audit.record(s, ws, "sync.hub_address_set", "sync", "", changed=bool(old))
    return clean
