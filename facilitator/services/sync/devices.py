"""What this laptop knows about each device of the clinic, and ``verify``'s report on them.

Per device (``sync_devices`` beside ``sync_peers``): the newest sync-key epoch its entries
acknowledged (the epoch rule of ``facilitator.sync.chain``), what the hub said of it at the last
round (its head, frozen or not), and the entries of it that failed a check here (a forged
signature, a fork, a broken chain, an epoch gone backwards), counted with the last sentence.
``report`` turns this, the chain heads and the travelled audit chains into the lines ``verify``
prints for every known device.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ...models.sync import SyncIdentity, SyncPeer, SyncSeen
from ...models.sync_security import SyncDevice
from ..workspace import Workspace
from . import audit_travel


def device(s: Session, device_id: str) -> SyncDevice:
    row = s.get(SyncDevice, device_id)
    if row is None:
        row = SyncDevice(device_id=device_id, epoch=0, hub_seq=0, frozen=False, failures=0,
                         last_failure="", forks=0)
        s.add(row)
    return row


def acknowledged(s: Session, device_id: str) -> int:
    row = s.get(SyncDevice, device_id)
    return row.epoch if row is not None else 0


def note_heads(ws: Workspace, heads: Iterable[tuple[str, int, bool]]) -> None:
    """Remember the hub's head and frozen flag of every device (device id, seq, frozen)."""
    with ws.transaction() as s:
        for device_id, seq, frozen in heads:
            row = device(s, device_id)
            row.hub_seq, row.frozen = seq, frozen


def note_failure(ws: Workspace, device_id: str, message: str, *, fork: bool) -> None:
    """An entry of ``device_id`` failed its checks (the round's batch rolled back): count it."""
    with ws.transaction() as s:
        row = device(s, device_id)
        row.failures += 1
        row.forks += 1 if fork else 0
        row.last_failure = message


@dataclass(frozen=True)
class DeviceReport:
    device_id: str
    this_laptop: str  # "current", "earlier" (a retired identity of this database) or ""
    entries: int
    head_hash: str
    hub_seq: int
    chain_ok: bool
    frozen: bool
    forks: int
    failures: int
    last_failure: str
    epoch: int
    audit_events: int
    audit_problem: str | None

    def lines(self) -> list[str]:
        me = {"current": " (this laptop)",
              "earlier": " (this database before it was restored or copied)"}.get(
                  self.this_laptop, "")
        head = self.head_hash[:16] if self.entries else "-"
        state = "FROZEN on the hub" if self.frozen else "not frozen"
        chain = "signatures and chain hold" if self.chain_ok else "chain has gaps here"
        out = [f"  device {self.device_id}{me}: {self.entries} entries, head {head},"
               f" hub holds {self.hub_seq}; {chain}; {state}; key epoch {self.epoch}"]
        if self.this_laptop == "current":
            out.append("    audit events: this laptop's own log (the audit chain above)")
        else:
            out.append(f"    audit events held: {self.audit_events}"
                       + (f" - {self.audit_problem}" if self.audit_problem else
                          (" (chain intact)" if self.audit_events else "")))
        if self.forks:
            out.append(f"    forks seen: {self.forks} (two different entries at one seq)")
        if self.failures:
            out.append(f"    entries refused: {self.failures}; last: {self.last_failure}")
        return out

    @property
    def problem(self) -> str | None:
        if self.forks:
            return f"device {self.device_id} forked its chain"
        if self.failures:
            return f"device {self.device_id}: {self.failures} entry(ies) refused"
        if self.audit_problem:
            return f"device {self.device_id}: {self.audit_problem}"
        if not self.chain_ok:
            return f"device {self.device_id}: its chain has gaps on this laptop"
        return None


def report(ws: Workspace) -> list[DeviceReport]:
    """Every device this laptop knows (its own included), for ``verify``."""
    with ws.read() as s:
        mine = {i.device_id: i for i in s.scalars(select(SyncIdentity))}
        peers = {p.device_id: p for p in s.scalars(select(SyncPeer))}
        states = {d.device_id: d for d in s.scalars(select(SyncDevice))}
        seen = dict(s.execute(select(SyncSeen.device_id, func.count())
                              .group_by(SyncSeen.device_id)).all())
        ids = sorted(set(peers) | set(states) | set(audit_travel.devices_with_events(s))
                     | {d for d, i in mine.items() if i.seq})
        out = []
        for device_id in ids:
            peer, state, own = peers.get(device_id), states.get(device_id), mine.get(device_id)
            entries = peer.head_seq if peer else (own.seq if own else 0)
            head = (peer.head_hash if peer else own.head_hash if own else b"").hex()
            chain_ok = peer is None or seen.get(device_id, 0) == peer.head_seq
            audit = audit_travel.check_chain(s, device_id)
            out.append(DeviceReport(
                device_id, "" if own is None else "earlier" if own.retired_at else "current",
                entries, head, state.hub_seq if state else 0,
                chain_ok, bool(state and state.frozen), state.forks if state else 0,
                state.failures if state else 0, state.last_failure if state else "",
                state.epoch if state else 0, audit.events, audit.problem))
    return out


def verify_section(ws: Workspace) -> tuple[list[str], list[str]]:
    """``verify``'s lines about the clinic's devices, and the problems among them. Nothing when
    this laptop does not sync. Entries are checked (signature, chain, epoch) when they are
    pulled and only then applied; what this reports is what those checks found and recorded."""
    found = report(ws)
    if not found:
        return [], []
    lines = [f"Clinic sync devices: {len(found)}"]
    problems = []
    for item in found:
        lines.extend(item.lines())
        if item.problem is not None:
            problems.append(item.problem)
    frozen = [d.device_id for d in found if d.frozen]
    if frozen:
        lines.append(f"  frozen on the hub: {', '.join(frozen)}")
    return lines, problems
