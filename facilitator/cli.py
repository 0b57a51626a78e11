"""Command line for admins and scripts: demo, verify, backup, restore, export, hub, sync.

Exit codes: 0 ok, 1 a check failed, 2 usage, 3 wrong password or locked out. Errors are one line
on stderr, never a traceback. The password comes from ``FACILITATOR_PASSWORD`` when set,
otherwise it is prompted for (never taken as an argument: it would land in shell history).
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NoReturn

from . import __version__, cli_export, cli_hub
from .clock import SystemClock
from .services import auth, maintenance
from .services.errors import AuthError, DatabaseDamaged, ServiceError, ValidationError
from .services.workspace import Workspace
from .storage.device import KeyringSecrets, NoDeviceSecrets
from .storage.vault import Vault, default_data_dir

OK, CHECK_FAILED, USAGE, AUTH = 0, 1, 2, 3
COMMANDS = ("demo", "verify", "backup", "restore", "export", "hub", "sync")


class CliError(Exception):
    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


class _Parser(argparse.ArgumentParser):
    """Errors in one line on stderr, exit 2 (usage); ``--help`` stays in full."""

    def error(self, message: str) -> NoReturn:
        self.exit(USAGE, f"{self.prog}: {message} (see {self.prog} --help)\n")


def _common(parser: argparse.ArgumentParser, *, top: bool = False) -> None:
    # Accepted before or after the command; SUPPRESS on the subcommand keeps a value given
    # before it from being overwritten by the subcommand's default.
    parser.add_argument("--data-dir", type=Path, default=None if top else argparse.SUPPRESS,
                        help="data folder (default: the user data folder)")
    parser.add_argument("--no-keyring", action="store_true",
                        default=False if top else argparse.SUPPRESS,
                        help="do not use the OS keychain (passwords alone)")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="facilitator", description="Facilitator: IOP group console. No command: the app.")
    parser.add_argument("--version", action="version", version=f"Facilitator {__version__}")
    _common(parser, top=True)
    sub = parser.add_subparsers(dest="command")
    demo = sub.add_parser("demo", help="create the fictional demo clinic in an empty folder")
    _common(demo)
    verify = sub.add_parser("verify", help="check database, audit chain and schema level")
    _common(verify)
    verify.add_argument("--user", required=True)
    backup = sub.add_parser("backup", help="write an encrypted backup (safe while the app runs)")
    _common(backup)
    backup.add_argument("--user", required=True)
    backup.add_argument("--to", type=Path, required=True, dest="target")
    restore = sub.add_parser(
        "restore", help="restore a backup into a new, empty folder (needs a password of the"
        " backup, or its recovery key)")
    _common(restore)
    restore.add_argument("--from", type=Path, required=True, dest="source")
    restore.add_argument("--user", default="",
                         help="a login of the backup; without it, the recovery key is asked for"
                         " (or read from FACILITATOR_RECOVERY_KEY)")
    cli_export.add_parser(sub, _common)
    cli_hub.add_parser(sub)
    cli_hub.add_sync_parser(sub, _common)
    return parser


def _password(prompt: str = "Password: ") -> str:
    return _secret("FACILITATOR_PASSWORD", prompt)


def _secret(variable: str, prompt: str) -> str:
    env = os.environ.get(variable)
    if env:
        return env
    if not sys.stdin.isatty():
        raise CliError(f"no {prompt.split(':')[0].lower()}: set {variable} or run in a"
                       " terminal", USAGE)
    return getpass.getpass(prompt)


def _vault(args: argparse.Namespace) -> Vault:
    device = NoDeviceSecrets() if args.no_keyring else KeyringSecrets()
    return Vault(args.data_dir or default_data_dir(), device=device)


def _sign_in(args: argparse.Namespace, *, check_first: bool = False) -> Workspace:
    vault = _vault(args)
    if not vault.exists():
        raise CliError(f"no Facilitator data in {vault.data_dir}", USAGE)
    return auth.sign_in(vault, SystemClock(), args.user, _password(), check_first=check_first)


def cmd_demo(args: argparse.Namespace) -> int:
    from .services.demo import create_demo

    vault = _vault(args)
    if vault.exists():
        raise CliError(f"{vault.data_dir} already holds data; demo needs an empty folder", USAGE)
    ws, recovery = create_demo(vault, SystemClock(), _password("Password for the demo users: "))
    ws.close()
    print(f"Demo clinic created in {vault.data_dir}")
    print("Users: admin, therapist, supervisor, associate (all with the password you gave)")
    print(f"Recovery key (shown once, store it safely): {recovery}")
    return OK


def cmd_verify(args: argparse.Namespace) -> int:
    try:
        # The checks run before the sign-in writes its login event: never into damaged data.
        ws = _sign_in(args, check_first=True)
    except DatabaseDamaged as damaged:
        if not damaged.problems:
            raise
        print(f"Database file: {len(damaged.problems)} problem(s)")
        print("\n".join(f"Problem: {p}" for p in damaged.problems))
        print("Nothing was written to the database.")
        print(f"verify failed: {damaged.problems[0]}", file=sys.stderr)
        return CHECK_FAILED
    try:
        report = maintenance.verify(ws, file_checked=True)
    finally:
        auth.sign_out(ws)
    print("\n".join(report.lines))
    if not report.ok:
        print(f"verify failed: {report.first_problem}", file=sys.stderr)
        return CHECK_FAILED
    return OK


def cmd_backup(args: argparse.Namespace) -> int:
    ws = _sign_in(args)
    try:
        info = maintenance.backup(ws, args.target)
    finally:
        auth.sign_out(ws)
    print(f"Backup written: {info.path} ({info.size_bytes:,} bytes)")
    return OK


def cmd_restore(args: argparse.Namespace) -> int:
    target = args.data_dir
    if target is None:
        raise CliError("restore needs --data-dir NEW (a new, empty folder)", USAGE)
    maintenance.check_target(target)
    if args.user:
        secret = _password(f"Password of {args.user} in the backup: ")
    else:
        secret = _secret("FACILITATOR_RECOVERY_KEY", "Recovery key of the backup: ")
    device = NoDeviceSecrets() if args.no_keyring else KeyringSecrets()
    outcome = maintenance.restore(args.source, target, device, SystemClock(), args.user, secret)
    when = f"{outcome.backup_created_at:%Y-%m-%d %H:%M} UTC" if outcome.backup_created_at else "?"
    print(f"Restored the backup of {when} into {target}")
    return OK


def cmd_export(args: argparse.Namespace) -> int:
    ws = _sign_in(args)
    try:
        print(cli_export.run(args, ws, lambda message: CliError(message, USAGE)))
    finally:
        auth.sign_out(ws)
    return OK


def cmd_hub(args: argparse.Namespace) -> int:
    print("\n".join(cli_hub.run(args, lambda message: CliError(message, USAGE))))
    return OK


def cmd_sync(args: argparse.Namespace) -> int:
    if args.action == "join":  # nobody signs in: the laptop has no data yet
        print("\n".join(cli_hub.run_join(args, _vault(args))))
        return OK
    if not args.user:
        raise CliError(f"sync {args.action} needs --user", USAGE)
    typed: list[str] = []  # asked once: enrol confirms with the password of the sign-in

    def sign_in() -> Workspace:
        vault = _vault(args)
        if not vault.exists():
            raise CliError(f"no Facilitator data in {vault.data_dir}", USAGE)
        typed.append(_password())
        return auth.sign_in(vault, SystemClock(), args.user, typed[-1])

    print("\n".join(cli_hub.run_sync(args, sign_in, lambda: typed[-1])))
    return OK


HANDLERS: dict[str, Callable[[argparse.Namespace], int]] = {
    "demo": cmd_demo, "verify": cmd_verify, "backup": cmd_backup, "restore": cmd_restore,
    "export": cmd_export, "hub": cmd_hub, "sync": cmd_sync,
}


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as done:  # argparse already printed usage or --version
        return int(done.code or 0)
    if args.command is None:
        print("facilitator: no command given (see facilitator --help)", file=sys.stderr)
        return USAGE
    try:
        return HANDLERS[args.command](args)
    except CliError as error:
        print(f"facilitator: {error}", file=sys.stderr)
        return error.code
    except AuthError as error:
        print(f"facilitator: {error}", file=sys.stderr)
        return AUTH
    except ValidationError as error:  # input refused (a too-short password…): a usage error
        print(f"facilitator: {error}", file=sys.stderr)
        return USAGE
    except ServiceError as error:
        print(f"facilitator: {error}", file=sys.stderr)
        return CHECK_FAILED
    except KeyboardInterrupt:
        print("facilitator: interrupted", file=sys.stderr)
        return USAGE
    except Exception as error:  # a bug or an unforeseen OS error: still one line, no traceback
        # Only the type: the text of a driver error can quote the values of a statement (PHI).
        print(f"facilitator: unexpected error ({type(error).__name__}); run 'verify' and tell"
              " your administrator if it happens again", file=sys.stderr)
        return CHECK_FAILED
