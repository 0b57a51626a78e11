"""First run: a new encrypted database, the clinic and its first admin (``create_clinic``).
Signing in afterwards is ``auth``; a laptop that joins an existing clinic is ``sync.join``."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from ..clock import Clock
from ..models.users import Clinic, User
from ..storage.engine import Database
from ..storage.errors import StorageError
from ..storage.keys import RECOVERY_SLOT, user_slot_name
from ..storage.vault import Vault
from . import audit, key_bindings
from .auth import migrate_opened, workspace_for
from .errors import StorageProblem
from .validation import Checker, check_login, check_timezone
from .workspace import Workspace


@dataclass(frozen=True)
class ClinicSetup:
    clinic_name: str
    timezone: str
    address: str
    admin_login: str
    admin_display_name: str
    admin_credentials: str
    password: str
    password_again: str


def create_clinic(vault: Vault, clock: Clock, setup: ClinicSetup) -> tuple[Workspace, str]:
    """First run: a new encrypted database, the clinic and its first admin.

    Returns the signed-in workspace and the recovery key, which must be shown exactly once.
    """
    c = Checker()
    c.text("clinic_name", "The clinic name", setup.clinic_name)
    tz = check_timezone(c, "timezone", setup.timezone)
    c.text("address", "The address", setup.address, required=False, max_len=2000)
    login = check_login(c, "admin_login", setup.admin_login)
    c.text("admin_display_name", "Your name", setup.admin_display_name)
    c.text("admin_credentials", "Credentials", setup.admin_credentials, required=False,
           max_len=100)
    c.password("password", setup.password,
               (setup.admin_login, setup.admin_display_name, setup.clinic_name))
    if setup.password != setup.password_again:
        c.fail("password_again", "The two passwords are not the same.")
    c.raise_if_any()
    assert tz is not None
    try:
        db, recovery = vault.create(login, setup.password)
    except StorageError as error:
        raise StorageProblem(str(error)) from error
    now = clock.now()
    try:
        migrate_opened(vault, db, now)
        ws = _first_records(vault, db, clock, setup, login, tz, now)
    except BaseException:
        # Nothing clinical exists yet: remove the half-made folder so set-up can simply be run
        # again, instead of leaving a database that has no clinic and no way in.
        db.close()
        vault.discard_unfinished()
        raise
    return ws, recovery


def _first_records(vault: Vault, db: Database, clock: Clock, setup: ClinicSetup, login: str,
                   tz: ZoneInfo, now: datetime) -> Workspace:
    session = db.session()
    try:
        with session.begin():
            clinic = Clinic(name=setup.clinic_name.strip(), timezone=tz.key,
                            address=setup.address.strip(), created_at=now)
            admin = User(login=login, display_name=setup.admin_display_name.strip(),
                         credentials=setup.admin_credentials.strip(), role="admin",
                         active=True, created_at=now, last_login_at=now)
            session.add_all([clinic, admin])
            session.flush()
            admin.created_by_id = clinic.created_by_id = admin.id
            audit.append(session, at=now, user_id=admin.id, login=login,
                         action="clinic.created", entity="clinic", entity_id=clinic.id)
            audit.append(session, at=now, user_id=admin.id, login=login, action="user.created",
                         entity="user", entity_id=admin.id, details={"role": "admin"})
            prints, publics = vault.slot_fingerprints(), vault.slot_publics()
            for entity, entity_id, name in (("user", admin.id, user_slot_name(login)),
                                            (key_bindings.RECOVERY_ENTITY, "", RECOVERY_SLOT)):
                public = publics.get(name)
                key_bindings.bind(session, at=now, actor_id=admin.id, actor_login=login,
                                  entity=entity, entity_id=entity_id,
                                  fingerprint=prints[name], reason="created",
                                  public=base64.b64encode(public).decode("ascii")
                                  if public else "")
            return workspace_for(vault, db, clock, admin, clinic)
    finally:
        session.close()
