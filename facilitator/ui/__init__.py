"""The PySide6 desktop shell: windows, pages, dialogs and Qt item models over service results.

Nothing here holds clinical rules or talks SQL; it calls ``facilitator.services``."""
