"""One-time notices remembered in QSettings (booleans only, never PHI)."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QSettings

KEYRING_NOTICE_KEY = "notices/no_keyring_shown"


def take_keyring_notice(has_keyring: bool) -> str | None:
    """The "no OS keychain" notice the first time it applies on this computer, else None."""
    if has_keyring:
        return None
    settings = QSettings()
    if settings.value(KEYRING_NOTICE_KEY, False, type=bool):
        return None
    settings.setValue(KEYRING_NOTICE_KEY, True)
    settings.sync()
    return QCoreApplication.translate(
        "notices",
        "No operating-system keychain is available here, so your data is protected by "
        "passwords alone. Use long passwords, and keep backups and the data folder on an "
        "encrypted disk.")
