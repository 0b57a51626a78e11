"""Staff accounts and the clinic itself."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text, false, true
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, Tracked

ROLES = ("therapist", "supervisor", "admin")


class User(Tracked, Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(1000))
    credentials: Mapped[str] = mapped_column(String(100), default="")
    role: Mapped[str] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(default=True)
    last_login_at: Mapped[datetime | None]
    # Unlicensed or provisionally licensed staff: their signed notes wait for co-signature,
    # by their assigned supervisor or any supervisor.
    requires_cosign: Mapped[bool] = mapped_column(default=False, server_default=false())
    # No foreign key (see migration 0006): the users service checks it names a supervisor.
    supervisor_id: Mapped[int | None]


class Clinic(Tracked, Base):
    """One row: the clinic this database belongs to, and clinic-wide settings."""

    __tablename__ = "clinic"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(1000))
    timezone: Mapped[str] = mapped_column(String(64))
    address: Mapped[str] = mapped_column(Text, default="")
    idle_lock_minutes: Mapped[int] = mapped_column(default=10)
    # Backups are clinic policy (not a UI preference), so they live here rather than in
    # QSettings. An empty folder means the data folder's own ``backups/``.
    backup_folder: Mapped[str] = mapped_column(String(4000), default="", server_default="")
    backup_keep: Mapped[int] = mapped_column(default=14, server_default="14")
    auto_backup: Mapped[bool] = mapped_column(default=True, server_default=true())
    last_auto_backup_at: Mapped[datetime | None]
