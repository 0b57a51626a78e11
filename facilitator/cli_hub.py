"""``facilitator hub init|status|add-laptop|remove-laptop|unfreeze --dsn DSN``: set up and watch
the clinic hub; ``facilitator sync now|status|rotate-key --user U``: one sync round of this
laptop, its state, or a new clinic sync key after a laptop was removed.

    facilitator hub init --dsn "host=db.clinic.example dbname=facilitator user=hubadmin"
    facilitator hub add-laptop --dsn ... --name front_desk     # prints that laptop's password once
    facilitator hub status --dsn ...
    facilitator hub remove-laptop --dsn ... --name front_desk  # then, on an admin's laptop:
    facilitator sync rotate-key --user admin
    facilitator hub unfreeze --dsn ... --device 0190...        # after looking at why

    facilitator sync now --user admin --dsn "host=... dbname=facilitator user=front_desk"
    facilitator sync now --user therapist          # the hub address is remembered
    facilitator sync enrol --user admin            # a one-time code for a new laptop
    facilitator sync join --data-dir D --dsn "host=... dbname=facilitator" --code 7KQ4-...

No password in the DSN: libpq reads PGPASSWORD or ~/.pgpass (and ``sslmode=verify-full`` with
``sslrootcert=`` pins the hub's TLS certificate). The user's own password comes the same way as
for the other commands (FACILITATOR_PASSWORD or a prompt).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

from .services import auth
from .services.errors import ValidationError
from .services.sync import conflicts, enrol, epochs, hub_admin
from .services.sync import run as sync_run
from .services.workspace import Workspace
from .storage.vault import Vault

ACTIONS = ("init", "status", "add-laptop", "remove-laptop", "unfreeze")


def add_parser(sub: argparse._SubParsersAction) -> None:
    hub = sub.add_parser("hub", help="set up the clinic's PostgreSQL hub, add laptops, status")
    hub.add_argument("action", choices=ACTIONS)
    hub.add_argument("--dsn", required=True,
                     help="libpq connection string of the hub database (no password in it)")
    hub.add_argument("--device-role", default="facilitator_device",
                     help="group role of the laptops (init; default %(default)s)")
    hub.add_argument("--name", default="",
                     help="the laptop's hub account (add-laptop, remove-laptop)")
    hub.add_argument("--device", default="", help="the device id to unfreeze (unfreeze)")


def add_sync_parser(sub: argparse._SubParsersAction,
                    common: Callable[[argparse.ArgumentParser], None]) -> None:
    sync = sub.add_parser("sync", help="sync this laptop with the clinic hub now, or its state")
    common(sync)
    sync.add_argument("action", choices=("now", "status", "rotate-key", "enrol", "join"))
    sync.add_argument("--user", default="", help="who signs in (all but join)")
    sync.add_argument("--dsn", default=None,
                      help="the hub (libpq connection string; remembered for later rounds)")
    sync.add_argument("--code", default="", help="the one-time enrolment code (join)")
    sync.add_argument("--hours", type=int, default=24,
                      help="how long a new enrolment code is valid (enrol; default 24)")


def run_join(args: argparse.Namespace, vault: Vault) -> list[str]:
    """``sync join``: this empty data folder joins the clinic with a one-time code."""
    from .clock import SystemClock
    from .services.sync import join

    if not args.dsn or not args.code:
        raise ValidationError({"code": "sync join needs --dsn (the hub address, no account)"
                                       " and --code (the enrolment code)."})
    from .services.app_state import holding_folder

    # Held like the app holds it: an app started on this folder meanwhile is refused rather
    # than removing the join's hidden work folder as a leftover (``storage.joining``).
    with holding_folder(vault):
        joined = join.join_clinic(vault.data_dir, args.dsn, args.code, SystemClock(),
                                  device=vault.device, kdf=vault.kdf, progress=print)
    return [f"Joined the clinic in {vault.data_dir}: {joined.entries} entries pulled.",
            f"Who can sign in here: {', '.join(joined.users) or 'nobody yet'}."]


def _enrol_lines(code: enrol.EnrolmentCode) -> list[str]:
    lines = ["Enrolment code (shown once; valid until"
             f" {code.expires_at:%Y-%m-%d %H:%M} UTC, works once):", code.code,
             f"On the new laptop: hub address \"{code.hub}\", then this code."]
    if code.without_slot:
        lines.append("Not yet able to sign in on the new laptop (they must sign in once on a"
                     f" syncing laptop first): {', '.join(code.without_slot)}")
    return lines


def run_sync(args: argparse.Namespace, sign_in: Callable[[], Workspace],
             password: Callable[[], str] = str) -> list[str]:
    """The lines to print for ``sync now|status|enrol|rotate-key``."""
    ws = sign_in()
    try:
        if args.action == "enrol":
            return _enrol_lines(enrol.create_code(ws, password(), args.hours))
        if args.action == "now":
            r = sync_run.sync_now(ws, args.dsn)
            lines = [f"Synced: {r.pushed} entries pushed, {r.pulled} pulled, {r.applied} changes"
                     f" applied, {r.pending} waiting."]
            if r.conflicts:
                lines.append(f"{r.conflicts} record(s) need an admin: edited, or made with one"
                             " chart number, login or version, on two laptops at once (both"
                             " are kept; see 'sync status' or the Sync conflicts page).")
            return lines
        if args.action == "rotate-key":
            result = epochs.rotate(ws, "laptop removed from the clinic")
            if result is None:
                return ["This laptop does not sync yet: there is no clinic sync key to replace."]
            lines = [f"New clinic sync key (epoch {result.epoch}) sealed to:"
                     f" {', '.join(result.recipients) or 'nobody'}. It goes out with the next"
                     " sync round."]
            if result.left_out:
                lines.append("Not sealed to (no key of theirs is known on any laptop this"
                             " one syncs with; set or reset their password on a syncing laptop,"
                             " sync, and rotate again):"
                             f" {', '.join(result.left_out)}.")
            return lines
        st = sync_run.status(ws)
        last = f"{st.last_sync_at:%Y-%m-%d %H:%M} UTC" if st.last_sync_at else "never"
        lines = [f"Hub: {st.hub or 'not set up'}", f"Device: {st.device_id or 'none yet'}",
                 f"Last synced: {last}", f"Changes waiting: {st.pending_changes}",
                 f"Records needing an admin: {st.conflicts}",
                 f"Problem: {st.last_problem or 'none'}"]
        if st.conflicts and ws.actor.role in ("admin", "supervisor"):
            # Where to look, not the values themselves (they may be a name).
            lines += [f"  {f.table} record {f.row_key}: "
                      + (f"made on two laptops with one {f.field_name}; both kept"
                         if f.field == conflicts.CLASH else f"{f.field} has {len(f.values)} values")
                      for f in conflicts.flagged(ws)]
        return lines
    finally:
        auth.sign_out(ws)


def run(args: argparse.Namespace, usage_error: type[Exception]) -> list[str]:
    """The lines to print for one hub command."""
    if args.action == "init":
        hub_id = hub_admin.init_hub(args.dsn, args.device_role)
        return [f"Hub ready (id {hub_id}). Add each laptop with 'hub add-laptop'."]
    if args.action == "add-laptop":
        if not args.name:
            raise usage_error("hub add-laptop needs --name (the laptop's hub account)")
        password = hub_admin.add_laptop(args.dsn, args.name)
        return [f"Hub account {args.name} created. Its password (shown once):", password]
    if args.action == "remove-laptop":
        if not args.name:
            raise usage_error("hub remove-laptop needs --name (the laptop's hub account)")
        frozen = hub_admin.remove_laptop(args.dsn, args.name)
        return [f"Hub account {args.name} disabled; {len(frozen)} device(s) of it frozen.",
                "Now rotate the clinic's sync key on an admin's laptop:"
                " facilitator sync rotate-key --user <admin>."]
    if args.action == "unfreeze":
        if not args.device:
            raise usage_error("hub unfreeze needs --device (the device id, see 'hub status')")
        reason = hub_admin.unfreeze_device(args.dsn, args.device)
        return [f"Device {args.device} may push again (it was frozen: {reason or 'no reason'})."]
    status = hub_admin.hub_status(args.dsn)
    lines = [f"Hub {status.hub_id}: {len(status.devices)} device(s), {status.entries:,} entries,"
             f" {status.bytes:,} bytes, {status.equivocations} fork(s) on record"]
    for d in status.devices:
        last = f"{d.last_push_at:%Y-%m-%d %H:%M} UTC" if d.last_push_at else "never"
        state = f"FROZEN since {d.frozen_at:%Y-%m-%d %H:%M} UTC: {d.frozen_reason}" \
            if d.frozen_at else "ok"
        lines.append(f"  {d.device_id}  account {d.account}  entries {d.entries:,}"
                     f"  last push {last}  {state}")
    return lines
