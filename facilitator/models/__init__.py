"""Typed SQLAlchemy 2 ORM, one module per aggregate. Importing this registers every table."""

from . import audit, curriculum, notes, roster, sessions, slots, sync, sync_security, users
from .base import Base

__all__ = ["Base", "audit", "curriculum", "notes", "roster", "sessions", "slots", "sync",
           "sync_security", "users"]
