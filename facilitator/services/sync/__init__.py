"""Clinic sync use cases: this laptop's device identity and sync keys, collecting local changes
into signed entries, pushing and pulling them through the hub and applying what was pulled.
The entry format and checks are in ``facilitator.sync``; the hub client in ``storage.hub``."""
