"""Test helper: laptops (real data folders with their own SQLCipher databases) of one clinic,
each with its own hub account, syncing through one hub. A laptop joins as a restore of
another laptop's backup: quicker than enrolment, which ``tests/sync/enrolling.py`` drives, and
what a clinic restoring a laptop from a backup does."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from keyrings.alt.file import PlaintextKeyring

from facilitator.clock import FakeClock
from facilitator.services import auth, maintenance
from facilitator.services.sync import dump, run
from facilitator.services.workspace import Workspace
from facilitator.storage.device import KeyringSecrets
from facilitator.storage.vault import Vault
from tests.conftest import FAST_KDF, PASSWORD
from tests.pg import Cluster
from tests.sync.fresh import empty_the_record


@dataclass
class Laptop:
    name: str
    vault: Vault
    clock: FakeClock
    dsn: str
    opened: dict[str, Workspace] = field(default_factory=dict)

    def sign_in(self, login: str = "admin") -> Workspace:
        """That user's workspace on this laptop (signed in once, then reused)."""
        if login not in self.opened:
            self.opened[login] = auth.sign_in(self.vault, self.clock, login, PASSWORD)
        return self.opened[login]

    def sync(self, login: str = "admin") -> run.SyncReport:
        return run.sync_now(self.sign_in(login), self.dsn)

    def dump(self) -> dict:
        return dump.canonical_dump(self.sign_in())

    def close(self) -> None:
        for ws in self.opened.values():
            ws.close()
        self.opened.clear()


class Clinic:
    """Laptops of one clinic against one hub database."""

    def __init__(self, cluster: Cluster, hub_db: str, tmp: Path, keyring: PlaintextKeyring,
                 clock: FakeClock) -> None:
        self.cluster, self.hub_db, self.tmp = cluster, hub_db, tmp
        self.keyring, self.clock = keyring, clock
        self.laptops: list[Laptop] = []

    def vault(self, name: str) -> Vault:
        return Vault(self.tmp / name, device=KeyringSecrets(self.keyring), kdf=FAST_KDF)

    def adopt(self, name: str, vault: Vault) -> Laptop:
        laptop = Laptop(name, vault, self.clock,
                        self.cluster.dsn(self.hub_db, self.cluster.laptop_role(self.hub_db)))
        self.laptops.append(laptop)
        return laptop

    def join_from(self, source: Laptop, name: str) -> Laptop:
        """A new laptop from a backup of ``source`` (a new install: a new device identity)."""
        backup = self.tmp / f"{name}.fbak"
        maintenance.backup(source.sign_in(), backup)
        vault = self.vault(name)
        maintenance.restore(backup, vault.data_dir, vault.device, self.clock, "admin", PASSWORD)
        return self.adopt(name, vault)

    def in_step(self, vault: Vault) -> tuple[Laptop, Laptop]:
        """Laptop A (``vault``) and laptop B joined from it, each after its first round."""
        a = self.adopt("A", vault)
        a.sync()
        b = self.join_from(a, "B")
        b.sync()
        return a, b

    def address(self) -> str:
        """The hub address an admin gives a new laptop (no account: the code brings one)."""
        return f"host={self.cluster.host} port={self.cluster.port} dbname={self.hub_db}"

    def enrol(self, source: Laptop, name: str) -> Laptop:
        """A fresh laptop joined with a one-time code made by ``source``'s admin."""
        from facilitator.services.sync import enrol, join

        code = enrol.create_code(source.sign_in(), PASSWORD).code
        vault = self.vault(name)
        join.join_clinic(vault.data_dir, self.address(), code, self.clock,
                         device=vault.device, kdf=FAST_KDF)
        laptop = Laptop(name, vault, self.clock, "")  # the hub address is stored
        self.laptops.append(laptop)
        return laptop

    def fresh_from(self, source: Laptop, name: str) -> Laptop:
        """A new laptop holding the clinic's keys and no record yet (``tests/sync/fresh.py``)."""
        laptop = self.join_from(source, name)
        empty_the_record(laptop.sign_in())
        return laptop

    def close(self) -> None:
        for laptop in self.laptops:
            laptop.close()
