"""``facilitator hub init|status|add-laptop --dsn DSN``: set up and watch the clinic hub.

    facilitator hub init --dsn "host=db.clinic.example dbname=facilitator user=hubadmin"
    facilitator hub add-laptop --dsn ... --name front_desk     # prints that laptop's password once
    facilitator hub status --dsn ...

No password in the DSN: libpq reads PGPASSWORD or ~/.pgpass (and ``sslmode=verify-full`` with
``sslrootcert=`` pins the hub's TLS certificate).
"""

from __future__ import annotations

import argparse

from .services.sync import hub_admin

ACTIONS = ("init", "status", "add-laptop")


def add_parser(sub: argparse._SubParsersAction) -> None:
    hub = sub.add_parser("hub", help="set up the clinic's PostgreSQL hub, add laptops, status")
    hub.add_argument("action", choices=ACTIONS)
    hub.add_argument("--dsn", required=True,
                     help="libpq connection string of the hub database (no password in it)")
    hub.add_argument("--device-role", default="facilitator_device",
                     help="group role of the laptops (init; default %(default)s)")
    hub.add_argument("--name", default="", help="the new laptop's hub account (add-laptop)")


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
