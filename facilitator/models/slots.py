"""Users' key-slot copies that travel between a clinic's laptops (clinic sync).

A laptop's own ``keys.json`` slot may be bound to that machine's OS keychain, which no other
laptop has. So whenever a user's key pair is in hand on a syncing laptop (her password is set or
changed, or she signs in), a *password-only* copy of her slot is stored here: the same X25519
public key, its private half wrapped under a key derived from the password alone (Argon2id, its
own salt). The row travels like any synced record (inside entries encrypted under the clinic
sync key), and every laptop installs the newest copy into its ``keys.json``, sealing its own data
key to the public key (``services.sync.slots``). No data key, no password, nothing in clear.

Several rows per user may exist (two laptops may each make one before they sync); the newest
(``made_at``, then ``public``) is the user's slot everywhere.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class TravelSlot(Base):
    __tablename__ = "travel_slots"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    public: Mapped[str] = mapped_column(String(64))  # base64 X25519 public key
    slot: Mapped[dict[str, Any]]  # the slot's fields as in keys.json, without sealed keys
    made_at: Mapped[datetime]
