"""Staff accounts and clinic settings (admins only)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from ..models.users import ROLES, Clinic, User
from ..storage.keys import normalise_login
from . import audit
from .errors import Conflict, NotFound, ValidationError
from .key_bindings import bind_slot, login_renames, new_slot, remove_slot, store_slot
from .sync import slots as travelling
from .validation import Checker, check_login, check_timezone
from .workspace import Workspace


@dataclass(frozen=True)
class UserView:
    id: int
    login: str
    display_name: str
    credentials: str
    role: str
    active: bool
    last_login_at: datetime | None
    requires_cosign: bool = False
    supervisor_id: int | None = None
    # The login this account had until clinic sync renamed it (the same login given to two
    # people on two laptops at once, ``sync.clashes``); "" when never renamed.
    renamed_from: str = ""


@dataclass(frozen=True)
class UserDraft:
    login: str
    display_name: str
    credentials: str
    role: str


@dataclass(frozen=True)
class ClinicView:
    name: str
    timezone: str
    address: str
    idle_lock_minutes: int


def _view(u: User, renamed_from: str = "") -> UserView:
    return UserView(u.id, u.login, u.display_name, u.credentials, u.role, u.active,
                    u.last_login_at, u.requires_cosign, u.supervisor_id, renamed_from)


def _check(draft: UserDraft) -> Checker:
    c = Checker()
    check_login(c, "login", draft.login)
    c.text("display_name", "The name", draft.display_name)
    c.text("credentials", "Credentials", draft.credentials, required=False, max_len=100)
    if draft.role not in ROLES:
        c.fail("role", f"Role must be one of {', '.join(ROLES)}.")
    return c


def list_users(ws: Workspace) -> list[UserView]:
    with ws.read() as s:
        renamed = {r.user_id: r.old for r in login_renames(s)}  # the newest wins
        return [_view(u, renamed.get(u.id, ""))
                for u in s.scalars(select(User).order_by(User.display_name))]


def add_user(ws: Workspace, draft: UserDraft, password: str) -> UserView:
    ws.require("admin")
    c = _check(draft)
    c.password("password", password, (draft.login, draft.display_name))
    c.raise_if_any()
    login = normalise_login(draft.login)
    with ws.read() as s:
        if s.scalar(select(User.id).where(User.login == login)) is not None:
            raise Conflict(f"The login {login!r} is taken.")
    slot = new_slot(ws, login, password)  # the slow KDF, outside the write lock
    copy = travelling.copy_new(ws, slot, password)  # for the clinic's other laptops
    with ws.transaction() as s:
        if s.scalar(select(User.id).where(User.login == login)) is not None:
            raise Conflict(f"The login {login!r} is taken.")
        user = User(login=login, display_name=draft.display_name.strip(),
                    credentials=draft.credentials.strip(), role=draft.role, active=True,
                    created_at=ws.clock.now(), created_by_id=ws.actor.user_id)
        s.add(user)
        s.flush()
        audit.record(s, ws, "user.created", "user", user.id, role=user.role)
        bind_slot(s, ws, slot, user.id, "created")
        travelling.record(s, ws, user.id, copy)
        view = _view(user)
    store_slot(ws, slot, view.id)  # only after the commit: never a password that is unaudited
    return view


def update_user(ws: Workspace, user_id: int, draft: UserDraft) -> UserView:
    ws.require("admin")
    c = _check(draft)
    c.raise_if_any()
    with ws.transaction() as s:
        user = s.get(User, user_id)
        if user is None:
            raise NotFound("That account no longer exists.")
        if normalise_login(draft.login) != user.login:
            raise ValidationError({"login": "A login cannot be changed; add a new account."})
        if user.id == ws.actor.user_id and draft.role != "admin":
            raise ValidationError({"role": "You cannot take the admin role from yourself."})
        changed = {
            k: v for k, v in (("display_name", draft.display_name.strip()),
                              ("credentials", draft.credentials.strip()), ("role", draft.role))
            if getattr(user, k) != v
        }
        for k, v in changed.items():
            setattr(user, k, v)
        user.updated_at, user.updated_by_id = ws.clock.now(), ws.actor.user_id
        audit.record(s, ws, "user.updated", "user", user.id, fields=sorted(changed))
        return _view(user)


def set_supervision(ws: Workspace, user_id: int, requires_cosign: bool,
                    supervisor_id: int | None) -> UserView:
    """Whether the user's signed notes wait for co-signature (unlicensed or provisionally
    licensed staff), and the supervisor assigned to them (any supervisor may co-sign when
    none is)."""
    ws.require("admin")
    with ws.transaction() as s:
        user = s.get(User, user_id)
        if user is None:
            raise NotFound("That account no longer exists.")
        if supervisor_id is not None:
            sup = s.get(User, supervisor_id)
            if sup is None or not sup.active or sup.role != "supervisor":
                raise ValidationError({"supervisor": "Choose an active supervisor."})
            if sup.id == user.id:
                raise ValidationError({"supervisor": "Nobody supervises themselves."})
        if requires_cosign and user.role == "admin":
            raise ValidationError({"requires_cosign": "Admins do not sign clinical notes."})
        user.requires_cosign, user.supervisor_id = requires_cosign, supervisor_id
        user.updated_at, user.updated_by_id = ws.clock.now(), ws.actor.user_id
        audit.record(s, ws, "user.supervision", "user", user.id,
                     requires_cosign=requires_cosign, supervisor_id=supervisor_id)
        return _view(user)


def set_active(ws: Workspace, user_id: int, active: bool, password: str = "") -> UserView:
    """Deactivate (removes the key slot: the password stops working at once) or reactivate
    (needs a new password, since the old slot is gone)."""
    ws.require("admin")
    if user_id == ws.actor.user_id and not active:
        raise ValidationError({"active": "You cannot deactivate your own account."})
    if active:
        c = Checker()
        c.password("password", password)
        c.raise_if_any()
    slot = new_slot(ws, _login(ws, user_id), password) if active else None
    copy = travelling.copy_new(ws, slot, password) if slot is not None else None
    with ws.transaction() as s:
        user = s.get(User, user_id)
        if user is None:
            raise NotFound("That account no longer exists.")
        user.active = active
        user.updated_at, user.updated_by_id = ws.clock.now(), ws.actor.user_id
        audit.record(s, ws, "user.activated" if active else "user.deactivated", "user", user.id)
        if not active:
            # A clinic that syncs gets a new sync key that the deactivated account cannot
            # open, committed with the deactivation (``sync.epochs``).
            s.flush()
            from .sync import epochs

            epochs.rotate_in(s, ws, "user deactivated", strict=False)
        if slot is not None:
            bind_slot(s, ws, slot, user.id, "reactivated")
            travelling.record(s, ws, user.id, copy)
        view = _view(user)
    # After the commit. A slot left behind by a failed removal opens nothing: sign-in refuses
    # an inactive account.
    if slot is not None:
        store_slot(ws, slot, view.id)
    else:
        remove_slot(ws, view.login)
    return view


def _login(ws: Workspace, user_id: int) -> str:
    with ws.read() as s:
        login = s.scalar(select(User.login).where(User.id == user_id))
    if login is None:
        raise NotFound("That account no longer exists.")
    return login


def reset_password(ws: Workspace, user_id: int, password: str) -> None:
    ws.require("admin")
    c = Checker()
    c.password("password", password)
    c.raise_if_any()
    slot = new_slot(ws, _login(ws, user_id), password)
    copy = travelling.copy_new(ws, slot, password)
    with ws.transaction() as s:
        user = s.get(User, user_id)
        if user is None or not user.active:
            raise NotFound("No active account with that id.")
        audit.record(s, ws, "password.reset_by_admin", "user", user.id)
        bind_slot(s, ws, slot, user.id, "password reset")
        travelling.record(s, ws, user.id, copy)
    store_slot(ws, slot, user_id)


def clinic(ws: Workspace) -> ClinicView:
    with ws.read() as s:
        row = s.scalar(select(Clinic))
        if row is None:
            raise NotFound("The clinic record is missing.")
        return ClinicView(row.name, row.timezone, row.address, row.idle_lock_minutes)


def update_clinic(ws: Workspace, view: ClinicView) -> ClinicView:
    ws.require("admin")
    c = Checker()
    c.text("name", "The clinic name", view.name)
    tz = check_timezone(c, "timezone", view.timezone)
    c.text("address", "The address", view.address, required=False, max_len=2000)
    if not 1 <= view.idle_lock_minutes <= 240:
        c.fail("idle_lock_minutes", "Auto-lock must be between 1 and 240 minutes.")
    c.raise_if_any()
    with ws.transaction() as s:
        row = s.scalar(select(Clinic))
        if row is None:
            raise NotFound("The clinic record is missing.")
        row.name, row.address = view.name.strip(), view.address.strip()
        row.timezone, row.idle_lock_minutes = view.timezone.strip(), view.idle_lock_minutes
        row.updated_at, row.updated_by_id = ws.clock.now(), ws.actor.user_id
        audit.record(s, ws, "clinic.updated", "clinic", row.id)
    if tz is not None:
        ws.timezone = tz
    return clinic(ws)
