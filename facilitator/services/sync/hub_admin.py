"""Hub administration (CLI ``hub init|status|add-laptop|remove-laptop|unfreeze``): no local
data folder involved.

An admin points these at the clinic's PostgreSQL with an account allowed to create schemas and
roles there. Put no password in the DSN (it would land in shell history): libpq reads
``PGPASSWORD`` or ``~/.pgpass``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from ...storage.hub import admin
from ...storage.hub.admin import DeviceStatus, HubStatus
from ...storage.hub.client import HubError
from ..errors import SyncProblem

__all__ = ["DeviceStatus", "HubStatus", "add_laptop", "hub_status", "init_hub",
           "remove_laptop", "unfreeze_device"]
T = TypeVar("T")


def _mapped(call: Callable[[], T]) -> T:
    try:
        return call()
    except HubError as error:
        raise SyncProblem(str(error)) from None


def init_hub(dsn: str, device_role: str = "facilitator_device") -> str:
    """Create or complete the hub's schema, functions and roles; returns the hub id."""
    return _mapped(lambda: admin.init(dsn, device_role))


def add_laptop(dsn: str, login: str) -> str:
    """Create one laptop's hub account; returns its password (show it once)."""
    return _mapped(lambda: admin.add_laptop(dsn, login))


def hub_status(dsn: str) -> HubStatus:
    """Devices with their last push and frozen state, entry count and size, forks found."""
    return _mapped(lambda: admin.status(dsn))


def remove_laptop(dsn: str, login: str) -> list[str]:
    """Disable a laptop's hub account and freeze its devices; returns the devices frozen.
    Rotate the clinic's sync key afterwards on an admin's laptop (``epochs.rotate``)."""
    return _mapped(lambda: admin.remove_laptop(dsn, login))


def unfreeze_device(dsn: str, device_id: str) -> str:
    """Let a frozen device push again; returns why it had been frozen."""
    return _mapped(lambda: admin.unfreeze(dsn, device_id))
