"""A fresh laptop joins the clinic with the hub address and a one-time enrolment code.

Nobody signs in to join, and no one's password is needed: the laptop makes its *own* data key
and database, and seals that key to each user's public key from the travelling slot copies
(``services.sync.slots``), so everyone opens it with the password they already have.

Steps, all inside a hidden folder beside the data folder (``storage.joining``) that is moved
into place only when everything worked (a failure at any point removes it: no half-made data
folder; one left by a join that died is removed at the next start or join):

1. a new data key, the database at the head migration, a key file holding the clinic's recovery
   key slot (from the package) sealed to the new key, and a new device identity;
2. log in to the hub with the account the code derives, redeem the code (once): the hub hands
   over the package, and this laptop's account gets a new password only this laptop knows,
   stored in its encrypted database with the hub address;
3. store the clinic sync keys, pull and apply the whole history (a normal sync round); the
   history is taken as it stands, without the flags of facts set apart from a signing that
   the laptops where that happened carry (``locked.history_taken``);
4. install every active user's slot (the newest travelling copies, or the package's for users
   whose copy has not reached the hub) and bind each in the audit log; bind the recovery key.

The sign-in window follows; nothing here keeps the database open.

``should_stop`` (the window's Cancel) is asked at safe points: before the code is redeemed,
right after, between pulled entries and before the slots are installed. A cancelled join
removes the hidden folder like a failed one and raises ``Cancelled`` saying whether the code
is still good (not yet redeemed) or used up (the hub hands a package over only once).

A join that stops after the code was redeemed (cancelled, failed, interrupted) also disables
the hub account the code made (``withdraw_enrolment``): its password lived only in the hidden
folder, so nobody could use it again, and an enabled account nobody holds is only a risk. The
message says whether that worked (a hub set up before the function existed, or one that
cannot be reached, leaves it to the hub admin's ``hub remove-laptop``).
"""

from __future__ import annotations

import contextlib
import secrets
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select

from ...clock import Clock
from ...models.sync import SyncKey
from ...models.users import User
from ...storage import joining, migrate, travel
from ...storage.device import DeviceSecrets
from ...storage.errors import StorageError
from ...storage.files import make_private, private_dir
from ...storage.keyfile import check_slot
from ...storage.keys import KdfParams, Slot, new_data_key, user_slot_name
from ...storage.vault import DB_NAME, KEYS_NAME, Vault
from ...sync import enrolment as code_format
from .. import audit, key_bindings
from ..app_state import LOCK_NAME
from ..errors import Cancelled, SyncProblem, ValidationError
from ..workspace import Actor, Workspace
from . import identity, locked, run
from .local import sync_state

Progress = Callable[[str], None]
ShouldStop = Callable[[], bool]
ENROLMENT = "enrolment"  # the audit log's login for what the joining laptop does unattended


@dataclass
class _Account:
    """The hub account the code makes, and whether the hub accepted the code yet (from then
    on the account answers to ``password`` only, which nothing outside this join knows)."""

    address: str
    login: str
    password: str
    redeemed: bool = False


@dataclass(frozen=True)
class Joined:
    users: tuple[str, ...]  # logins that can sign in here now
    entries: int  # entries pulled


def join_clinic(data_dir: Path, dsn: str, code: str, clock: Clock, *,
                device: DeviceSecrets, kdf: KdfParams | None = None,
                progress: Progress | None = None,
                should_stop: ShouldStop | None = None) -> Joined:
    """Join the clinic whose hub is at ``dsn`` into the empty ``data_dir``. Raises
    ValidationError (bad input), SyncProblem (one sentence saying what to do) or Cancelled
    (``should_stop`` said so; nothing was kept)."""
    say = progress or (lambda _text: None)
    stop = should_stop or (lambda: False)
    try:
        code = code_format.normalise(code)
    except code_format.BadCode as error:
        raise ValidationError({"code": str(error)}) from None
    if not dsn.strip():
        raise ValidationError({"address": "Enter the hub address your administrator gave you."})
    from ...storage.hub.enrolment import address_parts

    try:
        address, had_password = address_parts(dsn)
    except StorageError as error:
        raise ValidationError({"address": str(error)}) from None
    if had_password:
        raise ValidationError({"address": "Leave the password out: the code stands for it."})
    data_dir = Path(data_dir)
    if Vault(data_dir, device=device).exists():
        raise SyncProblem(f"{data_dir} already holds a Facilitator database: join into an"
                          " empty folder.")
    # Checked before the code is spent. The app's instance lock file does not count: the
    # first-run window holds it in the very folder it joins into.
    if data_dir.is_dir() and any(p.name != LOCK_NAME for p in data_dir.iterdir()):
        raise SyncProblem(f"{data_dir} is not empty: join into an empty folder.")
    joining.remove_leftovers(data_dir)  # of a join that died half-way: PHI nobody will use
    account = _Account(address, code_format.derive(code).hub_login, secrets.token_urlsafe(32))
    with joining.work_folder(data_dir) as work:
        vault = Vault(work, device=device, kdf=kdf)
        ws: Workspace | None = None
        try:
            ws, joined = _join(vault, account, code, clock, say, stop)
            ws.close()
            ws = None
            _put_in_place(work, data_dir)
        except BaseException as error:
            if ws is not None:
                ws.close()
            shutil.rmtree(work, ignore_errors=True)
            withdrawn = _withdraw(account) if account.redeemed else None
            if isinstance(error, Cancelled | KeyboardInterrupt):  # Ctrl-C: the CLI's Cancel
                raise _cancelled(redeemed=account.redeemed,
                                 note=_account_note(account, withdrawn)) from None
            if isinstance(error, StorageError | OSError):
                raise SyncProblem(f"The new laptop could not be set up ({error}); nothing was"
                                  " kept. Check the disk and try again."
                                  + _account_note(account, withdrawn)) from error
            if isinstance(error, SyncProblem) and account.redeemed:
                raise SyncProblem(f"{error}{_account_note(account, withdrawn)}") from error
            raise
    return joined


def _withdraw(account: _Account) -> bool:
    """Disable the account of a redeemed code whose join stopped; whether the hub did."""
    from ...storage.hub import enrolment as hub_enrolment
    from ...storage.hub.client import HubClient, HubError

    try:
        with HubClient(hub_enrolment.with_login(account.address, account.login,
                                                account.password), timeout_s=5) as hub:
            hub_enrolment.withdraw(hub)
    except HubError:  # unreachable, or a hub from before ``withdraw_enrolment``
        return False
    return True


def _account_note(account: _Account, withdrawn: bool | None) -> str:
    """What became of the code's hub account, for the end of a message (nothing before the
    hub accepted the code: it made no account that anyone can use)."""
    if withdrawn is None:
        return ""
    if withdrawn:
        return " The hub account the code made was disabled again."
    return (f" The hub account the code made ({account.login}) could not be disabled from"
            " here: ask your administrator to run 'hub remove-laptop --name"
            f" {account.login}'.")


def _put_in_place(work: Path, data_dir: Path) -> None:
    """Move the finished folder to ``data_dir``: one rename when the folder is absent or empty;
    entry by entry when it holds the app's instance lock file (held open, so the folder cannot
    be replaced), the database and then the key file last, so that a Facilitator folder
    appears there only once everything else is in place. A failure moves back what moved."""
    if data_dir.exists() and not any(data_dir.iterdir()):
        data_dir.rmdir()  # rename needs it gone on every platform
    if not data_dir.exists():
        work.rename(data_dir)
        return
    moved: list[str] = []
    try:
        for name in sorted((p.name for p in work.iterdir()),
                           key=lambda n: (n == KEYS_NAME, n == DB_NAME)):
            (work / name).rename(data_dir / name)
            moved.append(name)
    except OSError:
        for name in moved:
            with contextlib.suppress(OSError):
                (data_dir / name).rename(work / name)
        raise
    work.rmdir()


def join_into(vault: Vault, dsn: str, code: str, clock: Clock,
              progress: Progress | None = None,
              should_stop: ShouldStop | None = None) -> Joined:
    """``join_clinic`` into the data folder of ``vault`` (the first-run window's)."""
    return join_clinic(vault.data_dir, dsn, code, clock, device=vault.device, kdf=vault.kdf,
                       progress=progress, should_stop=should_stop)


def _check_stop(stop: ShouldStop, *, redeemed: bool) -> None:
    if stop():
        raise _cancelled(redeemed=redeemed)


def _cancelled(*, redeemed: bool, note: str = "") -> Cancelled:
    """What a cancelled join says; true for where it stopped (``note``: what became of the
    account the code made, ``_account_note``)."""
    if redeemed:
        return Cancelled("Joining was cancelled: nothing was kept on this laptop. The hub had"
                         " already accepted the code, so it is used up: ask your administrator"
                         " for a new one to join again." + note)
    return Cancelled("Joining was cancelled before the code was used: nothing was kept on this"
                    " laptop, and the same code still works until it expires.")


def _join(vault: Vault, account: _Account, code: str, clock: Clock,
          say: Progress, stop: ShouldStop) -> tuple[Workspace, Joined]:
    say("Creating this laptop's encrypted database…")
    ws = _new_database(vault, clock)
    try:
        return ws, _fill(ws, account, code, say, stop)
    except BaseException:
        ws.close()
        raise


def _new_database(vault: Vault, clock: Clock) -> Workspace:
    from ...storage.engine import Database

    private_dir(vault.data_dir)
    data_key = new_data_key()
    db = Database(vault.data_dir / DB_NAME, data_key)
    try:
        make_private(vault.db_path)
        migrate.upgrade(db)
    except BaseException:
        db.close()
        raise
    # No one is signed in while a laptop joins: its own actions are audited as "enrolment".
    actor = Actor(None, ENROLMENT, "Laptop enrolment", "", "system")  # type: ignore[arg-type]
    from zoneinfo import ZoneInfo

    return Workspace(vault, db, clock, actor, ZoneInfo("UTC"))


def _fill(ws: Workspace, account: _Account, code: str, say: Progress, stop: ShouldStop
          ) -> Joined:
    from ...storage.hub import enrolment as hub_enrolment
    from ...storage.hub.client import (
        AccountDisabled,
        HubClient,
        HubError,
        HubLoginRefused,
        hub_label,
    )

    derived = code_format.derive(code)
    me = identity.current_identity(ws)
    address, own_password = account.address, account.password
    _check_stop(stop, redeemed=False)
    say("Redeeming the enrolment code on the hub…")
    try:
        with HubClient(hub_enrolment.with_login(address, derived.hub_login,
                                                derived.hub_password)) as hub:
            hub_id = hub.hub_id()
            sealed = hub_enrolment.redeem(hub, derived.lookup, me.device_id,
                                          code_format.scram_verifier(own_password))
            account.redeemed = True
    except (HubLoginRefused, AccountDisabled):  # disabled: a used code's join was withdrawn
        raise SyncProblem(f"The hub at {hub_label(address)} does not accept this code: it is"
                          " mistyped, expired or already used, or this is another clinic's hub."
                          " Ask your administrator for a new code.") from None
    except HubError as error:
        raise SyncProblem(str(error)) from None
    _check_stop(stop, redeemed=True)
    try:
        package = code_format.open_package(code, sealed)
    except code_format.BadPackage as error:
        raise SyncProblem(str(error)) from None
    if package.get("hub_id") != hub_id:
        raise SyncProblem(f"The hub at {hub_label(address)} is not the hub this code was made"
                          " for (another clinic's?). Check the address with your"
                          " administrator.")
    try:
        recovery = check_slot(package["recovery"])
        given = [check_slot(raw) for raw in package.get("slots", [])]
        ring = _key_ring(package)
    except (StorageError, KeyError, TypeError, ValueError) as error:
        raise SyncProblem(f"The enrolment package is damaged ({error}); ask for a new code.")\
            from None
    travel.new_key_file(ws.vault.keys_path, ws.db.raw_key(), recovery).save()
    with ws.transaction() as s:
        for held in ring:
            s.add(SyncKey(created_at=ws.clock.now(), **held))
        state = sync_state(s)
        state.hub_dsn = hub_enrolment.with_login(address, derived.hub_login, own_password)
        state.hub_id = hub_id
        audit.record(s, ws, "sync.joined", "hub_account", derived.hub_login,
                     device=str(me.device_id))
        key_bindings.bind(s, at=ws.clock.now(), actor_id=None, actor_login=ENROLMENT,
                          entity=key_bindings.RECOVERY_ENTITY, entity_id="",
                          fingerprint=recovery.fingerprint(), reason="enrolled")
    say("Pulling the clinic's records (this can take a few minutes)…")
    try:
        report = run.sync_now(ws, should_stop=stop)
    except Cancelled:  # between two pulled entries
        raise _cancelled(redeemed=True) from None
    _check_stop(stop, redeemed=True)
    with ws.transaction() as s:  # the history as it stands, not what happened elsewhere
        locked.history_taken(s)
    say("Setting up the users' sign-in…")
    _install_given(ws, given)  # the round installed the travelling copies already
    with ws.read() as s:
        have = travel.public_keys(ws.vault)
        users = tuple(sorted(u.login for u in s.scalars(select(User).where(User.active))
                             if user_slot_name(u.login) in have))
    return Joined(users, report.pulled)


def _key_ring(package: dict[str, Any]) -> list[dict[str, Any]]:
    """The clinic's sync keys in a package: every key of every epoch with its maker and
    recipients, or, from an enrolling app older than that, one key per epoch."""
    ring = package.get("sync_key_ring")
    if ring is None:
        return [{"epoch": int(epoch), "maker": "", "key": bytes.fromhex(key),
                 "recipients": None} for epoch, key in package["sync_keys"].items()]
    return [{"epoch": int(k["epoch"]), "maker": str(k["maker"]), "key": bytes.fromhex(k["key"]),
             "recipients": None if k["recipients"] is None else [str(f) for f in k["recipients"]]}
            for k in ring]


def _install_given(ws: Workspace, given: list[Slot]) -> None:
    """Slots from the package for active users the history brought no copy of."""
    have = travel.public_keys(ws.vault)
    with ws.read() as s:
        active = {user_slot_name(u.login): u.id for u in s.scalars(select(User)
                                                                    .where(User.active))}
    wanted = [slot for slot in given if slot.name in active and slot.name not in have]
    if not wanted:
        return
    with ws.transaction() as s:
        for slot in wanted:
            key_bindings.bind(s, at=ws.clock.now(), actor_id=None, actor_login=ENROLMENT,
                              entity="user", entity_id=active[slot.name],
                              fingerprint=slot.fingerprint(), reason="enrolled",
                              public=slot.public)
    travel.install(ws.vault, ws.db.raw_key(), wanted, [])
